"""Money: decimal.Decimal, never float. Strict parsers for what comes in, money() for internal arithmetic.

The interface's precisions (16 digits in all, the second number the decimals):

==================  ==========  ======================================================================
what                precision   parser
==================  ==========  ======================================================================
unit price pric     16,6        :func:`parse_price`   (>= 0, up to 6 decimals, up to 10 integer digits)
quantity cnt        16,4        :func:`parse_quantity` (> 0, up to 4 decimals, up to 12 integer digits)
any amount *_amt    16,2        :func:`parse_amount`  (up to 2 decimals, up to 14 integer digits)
line amount         16,2        :func:`line_amount` = pric x cnt, rounded half-up to the cent
==================  ==========  ======================================================================

INPUT (bill files, the keyboard, later the HIS) goes through the three parsers. They refuse, with a
:class:`FieldError` naming the line, the item and the field: a missing, null or empty value, a thousands
separator or a decimal comma ("25,00" is never 2500.00), text that is not a plain decimal number (no exponent,
no full-width digits), a binary float, a non-finite value, more decimals than the precision (trailing zeros do
not count: "1.500" is a valid amount), more integer digits than the precision leaves, a negative price or
amount, a zero or negative quantity. What they return keeps its exact value: nothing is rounded.

Absurd magnitudes within the precision are refused by :class:`Limits` (per line and per bill; configured in
``[bill]``, see terminal.config): :meth:`Limits.check_line`, :meth:`Limits.check_bill`.

PLATFORM ANSWERS go through :func:`answer_amount`: an amount with more than 2 decimals (or not a number) is an
:class:`AnswerAmountError`, never rounded. A missing/null/empty amount in an answer is 0.00, because the
platform leaves empty amounts out (this is the only place where missing means zero).

:func:`money` is for values the terminal already validated or computed itself (sums, products, journal rows):
it rounds half-up to the cent, refuses floats, None and "" (a missing value is never silently zero) and never
strips commas.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from .errors import UserFacingError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

#: total digits of every numeric field of the interface
TOTAL_DIGITS = 16
PRICE_PLACES, QTY_PLACES, AMOUNT_PLACES = 6, 4, 2

# A plain decimal number as a person or the HIS writes it: optional sign, ASCII digits, optional fraction.
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# What money() accepts in text: a plain number or Decimal's own str() (which may use an exponent).
_INTERNAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SEPARATORS = frozenset(",，_' \u00a0\u202f\u3000'’")
# Enough precision for any product of two 16-digit fields (no intermediate rounding).
_WIDE = Context(prec=60, rounding=ROUND_HALF_UP)


class MoneyError(UserFacingError, ValueError):
    """An amount that is not a valid money value."""


class FieldError(MoneyError):
    """An input value refused by a strict parser. The message names the line, the item and the field:
    ``第2行 普拉洛芬滴眼液 单价(price)：小数位超过6位（0.1234567）``."""

    def __init__(self, reason: str, *, field: str, label: str, line: int | None = None, item: str = "",
                 value: object = None, shown: bool = True, hint: str = ""):
        self.reason, self.field, self.label, self.line, self.item = reason, field, label, line, item
        self.value = value
        where = " ".join(x for x in (f"第{line}行" if line else "", item) if x)
        text = f"{label}({field})：{reason}"
        if shown and value is not None:
            v = value if isinstance(value, str) else str(value)
            text += f"（{v[:40]}{'…' if len(v) > 40 else ''}）"
        if hint:
            text += f"：{hint}"
        super().__init__(f"{where} {text}" if where else text)


class AnswerAmountError(MoneyError):
    """An amount in a platform answer that is not a valid 16,2 amount (e.g. three decimals)."""

    def __init__(self, field: str, reason: str, value: object = None):
        self.field, self.reason, self.value = field, reason, value
        super().__init__(f"应答金额 {field} {reason}" + ("" if value is None else f"（{str(value)[:40]}）"))


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: pass as the value when the key is absent (the message then says 缺少 rather than 为空)
MISSING = _Missing()


# -- the strict input parsers ------------------------------------------------------------------------------
def _decimals(d: Decimal) -> int:
    """Significant decimal places of a finite Decimal (trailing zeros do not count)."""
    if d.is_zero():
        return 0
    exp = d.normalize(_WIDE).as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def _int_digits(d: Decimal) -> int:
    """Digits before the decimal point (0 for |d| < 1)."""
    if d.is_zero():
        return 0
    adj = d.adjusted()
    return adj + 1 if adj >= 0 else 0


def _strict(value: object, places: int, *, field: str, label: str, line: int | None, item: str,
            what: str = "数字") -> Decimal:
    """A finite Decimal with at most ``places`` significant decimals and 16 - places integer digits."""
    def err(reason: str, shown: bool = True, hint: str = "") -> FieldError:
        return FieldError(reason, field=field, label=label, line=line, item=item, value=value, shown=shown,
                          hint=hint)

    t = type(value)
    if value is MISSING:
        raise err("缺少此项", shown=False)
    if value is None:
        raise err("为空（null）", shown=False)
    if t is bool or isinstance(value, bool):
        raise err(f"不是{what}")
    if isinstance(value, float):
        raise err("不能是二进制浮点数（请写成字符串或用 Decimal 解析 JSON）")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise err("为空", shown=False)
        if not _PLAIN.fullmatch(text):
            if any(c in _SEPARATORS for c in text):
                raise err("含逗号或千位分隔符", hint="不写分隔符，小数点用“.”，如 1234.50")
            raise err(f"不是{what}", hint="只写阿拉伯数字和小数点，如 12.50")
        d = Decimal(text)
    else:
        raise err(f"不是{what}")
    if not d.is_finite():
        raise err(f"不是有限{what}")
    max_int = TOTAL_DIGITS - places
    if _int_digits(d) > max_int:
        raise err(f"整数位超过{max_int}位（精度 {TOTAL_DIGITS},{places}）")
    if _decimals(d) > places:
        raise err(f"小数位超过{places}位")
    return d


def _canonical(d: Decimal, min_places: int) -> Decimal:
    """The exact value with at least ``min_places`` decimals, trailing zeros beyond that dropped, no exponent."""
    n = max(_decimals(d), min_places)
    if d.is_zero():
        d = Decimal(0)  # never -0
    return d.quantize(Decimal(1).scaleb(-n), context=_WIDE)


def parse_price(value: object, *, field: str = "price", label: str = "单价", line: int | None = None,
                item: str = "") -> Decimal:
    """A unit price (pric, 16,6): >= 0, up to 6 decimals. Returned exactly, with at least 2 decimals."""
    d = _strict(value, PRICE_PLACES, field=field, label=label, line=line, item=item)
    if d < 0:
        raise FieldError("不能为负", field=field, label=label, line=line, item=item, value=value)
    return _canonical(d, 2)


def parse_quantity(value: object, *, field: str = "qty", label: str = "数量", line: int | None = None,
                   item: str = "") -> Decimal:
    """A quantity (cnt, 16,4): > 0, up to 4 decimals. Returned exactly (integers without decimals)."""
    d = _strict(value, QTY_PLACES, field=field, label=label, line=line, item=item)
    if d <= 0:
        raise FieldError("须大于零", field=field, label=label, line=line, item=item, value=value)
    return _canonical(d, 0)


def parse_amount(value: object, *, field: str = "amount", label: str = "金额", line: int | None = None,
                 item: str = "", allow_negative: bool = False, allow_zero: bool = True) -> Decimal:
    """An amount (*_amt, 16,2): up to 2 decimals; >= 0 unless ``allow_negative``. Returned with 2 decimals."""
    d = _strict(value, AMOUNT_PLACES, field=field, label=label, line=line, item=item)
    if d < 0 and not allow_negative:
        raise FieldError("不能为负", field=field, label=label, line=line, item=item, value=value)
    if d.is_zero():
        if not allow_zero:
            raise FieldError("须大于零", field=field, label=label, line=line, item=item, value=value)
        return ZERO  # never -0.00
    return d.quantize(CENT, context=_WIDE)


def line_amount(price: Decimal, qty: Decimal) -> Decimal:
    """det_item_fee_sumamt = pric x cnt, rounded half-up to the cent (computed without intermediate rounding)."""
    return _WIDE.multiply(price, qty).quantize(CENT, rounding=ROUND_HALF_UP, context=_WIDE)


# -- caps --------------------------------------------------------------------------------------------------
MAX_AMOUNT = Decimal("99999999999999.99")  # 16,2


@dataclass(frozen=True)
class Limits:
    """Caps on absurd magnitudes that the precisions still allow (configured in [bill])."""

    max_line_amount: Decimal = Decimal("1000000.00")
    max_bill_amount: Decimal = Decimal("10000000.00")

    def check_line(self, amount: Decimal, *, line: int | None = None, item: str = "") -> None:
        if amount > self.max_line_amount:
            raise FieldError(f"单价×数量 = {amount:.2f}，超过单行上限 {self.max_line_amount:.2f}"
                             "（请核对单价和数量；上限由信息科在配置 bill.max_line_amount 中设定）",
                             field="amount", label="金额", line=line, item=item)

    def check_bill(self, total: Decimal) -> None:
        if total > self.max_bill_amount:
            raise FieldError(f"{total:.2f}，超过单张账单上限 {self.max_bill_amount:.2f}"
                             "（请核对明细；上限由信息科在配置 bill.max_bill_amount 中设定）",
                             field="total", label="账单合计")


DEFAULT_LIMITS = Limits()


# -- platform answers --------------------------------------------------------------------------------------
def answer_amount(value: object, field: str) -> Decimal:
    """An amount from a platform answer: 2 decimals at most, never rounded; missing/null/"" is 0.00 (the
    platform leaves empty amounts out). Numbers may come as JSON numbers (Decimal, int) or strings."""
    if value is None or value is MISSING:
        return ZERO
    if type(value) is Decimal:  # the common case: a JSON number parsed with parse_float=Decimal
        d = value
        if d.same_quantum(CENT) and d.adjusted() < 14:  # finite with exactly 2 places (no tuple built)
            return d
    elif type(value) is str:
        text = value.strip()
        if not text:
            return ZERO
        if not _INTERNAL.fullmatch(text):
            raise AnswerAmountError(field, "不是数值", value)
        d = Decimal(text)
    elif type(value) is int:
        d = Decimal(value)
    elif isinstance(value, float):
        raise AnswerAmountError(field, "是二进制浮点数", value)
    else:
        raise AnswerAmountError(field, "不是数值", value)
    if not d.is_finite():
        raise AnswerAmountError(field, "不是有限数值", value)
    if _decimals(d) > AMOUNT_PLACES:
        raise AnswerAmountError(field, "超过两位小数（平台金额精度为 16,2，不能舍入）", value)
    if _int_digits(d) > TOTAL_DIGITS - AMOUNT_PLACES:
        raise AnswerAmountError(field, "超过 16,2 的位数", value)
    return d.quantize(CENT, context=_WIDE)


# -- internal arithmetic ------------------------------------------------------------------------------------
def money(value: object) -> Decimal:
    """Return ``value`` as a Decimal with exactly two places (half-up), for values already validated or
    computed by the terminal (sums, products, journal rows). Not for input: use the parsers above.

    Accepts Decimal, int and numeric strings without separators. Refuses floats (they have already lost the
    cents), None and "" (a missing value is never silently zero), commas, non-finite values.
    """
    if type(value) is Decimal:  # the common case first
        d = value
        if d.same_quantum(CENT):  # finite with exactly 2 places
            return d
    elif type(value) is str:
        text = value.strip()
        if not _INTERNAL.fullmatch(text):
            raise MoneyError(f"not an amount: {value!r}")
        d = Decimal(text)
    elif type(value) is int:
        d = Decimal(value)
    elif value is None:
        raise MoneyError("missing amount (None); a missing amount is never read as 0.00")
    elif isinstance(value, (bool, float)):
        raise MoneyError(f"binary float amount refused: {value!r}; parse JSON with parse_float=Decimal"
                         if isinstance(value, float) else f"not an amount: {value!r}")
    elif isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(int(value))
    elif isinstance(value, str):
        return money(str(value))
    else:
        raise MoneyError(f"not an amount: {value!r}")
    if not d.is_finite():
        raise MoneyError(f"not a finite amount: {value!r}")
    try:
        return d.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise MoneyError(f"amount out of range: {value!r}") from None


def msum(values: Iterable[object]) -> Decimal:
    total = ZERO
    for v in values:
        total += money(v)
    return money(total)


def fmt_yuan(value: object, symbol: str = "¥") -> str:
    """``¥1,234.56`` (negative as ``-¥12.00``)."""
    d = money(value)
    sign = "-" if d < 0 else ""
    return f"{sign}{symbol}{abs(d):,.2f}"


def fmt_price(value: Decimal, symbol: str = "¥") -> str:
    """A unit price with its own decimals (at least 2): ``¥0.125``, ``¥31.00``."""
    d = _canonical(value, 2)
    sign = "-" if d < 0 else ""
    return f"{sign}{symbol}{abs(d):,f}"


def to_wire(value: object) -> str:
    """Amount as the platform expects it in requests: a string with two decimals. Refuses a value with more
    than two decimals instead of rounding it (prices and quantities never go through here)."""
    d = money(value)
    raw = value if isinstance(value, Decimal) else Decimal(value.strip()) if isinstance(value, str) else None
    if raw is not None and raw.is_finite() and _decimals(raw) > AMOUNT_PLACES:
        raise MoneyError(f"amount {value} has more than 2 decimals; refusing to round it on the wire")
    return f"{d:.2f}"
