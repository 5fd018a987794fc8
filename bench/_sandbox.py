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
