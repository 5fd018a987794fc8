"""The cashier's keys on the real window against the sandbox over HTTP (the reviewer's desk problems): a self-pay
checkout the patient will not pay is left with Esc, Esc; a refused patient's F5/F9 say why and point to Ctrl+F9 (F5
greyed); F9 before F5, Ctrl+F9 when self-pay is not offered and the pharmacy's F5 with nobody identified say what
to do instead of nothing."""
from __future__ import annotations

import os

from PySide6.QtCore import Qt

from terminal.core.flow import State
from tests.support import PERSONS
from tests.ui.test_pharmacy_counter import OTC, counter  # noqa: F401  (the pharmacy window fixture)

SHOTS = os.environ.get("YIBAO_SHOTS_DIR", "")


def refused_with_bill(desk):
    desk.load_bill()
    desk.identify_by_id("unfiled")
    desk.qtbot.waitUntil(lambda: desk.ctl.refused != "", timeout=10000)
    assert desk.ctl.refused.startswith("医保待遇检查不可报销")


def test_self_pay_checkout_nobody_paid_is_left_with_esc_esc_and_f3_takes_the_next(desk):
    w = desk.window
    refused_with_bill(desk)
    desk.qtbot.keyClick(w, Qt.Key.Key_F9, Qt.KeyboardModifier.ControlModifier)  # Ctrl+F9: self-pay
    dlg = desk.tender_dialog()
    assert "自费" in dlg.title.text() and desk.ctl.till.due_open and "再按 Esc 放弃" in dlg.keys.text()
    desk.qtbot.keyClick(dlg.amount, Qt.Key.Key_Escape)  # the dialog closes
    desk.qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=3000)
    desk.wait_window_active()
    desk.key("Escape")  # the patient will not pay: the desk is free
    desk.qtbot.waitUntil(lambda: desk.ctl.state == State.IDLE, timeout=3000)
    assert not desk.ctl.till.due_open and "已放弃自费收款 ¥" in w.msg.text()
    desk.identify_by_id("hainan-retiree")  # F3: the next person
    assert desk.ctl.person.psn_no == PERSONS["hainan-retiree"]["psn_no"]
    assert desk.booked() == []


def test_self_pay_checkout_left_by_f3_alone(desk):
    w = desk.window
    refused_with_bill(desk)
    desk.qtbot.keyClick(w, Qt.Key.Key_F9, Qt.KeyboardModifier.ControlModifier)
    dlg = desk.tender_dialog()
    desk.qtbot.keyClick(dlg.amount, Qt.Key.Key_Escape)
    desk.qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=3000)
    desk.wait_window_active()
    desk.key("F3")
    desk.type_into(w.identify.idno, PERSONS["hainan-retiree"]["certno"])
    desk.qtbot.waitUntil(lambda: desk.ctl.person is not None and
                         desk.ctl.person.psn_no == PERSONS["hainan-retiree"]["psn_no"] and not desk.ctl.busy,
                         timeout=15000)
    assert not desk.ctl.till.due_open


def test_refused_patient_f5_is_greyed_and_f5_f9_point_to_ctrl_f9(desk):
    w = desk.window
    refused_with_bill(desk)
    desk.qtbot.waitUntil(lambda: not w.preview_btn.isEnabled(), timeout=3000)
    assert not w.settle_btn.isEnabled() and w.self_pay_btn.isVisible() and w.self_pay_btn.isEnabled()
    for key in ("F5", "F9"):
        w.msg.setText("")
        desk.key(key)
        assert "Ctrl+F9 自费收款" in w.msg.text() and not desk.ctl.busy
    assert "Ctrl+F9" in w.result.steps.text() and "F11" not in w.result.steps.text()
    if SHOTS:
        desk.qtbot.wait(500)
        w.grab().save(os.path.join(SHOTS, "refused-keys.png"))


def test_f9_before_f5_and_ctrl_f9_not_offered_say_why(desk):
    w = desk.window
    desk.load_bill()
    desk.identify_by_id("hainan-retiree")
    desk.qtbot.waitUntil(lambda: w.result.isVisible(), timeout=3000)
    desk.key("F9")
    assert "请先按 F5 预结算" in w.msg.text() and desk.ctl.state == State.BILLED
    desk.qtbot.keyClick(w, Qt.Key.Key_F9, Qt.KeyboardModifier.ControlModifier)
    assert "自费收款只用于平台拒绝的人员" in w.msg.text() and not desk.ctl.till.due_open


def test_pharmacy_f5_with_boxes_and_nobody_identified(counter):  # noqa: F811
    d = counter
    d.scanner.scan(OTC)
    d.qtbot.waitUntil(lambda: bool(d.window.pharmacy.sale.lines), timeout=3000)
    assert d.ctl.person is None
    d.window.msg.setText("")
    d.key("F5")
    assert "请先识别参保人" in d.window.msg.text()
