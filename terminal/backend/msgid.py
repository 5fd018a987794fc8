"""msgid = fixmedins_code(12) + yyyyMMddHHmmss(14) + sequence(4), unique per message.

Unique across fast calls (a sequence within the second; past 9999 it borrows the next second) and across
restarts and processes (the last (second, sequence) is kept in a small state file under a file lock).
The clock never goes back for msgids: if the wall clock does, the generator keeps counting from the last.
"""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from collections.abc import Callable, Iterator

try:
    import fcntl
except ImportError:  # Windows: in-process lock only; msvcrt locking below
    fcntl = None  # type: ignore[assignment]


@lru_cache(maxsize=8)  # a few seconds' worth: strftime was most of a msgid's cost
def _stamp(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s).strftime("%Y%m%d%H%M%S")


class MsgIdGenerator:
    def __init__(self, fixmedins_code: str, state_path: str | os.PathLike[str] | None = None,
                 clock: Callable[[], float] = time.time):
        if len(fixmedins_code) != 12:
            raise ValueError(f"fixmedins_code must be 12 characters, got {fixmedins_code!r}")
        self.code = fixmedins_code
        self.state_path = Path(state_path) if state_path else None
        self.clock = clock
        self._lock = threading.Lock()
        self._last_s = 0
        self._last_seq = -1
        self._fd: int | None = None
        self._block_end = -1

    @contextmanager
    def _file_state(self) -> Iterator[int | None]:
        if not self.state_path:
            yield None
            return
        if self._fd is None:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.state_path, os.O_RDWR | os.O_CREAT, 0o600)
        fd = self._fd
        if fcntl:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield fd
        finally:
            if fcntl:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    BLOCK = 32  # sequence numbers reserved per trip to the state file (within one second)

    def next(self) -> str:
        with self._lock:
            now = int(self.clock())
            # Fast path: a number left in the block this process reserved for the current second.
            if self.state_path and now <= self._last_s and self._last_seq < self._block_end:
                self._last_seq += 1
                return f"{self.code}{_stamp(self._last_s)}{self._last_seq:04d}"
            with self._file_state() as fd:
                last_s, last_seq = self._last_s, max(self._last_seq, self._block_end)
                if fd is not None:
                    raw = os.pread(fd, 64, 0).decode("ascii", "ignore").split()
                    if len(raw) == 2 and raw[0].isdigit() and raw[1].isdigit():
                        fs, fq = int(raw[0]), int(raw[1])
                        if (fs, fq) > (last_s, last_seq):
                            last_s, last_seq = fs, fq
                if now > last_s:
                    s, seq = now, 0
                else:
                    s, seq = last_s, last_seq + 1
                    if seq > 9999:
                        s, seq = s + 1, 0
                self._last_s, self._last_seq = s, seq
                self._block_end = seq
                if fd is not None:
                    # reserve [seq, end] for this process: other processes and a restart start after it
                    end = min(seq + self.BLOCK - 1, 9999)
                    self._block_end = end
                    os.pwrite(fd, f"{s} {end}".ljust(31).encode() + b"\n", 0)  # fixed width: no truncate
                return f"{self.code}{_stamp(s)}{seq:04d}"
