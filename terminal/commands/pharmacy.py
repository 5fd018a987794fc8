"""The pharmacy counter without the window (IT testing a counter, scripts):

    yibao-terminal pharmacy sale --cert-type 02 --cert-no … --scan 6901234000016 --scan 81001010000000000001 …
    yibao-terminal pharmacy sale --person yunnan-employee --ean 6901234000016 --trace 81001010000000000001 --rxno RX1
    yibao-terminal pharmacy sale --person KEY --file sale.json    # {"rxno": "…", "scans": ["<EAN-13>", "<20 digits>"]}
    yibao-terminal pharmacy sale … --preview                      # 2101 only
    yibao-terminal pharmacy cancel --setl-id … --mdtrt-id … --psn-no … --insuplc …   # 2103
    yibao-terminal pharmacy catalogue                             # the drugs (EAN, codes, Rx/OTC, trace codes)
    yibao-terminal pharmacy trace CODE                            # sold by this terminal?
    yibao-terminal pharmacy uploads                               # the 3505 商品销售 uploads in the queue

Scans go in the order the counter takes them: 13 digits are a box's barcode (one more box), 20 digits a box's
traceability code. ``--person`` (training) identifies a sandbox person by ID number; an e-code is exchanged with
businessType 02121 (药店购药). In training mode a hospital configuration uses the sandbox's pharmacy P45010000001.
Every command takes --json.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from terminal.commands.common import add_common_options, forward_reversal, load_config, report_recovery
from terminal.commands.credential import add_credential_args
from terminal.commands.output import fail, print_json, print_warns
from terminal.core.errors import UserFacingError, user_message_of


def _sale(args: argparse.Namespace, catalogue: Any) -> Any:
    from terminal.core.pharmacy import Sale, check_ean13, looks_like_trace_code

    scans: list[str] = list(args.scan or [])
    rxno = args.rxno or ""
    if args.file:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
        scans += [str(s) for s in data.get("scans") or []]
        rxno = rxno or str(data.get("rxno") or "")
    scans += list(args.ean or [])
    traces = list(args.trace or [])
    sale = Sale(catalogue, rxno=rxno, sale_no=args.sale_no or "")
    for s in scans:
        s = s.strip()
        if looks_like_trace_code(s) or (s.isdigit() and len(s) > 13):  # longer than a barcode: a code, checked
            sale.add_trace(s, sold=args.sold_by)
        else:
            try:
                check_ean13(s)
            except ValueError as e:
                if not s.isdigit():
                    sale.scan(s)  # the pharmacy's own code, typed
                    continue
                raise UserFacingError(f"扫码 {s[:24]}：{e}（药盒条码为 13 位，追溯码为 20 位）") from e
            sale.scan(s)
    for t in traces:
        sale.add_trace(t, sold=args.sold_by)
    return sale


def _credential(args: argparse.Namespace, cfg: Any, client: Any) -> Any:
    from terminal.core.models import CertType, Credential

    if args.person:
        from terminal.sandbox.policy import Policies

        p = Policies().persons.get(args.person)
        if p is None:
            raise UserFacingError(f"沙箱中没有人员 {args.person}")
        return Credential(CertType.ID_CARD, p["certno"])
    if args.ecode or args.ecode_image:
        from terminal.app.wiring import ecode_exchange
        from terminal.commands.ecode import credential_from_args

        return credential_from_args(args, cfg=cfg, exchange=ecode_exchange(cfg, client.endpoint.url, "02121"))
    from terminal.commands.credential import read_credential

    return read_credential(args, cfg, client)


def cmd_sale(args: argparse.Namespace) -> int:
    from terminal.app import open_store
    from terminal.app.wiring import pharmacy_catalogue, pharmacy_config, pharmacy_service, platform_session
    from terminal.backend.errors import PlatformError
    from terminal.core.regions import place_name
    from terminal.store import StoreError

    base = load_config(args)  # a bad configuration is refused as every command refuses it (kind "config")
    try:
        cfg = pharmacy_config(base)
        catalogue = pharmacy_catalogue(cfg)
        store = open_store(cfg)
    except StoreError as e:
        return fail(args, f"{user_message_of(e)}（本地日志库不可用，为防丢失不进行结算）", 2, "journal")
    except UserFacingError as e:
        return fail(args, e.user_message, 2, type(e).__name__, prefix="")
    with store, platform_session(cfg, observer=store.journal) as (client, _):
        svc = pharmacy_service(cfg, client, store)
        rep = store.recover(client)
        report_recovery(rep)
        args.sold_by = store.trace_codes.sold_by
        try:
            sale = _sale(args, catalogue)
            bill = sale.bill()
            cred = _credential(args, cfg, client)
            person = svc.identify(cred)
            if not args.preview:
                svc.check_duplicate(bill, person.psn_no, confirm_duplicate=bool(args.confirm_duplicate))
            visit = svc.open_visit(cred, person, bill, args.insutype)
            s = svc.preview(visit, acct_used=not args.no_account)
            if not args.preview:
                s = svc.settle(visit, confirm_duplicate=bool(args.confirm_duplicate))
        except PlatformError as e:
            resolution, msg = forward_reversal(store, client, svc, e, cfg.backend.read_timeout)
            return fail(args, msg, 3 if e.outcome_unknown else 1, type(e).__name__,
                        outcome_unknown=e.outcome_unknown, msgid=e.msgid, resolution=resolution)
        except (UserFacingError, LookupError, ValueError, OSError) as e:
            return fail(args, user_message_of(e), 1, type(e).__name__)
        lines = [{"line": n, "ean": ln.drug.ean, "hilist_code": ln.drug.hilist_code, "code": ln.drug.code,
                  "name": ln.drug.name, "spec": ln.drug.spec, "qty": ln.qty, "unit": ln.drug.unit,
                  "price": f"{ln.drug.price:.2f}", "amount": f"{ln.amount:.2f}", "rx": ln.drug.rx,
                  "trace_codes": list(ln.trace_codes)} for n, ln in enumerate(sale.lines, 1)]
        result = {
            "ok": True, "preview": bool(args.preview), "facility": cfg.facility.code, "sale_no": visit.ipt_otp_no,
            "rxno": sale.rxno, "lines": lines,
            "person": {"psn_no": person.psn_no, "name": person.psn_name if args.unmask else person.masked_name,
                       "insutype": visit.insutype},
            "insured_place": visit.insuplc_admdvs, "insured_place_name": place_name(visit.insuplc_admdvs),
            "cross_province": visit.cross_province(cfg.facility.admdvs), "mdtrt_id": visit.mdtrt_id,
            "msgid": visit.settle_msgid, "settlement": {**s.as_dict(unmask=args.unmask), "warn_msg": s.warn_msg},
            "identities_hold": not s.identity_errors(), "warn_msgs": list(visit.warn_msgs),
            "uploads_queued": 0 if args.preview else len(store.trace_codes.uploads(s.setl_id)),
        }
    if args.json:
        print_json(result)
        return 0
    what = "预结算(2101)" if args.preview else f"药店结算(2102) 结算号 {s.setl_id}"
    print(f"{what}  销售单 {result['sale_no']}  {result['person']['name']}  参保地 {result['insured_place_name']}")
    for ln in lines:
        rx = "处方" if ln["rx"] else "OTC"
        print(f"  {ln['line']}. {ln['name']} {ln['spec']} ×{ln['qty']}{ln['unit']} {ln['amount']}  [{rx}] "
              f"追溯码 {len(ln['trace_codes'])}")
    print(f"  总额 {s.medfee_sumamt:.2f}  基金 {s.fund_pay_sumamt:.2f}  个人账户 {s.acct_pay:.2f}"
          f"（其中共济 {s.acct_mulaid_pay:.2f}）  现金 {s.psn_cash_pay:.2f}  余额 {s.balc:.2f}")
    if not args.preview:
        print(f"  商品销售上传(3505) 已排队 {result['uploads_queued']} 项")
    print_warns(result["warn_msgs"])
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    from terminal.app import open_store
    from terminal.app.wiring import pharmacy_config, pharmacy_service, platform_session
    from terminal.backend.errors import PlatformError
    from terminal.commands.output import refund_json, refund_text

    base = load_config(args)
    try:
        cfg = pharmacy_config(base)
    except UserFacingError as e:
        return fail(args, e.user_message, 2, type(e).__name__, prefix="")
    store = open_store(cfg)
    with store, platform_session(cfg, observer=store.journal) as (client, _):
        svc = pharmacy_service(cfg, client, store)
        report_recovery(store.recover(client))
        try:
            s = svc.cancel(args.setl_id, args.mdtrt_id, args.psn_no, args.insuplc)
        except PlatformError as e:
            resolution, msg = forward_reversal(store, client, svc, e, cfg.backend.read_timeout)
            return fail(args, msg, 3 if e.outcome_unknown else 1, type(e).__name__, prefix="撤销失败: ",
                        outcome_unknown=e.outcome_unknown, msgid=e.msgid, resolution=resolution)
        released = [r["code"] for r in store.trace_codes.codes_of(args.setl_id) if r["status"] == "released"]
    text = f"已撤销药店结算 {args.setl_id}（2103）：{refund_text(s)}；释放追溯码 {len(released)} 个"
    if args.json:
        print_json({"ok": True, "message": text, "refund": refund_json(s), "released_trace_codes": released,
                    "settlement": {**s.as_dict(), "warn_msg": s.warn_msg}})
    else:
        print(text)
        print_warns([s.warn_msg] if s.warn_msg else [])
    return 0


def cmd_catalogue(args: argparse.Namespace) -> int:
    from terminal.app.wiring import pharmacy_catalogue, pharmacy_config

    base = load_config(args)
    try:
        cat = pharmacy_catalogue(pharmacy_config(base))
    except UserFacingError as e:
        return fail(args, e.user_message, 2, type(e).__name__, prefix="")
    rows = [{"ean": d.ean, "hilist_code": d.hilist_code, "code": d.code, "name": d.name, "spec": d.spec,
             "unit": d.unit, "price": f"{d.price:.2f}", "rx": d.rx, "trace_required": d.trace_required,
             "trace_prefix": d.trace_prefix} for d in cat.drugs]
    if args.json:
        print_json({"ok": True, "drugs": rows})
    else:
        for r in rows:
            trace = "  需追溯码 " + r["trace_prefix"] if r["trace_required"] else ""
            print(f"{r['ean']}  {r['code']:<8} {r['name']} {r['spec']} {r['price']}/{r['unit']}  "
                  f"{'处方药' if r['rx'] else '非处方药'}{trace}")
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from terminal.app import open_store
    from terminal.core.pharmacy import TraceCodeError, check_trace_code

    try:
        code = check_trace_code(args.code)
    except TraceCodeError as e:
        return fail(args, e.user_message, 2, "TraceCodeError", prefix="")
    with open_store(load_config(args)) as store:
        sold = store.trace_codes.sold_by(code)
    if args.json:
        print_json({"ok": True, "code": code, "sold": bool(sold), "sold_by": sold})
    else:
        print(f"追溯码 {code}：" + (f"已由本终端售出（{sold}）" if sold else "本终端未售出"))
    return 0


def cmd_uploads(args: argparse.Namespace) -> int:
    from terminal.app import open_store
    from terminal.store.outbox import STATE_NAMES

    with open_store(load_config(args)) as store:
        rows = [{"id": r["id"], "state": r["state"], "state_name": STATE_NAMES.get(r["state"], r["state"]),
                 "msgid": r["msgid"] or "", "summary": r["summary"], "attempts": r["attempts"],
                 "last_error": r["last_error"] or "", "setl_id": json.loads(r["params"] or "{}").get("setl_id", "")}
                for r in store.trace_codes.uploads(args.setl_id or "")]
    if args.json:
        print_json({"ok": True, "uploads": rows})
    else:
        for r in rows:
            print(f"{r['id']:>5} {r['state_name']:<6} {r['summary']}  {r['last_error']}")
        if not rows:
            print("没有商品销售上传(3505)")
    return 0


def add_parsers(subparsers: Any) -> None:
    ph = subparsers.add_parser("pharmacy", help="药店收费：扫码销售、药店结算 (2101 2102 2103)、追溯码、"
                               "商品销售上传 (3505)")
    sub = ph.add_subparsers(dest="pharmacy_command", required=True)
    s = sub.add_parser("sale", help="一笔药店销售：扫码、追溯码、2101 预结算、2102 结算")
    add_credential_args(s)
    s.add_argument("--person", help="训练：沙箱人员 key（按身份证号识别），如 yunnan-employee")
    s.add_argument("--scan", action="append", help="按柜台顺序扫码：13 位药盒条码或 20 位追溯码（可重复）")
    s.add_argument("--ean", action="append", help="药盒条码 EAN-13（每盒一次，可重复）")
    s.add_argument("--trace", action="append", help="药品追溯码 20 位（每盒一个，可重复）")
    s.add_argument("--file", help="销售文件 JSON：{\"rxno\": …, \"scans\": [条码或追溯码, …]}")
    s.add_argument("--rxno", help="处方号（含处方药时必填）")
    s.add_argument("--sale-no", help="销售单号（缺省自动生成）")
    s.add_argument("--insutype", help="险种 (多险种时必选)")
    s.add_argument("--no-account", action="store_true", help="不使用个人账户")
    s.add_argument("--preview", action="store_true", help="只做预结算 (2101)")
    s.add_argument("--confirm-duplicate", action="store_true", help="确认：同一参保人 30 分钟内的相同销售仍要结算")
    s.add_argument("--unmask", action="store_true", help="显示完整姓名")
    add_common_options(s)
    s.set_defaults(func=cmd_sale)
    c = sub.add_parser("cancel", help="药店结算撤销 (2103)：退回个人账户，释放追溯码")
    c.add_argument("--setl-id", required=True)
    c.add_argument("--mdtrt-id", required=True)
    c.add_argument("--psn-no", required=True)
    c.add_argument("--insuplc", required=True, help="参保地区划 (insuplc_admdvs)")
    add_common_options(c)
    c.set_defaults(func=cmd_cancel)
    k = sub.add_parser("catalogue", help="药店商品目录")
    add_common_options(k)
    k.set_defaults(func=cmd_catalogue)
    t = sub.add_parser("trace", help="查询追溯码是否已由本终端售出")
    t.add_argument("code")
    add_common_options(t)
    t.set_defaults(func=cmd_trace)
    u = sub.add_parser("uploads", help="商品销售上传 (3505) 队列")
    u.add_argument("--setl-id", help="只看一笔结算的上传")
    add_common_options(u)
    u.set_defaults(func=cmd_uploads)
