"""The journal and the offline queue from the command line (reconciliation: reconcile.py; parked bills:
parked.py).

    yibao-terminal queue list [--all] [--json]          the offline queue (open items; --all: everything)
                                                        and the journal's unresolved messages
    yibao-terminal queue show ID [--json]               one item with its journaled messages
    yibao-terminal queue replay [ID] [--json]           recover, then forward now (one item, or everything
                                                        due); says what it did
    yibao-terminal queue dismiss ID [--note TEXT]       a refused item dealt with by hand
    yibao-terminal journal [--date D] [--json] [--full] the day's messages and settlements

The journal is ``data_dir/journal.sqlite``. Commands that talk to the platform use the configured one
(or the training sandbox). Exit codes: 0 done; 1 refused / unbalanced / not found; 2 bad arguments;
3 the platform did not answer (the work stays queued).
"""
from __future__ import annotations

import argparse
from typing import Any

from terminal.app import platform_session, settlement_service
from terminal.commands.common import (add_common_options, bad_date, open_store, refuse_error,
                                      report_recovery, today)
from terminal.commands.output import print_json, print_warns, resolution_name
from terminal.core.money import fmt_yuan
from terminal.core.protocol import MONEY_MOVING


# queue ---------------------------------------------------------------------------------------------
def unresolved_messages(store) -> list[dict[str, Any]]:
    """Journal messages whose outcome is still open: pending or sent without an answer, or uncertain without
    a final resolution (reversed / not_booked). Each says whether the process that sent it is still alive
    (``owner_alive``) and what happens next (``next``)."""
    from terminal.store.owners import Liveness

    rows = store.sdb.rows("SELECT msgid, infno, state, resolution, owner, created, updated, psn_no, setl_id, "
                          "err_msg FROM messages WHERE state IN ('pending','sent','uncertain') AND "
                          "COALESCE(resolution,'') NOT IN ('reversed','not_booked') ORDER BY created, rowid")
    if not rows:
        return []
    live = Liveness(store.path, store.token)
    try:
        out = []
        for r in rows:
            money_moving = (r["infno"] or "")[:4] in MONEY_MOVING
            alive = live.alive(r["owner"])
            if r["state"] in ("pending", "sent"):
                if alive:
                    nxt = "另一个运行中的程序正在等待平台应答，由它处理；请勿重复结算"
                elif money_moving:
                    nxt = "发送它的程序已退出，结果未知：运行 yibao-terminal queue replay（或重启收费程序）将自动冲正"
                else:
                    nxt = "发送它的程序已退出：下次恢复时关闭（无资金变动）"
            else:
                res = store.resolution(r["msgid"])
                nxt = ("冲正被平台拒绝：请联系医保经办机构核实后用 queue dismiss 标记已处理"
                       if res == "reversal_refused"
                       else "结果未知，冲正已排队：运行 yibao-terminal queue replay 立即发送")
                r["resolution"] = res or r["resolution"]
            r.update(owner_alive=alive, money_moving=money_moving, next=nxt)
            out.append(r)
        return out
    finally:
        live.close(remove_dead=False)  # only looking: recovery decides what to do with a dead owner's files


def cmd_queue_list(args) -> int:
    cfg, store = open_store(args)
    with store:
        items = store.queue.items() if args.all else store.queue.open_items()
        st = store.queue_status()
        open_msgs = unresolved_messages(store)
        if args.json:
            print_json({"status": st.as_dict(), "items": [i.as_dict() for i in items],
                        "unresolved": open_msgs})
            return 0
        if open_msgs and not items and st.level == "ok":
            print(f"离线队列无待发项目，但交易日志中有 {len(open_msgs)} 条报文结果未定（见下）  [warn]")
        else:
            print(f"{st.message}  [{st.level}]")
        for i in items:
            print(f"  {i.id:>4}  {i.created}  {i.kind_name:<6} {i.state_name:<5} 尝试 {i.attempts}  {i.summary}"
                  + (f"  ({i.last_error})" if i.last_error and i.state != "done" else ""))
        if open_msgs:
            print(f"结果未定的报文 {len(open_msgs)} 条:")
            for m in open_msgs:
                state = m["state"] + (f"/{resolution_name(m['resolution'])}" if m["resolution"] else "")
                print(f"  {m['created']} {m['infno']:<5} {m['msgid']} {state}  "
                      f"{'程序运行中' if m['owner_alive'] else '程序已退出'} — {m['next']}")
    return 0


def cmd_queue_show(args) -> int:
    from terminal.store import NotFound

    cfg, store = open_store(args)
    with store:
        try:
            item = store.queue.get(args.id)
        except NotFound as e:
            return refuse_error(e, args)
        msgs = store.sdb.rows("SELECT msgid, infno, state, attempts, created, updated, err_msg, resolution FROM "
                              "messages WHERE msgid=? OR omsgid=? OR (? != '' AND msgid=?) ORDER BY created",
                              [item.msgid, item.omsgid or "-", item.omsgid or "", item.omsgid or ""])
        if args.json:
            print_json({"item": item.as_dict(), "messages": msgs})
            return 0
        print(f"队列项目 {item.id}: {item.kind_name} — {item.state_name}")
        print(f"  内容: {item.summary}\n  报文ID: {item.msgid or '（首次发送时分配）'}\n  创建: {item.created}  "
              f"尝试: {item.attempts}  就诊: {item.visit_key}")
        if item.last_error:
            print(f"  最近错误: {item.last_error}")
        for m in msgs:
            print(f"  {m['infno']} {m['msgid']} {m['state']}"
                  f"{'/' + resolution_name(m['resolution']) if m['resolution'] else ''}"
                  f"{'  ' + m['err_msg'] if m['err_msg'] else ''}")
    return 0


def forward(args, only: int | None = None) -> int:
    """Recover, then forward now one queue item (``only``) or everything due; says what it did."""
    from terminal.store import StoreError

    cfg, store = open_store(args)
    with store, platform_session(cfg, observer=store.journal) as (client, _sandbox):
        svc = settlement_service(cfg, client, store)
        rep = store.recover()  # what a crash left open: reversals queued (sent below), others closed
        if not args.json:
            report_recovery(rep)  # settlements a crash left unseen are shown, never swallowed
        worker = store.worker(client, svc)
        try:
            if only is not None:
                outcomes = [worker.run_item(only)]
            else:
                store.queue.replay()
                outcomes = worker.drain(timeout=args.timeout)
        except StoreError as e:
            return refuse_error(e, args)
        summary = replay_summary(rep, outcomes)
        text = summary_text(summary)
        code = 3 if any(o.state == "retry" for o in outcomes) else (
            1 if any(o.state == "failed" for o in outcomes) else 0)
        if args.json:
            print_json({"ok": code == 0, "message": text, "summary": summary, "recovery": rep.as_dict(),
                        "outcomes": [o.as_dict() for o in outcomes], "status": store.queue_status().as_dict()})
        else:
            for o in outcomes:
                print(f"  {o.item_id:>4} {o.kind:<10} {o.state:<9} {o.message}")
                print_warns([o.warn_msg])
            print(text)
            print(store.queue_status().message)
        return code


def replay_summary(rep: Any, outcomes: list) -> dict[str, int]:
    """What one replay did: the recovery's findings and the forwarding's outcomes, counted."""
    done = [o for o in outcomes if o.state == "done"]
    return {
        "found_uncertain": len(rep.uncertain),  # settlements a crash left without an answer: reversal queued
        "closed_interrupted": len(rep.failed),
        "requeued": rep.requeued,
        "completed_unseen": len(rep.completed),
        "left_to_live_process": rep.live,
        "reversed": sum(1 for o in done if o.kind == "reversal" and o.resolution != "not_booked"),
        "not_booked": sum(1 for o in done if o.kind == "reversal" and o.resolution == "not_booked"),
        "forwarded": sum(1 for o in done if o.kind != "reversal"),
        "waiting": sum(1 for o in outcomes if o.state == "waiting"),
        "uncertain": sum(1 for o in outcomes if o.state == "uncertain"),
        "retry": sum(1 for o in outcomes if o.state == "retry"),
        "failed": sum(1 for o in outcomes if o.state == "failed"),
    }


_SUMMARY_PARTS = (
    ("found_uncertain", "发现 {} 笔结果未知的交易（已排队冲正）"),
    ("closed_interrupted", "关闭 {} 条中断的查询类报文"),
    ("requeued", "{} 项中断的离线业务重新排队"),
    ("completed_unseen", "{} 笔结算已于中断前完成，请核对是否已收费"),
    ("reversed", "冲正 {} 笔（平台已撤回，未扣款）"),
    ("not_booked", "{} 笔平台从未记账（未扣款，无需冲正）"),
    ("forwarded", "提交完成 {} 项"),
    ("waiting", "{} 项等待前序业务完成"),
    ("uncertain", "{} 项结果未知（已排队冲正后重交）"),
    ("retry", "{} 项平台未应答，稍后重试"),
    ("failed", "{} 项被平台拒绝，需人工处理（queue show / dismiss）"),
    ("left_to_live_process", "{} 笔由另一个运行中的程序处理"),
)


def summary_text(summary: dict[str, int]) -> str:
    parts = [text.format(summary[k]) for k, text in _SUMMARY_PARTS if summary.get(k)]
    acted = any(summary.get(k) for k, _ in _SUMMARY_PARTS if k != "left_to_live_process")
    if not acted:
        return "没有可发送的项目" + ("；" + parts[0] if parts else "")
    return "本次：" + "；".join(parts)


def cmd_queue_replay(args) -> int:
    return forward(args, args.id)


def cmd_queue_dismiss(args) -> int:
    from terminal.store import StoreError

    cfg, store = open_store(args)
    with store:
        try:
            store.queue.dismiss(args.id, args.note or "")
        except StoreError as e:
            return refuse_error(e, args)
    print(f"队列项目 {args.id} 已标记为已处理")
    return 0


# journal -------------------------------------------------------------------------------------------
def cmd_journal(args) -> int:
    if bad_date(args):
        return 2
    cfg, store = open_store(args)
    with store:
        msgs = store.messages(args.date)
        setl = store.settlements(args.date or today())
        if not args.full:
            msgs = [{k: v for k, v in m.items() if k not in ("request", "answer")} for m in msgs]
        if args.json:
            print_json({"date": args.date or today(), "messages": msgs, "settlements": setl})
            return 0
        print(f"{args.date or today()} 报文 {len(msgs)} 条，结算 {len(setl)} 笔")
        for m in msgs:
            extra = m["resolution"] and f" → {resolution_name(m['resolution'])}" or ""
            print(f"  {m['created'][11:]} {m['infno']:<5} {m['msgid']} {m['state']:<9}{extra}"
                  + (f"  {m['err_msg']}" if m["err_msg"] else "")
                  + (f"  ⚠ 平台提示: {m['warn_msg']}" if m.get("warn_msg") else ""))
        if setl:
            print("结算:")
            for s in setl:
                print(f"  {s['setl_time'] or s['created']} {s['kind']:<6} {s['setl_id']} {s['status']:<9} "
                      f"{s['insutype']} 总额 {fmt_yuan(s['medfee_sumamt'])} 基金 {fmt_yuan(s['fund_pay_sumamt'])} "
                      f"个账 {fmt_yuan(s['acct_pay'])} 现金 {fmt_yuan(s['psn_cash_pay'])}"
                      + (f"  ⚠ 平台提示: {s['warn_msg']}" if s.get("warn_msg") else ""))
    return 0


def add_parsers(subparsers: Any) -> None:
    q = subparsers.add_parser("queue", help="离线队列：查看、立即发送、标记已处理")
    qs = q.add_subparsers(dest="queue_command", required=True, metavar="{list,show,replay,dismiss}")
    p = qs.add_parser("list", help="列出待处理项目（--all 含已完成）")
    p.add_argument("--all", action="store_true")
    add_common_options(p)
    p.set_defaults(func=cmd_queue_list)
    p = qs.add_parser("show", help="查看一个项目及其报文")
    p.add_argument("id", type=int)
    add_common_options(p)
    p.set_defaults(func=cmd_queue_show)
    p = qs.add_parser("replay", help="立即发送（一个项目，或全部到期项目）")
    p.add_argument("id", type=int, nargs="?")
    p.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    add_common_options(p)
    p.set_defaults(func=cmd_queue_replay)
    p = qs.add_parser("dismiss", help="平台拒绝的项目已人工处理")
    p.add_argument("id", type=int)
    p.add_argument("--note", default="")
    add_common_options(p, json_flag=False)
    p.set_defaults(func=cmd_queue_dismiss)

    j = subparsers.add_parser("journal", help="交易日志：当天（或 --date）的报文与结算")
    j.add_argument("--date", help="日期 yyyy-MM-dd（缺省今天）")
    j.add_argument("--full", action="store_true", help="含脱敏后的请求与应答")
    add_common_options(j)
    j.set_defaults(func=cmd_journal)
