"""wire.dumps / wire.dumpb write through orjson where the data is plain: the bytes must be exactly those of the
standard library's encoder (key order, no ASCII escaping, the escapes of control characters, Decimals as written:
a platform signs and compares what it receives)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.core import wire
from tests.support import load_bill

orjson = pytest.importorskip("orjson")


def _std(obj) -> bytes:
    return wire._std(obj, {}).encode("utf-8")


decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None) | st.sampled_from(
    [Decimal("0.00"), Decimal("-0.00"), Decimal("1E+2"), Decimal("0E-6"), Decimal("12.30"), Decimal("0.125"),
     Decimal("-1234567890.123456"), Decimal("1.0000")])
leaves = (st.text() | st.integers(min_value=-(2 ** 63), max_value=2 ** 64 - 1) | st.booleans() | st.none() | decimals
          | st.sampled_from(["\x00\x01\x1f\x7f\"\\/\b\f\n\r\t", "\u2028\u2029", "患者 张三 😀", "\ufeff"]))
plain = st.recursive(leaves, lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=5), max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(plain)
def test_orjson_bytes_are_the_standard_librarys(obj):
    fast = wire._fast(obj)
    assert fast is not None  # the orjson way was taken (the test is not comparing the standard library to itself)
    assert fast == _std(obj)
    assert wire.dumpb(obj) == fast and wire.dumps(obj) == fast.decode("utf-8")


def test_a_real_envelope_is_written_the_same_both_ways():
    bill = load_bill()
    lines = [{"feedetl_sn": f"20260101{n:04d}", "det_item_fee_sumamt": i.amount, "cnt": i.qty, "pric": i.price,
              "med_list_name": i.name, "hosp_appr_flag": "1"} for n, i in enumerate(bill.items, 1)]
    env = {"infno": "2204", "msgid": "H45010000001202601010000000001", "opter_name": "收费员",
           "inf_time": "2026-01-01 00:00:00", "sign_no": "", "input": {"feedetail": lines}}
    assert wire._fast(env) == _std(env)
    assert b'"pric":' in wire.dumpb(env) and b"\\u" not in wire.dumpb(env)


@pytest.mark.parametrize("obj", [
    {"n": 2 ** 70},  # beyond 64 bits: orjson refuses, the standard library writes it
    {1: "a"},  # a non-str key: the standard library's "1"
    {"s": "\ud800"},  # a lone surrogate (as text: what dumps always returned)
])
def test_what_orjson_refuses_goes_the_standard_librarys_way(obj):
    assert wire.dumps(obj) == wire._std(obj, {})


def test_floats_and_non_finite_decimals_are_refused_as_before():
    with pytest.raises(TypeError, match="binary float"):
        wire.dumpb({"a": [1, {"b": 0.1}]})
    with pytest.raises(ValueError, match="non-finite"):
        wire.dumps({"a": Decimal("NaN")})
    with pytest.raises(TypeError):
        wire.dumps({"a": object()})
