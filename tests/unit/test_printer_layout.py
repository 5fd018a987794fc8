"""drivers.printer: what each slip says (settlement, cancel, park, discharge) and its text layout for a paper width
in characters, CJK characters two columns wide."""
from __future__ import annotations

from decimal import Decimal

import pytest

from drivers.printer import (Row, SlipKind, compose_discharge, compose_park,
                             compose_settlement, display_width, text_lines)
from drivers.printer.layout import pair
from terminal.store.parked import ParkSlip
from tests.support import sample_receipt


def test_display_width_counts_cjk_twice_and_combining_marks_not():
    assert display_width("abc") == 3
    assert display_width("医保") == 4
    assert display_width("ＡＢ") == 4  # full-width forms
    assert display_width("e\u0301") == 1  # e + combining acute accent
    assert display_width("【训练模式 · 非正式票据】") == 25  # the middle dot is narrow (ambiguous width)


@pytest.mark.parametrize("width", [16, 32, 42, 48])
def test_settlement_lines_fit_the_paper(width):
    lines = text_lines(compose_settlement(sample_receipt()), width)
    assert all(display_width(x) <= width for x in lines), lines
    joined = "".join(x.strip() for x in lines)  # a text cut across lines on narrow paper reads on
    for s in ("南宁市第一人民医院", "医保结算单", "符**", "SETL0001", "¥40.00", "统筹基金", "眼部B超"):
        assert s in joined


def test_settlement_layout_at_48_columns():
    lines = text_lines(compose_settlement(sample_receipt()), 48)
    assert lines[0] == " " * 15 + "南宁市第一人民医院"  # centred: (48 - 18) // 2
    assert lines[1].strip() == "医保结算单"
    assert "参保人" + " " * 38 + "符**" in lines
    assert any(x.startswith("眼部B超") and x.endswith("1   ¥100.00   甲") for x in lines)
    # a name too long for its column takes the full width, whole; its figures follow on the next line
    first = next(i for i, x in enumerate(lines) if x.startswith("防蓝光"))
    assert lines[first] == "防蓝光护目镜（目录外自费）加长的名称"
    assert lines[first + 1] == " " * 29 + "12.5 ¥1,234.50   丙"
    assert "个人现金支付" + " " * 30 + "¥40.00" in lines
    assert "报文ID" + " " * 11 + "H450100000012026010510000000001" in lines  # the whole msgid beside its label
    assert lines[-1].strip() == "扫码核验结算信息"
    assert sum(1 for x in lines if x == "-" * 48) == 5  # info, items, amounts, cash, references


def test_a_value_that_does_not_fit_beside_its_label_goes_right_aligned_below():
    assert pair(Row("结算ID", "4501002026120309093500000199"), 32) == ["结算ID", "    4501002026120309093500000199"]
    assert pair(Row("全自费", "¥1.00", indent=True), 16) == ["  全自费   ¥1.00"]


def test_kinds_notes_and_file_names():
    r = sample_receipt()
    c = compose_settlement(r)
    assert (c.kind, c.name, c.suffix, c.notes) == (SlipKind.SETTLEMENT, "SETL0001", "", ())
    assert c.qr == "YBSETL|H45010000001|SETL0001|100.00|60.00|40.00"
    again = compose_settlement(r, reprint=True)
    assert again.suffix == "-reprint" and [n.text for n in again.notes] == ["【补打】"]
    gone = compose_settlement(sample_receipt(status="cancelled", cancelled_time="2026-01-05 11:00:00",
                                             training=True))
    assert gone.kind == SlipKind.CANCEL and gone.suffix == "-cancel"
    assert [(n.text, n.bold) for n in gone.notes] == [("【训练模式 · 非正式票据】", True),
                                                      ("【已撤销】 2026-01-05 11:00:00", True)]
    assert "医院负担" not in [x.label for x in c.amounts]
    with_hosp = compose_settlement(sample_receipt(amounts={**r.amounts, "hosp_part_amt": Decimal("2.00")}))
    assert "医院负担" in [x.label for x in with_hosp.amounts]
    with pytest.raises(ValueError):
        text_lines(c, 15)


def test_labels_go_through_translate_values_do_not():
    c = compose_settlement(sample_receipt(), translate=lambda ctx, src: f"<{ctx}:{src}>")
    assert c.title == "<Receipt:医保结算单>"
    assert c.info[1] == Row("<Receipt:参保人>", "符**")
    assert c.cash == Row("<Receipt:个人现金支付>", "¥40.00", bold=True)
    assert c.amounts[7].label == "<Receipt:统筹基金支付>"


def test_park_slip():
    slip = ParkSlip(park_id="P0001", created="2026-01-05 10:00:00", total=Decimal("123.40"), name_masked="符**",
                    cert_masked="460100********0132", cert_type="01", item_count=3)
    c = compose_park(slip, facility_name="南宁市第一人民医院", training=True)
    assert (c.kind, c.name, c.title, c.qr) == (SlipKind.PARK, "park-P0001", "医保补结算凭条", "YBPARK|P0001|123.40")
    assert c.body[:len(slip.lines()) - 1] == tuple(slip.lines()[1:])
    # issue 13 §7: how the patient gets the insurance share back
    assert c.body[-5:] == ("【退款说明】", "平台恢复后本院补办医保结算，", "医保应付部分退还给您。",
                           "请保留本凭条，凭编号", "P0001 到收费窗口退款。")
    lines = text_lines(c, 32)
    assert "编号: P0001" in lines and "已全额收费: ¥123.40" in lines
    assert all(display_width(x) <= 32 for x in lines)
    # with the bill's items (the store's ParkSlip carries them)
    slip = ParkSlip(park_id="P0002", created="2026-01-05 10:00:00", total=Decimal("87.00"), name_masked="符**",
                    cert_masked="460100********0132", cert_type="01", item_count=2,
                    items=(("副主任医师门诊诊查费", Decimal("1"), Decimal("25.00")),
                           ("普拉洛芬滴眼液", Decimal("2.0000"), Decimal("62.00"))))
    body = compose_park(slip, facility_name="南宁市第一人民医院").body
    assert body[body.index("副主任医师门诊诊查费") + 1] == "  × 1  ¥25.00"
    assert body[body.index("普拉洛芬滴眼液") + 1] == "  × 2  ¥62.00"
    assert all(display_width(x) <= 32 for x in text_lines(compose_park(slip, facility_name="南宁"), 32))


def test_discharge_slip_frames_the_lines_core_composed():
    core = ["住院费用结算单", "-" * 36, "住院号 A001  床号 12", "医疗费总额" + " " * 19 + "¥500.00"]
    c = compose_discharge(core, name="discharge-S1", facility_name="南宁市第一人民医院")
    assert (c.kind, c.title, c.body, c.qr) == (SlipKind.DISCHARGE, "住院费用结算单", tuple(core[1:]), "")
    assert text_lines(c, 36)[2:] == core[1:]
