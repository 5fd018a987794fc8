"""The sandbox settlement platform over real HTTP on the loopback interface (training mode and tests).

    from terminal.sandbox.server import SandboxServer
    with SandboxServer() as srv:            # temp SQLite file, any free port, sign-in required
        srv.url                             # "http://127.0.0.1:PORT"
        srv.arm_fault("lost_answer", infno="2207")
        srv.ledger()

Endpoints: POST SINGLE_ENDPOINT (infno in the body) and POST every TRANSACTION_PATHS path; control
endpoints GET /sandbox/health, GET /sandbox/ledger, GET|POST|DELETE /sandbox/faults, POST /sandbox/ectoken
({"person_key": ...} -> {"ecToken": ...}), POST /sandbox/warn ({"warn_msg": ..., "infno": "*", "count": 1}:
the next matching processed answers carry that warn_msg; per request: header X-Sandbox-Warn, percent-encoded).
POST /sandbox/ledger/inject ({"kind": "settled_elsewhere" | "cancelled_elsewhere" | "reversed_elsewhere", ...}:
the ledger changed behind the terminal's back, to train 3202 reconciliation; see terminal/sandbox/statements.py).
Faults: see terminal/sandbox/faults.py; the HTTP side (routes, gateway check, fault delivery): handler.py.
"""
from __future__ import annotations

import argparse
import logging
import shutil
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from .ecode import EcodeIssuer
from .faults import KINDS, Fault, FaultBoard
from .handler import HTTPServer
from .platform import Platform
from .policy import Policies
from .state import ts17
from .store import Store

log = logging.getLogger(__name__)


class SandboxServer:
    """The sandbox platform served on a background thread. Also a context manager."""

    def __init__(self, db_path: str | Path | None = None, host: str = "127.0.0.1", port: int = 0,
                 require_sign_in: bool = True, gateway: dict[str, str] | None = None,
                 ssl_context: ssl.SSLContext | None = None, *, clock: Callable[[], datetime] | None = None,
                 data_dir: str | Path | None = None, ecode_ttl: float = 60.0) -> None:
        self._tmpdir: str | None = None
        if db_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="yibao-sandbox-")
            db_path = Path(self._tmpdir) / "sandbox.sqlite"
        self.db_path = Path(db_path)
        self.host, self.port = host, port
        self.gateway = dict(gateway) if gateway else None
        self.ssl_context = ssl_context
        self.policies = Policies(data_dir)
        self.store = Store(self.db_path)
        self.platform = Platform(self.store, self.policies, require_sign_in=require_sign_in, clock=clock)
        self.ecodes = EcodeIssuer(self.store, self.policies.persons, self.platform.issue_ectoken,
                                  clock=self.platform.clock, ttl=timedelta(seconds=ecode_ttl))
        self._board = FaultBoard()
        self._warns: list[dict[str, Any]] = []  # armed warn_msg texts (arm_warn)
        self._warns_lock = threading.Lock()
        self._request_warn = threading.local()  # X-Sandbox-Warn of the request being handled on this thread
        self.platform.warn_hook = self._take_warn
        #: set when the sandbox stops: a fault's waits end early
        self.stopping = threading.Event()
        self._httpd: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle ---------------------------------------------------------------------------------
    @classmethod
    def for_config(cls, cfg: Any, *, port: int | None = None) -> SandboxServer:
        """The training sandbox of a terminal configuration, its state kept in the data directory (not started).
        ``port`` None: the configured ``backend.sandbox_port``."""
        return cls(db_path=cfg.sandbox_db,
                   port=cfg.backend.sandbox_port if port is None else port)

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            return self
        self._httpd = HTTPServer((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()
        log.info("sandbox platform listening on %s (db %s)", self.url, self.db_path)
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.close_connections()
            self._httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._httpd = None
        self.store.close()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    # control -----------------------------------------------------------------------------------
    def arm_fault(self, kind: str, infno: str = "*", count: int = 1, delay: float = 0.0, err_msg: str = "",
                  **options: Any) -> Fault:
        """Faults for the next ``count`` requests whose infno matches (``*`` = any). options: interval (drip,
        seconds between bytes), drip_headers, size_mb and chunked (huge)."""
        return self._board.arm(kind, infno=infno, count=count, delay=delay, err_msg=err_msg, **options)

    def arm_warn(self, warn_msg: str, infno: str = "*", count: int = 1) -> dict[str, Any]:
        """The next ``count`` processed answers whose infno matches (``*`` = any) carry ``warn_msg`` (the
        platform's 提示信息, added to its own warnings): an answer that succeeds with something to tell."""
        if not warn_msg or count < 1:
            raise ValueError("warn_msg must be non-empty and count >= 1")
        w = {"warn_msg": warn_msg, "infno": infno or "*", "count": int(count)}
        with self._warns_lock:
            self._warns.append(w)
        return dict(w)

    def set_request_warn(self, text: str) -> None:
        """The X-Sandbox-Warn text of the request this thread handles ('' for none)."""
        self._request_warn.text = text

    def take_fault(self, infno: str) -> Fault | None:
        """The armed fault for this request, if one matches its infno (counted down)."""
        return self._board.take(infno)

    def _take_warn(self, infno: str) -> str:
        texts = [getattr(self._request_warn, "text", "")]
        with self._warns_lock:
            for w in list(self._warns):
                if w["infno"] in ("*", infno) or (infno and w["infno"] == infno[:4]):
                    texts.append(w["warn_msg"])
                    w["count"] -= 1
                    if w["count"] <= 0:
                        self._warns.remove(w)
                    break
        return "；".join(t for t in texts if t)

    def inject(self, kind: str, **kw: Any) -> dict[str, Any]:
        """A ledger fault to train reconciliation with (terminal/sandbox/statements.py): ``settled_elsewhere``
        (fixmedins_code, person_key, medfee_sumamt, fund_pay_sumamt, acct_pay, med_type), ``cancelled_elsewhere``
        (setl_id), ``reversed_elsewhere`` (setl_id). Returns the ledger row it booked."""
        return self.platform.inject(kind, **kw)

    def clear_faults(self) -> None:
        self._board.clear()

    def faults(self) -> list[dict[str, Any]]:
        return self._board.list()

    def ledger(self) -> list[dict[str, Any]]:
        """Every booked settlement (2207), cancellation (2208) and reversal (2601), oldest first; amounts are
        Decimal strings; status booked / cancelled / reversed."""
        return self.platform.ledger()

    def issue_ectoken(self, person_key: str) -> str:
        """An e-voucher token (ecToken, 40 chars, valid 24 h) for a persons.json key, usable with 1101 type 01."""
        return self.platform.issue_ectoken(person_key)

    def issue_ecode(self, person_key: str, ttl: float | None = None) -> tuple[str, datetime]:
        """A fresh e-code (the string the patient's phone shows as a QR) and when it expires."""
        return self.ecodes.issue(person_key, None if ttl is None else timedelta(seconds=float(ttl)))

    def balance(self, person_key: str, insutype: str | None = None) -> Decimal:
        """Current personal-account balance (Decimal) of a sandbox person."""
        return self.platform.balance(person_key, insutype)

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "url": self.url, "time": ts17(datetime.now()),
                "require_sign_in": self.platform.require_sign_in, "gateway": bool(self.gateway),
                "fault_kinds": list(KINDS), "facilities": sorted(self.policies.facilities),
                "persons": sorted(self.policies.persons)}


def serve_forever(port: int = 8765, db_path: str | Path | None = None, host: str = "127.0.0.1") -> None:
    """Run the sandbox platform in the foreground until Ctrl-C (for ``yibao-terminal sandbox serve``)."""
    srv = SandboxServer(db_path=db_path, host=host, port=port)
    srv.start()
    print(srv.url, flush=True)
    print(f"沙箱医保平台已启动：{srv.url}  数据库 {srv.db_path}  按 Ctrl-C 停止", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("沙箱医保平台已停止", flush=True)
    finally:
        srv.stop()


if __name__ == "__main__":  # python -m terminal.sandbox.server [--port N] [--db FILE]
    ap = argparse.ArgumentParser(description="yibao-terminal sandbox platform")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--db")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    serve_forever(a.port, a.db)
