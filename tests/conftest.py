"""Fixtures shared by every test folder: the sandbox platform over real HTTP, and a configuration in tmp."""
from __future__ import annotations

import pytest

from terminal import config as config_mod


def tmp_config(tmp_path, *, read_timeout: float = 5.0) -> config_mod.Config:
    """The default (training) configuration with its data, logs and receipts under tmp_path."""
    c = config_mod.Config()
    c.store.dir = str(tmp_path / "data")
    c.log.dir = str(tmp_path / "log")
    c.printer.pdf_dir = str(tmp_path / "receipts")
    c.backend.read_timeout = read_timeout
    c.backend.connect_timeout = 2.0
    return c


@pytest.fixture
def sandbox(tmp_path):
    """A real sandbox platform on 127.0.0.1 with its state in a real SQLite file."""
    from terminal.sandbox.server import SandboxServer

    srv = SandboxServer(db_path=tmp_path / "sandbox.sqlite")
    srv.start()
    yield srv
    srv.stop()
