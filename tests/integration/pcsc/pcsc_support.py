"""Helpers of the PC/SC integration tests (imported by conftest.py and the tests of this directory)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from collections.abc import Callable

import pytest

from drivers.pcsc import NoService, PcscCardReader

PCSCD = shutil.which("pcscd") or next((p for p in ("/usr/sbin/pcscd", "/usr/local/sbin/pcscd")
                                       if os.access(p, os.X_OK)), None)
READER = "Virtual PCD 00 00"  # vpcd slot on TCP 35963
READER2 = "Virtual PCD 00 01"  # TCP 35964
PID_FILE = Path("/run/pcscd/pcscd.pid")


def wait_for(pred: Callable[[], bool], timeout: float = 3.0, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def _running_pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text().split()[0])
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError, IndexError):
        return None


class Pcscd:
    """The pcscd the tests talk to; start/stop/restart only when this session started it."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.owned = False
        self.log = Path(tempfile.mkstemp(prefix="pcscd-test-", suffix=".log")[1])

    def readers(self) -> list[str]:
        r = PcscCardReader()
        try:
            return r.list_readers()
        finally:
            r.close()

    def up(self) -> bool:
        try:
            return READER in self.readers()
        except NoService:
            return False

    def start(self, *extra: str, timeout: float = 10.0) -> None:
        assert PCSCD
        out = open(self.log, "ab")
        self.proc = subprocess.Popen([PCSCD, "--foreground", *extra], stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        out.close()
        self.owned = True
        want_readers = "-c" not in extra

        def ready() -> bool:
            if self.proc.poll() is not None:
                return True
            try:
                names = self.readers()
            except NoService:
                return False
            return READER in names if want_readers else True

        wait_for(ready, timeout)
        if self.proc.poll() is not None:
            pytest.fail(f"pcscd exited with {self.proc.returncode}; log {self.log}:\n{self.log.read_text()[-2000:]}")
        if want_readers and not self.up():
            pytest.fail(f"pcscd runs but has no {READER!r} reader (is vsmartcard-vpcd installed?); "
                        f"log {self.log}:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if not self.owned or self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def restart(self, *extra: str) -> None:
        self.stop()
        self.start(*extra)

    def require_owned(self) -> None:
        if not self.owned:
            pytest.skip("pcscd was already running (not started by the tests): not restarting someone else's")


def card_present(reader: str = READER) -> bool:
    r = PcscCardReader(reader)
    try:
        return r.card_present(reader)
    except NoService:
        return False
    finally:
        r.close()
