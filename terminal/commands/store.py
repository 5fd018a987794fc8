"""The journal, the offline queue, deferred settlements and reconciliation from the command line.

    yibao-terminal queue list [--all] [--json]          the offline queue (open items; --all: everything)
    yibao-terminal queue show ID [--json]               one item with its journaled messages
    yibao-terminal queue replay [ID] [--json]           forward now (one item, or everything due)
    yibao-terminal queue dismiss ID [--note TEXT]       a refused item dealt with by hand
    yibao-terminal journal [--date D] [--json] [--full] the day's messages and settlements
    yibao-terminal reconcile [--date D] [--json]        3201 daily totals against the platform
    yibao-terminal parked list [--json]                 parked bills and refunds due
    yibao-terminal parked settle [ID] [--json]          settle parked bills now (all, or one)
    yibao-terminal parked cancel ID                     cancel a bill still waiting
    yibao-terminal parked refunded ID                   the refund has been paid out

The journal is ``data_dir/journal.sqlite``. Commands that talk to the platform use the configured one
(or the training sandbox). Exit codes: 0 done; 1 refused / unbalanced / not found; 2 bad arguments;
3 the platform did not answer (the work stays queued).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from terminal.core.money import fmt_yuan


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _open(args):
    from terminal.cli import load_config
    from terminal.store import Store

    cfg = load_config(args)
    return cfg, Store.from_config(cfg)


def _err(e: Exception) -> int:
    print(f"失败: {getattr(e, 'user_message', None) or e}", file=sys.stderr)
    return 1


# queue ---------------------------------------------------------------------------------------------
def cmd_queue_list(args) -> int:
    cfg, store = _open(args)
    with store:
        items = store.queue.items() if args.all else store.queue.open_items()
        st = store.queue_status()
        if args.json:
            _print_json({"status": st.as_dict(), "items": [i.as_dict() for i in items]})
            return 0
        print(f"{st.message}  [{st.level}]")
        for i in items:
            print(f"  {i.id:>4}  {i.created}  {i.kind_name:<6} {i.state_name:<5} 尝试 {i.attempts}  {i.summary}"
                  + (f"  ({i.last_error})" if i.last_error and i.state != "done" else ""))
    return 0


def cmd_queue_show(args) -> int:
    from terminal.store import NotFound

    cfg, store = _open(args)
    with store:
        try:
            item = store.queue.get(args.id)
        except NotFound as e:
            return _err(e)
        msgs = store.sdb.rows("SELECT msgid, infno, state, attempts, created, updated, err_msg, resolution FROM "
                              "messages WHERE msgid=? OR omsgid=? OR (? != '' AND msgid=?) ORDER BY created",
                              [item.msgid, item.omsgid or "-", item.omsgid or "", item.omsgid or ""])
        if args.json:
            _print_json({"item": item.as_dict(), "messages": msgs})
            return 0
        print(f"队列项目 {item.id}: {item.kind_name} — {item.state_name}")
        print(f"  内容: {item.summary}\n  报文ID: {item.msgid or '（首次发送时分配）'}\n  创建: {item.created}  "
              f"尝试: {item.attempts}  就诊: {item.visit_key}")
        if item.last_error:
            print(f"  最近错误: {item.last_error}")
        for m in msgs:
            print(f"  {m['infno']} {m['msgid']} {m['state']}{'/' + m['resolution'] if m['resolution'] else ''}"
                  f"{'  ' + m['err_msg'] if m['err_msg'] else ''}")
    return 0


def _service(cfg, client, store):
    from terminal.service import SettlementService

    return SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)


def _forward(args, only: int | None = None, kinds: str = "") -> int:
    from terminal.cli import platform_session
    from terminal.store import StoreError

    cfg, store = _open(args)
    with store, platform_session(cfg, observer=store.journal) as (client, _sandbox):
        svc = _service(cfg, client, store)
        store.recover()
        worker = store.worker(client, svc)
        try:
            if only is not None:
                outcomes = [worker.run_item(only)]
            else:
                store.queue.replay()
                outcomes = worker.drain(timeout=args.timeout)
        except StoreError as e:
            return _err(e)
        if args.json:
            _print_json({"outcomes": [o.as_dict() for o in outcomes], "status": store.queue_status().as_dict()})
        else:
            if not outcomes:
                print("没有可发送的项目")
            for o in outcomes:
                print(f"  {o.item_id:>4} {o.kind:<10} {o.state:<9} {o.message}")
            print(store.queue_status().message)
        if any(o.state == "retry" for o in outcomes):
            return 3
        return 1 if any(o.state == "failed" for o in outcomes) else 0


def cmd_queue_replay(args) -> int:
    return _forward(args, args.id)


def cmd_queue_dismiss(args) -> int:
    from terminal.store import StoreError

    cfg, store = _open(args)
    with store:
        try:
            store.queue.dismiss(args.id, args.note or "")
        except StoreError as e:
            return _err(e)
    print(f"队列项目 {args.id} 已标记为已处理")
    return 0


# journal -------------------------------------------------------------------------------------------
def cmd_journal(args) -> int:
    cfg, store = _open(args)
    with store:
        msgs = store.messages(args.date)
        setl = store.settlements(args.date or _today())
        if not args.full:
            msgs = [{k: v for k, v in m.items() if k not in ("request", "answer")} for m in msgs]
        if args.json:
            _print_json({"date": args.date or _today(), "messages": msgs, "settlements": setl})
            return 0
        print(f"{args.date or _today()} 报文 {len(msgs)} 条，结算 {len(setl)} 笔")
        for m in msgs:
            extra = m["resolution"] and f" → {m['resolution']}" or ""
            print(f"  {m['created'][11:]} {m['infno']:<5} {m['msgid']} {m['state']:<9}{extra}"
                  + (f"  {m['err_msg']}" if m["err_msg"] else ""))
        if setl:
            print("结算:")
            for s in setl:
                print(f"  {s['setl_time'] or s['created']} {s['kind']:<6} {s['setl_id']} {s['status']:<9} "
                      f"{s['insutype']} 总额 {fmt_yuan(s['medfee_sumamt'])} 基金 {fmt_yuan(s['fund_pay_sumamt'])} "
                      f"个账 {fmt_yuan(s['acct_pay'])} 现金 {fmt_yuan(s['psn_cash_pay'])}")
    return 0


def _today() -> str:
    from terminal.store.db import today

    return today()


# reconcile -----------------------------------------------------------------------------------------
def cmd_reconcile(args) -> int:
    from terminal.cli import platform_session

    cfg, store = _open(args)
    with store, platform_session(cfg, observer=store.journal) as (client, _sandbox):
        rep = store.reconcile(client, args.date)
        if args.json:
            _print_json(rep.as_dict())
        else:
            print(rep.summary)
            for g in rep.groups:
                print(f"  险种 {g.insutype} 清算类别 {g.clr_type} 经办机构 {g.setl_optins}: {g.count} 笔 "
                      f"总额 {fmt_yuan(g.medfee_sumamt)} 基金 {fmt_yuan(g.fund_pay_sumamt)} 个账 {fmt_yuan(g.acct_pay)}"
                      f" — {g.state} {g.stmt_rslt_dscr}")
            for s in rep.to_check:
                print(f"  请核对: {s.get('infno', s.get('kind', ''))} {s['msgid']} {s.get('setl_id', '')} "
                      f"{s.get('reason', s.get('status', ''))}")
    if any(g.state == "queued" for g in rep.groups):
        return 3
    return 0 if rep.balanced or not rep.groups else 1


# parked --------------------------------------------------------------------------------------------
def cmd_parked_list(args) -> int:
    cfg, store = _open(args)
    with store:
        parked = store.parked()
        refunds = store.refunds_due()
        if args.json:
            _print_json({"parked": [p.as_dict() for p in parked], "refunds_due": [r.as_dict() for r in refunds]})
            return 0
        print(f"补结算 {len(parked)} 笔，待退款 {len(refunds)} 笔")
        for p in parked:
            print(f"  {p.park_id} {p.created} {p.name_masked} {p.cert_masked} 全额 {fmt_yuan(p.total)} "
                  f"{p.state_name}" + (f"  {p.error}" if p.error and p.state != "settled" else ""))
        for r in refunds:
            print(f"  应退 {r.park_id} {r.name_masked}: {fmt_yuan(r.refund_due)}（基金 {fmt_yuan(r.fund_pay_sumamt)}，"
                  f"个人账户 {fmt_yuan(r.acct_pay)}，医院负担 {fmt_yuan(r.hosp_part_amt)}；患者现金 "
                  f"{fmt_yuan(r.psn_cash_pay)}）")
    return 0


def cmd_parked_settle(args) -> int:
    if args.id:
        cfg, store = _open(args)
        with store:
            try:
                p = store.parking.get(args.id)
            except LookupError as e:
                return _err(e)
        if p.queue_id is None:
            print(f"补结算 {args.id} 没有队列项目", file=sys.stderr)
            return 1
        return _forward(args, p.queue_id)
    return _forward(args)


def cmd_parked_cancel(args) -> int:
    from terminal.store import StoreError

    cfg, store = _open(args)
    with store:
        try:
            p = store.cancel_parked(args.id, cfg.operator.id)
        except StoreError as e:
            return _err(e)
    print(f"补结算 {p.park_id} 已取消（全额 {fmt_yuan(p.total)} 不再申请医保支付）")
    return 0


def cmd_parked_refunded(args) -> int:
    from terminal.store import StoreError

    cfg, store = _open(args)
    with store:
        try:
            p = store.mark_refund_paid(args.id, cfg.operator.id)
        except StoreError as e:
            return _err(e)
    print(f"补结算 {p.park_id} 退款 {fmt_yuan(p.refund_due)} 已支付")
    return 0


def add_parsers(subparsers: Any) -> None:
    def common(p, json_flag: bool = True):
        if json_flag:
            p.add_argument("--json", action="store_true", help="输出 JSON")
        p.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    q = subparsers.add_parser("queue", help="离线队列：查看、立即发送、标记已处理")
    qs = q.add_subparsers(dest="queue_command", required=True, metavar="{list,show,replay,dismiss}")
    p = qs.add_parser("list", help="列出待处理项目（--all 含已完成）")
    p.add_argument("--all", action="store_true")
    common(p)
    p.set_defaults(func=cmd_queue_list)
    p = qs.add_parser("show", help="查看一个项目及其报文")
    p.add_argument("id", type=int)
    common(p)
    p.set_defaults(func=cmd_queue_show)
    p = qs.add_parser("replay", help="立即发送（一个项目，或全部到期项目）")
    p.add_argument("id", type=int, nargs="?")
    p.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    common(p)
    p.set_defaults(func=cmd_queue_replay)
    p = qs.add_parser("dismiss", help="平台拒绝的项目已人工处理")
    p.add_argument("id", type=int)
    p.add_argument("--note", default="")
    common(p, json_flag=False)
    p.set_defaults(func=cmd_queue_dismiss)

    j = subparsers.add_parser("journal", help="交易日志：当天（或 --date）的报文与结算")
    j.add_argument("--date", help="日期 yyyy-MM-dd（缺省今天）")
    j.add_argument("--full", action="store_true", help="含脱敏后的请求与应答")
    common(j)
    j.set_defaults(func=cmd_journal)

    r = subparsers.add_parser("reconcile", help="日对总账 (3201)")
    r.add_argument("--date", help="日期 yyyy-MM-dd（缺省今天）")
    common(r)
    r.set_defaults(func=cmd_reconcile)

    k = subparsers.add_parser("parked", help="补结算：列出、立即结算、取消、登记退款")
    ks = k.add_subparsers(dest="parked_command", required=True, metavar="{list,settle,cancel,refunded}")
    p = ks.add_parser("list", help="挂账与待退款")
    common(p)
    p.set_defaults(func=cmd_parked_list)
    p = ks.add_parser("settle", help="立即补结算（全部，或一个编号）")
    p.add_argument("id", nargs="?")
    p.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    common(p)
    p.set_defaults(func=cmd_parked_settle)
    p = ks.add_parser("cancel", help="取消尚未结算的挂账")
    p.add_argument("id")
    common(p, json_flag=False)
    p.set_defaults(func=cmd_parked_cancel)
    p = ks.add_parser("refunded", help="已向患者支付退款")
    p.add_argument("id")
    common(p, json_flag=False)
    p.set_defaults(func=cmd_parked_refunded)
