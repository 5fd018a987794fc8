"""The application-wide keyboard-wedge filter: a scanner's burst becomes scanned(str); people's typing,
however fast, reaches the focused QLineEdit intact (nothing lost, nothing doubled, in order).

Key events are synthesised with controlled time stamps (QKeyEvent.setTimestamp), as a platform delivers them.
"""
from __future__ import annotations

import os
import random

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget

from terminal.ui.wedge import WedgeFilter

CODE = "EC460100" + "Ab3dEf7h" * 6


def _key_for(ch: str) -> int:
    up = ch.upper()
    return ord(up) if len(up) == 1 and ord(up) < 0x100 else int(Qt.Key.Key_unknown)


class Keyboard:
    """Sends press/release pairs with explicit time stamps (ms), like a platform plugin does."""

    def __init__(self, target: QWidget, t0: float = 100_000.0):
        self.target, self.t = target, t0

    def _send(self, etype, key, mods, text, t) -> None:
        ev = QKeyEvent(etype, key, mods, text)
        ev.setTimestamp(int(t))
        QApplication.sendEvent(self.target, ev)

    def char(self, ch: str, gap: float) -> None:
        self.t += gap
        mods = Qt.KeyboardModifier.NoModifier
        if ch.isalpha() and ch.isupper():                      # a scanner holds Shift for capitals, too
            mods = Qt.KeyboardModifier.ShiftModifier
            self._send(QEvent.Type.KeyPress, Qt.Key.Key_Shift, mods, "", self.t)
        self._send(QEvent.Type.KeyPress, _key_for(ch), mods, ch, self.t)
        self._send(QEvent.Type.KeyRelease, _key_for(ch), mods, ch, self.t + 1)
        if mods != Qt.KeyboardModifier.NoModifier:
            self._send(QEvent.Type.KeyRelease, Qt.Key.Key_Shift, Qt.KeyboardModifier.NoModifier, "", self.t + 1)

    def key(self, key, gap: float, text: str = "") -> None:
        self.t += gap
        self._send(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, text, self.t)
        self._send(QEvent.Type.KeyRelease, key, Qt.KeyboardModifier.NoModifier, text, self.t + 1)

    def type(self, text: str, gaps) -> None:
        for ch in text:
            self.char(ch, next(gaps))

    def enter(self, gap: float) -> None:
        self.key(Qt.Key.Key_Return, gap, "\r")


@pytest.fixture
def desk(qtbot):
    """A window with two line edits and a button, and the filter installed on the application."""
    w = QWidget()
    lay = QVBoxLayout(w)
    edit, other, button = QLineEdit(w), QLineEdit(w), QPushButton("OK", w)
    for x in (edit, other, button):
        lay.addWidget(x)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    edit.setFocus()
    filt = WedgeFilter(w).install()
    scans: list[str] = []
    filt.scanned.connect(scans.append)
    returns: list[str] = []
    edit.returnPressed.connect(lambda: returns.append(edit.text()))
    yield type("Desk", (), {"w": w, "edit": edit, "other": other, "button": button, "filter": filt,
                            "scans": scans, "returns": returns})
    filt.uninstall()


def typist_gaps(seed: int):
    """A fast typist (~150 wpm): 35-160 ms between keys, and rollover runs of up to 3 keys 2-25 ms apart."""
    rng = random.Random(seed)
    while True:
        if rng.random() < 0.3:
            for _ in range(rng.randint(1, 3)):
                yield rng.uniform(2, 25)
        yield rng.uniform(35, 160)


def test_scanner_burst_becomes_scanned_and_types_nothing(desk, qtbot):
    kb = Keyboard(desk.edit)
    kb.type(CODE, iter(lambda: random.uniform(2, 8), None))
    kb.enter(4)
    assert desk.scans == [CODE]
    assert desk.edit.text() == "" and desk.returns == []
    qtbot.wait(80)                                   # nothing trickles in later either
    assert desk.edit.text() == "" and desk.filter.holding == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_typist_text_arrives_intact(desk, qtbot, seed):
    text = "Fast typist 123, MZ2024010100012 and ZY12345678!"
    kb = Keyboard(desk.edit)
    kb.type(text, typist_gaps(seed))
    kb.enter(8)                                      # Enter right after a key: still not a scan
    qtbot.waitUntil(lambda: bool(desk.returns), timeout=2000)
    assert desk.returns == [text]                    # all characters were in place before Enter
    assert desk.edit.text() == text
    assert desk.scans == []


def test_typist_sees_characters_without_enter(desk, qtbot):
    kb = Keyboard(desk.edit)
    kb.type("abc", iter([100, 120, 90]))
    qtbot.waitUntil(lambda: desk.edit.text() == "abc", timeout=1000)   # the last key is released by the timer
    assert desk.filter.holding == 0 and desk.scans == []


def test_typing_then_scan_then_typing(desk, qtbot):
    kb = Keyboard(desk.edit)
    kb.type("ab", iter([150, 150]))
    gaps = iter([300] + [5] * len(CODE))            # the scanner fires 300 ms after the last key
    kb.type(CODE, gaps)
    kb.enter(5)
    kb.type("cd", iter([400, 150]))
    qtbot.waitUntil(lambda: desk.edit.text() == "abcd", timeout=1000)
    assert desk.scans == [CODE]


def test_other_keys_flush_held_characters_first(desk, qtbot):
    kb = Keyboard(desk.edit)
    kb.type("abc", iter([60, 60, 60]))
    kb.key(Qt.Key.Key_Backspace, 5)                  # 5 ms after "c": "c" must be there to be deleted
    assert desk.edit.text() == "ab"
    kb.key(Qt.Key.Key_Home, 60)
    kb.type("x", iter([60]))
    qtbot.waitUntil(lambda: desk.edit.text() == "xab", timeout=1000)


def test_scan_while_a_button_has_focus_does_not_press_it(desk, qtbot):
    clicked = []
    desk.button.clicked.connect(lambda: clicked.append(1))
    desk.button.setFocus()
    kb = Keyboard(desk.button)
    kb.type("MZ 2024 0101 0001 2", iter(lambda: 3, None))      # spaces would press a focused button
    kb.enter(3)
    qtbot.wait(80)
    assert desk.scans == ["MZ 2024 0101 0001 2"] and clicked == []


def test_short_fast_burst_with_enter_is_typing(desk, qtbot):
    kb = Keyboard(desk.edit)
    kb.type("1234567", iter(lambda: 3, None))        # 7 characters: below min_length
    kb.enter(3)
    assert desk.returns == ["1234567"] and desk.scans == []


def test_programmatic_key_events_pass_untouched(desk, qtbot):
    # QTest.keyClicks to a widget carries no time stamp: never judged, delivered at once
    QTest.keyClicks(desk.edit, "110101199003077777")
    assert desk.edit.text() == "110101199003077777"
    QTest.keyClick(desk.edit, Qt.Key.Key_Return)
    assert desk.returns == ["110101199003077777"] and desk.scans == []


def test_untimed_events_timed_by_the_clock(qtbot):
    w = QLineEdit()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.setFocus()
    filt = WedgeFilter(w, interval_ms=30, min_length=8, untimed="clock").install()
    scans: list[str] = []
    filt.scanned.connect(scans.append)
    try:
        QTest.keyClicks(w, "abc", Qt.KeyboardModifier.NoModifier, 80)     # a person: 80 ms between keys
        qtbot.waitUntil(lambda: w.text() == "abc", timeout=1000)
        QTest.keyClicks(w, CODE)                                          # a scanner: no delay
        QTest.keyClick(w, Qt.Key.Key_Return)
        assert scans == [CODE] and w.text() == "abc"
    finally:
        filt.uninstall()


def test_config_names_and_disable(qtbot):
    filt = WedgeFilter(None, interval_ms=45, min_length=12)
    assert filt.detector.max_interval_ms == 45 and filt.detector.min_length == 12
    with pytest.raises(ValueError):
        WedgeFilter(None, untimed="maybe")
    w = QLineEdit()
    qtbot.addWidget(w)
    filt.enabled = False
    QApplication.instance().installEventFilter(filt)
    try:
        kb = Keyboard(w)
        kb.type("12345678901", iter(lambda: 2, None))
        kb.enter(2)
        assert w.text() == "12345678901"
    finally:
        QApplication.instance().removeEventFilter(filt)
