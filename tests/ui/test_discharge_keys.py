"""Issue 13 §6 through the real window (F12 from the cashier's window, with the customer display): the discharge
desk has the cashier window's keys (F1 card, F3 search, F5, F9, Esc), F9 asks first with the amount to refund or
collect, a settlement prints its slip, shows on the customer display and hands the tender step what is due; Esc
leaves nothing of the previous patient, on the desk or on the customer display."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt

from drivers.virtual import profile_for
from terminal.core import wire
from terminal.core.inpatient import InpatientBill
from terminal.core.models import Credential

from tests.support import PERSONS, ROOT

SHOTS = Path("/tmp/deskfix")


def _admit(app_desk, deposit: str = "5000"):
    ward = app_desk.ca.session.discharge_service()
    ib = InpatientBill.from_dict(wire.loads((ROOT / "resources/bills/inpatient-cataract-nanning.json")
                                            .read_text(encoding="utf-8")))
    cred = Credential("02", PERSONS["hainan-retiree"]["certno"])
    ib.form.begntime = (datetime.now() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    st = ward.admit(cred, ward.identify(cred), ib.form, deposit=deposit)
    ward.add_fees(st.adm_no, ib.bill.items, fee_ocur_time=ib.fee_times(st.begntime))
    return st


def _open(desk):
    desk.key("F12")
    d = desk.window.dialogs["discharge"]
    desk.qtbot.waitExposed(d)
    d.activateWindow()
    d.raise_()
    desk.qtbot.waitUntil(lambda: d.isActiveWindow(), timeout=3000)
    return d


def _idle(desk, d):
    desk.qtbot.waitUntil(lambda: not d.busy, timeout=15000)


def _pdfs(desk, pattern):
    return sorted(Path(desk.ca.cfg.printer.pdf_dir).glob(pattern))


def test_discharge_desk_keys_confirmation_slip_display_and_esc(desk):
    qtbot = desk.qtbot
    st = _admit(desk)
    d = _open(desk)
    cd = desk.ca.customer
    # F1 reads the card, as in the cashier's window
    desk.reader.insert(profile_for("hainan-retiree"))
    desk.wait_idle()  # the cashier's window identifies the inserted card by itself
    d.activateWindow()
    qtbot.waitUntil(lambda: d.isActiveWindow(), timeout=3000)
    qtbot.keyClick(d, Qt.Key.Key_F1)
    _idle(desk, d)
    assert d.stay is not None and d.stay.adm_no == st.adm_no, d.status.text()
    assert d.status.property("kind") == "ok"
    assert cd.greeting.text().startswith("您好，")
    # F3 goes to the search field (ID number / admission number); Enter finds
    qtbot.keyClick(d, Qt.Key.Key_F3)
    assert d.query.hasFocus()
    qtbot.keyClicks(d.query, st.adm_no)
    qtbot.keyClick(d.query, Qt.Key.Key_Return)
    _idle(desk, d)
    assert d.stay.adm_no == st.adm_no
    qtbot.keyClick(d, Qt.Key.Key_F5)
    _idle(desk, d)
    assert d.previewed and d.settle_btn.property("kind") == "primary"
    pv = d.result.settlement
    refund = Decimal("5000.00") - pv.psn_cash_pay
    # the customer display shows the pre-settlement and the refund
    assert cd.state_label.text() == "请核对金额"
    assert cd.pay_caption.text() == "退还您（预交金余额）" and cd.pay.text() == f"¥{refund:,.2f}"
    assert cd.pay.isVisible() or not cd.isVisible()
    # F9 asks first, naming the refund; Esc keeps the pre-settlement and sends nothing
    qtbot.keyClick(d, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: d.confirm_box is not None and d.confirm_box.isVisible(), timeout=3000)
    assert f"应退款 ¥{refund:,.2f}" in d.confirm_box.text()
    assert f"个人现金 ¥{pv.psn_cash_pay:,.2f}" in d.confirm_box.text()
    SHOTS.mkdir(exist_ok=True)
    d.grab().save(str(SHOTS / "discharge-confirm-desk.png"))
    d.confirm_box.grab().save(str(SHOTS / "discharge-confirm.png"))
    qtbot.keyClick(d.confirm_box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: d.confirm_box is None, timeout=3000)
    assert d.previewed and "未结算" in d.status.text()
    assert not [x for x in desk.sandbox.ledger() if x["infno"] == "2304"]
    # F9, Enter: settled, the slip printed, the display updated, the tender step told what is due
    tendered = []
    d.tender_due.connect(lambda due, r: tendered.append((due.kind, due.amount)))
    qtbot.keyClick(d, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: d.confirm_box is not None, timeout=3000)
    with qtbot.waitSignal(d.settled, timeout=15000):
        qtbot.keyClick(d.confirm_box, Qt.Key.Key_Return)
    _idle(desk, d)
    # the deposit surplus goes back through the refund dialog (Enter: the cash handed back), then the slip prints
    qtbot.waitUntil(lambda: d.tender.dialog is not None and d.tender.dialog.isVisible(), timeout=3000)
    with qtbot.waitSignal(d.printed, timeout=15000):
        qtbot.keyClick(d.tender.dialog, Qt.Key.Key_Return)
    qtbot.keyClick(d.tender.dialog, Qt.Key.Key_Return)  # closes the finished refund
    qtbot.waitUntil(lambda: d.isActiveWindow(), timeout=3000)
    s = d.result.settlement
    assert d.stay.state == "settled"
    assert [x["status"] for x in desk.sandbox.ledger() if x["infno"] == "2304"] == ["booked"]
    assert [p.name for p in _pdfs(desk, "discharge-*.pdf")][0].startswith(f"discharge-{s.setl_id}")
    assert tendered == [("refund", Decimal("5000.00") - s.psn_cash_pay)]
    assert cd.state_label.text() == "已退还您" and cd.pay.text() == f"¥{5000 - s.psn_cash_pay:,.2f}"
    assert cd.acct.text() == f"个人现金 ¥{s.psn_cash_pay:,.2f}，已交预交金 ¥5,000.00"
    assert "出院结算单已输出" in d.status.text() and "退款完成" in d.status.text()
    desk.window.render()  # the cashier's window redraws: the stay stays on the display
    desk.ctl.status.changed.emit()
    assert cd.state_label.text() == "已退还您"
    d.grab().save(str(SHOTS / "discharge-settled.png"))
    cd.grab().save(str(SHOTS / "discharge-customer.png"))
    # Ctrl+P reprints the slip
    with qtbot.waitSignal(d.printed, timeout=15000):
        qtbot.keyClick(d, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert len(_pdfs(desk, "discharge-*.pdf")) == 2
    # Esc: the next patient; nothing of this one stays, here or on the customer display
    qtbot.keyClick(d, Qt.Key.Key_Escape)
    assert d.stay is None and d.due_amount.text() == "" and d.due_caption.text() == ""
    assert d.receipt_text() == "" and d.status.text() == "" and d.fees.rowCount() in (0, 1)
    assert all(lbl.text() == "" for lbl in d._amount_labels.values())
    assert not cd.pay.isVisible() and cd.state_label.text() not in ("出院结算完成，谢谢", "已退还您")
    assert f"{5000 - s.psn_cash_pay:,.2f}" not in cd.pay.text() or not cd.pay.isVisible()
    assert d.query.hasFocus()
    # closing the desk hands the display back to the cashier's window
    qtbot.keyClicks(d.query, st.adm_no)
    qtbot.keyClick(d.query, Qt.Key.Key_Return)
    _idle(desk, d)
    assert cd.state_label.text() == "正在为您办理出院结算…"
    d.close()
    # the cashier's window identified the inserted card at the start: its patient shows again
    assert desk.ctl.person is not None and cd.state_label.text() == "正在为您办理医保结算…"


def test_an_ecode_scanned_at_the_discharge_desk_finds_the_stay_there(desk):
    """A 2D scanner types wherever the focus is; with the discharge desk the active window the patient's e-code
    finds their stay there, and the cashier's window is left alone."""
    from terminal.core.flow import State

    st = _admit(desk)
    d = _open(desk)
    code, _ = desk.sandbox.issue_ecode("hainan-retiree")
    desk.window.on_scanned(code)  # what the window's WedgeFilter emits for a scan
    _idle(desk, d)
    assert d.stay is not None and d.stay.adm_no == st.adm_no, d.status.text()
    assert desk.ctl.state == State.IDLE and desk.ctl.person is None
