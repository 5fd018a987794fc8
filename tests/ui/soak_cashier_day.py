"""A cashier's day in fast-forward (not part of the suite: run by bench/ui_soak.py).

N patients settled through the real window against the sandbox over HTTP: identify by ID number, load the bill,
F5, F9, Esc. Samples the process's RSS after every patient (after a gc.collect, outside the timed part) and
the number of live QObjects under the app; prints the time per patient, the RSS after N and its slope over the
last half; fails on any crash, stuck state or a settlement booked twice.

Environment: YIBAO_SOAK_N (patients, default 60), YIBAO_SOAK_OUT (write the samples as JSON there),
YIBAO_SOAK_TRACE=1 (tracemalloc snapshots at N/4 and 3N/4, the biggest growths printed).
"""
from __future__ import annotations

import gc
import json
import os
import time

from terminal.core.flow import State

KEYS = ["local", "hainan-retiree", "sichuan-resident", "chongqing-employee", "guizhou-resident", "tibet-resident"]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def slope_kb(ys: list[float]) -> float:
    """Least-squares slope of MB samples (one per patient), in KB per patient."""
    n = len(ys)
    if n < 2:
        return 0.0
    mx = (n - 1) / 2
    my = sum(ys) / n
    num = sum((i - mx) * (y - my) for i, y in enumerate(ys))
    den = sum((i - mx) ** 2 for i in range(n))
    return num / den * 1000


def qobjects(desk) -> int:
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication

    n = len(desk.window.findChildren(QObject))
    return n + len(QApplication.allWidgets())


def test_a_cashier_day(desk):
    n = int(os.environ.get("YIBAO_SOAK_N", "60"))
    trace = os.environ.get("YIBAO_SOAK_TRACE") == "1"
    if trace:
        import tracemalloc

        tracemalloc.start(12)
    snaps = {}
    times, rss, qobj = [], [], []
    gc.collect()
    rss0 = rss_mb()
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
        desk.qtbot.wait(0)
        gc.collect()
        rss.append(rss_mb())
        qobj.append(qobjects(desk))
        if trace and i + 1 in (n // 4, 3 * n // 4):
            import tracemalloc

            snaps[i + 1] = tracemalloc.take_snapshot()
    half = rss[n // 2:]
    out = {"n": n, "rss0": rss0, "rss": rss, "times": times, "qobjects": qobj,
           "slope_kb": slope_kb(half), "qobj_slope": slope_kb(qobj[n // 2:]) / 1000}
    st = sorted(times)
    print(f"\n[soak] {n} patients through the window: median {st[n // 2] * 1000:.0f} ms per patient, "
          f"p95 {st[int(n * 0.95) - 1] * 1000:.0f} ms; RSS {rss0:.0f} MB -> {rss[-1]:.0f} MB, "
          f"slope over the last {len(half)} {out['slope_kb']:.1f} KB/patient; "
          f"QObjects {qobj[0]} -> {qobj[-1]}")
    if trace and len(snaps) == 2:
        a, b = (snaps[k] for k in sorted(snaps))
        print(f"[soak] tracemalloc growth between patient {min(snaps)} and {max(snaps)}:")
        for s in b.compare_to(a, "traceback")[:15]:
            print(f"  {s.size_diff / 1024:+.0f} KB {s.count_diff:+d} blocks")
            for line in s.traceback.format()[-8:]:
                print("     ", line)
    if os.environ.get("YIBAO_SOAK_OUT"):
        with open(os.environ["YIBAO_SOAK_OUT"], "w") as f:
            json.dump(out, f)
    assert len(desk.booked()) == n
    assert len({r["setl_id"] for r in desk.booked()}) == n
