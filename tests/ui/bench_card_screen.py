"""Benchmark (not collected as a test; run by bench/card_read.py under `flock /tmp/pcsc.lock`): a card inserted
into a real pcscd + vpcd reader, the real window offscreen with a bill loaded, the sandbox over HTTP.

Per cycle: card.insert() -> pcscd notices (vpcd asks for the ATR: card.seen_at) -> the monitor's event -> the read
and 1101 -> the patient identified on screen (the controller's state BILLED, the window rendered and repainted)
-> F5 pressed at once (as a cashier would) -> 2201/2203/2204/2206 -> the cash share on screen (PREVIEWED, the
amount in the cash label, repainted). Prints one JSON line per cycle: `[card-screen] {...}` (seconds).

    QT_QPA_PLATFORM=offscreen flock /tmp/pcsc.lock .venv/bin/python -m pytest tests/ui/bench_card_screen.py -q -s
"""
from __future__ import annotations

import json
import os
import time

import pytest

from terminal.core.flow import State

from ..integration.pcsc.pcsc_support import PCSCD, READER, Pcscd, _running_pid, card_present, wait_for

CYCLES = int(os.environ.get("YIBAO_CARD_SCREEN_N", "5"))


@pytest.fixture
def pcscd_up():
    if not PCSCD:
        pytest.skip("pcscd is not installed")
    svc = Pcscd()
    if _running_pid() is None:
        svc.start()
    elif not wait_for(svc.up, 2.0):
        pytest.fail(f"a pcscd is running without the {READER!r} reader")
    yield svc
    svc.stop()
    svc.log.unlink(missing_ok=True)


def test_card_insertion_to_cash_share_on_screen(make_desk, pcscd_up, capsys):
    from PySide6.QtCore import QTimer

    from drivers.pcsc import PcscCardReader
    from drivers.virtual import VirtualCard
    from drivers.virtual.profiles import profile_for

    desk = make_desk(customer=False, reader=PcscCardReader(READER))
    desk.load_bill()
    ctl, win, client = desk.ctl, desk.window, desk.ctl.session.client
    desk.qtbot.waitUntil(lambda: win.cards._watch is not None, timeout=5000)  # the reader's monitor is running
    desk.qtbot.wait(300)  # the monitor's first pass (the empty reader) is over
    marks: dict[str, float] = {}

    def on_changed(*_a) -> None:
        if ctl.busy:
            return
        if "ident" not in marks and ctl.state == State.BILLED and ctl.flow.person is not None:
            win.repaint()
            marks["ident"] = time.monotonic()
            marks["http_ident"] = client.http_total
            QTimer.singleShot(0, lambda: desk.key("F5"))
        elif "ident" in marks and "cash" not in marks and ctl.state == State.PREVIEWED and win.result.cash.text():
            win.repaint()
            marks["cash"] = time.monotonic()
            marks["http_cash"] = client.http_total

    ctl.changed.connect(on_changed)
    rows = []
    for i in range(CYCLES + 1):  # the first cycle warms up (connections, first paint of the panels)
        marks.clear()
        client.http_total = 0.0
        card = VirtualCard(profile_for("hainan-retiree"))
        t0 = time.monotonic()
        card.insert()
        desk.qtbot.waitUntil(lambda: "cash" in marks, timeout=15000)
        if i:
            rows.append({"seen": card.seen_at - t0, "ident": marks["ident"] - card.seen_at,
                         "cash": marks["cash"] - card.seen_at, "http_ident": marks["http_ident"],
                         "http_cash": marks["http_cash"]})
        card.remove()
        assert wait_for(lambda: not card_present(READER), 3.0)
        desk.qtbot.waitUntil(lambda: not ctl.busy, timeout=5000)
        desk.qtbot.wait(50 + (i % 4) * 100)  # spread insertions over pcscd's polling period
    ctl.changed.disconnect(on_changed)
    with capsys.disabled():
        for r in rows:
            print("[card-screen] " + json.dumps(r))
    assert len(rows) == CYCLES
