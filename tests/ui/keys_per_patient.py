"""Keystrokes per patient through the real window (not part of the suite: run by bench/ui_soak.py).

Each patient: the card inserted (no key), two catalogue items through F4, pre-settle, settle, the cash share
tendered exact, and the next patient (the next card: no key). Every key goes where a real keystroke would (the
focused widget of the active window or dialog) and is counted; the figure is the mean over the patients. A key
that does not move the desk on fails the run: the count is of keys that work.

Environment: YIBAO_KEYS_N (patients, default 4), YIBAO_KEYS_OUT (write the counts as JSON there).
"""
from __future__ import annotations

import json
import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from terminal.core.flow import State

PERSONS = ["sichuan-resident", "guizhou-resident", "yunnan-resident", "tibet-resident"]


class Keyboard:
    def __init__(self, desk):
        self.desk, self.count = desk, 0

    def press(self, key: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        app = QApplication.instance()
        target = app.activeModalWidget() or app.activeWindow() or self.desk.window
        target = app.focusWidget() if app.focusWidget() is not None and app.focusWidget().window() is target \
            else target
        self.count += 1
        self.desk.qtbot.keyClick(target, key, mods)


def test_keystrokes_per_patient(desk):
    from drivers.virtual import profile_for
    from terminal.ui.items import ItemPicker
    from terminal.ui.tender import TenderDialog

    n = int(os.environ.get("YIBAO_KEYS_N", "4"))
    kb = Keyboard(desk)
    counts, lines = [], []
    for i in range(n):
        start = kb.count
        desk.reader.insert(profile_for(PERSONS[i % len(PERSONS)]))  # no key: the card is read and 1101 runs
        desk.qtbot.waitUntil(lambda: desk.ctl.state == State.IDENTIFIED and not desk.ctl.busy, timeout=15000)
        desk.wait_window_active()
        kb.press(Qt.Key.Key_F4)
        desk.qtbot.waitUntil(lambda: desk.active_dialog(ItemPicker) is not None, timeout=3000)
        picker = desk.active_dialog(ItemPicker)
        picker.activateWindow()  # offscreen the window manager is the test: the picker's keys go to it from now on
        desk.qtbot.waitUntil(lambda p=picker: QApplication.activeWindow() is p, timeout=3000)
        picker.search.setFocus()
        # with nothing typed Enter adds nothing (terminal/ui/items.py): a row is chosen with ↓ first
        kb.press(Qt.Key.Key_Down)
        kb.press(Qt.Key.Key_Return)  # the second row
        kb.press(Qt.Key.Key_Down)
        kb.press(Qt.Key.Key_Down)
        kb.press(Qt.Key.Key_Return)  # the third row (the list is back at the top after an add)
        kb.press(Qt.Key.Key_Escape)
        desk.qtbot.waitUntil(lambda p=picker: not p.isVisible(), timeout=3000)
        lines.append([(it.hosp_code, str(it.qty)) for it in desk.ctl.items])
        desk.wait_window_active()
        kb.press(Qt.Key.Key_F5)
        desk.wait_state(State.PREVIEWED)
        kb.press(Qt.Key.Key_F9)
        desk.qtbot.waitUntil(lambda: desk.ctl.state in (State.SETTLED, State.DONE) and not desk.ctl.busy,
                             timeout=15000)
        if desk.ctl.till.due_open:
            desk.qtbot.waitUntil(lambda: desk.active_dialog(TenderDialog) is not None, timeout=3000)
            kb.press(Qt.Key.Key_Return)  # exact cash
            desk.wait_state(State.DONE)
            desk.wait_window_active()
        counts.append(kb.count - start)
        # the next patient: the next card (the loop's insert) starts them, no key
    mean = sum(counts) / len(counts)
    print(f"\n[keys] keystrokes per patient (card, two catalogue items, exact cash, next card): "
          f"{counts} -> mean {mean:.1f}; bill lines {lines[0]}")
    if os.environ.get("YIBAO_KEYS_OUT"):
        with open(os.environ["YIBAO_KEYS_OUT"], "w") as f:
            json.dump({"counts": counts, "mean": mean, "lines": lines}, f)
    assert len(desk.booked()) == n
