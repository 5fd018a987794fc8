"""What the discharge desk shows beyond its own widgets (issue 13 §6): the amount to collect or refund against the
deposits (:class:`Due`, the tender step's input), F9's confirmation text, and the customer display's content
(:class:`StayDisplay`). No Qt; the StayMachine (core/stay.py) reads them for the stay it shows."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .inpatient import Stay
from .money import ZERO, fmt_yuan


@dataclass(frozen=True)
class Due:
    """What changes hands at the desk after the settlement: ``collect`` (the patient pays ``amount`` more than the
    deposits), ``refund`` (the hospital pays ``amount`` back) or ``even`` (0.00: nothing to collect)."""

    kind: str
    amount: Decimal

    @property
    def label(self) -> str:
        return {"collect": "应补缴", "refund": "应退款", "even": "预交金正好结清"}[self.kind]


@dataclass(frozen=True)
class StayDisplay:
    """What the customer display shows for the stay on the discharge desk (the patient reads it)."""

    name: str  # masked
    state: str
    caption: str = ""  # 您需补缴 / 退还您 / 预交金正好结清
    amount: str = ""
    #: lines of (label, amount) pairs: the display translates the labels and joins a line's pairs with "，"
    rows: tuple[tuple[tuple[str, str], ...], ...] = ()
    kind: str = ""  # collect | refund | even: the amount's colour


def due_of(result: Any) -> Due | None:
    """The deposit balance of a pre-settlement or settlement (terminal.core.stay.StayResult), None without one."""
    rec = result.reconciliation if result is not None else None
    if rec is None:
        return None
    return Due(rec.kind, (rec.collect or rec.refund) if rec.kind != "even" else ZERO)


def settle_question(stay: Stay | None, result: Any) -> str:
    """F9's question before 2402 + 2304: who, the figures, what changes hands; Enter confirms, Esc does not."""
    if stay is None or result is None:
        return ""
    s = result.settlement
    held = result.reconciliation.held if result.reconciliation else ZERO
    due = due_of(result)
    lines = [f"出院结算：{stay.name_masked or stay.psn_no}  住院号 {stay.adm_no}",
             f"医疗费总额 {fmt_yuan(s.medfee_sumamt)}，医保基金支付 {fmt_yuan(s.fund_pay_sumamt)}，"
             f"个人账户 {fmt_yuan(s.acct_pay)}",
             f"个人现金 {fmt_yuan(s.psn_cash_pay)}，预交金 {fmt_yuan(held)}"]
    if due is not None:
        lines.append(f"{due.label} {fmt_yuan(due.amount)}" if due.kind != "even" else due.label)
    lines.append("确认结算？（Enter 确认，Esc 取消）")
    return "\n".join(lines)


def stay_display(stay: Stay | None, result: Any, shown: str) -> StayDisplay | None:
    """The customer display for the stay: ``shown`` is the desk's phase when figures stand ('previewed',
    'settling', 'settled'), '' otherwise."""
    if stay is None:
        return None
    name = stay.name_masked or ""
    if result is None or not shown:
        return StayDisplay(name, "正在为您办理出院结算…")
    s = result.settlement
    state = {"previewed": "请核对金额", "settling": "正在结算，请稍候", "settled": "出院结算完成，谢谢"}[shown]
    held = result.reconciliation.held if result.reconciliation else ZERO
    rows = ((("医疗费总额", fmt_yuan(s.medfee_sumamt)),),
            (("医保基金支付", fmt_yuan(s.fund_pay_sumamt)), ("个人账户支付", fmt_yuan(s.acct_pay))),
            (("个人现金", fmt_yuan(s.psn_cash_pay)), ("已交预交金", fmt_yuan(held))))
    due = due_of(result)
    if due is None:
        return StayDisplay(name, state, "您需支付（现金）", fmt_yuan(s.psn_cash_pay), rows, "collect")
    caption = {"collect": "您需补缴", "refund": "退还您（预交金余额）", "even": "预交金正好结清，无需补缴"}[due.kind]
    return StayDisplay(name, state, caption, fmt_yuan(due.amount) if due.kind != "even" else "", rows, due.kind)
