"""JSON on the wire: amounts are exact decimals in both directions, never binary floats."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_MARK = "\x00D:"
_MARK_RE = re.compile(r'"\\u0000D:(-?[0-9]+(?:\.[0-9]+)?(?:E[+-]?[0-9]+)?)\\u0000"')


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        if not o.is_finite():
            raise ValueError(f"non-finite decimal {o}")
        return f"{_MARK}{o}\x00"
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def dumps(obj: Any, **kw: Any) -> str:
    """JSON text with Decimals written as JSON numbers exactly as they are (2 places stay 2 places)."""
    if _has_float(obj):
        raise TypeError("binary float in wire data; use Decimal")
    text = json.dumps(obj, ensure_ascii=False, default=_default, separators=(",", ":"), **kw)
    return _MARK_RE.sub(lambda m: m.group(1), text)


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as Decimal."""
    return json.loads(text, parse_float=Decimal)


def _has_float(obj: Any) -> bool:
    stack = [obj]
    pop, extend = stack.pop, stack.extend
    while stack:
        o = pop()
        t = type(o)
        if t is dict:
            extend(o.values())
        elif t is list or t is tuple:
            extend(o)
        elif t is float:
            return True
    return False
