"""tests/unit holds only tests that start no process and open no network socket: every unit test runs with
process creation and socket use made to fail (tests that need either belong in tests/integration)."""
from __future__ import annotations

import importlib
import multiprocessing.process
import os
import platform
import socket
import subprocess

import pytest

NETWORK = (socket.AF_INET, socket.AF_INET6)


class NotAUnitTest(AssertionError):
    """A unit test started a process or used a socket."""


def _refuse(what: str):
    def refuse(*args, **kwargs):
        raise NotAUnitTest(f"a unit test may not {what}: move the test to tests/integration")
    return refuse


@pytest.fixture(scope="session", autouse=True)
def _asked_once_per_interpreter():
    """What libraries ask the system once per interpreter and keep, asked before the guard: `uname -p` (platform,
    for crash reports) and ctypes.util.find_library's `ldconfig -p` (pyzbar loading libzbar)."""
    platform.processor()
    try:
        importlib.import_module("pyzbar.pyzbar")  # locates and loads libzbar
    except ImportError:
        pass


@pytest.fixture(autouse=True)
def no_process_no_socket(_asked_once_per_interpreter):
    mp = pytest.MonkeyPatch()  # its own, so the test's monkeypatch is undone first, as without this guard
    mp.setattr(subprocess.Popen, "_execute_child", _refuse("start a process (subprocess)"))
    mp.setattr(multiprocessing.process.BaseProcess, "start", _refuse("start a process (multiprocessing)"))
    for name in ("fork", "forkpty", "posix_spawn", "posix_spawnp", "system"):
        if hasattr(os, name):
            mp.setattr(os, name, _refuse(f"start a process (os.{name})"))
    plain_init = socket.socket.__init__

    def open_socket(self, family=-1, type=-1, proto=-1, fileno=None):
        if family in NETWORK or family == -1 and fileno is None:  # -1 without a fileno is AF_INET
            raise NotAUnitTest("a unit test may not open a network socket: move the test to tests/integration")
        plain_init(self, family, type, proto, fileno)

    mp.setattr(socket.socket, "__init__", open_socket)
    for name in ("bind", "connect", "connect_ex"):
        mp.setattr(socket.socket, name, _refuse(f"{name} a socket"))
    yield
    mp.undo()
