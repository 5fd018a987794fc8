"""The discharge desk is reachable from the cashier's window (F12) and settles through the app's session."""
from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt

from terminal.core import wire
from terminal.core.inpatient import InpatientBill
from terminal.core.models import Credential
from tests.support import PERSONS, ROOT



def test_f12_opens_the_discharge_desk_and_it_settles_with_the_journal(qtbot, desk):
    from terminal.ui.discharge import DischargeDesk

    qtbot.keyClick(desk.window, Qt.Key.Key_F12)
    d = desk.window.dialogs.get("discharge")
    assert isinstance(d, DischargeDesk) and d.isVisible()
    # the ward admitted the Hainan retiree three days ago (same session: same journal, same sign-in)
    ward = desk.ca.session.discharge_service()
    ib = InpatientBill.from_dict(wire.loads((ROOT / "resources/bills/inpatient-cataract-nanning.json")
                                            .read_text(encoding="utf-8")))
    cred = Credential("02", PERSONS["hainan-retiree"]["certno"])
    ib.form.begntime = (datetime.now() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    st = ward.admit(cred, ward.identify(cred), ib.form, deposit="5000")
    ward.add_fees(st.adm_no, ib.bill.items, fee_ocur_time=ib.fee_times(st.begntime))
    d.find(st.adm_no)
    qtbot.waitUntil(lambda: not d.busy and d.stay is not None, timeout=15000)
    qtbot.keyClick(d, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not d.busy and d.previewed, timeout=15000)
    qtbot.keyClick(d, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: d.confirm_box is not None and d.confirm_box.isVisible(), timeout=3000)
    with qtbot.waitSignal(d.settled, timeout=15000) as sig:
        qtbot.keyClick(d.confirm_box, Qt.Key.Key_Return)
    s = sig.args[0].settlement
    assert s.identity_errors() == []
    assert [x["status"] for x in desk.sandbox.ledger() if x["infno"] == "2304"] == ["booked"]
    # the app's journal has the inpatient settlement in the day's book
    assert [x["setl_id"] for x in desk.ca.session.store.settlements()] == [s.setl_id]
    # F12 again brings the same window back
    qtbot.keyClick(desk.window, Qt.Key.Key_F12)
    assert desk.window.dialogs["discharge"] is d
