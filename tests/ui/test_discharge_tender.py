"""Issue 13 §6: the discharge desk's tender (F12 → find → F5 → F9 → Enter → tender / refund), through the real
window, the sandbox platform and the journal's tenders table."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from terminal.core import wire
from terminal.core.inpatient import InpatientBill
from terminal.core.models import Credential
from terminal.core.tender import PAY, REFUND
from tests.support import PERSONS, ROOT

SHOTS = "/tmp/dt"


def _settle(qtbot, desk, deposit: str, method: str = "现金"):
    """F12, the ward admits the Hainan retiree with ``deposit``, the cashier finds the stay, F5, F9, Enter."""
    qtbot.keyClick(desk.window, Qt.Key.Key_F12)
    d = desk.window.dialogs["discharge"]
    ward = desk.ca.session.discharge_service()
    ib = InpatientBill.from_dict(wire.loads((ROOT / "resources/bills/inpatient-cataract-nanning.json")
                                            .read_text(encoding="utf-8")))
    cred = Credential("02", PERSONS["hainan-retiree"]["certno"])
    ib.form.begntime = (datetime.now() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    st = ward.admit(cred, ward.identify(cred), ib.form, deposit=deposit, method=method)
    ward.add_fees(st.adm_no, ib.bill.items, fee_ocur_time=ib.fee_times(st.begntime))
    qtbot.keyClick(d, Qt.Key.Key_F3)
    qtbot.keyClicks(d.query, st.adm_no)
    qtbot.keyClick(d.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not d.busy and d.stay is not None, timeout=15000)
    qtbot.keyClick(d, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not d.busy and d.previewed, timeout=15000)
    qtbot.keyClick(d, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: d.confirm_box is not None and d.confirm_box.isVisible(), timeout=3000)
    printed: list[str] = []
    d.printed.connect(printed.append)
    with qtbot.waitSignal(d.settled, timeout=15000) as sig:
        qtbot.keyClick(d.confirm_box, Qt.Key.Key_Return)
    return d, sig.args[0], printed


def test_discharge_balance_due_is_tendered_in_cash_with_change(qtbot, desk):
    d, r, printed = _settle(qtbot, desk, "100")
    due = d.machine.due_now()
    assert due.kind == "collect" and due.amount == r.settlement.psn_cash_pay - Decimal("100")
    dlg = d.tender.dialog
    qtbot.waitUntil(lambda: dlg is not None and dlg.isVisible(), timeout=3000)
    assert dlg.amount.text() == f"{due.amount:.2f}"  # Enter alone would be exact cash
    cd = desk.window.customer
    assert cd.pay.text() == f"¥{due.amount:,.2f}" and "补缴" in cd.pay_caption.text()
    assert printed == []  # the slip waits for the tender
    # Esc closes the dialog but not the tender: Esc on the desk does not leave, F9 opens the tender again
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is d, timeout=3000)
    assert not dlg.isVisible()
    qtbot.keyClick(d, Qt.Key.Key_Escape)
    assert d.stay is not None and "尚未收款" in d.status.text()
    qtbot.waitUntil(lambda: d.tender.dialog.isVisible(), timeout=3000)
    d.tender.dialog.reject()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is d, timeout=3000)
    qtbot.keyClick(d, Qt.Key.Key_F9)
    dlg = d.tender.dialog
    qtbot.waitUntil(lambda: dlg.isVisible(), timeout=3000)
    handed = (due.amount // 100 + 1) * 100
    dlg.grab().save(f"{SHOTS}/tender.png")
    dlg.amount.selectAll()
    qtbot.keyClicks(dlg.amount, str(handed))
    qtbot.keyClick(dlg.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=3000)
    change = handed - due.amount
    rows = desk.ca.session.store.tenders.tenders_for(r.msgid)
    assert [(x.kind, x.setl_id, x.line.method, x.line.amount, x.line.tendered, x.line.change) for x in rows] == \
        [(PAY, r.settlement.setl_id, "deposit", Decimal("100.00"), Decimal("100.00"), Decimal("0.00")),
         (PAY, r.settlement.setl_id, "cash", due.amount, handed, change)]
    assert rows[1].note == "出院补缴" and rows[1].operator == "0001"
    # the shift report: the settlement is tendered; the drawer got the balance (handed over minus change)
    rep = desk.ca.session.store.shifts.report("0001")
    assert rep.untendered == [] and rep.expected_cash == due.amount
    assert rep.cash_tendered == handed and rep.change_given == change
    assert desk.ca.session.store.tenders.sums(by=("kind", "method"))[(PAY, "cash")] == due.amount
    qtbot.waitUntil(lambda: len(printed) == 1, timeout=15000)
    slip = d.tender.slip_lines()
    assert any("找零" in x and f"{change:,.2f}" in x for x in slip), slip
    assert any("实收" in x and f"{handed:,.2f}" in x for x in slip), slip
    assert d.receipt_text().endswith("\n".join(slip))  # the slip on screen as printed
    assert "找零" in cd.state_label.text() and cd.pay.text() == f"¥{change:,.2f}"
    assert "找零" in d.status.text()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is d, timeout=3000)
    d.grab().save(f"{SHOTS}/desk-collect.png")
    cd.grab().save(f"{SHOTS}/customer-collect.png")
    qtbot.keyClick(d, Qt.Key.Key_Escape)
    assert d.stay is None


def test_discharge_deposit_surplus_is_refunded_in_cash(qtbot, desk):
    d, r, printed = _settle(qtbot, desk, "5000")
    due = d.machine.due_now()
    assert due.kind == "refund" and due.amount == Decimal("5000") - r.settlement.psn_cash_pay
    dlg = d.tender.dialog
    qtbot.waitUntil(lambda: dlg is not None and dlg.isVisible(), timeout=3000)
    assert dlg.objectName() == "dischargeRefundDialog"
    assert f"{due.amount:,.2f}" in dlg.amount.text() and "预交金余额" in dlg.title.text()
    assert "撤销" not in dlg.title.text() + dlg.reason.text()
    cd = desk.window.customer
    assert f"{due.amount:,.2f}" in cd.pay.text()
    qtbot.keyClick(d, Qt.Key.Key_Escape)  # the refund must be finished before the next patient
    assert d.stay is not None
    assert d.tender.dialog is dlg and dlg.isVisible()
    dlg.grab().save(f"{SHOTS}/refund.png")
    qtbot.keyClick(dlg, Qt.Key.Key_Return)  # the cash is handed back
    rows = desk.ca.session.store.tenders.tenders_for(r.msgid, kind=None)
    assert [(x.kind, x.setl_id, x.line.method, x.line.amount) for x in rows] == \
        [(PAY, r.settlement.setl_id, "deposit", r.settlement.psn_cash_pay),
         (REFUND, r.settlement.setl_id, "cash", due.amount)]
    rep = desk.ca.session.store.shifts.report("0001")
    assert rep.untendered == [] and rep.expected_cash == -due.amount  # the drawer paid the surplus out
    assert desk.ca.session.store.tenders.sums(by=("kind", "method"))[(REFUND, "cash")] == due.amount
    qtbot.waitUntil(lambda: len(printed) == 1, timeout=15000)
    assert any("退还预交金余额" in x for x in d.tender.slip_lines())
    assert "已退还您" in cd.state_label.text()
    cd.grab().save(f"{SHOTS}/customer-refund.png")
    qtbot.keyClick(dlg, Qt.Key.Key_Return)  # closes the finished refund
    qtbot.waitUntil(lambda: QApplication.activeWindow() is d, timeout=3000)
    qtbot.keyClick(d, Qt.Key.Key_Escape)
    assert d.stay is None


def test_discharge_deposit_covering_the_cash_share_needs_no_tender(qtbot, desk):
    d, r, printed = _settle(qtbot, desk, "2647.64")
    assert r.settlement.psn_cash_pay == Decimal("2647.64")  # the bill's cash share: the deposit covers it exactly
    assert d.machine.due_now().kind == "even"
    assert d.tender.dialog is None and not d.tender.open
    assert "无需收款" in d.status.text()
    rows = desk.ca.session.store.tenders.tenders_for(r.msgid, kind=None)
    assert [(x.kind, x.line.method, x.line.amount) for x in rows] == [(PAY, "deposit", Decimal("2647.64"))]
    rep = desk.ca.session.store.shifts.report("0001")
    assert rep.untendered == [] and rep.expected_cash == 0  # nothing crossed the counter
    qtbot.waitUntil(lambda: len(printed) == 1, timeout=15000)
    assert d.tender.slip_lines() == ["无需收款"]
    qtbot.keyClick(d, Qt.Key.Key_Escape)
    assert d.stay is None


def test_a_card_deposit_surplus_goes_back_to_the_card(qtbot, desk):
    d, r, printed = _settle(qtbot, desk, "5000", method="银行卡")
    due = d.machine.due_now()
    dlg = d.tender.dialog
    qtbot.waitUntil(lambda: dlg is not None and dlg.isVisible(), timeout=3000)
    assert "银行卡" in dlg.lines.text() and dlg.reference.isVisible()  # the POS refund slip's reference
    qtbot.keyClicks(dlg.reference, "RF20261203A")
    qtbot.keyClick(dlg.reference, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not d.tender.open, timeout=15000)
    rows = desk.ca.session.store.tenders.tenders_for(r.msgid, kind=REFUND)
    assert [(x.line.method, x.line.amount, x.line.reference) for x in rows] == [("card", due.amount, "RF20261203A")]
    assert desk.ca.session.store.shifts.report("0001").expected_cash == 0  # no cash left the drawer
    qtbot.waitUntil(lambda: len(printed) == 1, timeout=15000)
    assert any("银行卡" in x for x in d.tender.slip_lines())
