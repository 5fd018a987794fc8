"""The discharge desk (F12) with fund supervision on, against the sandbox over HTTP: F5 runs 3102 on the fees about
to go up (the dialog, continued by keys), uploads, runs 3101 (the dialog again, sent back by keys): the 3103s the
sandbox received, and nothing pre-settled."""
from __future__ import annotations

import os
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from terminal.app.wiring import discharge_service
from terminal.backend.client import client_from_config
from terminal.core import wire
from terminal.core.inpatient import InpatientBill
from terminal.core.models import Credential, FeeItem
from terminal.core.stay import Phase
from terminal.store.wardbook import WardBook
from terminal.ui.risk import RiskDialog
from tests.support import PERSONS, ROOT

TCT = FeeItem("NNXM0092", "002701000110000", "宫颈细胞学检查(TCT)", Decimal("120.00"), Decimal("1"))


@pytest.fixture
def ward(ui_cfg, sandbox, tmp_path):
    cl = client_from_config(ui_cfg, sandbox.url, msgid_state=tmp_path / "msgid.state")
    book = WardBook(tmp_path / "inpatient.sqlite")
    yield discharge_service(ui_cfg, cl, store=None, book=book)
    book.close()
    cl.close()


def test_f12_3102_continued_then_3101_sent_back(qtbot, ui_cfg, ward, sandbox, tmp_path):
    from terminal.ui.discharge import DischargeDesk
    from terminal.ui.risk import attach_stay_risk

    ib = InpatientBill.from_dict(wire.loads((ROOT / "resources/bills/inpatient-cataract-nanning.json")
                                            .read_text(encoding="utf-8")))
    cred = Credential("02", PERSONS["hainan-retiree"]["certno"])  # 符大海, male
    ib.form.begntime = (datetime.now() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    st = ward.admit(cred, ward.identify(cred), ib.form, deposit="5000")
    ward.add_fees(st.adm_no, [*ib.bill.items, TCT], fee_ocur_time=st.begntime)
    desk = DischargeDesk(ui_cfg, lambda: ward)
    attach_stay_risk(desk)
    qtbot.addWidget(desk)
    desk.show()
    qtbot.waitExposed(desk)
    desk.query.setFocus()
    qtbot.keyClicks(desk.query, st.adm_no)
    qtbot.keyClick(desk.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desk.stay is not None and not desk.busy, timeout=15000)
    qtbot.keyClick(desk, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: getattr(desk, "risk_dialog", None) is not None and desk.risk_dialog.isVisible(),
                    timeout=15000)
    dlg: RiskDialog = desk.risk_dialog
    assert dlg.windowTitle() == "医保事中审核提示" and [v.rule_id for v in dlg.review.violations] == ["SBX-SEX-0002"]
    assert ward.book.count_lines(st.adm_no, ("new",)) == len(ib.bill.items) + 1  # nothing uploaded yet
    if os.environ.get("YIBAO_KEEP_SHOTS"):
        dlg.grab().save(os.environ["YIBAO_KEEP_SHOTS"] + "/risk-discharge.png")
    qtbot.keyClick(dlg.table, Qt.Key.Key_1)
    dlg.reason.insert("医嘱核实")
    qtbot.keyClick(dlg.reason, Qt.Key.Key_Return)
    qtbot.keyClick(dlg.table, Qt.Key.Key_Return)
    # 3103, the upload, then 3101 finds the same line: the dialog again, now 事前
    qtbot.waitUntil(lambda: desk.risk_dialog is not dlg and desk.risk_dialog.isVisible(), timeout=15000)
    dlg2: RiskDialog = desk.risk_dialog
    assert dlg2.windowTitle() == "医保事前审核提示" and ward.book.count_lines(st.adm_no, ("new",)) == 0
    qtbot.keyClick(dlg2.table, Qt.Key.Key_2)
    qtbot.keyClick(dlg2.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(sandbox.platform.risk_feedback()) == 2 and not desk.busy, timeout=15000)
    got = [(r["warn_type"], r["dspo_way"], r["dspo_way_rea"]) for r in sandbox.platform.risk_feedback()]
    assert got == [("2", "1", "医嘱核实"), ("1", "2", "")]
    assert desk.machine.phase == Phase.FOUND and not desk.previewed and "返回修改" in desk.status.text()
    assert not [r for r in sandbox.ledger() if r["infno"] in ("2304",)]
