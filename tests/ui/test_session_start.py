"""The app refuses to settle without its journal, and the queue worker never shares the UI's client."""
from __future__ import annotations

import pytest

from terminal import config as config_mod


def test_no_journal_no_settling(tmp_path):
    from terminal.app import AppSession, JournalUnavailableAtStart

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    cfg = config_mod.Config()
    cfg.store.dir = str(blocker)  # the data directory is a file: the journal cannot be created
    with pytest.raises(JournalUnavailableAtStart) as ei:
        AppSession.open(cfg)
    assert "本地交易日志无法打开" in str(ei.value)


def test_worker_has_its_own_client_and_service(tmp_path):
    from terminal.sandbox.server import SandboxServer
    from terminal.app import AppSession

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


def test_cyclic_gc_only_on_the_ui_thread(qtbot):
    """Cycles holding Qt objects must not be collected on a worker thread (PySide would delete twice)."""
    import gc
    import threading

    from terminal.ui.app import ensure_app

    ensure_app()
    assert not gc.isenabled()
    seen = []
    gc.callbacks.append(lambda phase, info: seen.append(threading.current_thread() is threading.main_thread()))
    try:
        def churn():
            for _ in range(20000):
                a = []
                a.append(a)  # garbage cycles, allocated on a worker thread

        t = threading.Thread(target=churn)
        t.start()
        t.join()
        qtbot.waitUntil(lambda: bool(seen), timeout=3000)  # the UI-thread timer collects
        assert all(seen)
    finally:
        gc.callbacks.pop()
