"""The pharmacy's sale slip (drivers.printer.pharmacy) at 58 mm (32 columns) and 80 mm (48 columns): each drug with
its spec, quantity × price and amount, its traceability codes whole (or their count when many), the account and
家庭共济 lines; the journal round trip keeps what a reprint needs; a hospital's receipt keeps its own layout."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from drivers.printer import ReceiptData, ReceiptLine, compose_settlement, display_width, text_lines
from drivers.printer.compose import SlipKind
from drivers.printer.pharmacy import MAX_CODES_LISTED
from terminal.core.models import SETL_AMOUNT_FIELDS
from terminal.core.money import ZERO
from terminal.core.tender import TenderLine

D = Decimal
CODES = [f"8{n:019d}" for n in range(1, 8)]


def sale(**kw: Any) -> ReceiptData:
    amounts = {k: ZERO for k in SETL_AMOUNT_FIELDS}
    amounts.update(medfee_sumamt=D("86.30"), inscp_scp_amt=D("86.30"), fund_pay_sumamt=D("0.00"),
                   psn_part_amt=D("86.30"), acct_pay=D("50.00"), acct_mulaid_pay=D("30.00"), psn_cash_pay=D("6.30"),
                   balc=D("0.00"))
    d: dict[str, Any] = dict(
        facility_code="P51010000001", facility_name="成都市锦江区某某大药房", operator_id="0001",
        operator_name="训练收银员", time="2026-01-05 10:00:00", name_masked="李*", certno_masked="510100********0012",
        psn_no="51010000000000000001", insutype="310", insuplc="530100", cross_province=True,
        setl_id="5101002026010510000000000001", mdtrt_id="5101002026010510000000000002",
        msgid="P510100000012026010510000000001", amounts=amounts, med_type="41", facility_kind="pharmacy",
        lines=[ReceiptLine("阿莫西林胶囊", "2", D("25.00"), spec="0.25g×24粒", unit="盒", price="12.50",
                           trace=tuple(CODES[:2])),
               ReceiptLine("复方甘草片", "1", D("3.30"), spec="100片", unit="瓶", price="3.30"),
               ReceiptLine("布洛芬缓释胶囊", "5", D("58.00"), spec="0.3g×20粒", unit="盒", price="11.60",
                           trace=tuple(CODES[2:7]))],
        tender_lines=[TenderLine("cash", D("6.30"), D("10.00"), D("3.70"))], change=D("3.70"))
    d.update(kw)
    return ReceiptData(**d)


@pytest.mark.parametrize("width", [32, 48])
def test_the_slip_fits_and_says_what_a_pharmacy_sale_must(width):
    c = compose_settlement(sale())
    lines = text_lines(c, width)
    text = "\n".join(lines)
    assert all(display_width(x) <= width for x in lines), lines
    assert c.title == "医保购药凭证" and c.kind == SlipKind.SETTLEMENT
    assert "阿莫西林胶囊 0.25g×24粒" in text.replace("\n", "") or "阿莫西林胶囊" in text
    assert "2盒×12.50" in text and "¥25.00" in text and "1瓶×3.30" in text
    for code in CODES[:2]:  # two boxes: each code printed, whole on one line
        assert any(code in x for x in lines)
    # five boxes (more than MAX_CODES_LISTED): the count, the first and the last code
    assert len(CODES[2:7]) > MAX_CODES_LISTED
    assert "追溯码 5 个" in text and any(CODES[2] in x for x in lines) and any(CODES[6] in x for x in lines)
    assert not any(CODES[4] in x for x in lines)
    assert any(x.startswith("追溯码合计") and x.endswith("7") for x in lines)
    assert any("个人账户支付" in x and "¥50.00" in x for x in lines)
    assert any("其中家庭共济" in x and "¥30.00" in x for x in lines)
    assert any("个人现金支付" in x and "¥6.30" in x for x in lines)
    assert "41 定点药店购药" in text and "李*" in text


def test_no_family_line_without_a_family_share():
    a = dict(sale().amounts, acct_mulaid_pay=ZERO, acct_pay=D("80.00"))
    assert "家庭共济" not in "\n".join(text_lines(compose_settlement(sale(amounts=a)), 48))


def test_cancelled_sale_says_so_and_refunds_the_cash():
    text = "\n".join(text_lines(compose_settlement(sale(status="cancelled", cancelled_time="2026-01-05 10:30:00")),
                                48))
    assert "【已撤销】" in text and "应退个人现金" in text and "找零" not in text


def test_journal_round_trip_keeps_the_drug_and_its_codes():
    r = sale()
    back = ReceiptData.from_dict(r.to_dict())
    assert back.facility_kind == "pharmacy"
    assert back.lines[0].trace == tuple(CODES[:2]) and back.lines[0].spec == "0.25g×24粒"
    assert back.lines[0].unit == "盒" and back.lines[0].price == "12.50"
    assert text_lines(compose_settlement(back), 48) == text_lines(compose_settlement(r), 48)


def test_a_hospital_receipt_keeps_its_layout():
    r = sale(facility_kind="hospital")
    assert compose_settlement(r).title == "医保结算单"
    # an old journal record (no kind, four-field lines) reads as a hospital receipt
    d = r.to_dict()
    d.pop("facility_kind")
    d["lines"] = [x[:4] for x in d["lines"]]
    assert compose_settlement(ReceiptData.from_dict(d)).title == "医保结算单"
