"""Shift close (交班) and day close (日结) from the command line.

    yibao-terminal shift report [--operator ID] [--date D] [--whole-day] [--width N] [--json]
                                      the cashier's open shift (since the last close; --whole-day: the day)
    yibao-terminal shift close [--operator ID] [--counted-cash X] [--supervisor S] [--json]
                                      sign the open shift off: the report and the counted cash are recorded
                                      (another cashier's shift needs a supervisor: handover)
    yibao-terminal shift day-close [--date D] --supervisor S [--supervisor-pin P] [--json]
                                      every cashier of the terminal and the 3201 verdict beside the totals

The report prints as the ESC/POS roll would (drivers.printer.shift, 48 columns; --width 32 for 58 mm).
Exit codes: 0 done; 1 refused (day close: 3201 not balanced); 2 usage; 3 day close queued (platform away).
"""
from __future__ import annotations

from typing import Any

from drivers.printer import compose_day_close, compose_shift, text_lines
from terminal.commands.common import add_common_options, bad_date, open_store
from terminal.commands.output import Refusal, print_json
from terminal.core.money import MoneyError


def _operator(args: Any, cfg: Any) -> str:
    op = (args.operator or cfg.operator.id or "").strip()
    if not op:
        raise Refusal("请给出收费员编号：--operator（配置 [operator] id 为空）", 2, "usage")
    return op


def _width(args: Any) -> int:
    if not 16 <= args.width <= 80:
        raise Refusal(f"参数错误 --width: 纸宽应为 16–80 列，实际为 {args.width}", 2, "usage")
    return args.width


def _lines(composed: Any, args: Any) -> None:
    print("\n".join(text_lines(composed, _width(args))))


def cmd_shift_report(args) -> int:
    if bad_date(args):
        return 2
    cfg, store = open_store(args)
    with store:
        op = _operator(args, cfg)
        rep = store.shifts.report(op, args.date, whole_day=args.whole_day).as_dict()
    if args.json:
        print_json({"ok": True, **rep})
    else:
        _lines(compose_shift(rep, facility_name=cfg.facility.name, training=cfg.training), args)
    return 0


def _supervisor(args: Any, cfg: Any, why: str):
    if not args.supervisor:
        raise Refusal(f"{why}须主管授权：请给出 --supervisor 主管编号", 2, "usage")
    from terminal.commands.reconcile import _supervisor as verify

    return verify(args, cfg)


def cmd_shift_close(args) -> int:
    cfg, store = open_store(args)
    with store:
        op = _operator(args, cfg)
        closed_by = op
        if args.supervisor or op != (cfg.operator.id or op):
            closed_by = _supervisor(args, cfg, f"代收费员 {op} 交班").id
        try:
            close = store.shifts.close(op, counted_cash=args.counted_cash, closed_by=closed_by)
        except MoneyError as e:
            raise Refusal(f"参数错误 --counted-cash: {e}", 2, "usage") from None
    rep = close["report"]
    if args.json:
        print_json({"ok": True, "close": {k: v for k, v in close.items() if k != "report"}, "report": rep})
    else:
        _lines(compose_shift(rep, facility_name=cfg.facility.name, closed=close["closed"], training=cfg.training),
               args)
        print(f"收费员 {op} 已交班（记录 #{close['id']}，{close['opened']} 至 {close['closed']}，签收 {closed_by}）")
    return 0


def cmd_shift_day_close(args) -> int:
    from terminal.app import platform_session

    if bad_date(args):
        return 2
    cfg, store = open_store(args)
    with store:
        sup = _supervisor(args, cfg, "日结")
        with platform_session(cfg, observer=store.journal) as (client, _sandbox):
            body = store.shifts.day_close(lambda day: store.reconcile(client, day), args.date, supervisor=sup.id)
    rec = body["reconcile"]
    states = [g["state"] for g in rec["groups"]]
    code = 3 if "queued" in states else (0 if rec["balanced"] or not states else 1)
    if args.json:
        print_json({"ok": code == 0, **body})
    else:
        _lines(compose_day_close(body, facility_name=cfg.facility.name, training=cfg.training), args)
    return code


def add_parsers(subparsers: Any) -> None:
    s = subparsers.add_parser("shift", help="交班报表、交班 (shift close) 与主管日结 (day-close, 3201)")
    ss = s.add_subparsers(dest="shift_command", required=True, metavar="{report,close,day-close}")
    p = ss.add_parser("report", help="收费员交班报表（缺省：本班，即上次交班以来）")
    p.add_argument("--operator", help="收费员编号（缺省：配置 [operator] id）")
    p.add_argument("--date", help="日期 yyyy-MM-dd（缺省今天）")
    p.add_argument("--whole-day", action="store_true", help="全天（含已交班的班次）")
    p.add_argument("--width", type=int, default=48, help="纸宽（列）：80 mm 为 48，58 mm 为 32")
    add_common_options(p)
    p.set_defaults(func=cmd_shift_report)
    p = ss.add_parser("close", help="交班：记录本班报表与实点现金")
    p.add_argument("--operator", help="收费员编号（缺省：配置 [operator] id）")
    p.add_argument("--counted-cash", help="实点现金（元，如 320.00）")
    p.add_argument("--supervisor", help="主管编号（代他人交班时必填）")
    p.add_argument("--supervisor-pin", help="主管 PIN（或环境变量 YIBAO_SUPERVISOR_PIN）")
    p.add_argument("--width", type=int, default=48, help="纸宽（列）")
    add_common_options(p)
    p.set_defaults(func=cmd_shift_close)
    p = ss.add_parser("day-close", help="主管日结：本终端全部收费员，3201 对总账结果并列")
    p.add_argument("--date", help="日期 yyyy-MM-dd（缺省今天）")
    p.add_argument("--supervisor", help="主管编号")
    p.add_argument("--supervisor-pin", help="主管 PIN（或环境变量 YIBAO_SUPERVISOR_PIN）")
    p.add_argument("--width", type=int, default=48, help="纸宽（列）")
    add_common_options(p)
    p.set_defaults(func=cmd_shift_day_close)
