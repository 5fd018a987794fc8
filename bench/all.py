"""Every performance figure from one command, one line per figure (bench/_figures.py):

    figure: value  (peer: value, ratio)  target: …  OK|over

Imports ``figures(quick=True)`` from each benchmark module below and prints what it returns. Each module runs in
its own Python process (a fresh interpreter, as a Qt application or a cold start needs, and a crash or a hang in
one cannot take the others down); a module that is missing, has no ``figures()``, fails or runs out of time prints
one line ``name: failed (reason)`` and the run goes on. At the end: how many figures are OK / over and the total time.

Run: .venv/bin/python bench/all.py [--only settle_latency,cold_start] [--timeout 60]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._figures import Figure  # noqa: E402

# (module, the most seconds it may take in quick mode: a cap against a hang; a normal run of all takes ~100 s)
MODULES: list[tuple[str, float]] = [
    ("settle_latency", 40),
    ("cold_start", 30),
    ("card_read", 45),
    ("journal", 30),
    ("queue_replay", 30),
    ("qr_decode", 30),
    ("ui_soak", 90),  # 60 patients and the keystroke run: ~40 s idle, 85 s seen on a loaded machine
    ("ui_stall", 30),
    ("his_push", 60),
    ("pharmacy_counter", 60),
]
_TAG = "@@FIGURE@@ "


def _child(name: str) -> int:
    """In the child process: import bench.<name>, call figures(quick=True), print each figure as tagged JSON."""
    import importlib
    try:
        mod = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as e:
        if e.name in (f"bench.{name}", "bench"):
            print(f"{_TAG}{json.dumps({'failed': 'no such module'})}", flush=True)
            return 0
        raise
    if not hasattr(mod, "figures"):
        print(f"{_TAG}{json.dumps({'failed': 'no figures() in the module'})}", flush=True)
        return 0
    for fig in mod.figures(quick=True):
        print(_TAG + json.dumps(dataclasses.asdict(fig), ensure_ascii=False), flush=True)
    return 0


def _run(name: str, timeout: float) -> tuple[list[Figure], str | None]:
    """Run one module in its own process; returns its figures and, if it failed, why."""
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", name], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err_text = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the module's own children too (a sandbox, a pytest run)
        out, _ = proc.communicate()
        figs, _ = _parse(out or "")
        return figs, f"no answer within {timeout:.0f} s"
    figs, failed = _parse(out)
    if failed:
        return figs, failed
    if proc.returncode != 0:
        err = [ln for ln in err_text.strip().splitlines() if ln.strip()]
        return figs, (err[-1].strip() if err else f"exit status {proc.returncode}")[:200]
    if not figs:
        return figs, "no figures returned"
    return figs, None


def _parse(out: str) -> tuple[list[Figure], str | None]:
    figs: list[Figure] = []
    for line in out.splitlines():
        if line.startswith(_TAG):
            d = json.loads(line[len(_TAG):])
            if "failed" in d:
                return figs, d["failed"]
            figs.append(Figure(**d))
    return figs, None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--only", help="comma-separated module names of bench/, in this order (default: all)")
    ap.add_argument("--timeout", type=float, help="seconds per module (default: each module's own budget)")
    args = ap.parse_args()
    if args.child:
        return _child(args.child)
    budgets = dict(MODULES)
    names = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else list(budgets)
    t0 = time.perf_counter()
    ok = over = info = failed = 0
    for name in names:
        budget = budgets.get(name, 60.0)
        figs, why = _run(name, args.timeout or budget)
        for f in figs:
            print(f.line(), flush=True)
            if f.ok is None:
                info += 1
            elif f.ok:
                ok += 1
            else:
                over += 1
        if why:
            failed += 1
            print(f"{name}: failed ({why})", flush=True)
    total = time.perf_counter() - t0
    print(f"-- {ok} OK, {over} over, {info} without target, {failed} module(s) failed; total {total:.1f} s",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
