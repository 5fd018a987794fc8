"""The cashier's side of the HIS link (issue 14): the real window serving [his] over real HTTP on 127.0.0.1,
the sandbox platform over HTTP, the journal in real SQLite. A pushed bill loads by itself when its patient is
identified (F5, F9: the keys left), several open the list of theirs, Ctrl+H lists every pending bill, a scanned
bill number loads it, a bill pushed for the patient on the desk loads too; the result goes back to the HIS."""
from __future__ import annotations

import os

import pytest
import requests

from terminal.core.flow import State
from tests.support import PERSONS

TOKEN = "his-token-0123456789abcdef"
SHOTS = os.environ.get("YIBAO_SHOTS", "")


def body(no: str, who: str | None = "hainan-retiree", price: str = "25.00") -> dict:
    b = {"bill_no": no, "med_type": "11", "dept_code": "A03", "dept_name": "内科", "items": [
        {"hosp_code": "NNXM0002", "national_code": "001102000010300", "name": "副主任医师门诊诊查费",
         "price": price, "qty": 1}]}
    if who:
        b["patient"] = {"id_no": PERSONS[who]["certno"]}
    return b


@pytest.fixture
def his_desk(make_desk, ui_cfg):
    ui_cfg.his.enabled, ui_cfg.his.token, ui_cfg.his.port = True, TOKEN, 0
    d = make_desk()
    assert d.window.his.link is not None
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {TOKEN}"
    d.his_url = d.window.his.link.url + "/v1/bills"
    d.http = http
    return d


def test_pushed_bill_loads_when_its_patient_is_identified_and_settles_with_two_keys(his_desk):
    d = his_desk
    assert d.http.post(d.his_url, json=body("MZ2026120300001")).status_code == 201
    assert d.http.post(d.his_url, json=body("MZ2026120300002", who="shanghai-employee")).status_code == 201
    d.key("F3")
    d.type_into(d.window.identify.idno, PERSONS["hainan-retiree"]["certno"])
    d.qtbot.waitUntil(lambda: d.ctl.state == State.BILLED and not d.ctl.busy, timeout=15000)
    assert [i.hosp_code for i in d.ctl.items] == ["NNXM0002"] and d.ctl.bill().bill_no == "MZ2026120300001"
    d.preview()
    d.settle()
    v = d.http.get(d.his_url + "/MZ2026120300001").json()
    assert v["status"] == "settled" and v["settlement"]["setl_id"] == d.ctl.settlement.setl_id
    assert [b["bill_no"] for b in d.http.get(d.his_url).json()["bills"]] == ["MZ2026120300002"]


def test_several_bills_open_the_list_of_theirs_and_ctrl_h_lists_all(his_desk, tmp_path):
    from terminal.ui.his_panel import HisListDialog

    d = his_desk
    for no, who in (("MZ2026120300011", "hainan-retiree"), ("MZ2026120300012", "hainan-retiree"),
                    ("MZ2026120300013", None)):
        assert d.http.post(d.his_url, json=body(no, who)).status_code == 201
    d.key("F3")
    d.type_into(d.window.identify.idno, PERSONS["hainan-retiree"]["certno"])
    d.qtbot.waitUntil(lambda: d.active_dialog(HisListDialog) is not None, timeout=15000)
    dlg = d.active_dialog(HisListDialog)
    assert [b["bill_no"] for b in dlg.bills] == ["MZ2026120300011", "MZ2026120300012"]
    if SHOTS:
        dlg.grab().save(os.path.join(SHOTS, "his-list.png"))
    d.qtbot.keyClick(dlg.table, _key("Down"))
    d.qtbot.keyClick(dlg.table, _key("Return"))
    d.qtbot.waitUntil(lambda: d.ctl.state == State.BILLED, timeout=5000)
    assert d.ctl.bill().bill_no == "MZ2026120300012"
    from PySide6.QtWidgets import QApplication

    d.qtbot.waitUntil(lambda: QApplication.activeWindow() is d.window, timeout=5000)
    d.key("Escape")  # next patient
    d.qtbot.waitUntil(lambda: not d.ctl.items or d.ctl.state == State.IDLE, timeout=5000)
    # Ctrl+H: every pending bill
    from PySide6.QtCore import Qt

    d.qtbot.keyClick(d.window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    d.qtbot.waitUntil(lambda: d.active_dialog(HisListDialog) is not None, timeout=5000)
    dlg = d.active_dialog(HisListDialog)
    assert [b["bill_no"] for b in dlg.bills] == ["MZ2026120300011", "MZ2026120300012", "MZ2026120300013"]
    d.qtbot.keyClick(dlg.table, _key("Escape"))
    d.qtbot.waitUntil(lambda: d.active_dialog(HisListDialog) is None, timeout=5000)


def test_scanned_bill_number_loads_and_a_bill_pushed_for_the_patient_on_the_desk_loads_itself(his_desk):
    d = his_desk
    assert d.http.post(d.his_url, json=body("MZ2026120300021", who=None)).status_code == 201
    d.window.on_scanned("MZ2026120300021")  # the slip's barcode through the scanner
    d.qtbot.waitUntil(lambda: len(d.ctl.items) == 1, timeout=5000)
    assert d.ctl.bill().bill_no == "MZ2026120300021"
    d.key("Escape")
    d.qtbot.waitUntil(lambda: not d.ctl.items, timeout=5000)
    d.key("F3")
    d.type_into(d.window.identify.idno, PERSONS["hainan-retiree"]["certno"])
    d.wait_state(State.IDENTIFIED)
    assert d.http.post(d.his_url, json=body("MZ2026120300022", price="30.00")).status_code == 201
    d.qtbot.waitUntil(lambda: d.ctl.state == State.BILLED, timeout=5000)
    assert d.ctl.bill().bill_no == "MZ2026120300022"
    d.qtbot.waitUntil(lambda: "待收费 2" in d.window.his.indicator.text(), timeout=5000)  # beside the main flow
    # the HIS withdraws the bill on the desk: the cashier is told
    assert d.http.delete(d.his_url + "/MZ2026120300022").status_code == 200
    d.qtbot.waitUntil(lambda: "撤回" in d.window.msg.text(), timeout=5000)
    d.qtbot.waitUntil(lambda: "待收费 1" in d.window.his.indicator.text(), timeout=5000)
    # a withdrawn bill no longer loads
    assert d.http.delete(d.his_url + "/MZ2026120300021").status_code == 200
    assert d.window.his.load("MZ2026120300021") is False
    if SHOTS:
        d.window.grab().save(os.path.join(SHOTS, "his-window.png"))


def _key(name):
    from PySide6.QtCore import Qt

    return getattr(Qt.Key, f"Key_{name}")


def test_demo_example_his_pushes_the_identified_patients_bill_and_it_is_on_screen(his_desk):
    """`yibao-terminal demo`: the card goes in (no key), the example HIS pushes the doctor's order over HTTP, the
    bill appears; F5, F9."""
    from drivers.virtual import profile_for
    from terminal.ui.his_panel import attach_example_his

    d = his_desk
    example = attach_example_his(d.window)
    d.reader.insert(profile_for("hainan-retiree"))
    d.qtbot.waitUntil(lambda: d.ctl.state == State.BILLED and not d.ctl.busy, timeout=15000)
    assert len(example.pushed) == 1 and d.ctl.bill().bill_no == example.pushed[0]
    v = d.http.get(d.his_url + "/" + example.pushed[0]).json()
    assert v["status"] == "pending" and v["patient"]["id_no"].endswith("0132")
    d.preview()
    d.settle()
    assert d.http.get(d.his_url + "/" + example.pushed[0]).json()["status"] == "settled"


def test_bills_pushed_through_another_process_on_the_same_journal_reach_the_window(desk):
    """The window does not serve [his]; `his serve` (here: the interface on the same journal file, as another
    process would) takes the push: the window notices it and loads the identified patient's bill."""
    from terminal.his.service import HisLink
    from terminal.store import Store

    cfg = desk.ctl.cfg
    assert desk.window.his.link is None
    cfg.his.token = TOKEN
    other = Store(cfg.data_dir / "journal.sqlite")  # its own connection, as another process has
    link = HisLink(other.sdb, cfg, port=0).start()
    try:
        desk.key("F3")
        desk.type_into(desk.window.identify.idno, PERSONS["hainan-retiree"]["certno"])
        desk.wait_state(State.IDENTIFIED)
        r = requests.post(link.url + "/v1/bills", json=body("MZ2026120300031"),
                          headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 201
        desk.qtbot.waitUntil(lambda: desk.ctl.state == State.BILLED, timeout=8000)
        assert desk.ctl.bill().bill_no == "MZ2026120300031"
    finally:
        link.stop()
        other.close()
