"""The pre-flight on the real window against the sandbox over HTTP: once a person is identified, 2001 and the filing
query run in the background and the patient panel shows 可报销 or 不可报销 + why (and the filing) before anything is
uploaded; a refused pre-flight makes self-pay (Ctrl+F9) the next step. Also on the discharge desk (F12)."""
from __future__ import annotations

import os

from PySide6.QtCore import Qt

from terminal.core.flow import State
from tests.support import PERSONS

SHOTS = os.environ.get("YIBAO_SHOTS_DIR", "")


def line(desk):
    return desk.window.person.precheck


def wait_line(desk, kind):
    desk.qtbot.waitUntil(lambda: line(desk).property("kind") == kind and line(desk).isVisible(), timeout=10000)
    return line(desk).text()


def received(sandbox, psn_no):
    """The transactions the platform received for this person (its own message table, a real SQLite file)."""
    import sqlite3

    with sqlite3.connect(sandbox.db_path) as conn:
        return [r[0] for r in conn.execute("SELECT infno FROM messages WHERE psn_no = ? ORDER BY rowid", (psn_no,))]


def test_reimbursable_with_the_filing(desk):
    desk.identify_by_id("hainan-retiree")
    text = wait_line(desk, "ok")
    assert text.startswith("可报销") and "已备案：广西壮族自治区 2020-01-01 — 长期" in text
    assert desk.ctl.desk.preflight.result.reimbursable is True and desk.ctl.refused == ""
    assert desk.ctl.state == State.IDENTIFIED and desk.booked() == []
    if SHOTS:
        desk.window.grab().save(os.path.join(SHOTS, "preflight-ok.png"))
    desk.key("Escape")
    desk.qtbot.waitUntil(lambda: not line(desk).isVisible(), timeout=3000)  # next patient: the line goes


def test_not_reimbursable_says_why_and_self_pay_is_next(desk):
    w = desk.window
    desk.load_bill()
    desk.identify_by_id("unfiled")
    text = wait_line(desk, "bad")
    assert text.startswith("不可报销：") and "参保人未办理异地就医备案（参保地 贵州贵阳市，就医地 广西南宁市）" in text
    assert desk.ctl.refused == "医保待遇检查不可报销：未办理异地就医备案"
    cd = desk.ca.customer  # the patient is told too
    desk.qtbot.waitUntil(lambda: "您的医保暂不能使用（未办理异地就医备案）" in cd.state_label.text(), timeout=3000)
    desk.qtbot.waitUntil(lambda: "Ctrl+F9 自费收款" in w.msg.text(), timeout=3000)
    assert w.self_pay_btn.isVisible() and w.self_pay_btn.isEnabled()  # Ctrl+F9 on screen
    assert w.width() <= 1366
    if SHOTS:
        w.grab().save(os.path.join(SHOTS, "preflight-refused.png"))
    # nothing was uploaded for this patient: no registration, no fee line
    sent = received(desk.sandbox, PERSONS["unfiled"]["psn_no"])
    assert {"2001", "5302"} <= set(sent) and not {"2201", "2204", "2206"} & set(sent)
    total = desk.ctl.bill_total
    desk.qtbot.keyClick(w, Qt.Key.Key_F9, Qt.KeyboardModifier.ControlModifier)
    dlg = desk.tender_dialog()
    assert dlg.amount.text() == f"{total:.2f}" and "自费" in dlg.title.text()
    desk.qtbot.keyClick(dlg.amount, Qt.Key.Key_Return)
    desk.qtbot.waitUntil(lambda: desk.ctl.state == State.IDLE, timeout=5000)
    assert desk.booked() == []


def test_expired_filing_shows_its_dates_and_the_desk_never_waits(desk):
    desk.sandbox.arm_fault("delay", infno="2001", delay=1.5)
    desk.identify_by_id("filing-expired")
    assert not desk.ctl.busy  # identified; the pre-flight runs in the background
    assert line(desk).property("kind") == "wait" and "正在检查" in line(desk).text()
    text = wait_line(desk, "bad")
    assert "已过期" in text and "2025-01-01 至 2025-06-30" in text
    assert "备案已过期：广西壮族自治区 2025-01-01 — 2025-06-30" in text


def test_platform_unreachable_leaves_the_verdict_open(desk):
    desk.identify_by_id("local")
    assert wait_line(desk, "ok").startswith("可报销")
    desk.key("Escape")
    desk.sandbox.arm_fault("http500", infno="2001")
    desk.identify_by_id("shanghai-employee")
    text = wait_line(desk, "warn")
    assert text.startswith("待遇未核实") and desk.ctl.refused == ""  # never refused on a guess


def test_discharge_desk_shows_the_preflight(qtbot, ui_cfg, sandbox, tmp_path):
    from terminal.backend.client import client_from_config
    from terminal.services.inpatient import DischargeService
    from terminal.services.precheck import PrecheckService
    from terminal.store.wardbook import WardBook
    from terminal.ui.discharge import DischargeDesk
    from tests.ui.test_discharge_desk import admit_cataract

    cl = client_from_config(ui_cfg, sandbox.url, msgid_state=tmp_path / "msgid.state")
    book = WardBook(tmp_path / "inpatient.sqlite")
    ward = DischargeService(cl, treatment_admdvs=ui_cfg.facility.admdvs, book=book)
    st, _ = admit_cataract(ward)
    w = DischargeDesk(ui_cfg, lambda: ward)
    w.precheck.check = PrecheckService(ward.base).run_for
    qtbot.addWidget(w)
    w.show()
    w.find(st.adm_no)
    qtbot.waitUntil(lambda: w.precheck.property("kind") == "ok", timeout=10000)
    assert w.precheck.text().startswith("可报销") and "已备案" in w.precheck.text()
    assert w.precheck.result.benefits and all(b.enjoyed for b in w.precheck.result.benefits)
    if SHOTS:
        w.grab().save(os.path.join(SHOTS, "preflight-discharge.png"))
    w.clear()
    qtbot.waitUntil(lambda: not w.precheck.isVisible(), timeout=3000)
    w.close()
    book.close()
    cl.close()
    assert PERSONS["hainan-retiree"]["psn_no"] == st.psn_no


def test_english_ui(qapp, make_desk, tmp_path_factory):
    import importlib.util

    from PySide6.QtCore import QTranslator

    from tests.support import ROOT

    spec = importlib.util.spec_from_file_location("tr_update", ROOT / "resources" / "translations" / "update.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    d = tmp_path_factory.mktemp("tr")
    mod.build(d / "yibao_en.ts", d / "yibao_en.qm")
    t = QTranslator()
    assert t.load(str(d / "yibao_en.qm"))
    qapp.installTranslator(t)
    try:
        desk = make_desk()
        desk.identify_by_id("hainan-retiree")
        text = wait_line(desk, "ok")
        assert text.startswith("Reimbursable · Filed: ") and "2020-01-01 — open-ended" in text
        desk.key("Escape")
        desk.load_bill()
        desk.identify_by_id("filing-expired")
        text = wait_line(desk, "bad")
        assert text.startswith("Not reimbursable: ") and "Filing expired" in text  # the platform's text as sent
        assert desk.ctl.refused.startswith("Benefit check, not reimbursable: Filing expired")
        if SHOTS:
            desk.window.grab().save(os.path.join(SHOTS, "preflight-refused-en.png"))
    finally:
        qapp.removeTranslator(t)


def test_card_and_ecode_identification_run_it_too(desk):
    from drivers.virtual import profile_for

    desk.reader.insert(profile_for("filed-elsewhere"))  # inserting the card identifies the patient by itself
    text = wait_line(desk, "bad")
    assert "备案就医地为 江苏省，不含本次就医地 广西南宁市" in text and "备案地不是本就医地：江苏省" in text
    desk.reader.remove()
    desk.key("Escape")
    desk.qtbot.waitUntil(lambda: not line(desk).isVisible(), timeout=3000)
    desk.window.identify.ecode.setFocus()
    desk.type_into(desk.window.identify.ecode, desk.sandbox.issue_ecode("chongqing-employee")[0])
    assert wait_line(desk, "ok").startswith("可报销 · 已备案：广西南宁市 2024-01-01 — 长期")
