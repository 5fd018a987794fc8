"""Benchmark: cold start of the cashier app to a usable login screen.

Starts `python -m terminal app --config <tmp>` (training sandbox in-process, virtual card, no customer display)
offscreen in a fresh process with YIBAO_BENCH_READY=1: the app prints "READY" once the login dialog is shown and
painted (terminal/ui/app.py). The wall time from spawning the process to that line, median of 5 (quick) or 9
runs, one discarded warm-up run first (the page cache, as after the cashier's first start of the day).
Peer: a bare `python -c "import PySide6.QtWidgets; QApplication; QDialog shown"` to the same point.
Target: < 1.5 s.  `--importtime` prints the slowest imports (python -X importtime) of one start.
Run: .venv/bin/python bench/cold_start.py [--n 9] [--importtime]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._figures import Figure, median, show  # noqa: E402

_BARE = ("import sys; from PySide6.QtWidgets import QApplication, QDialog; from PySide6.QtCore import QTimer; "
         "app = QApplication(sys.argv[:1]); d = QDialog(); d.show(); "
         "QTimer.singleShot(0, lambda: (d.repaint(), print('READY', flush=True))); app.exec()")


def _config(tmp: Path) -> Path:
    p = tmp / "config.toml"
    p.write_text(f"""[backend]
url = "sandbox"

[card]
virtual = true

[store]
dir = "{tmp / 'data'}"

[log]
dir = "{tmp / 'log'}"

[ui]
customer_display = false
""", "utf-8")
    return p


def _env() -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", YIBAO_BENCH_READY="1")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _time_to_ready(cmd: list[str], timeout: float = 30.0, stderr_to: Path | None = None) -> float:
    err = open(stderr_to, "w") if stderr_to else subprocess.DEVNULL
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        while True:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"exited ({proc.wait(5)}) before READY: {' '.join(cmd[-3:])}")
            if line.strip() == "READY":
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError("no READY within the timeout")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if stderr_to:
            err.close()


def app_cmd(cfg: Path, *flags: str) -> list[str]:
    return [sys.executable, *flags, "-m", "terminal", "app", "--config", str(cfg)]


def figures(quick: bool = True) -> list[Figure]:
    n = 5 if quick else 9
    with tempfile.TemporaryDirectory() as td:
        cfg = _config(Path(td))
        _time_to_ready(app_cmd(cfg))  # warm-up: page cache, .pyc files, first-run data dirs
        app, bare = [], []
        for _ in range(n):  # alternate, so both see the same load
            app.append(_time_to_ready(app_cmd(cfg)))
            bare.append(_time_to_ready([sys.executable, "-c", _BARE]))
    v = median(app)
    return [Figure("cold start to a usable login screen, median", v * 1000, "ms", target="< 1500 ms",
                   ok=v < 1.5, peer_name="bare PySide6 app showing a dialog", peer_value=median(bare) * 1000,
                   note=f"n={n}, min {min(app) * 1000:.0f} ms, max {max(app) * 1000:.0f} ms")]


def importtime(top: int = 30) -> None:
    with tempfile.TemporaryDirectory() as td:
        cfg = _config(Path(td))
        log = Path(td) / "imports.txt"
        _time_to_ready(app_cmd(cfg, "-X", "importtime"), stderr_to=log)
        rows = []
        for ln in log.read_text().splitlines():
            if ln.startswith("import time:") and "|" in ln:
                self_us, cum_us, name = [x.strip() for x in ln[len("import time:"):].split("|")]
                if cum_us.isdigit():
                    rows.append((int(cum_us), int(self_us), name))
    for cum, own, name in sorted(rows, reverse=True)[:top]:
        print(f"{cum / 1000:8.1f} ms cumulative {own / 1000:7.1f} ms own  {name}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--importtime", action="store_true")
    args = ap.parse_args()
    if args.importtime:
        importtime()
        return
    show(figures(quick=args.n <= 5))


if __name__ == "__main__":
    main()
