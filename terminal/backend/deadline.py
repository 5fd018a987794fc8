"""One deadline per request.

requests' read timeout bounds each socket read, so a platform that drips a byte now and then keeps a settle
waiting for ever. Each request gets a Deadline: the connection that carries it registers itself, the body
is read in chunks with the per-read timeout cut to the time left, and a watchdog thread shuts the socket
down when the deadline passes (which wakes a blocked recv at once, also while the headers are dripping).
"""
from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

current = threading.local()  # .deadline: the Deadline of the request this thread sends


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.conn: Any = None
        self.sock: Any = None  # kept apart: http.client drops conn.sock when the answer says Connection: close
        self.sent = False  # the request started going out on an established connection
        self.expired = False
        self.done = False
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def attach(self, conn: Any) -> None:
        sock = getattr(conn, "sock", None)
        with self._lock:
            self.conn = conn
            if sock is not None:
                self.sock = sock
            expired = self.expired
        if expired:
            self._shutdown(self.sock)

    def read_timeout(self, limit: float) -> None:
        """The next socket read may wait at most limit seconds and never past the deadline."""
        if self.sock is not None:
            try:
                self.sock.settimeout(max(0.001, min(limit, self.remaining())))
            except OSError:
                pass

    def expire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            sock = self.sock
        self._shutdown(sock)

    def finish(self) -> None:
        with self._lock:
            self.done = True

    @staticmethod
    def _shutdown(sock: Any) -> None:
        if sock is not None:
            try:  # the plain socket's shutdown, also for TLS: wakes the reader without touching the SSL object
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass


class _Watchdog:
    """One daemon thread for every deadline of the process (a heap of deadlines, earliest first)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Empty, with no thread (also in a forked child: the parent's lock may be held there)."""
        self._cv = threading.Condition()
        self._heap: list[tuple[float, int, Deadline]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, d: Deadline) -> None:
        with self._cv:
            heapq.heappush(self._heap, (d.end, next(self._seq), d))
            if self._thread is None or not self._thread.is_alive():  # (also after a fork)
                self._thread = threading.Thread(target=self._run, name="platform-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is d:
                self._cv.notify()

    def _run(self) -> None:
        while True:
            due: list[Deadline] = []
            with self._cv:
                now = time.monotonic()
                while self._heap and (self._heap[0][2].done or self._heap[0][0] <= now):
                    d = heapq.heappop(self._heap)[2]
                    if not d.done:
                        due.append(d)
                if not due:
                    self._cv.wait(self._heap[0][0] - now if self._heap else None)
            for d in due:
                d.expire()


watchdog = _Watchdog()
if hasattr(os, "register_at_fork"):  # a forked child starts with a fresh watchdog (the parent's lock may be held)
    os.register_at_fork(after_in_child=watchdog.reset)


class _Tracked(HTTPConnection):
    """A urllib3 connection that registers with the current request's deadline and notes when sending begins
    (put before HTTPSConnection for TLS)."""

    def connect(self) -> None:
        d = getattr(current, "deadline", None)
        if d is not None:
            d.attach(self)
        super().connect()
        if d is not None:
            d.attach(self)  # now with its socket

    def request(self, *args: Any, **kw: Any) -> None:
        d = getattr(current, "deadline", None)
        if d is not None:
            if getattr(self, "sock", None) is None:
                self.connect()  # connect first, so a refused connection is known as never sent
            d.attach(self)
            d.sent = True
        super().request(*args, **kw)


class _HTTPConn(_Tracked):
    pass


class _HTTPSConn(_Tracked, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConn


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConn

    def _validate_conn(self, conn: Any) -> None:
        # urllib3's version also warns (InsecureRequestWarning, in English, on every request) when verification
        # is off; that is shown loudly in our own words elsewhere, so not here: for this session only.
        HTTPConnectionPool._validate_conn(self, conn)
        if conn.is_closed:
            conn.connect()


class DeadlineAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kw: Any) -> None:
        super().init_poolmanager(*args, **kw)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
