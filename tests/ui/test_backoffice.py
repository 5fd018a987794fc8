"""Login, supervisor cancel, journal/reprint, queue, reconciliation and settings through the widgets."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from terminal.core.flow import State

from .conftest import login, sign


def _pdfs(desk, pattern="*.pdf") -> list[Path]:
    return sorted(Path(desk.ca.cfg.printer.pdf_dir).glob(pattern))


def test_login_failure_then_success(qtbot, sandbox, ui_cfg):
    from terminal.ui.app import CashierApp
    from terminal.app import AppSession

    session = AppSession.open(ui_cfg, sandbox=sandbox)
    ca = CashierApp(ui_cfg, session, customer_display=False)
    try:
        dlg = login(qtbot, ca, "0001", "0000")
        assert dlg.isVisible() and ca.window is None
        assert "密码" in dlg.error.text() and dlg.error.isVisible()
        assert "0001" in dlg.hint.text()  # training mode shows the demo accounts
        sign(qtbot, dlg, "0001", "1234")
        qtbot.waitUntil(lambda: ca.window is not None, timeout=3000)
        assert ca.ctl.operator.id == "0001" and session.client.identity.opter == "0001"
        qtbot.waitUntil(lambda: ca.ctl.status.signed_in, timeout=10000)
        assert "0001" in ca.window.st_operator.text()
    finally:
        ca.close()
        session.close()


def test_cancel_needs_a_supervisor(desk):
    r = desk.settle_bill()
    desk.key("F10")
    dlg = desk.supervisor()
    sign(desk.qtbot, dlg, "0001", "1234")  # a cashier cannot authorise
    assert dlg.isVisible() and "主管" in dlg.error.text()
    assert desk.ctl.state == State.SETTLED
    sign(desk.qtbot, dlg, "9001", "9999")
    desk.wait_state(State.CANCELLED)
    ledger = desk.sandbox.ledger()
    assert [x["status"] for x in ledger if x["infno"] == "2207"] == ["cancelled"]
    assert any(x["infno"] == "2208" for x in ledger)
    assert desk.ca.session.journal.find(r.setl_id).status == "cancelled"
    desk.qtbot.waitUntil(lambda: len(_pdfs(desk)) == 2, timeout=10000)  # receipt + cancellation slip
    desk.key("Escape")
    assert desk.ctl.state == State.IDLE


def test_journal_reprint_and_cancel(desk):
    from terminal.ui.journal import JournalDialog

    r1 = desk.settle_bill("local")
    desk.key("Escape")
    r2 = desk.settle_bill("shanghai-employee")
    desk.key("Escape")
    desk.qtbot.waitUntil(lambda: len(_pdfs(desk)) == 2, timeout=10000)
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)  # F6 is the shift report
    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), JournalDialog), timeout=3000)
    j = QApplication.activeModalWidget()
    assert j.table.rowCount() == 2
    j.search.setText(r1.setl_id)
    assert j.table.rowCount() == 1 and j.selected().setl_id == r1.setl_id
    j.reprint.click()
    desk.qtbot.waitUntil(lambda: len(_pdfs(desk, "*-reprint.pdf")) == 1, timeout=10000)
    assert r1.setl_id in _pdfs(desk, "*-reprint.pdf")[0].name
    # cancel an earlier settlement from the journal, as a supervisor
    j.search.setText(r2.setl_id)
    j.cancel.click()
    sup = desk.supervisor()
    sign(desk.qtbot, sup, "9001", "9999")
    desk.qtbot.waitUntil(lambda: desk.ca.session.journal.find(r2.setl_id).status == "cancelled", timeout=10000)
    assert [x["status"] for x in desk.sandbox.ledger() if x["setl_id"] == r2.setl_id and x["infno"] == "2207"] \
        == ["cancelled"]
    desk.qtbot.waitUntil(lambda: "已撤销" in j.table.item(0, 8).text(), timeout=3000)
    assert not j.cancel.isEnabled()
    j.accept()


def test_queue_and_reconcile_views(desk):
    from terminal.ui.journal import QueueDialog
    from terminal.ui.reconcile import ReconcileDialog

    desk.settle_bill("local")
    desk.key("Escape")
    desk.key("F7")
    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QueueDialog), timeout=3000)
    q = QApplication.activeModalWidget()
    assert "队列" in q.status.text()
    q.accept()
    desk.key("F8")
    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ReconcileDialog), timeout=3000)
    rc = QApplication.activeModalWidget()
    assert rc.table.rowCount() == 1 and rc.table.item(0, 3).text() == "1"
    rc.run_btn.click()
    desk.qtbot.waitUntil(lambda: rc.run_btn.isEnabled() and rc.report is not None, timeout=10000)
    assert rc.report.balanced, rc.report.summary
    assert rc.table.item(0, 7).text().startswith("平")
    rc.accept()


def test_settings_validate_and_save(qtbot, ui_cfg, tmp_path):
    from terminal import config as config_mod
    from terminal.ui.settings import SettingsDialog

    path = tmp_path / "user.toml"
    dlg = SettingsDialog(ui_cfg, path)
    qtbot.addWidget(dlg)
    code = dlg.widgets["facility.code"]
    code.setText("H4501")
    dlg.save()
    assert not path.exists()
    assert "facility.code" in dlg.error.text() and code.property("kind") == "invalid"
    code.setText("H45010000002")
    dlg.widgets["printer.pdf_dir"].setText(str(tmp_path / "pdf"))
    dlg.widgets["scanner.wedge_min_length"].setValue(12)
    dlg.save()
    assert path.exists()
    saved = config_mod.load(path)
    assert saved.facility.code == "H45010000002" and saved.scanner.wedge_min_length == 12
    assert saved.printer.pdf_dir == str(tmp_path / "pdf")
    text = path.read_text(encoding="utf-8")
    assert "store" not in text and "log" not in text  # only the changed keys, nothing copied from elsewhere
