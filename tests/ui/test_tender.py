"""The tender (收款), the refund (退款) and the self-pay checkout (自费) through the real window, against the sandbox
platform over HTTP, with the training payment provider and the real journal."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from terminal.core.flow import State
from terminal.core.money import fmt_yuan
from terminal.store import Store

from .test_flows import Scanner

WECHAT_OK, WECHAT_DECLINED, ALIPAY_TIMEOUT = "134567890123456789", "134567890123459991", "284567890123459992"


def _pdfs(desk, pattern="*.pdf") -> list[Path]:
    return sorted(Path(desk.ca.cfg.printer.pdf_dir).glob(pattern))


def _settled(desk, person="sichuan-resident"):
    """Settled with a cash share due, the tender dialog open."""
    desk.load_bill()
    desk.identify_by_id(person)
    desk.preview()
    desk.settle(tender=False)
    assert desk.ctl.settlement.psn_cash_pay > 0
    return desk.tender_dialog()


def _rows(desk, msgid, kind="pay"):
    return desk.ca.session.store.tenders.tenders_for(msgid, kind)


def _enter(desk, widget) -> None:
    desk.qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_exact_cash_is_one_key(desk):
    dlg = _settled(desk)
    due = desk.ctl.settlement.psn_cash_pay
    assert dlg.amount.text() == f"{due:.2f}" and dlg.amount.hasFocus()
    assert desk.ca.customer.pay.text() == fmt_yuan(due) and "现金" in desk.ca.customer.pay_caption.text()
    assert not desk.ca.customer.qr.isVisible()  # no placeholder QR (YBPAY|…): no wallet could pay it
    _enter(desk, dlg.amount)  # the one key
    desk.wait_state(State.DONE)
    assert not dlg.isVisible()
    desk.wait_window_active()
    r = desk.ctl.receipt
    rows = _rows(desk, r.msgid)
    assert [(x.line.method, x.line.amount, x.setl_id, x.operator) for x in rows] == [("cash", due, r.setl_id, "0001")]
    assert [(t.method, t.amount) for t in r.tender_lines] == [("cash", due)] and r.change == 0
    desk.qtbot.waitUntil(lambda: len(_pdfs(desk)) == 1, timeout=10000)  # the receipt prints once paid
    assert "已收款" in desk.window.result.next_hint.text()
    assert desk.ca.customer.pay_caption.text() == "您已支付"
    desk.key("Escape")
    assert desk.ctl.state == State.IDLE


def test_over_tender_gives_change(desk):
    dlg = _settled(desk)
    due = desk.ctl.settlement.psn_cash_pay
    dlg.amount.selectAll()
    desk.qtbot.keyClicks(dlg.amount, "500")
    _enter(desk, dlg.amount)
    desk.wait_state(State.DONE)
    change = Decimal("500.00") - due
    (row,) = _rows(desk, desk.ctl.receipt.msgid)
    assert (row.line.amount, row.line.tendered, row.line.change) == (due, Decimal("500.00"), change)
    assert desk.ctl.receipt.change == change
    assert ("找零 " + fmt_yuan(change)) in desk.window.msg.text()
    cd = desk.ca.customer
    assert cd.pay_caption.text() == "找零" and cd.pay.text() == fmt_yuan(change)


def test_bad_amount_is_refused_with_the_field_named(desk):
    dlg = _settled(desk)
    dlg.amount.selectAll()
    desk.qtbot.keyClicks(dlg.amount, "12.345")
    _enter(desk, dlg.amount)
    assert "实收金额" in desk.window.msg.text() and desk.ctl.state == State.SETTLED
    assert desk.ctl.till.tender.lines == []


def test_split_tender_card_then_cash(desk):
    dlg = _settled(desk)
    due = desk.ctl.settlement.psn_cash_pay
    desk.qtbot.keyClick(dlg.amount, Qt.Key.Key_Down)  # ↓: bank card
    assert desk.ctl.till.method == "card" and dlg.reference.isVisible()
    dlg.amount.selectAll()
    desk.qtbot.keyClicks(dlg.amount, "200")
    desk.qtbot.keyClicks(dlg.reference, "POS20261203001")
    _enter(desk, dlg.reference)
    desk.qtbot.waitUntil(lambda: len(desk.ctl.till.tender.lines) == 1 and not desk.ctl.busy, timeout=5000)
    assert desk.ctl.state == State.TENDER  # part paid: the desk cannot go on
    # money moved on the POS: the line is in the journal already (a crash now must not lose it)
    saved = _rows(desk, desk.ctl.receipt.msgid)
    assert [(x.line.method, x.line.amount) for x in saved] == [("card", Decimal("200.00"))]
    rest = due - Decimal("200.00")
    assert dlg.amount.text() == f"{rest:.2f}" and desk.ctl.till.method == "cash"
    assert desk.ca.customer.pay.text() == fmt_yuan(rest) and "还需支付" in desk.ca.customer.pay_caption.text()
    _enter(desk, dlg.amount)
    desk.wait_state(State.DONE)
    rows = _rows(desk, desk.ctl.receipt.msgid)
    assert [(x.line.method, x.line.amount, x.line.reference) for x in rows] == [
        ("card", Decimal("200.00"), "POS20261203001"), ("cash", rest, "")]


def test_nothing_to_collect_at_zero(desk):
    desk.load_bill()
    desk.identify_by_id("hainan-retiree")
    desk.preview()
    desk.key("F9")
    desk.wait_state(State.SETTLED)
    assert desk.ctl.settlement.psn_cash_pay == 0
    desk.qtbot.wait(100)
    from terminal.ui.tender import TenderDialog

    assert desk.active_dialog(TenderDialog) is None  # no tender step, no "请收取现金"
    assert "无需收款" in desk.window.result.next_hint.text() and "请收取现金" not in desk.window.result.next_hint.text()
    assert desk.ca.customer.pay_caption.text() == "您无需支付现金"
    desk.qtbot.waitUntil(lambda: len(_pdfs(desk)) == 1, timeout=10000)
    assert _rows(desk, desk.ctl.receipt.msgid) == []
    desk.key("Escape")
    assert desk.ctl.state == State.IDLE


def test_the_next_patient_waits_for_the_tender(desk):
    from drivers.virtual import profile_for

    dlg = _settled(desk)
    desk.qtbot.keyClick(dlg, Qt.Key.Key_Escape)  # close the dialog: the money is still due
    desk.qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=2000)
    desk.wait_window_active()
    desk.key("Escape")
    assert desk.ctl.state == State.SETTLED and "尚未收款" in desk.window.msg.text()
    desk.reader.insert(profile_for("shanghai-employee"))  # a card does not skip it either
    desk.qtbot.wait(300)
    assert desk.ctl.state == State.SETTLED and desk.ctl.person.psn_no != "31000000000000000002"
    assert desk.window.settle_btn.isEnabled() and "收款" in desk.window.settle_btn.text()
    desk.key("F9")  # F9 opens the tender again
    dlg = desk.tender_dialog()
    _enter(desk, dlg.amount)
    desk.wait_state(State.DONE)


@pytest.fixture
def fast_desk(make_desk, ui_cfg):
    ui_cfg.tender.sandbox_timeout_s = 0.2
    return make_desk()


def test_payment_code_success_decline_and_timeout(fast_desk):
    desk = fast_desk
    dlg = _settled(desk)
    due = desk.ctl.settlement.psn_cash_pay
    sc = Scanner()
    sc.scan(dlg.amount, WECHAT_DECLINED)
    desk.wait_idle()
    assert "拒绝" in desk.window.msg.text() and desk.ctl.state == State.SETTLED
    assert desk.ctl.till.tender.lines == []
    sc.scan(dlg.amount, ALIPAY_TIMEOUT)
    desk.qtbot.waitUntil(lambda: desk.ctl.busy, timeout=2000)
    desk.wait_idle()
    assert "支付结果未知" in desk.window.msg.text() and desk.ctl.till.tender.lines == []
    sc.scan(dlg.amount, WECHAT_OK)  # the wallet comes from the code
    desk.wait_state(State.DONE)
    (row,) = _rows(desk, desk.ctl.receipt.msgid)
    assert row.line.method == "wechat" and row.line.amount == due and row.line.reference.startswith("SBXW")


def test_tenders_survive_a_restart(desk):
    dlg = _settled(desk)
    _enter(desk, dlg.amount)
    desk.wait_state(State.DONE)
    r = desk.ctl.receipt
    path = desk.ca.session.store.path
    with Store(path) as again:  # another process's view of the same journal file
        lines = again.tenders.lines_for(r.msgid)
        sums = again.tenders.sums(day=r.time[:10], by=("kind", "method"))
    assert [(x.method, x.amount) for x in lines] == [("cash", r.cash)]
    assert sums[("pay", "cash")] == r.cash


def _cancel(desk, reason_row: int = 0, text: str = ""):
    from terminal.ui.login import SupervisorDialog
    from terminal.ui.tender import CancelReasonDialog

    desk.wait_window_active()
    desk.key("F10")
    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), CancelReasonDialog), timeout=3000)
    why = QApplication.activeModalWidget()
    for _ in range(reason_row):
        desk.qtbot.keyClick(why.text, Qt.Key.Key_Down)
    if text:
        why.text.insert(text)  # what an IME commits (QTest cannot type CJK)
    desk.qtbot.keyClick(why.text, Qt.Key.Key_Return)
    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), SupervisorDialog), timeout=3000)
    sup = QApplication.activeModalWidget()
    desk.qtbot.keyClicks(sup.op_id, "9001")
    desk.qtbot.keyClicks(sup.pin, "9999")
    desk.qtbot.keyClick(sup.pin, Qt.Key.Key_Return)
    return why.reason()


def test_refund_by_the_original_tender(fast_desk):
    from terminal.ui.tender import RefundDialog

    desk = fast_desk
    dlg = _settled(desk)
    due = desk.ctl.settlement.psn_cash_pay
    dlg.amount.selectAll()
    desk.qtbot.keyClicks(dlg.amount, "100")
    Scanner().scan(dlg.amount, WECHAT_OK)  # ¥100.00 by WeChat Pay
    desk.qtbot.waitUntil(lambda: desk.ctl.state == State.TENDER and not desk.ctl.busy, timeout=5000)
    _enter(desk, dlg.amount)  # the rest in cash
    desk.wait_state(State.DONE)
    r = desk.ctl.receipt
    reason = _cancel(desk, 1, "数量录错")
    assert reason == "收费项目或数量有误：数量录错"
    desk.wait_state(State.CANCELLED)
    desk.qtbot.waitUntil(lambda: desk.active_dialog(RefundDialog) is not None, timeout=3000)
    rd = desk.active_dialog(RefundDialog)
    cd = desk.ca.customer
    assert cd.pay_caption.text() == "退还您" and cd.pay.text() == fmt_yuan(due)
    assert "您需支付" not in cd.pay_caption.text()
    cash_back = due - Decimal("100.00")
    assert fmt_yuan(cash_back) in rd.hint.text() and "退还" in rd.hint.text()  # the cashier is told
    desk.qtbot.keyClick(rd, Qt.Key.Key_Return)  # cash handed back
    desk.qtbot.keyClick(rd, Qt.Key.Key_Return)  # WeChat Pay back to the original payment
    desk.qtbot.waitUntil(lambda: desk.ctl.till.refund.complete and not desk.ctl.busy, timeout=5000)
    back = _rows(desk, r.msgid, "refund")
    assert [(x.line.method, x.line.amount) for x in back] == [("cash", cash_back), ("wechat", Decimal("100.00"))]
    assert all(reason in x.note and "9001" in x.note for x in back)
    assert back[1].line.reference.startswith("SBXR")
    assert cd.pay_caption.text() == "已退还您"
    desk.qtbot.waitUntil(lambda: len(_pdfs(desk, "*-refund.pdf")) == 1, timeout=10000)
    desk.qtbot.keyClick(rd, Qt.Key.Key_Return)
    desk.qtbot.waitUntil(lambda: not rd.isVisible(), timeout=2000)
    desk.wait_window_active()
    desk.key("Escape")
    assert desk.ctl.state == State.IDLE


def test_self_pay_for_a_refused_person(desk):
    desk.load_bill()
    desk.identify_by_id("suspended")
    cd = desk.ca.customer
    assert "不能结算" in cd.state_label.text() and "暂停" in cd.state_label.text()  # the patient is told
    assert desk.window.self_pay_btn.isVisible()
    before = len(desk.sandbox.ledger())
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_F9, Qt.KeyboardModifier.ControlModifier)
    dlg = desk.tender_dialog()
    total = desk.ctl.bill_total
    assert dlg.amount.text() == f"{total:.2f}" and "自费" in dlg.title.text()
    assert "自费" in cd.state_label.text() and cd.pay.text() == fmt_yuan(total)
    _enter(desk, dlg.amount)
    desk.qtbot.waitUntil(lambda: desk.ctl.state == State.IDLE, timeout=5000)
    assert len(desk.sandbox.ledger()) == before  # no platform call
    store = desk.ca.session.store
    (row,) = [r for r in store.sdb.rows("SELECT * FROM tenders") if r["msgid"].startswith("SELF")]
    assert (row["method"], Decimal(row["amount"]), row["setl_id"]) == ("cash", total, "")
    assert "自费" in row["note"]
    desk.qtbot.waitUntil(lambda: len(_pdfs(desk, "*-selfpay.pdf")) == 1, timeout=10000)
    assert cd.state_label.text() == "自费收款完成，谢谢"


def test_self_pay_after_the_platform_refuses_the_bill(desk):
    desk.load_bill()
    desk.identify_by_id("guizhou-resident")
    assert not desk.window.self_pay_btn.isVisible()
    desk.sandbox.arm_fault("business_error", infno="2206", err_msg="参保人无门诊待遇享受资格")
    desk.key("F5")
    desk.wait_idle()
    assert desk.ctl.state == State.BILLED and "Ctrl+F9" in desk.window.msg.text()
    assert "无门诊待遇" in desk.ca.customer.state_label.text()  # the patient is told, not "正在为您办理医保结算…"
    assert desk.window.self_pay_btn.isVisible() and desk.window.self_pay_btn.isEnabled()
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_F9, Qt.KeyboardModifier.ControlModifier)
    dlg = desk.tender_dialog()
    _enter(desk, dlg.amount)
    desk.qtbot.waitUntil(lambda: desk.ctl.state == State.IDLE, timeout=5000)
    assert not [r for r in desk.sandbox.ledger() if r["infno"] == "2207"]
    (row,) = desk.ca.session.store.sdb.rows("SELECT * FROM tenders")
    assert row["msgid"].startswith("SELF") and "无门诊待遇" in row["note"]


def test_self_pay_is_not_offered_to_an_insured_person(desk):
    desk.load_bill()
    desk.identify_by_id("sichuan-resident")
    assert not desk.window.self_pay_btn.isVisible()
    assert not desk.ctl.self_pay() and "可以医保结算" in desk.window.msg.text()


@pytest.fixture
def pos_desk(make_desk, ui_cfg):
    ui_cfg.tender.provider = "pos"  # production's provider: the hospital's own POS takes the money
    return make_desk()


def test_pos_reference_is_recorded_and_payment_codes_go_to_the_pos(pos_desk):
    desk = pos_desk
    dlg = _settled(desk)
    due = desk.ctl.settlement.psn_cash_pay
    Scanner().scan(dlg.amount, WECHAT_OK)  # this terminal takes no payment code itself
    assert "收款设备" in desk.window.msg.text() and desk.ctl.till.tender.lines == []
    desk.qtbot.keyClick(dlg.amount, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # Alt+2: bank card
    assert desk.ctl.till.method == "card" and dlg.reference.isVisible()
    desk.qtbot.keyClicks(dlg.reference, "12")
    _enter(desk, dlg.reference)
    desk.wait_idle()
    assert "参考号" in desk.window.msg.text() and desk.ctl.till.tender.lines == []  # refused, the field named
    dlg.reference.clear()
    desk.qtbot.keyClicks(dlg.reference, "881234567890")
    _enter(desk, dlg.reference)
    desk.wait_state(State.DONE)
    (row,) = _rows(desk, desk.ctl.receipt.msgid)
    assert (row.line.method, row.line.amount, row.line.reference) == ("card", due, "881234567890")
