"""Every receipt layout (settlement, cancelled settlement, park, discharge) on 58 mm (32 columns) and 80 mm
(48 columns): the text fits the paper, no name, ID or amount is cut across lines, the settlement slip carries what a
医保结算单 must; and the ESC/POS printer prints to a real TCP listener on 127.0.0.1 whose bytes decode back into the
same lines in GBK, the verification QR and a cut."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from drivers.printer import (ReceiptData, ReceiptLine, compose_discharge, compose_park,
                             compose_settlement, display_width, text_lines)
from drivers.printer.escpos import (decode, escpos_bytes, parse_connection,
                                    printable)
from drivers.printer.layout import paper_columns, styled_lines, wrap
from terminal.core.inpatient import Deposit, DepositReconciliation, Stay, fee_totals, receipt_lines
from terminal.core.models import SETL_AMOUNT_FIELDS, Settlement
from terminal.core.money import ZERO
from terminal.core.tender import TenderLine
from terminal.store.parked import ParkSlip

D = Decimal
MSGID = "H450100000012026010510000000001"
SETL_ID = "4501002026010510000000000199"
MDTRT_ID = "4501002026010509000000000088"


def settlement_receipt(**kw: Any) -> ReceiptData:
    """A cross-province retiree's outpatient bill as the 2207 answer gives it: every fund, the account, cash."""
    amounts = {k: ZERO for k in SETL_AMOUNT_FIELDS}
    amounts.update(medfee_sumamt=D("336.75"), fulamt_ownpay_amt=D("20.00"), overlmt_selfpay=D("6.75"),
                   preselfpay_amt=D("10.00"), inscp_scp_amt=D("300.00"), act_pay_dedc=D("50.00"),
                   hifp_pay=D("150.00"), hifmi_pay=D("20.00"), hifob_pay=D("10.00"), cvlserv_pay=D("8.00"),
                   maf_pay=D("5.00"), fund_pay_sumamt=D("193.00"), psn_part_amt=D("143.75"), acct_pay=D("60.00"),
                   acct_mulaid_pay=D("12.00"), psn_cash_pay=D("83.75"), balc=D("1234.56"))
    d: dict[str, Any] = dict(
        facility_code="H45010000001", facility_name="南宁市第一人民医院", operator_id="0001",
        operator_name="训练收费员", time="2026-01-05 10:00:00", name_masked="符**", certno_masked="460100********0132",
        psn_no="46010000000000000001", insutype="310", insuplc="460100", cross_province=True, setl_id=SETL_ID,
        mdtrt_id=MDTRT_ID, msgid=MSGID, amounts=amounts, funds=[("统筹基金", D("150.00"))],
        lines=[ReceiptLine("普通门诊诊查费", "1", D("10.00"), "01"),
               ReceiptLine("硝苯地平控释片", "2", D("66.75"), "02"),
               ReceiptLine("阿莫西林胶囊 0.25g×24粒", "3", D("240.00"), "01"),
               ReceiptLine("防蓝光护目镜（目录外自费）", "1", D("20.00"), "03")],
        med_type="11", psn_type="1102", mdtrt_admdvs="450100", dept_name="内科", diagnosis="I10.x00 原发性高血压",
        tender_lines=[TenderLine("cash", D("83.75"), D("100.00"), D("16.25"))], change=D("16.25"))
    d.update(kw)
    return ReceiptData(**d)


def park_slip() -> ParkSlip:
    return ParkSlip(park_id="P20260105100000001", created="2026-01-05 10:00:00", total=D("336.75"),
                    name_masked="符**", cert_masked="460100********0132", cert_type="02", item_count=4)


def discharge_lines(width: int) -> list[str]:
    a = {k: ZERO for k in SETL_AMOUNT_FIELDS}
    a.update(medfee_sumamt=D("7047.80"), inscp_scp_amt=D("7047.80"), fund_pay_sumamt=D("5000.00"),
             hifp_pay=D("5000.00"), psn_part_amt=D("2047.80"), psn_cash_pay=D("2047.80"))
    s = Settlement(amounts=a, info={"setl_id": SETL_ID})
    stay = Stay(adm_no="ZY202606160001", psn_no="1", insutype="310", insuplc_admdvs="460100",
                treatment_admdvs="450100", state="settled", name_masked="符**", cert_masked="460100********0132",
                begntime="2026-01-02 15:30:00", endtime="2026-01-05 10:00:00", dept_name="眼科", dr_name="王医生",
                bed="10-12", deposits=[Deposit("YJ0001", D("3000.00"))])
    return receipt_lines(stay, s, DepositReconciliation(s.psn_cash_pay, stay.held), fee_totals([]), width=width)


def every_layout(width: int):
    r = settlement_receipt()
    yield "settlement", compose_settlement(r)
    yield "reprint", compose_settlement(r, reprint=True)
    yield "cancel", compose_settlement(settlement_receipt(status="cancelled", cancelled_time="2026-01-05 10:30:00"))
    yield "park", compose_park(park_slip(), facility_name="南宁市第一人民医院", training=True)
    yield "discharge", compose_discharge(discharge_lines(width), name=f"discharge-{SETL_ID}",
                                         facility_name="南宁市第一人民医院")


#: what must never be cut across two lines
WHOLE = ("符**", "460100********0132", SETL_ID, MDTRT_ID, MSGID, "H45010000001", "P20260105100000001",
         "南宁市第一人民医院", "普通门诊诊查费", "硝苯地平控释片", "阿莫西林胶囊 0.25g×24粒", "¥336.75", "¥83.75",
         "¥7,047.80", "ZY202606160001", "YJ0001")


@pytest.mark.parametrize("paper_mm", [58, 80])
@pytest.mark.parametrize("kind", ["settlement", "reprint", "cancel", "park", "discharge"])
def test_every_layout_fits_the_paper_and_cuts_no_name_or_id(paper_mm, kind):
    width = paper_columns(paper_mm)
    c = dict(every_layout(width))[kind]
    lines = text_lines(c, width)
    assert all(display_width(x) <= width for x in lines), [x for x in lines if display_width(x) > width]
    joined = "".join(x.strip() for x in lines)  # a token cut across two lines reads on here ...
    printed = 0
    for token in WHOLE:
        whole = sum(x.count(token) for x in lines)  # ... and is missing here
        assert whole == joined.count(token), f"{token!r} cut across lines on {paper_mm} mm:\n" + "\n".join(lines)
        printed += whole > 0
    assert printed >= 4


def test_58_and_80_mm_use_the_whole_width():
    for width in (32, 48):
        lines = text_lines(compose_settlement(settlement_receipt()), width)
        assert max(display_width(x) for x in lines) == width  # right-aligned values end at the paper's edge
        assert "-" * width in lines
    with pytest.raises(ValueError):
        paper_columns(76)


def test_the_settlement_slip_carries_what_a_yibao_slip_must():
    lines = text_lines(compose_settlement(settlement_receipt(), reprint=True), 48)
    text = "\n".join(lines)

    def row(label: str, value: str) -> None:
        assert any(x.strip().startswith(label) and x.endswith(value) for x in lines), f"{label} … {value}\n{text}"

    assert lines[0].strip() == "南宁市第一人民医院" and lines[1].strip() == "医保结算单"
    assert "【补打】" in lines[2]
    row("结算时间", "2026-01-05 10:00:00")
    row("参保人", "符**")
    row("医疗类别", "11 普通门诊")
    row("人员类别", "1102 退休人员")
    row("险种", "310 职工基本医疗保险")
    row("参保地", "（跨省异地）")
    row("就医地", "广西南宁市")
    row("科室", "内科")
    row("诊断", "I10.x00 原发性高血压")
    assert any(x.startswith("普通门诊诊查费") and x.endswith("1  ¥10.00   甲") for x in lines)
    assert any(x.startswith("硝苯地平控释片") and x.endswith("¥66.75   乙") for x in lines)
    assert any(x.endswith("¥20.00   丙") for x in lines)
    for label, value in (("医疗费总额", "¥336.75"), ("全自费", "¥20.00"), ("超限价自费", "¥6.75"),
                         ("先行自付", "¥10.00"), ("符合范围", "¥300.00"), ("起付线", "¥50.00"),
                         ("医保基金支付", "¥193.00"), ("统筹基金支付", "¥150.00"), ("大病保险", "¥20.00"),
                         ("大额医疗补助", "¥10.00"), ("公务员医疗补助", "¥8.00"), ("医疗救助", "¥5.00"),
                         ("个人账户支付", "¥60.00"), ("共济账户支付", "¥12.00"), ("个人现金支付", "¥83.75"),
                         ("现金 实收", "¥100.00"), ("找零", "¥16.25"), ("结算ID", SETL_ID), ("就诊ID", MDTRT_ID),
                         ("报文ID", MSGID), ("收费员", "0001 训练收费员")):
        row(label, value)
    styled = styled_lines(compose_settlement(settlement_receipt()), 48)
    assert [x.text.split()[0] for x in styled if x.tall] == ["个人现金支付"]  # the cash line prints double height
    assert sum(1 for x in styled if x.qr) == 1
    cancelled = settlement_receipt(status="cancelled", cancelled_time="2026-01-05 11:00")
    gone = text_lines(compose_settlement(cancelled), 32)
    assert any(x.startswith("应退个人现金") and x.endswith("¥83.75") for x in gone)  # not "个人现金支付" once cancelled
    assert not any(x.startswith("个人现金支付") for x in gone)
    assert not any("找零" in x or "实收" in x for x in gone)  # the original tender is not what goes back


def test_funds_the_platform_left_out_of_setlinfo_come_from_setldetail():
    r = settlement_receipt()
    r.amounts.update(hifp_pay=ZERO, maf_pay=ZERO)
    r.fund_codes = [("310100", D("150.00")), ("610100", D("5.00")), ("310200", D("60.00"))]
    lines = text_lines(compose_settlement(r), 48)
    assert any(x.strip().startswith("统筹基金支付") and x.endswith("¥150.00") for x in lines)
    assert any(x.strip().startswith("医疗救助") and x.endswith("¥5.00") for x in lines)


def test_the_name_prints_masked_unless_configured_and_round_trips_the_journal():
    r = settlement_receipt()
    assert "符**" in "\n".join(text_lines(compose_settlement(r), 32))
    shown = settlement_receipt(name_full="符小明")
    assert any(x.endswith("符小明") for x in text_lines(compose_settlement(shown), 32))
    back = ReceiptData.from_dict(r.to_dict())
    assert back.tender_lines == r.tender_lines and back.change == D("16.25")
    assert [ln.level for ln in back.lines] == ["01", "02", "01", "03"]
    assert back.fund_codes == r.fund_codes and back.med_type == "11" and back.psn_type == "1102"
    old = r.to_dict()
    old["lines"] = [x[:3] for x in old["lines"]]  # a journal row written before the class column
    for k in ("tender_lines", "change", "fund_codes"):
        old.pop(k)
    assert ReceiptData.from_dict(old).lines[0].level == "" and ReceiptData.from_dict(old).change == ZERO


def test_wrap_keeps_words_whole():
    assert wrap("参保地 海南省海口市（跨省异地） 4501002026010510000000000199", 32) == [
        "参保地 海南省海口市（跨省异地）", "4501002026010510000000000199"]
    assert wrap("A" * 40, 16) == ["A" * 16, "A" * 16, "A" * 8]  # a word wider than the paper is the one cut


# ESC/POS ----------------------------------------------------------------------------------------------------
def test_connections():
    assert str(parse_connection("tcp://192.168.1.50")) == "tcp://192.168.1.50:9100"
    assert parse_connection("usb:0416:5011").vendor == 0x0416
    s = parse_connection("serial:/dev/ttyS0@19200")
    assert (s.kind, s.device, s.baudrate) == ("serial", "/dev/ttyS0", 19200)
    for bad in ("lpt1", "tcp://", "usb:416:5011", "tcp://h:70000"):
        with pytest.raises(ValueError):
            parse_connection(bad)


def test_printer_config_keys_are_checked():
    from terminal.config import ConfigError
    from terminal.config.validation import from_dict

    cfg = from_dict({"printer": {"kind": "escpos", "escpos_connection": "tcp://10.0.0.5:9100", "paper_mm": 58}})
    assert (cfg.printer.kind, cfg.printer.paper_mm, cfg.printer.mask_name) == ("escpos", 58, True)
    for bad, key in (({"kind": "thermal"}, "printer.kind"), ({"paper_mm": 76}, "printer.paper_mm"),
                     ({"kind": "escpos"}, "printer.escpos_connection"),
                     ({"escpos_connection": "lpt1"}, "printer.escpos_connection"),
                     ({"pdf_layout": "a4"}, "printer.pdf_layout")):
        with pytest.raises(ConfigError) as e:
            from_dict({"printer": bad})
        assert e.value.key == key


def test_build_takes_the_slip_fields_from_the_visit_and_the_answers_and_masks_unless_configured():
    from types import SimpleNamespace

    from terminal.core.models import Bill, Credential, FeeItem, FundDetail, Insurance, Person, Visit

    person = Person(psn_no="P1", psn_name="符小明", certno="460100194901010132",
                    insurances=[Insurance("310", psn_type="1102", insuplc_admdvs="460100")])
    bill = Bill(items=[FeeItem("H1", "N1", "普通门诊诊查费", D("10"), D("1")),
                       FeeItem("H2", "N2", "防蓝光护目镜", D("20"), D("1"))], dept_name="眼科", dise_codg="H25.9",
                dise_name="老年性白内障")
    visit = Visit(credential=Credential("02", "460100194901010132"), person=person, insutype="310",
                  insuplc_admdvs="460100", bill=bill, chrg_bchno="CB1", settle_msgid=MSGID,
                  fee_results=[{"feedetl_sn": "CB10001", "chrgitm_lv": "01"},
                               {"feedetl_sn": "CB10002", "chrgitm_lv": "03"}])
    a = {k: ZERO for k in SETL_AMOUNT_FIELDS}
    a.update(medfee_sumamt=D("30.00"), maf_pay=ZERO)
    s = Settlement(amounts=a, info={"setl_id": SETL_ID, "mdtrt_id": MDTRT_ID},
                   details=[FundDetail("610100", D("0.00"))])
    facility = SimpleNamespace(code="H45010000001", name="南宁市第一人民医院", admdvs="450100")
    op = SimpleNamespace(id="0001", name="收费员")

    def build(**printer: Any) -> ReceiptData:
        cfg = SimpleNamespace(facility=facility, printer=SimpleNamespace(**{"mask_name": True, **printer}))
        return ReceiptData.build(cfg=cfg, operator=op, person=person, visit=visit, settlement=s, training=False)

    r = build()
    assert (r.med_type, r.psn_type, r.mdtrt_admdvs, r.dept_name, r.diagnosis) == (
        "11", "1102", "450100", "眼科", "H25.9 老年性白内障")
    assert [ln.level_name for ln in r.lines] == ["甲", "丙"] and r.fund_codes == [("610100", D("0.00"))]
    assert r.name_printed.startswith("符") and "小明" not in r.name_printed
    assert "符小明" not in str(r.to_dict())  # the journal keeps no full name unless configured
    shown = build(mask_name=False)
    assert shown.name_printed == "符小明"
    assert "符小明" not in str(shown.to_dict())  # nor when names print unmasked: the journal keeps it masked
    assert any(x.endswith("符小明") for x in text_lines(compose_settlement(shown), 32))


def test_gbk_double_width_marks_keep_the_value_at_the_paper_edge():
    from drivers.printer.escpos import fit

    line = "体温" + " " * 10 + "37.5℃"  # the layout counts ℃ one column (ambiguous width); GBK prints it two
    assert display_width(line) == 19 and len(line.encode("gbk")) == 20
    assert fit(line, 19) == ("体温" + " " * 9 + "37.5℃").encode("gbk")
    assert fit("医保结算单", 32) == "医保结算单".encode("gbk")
    assert printable("¥1.00 0.25g×24粒 5μg") == "￥1.00 0.25gx24粒 5ug"
    data = escpos_bytes(compose_settlement(settlement_receipt(diagnosis="R50.9 发热 39℃")), 58)
    assert all(len(x.text.encode("gbk")) <= 32 for x in decode(data).lines)
