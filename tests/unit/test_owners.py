"""Owner tokens of the store (terminal.store.owners): a live process is never taken for dead."""
from __future__ import annotations

import os

from terminal.store import owners
from terminal.store.owners import Liveness, OwnerToken


def test_a_starting_process_is_never_seen_unlocked(tmp_path, monkeypatch):
    journal = tmp_path / "journal.sqlite"
    seen: list[list[str]] = []
    real_replace = os.replace

    def probe_then_replace(src, dst):  # another process's recovery scans at the worst moment
        live = Liveness(journal, own="someone-else")
        seen.append(live.scan())
        live.close()
        real_replace(src, dst)

    monkeypatch.setattr(owners.os, "replace", probe_then_replace)
    tok = OwnerToken(journal)
    monkeypatch.setattr(owners.os, "replace", real_replace)
    assert seen == [[]]  # nothing to take for dead while the new owner was being born
    assert tok.path.exists()
    live = Liveness(journal, own="someone-else")
    assert live.alive(tok.token) and live.scan() == []
    live.close()
    assert tok.path.exists()  # a probe never removes a live owner's file
    tok.release()
    assert not tok.path.exists()


def test_dead_owner_files_go_only_when_recovery_commits(tmp_path):
    journal = tmp_path / "journal.sqlite"
    tok = OwnerToken(journal)
    fd_path = tok.path
    os.close(tok._fd)  # the process died: the kernel dropped its lock, the file stays
    tok._fd = None
    live = Liveness(journal, own="x")
    assert live.scan() == [tok.token]
    live.close(remove_dead=False)  # the recovery transaction failed: keep the evidence
    assert fd_path.exists()
    live = Liveness(journal, own="x")
    assert not live.alive(tok.token)
    live.close()
    assert not fd_path.exists()
