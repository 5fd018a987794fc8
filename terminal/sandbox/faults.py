"""Fault injection for the sandbox platform: what a client sees when the line or the platform misbehaves.

Kinds (and whether the platform processes, i.e. may book, the transaction):

==============  =========  =====================================================================
kind            processed  what the client sees
==============  =========  =====================================================================
delay           yes        the normal answer, ``delay`` seconds late (a short read timeout expires)
hang            no         nothing for ``delay`` seconds (default 30), then the connection closes
http500         no         HTTP 500 with a small HTML body
malformed       yes        HTTP 200 whose body is the real answer cut in half (not valid JSON)
reset           no         TCP RST (SO_LINGER 0) instead of an answer: ConnectionError
lost_answer     yes        booked, then TCP RST: the "booked but answer lost" case for 2601
business_error  no         infcode -1 with ``err_msg`` (default 沙箱模拟业务错误)
drip            yes        the normal answer one byte every ``interval`` seconds (default 2); the status
                           line and headers come at once, or dripped too with ``drip_headers``
huge            yes        a valid answer padded to ``size_mb`` megabytes (default 50), with its
                           Content-Length, or in chunks without one with ``chunked``
omit_fields     yes        the answer without the keys ``fields`` (comma-separated; default clr_type,
                           clr_optins, clr_way) in output and output.setlinfo: an independent platform
                           that leaves clearing fields out
==============  =========  =====================================================================

A fault comes from the request header
``X-Sandbox-Fault: kind[;delay=S][;msg=percent-encoded err_msg][;interval=S][;size=MB][;chunked=1][;headers=1]
[;fields=a,b]``
(that request only) or from the armed list (:meth:`FaultBoard.arm`, or POST /sandbox/faults), consumed by
the next ``count`` requests whose infno matches (``*`` = any). For every kind but hang, ``delay`` seconds
pass before the fault's action.
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, replace
from urllib.parse import unquote

KINDS = ("delay", "hang", "http500", "malformed", "reset", "lost_answer", "business_error", "drip", "huge",
         "omit_fields")
PROCESSED = frozenset({"delay", "malformed", "lost_answer", "drip", "huge", "omit_fields"})
OMIT_DEFAULT = ("clr_type", "clr_optins", "clr_way")
HANG_DEFAULT = 30.0
DRIP_INTERVAL_DEFAULT = 2.0
HUGE_MB_DEFAULT = 50.0
BUSINESS_ERROR_DEFAULT = "沙箱模拟业务错误"


@dataclass
class Fault:
    kind: str
    infno: str = "*"
    count: int = 1
    delay: float = 0.0
    err_msg: str = ""
    interval: float = 0.0  # drip: seconds between two bytes (0: DRIP_INTERVAL_DEFAULT)
    size_mb: float = 0.0  # huge: the answer's size in MB (0: HUGE_MB_DEFAULT)
    chunked: bool = False  # huge: chunked transfer encoding, no Content-Length
    drip_headers: bool = False  # drip: the status line and headers are dripped too
    fields: str = ""  # omit_fields: comma-separated keys left out of the answer (default OMIT_DEFAULT)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; kinds: {', '.join(KINDS)}")
        self.infno = str(self.infno or "*")
        self.count = int(self.count)
        if self.count < 1:
            raise ValueError("fault count must be >= 1")
        self.delay = float(self.delay or 0.0)
        if self.delay < 0:
            raise ValueError("fault delay must be >= 0")
        self.err_msg = str(self.err_msg or "")
        self.interval = float(self.interval or 0.0)
        if not 0 <= self.interval <= 3600:
            raise ValueError("fault interval must be between 0 and 3600 seconds")
        self.size_mb = float(self.size_mb or 0.0)
        if not 0 <= self.size_mb <= 4096:
            raise ValueError("fault size must be between 0 and 4096 MB")
        self.chunked, self.drip_headers = bool(self.chunked), bool(self.drip_headers)
        self.fields = ",".join(f.strip() for f in str(self.fields or "").split(",") if f.strip())

    @property
    def drip_interval(self) -> float:
        return self.interval or DRIP_INTERVAL_DEFAULT

    @property
    def omitted(self) -> tuple[str, ...]:
        return tuple(self.fields.split(",")) if self.fields else OMIT_DEFAULT

    @property
    def size_bytes(self) -> int:
        return int((self.size_mb or HUGE_MB_DEFAULT) * 1024 * 1024)

    @property
    def wait(self) -> float:
        """Seconds to wait before the fault's action (hang: how long to hang)."""
        if self.kind == "hang" and self.delay <= 0:
            return HANG_DEFAULT
        return self.delay

    @property
    def message(self) -> str:
        return self.err_msg or BUSINESS_ERROR_DEFAULT

    def matches(self, infno: str) -> bool:
        return self.infno == "*" or self.infno == infno or (bool(infno) and self.infno == infno[:4])

    def as_dict(self) -> dict:
        return asdict(self)


def parse_header(value: str) -> Fault:
    """``kind[;delay=S][;msg=...]`` -> Fault (ValueError when malformed)."""
    parts = [p.strip() for p in value.split(";") if p.strip()]
    if not parts:
        raise ValueError("empty X-Sandbox-Fault header")
    kw: dict = {}
    for p in parts[1:]:
        k, sep, v = p.partition("=")
        k = k.strip().lower()
        if not sep:
            raise ValueError(f"bad X-Sandbox-Fault parameter {p!r}")
        if k == "delay":
            kw["delay"] = float(v)
        elif k in ("msg", "err_msg"):
            kw["err_msg"] = unquote(v.strip())
        elif k == "interval":
            kw["interval"] = float(v)
        elif k in ("size", "size_mb"):
            kw["size_mb"] = float(v)
        elif k == "chunked":
            kw["chunked"] = _flag(k, v)
        elif k in ("headers", "drip_headers"):
            kw["drip_headers"] = _flag(k, v)
        elif k == "fields":
            kw["fields"] = unquote(v.strip())
        else:
            raise ValueError(f"unknown X-Sandbox-Fault parameter {k!r}")
    return Fault(parts[0].lower(), **kw)


def _flag(key: str, value: str) -> bool:
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"X-Sandbox-Fault parameter {key} must be 1 or 0, not {value!r}")


class FaultBoard:
    """The armed faults, shared by the handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def arm(self, kind: str, infno: str = "*", count: int = 1, delay: float = 0.0, err_msg: str = "",
            **options) -> Fault:
        """options: interval (drip), size_mb and chunked (huge), drip_headers (drip), fields (omit_fields)."""
        f = Fault(kind, infno=infno, count=count, delay=delay, err_msg=err_msg, **options)
        with self._lock:
            self._faults.append(f)
        return f

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, infno: str) -> Fault | None:
        """The first armed fault matching infno, consuming one of its count."""
        with self._lock:
            for i, f in enumerate(self._faults):
                if f.matches(infno):
                    f.count -= 1
                    if f.count <= 0:
                        del self._faults[i]
                    return replace(f, count=1)
        return None

    def list(self) -> list[dict]:
        with self._lock:
            return [f.as_dict() for f in self._faults]
