"""Parked bills (settled later, when the platform answers again) and the refunds they leave due.

    yibao-terminal parked list [--json]                 parked bills and refunds due
    yibao-terminal parked settle [ID] [--json]          settle parked bills now (all, or one)
    yibao-terminal parked cancel ID                     cancel a bill still waiting
    yibao-terminal parked refunded ID                   the refund has been paid out
"""
from __future__ import annotations

import argparse
from typing import Any

from terminal.commands.common import add_common_options, open_store, refuse_error
from terminal.commands.output import fail, print_json
from terminal.commands.store import forward
from terminal.core.money import fmt_yuan


def cmd_parked_list(args) -> int:
    cfg, store = open_store(args)
    with store:
        parked = store.parked()
        refunds = store.refunds_due()
        if args.json:
            print_json({"parked": [p.as_dict() for p in parked], "refunds_due": [r.as_dict() for r in refunds]})
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
        cfg, store = open_store(args)
        with store:
            try:
                p = store.parking.get(args.id)
            except LookupError as e:
                return refuse_error(e, args)
        if p.queue_id is None:
            return fail(args, f"补结算 {args.id} 没有队列项目（状态 {p.state_name}）", 1, "not_queued")
        return forward(args, p.queue_id)
    return forward(args)


def cmd_parked_cancel(args) -> int:
    from terminal.store import StoreError

    cfg, store = open_store(args)
    with store:
        try:
            p = store.cancel_parked(args.id, cfg.operator.id)
        except StoreError as e:
            return refuse_error(e, args)
    print(f"补结算 {p.park_id} 已取消（全额 {fmt_yuan(p.total)} 不再申请医保支付）")
    return 0


def cmd_parked_refunded(args) -> int:
    from terminal.store import StoreError

    cfg, store = open_store(args)
    with store:
        try:
            p = store.mark_refund_paid(args.id, cfg.operator.id)
        except StoreError as e:
            return refuse_error(e, args)
    print(f"补结算 {p.park_id} 退款 {fmt_yuan(p.refund_due)} 已支付")
    return 0


def add_parsers(subparsers: Any) -> None:
    k = subparsers.add_parser("parked", help="补结算：列出、立即结算、取消、登记退款")
    ks = k.add_subparsers(dest="parked_command", required=True, metavar="{list,settle,cancel,refunded}")
    p = ks.add_parser("list", help="挂账与待退款")
    add_common_options(p)
    p.set_defaults(func=cmd_parked_list)
    p = ks.add_parser("settle", help="立即补结算（全部，或一个编号）")
    p.add_argument("id", nargs="?")
    p.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    add_common_options(p)
    p.set_defaults(func=cmd_parked_settle)
    p = ks.add_parser("cancel", help="取消尚未结算的挂账")
    p.add_argument("id")
    add_common_options(p, json_flag=False)
    p.set_defaults(func=cmd_parked_cancel)
    p = ks.add_parser("refunded", help="已向患者支付退款")
    p.add_argument("id")
    add_common_options(p, json_flag=False)
    p.set_defaults(func=cmd_parked_refunded)
