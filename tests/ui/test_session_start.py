"""The app refuses to settle without its journal, and the queue worker never shares the UI's client."""
from __future__ import annotations

import pytest

from terminal import config as config_mod


def test_no_journal_no_settling(tmp_path):
    from terminal.ui.session import AppSession, JournalUnavailableAtStart

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    cfg = config_mod.Config()
    cfg.store.dir = str(blocker)  # the data directory is a file: the journal cannot be created
    with pytest.raises(JournalUnavailableAtStart) as ei:
        AppSession.open(cfg)
    assert "本地交易日志无法打开" in str(ei.value)


def test_worker_has_its_own_client_and_service(tmp_path):
    from terminal.sandbox.server import SandboxServer
    from terminal.ui.session import AppSession

    cfg = config_mod.Config()
    cfg.store.dir = str(tmp_path / "data")
    with SandboxServer(db_path=tmp_path / "sb.sqlite") as srv:
        s = AppSession.open(cfg, sandbox=srv)
        try:
            w = s.start_worker()
            assert w.client is not s.client and w.service is not s.service
            assert w.service.client is w.client
        finally:
            s.close()
