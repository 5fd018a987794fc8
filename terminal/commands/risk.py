"""Fund supervision from the command line (docs/protocol-risk.md): what 3101 says about a bill before it is settled.

    yibao-terminal risk check --cert-type 02 --cert-no ID --bill BILL.json [--insutype T] [--json]
                              [--continue REASON | --go-back]

Identifies the person (1101), runs 3101 with trig_scen 7 (门诊预结算) on the bill as it is (nothing uploaded) and
lists the warnings per bill line. Without a choice, warnings end with exit 1 (nothing answered); ``--continue
REASON`` continues every warning with that reason, ``--go-back`` sends every one back, both with 3103. Every message
is journaled like the window's.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from terminal.commands.common import add_common_options, load_config
from terminal.commands.credential import add_credential_args, read_credential
from terminal.commands.output import fail, print_json


def cmd_risk_check(args) -> int:
    from terminal.app import open_store, platform_session, settlement_service
    from terminal.backend.errors import PlatformError
    from terminal.core import wire
    from terminal.core.desk_risk import encounter_id
    from terminal.core.models import Bill
    from terminal.core.risk import Decision
    from terminal.services.risk import RiskService

    cfg = load_config(args)
    try:
        bill = Bill.from_dict(wire.loads(Path(args.bill).read_text(encoding="utf-8")), limits=cfg.bill.limits)
    except (OSError, ValueError) as e:
        return fail(args, f"账单文件错误 {args.bill}: {e}", 2, "bill", prefix="")
    if args.continue_reason is not None and not args.continue_reason.strip():
        return fail(args, "继续执行须填写原因（--continue 原因）", 2, "UsageError")
    store = open_store(cfg)
    with store, platform_session(cfg, observer=store.journal) as (client, _sandbox):
        svc = settlement_service(cfg, client, store)
        risk = RiskService(svc, fixmedins_code=cfg.facility.code, treatment_admdvs=cfg.facility.admdvs)
        try:
            person = svc.identify(read_credential(args, cfg, client))
            ins = person.insurance(args.insutype)
            review = risk.before_outpatient(person, bill, ins.insutype, ins.insuplc_admdvs, encounter_id(bill))
            answered = ""
            if review.violations and (args.continue_reason is not None or args.go_back):
                review.decide([Decision.go_on(v.warn_rslt_id, args.continue_reason) if not args.go_back
                               else Decision.go_back(v.warn_rslt_id) for v in review.violations])
                risk.feedback(review, ins.insuplc_admdvs)
                answered = "go_back" if args.go_back else "continue"
        except PlatformError as e:
            return fail(args, e.user_message, 1, type(e).__name__, msgid=e.msgid)
        except LookupError as e:
            return fail(args, str(e.args[0]) if e.args else str(e), 1, "not_found")
    warnings = [{"warn_rslt_id": v.warn_rslt_id, "rule_id": v.rule_id, "rule_name": v.rule_name,
                 "severity": v.severity, "sev_deg": v.sev_deg, "lines": review.where(v), "text": v.text,
                 "evidence": v.evidence, "amount": f"{v.amount:.2f}"} for v in review.violations]
    out: dict[str, Any] = {"ok": True, "infno": "3101", "trig_scen": review.trig_scen, "warnings": warnings,
                           "answered": answered}
    if args.json:
        print_json(out)
    else:
        _print(out, person.masked_name)
    return 1 if warnings and not answered else 0


def _print(out: dict[str, Any], name: str) -> None:
    if not out["warnings"]:
        print(f"医保事前审核 (3101)：{name} 的账单无违规提示")
        return
    print(f"医保事前审核 (3101)：{name} 的账单有 {len(out['warnings'])} 条违规提示")
    for w in out["warnings"]:
        print(f"  [{w['severity']}] {w['lines'] or '—'}  {w['rule_name']}：{w['text']}")
        if w["evidence"]:
            print(f"      依据：{w['evidence']}")
    if out["answered"]:
        print("已反馈医保 (3103)：" + ("全部返回修改" if out["answered"] == "go_back" else "全部继续执行"))
    else:
        print("未反馈：加 --continue 原因（继续执行）或 --go-back（返回修改）", file=sys.stderr)


def add_parsers(subparsers: Any) -> None:
    r = subparsers.add_parser("risk", help="医保基金监管事前审核 (3101 / 3103)")
    rs = r.add_subparsers(dest="risk_command", required=True, metavar="{check}")
    c = rs.add_parser("check", help="一张账单的事前分析 (3101)，可一并反馈 (3103)")
    add_credential_args(c)
    c.add_argument("--bill", required=True, help="账单 JSON 文件")
    c.add_argument("--insutype", help="险种 (多险种时必选)")
    choice = c.add_mutually_exclusive_group()
    choice.add_argument("--continue", dest="continue_reason", metavar="REASON", help="全部继续执行，原因必填")
    choice.add_argument("--go-back", action="store_true", help="全部返回修改")
    add_common_options(c)
    c.set_defaults(func=cmd_risk_check)
