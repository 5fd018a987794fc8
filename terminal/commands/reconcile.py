"""Reconciliation from the command line: 3201 daily totals and the 3202 detail, its differences dealt with by a
supervisor, the record of runs and fixes, and the export for the finance office.

    yibao-terminal reconcile [--date D] [--json]        3201 daily totals against the platform
    yibao-terminal reconcile --detail [--date D] [--json]
                                                        3202 detail: each settlement that does not agree,
                                                        with a suggested action (exit 1 while any is open)
    yibao-terminal reconcile fix ID --action A --supervisor S [--supervisor-pin P] --reason TEXT
                                                        a difference dealt with (2601 / 2208 sent now)
    yibao-terminal reconcile history [--date D | --all] [--json]
    yibao-terminal reconcile export [--date D] --out FILE.csv|FILE.xlsx

Exit codes as for the journal's commands (terminal/commands/store.py).
"""
from __future__ import annotations

import sys
from typing import Any

from terminal.app import platform_session, settlement_service
from terminal.commands.common import (add_common_options, bad_date, open_store, refuse_error,
                                      today)
from terminal.commands.output import Refusal, fail, print_json
from terminal.core.errors import user_message_of
from terminal.core.money import fmt_yuan


def cmd_reconcile(args) -> int:

    if bad_date(args):
        return 2
    cfg, store = open_store(args)
    with store, platform_session(cfg, observer=store.journal) as (client, _sandbox):
        rep = store.reconcile(client, args.date)
        if args.json:
            print_json(rep.as_dict())
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
    from terminal.store.reconcile_differences import ACTION_NAMES

    print(rep.summary)
    if rep.filename:
        print(f"  明细文件 {rep.filename}：{rep.lines} 笔，{rep.file_bytes} 字节；结果文件 {rep.result_bytes} 字节；"
              f"用时 {rep.elapsed_ms} ms")
    for g in rep.groups:
        print(f"  清算类别 {g.clr_type} 经办机构 {g.setl_optins}（险种 {'/'.join(g.insutypes) or '—'}）— {g.message}")
        cash = fmt_yuan(g.terminal.get("cash_payamt", "0"))
        print(f"    终端 {g.count:>5} 笔 {_amount_cols(g.terminal)} 现金 {cash}")
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
    from terminal.core.reconfiles import ReconFileError

    if bad_date(args):
        return 2
    cfg, store = open_store(args)
    with store, platform_session(cfg, observer=store.journal) as (client, _sandbox):
        try:
            rep = store.reconciler.reconcile_detail(client, args.date, operator=cfg.operator.id)
        except ReconFileError as e:
            return fail(args, f"平台的对账结果文件无法读取：{e}；请稍后重试或联系医保经办机构", 1, "result_file")
        except PlatformError as e:
            if isinstance(e, BusinessError):
                return fail(args, f"明细对账被平台拒绝：{user_message_of(e)}", 1, "refused")
            return fail(args, f"医保平台暂不可达，明细对账未完成（{user_message_of(e)}）；请稍后重试",
                        3, "unreachable")
        if args.json:
            print_json({"ok": rep.clean, **rep.as_dict()})
        else:
            print_detail(rep)
    return 0 if rep.clean else 1


def _supervisor(args, cfg):
    """--supervisor and its PIN (--supervisor-pin, env YIBAO_SUPERVISOR_PIN, or asked on a terminal), checked
    against the local operators (role supervisor); a Refusal otherwise."""
    import os

    if not args.supervisor:
        raise Refusal("对账差异的处理须主管授权：请给出 --supervisor 主管编号", 2, "usage")
    pin = args.supervisor_pin or os.environ.get("YIBAO_SUPERVISOR_PIN", "")
    if not pin and sys.stdin.isatty() and not args.json:
        import getpass

        pin = getpass.getpass("主管 PIN: ")
    if not pin:
        raise Refusal("请给出主管 PIN：--supervisor-pin，或环境变量 YIBAO_SUPERVISOR_PIN", 2, "usage")
    from terminal.app import operator_store
    from terminal.app.operators import SUPERVISOR, LoginError

    ops = operator_store(cfg)  # in training mode with the demo accounts, as the cashier app has them
    try:
        return ops.verify(args.supervisor, pin, role=SUPERVISOR)
    except LoginError as e:
        raise Refusal(f"主管授权失败：{e}", 1, "supervisor") from None


def cmd_reconcile_fix(args) -> int:
    from terminal.store import StoreError

    if len((args.reason or "").strip()) < 2:
        return fail(args, "请填写处理原因：--reason（至少 2 个字）", 2, "usage")
    cfg, store = open_store(args)
    with store:
        sup = _supervisor(args, cfg)  # before anything is recorded or sent
        try:
            res = store.reconciler.apply_fix(args.diff_id, args.action, supervisor=sup.id, reason=args.reason,
                                             operator=cfg.operator.id)
        except StoreError as e:
            return refuse_error(e, args)
        out = {"ok": True, "fix": res.as_dict(), "message": res.message}
        code = 0
        if res.queue_id is not None:  # the 2601 / 2208 goes out now (it stays queued if the platform is away)
            with platform_session(cfg, observer=store.journal) as (client, _sandbox):
                worker = store.worker(client, settlement_service(cfg, client, store))
                o = worker.run_item(res.queue_id)
            out["outcome"] = o.as_dict()
            code = 3 if o.state == "retry" else (1 if o.state in ("failed", "uncertain") else 0)
            out["ok"] = code == 0
            out["message"] = f"{res.message}；{o.message}"
        if args.json:
            print_json(out)
        else:
            print(f"差异 {args.diff_id} 已处理（主管 {sup.id}）：{out['message']}")
            if code == 3:
                print("平台暂不可达：已留在离线队列，恢复后自动发送；之后请重新对账", file=sys.stderr)
            elif code == 0:
                print("请重新运行 yibao-terminal reconcile --detail 确认")
    return code


def cmd_reconcile_history(args) -> int:
    from terminal.store.reconcile_differences import ACTION_NAMES

    if bad_date(args):
        return 2
    cfg, store = open_store(args)
    with store:
        day = args.date or (None if args.all else today())
        hist = store.reconciler.history(day)
        if args.json:
            print_json({"date": day, "history": hist})
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

    if bad_date(args):
        return 2
    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        return fail(args, f"参数错误 --out: 文件名应以 .csv 或 .xlsx 结尾，实际为 {args.out!r}", 2, "usage")
    cfg, store = open_store(args)
    with store:
        day = args.date or today()
        rep = store.reconciler.detail_report(day=day)
        if rep is None:
            return fail(args, f"{day} 还没有明细对账记录：请先运行 yibao-terminal reconcile --detail --date {day}",
                        1, "not_found")
        try:
            store.reconciler.export(rep, out, fmt)
        except OSError as e:
            return fail(args, f"无法写入 {out}（{e.strerror or e}）：请换一个位置", 1, "write")
    if args.json:
        print_json({"ok": True, "path": str(out), "format": fmt, "run_id": rep.run_id,
                    "differences": len(rep.differences)})
    else:
        print(f"已导出 {day} 明细对账（对账 #{rep.run_id}，差异 {len(rep.differences)} 笔）到 {out}")
    return 0


def add_parsers(subparsers: Any) -> None:
    r = subparsers.add_parser("reconcile", help="日对总账 (3201)；--detail 对明细账 (3202)；fix / history / export")
    r.add_argument("--date", help="日期 yyyy-MM-dd（缺省今天）")
    r.add_argument("--detail", action="store_true", help="对明细账 (9101 上传明细, 3202, 9102 下载结果)")
    add_common_options(r)
    r.set_defaults(func=cmd_reconcile_main)
    rs = r.add_subparsers(dest="reconcile_command", metavar="{fix,history,export}")
    p = rs.add_parser("fix", help="处理一笔对账差异（须主管授权）")
    p.add_argument("diff_id", type=int, help="差异编号（reconcile --detail 列出）")
    p.add_argument("--action", required=True,
                   choices=("reverse", "cancel", "settled_elsewhere", "record_cancel", "resend", "none"))
    p.add_argument("--supervisor", help="授权主管编号")
    p.add_argument("--supervisor-pin", help="主管 PIN（或环境变量 YIBAO_SUPERVISOR_PIN）")
    p.add_argument("--reason", default="", help="处理原因（记入交易日志）")
    add_common_options(p)
    p.set_defaults(func=cmd_reconcile_fix)
    p = rs.add_parser("history", help="明细对账与差异处理记录")
    p.add_argument("--date", help="日期 yyyy-MM-dd（缺省今天）")
    p.add_argument("--all", action="store_true", help="全部日期")
    add_common_options(p)
    p.set_defaults(func=cmd_reconcile_history)
    p = rs.add_parser("export", help="导出明细对账结果（.csv 或 .xlsx），交财务")
    p.add_argument("--date", help="日期 yyyy-MM-dd（缺省今天）")
    p.add_argument("--out", required=True, help="输出文件 FILE.csv 或 FILE.xlsx")
    add_common_options(p)
    p.set_defaults(func=cmd_reconcile_export)
