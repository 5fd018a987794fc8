"""What identifies a bill, for the duplicate-settlement guard (terminal.store.duplicates).

``bill_no`` is the HIS charge number: when a bill has one, it settles once. A bill without one is recognised
by :func:`bill_digest`: a hash of its canonical content (the medical type and each line's hospital code,
national code, unit price and quantity, lines sorted), so the same person's identical bill settled a few
minutes earlier can be noticed. Names, departments, doctors and line order do not count; "25.00" and "25" are
the same price. Pure functions, no I/O.
"""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any
from collections.abc import Iterable

DIGEST_VERSION = "b1"


def _number(value: Any) -> str:
    """A Decimal (or int/str holding one) in canonical plain form: no exponent, no trailing zeros."""
    if isinstance(value, float):
        raise TypeError("bill amounts are never floats")
    d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    if not d.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    if d.is_zero():
        return "0"
    text = format(d.normalize(), "f")
    return text


def canonical_lines(items: Iterable[Any]) -> list[list[str]]:
    """Each line as [hosp_code, national_code, price, qty] in canonical text, sorted."""
    return sorted([str(i.hosp_code).strip(), str(i.national_code).strip(), _number(i.price), _number(i.qty)]
                  for i in items)


def canonical_bill(bill: Any) -> str:
    """The text the digest is taken of (compact JSON, stable across runs and platforms)."""
    return json.dumps({"med_type": str(bill.med_type or "").strip(), "lines": canonical_lines(bill.items)},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def bill_digest(bill: Any) -> str:
    """``b1:<sha256 hex>`` of :func:`canonical_bill`. Two bills with the same digest charge the same things."""
    return f"{DIGEST_VERSION}:" + hashlib.sha256(canonical_bill(bill).encode("utf-8")).hexdigest()


def bill_number(bill: Any) -> str:
    """The HIS charge number of a bill ('' when it has none), as compared by the guard."""
    return str(getattr(bill, "bill_no", "") or "").strip()
