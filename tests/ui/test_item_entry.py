"""F4 item entry through the real window: one Enter adds exactly one line, pinyin initials find an item, the
quantity is typed, Del removes the last added line and Ctrl+Z brings it back; the insurance chooser has a key and
arrows never change it silently; the chosen insurance shows on the customer display."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt

from terminal.core.flow import State


def lines(desk) -> list[tuple[str, Decimal]]:
    return [(i.hosp_code, i.qty) for i in desk.ctl.items]


def open_picker(desk):
    from terminal.ui.items import ItemPicker

    desk.key("F4")
    desk.qtbot.waitUntil(lambda: desk.active_dialog(ItemPicker) is not None, timeout=3000)
    return desk.active_dialog(ItemPicker)


def test_each_enter_adds_exactly_one_line_with_its_quantity(desk):
    desk.identify_by_id("sichuan-resident")
    assert lines(desk) == []
    p = open_picker(desk)
    bot = desk.qtbot
    bot.keyClick(p.search, Qt.Key.Key_Return)  # nothing typed: Enter adds nothing (not the first catalogue row)
    assert lines(desk) == []
    bot.keyClicks(p.search, "xbdp")  # pinyin initials of 硝苯地平控释片
    assert p.results[0].name == "硝苯地平控释片"
    bot.keyClick(p.search, Qt.Key.Key_Return)
    assert lines(desk) == [("NNYP0002", Decimal("1"))]
    assert p.search.text() == ""
    bot.keyClicks(p.search, "NNYP0013")
    bot.keyClick(p.search, Qt.Key.Key_Return)
    assert lines(desk) == [("NNYP0002", Decimal("1")), ("NNYP0013", Decimal("1"))]
    bot.keyClick(p.search, Qt.Key.Key_Return)  # a second Enter on the cleared field adds nothing
    assert lines(desk) == [("NNYP0002", Decimal("1")), ("NNYP0013", Decimal("1"))]
    # quantity by keyboard: "*" jumps to the quantity, Enter adds, the focus is back in the search
    bot.keyClicks(p.search, "lhqw")  # 连花清瘟胶囊
    bot.keyClick(p.search, Qt.Key.Key_Asterisk)
    assert p.qty.hasFocus() or p.focusWidget() is p.qty
    bot.keyClicks(p.qty.lineEdit(), "3")
    bot.keyClick(p.qty, Qt.Key.Key_Return)
    assert lines(desk) == [("NNYP0002", Decimal("1")), ("NNYP0013", Decimal("1")), ("NNYP0011", Decimal("3"))]
    assert p.qty.value() == 1 and p.focusWidget() is p.search
    # Del removes the last added line, Ctrl+Z brings it back where it was
    bot.keyClick(p.search, Qt.Key.Key_Delete)
    assert lines(desk) == [("NNYP0002", Decimal("1")), ("NNYP0013", Decimal("1"))]
    bot.keyClick(p.search, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert lines(desk) == [("NNYP0002", Decimal("1")), ("NNYP0013", Decimal("1")), ("NNYP0011", Decimal("3"))]
    bot.keyClick(p, Qt.Key.Key_Escape)
    bot.waitUntil(lambda: not p.isVisible(), timeout=3000)
    assert lines(desk) == [("NNYP0002", Decimal("1")), ("NNYP0013", Decimal("1")), ("NNYP0011", Decimal("3"))]
    assert desk.ctl.state == State.BILLED


def test_del_in_the_window_removes_the_last_added_line_and_ctrl_z_restores_it(desk):
    desk.identify_by_id("sichuan-resident")
    p = open_picker(desk)
    for q in ("NNYP0001", "NNYP0002"):
        desk.qtbot.keyClicks(p.search, q)
        desk.qtbot.keyClick(p.search, Qt.Key.Key_Return)
    desk.qtbot.keyClick(p, Qt.Key.Key_Escape)
    desk.qtbot.waitUntil(lambda: not p.isVisible(), timeout=3000)
    assert desk.window.bill.table.currentRow() == 1  # the last added line is the selected one
    desk.key("Delete")
    assert lines(desk) == [("NNYP0001", Decimal("1"))]
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert lines(desk) == [("NNYP0001", Decimal("1")), ("NNYP0002", Decimal("1"))]
    desk.window.bill.table.selectRow(0)
    desk.key("Delete")
    assert lines(desk) == [("NNYP0002", Decimal("1"))]
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert lines(desk) == [("NNYP0001", Decimal("1")), ("NNYP0002", Decimal("1"))]


def test_insurance_chooser_has_a_key_and_arrows_do_not_change_it_silently(desk):
    from terminal.ui.widgets import KeyButton  # noqa: F401  (the window's keys)

    w = desk.window
    desk.key("F3")
    desk.type_into(w.identify.idno, "110000197901280810")  # two insurance types: the choice is asked for
    desk.wait_state(State.IDENTIFIED)
    assert desk.ctl.flow.insutype in ("", None)
    combo = w.person.insurance
    combo.setFocus()
    desk.qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert desk.ctl.flow.insutype in ("", None)  # ↓ alone does not choose
    if combo.view().isVisible():
        combo.hidePopup()
    desk.qtbot.keyClick(w, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    desk.qtbot.waitUntil(lambda: combo.view().isVisible(), timeout=3000)
    view = combo.view()
    desk.qtbot.keyClick(view, Qt.Key.Key_Down)
    desk.qtbot.keyClick(view, Qt.Key.Key_Return)
    desk.qtbot.waitUntil(lambda: bool(desk.ctl.flow.insutype), timeout=3000)
    chosen = desk.ctl.flow.insutype
    ins = desk.ctl.person.insurance(chosen)
    assert chosen in w.msg.text()
    cd = desk.ca.customer
    assert ins.name in cd.insurance_label.text()


def test_bill_file_dialog_is_localised_and_remembers_the_folder(desk, tmp_path):
    from PySide6.QtWidgets import QFileDialog

    folder = tmp_path / "bills"
    folder.mkdir()
    src = Path(__file__).resolve().parents[2] / "resources" / "bills" / "outpatient-nanning.json"
    (folder / "a.json").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    w = desk.window
    desk.qtbot.keyClick(w, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    desk.qtbot.waitUntil(lambda: isinstance(w.dialogs.get("file"), QFileDialog) and w.dialogs["file"].isVisible(),
                         timeout=3000)
    dlg = w.dialogs["file"]
    assert dlg.labelText(QFileDialog.DialogLabel.LookIn) == "查找范围："
    assert dlg.labelText(QFileDialog.DialogLabel.FileName) == "文件名："
    assert dlg.labelText(QFileDialog.DialogLabel.Accept) == "载入"
    texts = " ".join(lbl.text() for lbl in dlg.findChildren(type(w.msg)))
    assert "Look in" not in texts and "File name" not in texts
    dlg.selectFile(str(folder / "a.json"))
    dlg.accept()
    desk.qtbot.waitUntil(lambda: bool(desk.ctl.items), timeout=3000)
    state = json.loads((Path(desk.ctl.cfg.data_dir) / "ui-state.json").read_text(encoding="utf-8"))
    assert Path(state["bill_dir"]) == folder
    desk.key("Escape")
    desk.ctl.next_patient()
    desk.qtbot.keyClick(w, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    desk.qtbot.waitUntil(lambda: w.dialogs["file"] is not dlg and w.dialogs["file"].isVisible(), timeout=3000)
    assert Path(w.dialogs["file"].directory().absolutePath()) == folder
    w.dialogs["file"].reject()


def test_ctrl_z_never_brings_the_last_patients_line_into_the_next_bill(desk):
    desk.identify_by_id("sichuan-resident")
    p = open_picker(desk)
    desk.qtbot.keyClicks(p.search, "NNYP0001")
    desk.qtbot.keyClick(p.search, Qt.Key.Key_Return)
    desk.qtbot.keyClick(p.search, Qt.Key.Key_Delete)
    assert lines(desk) == []
    desk.qtbot.keyClick(p, Qt.Key.Key_Escape)
    desk.qtbot.waitUntil(lambda: not p.isVisible(), timeout=3000)
    desk.ctl.next_patient()
    desk.qtbot.waitUntil(lambda: desk.ctl.state == State.IDLE, timeout=3000)
    desk.identify_by_id("hainan-retiree")
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert lines(desk) == []
    assert "没有可恢复" in desk.window.msg.text()
