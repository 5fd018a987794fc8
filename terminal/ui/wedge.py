"""Keyboard-wedge scanner input, application-wide.

:class:`WedgeFilter` is an event filter for the ``QApplication``.  Wherever the focus is, it recognises the
burst of keystrokes a 2D scanner types (see :class:`drivers.scanner.wedge.WedgeDetector`) and emits
``scanned(str)`` instead of letting the characters land in the focused widget.

Design (hold and replay): every printable key press is held back for a moment, because it may be the first
key of a burst.  When it turns out to be human typing (the next key comes late, a non-character key comes,
or nothing comes for ``flush_after_ms``) the held presses are re-delivered, in order, to the widget they were
meant for, as a press/release pair each; the hardware releases of swallowed presses are swallowed.  A person
sees each character up to ``flush_after_ms`` (50 ms) late, nothing lost, nothing doubled.  When a burst ends
in Enter, the characters and the Enter are consumed and ``scanned`` is emitted.

Time stamps: the key event's own time stamp (every platform plugin stamps real input in milliseconds).  Key
events without one (time stamp 0) were synthesised by the program itself (tests' QTest.keyClicks to a widget,
automation): by default (``untimed="pass"``) they are not judged and pass untouched, so programmatic typing
is never taken for a scan; ``untimed="clock"`` times them with the monotonic clock instead.

A Chinese input method that is switched on intercepts a scanner's keys before this filter sees them (as
QInputMethodEvent); cashier PCs should keep the IME off for the scanner, as scanner vendors advise.
"""
from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

try:  # shiboken6 ships with PySide6
    from shiboken6 import isValid as _is_valid
except ImportError:  # pragma: no cover
    def _is_valid(obj) -> bool:  # type: ignore[misc]
        return obj is not None

from drivers.scanner.wedge import WedgeDetector, WedgeResult

__all__ = ["WedgeFilter"]

_MODIFIER_KEYS = {
    Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr,
    Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock, Qt.Key.Key_ScrollLock, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R,
    Qt.Key.Key_Hyper_L, Qt.Key.Key_Hyper_R,
}
_ENTER_KEYS = {Qt.Key.Key_Return, Qt.Key.Key_Enter}
_SHORTCUT_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                       | Qt.KeyboardModifier.MetaModifier)


@dataclass
class _Held:
    target: QObject
    key: int
    modifiers: Qt.KeyboardModifier
    text: str
    autorep: bool


def _monotonic_ms() -> float:
    return time.monotonic() * 1000.0


class WedgeFilter(QObject):
    """Install with ``app.installEventFilter(WedgeFilter(app))``.

    Signals: ``scanned(str)`` — a completed scan (terminator not included).
    """

    scanned = Signal(str)

    def __init__(self, parent: QObject | None = None, *, max_interval_ms: float | None = None,
                 interval_ms: float | None = None, min_length: int = 8, flush_after_ms: int = 50,
                 enabled: bool = True, untimed: str = "pass", clock=_monotonic_ms):
        super().__init__(parent)
        if untimed not in ("pass", "clock"):
            raise ValueError("untimed must be 'pass' or 'clock'")
        # interval_ms: the configuration's name (scanner.wedge_interval_ms)
        max_interval_ms = max_interval_ms or interval_ms or 30
        self.detector = WedgeDetector(max_interval_ms=max_interval_ms, min_length=min_length)
        self.untimed = untimed
        self.enabled = enabled
        self._clock = clock
        self._held: deque[_Held] = deque()
        self._swallow_release: Counter[int] = Counter()
        self._replaying = False
        self._last_wall = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(int(flush_after_ms), int(max_interval_ms) + 1))
        self._timer.timeout.connect(self._on_timeout)

    # --- public ------------------------------------------------------------------------------------------
    def install(self, app: QApplication | None = None) -> WedgeFilter:
        (app or QApplication.instance()).installEventFilter(self)
        return self

    def uninstall(self, app: QApplication | None = None) -> None:
        self.flush()
        (app or QApplication.instance()).removeEventFilter(self)

    def flush(self) -> None:
        """Deliver whatever is held now (e.g. before a modal dialog opens)."""
        self._timer.stop()
        self._apply(self.detector.flush())

    @property
    def holding(self) -> int:
        return len(self._held)

    # --- the filter --------------------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # Qt naming
        et = event.type()
        if et not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) or self._replaying or not self.enabled:
            return False
        # Key events reach the QWindow first, then the focus widget, then (if ignored) its parents.
        # Decide at the first widget that sees the press; pass everything else through.
        if not isinstance(obj, QWidget):
            return False
        assert isinstance(event, QKeyEvent)
        key = event.key()
        if et == QEvent.Type.KeyRelease:
            if self._swallow_release[key] > 0:
                self._swallow_release[key] -= 1
                return True
            return False

        if key in _MODIFIER_KEYS:
            return False
        t = float(event.timestamp())
        if not t:
            if self.untimed == "pass":
                if self.detector.pending:
                    self._apply(self.detector.feed_other())
                return False
            t = self._clock()
        text = event.text()
        mods = event.modifiers()
        if key in _ENTER_KEYS and not (mods & _SHORTCUT_MODIFIERS):
            res = self.detector.feed_enter(t)
            self._apply(res)
            if res.consumed:
                self._swallow_release[key] += 1
                return True
            return False
        if text and text.isprintable() and not (mods & _SHORTCUT_MODIFIERS):
            res = self.detector.feed_char(text, t)
            self._apply(res)                  # released earlier characters go first, in order
            self._held.append(_Held(obj, key, mods, text, event.isAutoRepeat()))
            self._swallow_release[key] += 1
            self._last_wall = self._clock()
            self._timer.start()
            return True
        # Backspace, arrows, Tab, Escape, shortcuts...: the burst is over; deliver held keys first.
        if self.detector.pending:
            self._apply(self.detector.feed_other(t))
        return False

    # --- internals ---------------------------------------------------------------------------------------
    def _on_timeout(self) -> None:
        if not self.detector.pending:
            return
        # Fire only after flush_after_ms of wall-clock silence (a busy event loop can delay key delivery).
        idle = self._clock() - self._last_wall
        if idle < self._timer.interval() - 1:
            self._timer.start(max(1, int(self._timer.interval() - idle)))
            return
        self._apply(self.detector.flush())

    def _apply(self, res: WedgeResult) -> None:
        if res.released:
            self._replay(len(res.released))
        if res.scan is not None:
            # The characters of the scan are consumed: drop their held events.
            n = len(res.scan)
            while n > 0 and self._held:
                n -= len(self._held.popleft().text)
            if not self.detector.pending:
                self._timer.stop()
            self.scanned.emit(res.scan)

    def _replay(self, nchars: int) -> None:
        """Re-deliver the oldest held presses covering *nchars* characters."""
        out: list[_Held] = []
        while nchars > 0 and self._held:
            h = self._held.popleft()
            nchars -= len(h.text)
            out.append(h)
        if not self._held:
            self._timer.stop()
        self._replaying = True
        try:
            for h in out:
                target = h.target if _is_valid(h.target) else QApplication.focusWidget()
                if target is None:
                    continue
                for et in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    QApplication.sendEvent(target, QKeyEvent(et, h.key, h.modifiers, h.text, h.autorep))
        finally:
            self._replaying = False
