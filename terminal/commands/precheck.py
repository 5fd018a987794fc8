"""`yibao-terminal precheck`: the pre-flight of a patient before anything is uploaded: 1101, then 2001 人员待遇享受检查
and the cross-province filing (5302), per ``[checks]``. The patient identifies as for `settle` (card, e-code, ID).

Exit code: 0 可报销, 1 不可报销 (or a refusal), 3 not known (a check could not run, or [checks] has none on).
"""
from __future__ import annotations

import argparse
from typing import Any

from terminal.commands.common import add_common_options, load_config
from terminal.commands.credential import add_credential_args, read_credential
from terminal.commands.output import fail, print_json
from terminal.core.errors import user_message_of


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("precheck", help="结算前检查：人员待遇享受检查 (2001) 与异地就医备案 (5302)")
    add_credential_args(p)
    p.add_argument("--insutype", help="险种 (多险种时必选，如 310 / 390)")
    p.add_argument("--med-type", default="11", help="医疗类别 (11 普通门诊, 14 门诊慢特病, 21 住院, 41 药店)")
    p.add_argument("--unmask", action="store_true", help="显示完整姓名与证件号")
    add_common_options(p)
    p.set_defaults(func=cmd_precheck)


def cmd_precheck(args: argparse.Namespace) -> int:
    from terminal.app import open_store, platform_session, precheck_service, settlement_service
    from terminal.backend.errors import PlatformError
    from terminal.core.regions import place_name
    from terminal.store import StoreError

    cfg = load_config(args)
    try:
        store = open_store(cfg)
    except StoreError as e:
        return fail(args, user_message_of(e), 2, "journal")
    with store, platform_session(cfg, observer=store.journal) as (client, _sandbox):
        svc = settlement_service(cfg, client, store)
        try:
            cred = read_credential(args, cfg, client)
            person = svc.identify(cred)
            active = [i for i in person.insurances if i.active]
            insutype = args.insutype or (active[0].insutype if len(active) == 1 else "")
            if not insutype and len(person.insurances) == 1:
                insutype = person.insurances[0].insutype
            if not insutype:
                return fail(args, "该参保人有多个险种，请用 --insutype 选择", 1, "insurance_choice",
                            choices=[{"insutype": i.insutype, "name": i.name} for i in person.insurances])
            result = precheck_service(cfg, svc).run(person, insutype, med_type=args.med_type)
        except PlatformError as e:
            return fail(args, str(e), 1, type(e).__name__)
        except LookupError as e:
            return fail(args, str(e.args[0]) if e.args else str(e), 1, "not_found")
        except Exception as e:  # card and scanner errors carry a cashier message
            if hasattr(e, "user_message"):
                return fail(args, e.user_message, 1, type(e).__name__)
            raise
    ok = result.reimbursable
    code = 0 if ok is True else 1 if ok is False else 3
    if getattr(args, "json", False):
        print_json({"ok": True, "person": {
            "psn_no": person.psn_no, "name": person.psn_name if args.unmask else person.masked_name,
            "certno": person.certno if args.unmask else person.masked_certno},
            "insured_place_name": place_name(result.insuplc_admdvs),
            "treatment_place_name": place_name(result.mdtrtarea_admvs), **result.to_json()})
        return code
    ins = person.insurance(result.insutype)
    name = person.psn_name if args.unmask else person.masked_name
    certno = person.certno if args.unmask else person.masked_certno
    cross = "（跨省异地）" if result.cross_province else ""
    print(f"参保人: {name}  {certno}  险种 {ins.insutype} {ins.name}")
    print(f"参保地 {place_name(result.insuplc_admdvs)} → 就医地 {place_name(result.mdtrtarea_admvs)}{cross}")
    if result.benefits is not None:
        print("待遇享受检查 (2001):")
        for b in result.benefits:
            when = f"{b.begndate or '…'} 至 {b.enddate or '…'}"
            print(f"  {b.fund_pay_type} {'享受' if b.enjoyed else '不享受'}  {when}  {b.result}")
    if result.filing is not None:
        print(f"异地就医备案: {result.filing_text}")
    for p in result.problems:
        print(f"⚠ {p}")
    print(("★ " if ok is not None else "") + result.summary())
    if ok is False:
        print("下一步: 告知患者原因；患者同意时按自费结算（收银台 Ctrl+F9），"
              "或请患者办理备案/联系参保地医保经办机构后再来")
    return code
