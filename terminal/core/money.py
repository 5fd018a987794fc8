"""Money: decimal.Decimal with two places, rounded half-up. Never float.

Every amount that enters the terminal (from the wire, a bill file, the keyboard) goes through
:func:`money`, which refuses binary floats outright so that a float can never sneak in unnoticed.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyError(ValueError):
    """An amount that is not a valid money value."""


def money(value: object) -> Decimal:
    """Return ``value`` as a Decimal with exactly two places (half-up).

    Accepts Decimal, int and numeric strings (as the platform sends amounts either as JSON numbers,
    parsed with ``parse_float=Decimal``, or as strings). ``None`` and ``""`` are zero, as the
    platform leaves empty amounts out. Floats are refused: they have already lost the cents.
    """
    t = type(value)
    if t is Decimal:  # the common case first: amounts parsed from the wire
        d = value
    elif t is str:
        text = value.strip().replace(",", "")
        if not text:
            return ZERO
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"not an amount: {value!r}") from None
    elif t is int:
        d = Decimal(value)
    elif value is None:
        return ZERO
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
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def quantity(value: object) -> Decimal:
    """A quantity (may have up to 4 places, e.g. 0.5 box); floats refused like money."""
    if isinstance(value, float) or isinstance(value, bool):
        raise MoneyError(f"not a quantity: {value!r}")
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise MoneyError(f"not a quantity: {value!r}") from None
    if not d.is_finite():
        raise MoneyError(f"not a quantity: {value!r}")
    return d.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize() if d != d.to_integral() else d.quantize(Decimal(1))


def msum(values) -> Decimal:
    total = ZERO
    for v in values:
        total += money(v)
    return money(total)


def fmt_yuan(value: object, symbol: str = "¥") -> str:
    """``¥1,234.56`` (negative as ``-¥12.00``)."""
    d = money(value)
    sign = "-" if d < 0 else ""
    return f"{sign}{symbol}{abs(d):,.2f}"


def to_wire(value: object) -> str:
    """Amount as the platform expects it in requests: a string with two decimals."""
    return f"{money(value):.2f}"
