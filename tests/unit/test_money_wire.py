from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from terminal.core import wire
from terminal.core.money import MoneyError, fmt_yuan, money, msum, to_wire


def test_money_rounds_half_up_to_two_places():
    assert money("1.005") == Decimal("1.01")
    assert money("2.675") == Decimal("2.68")
    assert money("-1.005") == Decimal("-1.01")
    assert money(3) == Decimal("3.00")
    assert money(" 1234.5 ") == Decimal("1234.50")


@pytest.mark.parametrize("bad", [None, "", " 1,234.5 ", "25,00", "1_000"])
def test_money_no_longer_reads_missing_as_zero_or_strips_commas(bad):
    # issue 11 item 3 overturns the old leniency (None/"" were 0.00, "1,234.5" was 1234.50, "25,00" 2500.00)
    with pytest.raises(MoneyError):
        money(bad)


@pytest.mark.parametrize("bad", [1.5, True, "abc", "NaN", "Infinity", object()])
def test_money_refuses_floats_and_garbage(bad):
    with pytest.raises(MoneyError):
        money(bad)


def test_format_and_wire():
    assert fmt_yuan("1234.5") == "¥1,234.50"
    assert fmt_yuan("-12") == "-¥12.00"
    assert to_wire(Decimal("3")) == "3.00"
    assert msum(["0.10", "0.20", Decimal("0.30")]) == Decimal("0.60")


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_wire_round_trip_is_exact(d):
    text = wire.dumps({"amt": d, "list": [d]})
    back = wire.loads(text)
    assert back["amt"] == d and back["list"][0] == d
    assert isinstance(back["amt"], (Decimal, int))


def test_wire_keeps_two_places_and_refuses_float():
    assert wire.dumps({"a": Decimal("12.30")}) == '{"a":12.30}'
    with pytest.raises(TypeError):
        wire.dumps({"a": 1.5})
    assert wire.loads('{"a": 0.1}')["a"] == Decimal("0.1")
