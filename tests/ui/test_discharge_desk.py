"""The discharge desk widget driven like a cashier would, against the sandbox platform over HTTP."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from terminal.backend.client import client_from_config
from terminal.core import wire
from terminal.core.inpatient import InpatientBill
from terminal.core.models import Credential
from terminal.services.inpatient import DischargeService
from terminal.store.wardbook import WardBook
from tests.support import PERSONS, ROOT


HAINAN = PERSONS["hainan-retiree"]


@pytest.fixture
def ward(ui_cfg, sandbox, tmp_path):
    cl = client_from_config(ui_cfg, sandbox.url, msgid_state=tmp_path / "msgid.state")
    book = WardBook(tmp_path / "inpatient.sqlite")
    svc = DischargeService(cl, treatment_admdvs=ui_cfg.facility.admdvs, book=book)
    yield svc
    book.close()
    cl.close()


def admit_cataract(svc: DischargeService, deposit: str = "5000"):
    ib = InpatientBill.from_dict(wire.loads((ROOT / "resources/bills/inpatient-cataract-nanning.json")
                                            .read_text(encoding="utf-8")))
    cred = Credential("02", HAINAN["certno"])
    ib.form.begntime = (datetime.now() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    st = svc.admit(cred, svc.identify(cred), ib.form, deposit=deposit)
    svc.add_fees(st.adm_no, ib.bill.items, fee_ocur_time=ib.fee_times(st.begntime))  # not uploaded yet
    return st, ib


@pytest.fixture
def desk(qtbot, ui_cfg, ward):
    from terminal.ui.discharge import DischargeDesk

    calls = []

    class Card:
        def read(self):
            calls.append(threading.current_thread() is threading.main_thread())
            from terminal.core.models import CardData

            c = HAINAN["card"]
            return CardData(card_sn=c["card_sn"], card_no=c["card_no"], version=c["version"])

    w = DischargeDesk(ui_cfg, lambda: ward, card_reader=Card())
    w.card_calls = calls
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def idle(qtbot, w, timeout=15000):
    qtbot.waitUntil(lambda: not w.busy, timeout=timeout)


def test_discharge_story_on_the_desk(qtbot, desk, ward, sandbox):
    st, ib = admit_cataract(ward)
    seen_threads = []
    orig = ward.preview

    def spy(*a, **kw):
        seen_threads.append(threading.current_thread() is threading.main_thread())
        return orig(*a, **kw)

    ward.preview = spy
    # find by ID number (1101 -> the person's open stay)
    desk.query.setFocus()
    qtbot.keyClicks(desk.query, HAINAN["certno"])
    qtbot.keyClick(desk.query, Qt.Key.Key_Return)
    idle(qtbot, desk)
    assert desk.stay is not None and desk.stay.adm_no == st.adm_no
    assert desk.badge.text() == "跨省异地" and "¥5,000.00" in desk.stay_info.text()
    cats = [desk.fees.item(r, 0).text() for r in range(desk.fees.rowCount())]
    assert "未分类" in cats  # not uploaded yet: no classes until the platform classifies them
    assert not desk.settle_btn.isEnabled()  # settle only after a pre-settlement
    qtbot.keyClick(desk, Qt.Key.Key_F9)
    assert not desk.busy and not [r for r in sandbox.ledger() if r["infno"] == "2304"]
    # F5: upload (2301) and pre-settle (2303), off the UI thread
    qtbot.keyClick(desk, Qt.Key.Key_F5)
    idle(qtbot, desk)
    assert seen_threads == [False]
    assert desk.previewed and desk.settle_btn.isEnabled(), desk.status.text()
    cats = {desk.fees.item(r, 0).text() for r in range(desk.fees.rowCount())}
    assert {"手术费", "卫生材料费", "床位费", "护理费", "合计"} <= cats and "未分类" not in cats
    assert "甲类" in desk.levels.text() and "丙类" in desk.levels.text()
    assert desk.due_caption.text() == "应退款" and "预结算" in desk.receipt_text()
    pv = desk.result.settlement
    assert desk._amount_labels["psn_cash_pay"].text() == f"¥{pv.psn_cash_pay:,.2f}"
    # F9: a confirmation with the refund, then (Enter) discharge (2402) and settle (2304)
    qtbot.keyClick(desk, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: desk.confirm_box is not None and desk.confirm_box.isVisible(), timeout=3000)
    assert "应退款" in desk.confirm_box.text()
    with qtbot.waitSignal(desk.settled, timeout=15000) as sig:
        qtbot.keyClick(desk.confirm_box, Qt.Key.Key_Return)
    r = sig.args[0]
    idle(qtbot, desk)
    s = r.settlement
    assert s.identity_errors() == [] and s.psn_cash_pay == pv.psn_cash_pay
    assert desk.stay.state == "settled" and desk.state_label.text() == "已结算"
    text = desk.receipt_text()
    assert "住院费用结算单" in text and s.setl_id in text and "预交金合计" in text and "★ 应退款" in text
    assert f"¥{Decimal('5000') - s.psn_cash_pay:,.2f}" in desk.due_amount.text()
    assert [x["status"] for x in sandbox.ledger() if x["infno"] == "2304"] == ["booked"]
    assert not desk.preview_btn.isEnabled() and desk.cancel_btn.isEnabled()
    # cancel (2305) from the desk: the stay is open again, the money stays as deposit
    with qtbot.waitSignal(desk.cancelled, timeout=15000):
        desk.cancel_settlement(confirm=False)
    idle(qtbot, desk)
    assert desk.stay.state == "discharged" and desk.stay.held == s.psn_cash_pay
    assert desk.preview_btn.isEnabled() and not desk.settle_btn.isEnabled()


def test_lost_answer_on_2304_is_reversed_and_the_desk_says_so(qtbot, desk, ward, sandbox):
    st, _ = admit_cataract(ward)
    desk.find(st.adm_no)  # by admission number
    idle(qtbot, desk)
    assert desk.stay.adm_no == st.adm_no
    # by card too (read on a worker thread)
    qtbot.keyClick(desk, Qt.Key.Key_F1)  # the card key, as in the cashier's window
    idle(qtbot, desk)
    assert desk.card_calls == [False] and desk.stay.adm_no == st.adm_no
    desk.preview()
    idle(qtbot, desk)
    sandbox.arm_fault("lost_answer", infno="2304")
    desk.settle(confirm=False)
    idle(qtbot, desk)
    assert "结算结果未知" in desk.status.text() and "已自动冲正" in desk.status.text()
    assert [x["status"] for x in sandbox.ledger() if x["infno"] == "2304"] == ["reversed"]
    qtbot.waitUntil(lambda: desk.stay.state == "discharged", timeout=5000)
    assert not desk.settle_btn.isEnabled()  # pre-settle again first
    desk.preview()
    idle(qtbot, desk)
    desk.settle(confirm=False)
    idle(qtbot, desk)
    assert desk.stay.state == "settled"
    assert [x["status"] for x in sandbox.ledger() if x["infno"] == "2304"] == ["reversed", "booked"]


def test_not_found_and_unfiled_messages(qtbot, desk, ward):
    desk.find("ZY000000")
    idle(qtbot, desk)
    assert "没有住院号" in desk.status.text() and desk.stay is None
    desk.find(PERSONS["guizhou-resident"]["certno"])
    idle(qtbot, desk)
    assert "没有在院或待结算" in desk.status.text()
