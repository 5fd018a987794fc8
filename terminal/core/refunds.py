"""What a cancellation gives back: a 2208 / 2305 answer carries the cancelled settlement's amounts as negative
numbers; the cashier is told them as positive amounts (退回个人账户 / 退还现金 / 基金)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from .money import ZERO, fmt_yuan


def back(v: Decimal) -> Decimal:
    """A negative amount of a cancellation as the positive amount given back (never -0.00)."""
    return -v if v else abs(v)


def refund_amounts(s: Any) -> dict[str, Decimal]:
    """acct_pay (back to the personal account), psn_cash_pay (cash to hand back), fund_pay_sumamt (back to
    the funds), and hosp_part_amt when there is one."""
    out = {"acct_pay": back(s.acct_pay), "psn_cash_pay": back(s.psn_cash_pay),
           "fund_pay_sumamt": back(s.fund_pay_sumamt)}
    if s.hosp_part_amt != ZERO:
        out["hosp_part_amt"] = back(s.hosp_part_amt)
    return out


def refund_text(s: Any) -> str:
    """``退回个人账户 ¥x，退还现金 ¥y，基金 ¥z`` (``，医院负担 ¥h`` when there is one)."""
    r = refund_amounts(s)
    text = (f"退回个人账户 {fmt_yuan(r['acct_pay'])}，退还现金 {fmt_yuan(r['psn_cash_pay'])}，"
            f"基金 {fmt_yuan(r['fund_pay_sumamt'])}")
    if "hosp_part_amt" in r:
        text += f"，医院负担 {fmt_yuan(r['hosp_part_amt'])}"
    return text
