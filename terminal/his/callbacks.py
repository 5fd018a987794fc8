"""Callbacks to the HIS: each event in ``his_events`` is POSTed to ``his.callback_url`` until the HIS answers 2xx.

At least once, in order per bill, retried with exponential backoff (``retry_base_seconds`` doubled per attempt up
to ``retry_max_seconds``), one event id per event (``X-Yibao-Event-Id``; the HIS ignores an id it has seen). The
body is signed: ``X-Yibao-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>`` keyed with
``his.callback_secret`` (the token when empty). The rows are written before any delivery and the events come
from the journal's facts, so a process killed at any point delivers after its restart.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from typing import TYPE_CHECKING

import requests

from .book import HisBook

if TYPE_CHECKING:  # pragma: no cover
    from terminal.config.model import HisConfig

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Yibao-Signature"
EVENT_HEADER = "X-Yibao-Event-Id"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What the HIS does with a callback: recompute the signature over the raw body, compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header or "")


def backoff(attempts: int, base: float, cap: float) -> float:
    return float(min(cap, base * (2 ** max(0, attempts))))


class Deliverer:
    """Records events from the journal's facts and delivers them, in a thread (:meth:`start`) or step by step."""

    def __init__(self, book: HisBook, his: HisConfig, *, interval: float = 0.5, timeout: float = 5.0):
        self.book, self.his = book, his
        self.secret = his.callback_secret or his.token
        self.interval, self.timeout = interval, timeout
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.session = requests.Session()

    def step(self) -> int:
        """Record new events, deliver what is due; the number delivered."""
        try:
            self.book.sync_events()
        except Exception:
            log.exception("HIS events: journal read failed")
            return 0
        if not self.his.callback_url:
            return 0
        n = 0
        for ev in self.book.due_events():
            if self._stop.is_set():
                break
            body = ev["body"].encode("utf-8")
            try:
                r = self.session.post(self.his.callback_url, data=body, timeout=self.timeout, headers={
                    "Content-Type": "application/json; charset=utf-8", EVENT_HEADER: ev["event_id"],
                    SIGNATURE_HEADER: sign(self.secret, body), "User-Agent": "yibao-terminal-his"})
                ok, error = 200 <= r.status_code < 300, f"HTTP {r.status_code}"
            except requests.RequestException as e:
                ok, error = False, f"{type(e).__name__}: {e}"
            if ok:
                self.book.delivered(ev["event_id"])
                n += 1
            else:
                delay = backoff(ev["attempts"] or 0, self.his.retry_base_seconds, self.his.retry_max_seconds)
                self.book.retry_later(ev["event_id"], error, time.time() + delay)
                log.warning("HIS callback %s %s failed (%s), retry in %.0f s", ev["kind"], ev["event_id"], error,
                            delay)
        return n

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.step()
            self._wake.wait(self.interval)
            self._wake.clear()

    def start(self) -> Deliverer:
        self._thread = threading.Thread(target=self._run, name="his-callbacks", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(10)
