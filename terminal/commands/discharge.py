"""Inpatient discharge settlement from the command line (training sandbox when no config is given).

    # the whole story at once: admit with a deposit, upload the fees, discharge, pre-settle, settle
    yibao-terminal discharge --cert-type 02 --cert-no ID --admit --deposit 5000 \\
        --bill resources/bills/inpatient-cataract-nanning.json
    # or step by step
    yibao-terminal discharge --cert-type 02 --cert-no ID --admit --deposit 3000 --stay   # 2401 only
    yibao-terminal discharge --visit ZY202606160001 --bill FILE --stay                   # 2301 fee batches
    yibao-terminal discharge --visit ZY202606160001 --deposit 2000 --stay                # 追加预交金
    yibao-terminal discharge --visit ZY202606160001 --preview                            # 2303 only
    yibao-terminal discharge --card                                                      # 2402 + 2303 + 2304
    yibao-terminal discharge --cancel SETL_ID                                            # 2305
    yibao-terminal discharge --list

The stay is found by admission number (--visit) or by the patient's card / e-code / ID (1101 -> the person's
open stay in this terminal's ward book, data_dir/inpatient.sqlite). Every message is journaled
(data_dir/journal.sqlite); an uncertain 2304/2305 is reversed (2601) through the queue at once.
Exit codes: 0 done; 1 refused / not found; 2 bad arguments or files; 3 outcome unknown (being reversed).
"""
from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from terminal.core.errors import user_message_of


def _print_json(obj: Any) -> None:
    from terminal.commands.output import print_json

    print_json(obj)


def add_parsers(sub) -> None:
    d = sub.add_parser("discharge",
                       help="住院出院结算 (2401 入院, 2301 费用, 2402 出院, 2303 预结算, 2304 结算, 2305 撤销)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    who = d.add_argument_group("找到患者 / 住院记录")
    who.add_argument("--visit", metavar="ADMISSION_NO", help="住院号（入院时生成，如 ZY202606160001）")
    from terminal.commands.credential import add_credential_args

    add_credential_args(who)
    d.add_argument("--admit", action="store_true", help="办理入院 (2401)，需要患者凭证")
    d.add_argument("--bill", help="住院账单 JSON（入院科室/诊断；要记入并上传的费用明细）")
    adm = d.add_argument_group("入院信息（覆盖账单中的同名项）")
    adm.add_argument("--dept-code", help="入院科室编码")
    adm.add_argument("--dept-name", help="入院科室名称")
    adm.add_argument("--dr-code", help="主治医生编码")
    adm.add_argument("--dr-name", help="主治医生姓名")
    adm.add_argument("--bed", help="床号")
    adm.add_argument("--dise-codg", help="入院诊断编码 (ICD-10)")
    adm.add_argument("--dise-name", help="入院诊断名称")
    adm.add_argument("--diag", help="入院诊断描述")
    d.add_argument("--deposit", help="预交金金额（入院时收取，或在院追加）")
    d.add_argument("--receipt-no", default="", help="预交金收据号（缺省自动编号）")
    d.add_argument("--method", default="现金", help="预交金/补退款方式（现金、银行卡、微信…）")
    d.add_argument("--insutype", help="险种 (多险种时必选，如 310 / 390)")
    d.add_argument("--stay", action="store_true", help="只办理入院/收预交金/上传费用，患者继续住院")
    d.add_argument("--preview", action="store_true", help="上传费用后只做预结算 (2303)，不出院、不记账")
    d.add_argument("--no-account", action="store_true", help="不使用个人账户")
    d.add_argument("--dscg-way", default="1",
                   help="离院方式: 1 医嘱离院(缺省) 2 转院 3 转社区 4 非医嘱离院 5 死亡 9 其他")
    d.add_argument("--cancel", metavar="SETL_ID", help="撤销住院结算 (2305)")
    d.add_argument("--mdtrt-id", default="", help="(--cancel，本机无记录时) 就诊ID")
    d.add_argument("--psn-no", default="", help="(--cancel，本机无记录时) 人员编号")
    d.add_argument("--insuplc", default="", help="(--cancel，本机无记录时) 参保地区划")
    d.add_argument("--list", action="store_true", help="列出本机的住院记录")
    d.add_argument("--json", action="store_true")
    d.add_argument("--config", default=argparse.SUPPRESS)
    d.set_defaults(func=cmd_discharge)


def _has_credential(args) -> bool:
    return bool(args.card or args.ecode or args.ecode_image or (args.cert_type and args.cert_no))


def _fail(args, msg: str, code: int, *, prefix: str = "失败: ", **extra: Any) -> int:
    """A refusal: JSON with --json (``error`` object; kind from ``error=``), else a line on stderr."""
    from terminal.commands.output import fail

    kind = str(extra.pop("error", "") or ("usage" if code == 2 else "refused"))
    return fail(args, msg, code, kind, prefix=prefix, **extra)


def cmd_discharge(args) -> int:
    from terminal.commands.common import load_config

    if args.list or args.cancel:
        if args.visit or _has_credential(args) or (args.list and args.cancel):
            return _fail(args, "--list / --cancel 不能与 --visit、患者凭证或彼此同时使用", 2, prefix="")
    elif bool(args.visit) == _has_credential(args):
        return _fail(args, "请给出 --visit 住院号，或患者凭证 (--cert-type/--cert-no、--card、--ecode) 之一", 2,
                     prefix="")
    if args.admit and not _has_credential(args):
        return _fail(args, "办理入院 (--admit) 需要患者凭证 (--cert-type/--cert-no、--card 或 --ecode)", 2, prefix="")
    if args.stay and args.preview:
        return _fail(args, "--stay 与 --preview 不能同时使用", 2, prefix="")
    deposit = None
    if args.deposit is not None:
        from terminal.core.inpatient import parse_deposit_amount

        try:
            deposit = parse_deposit_amount(args.deposit)
        except ValueError as e:
            return _fail(args, f"预交金金额错误: {e}", 2, prefix="")
    ib = None
    if args.bill:
        from terminal.core import wire
        from terminal.core.inpatient import InpatientBill

        try:
            ib = InpatientBill.from_dict(wire.loads(Path(args.bill).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as e:
            return _fail(args, f"账单文件错误 {args.bill}: {e}", 2, prefix="", error="bill")
    cfg = load_config(args)
    if args.list:
        return _list(cfg, args)

    from terminal.app import open_store
    from terminal.store import StoreError

    try:
        store = open_store(cfg)
    except StoreError as e:
        return _fail(args, f"{user_message_of(e)}（本地日志库不可用，为防丢失不进行结算）", 2,
                     error="journal")
    from terminal.app import platform_session

    with store, platform_session(cfg, observer=store.journal) as (client, _sandbox):
        return _run(cfg, args, store, client, ib, deposit)


def _run(cfg, args, store, client, ib, deposit) -> int:
    from terminal.backend.errors import PlatformError
    from terminal.app import discharge_service, ward_book
    from terminal.commands.credential import read_credential
    from terminal.services.errors import InpatientError
    from terminal.services.ward import UploadReport

    book = ward_book(cfg)
    svc = discharge_service(cfg, client, store=store, book=book)
    rep = store.recover(client)
    from terminal.commands.common import report_recovery

    report_recovery(rep)
    st = None
    up = UploadReport()
    try:
        if args.cancel:
            return _cancel(args, svc)
        if args.visit:
            st = svc.stay(args.visit)
        else:
            cred = read_credential(args, cfg)
            if args.admit:
                person = svc.identify(cred)
                form = _form(args, ib)
                if ib is not None and not args.stay and ib.stay_days:
                    # the whole stay at once (training): the admission lies stay_days back
                    form.begntime = (datetime.now() - timedelta(days=ib.stay_days)).strftime("%Y-%m-%d %H:%M:%S")
                st = svc.admit(cred, person, form, insutype=args.insutype, deposit=deposit,
                               receipt_no=args.receipt_no, method=args.method)
                deposit = None
            else:
                _person, st = svc.find(cred)
        if deposit is not None:
            svc.add_deposit(st.adm_no, deposit, receipt_no=args.receipt_no, method=args.method)
        if ib is not None:
            svc.add_fees(st.adm_no, ib.bill.items, fee_ocur_time=ib.fee_times(st.begntime))
        if args.stay:
            up = svc.upload_fees(st.adm_no)
            return _print_stay(args, svc, svc.stay(st.adm_no), up)
        up = svc.upload_fees(st.adm_no)
        if args.preview:
            r = svc.preview(st.adm_no, acct_used=not args.no_account)
        else:
            r = svc.settle(st.adm_no, acct_used=not args.no_account, dscg_way=args.dscg_way, method=args.method)
    except PlatformError as e:
        from terminal.commands.common import forward_reversal

        resolution, msg = forward_reversal(store, client, svc.base, e, cfg.backend.read_timeout)
        if e.outcome_unknown and getattr(e, "omsgid", "") and st is not None:
            try:
                svc.resolve(st.adm_no)
            except PlatformError:
                pass
        return _fail(args, msg, 3 if e.outcome_unknown else 1, error=type(e).__name__,
                     outcome_unknown=e.outcome_unknown, msgid=e.msgid, resolution=resolution,
                     adm_no=st.adm_no if st else "")
    except (InpatientError, LookupError, ValueError) as e:
        return _fail(args, getattr(e, "user_message", None) or (e.args[0] if e.args else str(e)), 1,
                     adm_no=st.adm_no if st else "")
    except Exception as e:  # card and scanner errors carry a cashier message
        if hasattr(e, "user_message"):
            return _fail(args, e.user_message, 1)
        raise
    out = r.as_dict()
    out["upload"] = up.as_dict()
    if args.json:
        _print_json(out)
        return 0
    _print_result(cfg, r, up)
    return 0


def _form(args, ib):
    from dataclasses import replace

    from terminal.core.inpatient import AdmissionForm

    form = replace(ib.form) if ib is not None else AdmissionForm()
    for arg, attr in (("dept_code", "dept_code"), ("dept_name", "dept_name"), ("dr_code", "dr_code"),
                      ("dr_name", "dr_name"), ("bed", "bed"), ("dise_codg", "dise_codg"), ("dise_name", "dise_name"),
                      ("diag", "diag_dscr")):
        v = getattr(args, arg, None)
        if v:
            setattr(form, attr, v)
    if not (form.dise_codg or form.diag_dscr):
        raise ValueError("办理入院须有入院诊断：用 --dise-codg/--dise-name 或 --diag 给出，或在账单中写 dise_codg")
    return form


def _cancel(args, svc) -> int:
    from terminal.core.money import fmt_yuan
    from terminal.services.inpatient import DischargeResult

    r = svc.cancel(args.cancel, mdtrt_id=args.mdtrt_id, psn_no=args.psn_no, insuplc=args.insuplc)
    s = r.settlement if isinstance(r, DischargeResult) else r
    if args.json:
        from terminal.commands.output import refund_json

        out = r.as_dict() if isinstance(r, DischargeResult) else {"ok": True, "kind": "cancel",
                                                                    "settlement": s.as_dict(), "warn_msg": s.warn_msg}
        out["refund"] = refund_json(s)
        _print_json(out)
        return 0
    from terminal.commands.output import print_warns
    from terminal.core.refunds import refund_text

    print(f"已撤销住院结算 {args.cancel}（撤销结算ID {s.setl_id}）：{refund_text(s)}")
    print_warns([r.warn if isinstance(r, DischargeResult) else s.warn_msg])
    if isinstance(r, DischargeResult):
        print(f"住院号 {r.stay.adm_no} 恢复为{r.stay.state_name}；医院持有患者预交金 {fmt_yuan(r.stay.held)}，"
              "重新结算时按新的个人现金支付补缴或退款")
    return 0


def _print_stay(args, svc, st, up) -> int:
    from terminal.core.money import fmt_yuan

    totals = svc.fee_totals(st.adm_no)
    if args.json:
        _print_json({"ok": True, "stay": st.as_dict(), "upload": up.as_dict(), "fees": totals.as_dict()})
        return 0
    print(f"住院号 {st.adm_no}  {st.state_name}  就诊ID {st.mdtrt_id}")
    print(f"参保人 {st.name_masked}  {st.cert_masked}  险种 {st.insutype}  "
          f"{'【跨省异地】' if st.cross_province else '【省内】'}")
    print(f"入院 {st.begntime}  {st.dept_name}  床号 {st.bed or '-'}  {st.dise_name}")
    for dep in st.deposits:
        print(f"  {dep.kind_name} {dep.receipt_no} {fmt_yuan(dep.amount)}  {dep.paid_at}  {dep.method}")
    print(f"预交金合计 {fmt_yuan(st.held)}")
    print(f"费用 {totals.count} 条，合计 {fmt_yuan(totals.total)}"
          + (f"；本次上传 {up.lines} 条（{up.batches} 批，{up.seconds:.2f} 秒）" if up.batches else ""))
    return 0


def _print_result(cfg, r, up) -> None:
    from terminal.core.regions import place_name

    st, s = r.stay, r.settlement
    if r.preview:
        print("住院预结算（未记账）")
    else:
        print("出院结算成功")
    print(f"参保地: {place_name(st.insuplc_admdvs)} ({st.insuplc_admdvs})  就医地: {place_name(st.treatment_admdvs)}"
          f"  {'【跨省异地】' if st.cross_province else '【省内】'}")
    print(f"住院号 {st.adm_no}  就诊ID {st.mdtrt_id}" + (f"  结算ID {s.setl_id}  报文 {r.msgid}" if s.setl_id else ""))
    if up.batches:
        print(f"费用上传: {up.lines} 条，{up.batches} 批，{up.seconds:.2f} 秒")
    if r.warn:
        print(f"平台提示: {r.warn}")
    print()
    for line in r.receipt_lines(cfg.facility.name):
        print("  " + line)
    errs = s.identity_errors()
    print("\n  金额平衡校验: " + ("通过" if not errs else "失败 " + "; ".join(errs)))


def _list(cfg, args) -> int:
    from terminal.core.money import fmt_yuan
    from terminal.app import ward_book

    with ward_book(cfg) as book:
        stays = book.stays()
    if args.json:
        _print_json({"stays": [s.as_dict() for s in stays]})
        return 0
    if not stays:
        print("本机没有住院记录")
    for s in stays:
        print(f"{s.adm_no}  {s.state_name:<6} {s.name_masked:<6} 入院 {s.begntime[:16]}  "
              f"预交金 {fmt_yuan(s.held):>12}  {('结算ID ' + s.setl_id) if s.setl_id else ''}")
    return 0
