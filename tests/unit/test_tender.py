from decimal import Decimal as D

import pytest

from terminal.core.tender import REFUND, Tender, TenderError, method_name


def test_exact_cash_completes_with_no_change():
    t = Tender(D("36.75"))
    t.add("cash")
    assert t.complete and t.change == D("0.00") and t.lines[0].tendered == D("36.75")


def test_cash_over_tendered_gives_change():
    t = Tender(D("36.75"))
    line = t.add("cash", tendered=D("100.00"))
    assert (line.amount, line.tendered, line.change) == (D("36.75"), D("100.00"), D("63.25"))
    assert t.complete and t.change == D("63.25")


def test_cash_amount_over_the_remaining_is_read_as_tendered():
    t = Tender(D("8.50"))
    t.add("cash", D("10"))
    assert t.change == D("1.50") and t.paid == D("8.50")


def test_split_tender_card_then_cash():
    t = Tender(D("336.75"))
    t.add("card", D("300.00"), reference="POS-0001")
    assert t.remaining == D("36.75") and not t.complete
    t.add("cash", tendered=D("40"))
    assert t.complete and t.change == D("3.25")
    assert t.by_method() == {"card": D("300.00"), "cash": D("36.75")}


def test_nothing_to_collect_at_zero():
    t = Tender(D("0.00"))
    assert t.nothing_to_collect and t.complete
    with pytest.raises(TenderError, match="无需再收款"):
        t.add("cash")


@pytest.mark.parametrize("method,amount,tendered,needle", [
    ("card", D("50.00"), None, "超过待收"),
    ("wechat", D("10.00"), D("20.00"), "不能找零"),
    ("cash", D("10.00"), D("5.00"), "少于应收"),
    ("bitcoin", None, None, "未知的收款方式"),
    ("cash", D("0"), None, "须大于 0"),
])
def test_refused_lines_name_the_reason_and_record_nothing(method, amount, tendered, needle):
    t = Tender(D("20.00"))
    with pytest.raises(TenderError, match=needle):
        t.add(method, amount, tendered=tendered)
    assert t.lines == []


def test_refund_cannot_pay_out_more_than_due_and_undo_removes_the_last_line():
    t = Tender(D("12.00"), kind=REFUND)
    with pytest.raises(TenderError):
        t.add("cash", D("13.00"))
    t.add("cash", D("5.00"))
    assert t.undo() is not None and t.lines == [] and t.remaining == D("12.00")


def test_float_amounts_are_refused_and_names_exist_in_both_languages():
    with pytest.raises(ValueError):
        Tender(20.0)  # type: ignore[arg-type]
    assert method_name("wechat") == "微信支付" and method_name("wechat", "en") == "WeChat Pay"
