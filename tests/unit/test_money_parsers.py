"""The strict parsers for price (16,6), quantity (16,4) and amount (16,2) against the precision rules, checked by
Hypothesis with an oracle that works on the text alone (integer arithmetic, no Decimal), and the line amount
pric x cnt half-up to the cent against exact integer arithmetic."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import example, given, settings, strategies as st

from terminal.core.money import (MISSING, AnswerAmountError, FieldError, Limits, answer_amount, line_amount,
                                 parse_amount, parse_price, parse_quantity)

RULES = {  # parser: (decimals, integer digits, zero allowed, negative allowed)
    "price": (parse_price, 6, 10, True, False),
    "qty": (parse_quantity, 4, 12, False, False),
    "amount": (parse_amount, 2, 14, True, False),
}
PLAIN = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")


def oracle(text: str, places: int, int_digits: int, zero_ok: bool, neg_ok: bool):
    """(units, places) of the value when the rules accept ``text``, else None. Pure string/integer logic."""
    t = text.strip()
    m = PLAIN.fullmatch(t)
    if not m or not (m.group(2) or m.group(3)):  # digits before or after the point ("12." and ".5" are fine)
        return None
    sign, ip, fp = m.group(1), m.group(2) or "", (m.group(3) or "")
    if len(ip.lstrip("0")) > int_digits or len(fp.rstrip("0")) > places:
        return None
    units = int(ip or "0") * 10 ** places + int((fp + "0" * places)[:places] or "0")
    if sign == "-":
        units = -units
    if units == 0 and not zero_ok:
        return None
    if units < 0 and not neg_ok:
        return None
    return units


number_text = st.builds(
    lambda sign, ip, dot, fp, pad: f"{pad}{sign}{ip}{dot}{fp}{pad}",
    st.sampled_from(["", "", "", "-", "+"]),
    st.text("0123456789", max_size=18),
    st.sampled_from([".", ".", ""]),
    st.text("0123456789", max_size=9),
    st.sampled_from(["", "", " "]),
)
noisy_text = st.text(alphabet="0123456789.,-+ eE_'，", max_size=14)


@pytest.mark.parametrize("kind", RULES)
@settings(max_examples=400, deadline=None)
@given(text=st.one_of(number_text, noisy_text))
@example(text="25,00")
@example(text="1,234.50")
@example(text="1e3")
@example(text="0.1250000")
@example(text="9999999999.999999")
@example(text="99999999999999.99")
@example(text="999999999999.9999")
@example(text="00000000000000000001.5")
def test_parsers_follow_the_precision_rules(kind, text):
    parse, places, int_digits, zero_ok, neg_ok = RULES[kind]
    want = oracle(text, places, int_digits, zero_ok, neg_ok)
    if want is None:
        with pytest.raises(FieldError):
            parse(text, line=3, item="测试项目")
        return
    got = parse(text)
    assert got * 10 ** places == want  # the exact value, nothing rounded
    assert -got.as_tuple().exponent <= max(places, 2)  # never more decimals than the precision
    assert "E" not in str(got)  # plain on the wire


@pytest.mark.parametrize("kind", RULES)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_decimal_and_int_values_follow_the_same_rules(kind, data):
    """JSON numbers arrive as Decimal (parse_float=Decimal) or int: same rules as text, including 1e30/1e400."""
    parse, places, int_digits, zero_ok, neg_ok = RULES[kind]
    d = data.draw(st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=data.draw(st.integers(0, places + 3))),
        st.integers(-10 ** 20, 10 ** 20).map(Decimal),
        st.sampled_from([Decimal("1E+30"), Decimal("1E+400"), Decimal("-1E+400"), Decimal("1E-30"),
                         Decimal("0E-9"), Decimal("1.0000000000")]),
    ))
    want = oracle(format(d, "f"), places, int_digits, zero_ok, neg_ok)
    for value in ([d, int(d)] if d == d.to_integral_value() and abs(d) < 10 ** 30 else [d]):
        if want is None:
            with pytest.raises(FieldError):
                parse(value)
        else:
            assert parse(value) * 10 ** places == want


@pytest.mark.parametrize("kind", RULES)
@pytest.mark.parametrize("bad,why", [
    (None, "为空"), (MISSING, "缺少"), ("", "为空"), ("  ", "为空"), (1.5, "浮点"), (True, "不是数字"),
    ("25,00", "逗号"), ("1,234.50", "千位分隔符"), ("1 234", "分隔符"), ("1_000", "分隔符"), ("12元", "不是数字"),
    ("１２", "不是数字"), ("NaN", "不是数字"), (Decimal("NaN"), "有限"), (Decimal("Infinity"), "有限"),
])
def test_refusals_name_line_item_field_and_reason(kind, bad, why):
    parse = RULES[kind][0]
    with pytest.raises(FieldError) as ei:
        parse(bad, line=2, item="普拉洛芬滴眼液")
    msg = str(ei.value)
    assert msg.startswith("第2行 普拉洛芬滴眼液 ") and why in msg, msg
    assert {"price": "单价(price)", "qty": "数量(qty)", "amount": "金额(amount)"}[kind] in msg
    assert isinstance(ei.value, ValueError)


def test_the_documented_message_shape():
    with pytest.raises(FieldError) as ei:
        parse_price("0.1234567", line=2, item="普拉洛芬滴眼液")
    assert str(ei.value) == "第2行 普拉洛芬滴眼液 单价(price)：小数位超过6位（0.1234567）"
    with pytest.raises(FieldError, match=r"数量\(qty\)：须大于零"):
        parse_quantity("0")
    with pytest.raises(FieldError, match=r"单价\(price\)：不能为负"):
        parse_price("-0.01")
    with pytest.raises(FieldError, match=r"整数位超过12位"):
        parse_quantity(Decimal("1E+30"))
    with pytest.raises(FieldError, match=r"整数位超过10位"):
        parse_price(Decimal("1E+400"))


@settings(max_examples=500, deadline=None)
@given(p=st.integers(0, 10 ** 16 - 1), q=st.integers(1, 10 ** 16 - 1))
@example(p=125_000, q=12 * 10 ** 4)  # 12 x 0.125 = 1.50
@example(p=5_000, q=1 * 10 ** 4)  # 0.005 -> 0.01 half-up
@example(p=4_999, q=1 * 10 ** 4)  # 0.004999 -> 0.00
def test_line_amount_is_price_times_quantity_half_up_to_the_cent(p, q):
    price, qty = Decimal(p).scaleb(-6), Decimal(q).scaleb(-4)
    exact = p * q  # in units of 10^-10
    cents, rest = divmod(exact, 10 ** 8)
    want = cents + (1 if rest * 2 >= 10 ** 8 else 0)
    got = line_amount(price, qty)
    assert got == Decimal(want).scaleb(-2) and got.as_tuple().exponent == -2


def test_twelve_tablets_at_an_eighth_are_one_fifty():
    assert line_amount(parse_price("0.125"), parse_quantity("12")) == Decimal("1.50")


@settings(max_examples=300, deadline=None)
@given(d=st.decimals(min_value=Decimal("-99999999999999.99999"), max_value=Decimal("99999999999999.99999"),
                     places=5, allow_nan=False, allow_infinity=False), as_text=st.booleans())
def test_answer_amounts_with_more_than_two_decimals_are_refused_never_rounded(d, as_text):
    value = format(d, "f") if as_text else d
    if d == d.quantize(Decimal("0.01")):
        got = answer_amount(value, "hifp_pay")
        assert got == d and got.as_tuple().exponent == -2
    else:
        with pytest.raises(AnswerAmountError, match="hifp_pay"):
            answer_amount(value, "hifp_pay")


def test_answer_amounts_missing_means_zero_only_there():
    # the platform leaves empty amounts out of answers: 0.00 there, and nowhere else
    assert answer_amount(None, "x") == Decimal("0.00") and answer_amount("", "x") == Decimal("0.00")
    for bad in (1.5, "1,00", "abc", Decimal("Infinity"), Decimal("1E+20")):
        with pytest.raises(AnswerAmountError):
            answer_amount(bad, "x")


def test_limits_name_the_line_and_the_config_key():
    lim = Limits(max_line_amount=Decimal("100.00"), max_bill_amount=Decimal("150.00"))
    lim.check_line(Decimal("100.00"), line=1, item="a")
    with pytest.raises(FieldError, match=r"^第4行 CT检查 金额\(amount\)：.*100\.01.*bill\.max_line_amount"):
        lim.check_line(Decimal("100.01"), line=4, item="CT检查")
    with pytest.raises(FieldError, match=r"账单合计\(total\)：150\.01.*bill\.max_bill_amount"):
        lim.check_bill(Decimal("150.01"))


def test_to_wire_refuses_to_round_a_string_amount():
    from terminal.core.money import MoneyError, to_wire

    assert to_wire("1.50") == "1.50" and to_wire("1.500") == "1.50"
    with pytest.raises(MoneyError):
        to_wire("1.005")
