"""A cashier's day in fast-forward (not part of the suite: run by bench/ui_soak.py).

N patients settled through the real window against the sandbox over HTTP: identify by ID number, load the bill,
F5, F9, Esc. Prints the time per patient and the process's memory before and after; fails on any crash,
stuck state or a settlement booked twice.
"""
from __future__ import annotations

import os
import time

from terminal.core.flow import State

KEYS = ["local", "hainan-retiree", "sichuan-resident", "chongqing-employee", "guizhou-resident", "tibet-resident"]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def test_a_cashier_day(desk):
    n = int(os.environ.get("YIBAO_SOAK_N", "60"))
    times = []
    rss = [rss_mb()]
    for i in range(n):
        t0 = time.perf_counter()
        desk.identify_by_id(KEYS[i % len(KEYS)])
        desk.load_bill()
        # each round another bill (one more of the first line): the same person's identical bill within
        # 30 minutes would rightly ask whether it is a duplicate
        assert desk.ctl.set_qty(0, 1 + i // len(KEYS))
        desk.preview()
        desk.settle()
        desk.key("Escape")
        desk.wait_state(State.IDLE)
        times.append(time.perf_counter() - t0)
        if (i + 1) % 20 == 0:
            rss.append(rss_mb())
    times.sort()
    print(f"\n[soak] {n} patients through the window: median {times[n // 2] * 1000:.0f} ms per patient, "
          f"p95 {times[int(n * 0.95) - 1] * 1000:.0f} ms; RSS {rss[0]:.0f} MB -> "
          + " -> ".join(f"{r:.0f}" for r in rss[1:]) + " MB")
    assert len(desk.booked()) == n
    assert len({r["setl_id"] for r in desk.booked()}) == n
