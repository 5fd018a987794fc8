"""The tender (收款): how the patient pays the cash share of a settlement (or is paid back on a cancellation).

No Qt, no I/O. A :class:`Tender` is opened for an amount due (``psn_cash_pay``; 0.00 means nothing to collect),
takes one or more :class:`TenderLine` s (split tender: part cash, part bank card ...) and is complete when the lines
cover the amount exactly. Only cash may be over-tendered: the patient hands 100.00 for 36.75 and gets 63.25 change
(找零). Electronic lines carry the payment provider's reference. Refunds (退款) are tenders of kind ``refund``
paid out by the original methods.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .errors import UserFacingError
from .money import ZERO, fmt_yuan, money

#: method code -> (Chinese name, English name). Which of them a desk offers is configuration ([tender] methods).
METHODS: dict[str, tuple[str, str]] = {
    "cash": ("现金", "Cash"),
    "card": ("银行卡", "Bank card"),
    "wechat": ("微信支付", "WeChat Pay"),
    "alipay": ("支付宝", "Alipay"),
    "unionpay": ("云闪付", "UnionPay QR"),
    "other": ("其他", "Other"),
}
CASH = "cash"
PAY, REFUND = "pay", "refund"


class TenderError(UserFacingError):
    """A tender line that cannot be taken (the cashier corrects it; nothing is recorded)."""


#: not a method the cashier picks: an inpatient's deposits (预交金) paying the cash share at discharge (journal rows)
DEPOSIT = "deposit"
_NAMES = {**METHODS, DEPOSIT: ("预交金抵扣", "Deposit used")}


def method_name(code: str, lang: str = "zh") -> str:
    zh, en = _NAMES.get(code, (code, code))
    return en if lang.startswith("en") else zh


@dataclass(frozen=True)
class TenderLine:
    """One payment: ``amount`` goes against the amount due; for cash ``tendered`` is what the patient handed over
    and ``change`` what goes back; ``reference`` is the provider's (or the POS slip's) transaction reference."""

    method: str
    amount: Decimal
    tendered: Decimal
    change: Decimal = ZERO
    reference: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"method": self.method, "amount": str(self.amount), "tendered": str(self.tendered),
                "change": str(self.change), "reference": self.reference}


@dataclass
class Tender:
    """What is due and what has been taken. ``kind`` is ``pay`` (collect from the patient) or ``refund``."""

    due: Decimal
    kind: str = PAY
    lines: list[TenderLine] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.due = money(self.due)
        if self.due < ZERO:
            raise TenderError(f"应收金额不能为负：{fmt_yuan(self.due)}")

    @property
    def nothing_to_collect(self) -> bool:
        return self.due == ZERO

    @property
    def paid(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)

    @property
    def remaining(self) -> Decimal:
        return self.due - self.paid

    @property
    def change(self) -> Decimal:
        return sum((ln.change for ln in self.lines), ZERO)

    @property
    def complete(self) -> bool:
        return self.remaining == ZERO

    def add(self, method: str, amount: Decimal | None = None, *, tendered: Decimal | None = None,
            reference: str = "") -> TenderLine:
        """Take a line. ``amount`` defaults to what remains; for cash ``tendered`` (what was handed over, may be
        more than the amount: the difference is change) defaults to the amount. Refused with the reason: an
        unknown method, a non-positive amount, more than remains, change on a non-cash line, a short cash tender.
        """
        if method not in METHODS:
            raise TenderError(f"未知的收款方式：{method}")
        if self.complete:
            raise TenderError("已收齐，无需再收款")
        amt = self.remaining if amount is None else money(amount)
        if amt <= ZERO:
            raise TenderError(f"收款金额须大于 0：{fmt_yuan(amt)}")
        if amt > self.remaining:
            if method != CASH or self.kind == REFUND:
                raise TenderError(f"收款金额 {fmt_yuan(amt)} 超过待收 {fmt_yuan(self.remaining)}",
                                  next_step="非现金方式只能收取待收金额")
            # cash over the remaining amount: the excess is change
            tendered, amt = amt, self.remaining
        given = amt if tendered is None else money(tendered)
        if given < amt:
            raise TenderError(f"实收 {fmt_yuan(given)} 少于应收 {fmt_yuan(amt)}", next_step="请核对实收金额")
        if method != CASH and given != amt:
            raise TenderError(f"{method_name(method)}不能找零", next_step="实收金额须等于收款金额")
        line = TenderLine(method, amt, given, given - amt, reference)
        self.lines.append(line)
        return line

    def undo(self) -> TenderLine | None:
        """Remove the last line (before the tender is recorded)."""
        return self.lines.pop() if self.lines else None

    def by_method(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for ln in self.lines:
            out[ln.method] = out.get(ln.method, ZERO) + ln.amount
        return out


class PaymentDeclined(TenderError):
    """The payment provider (a wallet, the POS) said no: nothing was charged; the cashier takes another method."""


class PaymentTimeout(TenderError):
    """The payment provider gave no answer in time: whether the patient was charged is not known here. The line is
    not taken; the cashier checks the wallet or POS before charging again."""


#: what a non-cash method needs before its line is taken: the patient's payment code (scanned) or the reference of
#: the hospital's own POS / aggregator slip (typed or scanned); cash needs nothing
NEEDS_CODE, NEEDS_REFERENCE, NEEDS_NOTHING = "code", "reference", ""


def parse_tendered(text: str) -> Decimal | None:
    """What the cashier typed into the amount field: None for empty (take what remains); refused with the field
    named when it is not an amount with at most two decimals."""
    from .money import FieldError, parse_amount

    t = (text or "").strip().replace("¥", "").replace("￥", "")
    if not t:
        return None
    try:
        return parse_amount(t, field="tendered", label="实收金额", allow_zero=False)
    except FieldError as e:
        raise TenderError(f"实收金额：{e.reason}（{text.strip()}）", next_step="请输入金额，如 100 或 36.75") from None


def refund_plan(original: list[TenderLine], amount: Decimal) -> list[TenderLine]:
    """The refund of a cancelled settlement by its original tender: each pay line's method gets back what it paid
    (cash: the amount, not what was handed over), latest line first, until ``amount`` is covered; what the
    original tender does not explain (no tender was recorded) goes back in cash."""
    left = money(amount)
    out: list[TenderLine] = []
    for ln in reversed(original):
        if left <= ZERO:
            break
        amt = min(ln.amount, left)
        if amt > ZERO:
            out.append(TenderLine(ln.method, amt, amt, ZERO, ln.reference))
            left -= amt
    if left > ZERO:
        out.append(TenderLine(CASH, left, left))
    return out
