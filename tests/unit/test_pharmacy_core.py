"""The pharmacy sale as the counter builds it (terminal.core.pharmacy): barcodes, traceability codes, rxno."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.pharmacy import (SaleIncomplete, TraceCodeError, UnknownBarcode, check_ean13, check_trace_code,
                                    looks_like_trace_code)
from tests.support.pharmacy import AMLODIPINE, AMOXICILLIN, HUANGQI, LIANHUA, catalogue, make_sale

AMOX = "8100101"


def test_ean13_check_digit():
    assert check_ean13(" 6901234000016 ") == "6901234000016"
    with pytest.raises(ValueError, match="校验位错误"):
        check_ean13("6901234000017")
    with pytest.raises(ValueError, match="13 位数字"):
        check_ean13("690123400001")


def test_trace_code_is_exactly_20_digits():
    assert check_trace_code(" 81001010000000000001 ") == "81001010000000000001"
    assert looks_like_trace_code("81001010000000000001") and not looks_like_trace_code("6901234000016")
    with pytest.raises(TraceCodeError, match=r"第2行 阿莫西林胶囊 药品追溯码应为 20 位数字（实际 19 位"):
        check_trace_code("8100101000000000001", line=2, item="阿莫西林胶囊")
    with pytest.raises(TraceCodeError, match="含非数字字符"):
        check_trace_code("8100101000000000000A")


def test_scanning_a_box_again_adds_one_and_unknown_barcodes_are_refused():
    sale = make_sale(AMOXICILLIN, LIANHUA, AMOXICILLIN, codes=False)
    assert [(ln.drug.name, ln.qty) for ln in sale.lines] == [("阿莫西林胶囊", 2), ("连花清瘟胶囊", 1)]
    assert sale.last == 1 and sale.total == Decimal("44.80")
    with pytest.raises(UnknownBarcode):
        sale.scan("4006381333931")
    assert sale.scan("YF0008").drug.name == "黄芪(饮片)"  # the pharmacy's own code, typed


def test_codes_go_to_their_drug_and_never_beyond_the_boxes():
    sale = make_sale(AMOXICILLIN, LIANHUA, codes=False)
    assert sale.add_trace(f"{AMOX}0000000000001").drug.name == "阿莫西林胶囊"  # by its product prefix
    with pytest.raises(TraceCodeError, match="第1行 阿莫西林胶囊 共 1盒，追溯码已扫满") as ei:
        sale.add_trace(f"{AMOX}0000000000002")
    assert ei.value.line == 1
    with pytest.raises(TraceCodeError, match="属于 苯磺酸氨氯地平片，本单没有该药品"):
        sale.add_trace("81001020000000000003")
    with pytest.raises(TraceCodeError, match="不属于本单任何需追溯码的药品"):
        sale.add_trace("99999990000000000004")
    with pytest.raises(TraceCodeError, match="第1行 阿莫西林胶囊 追溯码 81001010000000000001 在本单中重复"):
        sale.add_trace(f"{AMOX}0000000000001")
    with pytest.raises(TraceCodeError, match="已由本终端售出（昨日）"):
        sale.add_trace("81001050000000000005", sold=lambda c: "昨日")
    assert sale.remove_trace(f"{AMOX}0000000000001").codes_missing == 1


def test_problems_name_the_lines_and_bill_refuses_until_complete():
    sale = make_sale(HUANGQI, AMLODIPINE, AMLODIPINE, LIANHUA, rxno="", codes=False)
    assert sale.problems() == ["第2行 苯磺酸氨氯地平片 缺少药品追溯码 2 个（2盒，已扫 0）",
                               "第2行 苯磺酸氨氯地平片 为处方药，须录入处方号(rxno)",
                               "第3行 连花清瘟胶囊 缺少药品追溯码 1 个（1盒，已扫 0）"]
    with pytest.raises(SaleIncomplete) as ei:
        sale.bill()
    assert len(ei.value.problems) == 3
    for code in ("81001020000000000001", "81001020000000000002", "81001050000000000003"):
        sale.add_trace(code)
    sale.rxno = "RX1"
    bill = sale.bill()
    assert bill.med_type == "41" and bill.total == Decimal("54.60")
    assert [(i.hosp_code, i.national_code, i.qty, i.rxno, i.rx_flag, len(i.trace_codes)) for i in bill.items] == [
        ("YF0008", "T000100147", Decimal("1"), "", "0", 0),
        ("YF0002", "XC08CAA054A001010100013", Decimal("2"), "RX1", "1", 2),
        ("YF0005", "ZA01CAL0198010100011", Decimal("1"), "", "0", 1)]


def test_lowering_a_line_drops_its_extra_codes():
    sale = make_sale(AMOXICILLIN, AMOXICILLIN, AMOXICILLIN)
    assert len(sale.lines[0].trace_codes) == 3
    sale.set_qty(1, 1)
    assert sale.lines[0].qty == 1 and len(sale.lines[0].trace_codes) == 1
    with pytest.raises(ValueError, match="数量须至少 1"):
        sale.set_qty(1, 0)


def test_catalogue_reads_the_sandbox_pharmacy():
    cat = catalogue()
    d = cat.by_ean(AMOXICILLIN)
    assert (d.rx, d.trace_required, d.price, d.trace_prefix) == (True, True, Decimal("12.50"), AMOX)
    assert not cat.by_ean(HUANGQI).trace_required and not cat.by_ean(LIANHUA).rx
