"""Issue 13 §7 through the real window: the platform status judged by the last few requests, parking a bill
(the amount on the window and the customer display, the slip's items and refund instructions, the refund due
after recovery), the refused person's next step, and the card left in the reader."""
from __future__ import annotations

from PySide6.QtCore import Qt

from terminal.core.flow import State

from .conftest import PERSONS

LOCAL = PERSONS["local"]["certno"]


def try_identify(desk, certno: str) -> None:
    desk.key("F3")
    desk.type_into(desk.window.identify.idno, certno)
    desk.wait_idle()


def go_offline(desk) -> None:
    """The platform answers nothing (HTTP 500 on every request); the cashier tries three times."""
    desk.sandbox.arm_fault("http500", infno="*", count=1000)
    for _ in range(3):
        try_identify(desk, LOCAL)


def test_one_failure_is_no_outage_several_are(desk):
    w = desk.window
    assert desk.ctl.status.state == "online"
    desk.sandbox.arm_fault("http500", infno="*", count=1000)
    try_identify(desk, LOCAL)
    assert desk.ctl.state == State.IDLE
    assert desk.ctl.status.state == "online" and "在线" in w.st_platform.text()
    assert "1 次未连通" in w.st_platform.toolTip()
    assert not w.park_btn.isVisible() and not w.self_pay_btn.isVisible()
    try_identify(desk, LOCAL)
    assert desk.ctl.status.state == "online" and not w.park_btn.isVisible()
    try_identify(desk, LOCAL)
    assert desk.ctl.status.state == "offline" and "离线" in w.st_platform.text()
    assert w.park_btn.isVisible()
    # one answer and it is back
    desk.sandbox.clear_faults()
    try_identify(desk, LOCAL)
    assert desk.ctl.state == State.IDENTIFIED and desk.ctl.status.state == "online"
    assert not w.park_btn.isVisible()


def _slip_text(desk) -> str:
    """The park slip as printed: the PDF's text through the same composition (drivers.printer.compose_park)."""
    from drivers.printer import compose_park

    c = compose_park(desk.ctl.slip, facility_name=desk.ca.cfg.facility.name)
    return "\n".join([c.title, *c.body])


def test_parked_bill_shows_the_full_amount_and_the_slip_says_what_to_do(desk):
    from pathlib import Path

    w, cd = desk.window, desk.ca.customer
    desk.load_bill()
    total = desk.ctl.bill_total
    go_offline(desk)
    assert desk.ctl.status.state == "offline"
    # during the outage the display never says the fund pays on the spot
    assert "无需垫付" not in cd.footer.text() and "全额" in cd.footer.text()
    desk.key("F11")
    desk.wait_idle()
    slip = desk.ctl.slip
    assert slip is not None and slip.total == total and desk.ctl.items == []
    amount = f"¥{total:,.2f}"
    # the window: the full amount large on the right, not only in the message line
    assert w.result.currentWidget() is w.result.idle and "全额收费" in w.result.idle_title.text()
    assert amount in w.result.steps.text() and slip.park_id in w.result.steps.text()
    # the customer display: the full amount and what happens next, not 欢迎就医
    assert cd.greeting.text() == "医保平台暂不可用" and cd.pay.text() == amount and not cd.pay.isHidden()
    assert "退还" in cd.acct.text() and slip.park_id in cd.total.text()
    desk.qtbot.wait(100)  # let the layouts settle before looking
    w.grab().save("/tmp/deskfix/park-window.png")
    cd.grab().save("/tmp/deskfix/park-customer.png")
    # the slip: the items and the refund instructions
    text = _slip_text(desk)
    for it in desk.ctl.session.store.parked()[0:1]:
        assert it.park_id == slip.park_id
    from tests.support import load_bill

    for it in load_bill().items:
        assert it.name in text and f"¥{it.amount:,.2f}" in text
    assert "【退款说明】" in text and f"{slip.park_id} 到收费窗口退款" in text
    desk.qtbot.waitUntil(lambda: bool(list(Path(desk.ca.cfg.printer.pdf_dir).glob("park-*.pdf"))), timeout=10000)
    # Esc: the next patient
    desk.key("Escape")
    assert desk.ctl.parked_shown is None and cd.greeting.text() == "欢迎就医"
    # the platform comes back: the queue settles the bill and the cashier is told the refund is due
    desk.sandbox.clear_faults()
    desk.ctl.status.ok(0.0)
    desk.ca.session.wake_queue()
    desk.qtbot.waitUntil(lambda: "应退患者" in w.msg.text(), timeout=20000)
    rf = desk.ca.session.store.refunds_due()[0]
    assert slip.park_id in w.msg.text() and f"¥{rf.refund_due:,.2f}" in w.msg.text()
    desk.qtbot.waitUntil(lambda: "待退款 1 笔" in w.st_queue.text(), timeout=5000)


def test_refused_person_gets_the_next_step_and_the_patient_is_told(desk):
    w, cd = desk.window, desk.ca.customer
    desk.load_bill()
    desk.identify_by_id("suspended")
    assert desk.ctl.refused.startswith("参保状态异常：暂停参保")
    assert "下一步" in w.msg.text() and "Ctrl+F9 自费收款" in w.msg.text()
    assert w.result.idle_title.text() == "不能医保结算" and "Ctrl+F9" in w.result.steps.text()
    assert "正在为您办理医保结算" not in cd.state_label.text()
    assert "您的医保暂不能使用（暂停参保）" in cd.state_label.text() and "自费" in cd.state_label.text()
    # F11 is the self-pay key for a refused patient: the till's checkout (the same as Ctrl+F9)
    assert w.self_pay_btn.isVisible() and w.self_pay_btn.isEnabled() and not w.park_btn.isVisible()  # one button
    assert w.width() <= 1366
    total = desk.ctl.bill_total
    desk.key("F11")
    dlg = desk.tender_dialog()
    assert dlg.amount.text() == f"{total:.2f}" and "自费" in dlg.title.text()
    desk.qtbot.keyClick(dlg.amount, Qt.Key.Key_Return)  # exact cash
    desk.qtbot.waitUntil(lambda: desk.ctl.state == State.IDLE and desk.ctl.refused == "", timeout=5000)
    assert desk.booked() == []  # no platform call
    assert not w.park_btn.isVisible()


def _same_card_box(desk):
    from PySide6.QtWidgets import QApplication, QMessageBox

    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox)
                         and QApplication.activeModalWidget().objectName() == "sameCardDialog", timeout=5000)
    return QApplication.activeModalWidget()


def test_card_left_in_the_reader_is_reminded_and_confirmed(desk):
    from PySide6.QtCore import Qt

    from drivers.virtual import profile_for

    w, cd = desk.window, desk.ca.customer
    desk.reader.insert(profile_for("local"))  # inserting the card identifies the patient by itself
    desk.wait_state(State.IDENTIFIED)
    first = desk.ctl.person.psn_no
    desk.key("Escape")  # next patient: the card is still in the reader
    assert desk.ctl.state == State.IDLE
    assert "请取回社保卡" in w.msg.text() and cd.state_label.text() == "请取回您的社保卡"
    # F1 reads the same card again: the cashier is asked, No by default (Enter)
    desk.key("F1")
    box = _same_card_box(desk)
    assert "上一位患者" in box.text()
    desk.qtbot.keyClick(box, Qt.Key.Key_Return)
    desk.qtbot.waitUntil(lambda: not box.isVisible(), timeout=3000)
    assert desk.ctl.state == State.IDLE and desk.ctl.person is None and "请取回社保卡" in w.msg.text()
    # again, and this time it is the same patient back: Y
    desk.qtbot.waitUntil(w.isActiveWindow, timeout=3000)  # the keyboard is back in the cashier's window
    desk.key("F1")
    box = _same_card_box(desk)
    desk.qtbot.keyClick(box, Qt.Key.Key_Y)
    desk.wait_state(State.IDENTIFIED)
    assert desk.ctl.person.psn_no == first
    # once the card was taken out and another put in, no question
    desk.qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    desk.key("Escape")
    assert desk.ctl.state == State.IDLE and desk.ctl.card_left is not None
    desk.reader.remove()
    desk.qtbot.waitUntil(lambda: desk.ctl.card_left is None, timeout=5000)
    assert cd.state_label.text() != "请取回您的社保卡"
    desk.reader.insert(profile_for("hainan-retiree"))
    desk.wait_state(State.IDENTIFIED)
    assert desk.ctl.person.psn_no != first
