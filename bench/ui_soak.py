"""A cashier's day in fast-forward through the real window (offscreen): memory after N patients, its slope over
the last half, and the time per patient.

Run: .venv/bin/python bench/ui_soak.py [N] [--inproc] [--trace] [--no-f4] [--json PATH]
Figure 7 of issue 16 is the full run: 400 patients (the default here, figures(quick=False)), a few minutes.
bench/all.py runs figures(quick=True): 60 patients, ~30 s on an idle machine: the RSS after 60 is a figure of its
own (named so), and its slope over the last 30 is printed without a target (warm-up: the session's first SQLite
pages, Qt's caches), the 400-patient run decides "no slope".
Each patient adds one catalogue item through F4 by pinyin initials (the picker dialog and the search, as at a real
desk); --no-f4: the day measured before issue 16 (bill file only). --json: the raw samples written there.
--no-receipts: the session's in-memory day of receipts (terminal.app.SessionJournal) not kept, to see what of the
slope they are.

The day runs in a fresh interpreter (tests/ui/soak_cashier_day.py under pytest) against the sandbox platform over
HTTP served from a process of its own, as the real platform is, so the RSS is the terminal's alone: one process
that did nothing but start the app and serve N patients (``--inproc``: the sandbox on a thread of that process, as
the tests run it and as main measured 157 -> 199 MB). RSS is sampled after every patient, after gc.collect(); the
slope is a least-squares fit over the samples of the last half, in KB per patient. Time per patient is the median
wall time of identify -> bill -> F5 -> F9 -> Enter (exact cash) -> Esc (sampling excluded).

Keystrokes per patient (tests/ui/keys_per_patient.py, a run of its own): the card inserted, two catalogue items
through F4, F5, F9, the cash share tendered exact (Enter), the next card; every key counted where a real keystroke
goes (target <= 12).
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._figures import Figure, show  # noqa: E402

RSS_TARGET_MB = 180.0
KEYS_TARGET = 12
SLOPE_TARGET_KB = 2.0  # "no slope": below the noise of one page per patient


QUICK_N = 60


def run(n: int, trace: bool = False, inproc: bool = False, f4: bool = True, keep: str = "",
        no_receipts: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as td:
        out = Path(td) / "soak.json"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "YIBAO_SOAK_N": str(n), "YIBAO_SOAK_OUT": str(out)}
        if trace:
            env["YIBAO_SOAK_TRACE"] = "1"
        if inproc:
            env["YIBAO_SOAK_SANDBOX"] = "inproc"
        if not f4:
            env["YIBAO_SOAK_F4"] = "0"
        if no_receipts:
            env["YIBAO_SOAK_NO_RECEIPTS"] = "1"
        p = subprocess.run([sys.executable, "-m", "pytest", "tests/ui/soak_cashier_day.py", "-q", "-s",
                            "-p", "no:cacheprovider", "-o", "timeout=3600"], cwd=ROOT, env=env,
                           capture_output=not trace, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"soak failed (exit {p.returncode}):\n{(p.stdout or '')[-3000:]}")
        if keep:
            Path(keep).write_text(out.read_text())
        return json.loads(out.read_text())


def keystrokes(n: int = 4) -> dict:
    """The keys per patient through the window (tests/ui/keys_per_patient.py)."""
    with tempfile.TemporaryDirectory() as td:
        out = Path(td) / "keys.json"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "YIBAO_KEYS_N": str(n), "YIBAO_KEYS_OUT": str(out)}
        p = subprocess.run([sys.executable, "-m", "pytest", "tests/ui/keys_per_patient.py", "-q", "-s",
                            "-p", "no:cacheprovider"], cwd=ROOT, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"keystroke run failed (exit {p.returncode}):\n{(p.stdout or '')[-3000:]}")
        return json.loads(out.read_text())


def keys_figure(n: int = 4) -> Figure:
    k = keystrokes(n)
    lines = k["lines"][0] if k["lines"] else []
    return Figure("ui keystrokes per patient (card, two catalogue items, exact cash, next card)", k["mean"], "keys",
                  target=f"<= {KEYS_TARGET}", ok=k["mean"] <= KEYS_TARGET,
                  note=f"per patient {k['counts']}; the bill had {len(lines)} line(s) {lines}")


def figures(quick: bool = True) -> list[Figure]:
    return figures_for(QUICK_N if quick else 400) + [keys_figure()]


def figures_for(n: int, inproc: bool = False, f4: bool = True, keep: str = "", no_receipts: bool = False
                ) -> list[Figure]:
    r = run(n, inproc=inproc, f4=f4, keep=keep, no_receipts=no_receipts)
    half = n - n // 2
    full = n >= 400  # figure 7 is the 400-patient day; a shorter run's slope is mostly warm-up
    rss = r["rss"][-1]
    slope = r["slope_kb"]
    per = statistics.median(r["times"]) * 1000
    where = f"in its own process ({r['sandbox_rss']:.0f} MB)" if r["sandbox"] == "process" else "in-process"
    day = ("" if r.get("f4", True) else "bill file only (--no-f4); ") + (
        "without the day's receipts in memory (--no-receipts); " if no_receipts else "")
    return [
        Figure(f"ui soak RSS after {n} patients" + ("" if full else " (quick run; figure 7 is 400)"), rss, "MB",
               target=f"< {RSS_TARGET_MB:.0f} MB", ok=rss < RSS_TARGET_MB,
               note=f"{day}{r['rss0']:.0f} MB before the first patient; sandbox {where}"),
        Figure(f"ui soak RSS slope over the last {half} patients", slope, "KB/patient",
               target=f"< {SLOPE_TARGET_KB:g} KB/patient" if full else "", ok=slope < SLOPE_TARGET_KB if full else None,
               note=("" if full else "warm-up, no target below 400 patients; ")
               + f"malloc in use {r['heap_slope_kb']:.1f} KB/patient, SQLite {r['sqlite_slope_kb']:.1f}; "
               f"live QObjects {r['qobjects'][0]} -> {r['qobjects'][-1]}"),
        Figure("ui soak time per patient (median)", per, "ms",
               note=f"p95 {sorted(r['times'])[int(n * 0.95) - 1] * 1000:.0f} ms"),
    ]


if __name__ == "__main__":
    argv = sys.argv[1:]
    keep = argv[argv.index("--json") + 1] if "--json" in argv else ""
    args = [a for a in argv if not a.startswith("-") and a != keep]
    n = int(args[0]) if args else 400
    f4 = "--no-f4" not in argv
    if "--trace" in argv:  # tracemalloc diff between patient N/4 and 3N/4, printed by the soak itself
        run(n, trace=True, inproc="--inproc" in argv, f4=f4)
    else:
        show(figures_for(n, inproc="--inproc" in argv, f4=f4, keep=keep, no_receipts="--no-receipts" in argv)
             + [keys_figure()])
