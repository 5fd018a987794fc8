"""`chronic`: the person's outpatient chronic-disease filings (门诊慢特病备案, 5301), for the cashier and IT.

    yibao-terminal chronic --cert-type 02 --cert-no ID [--json]      (or --card / --ecode / --ecode-image)

Prints each filed disease with its dates and whether it is in force today (a 门诊慢特病 bill, med_type 14 with
``opsp_dise_code``, settles only for one in force: docs/protocol-chronic.md). Exit codes: 0 answered (also with
no filings); 1 refused by the platform; 2 bad arguments or configuration; 3 the platform unreachable.
"""
from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from .common import add_common_options, load_config
from .credential import add_credential_args, read_credential
from .output import fail, print_json


def cmd_chronic(args: argparse.Namespace) -> int:
    from terminal.app import platform_session
    from terminal.backend.errors import BusinessError, PlatformError
    from terminal.services.outpatient import SettlementService

    cfg = load_config(args)
    if not cfg.checks.chronic:
        return fail(args, "本机构未开通门诊慢特病结算（配置 [checks] chronic = false）", 2, "disabled")
    today = date.today().isoformat()
    with platform_session(cfg) as (client, _sandbox):
        svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs)
        try:
            cred = read_credential(args, cfg, client)
            person = svc.identify(cred)
            filings = svc.chronic_filings(person, args.insutype or "")
        except PlatformError as e:
            return fail(args, str(e), 1 if isinstance(e, BusinessError) else 3, type(e).__name__)
    rows: list[dict[str, Any]] = [{"opsp_dise_code": f.code, "opsp_dise_name": f.name, "begndate": f.begndate,
                                   "enddate": f.enddate, "in_force": f.in_force(today), "why_not": f.why_not(today)}
                                  for f in filings]
    head = f"{person.masked_name} {person.masked_certno} 门诊慢特病备案"
    text = f"{head}：无" if not rows else f"{head}：{len(rows)} 项"
    if args.json:
        print_json({"ok": True, "message": text, "psn_no": person.psn_no, "date": today, "filings": rows})
        return 0
    print(text)
    for f in filings:
        why = f.why_not(today)
        print(f"  {f.label}  {f.begndate or '—'} 至 {f.enddate or '长期'}  {'✗ ' + why if why else '✓ 有效'}")
    return 0


def add_parsers(subparsers: Any) -> None:
    p = subparsers.add_parser("chronic", help="查询参保人的门诊慢特病备案 (1101, 5301)")
    add_credential_args(p)
    p.add_argument("--insutype", default="", help="险种（多险种参保人时取其参保地）")
    add_common_options(p)
    p.set_defaults(func=cmd_chronic)
