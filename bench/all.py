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
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._figures import Figure  # noqa: E402

# (module, seconds it may take in quick mode) — the budgets add up to well under 3 minutes.
MODULES: list[tuple[str, float]] = [
    ("settle_latency", 40),
    ("cold_start", 30),
    ("card_read", 45),
    ("journal", 30),
    ("queue_replay", 30),
    ("qr_decode", 30),
    ("ui_soak", 60),
    ("ui_stall", 30),
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
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", name], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        figs, _ = _parse(out)
        return figs, f"no answer within {timeout:.0f} s"
    figs, failed = _parse(proc.stdout)
    if failed:
        return figs, failed
    if proc.returncode != 0:
        err = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
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
    ap.add_argument("--only", help="comma-separated module names (default: all)")
    ap.add_argument("--timeout", type=float, help="seconds per module (default: each module's own budget)")
    args = ap.parse_args()
    if args.child:
        return _child(args.child)
    wanted = set(args.only.split(",")) if args.only else None
    t0 = time.perf_counter()
    ok = over = info = failed = 0
    for name, budget in MODULES:
        if wanted is not None and name not in wanted:
            continue
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
