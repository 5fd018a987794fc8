"""The journal, the offline queue, deferred settlements and reconciliation from the command line.

    yibao-terminal queue list [--all] [--json]          the offline queue (open items; --all: everything)
                                                        and the journal's unresolved messages
    yibao-terminal queue show ID [--json]               one item with its journaled messages
    yibao-terminal queue replay [ID] [--json]           recover, then forward now (one item, or everything
                                                        due); says what it did
    yibao-terminal queue dismiss ID [--note TEXT]       a refused item dealt with by hand
    yibao-terminal journal [--date D] [--json] [--full] the day's messages and settlements
    yibao-terminal reconcile [--date D] [--json]        3201 daily totals against the platform
    yibao-terminal reconcile --detail [--date D] [--json]
                                                        3202 detail: each settlement that does not agree,
                                                        with a suggested action (exit 1 while any is open)
    yibao-terminal reconcile fix ID --action A --supervisor S [--supervisor-pin P] --reason TEXT
                                                        a difference dealt with (2601 / 2208 sent now)
    yibao-terminal reconcile history [--date D | --all] [--json]
    yibao-terminal reconcile export [--date D] --out FILE.csv|FILE.xlsx
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
import sys
from typing import Any

from terminal.core.money import fmt_yuan
from terminal.core.protocol import MONEY_MOVING

from .output import fail, print_json, print_warns, resolution_name


def _print_json(obj: Any) -> None:
    print_json(obj)


def _open(args):
    from terminal.cli import load_config
    from terminal.store import Store

    cfg = load_config(args)
    return cfg, Store.from_config(cfg)


def _err(e: Exception, args: Any = None) -> int:
    return fail(args, str(getattr(e, "user_message", None) or e), 1, type(e).__name__)


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
                nxt = ("冲正被平台拒绝：请联系医保经办机构核实后用 queue dismiss 标记已处理" if res == "reversal_refused"
                       else "结果未知，冲正已排队：运行 yibao-terminal queue replay 立即发送")
                r["resolution"] = res or r["resolution"]
            r.update(owner_alive=alive, money_moving=money_moving, next=nxt)
            out.append(r)
        return out
    finally:
        live.close(remove_dead=False)  # only looking: recovery decides what to do with a dead owner's files


def cmd_queue_list(args) -> int:
    cfg, store = _open(args)
    with store:
        items = store.queue.items() if args.all else store.queue.open_items()
        st = store.queue_status()
        open_msgs = unresolved_messages(store)
        if args.json:
            _print_json({"status": st.as_dict(), "items": [i.as_dict() for i in items],
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

    cfg, store = _open(args)
    with store:
        try:
            item = store.queue.get(args.id)
        except NotFound as e:
            return _err(e, args)
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
            print(f"  {m['infno']} {m['msgid']} {m['state']}"
                  f"{'/' + resolution_name(m['resolution']) if m['resolution'] else ''}"
                  f"{'  ' + m['err_msg'] if m['err_msg'] else ''}")
    return 0


def _service(cfg, client, store):
    from terminal.services.outpatient import SettlementService

    return SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)


def _forward(args, only: int | None = None, kinds: str = "") -> int:
    from terminal.cli import platform_session
    from terminal.store import StoreError

    cfg, store = _open(args)
    with store, platform_session(cfg, observer=store.journal) as (client, _sandbox):
        svc = _service(cfg, client, store)
        from terminal.cli import report_recovery

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
            return _err(e, args)
        summary = replay_summary(rep, outcomes)
        text = summary_text(summary)
        code = 3 if any(o.state == "retry" for o in outcomes) else (
            1 if any(o.state == "failed" for o in outcomes) else 0)
        if args.json:
            _print_json({"ok": code == 0, "message": text, "summary": summary, "recovery": rep.as_dict(),
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
    return _forward(args, args.id)


def cmd_queue_dismiss(args) -> int:
    from terminal.store import StoreError

    cfg, store = _open(args)
    with store:
        try:
            store.queue.dismiss(args.id, args.note or "")
        except StoreError as e:
            return _err(e, args)
    print(f"队列项目 {args.id} 已标记为已处理")
    return 0


# journal -------------------------------------------------------------------------------------------
def _bad_date(args) -> int:
    """Check --date (yyyy-MM-dd, a real day) and normalise it; 0 when fine, else the message is printed
    (JSON with --json) and 2 is returned."""
    value = getattr(args, "date", None)
    if value is None:
        return 0
    import datetime as _dt

    try:
        args.date = _dt.datetime.strptime(value.strip(), "%Y-%m-%d").date().isoformat()
        return 0
    except ValueError:
        msg = f"参数错误 --date: 应为有效日期 yyyy-MM-dd（如 2026-01-31），实际为 {value!r}"
    if getattr(args, "json", False):
        _print_json({"ok": False, "error": "UsageError", "message": msg})
    else:
        print(msg, file=sys.stderr)
    return 2


def cmd_journal(args) -> int:
    if _bad_date(args):
        return 2
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


def _today() -> str:
    from terminal.store.db import today

    return today()


# reconcile -----------------------------------------------------------------------------------------
def cmd_reconcile(args) -> int:
    from terminal.cli import platform_session

    if _bad_date(args):
        return 2
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


def cmd_reconcile_main(args) -> int:
    """``reconcile`` without a subcommand: 3201 totals, or with --detail the 3202 detail reconciliation."""
    return cmd_reconcile_detail(args) if args.detail else cmd_reconcile(args)


def _amount_cols(d: dict | None) -> str:
    if not d:
        return "—"
    return f"总额 {fmt_yuan(d['medfee_sumamt'])} 基金 {fmt_yuan(d['fund_pay_sumamt'])} 个账 {fmt_yuan(d['acct_pay'])}"


def print_detail(rep) -> None:
    from terminal.store.reconcile import ACTION_NAMES

    print(rep.summary)
    if rep.filename:
        print(f"  明细文件 {rep.filename}：{rep.lines} 笔，{rep.file_bytes} 字节；结果文件 {rep.result_bytes} 字节；"
              f"用时 {rep.elapsed_ms} ms")
    for g in rep.groups:
        print(f"  清算类别 {g.clr_type} 经办机构 {g.setl_optins}（险种 {'/'.join(g.insutypes) or '—'}）— {g.message}")
        print(f"    终端 {g.count:>5} 笔 {_amount_cols(g.terminal)} 现金 {fmt_yuan(g.terminal.get('cash_payamt', '0'))}")
        if g.platform:
            print(f"    平台 {g.platform_count:>5} 笔 {_amount_cols(g.platform)}")
        for v in g.verdict_3201:
            print(f"    3201 险种 {v['insutype']}: {v['state']} {v['stmt_rslt_dscr'] or ''}")
    for p in rep.problems:
        if p.get("problem") == "uncertain":
            print(f"  ⚠ 结果未知: {p['infno']} {p['msgid']} — {p['reason']}")
        else:
            print(f"  ⚠ {p.get('reason', p)}")
    for d in rep.differences:
        state = (f"已处理（{ACTION_NAMES.get(d.done_action, d.done_action)}，主管 {d.done_by} {d.done_at}）"
                 if d.done_by else f"建议: {d.suggested}（{ACTION_NAMES.get(d.suggested, d.suggested)}）")
        print(f"  差异 {d.id}: {d.kind_name} 结算 {d.setl_id}{' 报文 ' + d.msgid if d.msgid else ''} — {state}")
        print(f"    终端 {_amount_cols(d.terminal)}；平台 {_amount_cols(d.platform)}"
              + (f"（平台状态 {d.plat_status}）" if d.plat_status else ""))
        print(f"    {d.advice}")
        if d.open:
            print(f"    处理: yibao-terminal reconcile fix {d.id} --action {d.suggested} --supervisor 主管编号 "
                  f"--reason 原因   （可选: {' / '.join(d.allowed)}）")


def cmd_reconcile_detail(args) -> int:
    from terminal.backend.errors import BusinessError, PlatformError
    from terminal.cli import platform_session
    from terminal.core.reconfiles import ReconFileError

    if _bad_date(args):
        return 2
    cfg, store = _open(args)
    with store, platform_session(cfg, observer=store.journal) as (client, _sandbox):
        try:
            rep = store.reconciler.reconcile_detail(client, args.date, operator=cfg.operator.id)
        except ReconFileError as e:
            return fail(args, f"平台的对账结果文件无法读取：{e}；请稍后重试或联系医保经办机构", 1, "result_file")
        except PlatformError as e:
            if isinstance(e, BusinessError):
                return fail(args, f"明细对账被平台拒绝：{getattr(e, 'user_message', e)}", 1, "refused")
            return fail(args, f"医保平台暂不可达，明细对账未完成（{getattr(e, 'user_message', e)}）；请稍后重试",
                        3, "unreachable")
        if args.json:
            _print_json({"ok": rep.clean, **rep.as_dict()})
        else:
            print_detail(rep)
    return 0 if rep.clean else 1


def _supervisor(args, cfg):
    """--supervisor and its PIN (--supervisor-pin, env YIBAO_SUPERVISOR_PIN, or asked on a terminal), checked
    against the local operators (role supervisor); a Refusal otherwise."""
    import os

    from .output import Refusal

    if not args.supervisor:
        raise Refusal("对账差异的处理须主管授权：请给出 --supervisor 主管编号", 2, "usage")
    pin = args.supervisor_pin or os.environ.get("YIBAO_SUPERVISOR_PIN", "")
    if not pin and sys.stdin.isatty() and not args.json:
        import getpass

        pin = getpass.getpass("主管 PIN: ")
    if not pin:
        raise Refusal("请给出主管 PIN：--supervisor-pin，或环境变量 YIBAO_SUPERVISOR_PIN", 2, "usage")
    from terminal.ui.operators import SUPERVISOR, LoginError, OperatorStore

    ops = OperatorStore.for_config(cfg)
    if cfg.training:
        ops.seed_demo()  # as the cashier app does in training mode
    try:
        return ops.verify(args.supervisor, pin, role=SUPERVISOR)
    except LoginError as e:
        raise Refusal(f"主管授权失败：{e}", 1, "supervisor") from None


def cmd_reconcile_fix(args) -> int:
    from terminal.cli import platform_session
    from terminal.store import StoreError

    if len((args.reason or "").strip()) < 2:
        return fail(args, "请填写处理原因：--reason（至少 2 个字）", 2, "usage")
    cfg, store = _open(args)
    with store:
        sup = _supervisor(args, cfg)  # before anything is recorded or sent
        try:
            res = store.reconciler.apply_fix(args.diff_id, args.action, supervisor=sup.id, reason=args.reason,
                                             operator=cfg.operator.id)
        except StoreError as e:
            return _err(e, args)
        out = {"ok": True, "fix": res.as_dict(), "message": res.message}
        code = 0
        if res.queue_id is not None:  # the 2601 / 2208 goes out now (it stays queued if the platform is away)
            with platform_session(cfg, observer=store.journal) as (client, _sandbox):
                worker = store.worker(client, _service(cfg, client, store))
                o = worker.run_item(res.queue_id)
            out["outcome"] = o.as_dict()
            code = 3 if o.state == "retry" else (1 if o.state in ("failed", "uncertain") else 0)
            out["ok"] = code == 0
            out["message"] = f"{res.message}；{o.message}"
        if args.json:
            _print_json(out)
        else:
            print(f"差异 {args.diff_id} 已处理（主管 {sup.id}）：{out['message']}")
            if code == 3:
                print("平台暂不可达：已留在离线队列，恢复后自动发送；之后请重新对账", file=sys.stderr)
            elif code == 0:
                print("请重新运行 yibao-terminal reconcile --detail 确认")
    return code


def cmd_reconcile_history(args) -> int:
    from terminal.store.reconcile import ACTION_NAMES

    if _bad_date(args):
        return 2
    cfg, store = _open(args)
    with store:
        day = args.date or (None if args.all else _today())
        hist = store.reconciler.history(day)
        if args.json:
            _print_json({"date": day, "history": hist})
            return 0
        print(f"{day or '全部日期'} 明细对账记录 {sum(1 for h in hist if h['type'] == 'run')} 次，处理 "
              f"{sum(1 for h in hist if h['type'] == 'fix')} 笔")
        for h in hist:
            if h["type"] == "run":
                print(f"  {h['created']} 对账 #{h['id']} {h['day']} {h['state']}: {h['summary']}"
                      f"（操作员 {h['operator'] or '?'}）")
            else:
                print(f"  {h['created']} 处理差异 {h['diff_id']} {ACTION_NAMES.get(h['action'], h['action'])} "
                      f"主管 {h['supervisor']}：{h['reason']} — {h['result']}")
    return 0


def cmd_reconcile_export(args) -> int:
    from pathlib import Path

    if _bad_date(args):
        return 2
    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        return fail(args, f"参数错误 --out: 文件名应以 .csv 或 .xlsx 结尾，实际为 {args.out!r}", 2, "usage")
    cfg, store = _open(args)
    with store:
        day = args.date or _today()
        rep = store.reconciler.detail_report(day=day)
        if rep is None:
            return fail(args, f"{day} 还没有明细对账记录：请先运行 yibao-terminal reconcile --detail --date {day}",
                        1, "not_found")
        try:
            store.reconciler.export(rep, out, fmt)
        except OSError as e:
            return fail(args, f"无法写入 {out}（{e.strerror or e}）：请换一个位置", 1, "write")
    if args.json:
        _print_json({"ok": True, "path": str(out), "format": fmt, "run_id": rep.run_id,
                     "differences": len(rep.differences)})
    else:
        print(f"已导出 {day} 明细对账（对账 #{rep.run_id}，差异 {len(rep.differences)} 笔）到 {out}")
    return 0


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
                return _err(e, args)
        if p.queue_id is None:
            return fail(args, f"补结算 {args.id} 没有队列项目（状态 {p.state_name}）", 1, "not_queued")
        return _forward(args, p.queue_id)
    return _forward(args)


def cmd_parked_cancel(args) -> int:
    from terminal.store import StoreError

    cfg, store = _open(args)
    with store:
        try:
            p = store.cancel_parked(args.id, cfg.operator.id)
        except StoreError as e:
            return _err(e, args)
    print(f"补结算 {p.park_id} 已取消（全额 {fmt_yuan(p.total)} 不再申请医保支付）")
    return 0


def cmd_parked_refunded(args) -> int:
    from terminal.store import StoreError

    cfg, store = _open(args)
    with store:
        try:
            p = store.mark_refund_paid(args.id, cfg.operator.id)
        except StoreError as e:
            return _err(e, args)
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

    r = subparsers.add_parser("reconcile", help="日对总账 (3201)；--detail 对明细账 (3202)；fix / history / export")
    r.add_argument("--date", help="日期 yyyy-MM-dd（缺省今天）")
    r.add_argument("--detail", action="store_true", help="对明细账 (9101 上传明细, 3202, 9102 下载结果)")
    common(r)
    r.set_defaults(func=cmd_reconcile_main)
    rs = r.add_subparsers(dest="reconcile_command", metavar="{fix,history,export}")
    p = rs.add_parser("fix", help="处理一笔对账差异（须主管授权）")
    p.add_argument("diff_id", type=int, help="差异编号（reconcile --detail 列出）")
    p.add_argument("--action", required=True,
                   choices=("reverse", "cancel", "settled_elsewhere", "record_cancel", "resend", "none"))
    p.add_argument("--supervisor", help="授权主管编号")
    p.add_argument("--supervisor-pin", help="主管 PIN（或环境变量 YIBAO_SUPERVISOR_PIN）")
    p.add_argument("--reason", default="", help="处理原因（记入交易日志）")
    common(p)
    p.set_defaults(func=cmd_reconcile_fix)
    p = rs.add_parser("history", help="明细对账与差异处理记录")
    p.add_argument("--date", help="日期 yyyy-MM-dd（缺省今天）")
    p.add_argument("--all", action="store_true", help="全部日期")
    common(p)
    p.set_defaults(func=cmd_reconcile_history)
    p = rs.add_parser("export", help="导出明细对账结果（.csv 或 .xlsx），交财务")
    p.add_argument("--date", help="日期 yyyy-MM-dd（缺省今天）")
    p.add_argument("--out", required=True, help="输出文件 FILE.csv 或 FILE.xlsx")
    common(p)
    p.set_defaults(func=cmd_reconcile_export)

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
