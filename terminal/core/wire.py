"""JSON on the wire: amounts are exact decimals in both directions, never binary floats.

Decimals are written as plain JSON numbers exactly as they are (a price 0.125 stays 0.125, an amount 12.30
stays 12.30; never an exponent); NaN and Infinity, which JSON does not have, are refused when reading.

Writing goes through orjson (about five times faster: a settle's six envelopes are built and sent in the
cashier's wait) where the data is plain (str keys; str, int, bool, None, Decimal, dict, list, tuple values),
else through the standard library; both give the same bytes (tests/unit/test_wire_orjson.py proves it: key
order, no ASCII escaping, the same escapes of control characters, Decimals as written). Anything orjson refuses
(an integer beyond 64 bits, a lone surrogate) goes the standard library's way too, and fails or not as it did."""
from __future__ import annotations

import json
import operator
import re
from decimal import Decimal
from typing import Any

try:  # optional at run time (a declared dependency): without it the standard library writes the same bytes
    import orjson
except ImportError:  # pragma: no cover
    orjson = None  # type: ignore[assignment]

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


def _fragment(o: Any) -> Any:
    if type(o) is Decimal:
        if not o.is_finite():
            raise ValueError(f"non-finite decimal {o}")
        return orjson.Fragment(f"{o:f}")  # the number as written, the same text as _default's
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def _std(obj: Any, kw: dict[str, Any]) -> str:
    if kw:
        text = json.dumps(obj, ensure_ascii=False, default=_default, separators=(",", ":"), **kw)
    else:
        text = _ENCODER.encode(obj)
    return _MARK_RE.sub(_number, text) if _ESCAPED_MARK in text else text


def _fast(obj: Any) -> bytes | None:
    """orjson's bytes for plain data, None where the standard library is to write it; TypeError on a float."""
    kind = _scan(obj)
    if kind is _FLOAT:
        raise TypeError("binary float in wire data; use Decimal")
    if orjson is not None and kind is _PLAIN:
        try:
            return orjson.dumps(obj, default=_fragment)
        except orjson.JSONEncodeError:
            return None  # e.g. an int beyond 64 bits, a lone surrogate: the standard library's text or error
    return None


def dumps(obj: Any, **kw: Any) -> str:
    """JSON text with Decimals written as JSON numbers exactly as they are (2 places stay 2 places)."""
    if kw:
        if _scan(obj) is _FLOAT:
            raise TypeError("binary float in wire data; use Decimal")
        return _std(obj, kw)
    b = _fast(obj)
    return b.decode("utf-8") if b is not None else _std(obj, kw)


def dumpb(obj: Any) -> bytes:
    """:func:`dumps` as UTF-8 bytes (what goes on the wire), without a round trip through str."""
    b = _fast(obj)
    return b if b is not None else _std(obj, {}).encode("utf-8")


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as Decimal. NaN/Infinity (not JSON) raise ValueError.
    (json.loads with these arguments, without building a decoder for every call.)"""
    if isinstance(text, (bytes, bytearray)):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    elif not isinstance(text, str):
        raise TypeError(f"the JSON object must be str, bytes or bytearray, not {type(text).__name__}")
    elif text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODER.decode(text)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constant)


_PLAIN, _EXOTIC, _FLOAT = "plain", "exotic", "float"
_NONE = type(None)
_LEAVES = frozenset((str, Decimal, int, bool, _NONE))  # exact types: a subclass is _EXOTIC, as before


def _scan(obj: Any) -> str:
    """_FLOAT when a binary float is anywhere in obj (refused); _EXOTIC when a value is anything but str, int,
    bool, None, Decimal, dict, list or tuple, subclasses included (written by the standard library); else _PLAIN.
    (Keys are not looked at: orjson refuses a key that is not a str, and then the standard library writes it.)"""
    t = type(obj)
    if t is float:
        return _FLOAT
    if t is not dict and t is not list and t is not tuple:
        return _PLAIN if t is str or t is int or t is Decimal or t is bool or t is _NONE else _EXOTIC
    kind = _PLAIN
    stack = [obj]
    pop, push = stack.pop, stack.append
    while stack:
        o = pop()
        for v in (o.values() if type(o) is dict else o):
            tv = type(v)
            if tv in _LEAVES:  # one hashed look-up for the usual values (str, Decimal, int, bool, None)
                continue
            if tv is float:
                return _FLOAT
            if tv is dict or tv is list or tv is tuple:
                push(v)
            else:
                kind = _EXOTIC
    return kind


def _has_float(obj: Any) -> bool:
    return _scan(obj) is _FLOAT
