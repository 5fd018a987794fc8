"""The start path (store, session, app, login) does not import what the login screen does not need, and the
bench marker (YIBAO_BENCH_READY) tells when the login screen is shown: bench/cold_start.py relies on both."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support import ROOT

# and what is imported only when configured or needed (issue 16: ~95 MB resident between them)
HEAVY = ("numpy", "pandas", "PIL", "qrcode", "cv2", "pyzbar", "openpyxl", "pypinyin", "escpos", "cheroot",
         "jsonschema")


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, QT_QPA_PLATFORM="offscreen", **env))


def test_start_path_leaves_heavy_modules_unimported():
    r = _run("import sys; import terminal.cli, terminal.store, terminal.app, terminal.ui.app, "
             "terminal.ui.login, terminal.ui.receipt; "
             f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_numpy_still_imports_after_the_store_and_sqlite_utils_works():
    r = _run("import sys, sqlite3; import terminal.store.db as d; import numpy; "
             "db = d.sqlite_utils.Database(sqlite3.connect(':memory:')); db['t'].insert({'a': 1}); "
             "print(numpy.__name__, db['t'].count)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["numpy", "1"]


def test_bench_ready_marker_printed_when_login_is_shown():
    with tempfile.TemporaryDirectory() as td:
        cfg = Path(td) / "c.toml"
        cfg.write_text(f'[backend]\nurl = "sandbox"\n[card]\nvirtual = true\n[store]\ndir = "{td}/d"\n'
                       f'[log]\ndir = "{td}/l"\n[ui]\ncustomer_display = false\n', "utf-8")
        proc = subprocess.Popen([sys.executable, "-m", "terminal", "app", "--config", str(cfg)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                env=dict(os.environ, QT_QPA_PLATFORM="offscreen", YIBAO_BENCH_READY="1"))
        try:
            line = proc.stdout.readline()
        finally:
            proc.terminate()
            proc.wait(20)
    assert line.strip() == "READY"
