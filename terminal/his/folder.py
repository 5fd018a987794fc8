"""The watched folder, for an HIS that can only write files (``his.watch_dir``).

The HIS writes ``<name>.json.tmp`` (or any name not ending in ``.json``) and renames it to ``<name>.json`` when
complete: a rename is atomic, so only whole files carry the ``.json`` name. Each ``*.json`` is pushed exactly as
over HTTP, then moved to ``processed/``; a refused one goes to ``failed/`` with ``<name>.reason.txt`` (the code,
the field and the message). A file that changes while it is read, or does not parse while it was written less than
:data:`SETTLE_SECONDS` ago, is left for the next round (a writer that did not rename). A crash between the push and
the move pushes the same file again next time: the same bill, no harm. Nothing is deleted.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from .book import HisBook, HisError

log = logging.getLogger(__name__)

SETTLE_SECONDS = 2.0


class WatchedFolder:
    def __init__(self, book: HisBook, path: str | Path, *, interval: float = 0.5, max_bytes: int = 256 * 1024):
        self.book, self.dir = book, Path(path)
        self.interval, self.max_bytes = interval, max_bytes
        self.processed, self.failed = self.dir / "processed", self.dir / "failed"
        for d in (self.dir, self.processed, self.failed):
            d.mkdir(parents=True, exist_ok=True)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def scan(self) -> dict[str, int]:
        """One round: every complete ``*.json`` pushed and moved. Counts of processed / failed / skipped."""
        counts = {"processed": 0, "failed": 0, "skipped": 0}
        for p in sorted(self.dir.glob("*.json")):
            if not p.is_file() or p.name.startswith("."):
                continue
            counts[self._one(p)] += 1
        return counts

    def _one(self, p: Path) -> str:
        try:
            st = p.stat()
            if st.st_size > self.max_bytes:
                return self._fail(p, "too_large", "", f"文件 {st.st_size} 字节，超过上限 {self.max_bytes}")
            raw = p.read_bytes()
            st2 = p.stat()
        except FileNotFoundError:
            return "skipped"  # moved away meanwhile
        if (st.st_size, st.st_mtime_ns) != (st2.st_size, st2.st_mtime_ns) or len(raw) != st2.st_size:
            return "skipped"  # being written: next round
        try:
            body: Any = json.loads(raw.decode("utf-8"), parse_float=Decimal)
        except (UnicodeDecodeError, ValueError) as e:
            if time.time() - st2.st_mtime < SETTLE_SECONDS:
                return "skipped"  # perhaps still being written in place: judged once it has settled
            return self._fail(p, "bad_json", "(body)", f"不是有效的 UTF-8 JSON: {e}")
        try:
            code, view = self.book.push(body, source="folder")
        except HisError as e:
            return self._fail(p, e.code, e.field, e.message)
        self._move(p, self.processed)
        log.info("HIS folder: %s -> bill %s (%s)", p.name, view["bill_no"], code)
        return "processed"

    def _move(self, p: Path, to: Path) -> Path:
        dest = to / p.name
        if dest.exists():
            dest = to / f"{p.stem}.{time.strftime('%Y%m%d%H%M%S')}.{time.time_ns() % 10**9}{p.suffix}"
        os.replace(p, dest)
        return dest

    def _fail(self, p: Path, code: str, field: str, message: str) -> str:
        try:
            dest = self._move(p, self.failed)
        except FileNotFoundError:
            return "skipped"
        reason = dest.with_name(dest.name[:-len(".json")] + ".reason.txt")
        reason.write_text(f"code: {code}\nfield: {field}\nmessage: {message}\n", encoding="utf-8")
        log.warning("HIS folder: %s refused (%s %s): %s", p.name, code, field, message)
        return "failed"

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.scan()
            except Exception:
                log.exception("HIS folder scan failed")
            self._stop.wait(self.interval)

    def start(self) -> WatchedFolder:
        self._thread = threading.Thread(target=self._run, name="his-folder", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)
