"""Issue 13 §7, the journal (F6) by keyboard: ↓ from the search box to the rows, Ctrl+P reprints the row selected
(never the top row unasked), and a cancelled settlement's reprint says so."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from terminal.app.operators import Operator
from terminal.core.flow import State


def _settle(desk, key):
    desk.load_bill()
    desk.identify_by_id(key)
    desk.preview()
    desk.settle()
    return desk.ctl.receipt


def _reprints(desk) -> list[Path]:
    return sorted(Path(desk.ca.cfg.printer.pdf_dir).glob("*-reprint.pdf"))


def test_down_arrow_reaches_the_rows_and_ctrl_p_reprints_the_selected_one(desk, tmp_path):
    from terminal.ui.journal import JournalDialog

    older = _settle(desk, "local")
    desk.key("Escape")
    newer = _settle(desk, "shanghai-employee")
    # the newer one (the top row) is cancelled by a supervisor
    desk.ctl.cancel_settlement(newer, Operator("9001", "主管", "supervisor"))
    desk.wait_state(State.CANCELLED)
    desk.finish_refund()  # the cash taken for it goes back first (issue 13: refund by the original tender)
    desk.key("Escape")
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)  # F6 is the shift report
    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), JournalDialog), timeout=3000)
    j = QApplication.activeModalWidget()
    desk.qtbot.waitUntil(lambda: j.search.hasFocus() or j.isActiveWindow(), timeout=2000)
    j.search.setFocus()
    assert [r.setl_id for r in j.records] == [newer.setl_id, older.setl_id]
    # ↓ leaves the search box for the rows, ↓ again selects the second row
    desk.qtbot.keyClick(j.search, Qt.Key.Key_Down)
    assert j.table.hasFocus() and j.table.currentRow() == 0
    desk.qtbot.keyClick(j.table, Qt.Key.Key_Down)
    assert j.table.currentRow() == 1 and j.selected().setl_id == older.setl_id
    desk.qtbot.keyClick(j.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    desk.qtbot.waitUntil(lambda: len(_reprints(desk)) == 1, timeout=10000)
    assert older.setl_id in _reprints(desk)[0].name
    assert older.setl_id in j.note.text() and "已撤销" not in j.note.text()
    # ↑ to the cancelled one: Ctrl+P reprints it and says it is cancelled
    desk.qtbot.keyClick(j.table, Qt.Key.Key_Up)
    assert j.selected().setl_id == newer.setl_id
    desk.qtbot.keyClick(j.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    desk.qtbot.waitUntil(lambda: len(_reprints(desk)) == 2, timeout=10000)
    assert any(newer.setl_id in p.name for p in _reprints(desk))
    assert "已撤销" in j.note.text() and newer.setl_id in j.note.text()
    # ↑ on the first row goes back to the search box
    desk.qtbot.keyClick(j.table, Qt.Key.Key_Up)
    assert j.search.hasFocus()
    j.accept()
