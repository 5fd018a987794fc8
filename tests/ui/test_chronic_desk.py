"""门诊慢特病 at the cashier's window, against the sandbox over HTTP: the Sichuan employee with hypertension at the
Chongqing hospital (the southwest pilot). The filings (5301) appear on identification without the cashier waiting;
Ctrl+M, Enter makes the bill a med_type 14 bill of the filed disease (the expired one cannot be chosen); the preview
follows Sichuan's hypertension policy with the personal account paying across provinces; the customer display and
the receipt (58 mm, 80 mm and the PDF) show the disease."""
from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from drivers.printer import compose_settlement, text_lines
from terminal.core.flow import State

SHOTS = os.environ.get("YIBAO_SHOTS", "")  # a folder: the screens and slips are saved there to look at


@pytest.fixture
def chongqing(make_desk, ui_cfg):
    f = ui_cfg.facility
    f.code, f.name, f.admdvs, f.level = "H50010000001", "重庆医科大学附属第一医院", "500100", "3"
    return make_desk()


def shot(widget_or_image, name: str) -> None:
    if SHOTS:
        img = widget_or_image if hasattr(widget_or_image, "save") and not hasattr(widget_or_image, "grab") \
            else widget_or_image.grab()
        img.save(str(Path(SHOTS) / name))


def test_choose_the_filed_disease_by_key_and_see_it_on_the_display_and_receipt(chongqing, qtbot):
    from terminal.ui.chronic import ChronicChooser
    from terminal.ui.receipt import a5_image, roll_image

    desk, ctl = chongqing, chongqing.ctl
    desk.load_bill("outpatient-chronic-chongqing.json")
    desk.identify_by_id("sichuan-hypertension")
    qtbot.waitUntil(lambda: ctl.chronic.state == "found", timeout=10000)
    line = desk.window.chronic.line
    assert line.isVisible()
    assert "M03900 高血压（有效）" in line.text() and "M01600 糖尿病（备案已于 2025-03-31 到期）" in line.text()
    assert ctl.bill().med_type == "11"

    qtbot.keyClick(desk.window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    dlg = desk.modal(ChronicChooser)
    assert dlg.codes == ["", "M03900", "M01600"]
    assert dlg.list.currentRow() == 1  # the disease in force, ready for Enter
    assert not dlg.list.item(2).flags() & Qt.ItemFlag.ItemIsEnabled  # the expired filing is listed, not choosable
    shot(dlg, "chronic-chooser.png")
    qtbot.keyClick(dlg.list, Qt.Key.Key_Return)
    desk.wait_window_active()
    b = ctl.bill()
    assert (b.med_type, b.opsp_dise_code, b.opsp_dise_name) == ("14", "M03900", "高血压")
    assert "本单：门诊慢特病 M03900 高血压" in line.text()
    assert "门诊慢特病：M03900 高血压" in desk.ca.customer.insurance_label.text()

    desk.preview()
    p = ctl.preview  # Sichuan 310 hypertension: deductible 100.00, ratio 0.80; the account pays across provinces
    assert (p.act_pay_dedc, p.hifp_pay, p.acct_pay, p.psn_cash_pay) == (
        Decimal("100.00"), Decimal("190.40"), Decimal("147.60"), Decimal("0.00"))
    shot(desk.window, "chronic-window.png")
    shot(desk.ca.customer, "chronic-customer.png")
    desk.settle()
    assert desk.booked()[-1]["med_type"] == "14" and desk.booked()[-1]["clr_type"] == "14"
    r = ctl.receipt
    assert (r.med_type, r.chronic_disease) == ("14", "M03900 高血压")
    for width in (32, 48):
        assert any(x.startswith("慢特病病种") and x.endswith("M03900 高血压")
                   for x in text_lines(compose_settlement(r), width))
    qtbot.waitUntil(lambda: any(Path(ctl.cfg.printer.pdf_dir).glob("*.pdf")), timeout=5000)
    for mm in (58, 80):
        shot(roll_image(compose_settlement(r), mm), f"chronic-receipt-{mm}.png")
    shot(a5_image(compose_settlement(r)), "chronic-receipt-a5.png")

    desk.key("Escape")  # next patient: the line and the disease go with the bill
    qtbot.waitUntil(lambda: ctl.state == State.IDLE, timeout=5000)
    assert not line.isVisible() and ctl.chronic.chosen is None


def test_back_to_ordinary_and_a_person_without_filings(desk, qtbot):
    from terminal.ui.chronic import ChronicChooser

    ctl = desk.ctl
    desk.load_bill("outpatient-chronic-diabetes-nanning.json")  # the HIS sent it as a 14 bill of 糖尿病
    assert ctl.chronic.chosen is not None and ctl.chronic.chosen.code == "M01600"
    desk.identify_by_id("hainan-diabetes")
    qtbot.waitUntil(lambda: ctl.chronic.state == "found", timeout=10000)
    qtbot.keyClick(desk.window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    dlg = desk.modal(ChronicChooser)
    assert dlg.list.currentRow() == 1  # the bill's disease
    qtbot.keyClick(dlg.list, Qt.Key.Key_Up)
    qtbot.keyClick(dlg.list, Qt.Key.Key_Return)  # the first row: ordinary outpatient
    desk.wait_window_active()
    assert ctl.bill().med_type == "11" and ctl.bill().opsp_dise_code == ""
    assert "本单按普通门诊结算" in ctl.last_message[1]

    desk.key("Escape")
    qtbot.waitUntil(lambda: ctl.state == State.IDLE, timeout=5000)
    desk.identify_by_id("local")
    qtbot.waitUntil(lambda: ctl.chronic.state == "found", timeout=10000)
    assert "门诊慢特病备案：无" in desk.window.chronic.line.text()
    qtbot.keyClick(desk.window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert "没有门诊慢特病备案" in ctl.last_message[1]
