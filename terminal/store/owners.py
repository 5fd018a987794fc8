"""Who owns a message in flight: one lock file per live Store, held for the Store's life.

Every process that opens the journal takes a token (``<pid>-<start>-<random>``) and holds an exclusive
lock on ``<journal>.owners/<token>.lock`` until it closes the Store or dies (the kernel drops the lock of
a killed process). Messages and queue items in flight carry their owner's token. Recovery touches only
what belongs to an owner whose lock can be taken: that process is gone. A second window, a CLI command
and the cashier app can then all recover at start without ever reversing a settlement that a live
process is still waiting on.

Rows written before owners existed (journals of 0.1.0) carry no token; they belonged to a process that
held the old whole-journal lock ``<journal>.owner``. They are recovered only when that lock is free.
"""
from __future__ import annotations

import logging
import os
import secrets
import time
from pathlib import Path

log = logging.getLogger(__name__)

try:  # POSIX advisory locks; on Windows msvcrt byte-range locks do the same job
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


class OwnerToken:
    """This Store's token and the lock that proves it is alive."""

    def __init__(self, journal_path: Path):
        self.dir = owners_dir(journal_path)
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.token = f"{os.getpid()}-{int(time.time() * 1000)}-{secrets.token_hex(4)}"
        self.path = self.dir / f"{self.token}.lock"
        # Locked under a name no prober looks at, then renamed: a ``*.lock`` file is never seen unlocked while
        # its owner lives (a prober that took the lock in between would call a starting process dead).
        tmp = self.dir / f"{self.token}.new"
        self._fd: int | None = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        if not _try_lock(self._fd):  # cannot happen for a fresh private file; refuse to run unprotected
            os.close(self._fd)
            self._fd = None
            tmp.unlink(missing_ok=True)
            raise OSError(f"cannot lock {tmp}")
        os.replace(tmp, self.path)

    def release(self) -> None:
        if self._fd is None:
            return
        _remove_locked(self.path, self._fd)
        self._fd = None


def owners_dir(journal_path: Path) -> Path:
    return journal_path.with_name(journal_path.name + ".owners")


class Liveness:
    """Answers "is the owner of this token alive?" for one recovery pass (each token asked once)."""

    def __init__(self, journal_path: Path, own: str):
        self.dir = owners_dir(journal_path)
        self.legacy = journal_path.with_name(journal_path.name + ".owner")
        self.own = own
        self._known: dict[str, bool] = {}
        self._held: dict[str, int] = {}  # locks of dead owners taken by this pass (released by close)

    def alive(self, token: str | None) -> bool:
        if token == self.own:
            return True
        key = token or ""
        if key not in self._known:
            self._known[key] = self._probe(key)
        return self._known[key]

    def _probe(self, token: str) -> bool:
        path = self.legacy if not token else self.dir / f"{token}.lock"
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            # The owner removed its file when it closed the Store: whatever it left pending is not in flight
            # (for the legacy lock: no process of 0.1.0 ever ran on this journal).
            return False
        except OSError:
            return True  # cannot tell: leave it alone
        if _try_lock(fd):
            self._held[token] = fd  # held until the pass is over (then removed with its file, but the legacy one)
            return False
        os.close(fd)
        return True

    def scan(self) -> list[str]:
        """Probe every owner file in the folder: the tokens of processes that died without closing."""
        try:
            names = [p.stem for p in self.dir.glob("*.lock")]
        except OSError:
            return []
        return [t for t in names if not self.alive(t)]

    def close(self, *, remove_dead: bool = True) -> None:
        """Let go of the dead owners' locks; ``remove_dead`` also deletes their files (only once what they left
        has been dealt with: the recovery transaction committed)."""
        held = dict(self._held)
        self._held.clear()
        for t, fd in held.items():
            if remove_dead and t:
                _remove_locked(self.dir / f"{t}.lock", fd)
            else:
                os.close(fd)


def _remove_locked(path: Path, fd: int) -> None:
    """Delete a lock file we hold and let go of it. POSIX: delete first, so that nobody opens the name after the
    unlock and takes it for a dead owner's; Windows cannot delete an open file: close first."""
    if fcntl is not None:
        try:
            path.unlink()
        except OSError:
            pass
        os.close(fd)
    else:  # pragma: no cover - Windows
        os.close(fd)
        try:
            path.unlink()
        except OSError:
            pass

