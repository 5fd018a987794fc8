"""Keyboard-wedge burst detection, pure logic: scanner bursts vs. people typing."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.scanner.wedge import WedgeDetector

CODE = "EC460100" + "Ab3dEf7h" * 6


class Feed:
    """Drives a detector like the Qt filter does; collects what would be typed and what was scanned."""

    def __init__(self, det: WedgeDetector):
        self.det, self.typed, self.scans, self.enters = det, [], [], 0

    def char(self, ch: str, t: float) -> None:
        r = self.det.feed_char(ch, t)
        assert r.consumed
        self.typed.append(r.released)
        if r.scan is not None:
            self.scans.append(r.scan)

    def enter(self, t: float) -> None:
        r = self.det.feed_enter(t)
        self.typed.append(r.released)
        if r.scan is not None:
            self.scans.append(r.scan)
        if not r.consumed:
            self.typed.append("\n")
            self.enters += 1

    def idle(self) -> None:
        r = self.det.flush()
        self.typed.append(r.released)
        if r.scan is not None:
            self.scans.append(r.scan)

    @property
    def text(self) -> str:
        return "".join(self.typed)


def type_text(feed: Feed, text: str, t0: float, gaps) -> float:
    t = t0
    for ch in text:
        t += next(gaps)
        feed.char(ch, t)
    return t


def test_scanner_burst_is_a_scan():
    f = Feed(WedgeDetector(30, 8))
    t = type_text(f, CODE, 1000, iter(lambda: 4, None))
    f.enter(t + 5)
    assert f.scans == [CODE] and f.text == "" and not f.det.pending


def test_human_typing_is_not_a_scan_and_nothing_is_lost():
    rng = random.Random(1)
    f = Feed(WedgeDetector(30, 8))
    text = "MZ2024010100012 hello"
    t = type_text(f, text, 0, iter(lambda: rng.uniform(80, 200), None))
    f.enter(t + 150)
    assert f.scans == [] and f.text == text + "\n"


def test_fast_typist_rollover_is_not_a_scan():
    # bursts of up to 3 keys within a few ms (rollover), then normal gaps; Enter right after a rollover
    gaps = iter([100, 10, 8, 120, 60, 12, 90, 70, 5, 9, 110, 80, 7, 65, 75] * 3)
    f = Feed(WedgeDetector(30, 8))
    text = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHI"
    t = type_text(f, text, 0, gaps)
    f.enter(t + 10)                        # within 30 ms, but only a short run of fast keys before it
    assert f.scans == [] and f.text == text + "\n"


def test_slow_start_then_burst():
    # a person typed "x", a moment later the scanner fires
    f = Feed(WedgeDetector(30, 8))
    f.char("x", 0)
    t = type_text(f, CODE, 500, iter(lambda: 3, None))
    f.enter(t + 3)
    assert f.text == "x" and f.scans == [CODE]


def test_burst_without_enter_is_handed_back_on_idle():
    f = Feed(WedgeDetector(30, 8))
    type_text(f, CODE, 0, iter(lambda: 3, None))
    assert f.det.pending and f.det.held == CODE
    assert not f.det.flush(now_ms=len(CODE) * 3 + 10)      # still within the interval: keep holding
    f.idle()
    assert f.text == CODE and f.scans == []


def test_burst_without_enter_can_count_as_a_scan():
    det = WedgeDetector(30, 8, require_terminator=False)
    f = Feed(det)
    type_text(f, CODE, 0, iter(lambda: 3, None))
    f.idle()
    assert f.scans == [CODE] and f.text == ""
    type_text(f, "abc", 1000, iter(lambda: 3, None))       # too short for a scan
    f.idle()
    assert f.text == "abc"


def test_short_burst_and_enter_is_typing():
    f = Feed(WedgeDetector(30, 8))
    t = type_text(f, "1234567", 0, iter(lambda: 3, None))  # 7 < min_length
    f.enter(t + 3)
    assert f.scans == [] and f.text == "1234567\n"


def test_other_keys_end_the_burst():
    det = WedgeDetector(30, 8)
    det.feed_char("a", 0)
    det.feed_char("b", 5)
    r = det.feed_other(8)
    assert r.released == "ab" and not det.pending
    assert det.reset() == "" and det.last_time is None


def test_clock_going_backwards_is_not_a_burst():
    det = WedgeDetector(30, 2)
    det.feed_char("a", 1000)
    r = det.feed_char("b", 10)
    assert r.released == "a"


def test_overlong_burst_is_handed_back():
    det = WedgeDetector(30, 8, max_length=10)
    out = ""
    for i, ch in enumerate("x" * 25):
        out += det.feed_char(ch, i).released
    assert out + det.held == "x" * 25 and len(det.held) <= 10


def test_arguments():
    with pytest.raises(ValueError):
        WedgeDetector(0, 8)
    with pytest.raises(ValueError):
        WedgeDetector().feed_char("", 0)


events = st.lists(st.tuples(st.sampled_from(["c", "c", "c", "c", "enter", "other", "idle"]),
                            st.floats(0, 250), st.sampled_from("aZ9-. 中")), max_size=80)


@settings(max_examples=300, deadline=None)
@given(events, st.integers(1, 60), st.integers(1, 12))
def test_every_character_comes_out_exactly_once_in_order(evs, interval, min_length):
    det = WedgeDetector(interval, min_length)
    out: list[str] = []
    fed: list[str] = []
    t = 0.0
    for kind, gap, ch in evs:
        t += gap
        if kind == "c":
            fed.append(ch)
            r = det.feed_char(ch, t)
        elif kind == "enter":
            r = det.feed_enter(t)
        elif kind == "other":
            r = det.feed_other(t)
        else:
            r = det.flush()
        out.append(r.released)
        if r.scan is not None:
            assert len(r.scan) >= min_length
            out.append(r.scan)
    out.append(det.flush().released)
    assert "".join(out) == "".join(fed)
