"""terminal.crash in a real process: an uncaught exception and a native crash end in masked reports."""
from __future__ import annotations

import subprocess
import sys

from terminal import __version__
from tests.unit.test_crash_handler import ID, NAME, assert_masked


def test_uncaught_exception_in_a_real_process(tmp_path):
    """End to end: a CLI process dies of an exception; stderr has the message, the report is masked."""
    script = f"""
import sys
from terminal.config import Config
from terminal.crash import install_crash_handler
from terminal.logsetup import setup_logging
c = Config(); c.store.dir = {str(tmp_path / 'data')!r}; c.log.dir = {str(tmp_path / 'log')!r}
setup_logging(c.log_dir)
install_crash_handler(c)
import logging; logging.getLogger("test").info("about to settle certno {ID}")
raise LookupError("person certno={ID} psn_name='{NAME}'")
"""
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert "错误报告已保存" in p.stderr and ID not in p.stderr and NAME not in p.stderr
    reports = list((tmp_path / "data" / "crash").glob("crash-*.txt"))
    assert len(reports) == 1
    text = reports[0].read_text(encoding="utf-8")
    assert "LookupError" in text and "about to settle" in text and f"yibao-terminal {__version__} start" in text
    assert_masked(text)
    # native crash file: created for the process, removed at exit because nothing was written to it
    assert not list((tmp_path / "data" / "crash").glob("native-*.txt"))


def test_native_crash_is_caught_by_faulthandler(tmp_path):
    script = f"""
import ctypes
from terminal.config import Config
from terminal.crash import install_crash_handler
c = Config(); c.store.dir = {str(tmp_path / 'data')!r}; c.log.dir = {str(tmp_path / 'log')!r}
install_crash_handler(c)
ctypes.string_at(0)
"""
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    natives = list((tmp_path / "data" / "crash").glob("native-*.txt"))
    assert len(natives) == 1 and "Fatal Python error" in natives[0].read_text(encoding="utf-8")
