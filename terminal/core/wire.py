"""JSON on the wire: amounts are exact decimals in both directions, never binary floats.

Decimals are written as plain JSON numbers exactly as they are (a price 0.125 stays 0.125, an amount 12.30
stays 12.30; never an exponent); NaN and Infinity, which JSON does not have, are refused when reading."""
from __future__ import annotations

import json
import operator
import re
from decimal import Decimal
from typing import Any

_MARK = "\x00D:"
_MARK_RE = re.compile(r'"\\u0000D:(-?[0-9]+(?:\.[0-9]+)?(?:E[+-]?[0-9]+)?)\\u0000"')


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        if not o.is_finite():
            raise ValueError(f"non-finite decimal {o}")
        return f"{_MARK}{o:f}\x00"  # fixed-point: 1E+2 is written 100, 0E-6 as 0.000000
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_default, separators=(",", ":"))  # made once
_ESCAPED_MARK = "\\u0000D:"  # how _MARK reads in the JSON text: every match of _MARK_RE starts with it
_number = operator.itemgetter(1)  # a match of _MARK_RE -> the Decimal's digits


def dumps(obj: Any, **kw: Any) -> str:
    """JSON text with Decimals written as JSON numbers exactly as they are (2 places stay 2 places)."""
    if _has_float(obj):
        raise TypeError("binary float in wire data; use Decimal")
    if kw:
        text = json.dumps(obj, ensure_ascii=False, default=_default, separators=(",", ":"), **kw)
    else:
        text = _ENCODER.encode(obj)
    return _MARK_RE.sub(_number, text) if _ESCAPED_MARK in text else text


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as Decimal. NaN/Infinity (not JSON) raise ValueError."""
    return json.loads(text, parse_float=Decimal, parse_constant=_no_constant)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _has_float(obj: Any) -> bool:
    t = type(obj)
    if t is float:
        return True
    if t is not dict and t is not list and t is not tuple:
        return False
    stack = [obj]
    pop, push = stack.pop, stack.append
    while stack:
        o = pop()
        for v in (o.values() if type(o) is dict else o):
            tv = type(v)
            if tv is str or tv is Decimal or tv is int:
                continue
            if tv is float:
                return True
            if tv is dict or tv is list or tv is tuple:
                push(v)
    return False
