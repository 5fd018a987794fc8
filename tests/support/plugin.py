"""The pytest fixtures every test folder shares (registered by tests/conftest.py); the helpers they use are in
tests/support/__init__.py."""
from __future__ import annotations

import shutil

import pytest

from . import make_config


@pytest.fixture
def sandbox(tmp_path):
    """A real sandbox platform on 127.0.0.1 with its state in a real SQLite file."""
    from terminal.sandbox.server import SandboxServer

    srv = SandboxServer(db_path=tmp_path / "sandbox.sqlite")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def cfg(tmp_path):
    """The default (training) configuration with its data, logs and receipts under tmp_path/data."""
    return make_config(tmp_path / "data")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """HOME and the XDG directories in tmp_path and no YIBAO_TERMINAL_CONFIG: no file of this machine's user counts."""
    h = tmp_path / "home"
    h.mkdir(exist_ok=True)
    for k, v in {"HOME": h, "XDG_CONFIG_HOME": h / ".config", "XDG_DATA_HOME": h / ".local/share",
                 "XDG_STATE_HOME": h / ".local/state", "XDG_CACHE_HOME": h / ".cache"}.items():
        monkeypatch.setenv(k, str(v))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.delenv("YIBAO_TERMINAL_CONFIG", raising=False)
    return h


@pytest.fixture(scope="session")
def has_openssl():
    """Skips a test that needs the openssl command where it is not installed."""
    if not shutil.which("openssl"):
        pytest.skip("openssl CLI not installed")
