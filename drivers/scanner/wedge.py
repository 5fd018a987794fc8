"""Keyboard-wedge scanners: tell a scanner's burst of keystrokes from a person typing.

A 2D scanner in keyboard-wedge mode "types" what it read, a character every few milliseconds, and ends with
Enter.  A person types with gaps of 80-200 ms (a fast typist's rollover can bring two or three keys within
a few ms of each other, never eight in a row).  :class:`WedgeDetector` is the pure decision logic, fed with
characters and Enter together with their time stamps:

* every character is *held* for a moment, because it may be the first one of a burst;
* a character arriving more than ``max_interval_ms`` after the previous one ends the burst: the held
  characters are *released* (handed back in order, to be delivered as normal typing) and the new one is held;
* Enter arriving within ``max_interval_ms`` after a burst of at least ``min_length`` characters completes a
  *scan* (characters and Enter are consumed); any other Enter releases the held characters and passes;
* when nothing arrives for a while the caller calls :meth:`flush`, which releases what is held.

Characters are never lost or duplicated: each fed character comes out exactly once, either in ``released``
or inside ``scan``.  The Qt glue (an application-wide event filter) is ``terminal/ui/wedge.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["WedgeDetector", "WedgeResult"]


@dataclass(frozen=True)
class WedgeResult:
    released: str = ""          # held characters handed back as normal typing (deliver them first)
    scan: str | None = None     # a completed scan (its characters and terminator are consumed)
    consumed: bool = False      # the event just fed is consumed (held, or the terminator of a scan)

    def __bool__(self) -> bool:
        return bool(self.released) or self.scan is not None


class WedgeDetector:
    """Pure logic; time stamps in milliseconds from any monotonic clock (key-event time stamps)."""

    def __init__(self, max_interval_ms: float = 30, min_length: int = 8, *, max_length: int = 4096,
                 require_terminator: bool = True):
        if max_interval_ms <= 0 or min_length < 1:
            raise ValueError("max_interval_ms must be > 0 and min_length >= 1")
        self.max_interval_ms = float(max_interval_ms)
        self.min_length = int(min_length)
        self.max_length = int(max_length)
        self.require_terminator = require_terminator
        self._buf: list[str] = []
        self._last_t: float | None = None

    # --- state -------------------------------------------------------------------------------------------
    @property
    def held(self) -> str:
        """Characters currently held back (a burst may be under way)."""
        return "".join(self._buf)

    @property
    def pending(self) -> bool:
        return bool(self._buf)

    @property
    def last_time(self) -> float | None:
        return self._last_t

    def _take(self) -> str:
        s = "".join(self._buf)
        self._buf.clear()
        return s

    def _gap_ok(self, t_ms: float) -> bool:
        if self._last_t is None:
            return False
        gap = t_ms - self._last_t
        return 0 <= gap <= self.max_interval_ms

    # --- events ------------------------------------------------------------------------------------------
    def feed_char(self, ch: str, t_ms: float) -> WedgeResult:
        """A printable character (``ch`` may hold more than one character: a compressed key event).
        The character itself is held (``consumed=True``); previously held ones may be released."""
        if not ch:
            raise ValueError("empty character")
        released = ""
        scan = None
        if self._buf and not self._gap_ok(t_ms):
            # The burst (if any) ended without a terminator.
            if not self.require_terminator and len(self._buf) >= self.min_length:
                scan = self._take()
            else:
                released = self._take()
        if len(self._buf) + len(ch) > self.max_length:
            released += self._take()     # absurdly long: not a scanner we understand; give it back
        self._buf.append(ch)
        self._last_t = t_ms
        return WedgeResult(released=released, scan=scan, consumed=True)

    def feed_enter(self, t_ms: float) -> WedgeResult:
        """The terminator (Enter).  ``consumed=True`` when it completes a scan; otherwise the held
        characters are released and the caller lets the Enter through after them."""
        if self._buf and self._gap_ok(t_ms) and len(self.held) >= self.min_length:
            scan = self._take()
            self._last_t = t_ms
            return WedgeResult(scan=scan, consumed=True)
        released = self._take()
        self._last_t = t_ms
        return WedgeResult(released=released)

    def feed_other(self, t_ms: float | None = None) -> WedgeResult:
        """Any other key that edits or moves (Backspace, arrows, Tab, shortcuts): the burst is over;
        release what is held, then the caller lets the key through."""
        released = self._take()
        if t_ms is not None:
            self._last_t = t_ms
        return WedgeResult(released=released)

    def flush(self, now_ms: float | None = None) -> WedgeResult:
        """Nothing arrived for a while: release the held characters.  With *now_ms*, only when the last
        character is older than ``max_interval_ms`` (a burst may still be arriving otherwise); without it,
        unconditionally."""
        if not self._buf:
            return WedgeResult()
        if now_ms is not None and self._gap_ok(now_ms):
            return WedgeResult()
        if not self.require_terminator and len(self.held) >= self.min_length:
            return WedgeResult(scan=self._take())
        return WedgeResult(released=self._take())

    def reset(self) -> str:
        """Forget the state; returns what was held (the caller decides what to do with it)."""
        self._last_t = None
        return self._take()
