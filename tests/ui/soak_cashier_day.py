"""A cashier's day in fast-forward (not part of the suite: run by bench/ui_soak.py).

N patients settled through the real window against the sandbox over HTTP: identify by ID number, load the bill,
one item more from the catalogue through F4 by its pinyin initials (as a cashier adds one: the picker dialog, the
search; YIBAO_SOAK_F4=0 leaves it out, the day measured before issue 16), F5, F9, Esc. Samples the process's RSS
after every patient (after a gc.collect, outside the timed part) and the number of live QObjects under the app
(by class at N/2 and N: what grew is printed); prints the time per patient, the RSS after N and its slope over the
last half; fails on any crash, stuck state or a settlement booked twice.

Environment: YIBAO_SOAK_N (patients, default 60), YIBAO_SOAK_OUT (write the samples as JSON there),
YIBAO_SOAK_TRACE=1 (tracemalloc snapshots at N/4 and 3N/4, the biggest growths printed), YIBAO_SOAK_NO_RECEIPTS=1
(the session's in-memory day of receipts, kept for the journal view and reprints, is not kept: what the rest of
the window's growth is, for the attribution in bench/ui_soak.py --no-receipts).
"""
from __future__ import annotations

import gc
import json
import os
import sys
import time

import pytest

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


def heap_mb() -> float:
    """glibc's bytes in use (mallinfo2 uordblks + hblkhd): live native + Python allocations, without what
    malloc keeps freed."""
    import ctypes

    class MI(ctypes.Structure):
        _fields_ = [(k, ctypes.c_size_t) for k in
                    ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                     "fordblks", "keepcost")]

    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = MI
    m = libc.mallinfo2()
    return (m.uordblks + m.hblkhd) / 1e6


def smaps() -> dict[str, int]:
    """RSS in KB per kind of mapping (file name, [heap], [anon], [stack])."""
    out: dict[str, int] = {}
    name = ""
    with open("/proc/self/smaps") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5 and not parts[0].endswith(":"):
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                # anonymous mappings by size: 64 MiB malloc arenas of threads, 8 MiB thread stacks, ...
                name = parts[5] if len(parts) > 5 else f"[anon {(hi - lo) >> 20} MiB]"
            elif parts[0] == "Rss:":
                out[name] = out.get(name, 0) + int(parts[1])
    return out


def sqlite_mb() -> float:
    """What SQLite holds (page caches, statements) across every connection of the process."""
    import ctypes

    lib = ctypes.CDLL("libsqlite3.so.0")
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    return lib.sqlite3_memory_used() / 1e6


def qobjects(desk) -> int:
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication

    n = len(desk.window.findChildren(QObject))
    return n + len(QApplication.allWidgets())


def qobject_classes(desk) -> dict[str, int]:
    """Live QObjects by class: the window's descendants and every widget of the app (counted once)."""
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication

    seen: dict[int, str] = {}
    for o in [desk.window, *desk.window.findChildren(QObject), *QApplication.allWidgets()]:
        seen.setdefault(id(o), o.metaObject().className())
    out: dict[str, int] = {}
    for name in seen.values():
        out[name] = out.get(name, 0) + 1
    return out


class SandboxProcess:
    """The sandbox platform in a process of its own, as the real platform is: the soak's RSS is then the
    terminal's alone (YIBAO_SOAK_SANDBOX=inproc serves it from a thread of the terminal's process, as tests do)."""

    def __init__(self, db_path):
        import subprocess
        import sys

        self.db_path = db_path
        self.proc = subprocess.Popen([sys.executable, "-m", "terminal.sandbox.server", "--port", "0",
                                      "--db", str(db_path)], stdout=subprocess.PIPE, text=True,
                                     stderr=subprocess.DEVNULL)
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http"), "the sandbox process did not start"

    def ledger(self) -> list[dict]:
        from terminal.sandbox.platform import Platform
        from terminal.sandbox.policy import Policies
        from terminal.sandbox.store import Store

        return Platform(Store(self.db_path), Policies()).ledger()

    def rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def sandbox(tmp_path, request):
    if os.environ.get("YIBAO_SOAK_SANDBOX") == "inproc":
        yield request.getfixturevalue("_inproc_sandbox")
        return
    srv = SandboxProcess(tmp_path / "sandbox.sqlite")
    yield srv
    srv.stop()


@pytest.fixture
def _inproc_sandbox(tmp_path):
    from terminal.sandbox.server import SandboxServer

    srv = SandboxServer(db_path=tmp_path / "sandbox.sqlite")
    srv.start()
    yield srv
    srv.stop()


def add_by_pinyin(desk, initials: str = "lhqw") -> None:
    """F4, the pinyin initials, Enter (the first hit added), Esc: the picker closes."""
    from PySide6.QtCore import Qt

    from terminal.ui.items import ItemPicker

    before = len(desk.ctl.items)
    desk.key("F4")
    desk.qtbot.waitUntil(lambda: desk.active_dialog(ItemPicker) is not None, timeout=5000)
    p = desk.active_dialog(ItemPicker)
    desk.qtbot.keyClicks(p.search, initials)
    desk.qtbot.keyClick(p.search, Qt.Key.Key_Return)
    assert len(desk.ctl.items) == before + 1
    desk.qtbot.keyClick(p, Qt.Key.Key_Escape)
    desk.qtbot.waitUntil(lambda: not p.isVisible(), timeout=5000)


def test_a_cashier_day(desk):
    n = int(os.environ.get("YIBAO_SOAK_N", "60"))
    f4 = os.environ.get("YIBAO_SOAK_F4", "1") != "0"
    if os.environ.get("YIBAO_SOAK_NO_RECEIPTS") == "1":
        desk.ctl.session.journal.record = lambda _r: None
    trace = os.environ.get("YIBAO_SOAK_TRACE") == "1"
    if trace:
        import tracemalloc

        tracemalloc.start(12)
    snaps = {}
    times, rss, qobj, heap, sqlm, blocks, qobj_at = [], [], [], [], [], [], []
    gc.collect()
    rss0 = rss_mb()
    for i in range(n):
        t0 = time.perf_counter()
        desk.identify_by_id(KEYS[i % len(KEYS)])
        desk.load_bill()
        # each round another bill (one more of the first line): the same person's identical bill within
        # 30 minutes would rightly ask whether it is a duplicate
        assert desk.ctl.set_qty(0, 1 + i // len(KEYS))
        if f4:
            add_by_pinyin(desk)
        desk.preview()
        desk.settle()
        desk.key("Escape")
        desk.wait_state(State.IDLE)
        times.append(time.perf_counter() - t0)
        desk.qtbot.wait(0)
        gc.collect()
        rss.append(rss_mb())
        if i % 10 == 0 or i + 1 in (n // 2, n):  # findChildren wraps every object it returns: counting after
            qobj.append(qobjects(desk))  # each patient cost the soak itself ~2 KB/patient (tracemalloc)
            qobj_at.append(i)
        heap.append(heap_mb())
        sqlm.append(sqlite_mb())
        blocks.append(sys.getallocatedblocks() / 1000)  # thousands of live Python memory blocks
        if i + 1 in (n // 2, n):
            snaps[f"classes{i + 1}"] = qobject_classes(desk)
        if os.environ.get("YIBAO_SOAK_SMAPS") == "1" and i + 1 in (n // 2, n):
            snaps[f"smaps{i + 1}"] = smaps()
        if trace and i + 1 in (n // 4, 3 * n // 4):
            import tracemalloc

            snaps[i + 1] = tracemalloc.take_snapshot()
    half = rss[n // 2:]
    out = {"n": n, "f4": f4, "sandbox": "process" if isinstance(desk.sandbox, SandboxProcess) else "inproc",
           "sandbox_rss": desk.sandbox.rss_mb() if isinstance(desk.sandbox, SandboxProcess) else None,
           "rss0": rss0, "rss": rss, "times": times, "qobjects": qobj, "heap": heap,
           "heap_slope_kb": slope_kb(heap[n // 2:]),
           "py_blocks": blocks, "py_blocks_slope": slope_kb(blocks[n // 2:]) / 1000,
           "sqlite": sqlm, "sqlite_slope_kb": slope_kb(sqlm[n // 2:]),
           "slope_kb": slope_kb(half), "qobj_at": qobj_at,
           "qobj_slope": (qobj[-1] - qobj[qobj_at.index(n // 2 - 1)]) / max(1, n - n // 2) if n >= 2 else 0.0}
    st = sorted(times)
    print(f"\n[soak] {n} patients through the window: median {st[n // 2] * 1000:.0f} ms per patient, "
          f"p95 {st[int(n * 0.95) - 1] * 1000:.0f} ms; RSS {rss0:.0f} MB -> {rss[-1]:.0f} MB, "
          f"slope over the last {len(half)} {out['slope_kb']:.1f} KB/patient; "
          f"QObjects {qobj[0]} -> {qobj[-1]}; malloc in use {heap[0]:.0f} -> {heap[-1]:.0f} MB, "
          f"slope {out['heap_slope_kb']:.1f} KB/patient; SQLite {sqlm[0]:.1f} -> {sqlm[-1]:.1f} MB, "
          f"slope {out['sqlite_slope_kb']:.1f} KB/patient; Python blocks +{out['py_blocks_slope']:.1f}/patient")
    if f"classes{n}" in snaps:
        a, b = snaps.pop(f"classes{n // 2}", {}), snaps.pop(f"classes{n}")
        grew = sorted(((b.get(k, 0) - a.get(k, 0), k) for k in set(a) | set(b)), reverse=True)
        out["qobject_growth"] = {k: d for d, k in grew if d}
        print(f"[soak] live QObjects by class, patient {n // 2} -> {n}: "
              + (", ".join(f"{k} {d:+d}" for d, k in grew if d) or "no change"))
    if f"smaps{n}" in snaps:
        a, b = snaps.pop(f"smaps{n // 2}"), snaps.pop(f"smaps{n}")
        grew = sorted(((b.get(k, 0) - a.get(k, 0), k) for k in set(a) | set(b)), reverse=True)
        print(f"[soak] RSS growth by mapping between patient {n // 2} and {n}: "
              + ", ".join(f"{k} {d:+d} KB" for d, k in grew[:8] if d))
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
