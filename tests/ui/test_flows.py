"""The cashier's flows through the real widgets, against the sandbox platform over HTTP."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from terminal.core.flow import State
from terminal.core.money import fmt_yuan
from tests.support import PERSONS



def _receipts(desk) -> list[Path]:
    return sorted(Path(desk.ca.cfg.printer.pdf_dir).glob("*.pdf"))


def test_card_insert_identifies_and_settles(desk):
    from drivers.virtual import profile_for

    desk.load_bill()
    desk.reader.insert(profile_for("hainan-retiree"))  # inserting the card is enough: no key press
    desk.wait_state(State.BILLED)
    p = desk.ctl.person
    assert p.psn_name == PERSONS["hainan-retiree"]["psn_name"]
    assert desk.ctl.flow.credential.cert_type == "03"
    w = desk.window
    assert w.person.cross.isVisible(), "Hainan insured, treated in Nanning: 跨省异地 badge"
    assert "*" in w.person.fields["certno"].text()
    desk.preview()
    assert w.result.cash.text() == fmt_yuan(desk.ctl.preview.psn_cash_pay)
    desk.settle()
    booked = desk.booked()
    assert len(booked) == 1 and booked[0]["status"] == "booked"
    assert booked[0]["setl_id"] == desk.ctl.settlement.setl_id
    desk.qtbot.waitUntil(lambda: len(_receipts(desk)) == 1, timeout=10000)
    # the next card starts the next patient
    desk.reader.insert(profile_for("shanghai-employee"))
    desk.wait_state(State.IDENTIFIED)
    assert desk.ctl.person.psn_no == PERSONS["shanghai-employee"]["psn_no"]


class Scanner:
    """A keyboard-wedge 2D scanner: a fast burst of timed key events ending in Enter, into whatever has focus."""

    def __init__(self, t0: float = 500_000.0):
        self.t = t0

    def _send(self, target, etype, key, mods, text) -> None:
        from PySide6.QtGui import QKeyEvent
        from PySide6.QtWidgets import QApplication

        ev = QKeyEvent(etype, key, mods, text)
        ev.setTimestamp(int(self.t))
        QApplication.sendEvent(target, ev)

    def scan(self, target, code: str) -> None:
        from PySide6.QtCore import QEvent

        for ch in code + "\r":
            self.t += 4
            key = int(Qt.Key.Key_Return) if ch == "\r" else ord(ch.upper())
            mods = Qt.KeyboardModifier.ShiftModifier if ch.isalpha() and ch.isupper() else \
                Qt.KeyboardModifier.NoModifier
            self._send(target, QEvent.Type.KeyPress, key, mods, ch)
            self._send(target, QEvent.Type.KeyRelease, key, mods, ch)


def test_ecode_scan_settles(desk):
    from terminal.ui.phone import ecode_issuer

    issue = ecode_issuer(desk.sandbox)
    if issue is None:
        pytest.skip("the sandbox has no e-code issuer")
    if desk.window.wedge is None:
        pytest.skip("terminal/ui/wedge.py (WedgeFilter) not available")
    desk.load_bill()
    focus = desk.window.bill.table  # the scan goes wherever the focus is: the wedge catches it
    focus.setFocus()
    Scanner().scan(focus, issue("shanghai-employee"))
    desk.wait_state(State.BILLED)
    assert desk.ctl.flow.credential.cert_type == "01"
    assert desk.ctl.person.psn_no == PERSONS["shanghai-employee"]["psn_no"]
    desk.preview()
    desk.settle()
    assert len(desk.booked()) == 1
    # a used e-code is refused with the service's message, nothing else happens
    desk.key("Escape")


def test_drug_code_scan_adds_an_item_and_payment_code_is_explained(desk):
    if desk.window.wedge is None:
        pytest.skip("terminal/ui/wedge.py (WedgeFilter) not available")
    sc = Scanner()
    desk.window.identify.idno.setFocus()
    sc.scan(desk.window.identify.idno, "XJ01CAA040A001010100001")  # national drug code of 阿莫西林胶囊
    assert [i.hosp_code for i in desk.ctl.items] == ["NNYP0001"]
    assert desk.window.identify.idno.text() == ""  # nothing typed into the focused field
    sc.scan(desk.window.identify.idno, "134567890123456789")  # a WeChat Pay code shown by mistake
    assert "微信" in desk.window.msg.text()
    assert desk.ctl.state == State.IDLE and not desk.ctl.busy


def test_id_entry_with_catalogue_items_settles(desk):
    from terminal.ui.items import ItemPicker

    desk.identify_by_id("sichuan-resident")
    assert desk.ctl.state == State.IDENTIFIED
    desk.key("F4")
    picker = desk.modal(ItemPicker, timeout=3000)
    picker.search.insert("阿莫西林")  # what an IME commits (QTest cannot type CJK)
    desk.qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    desk.qtbot.keyClicks(picker.search, "NNYP0002")
    picker.qty.setValue(2)
    desk.qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    desk.qtbot.keyClick(picker, Qt.Key.Key_Escape)
    desk.qtbot.waitUntil(lambda: not picker.isVisible(), timeout=3000)
    assert [i.hosp_code for i in desk.ctl.items] == ["NNYP0001", "NNYP0002"]
    assert desk.ctl.items[1].qty == 2
    assert desk.ctl.state == State.BILLED
    desk.preview()
    cd = desk.ca.customer
    s = desk.ctl.preview
    assert cd.pay.text() == fmt_yuan(s.psn_cash_pay)
    assert PERSONS["sichuan-resident"]["psn_name"] not in cd.greeting.text()  # only the masked name
    assert not cd.qr.isVisible()  # no placeholder QR: no wallet could pay it
    desk.settle()
    assert len(desk.booked()) == 1


def test_bad_id_number_is_caught_before_the_platform(desk):
    desk.key("F3")
    desk.type_into(desk.window.identify.idno, "460100194603120133")  # wrong check digit
    assert "校验位" in desk.window.msg.text()
    assert desk.ctl.state == State.IDLE and not desk.ctl.busy


def test_two_insurances_need_a_choice(desk):
    from PySide6.QtWidgets import QApplication

    desk.load_bill()
    desk.identify_by_id("two-insurances")
    combo = desk.window.person.insurance
    assert desk.ctl.flow.insutype == "" and combo.count() == 2 and combo.currentIndex() == -1
    assert combo.isEnabled()
    desk.key("F5")
    assert "险种" in desk.window.msg.text() and desk.ctl.state == State.BILLED
    combo.setFocus()
    desk.qtbot.keyClick(combo, Qt.Key.Key_Down)  # ↓ opens the list, it does not choose (issue 13)
    assert desk.ctl.flow.insutype == ""
    combo.hidePopup()
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)  # Ctrl+I: the chooser
    desk.qtbot.waitUntil(lambda: combo.view().isVisible(), timeout=2000)
    for k in (Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Return):
        desk.qtbot.keyClick(combo.view(), k)
    desk.qtbot.waitUntil(lambda: desk.ctl.flow.insutype == "390", timeout=2000)
    assert "390" in desk.window.msg.text()
    desk.qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=2000)  # the list has closed
    desk.preview()
    desk.settle()
    booked = desk.booked()
    assert len(booked) == 1 and booked[0]["insutype"] == "390"


def test_suspended_insurance_is_refused_and_shown(desk):
    desk.load_bill()
    desk.identify_by_id("suspended")
    w = desk.window
    assert w.person.status.text() == "暂停参保"
    desk.key("F5")
    desk.wait_idle()
    assert desk.ctl.state == State.BILLED
    assert "暂停" in w.msg.text() and w.msg.property("kind") == "error"
    assert not w.settle_btn.isEnabled()
    assert desk.booked() == []


def test_business_error_on_settle_goes_back_to_preview(desk):
    desk.load_bill()
    desk.identify_by_id("local")
    desk.preview()
    desk.sandbox.arm_fault("business_error", infno="2207", err_msg="参保人本月门诊次数已达上限")
    desk.key("F9")
    desk.wait_state(State.PREVIEWED)
    assert "门诊次数已达上限" in desk.window.msg.text()
    assert desk.booked() == []
    desk.settle()  # the cashier may try again: nothing was booked
    assert len(desk.booked()) == 1


def test_double_press_settles_once(desk):
    desk.load_bill()
    desk.identify_by_id("hainan-retiree")
    desk.preview()
    desk.sandbox.arm_fault("delay", infno="2207", delay=0.8)
    desk.key("F9")
    desk.key("F9")  # fast second press while the first 2207 is out
    assert not desk.window.settle_btn.isEnabled()
    assert desk.ctl.settle_now() is None  # and straight at the controller, too
    desk.wait_state(State.SETTLED)
    desk.key("F9")  # and after it is done
    desk.qtbot.wait(200)
    assert desk.ctl.settle_sends == 1
    assert len(desk.booked()) == 1


def test_abandon_during_settle_never_resends(desk):
    desk.load_bill()
    desk.identify_by_id("chongqing-employee")
    desk.preview()
    desk.sandbox.arm_fault("delay", infno="2207", delay=1.5)
    desk.key("F9")
    desk.qtbot.waitUntil(lambda: desk.window.overlay.isVisible(), timeout=2000)
    assert "停止等待" in desk.window.overlay.abandon.text()
    desk.key("Escape")
    assert desk.ctl.state == State.UNCERTAIN and desk.ctl.reversal_state == "waiting"
    assert not desk.window.overlay.isVisible()
    assert desk.window.result.currentWidget() is desk.window.result.unc
    desk.key("Escape")  # cannot leave an unresolved settlement
    desk.key("F9")
    assert desk.ctl.state == State.UNCERTAIN
    desk.wait_state(State.SETTLED)  # the late answer resolves it
    assert desk.ctl.settle_sends == 1 and len(desk.booked()) == 1
