"""Shared by the benchmarks: the sandbox platform in its own process, as the real platform would be."""
from __future__ import annotations

import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def sandbox_process(db_path: Path) -> Iterator[str]:
    """Run `yibao-terminal sandbox serve` on a free port; yields its URL."""
    proc = subprocess.Popen([sys.executable, "-m", "terminal", "sandbox", "serve", "--port", "0", "--db",
                             str(db_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(50):
            m = re.search(r"https?://127\.0\.0\.1:\d+", proc.stdout.readline())
            if m:
                break
        else:
            raise SystemExit("sandbox did not start")
        yield m.group(0)
    finally:
        proc.terminate()
        proc.wait(10)


def run_ui_bench(test: str, env: dict[str, str], out_var: str) -> dict:
    """Run a window benchmark (a pytest file under tests/ui, offscreen, in its own process) that writes its samples
    as JSON to the file named by the environment variable ``out_var``; its samples."""
    import json
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as td:
        out = Path(td) / "samples.json"
        full = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), **env, out_var: str(out)}
        p = subprocess.run([sys.executable, "-m", "pytest", test, "-q", "-s", "-p", "no:cacheprovider",
                            "-o", "timeout=900"], cwd=ROOT, env=full, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"bench failed (exit {p.returncode}):\n{(p.stdout or '')[-3000:]}")
        return json.loads(out.read_text())
