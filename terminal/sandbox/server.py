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
Faults: see terminal/sandbox/faults.py.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import shutil
import socket
import ssl
import struct
import tempfile
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from terminal.core.protocol import ECODE_QUERY_PATH, PATH_TO_INFNO, SINGLE_ENDPOINT

from .ecode import EcodeIssuer
from .faults import KINDS, PROCESSED, Fault, FaultBoard, parse_header
from .platform import Platform, ts17
from .statements import INJECT_KINDS
from .policy import Policies
from .store import Store

log = logging.getLogger("terminal.sandbox.server")

MAX_BODY = 16 * 1024 * 1024
GATEWAY_SKEW = 300


def omit_fields(answer: bytes, names: tuple[str, ...]) -> bytes:
    """The answer without the named keys in output and output.setlinfo (an independent platform that leaves
    clearing fields out of its 2207/2208 answers)."""
    from terminal.core import wire

    try:
        a = wire.loads(answer)
    except ValueError:
        return answer
    out = a.get("output") if isinstance(a, dict) else None
    for node in (out, (out or {}).get("setlinfo") if isinstance(out, dict) else None):
        if isinstance(node, dict):
            for k in names:
                node.pop(k, None)
    return wire.dumps(a).encode("utf-8")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr: tuple[str, int], sandbox: "SandboxServer"):
        self.sandbox = sandbox
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(addr, _Handler)

    def get_request(self):
        sock, addr = super().get_request()
        try:  # headers and body go out in separate writes: no Nagle / delayed-ACK stalls
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        ctx = self.sandbox.ssl_context
        if ctx is not None:  # handshake happens lazily in the handler thread, not in the accept loop
            sock = ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def process_request(self, request, client_address):
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):  # connection errors are part of the game here
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, OSError, ValueError)) or self.sandbox._stopping.is_set():
            log.debug("connection from %s ended: %r", client_address, exc)
            return
        log.exception("sandbox handler error for %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "YibaoSandbox/1.0"
    sys_version = ""
    timeout = 120  # an idle keep-alive connection is closed after this

    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        try:  # headers and body go out in separate writes: without this each answer waits ~40 ms (delayed ACK)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("%s " + format, self.client_address[0], *args)

    @property
    def sb(self) -> "SandboxServer":
        return self.server.sandbox

    # sending -----------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, ctype: str = "application/json;charset=UTF-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any) -> None:
        """Control answers (no amounts as numbers here: the ledger carries Decimal strings)."""
        self._send(status, json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8"))

    def _read_body(self) -> bytes | None:
        n = self.headers.get("Content-Length")
        if n is None:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                return self._read_chunked()
            self.close_connection = True
            self._json(411, {"error": "Content-Length required"})
            return None
        try:
            size = int(n)
        except ValueError:
            size = -1
        if size < 0 or size > MAX_BODY:
            self.close_connection = True
            self._json(413, {"error": "bad Content-Length"})
            return None
        return self.rfile.read(size)

    def _read_chunked(self) -> bytes:
        out = bytearray()
        while True:
            line = self.rfile.readline(65537)
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(out)
            out += self.rfile.read(size)
            self.rfile.readline(65537)
            if len(out) > MAX_BODY:
                raise ValueError("body too large")

    def _reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0, then close)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        for f in (self.rfile, self.connection):
            try:
                f.close()
            except OSError:
                pass
        self.wfile = io.BytesIO()  # whatever the base class still writes goes nowhere

    # routes ------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        if path == "/sandbox/health":
            self._json(200, self.sb.health())
        elif path == "/sandbox/ledger":
            self._json(200, self.sb.ledger())
        elif path == "/sandbox/faults":
            self._json(200, {"faults": self.sb.faults()})
        elif path == SINGLE_ENDPOINT or path in PATH_TO_INFNO:
            self._json(405, {"error": "use POST"})
        else:
            self._json(404, {"error": f"no such path {path}"})

    def do_DELETE(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        if path == "/sandbox/faults":
            self._read_body_if_any()
            self.sb.clear_faults()
            self._json(200, {"faults": []})
        else:
            self._json(404, {"error": f"no such path {path}"})

    def _read_body_if_any(self) -> bytes:
        n = self.headers.get("Content-Length")
        return self.rfile.read(int(n)) if n and n.isdigit() else b""

    def do_POST(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        body = self._read_body()
        if body is None:
            return
        if path == SINGLE_ENDPOINT:
            self._transaction(None, body)
        elif path in PATH_TO_INFNO:
            self._transaction(PATH_TO_INFNO[path], body)
        elif path == "/sandbox/faults":
            try:
                spec = json.loads(body.decode("utf-8") or "{}")
                options = {k: spec[k] for k in ("interval", "size_mb", "chunked", "drip_headers", "fields")
                           if k in spec}
                f = self.sb.arm_fault(spec["kind"], infno=spec.get("infno", "*"), count=spec.get("count", 1),
                                      delay=spec.get("delay", 0.0), err_msg=spec.get("err_msg", ""), **options)
            except (KeyError, ValueError, TypeError, AttributeError) as e:
                self._json(400, {"error": f"bad fault: {e}", "kinds": list(KINDS)})
                return
            self._json(200, {"armed": f.as_dict(), "faults": self.sb.faults()})
        elif path == ECODE_QUERY_PATH:
            try:
                req = json.loads(body.decode("utf-8") or "{}")
            except (UnicodeDecodeError, ValueError):
                req = None
            self._json(200, self.sb.ecodes.query(req))
        elif path == "/sandbox/ecode":
            try:
                spec = json.loads(body.decode("utf-8") or "{}")
                ttl = spec.get("ttl")
                code, expires = self.sb.issue_ecode(spec["person_key"], ttl=ttl)
            except (KeyError, ValueError, TypeError, AttributeError) as e:
                self._json(400, {"error": f"bad request: {e}"})
                return
            self._json(200, {"ecQrCode": code, "expires": expires.isoformat(), "person_key": spec["person_key"]})
        elif path == "/sandbox/warn":  # {"warn_msg": "...", "infno": "2207", "count": 1}
            try:
                spec = json.loads(body.decode("utf-8") or "{}")
                armed = self.sb.arm_warn(str(spec["warn_msg"]), infno=str(spec.get("infno", "*")),
                                         count=int(spec.get("count", 1)))
            except (KeyError, ValueError, TypeError, AttributeError) as e:
                self._json(400, {"error": f"bad warning: {e}"})
                return
            self._json(200, {"armed": armed})
        elif path == "/sandbox/ledger/inject":  # {"kind": "settled_elsewhere" | ..., ...}: see statements.inject
            try:
                spec = json.loads(body.decode("utf-8") or "{}")
                row = self.sb.inject(str(spec.pop("kind")), **spec)
            except (KeyError, ValueError, TypeError, AttributeError) as e:
                self._json(400, {"error": f"bad ledger fault: {e}", "kinds": list(INJECT_KINDS)})
                return
            self._json(200, {"injected": row})
        elif path == "/sandbox/ectoken":
            try:
                spec = json.loads(body.decode("utf-8") or "{}")
                token = self.sb.issue_ectoken(spec["person_key"])
            except (KeyError, ValueError, TypeError, AttributeError) as e:
                self._json(400, {"error": f"bad request: {e}"})
                return
            self._json(200, {"ecToken": token, "person_key": spec["person_key"]})
        else:
            self._json(404, {"error": f"no such path {path}"})

    # a platform transaction ---------------------------------------------------------------------
    def _gateway_refusal(self) -> str:
        gw = self.sb.gateway
        h = self.headers
        paasid, ts, nonce, sig = (h.get(k, "") for k in ("x-tif-paasid", "x-tif-timestamp", "x-tif-nonce",
                                                          "x-tif-signature"))
        missing = [k for k, v in (("x-tif-paasid", paasid), ("x-tif-timestamp", ts), ("x-tif-nonce", nonce),
                                  ("x-tif-signature", sig)) if not v]
        if missing:
            return "网关校验失败：缺少请求头 " + ", ".join(missing)
        if not hmac.compare_digest(paasid, str(gw.get("paasid", ""))):
            return "网关校验失败：x-tif-paasid 不正确"
        try:
            t = int(ts)
        except ValueError:
            return "网关校验失败：x-tif-timestamp 应为 Unix 秒"
        if abs(time.time() - t) > GATEWAY_SKEW:
            return f"网关校验失败：x-tif-timestamp 与平台时间相差超过 {GATEWAY_SKEW} 秒，请校准终端时钟"
        expected = hashlib.sha256(f"{ts}{gw.get('token', '')}{nonce}{ts}".encode("utf-8")).hexdigest()
        if not hmac.compare_digest(sig.encode("utf-8"), expected.encode("utf-8")):
            return "网关校验失败：x-tif-signature 签名错误"
        return ""

    def _transaction(self, path_infno: str | None, body: bytes) -> None:
        sb = self.sb
        if sb.gateway:
            why = self._gateway_refusal()
            if why:
                self._json(401, {"code": 401, "message": why})
                return
        infno = sb.platform.peek_infno(body, path_infno)
        # X-Sandbox-Warn: percent-encoded warn_msg for this request's answer (when it is processed)
        sb._request_warn.text = unquote(self.headers.get("X-Sandbox-Warn", "") or "")
        fault: Fault | None = None
        header = self.headers.get("X-Sandbox-Fault")
        if header:
            try:
                fault = parse_header(header)
            except ValueError as e:
                self._json(400, {"error": str(e), "kinds": list(KINDS)})
                return
        else:
            fault = sb._board.take(infno)
        if fault is None:
            self._send(200, *sb.platform.respond(body, path_infno))
            return
        log.info("fault %s (%.2fs) on %s", fault.kind, fault.wait, infno or "?")
        if fault.kind == "hang":
            sb._stopping.wait(fault.wait)
            self.close_connection = True  # close without an answer
            return
        if fault.kind not in PROCESSED:
            sb._stopping.wait(fault.wait)
            if fault.kind == "reset":
                self._reset()
            elif fault.kind == "http500":
                self._send(500, "<html><body><h1>500 Internal Server Error</h1></body></html>".encode(),
                           "text/html;charset=UTF-8")
            else:  # business_error
                self._send(200, sb.platform.refuse(body, fault.message))
            return
        answer, ctype = sb.platform.respond(body, path_infno)
        sb._stopping.wait(fault.wait)
        if fault.kind == "lost_answer":
            self._reset()
        elif fault.kind == "malformed":
            self._send(200, answer[: max(1, len(answer) // 2)])
        elif fault.kind == "drip":
            self._drip(answer, fault.drip_interval, fault.drip_headers)
        elif fault.kind == "huge":
            self._huge(answer, fault.size_bytes, fault.chunked)
        elif fault.kind == "omit_fields":
            self._send(200, omit_fields(answer, fault.omitted), ctype)
        else:  # delay
            self._send(200, answer, ctype)

    def _head(self, status: int, headers: list[tuple[str, str]]) -> bytes:
        lines = [f"{self.protocol_version} {status} {self.responses.get(status, ('',))[0]}",
                 f"Server: {self.version_string()}", f"Date: {self.date_time_string()}", *(f"{k}: {v}" for k, v in headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _drip(self, answer: bytes, interval: float, headers_too: bool) -> None:
        """The answer one byte every interval seconds (the headers at once unless headers_too)."""
        self.close_connection = True
        head = self._head(200, [("Content-Type", "application/json;charset=UTF-8"),
                                ("Content-Length", str(len(answer))), ("Connection", "close")])
        data = head + answer if headers_too else answer
        try:
            if not headers_too:
                self.wfile.write(head)
            for i in range(len(data)):
                if self.sb._stopping.wait(interval):
                    return
                self.wfile.write(data[i:i + 1])
        except OSError:  # the client gave up
            return

    def _huge(self, answer: bytes, size: int, chunked: bool) -> None:
        """A valid answer padded to size bytes, written in 64 KiB blocks (never held whole in memory)."""
        self.close_connection = True
        prefix, suffix = answer[:-1] + b',"padding":"', b'"}'
        pad = max(0, size - len(prefix) - len(suffix))
        framing = ("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(len(prefix) + pad + len(suffix)))
        block = b"x" * 65536

        def parts():
            yield prefix
            left = pad
            while left > 0:
                yield block[:min(left, len(block))]
                left -= len(block)
            yield suffix

        try:
            self.wfile.write(self._head(200, [("Content-Type", "application/json;charset=UTF-8"), framing,
                                              ("Connection", "close")]))
            for part in parts():
                if self.sb._stopping.is_set():
                    return
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client stopped reading (an answer over its cap)
            return


class SandboxServer:
    """The sandbox platform served on a background thread. Also a context manager."""

    def __init__(self, db_path: str | Path | None = None, host: str = "127.0.0.1", port: int = 0,
                 require_sign_in: bool = True, gateway: dict[str, str] | None = None,
                 ssl_context: ssl.SSLContext | None = None, *, clock: Callable[[], datetime] | None = None,
                 data_dir: str | Path | None = None, ecode_ttl: float = 60.0):
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
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle ---------------------------------------------------------------------------------
    @classmethod
    def for_config(cls, cfg: Any, *, port: int | None = None) -> "SandboxServer":
        """The training sandbox of a terminal configuration, its state kept in the data directory (not started).
        ``port`` None: the configured ``backend.sandbox_port``."""
        return cls(db_path=cfg.sandbox_db,
                   port=cfg.backend.sandbox_port if port is None else port)

    def start(self) -> "SandboxServer":
        if self._httpd is not None:
            return self
        self._httpd = _HTTPServer((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()
        log.info("sandbox platform listening on %s (db %s)", self.url, self.db_path)
        return self

    def stop(self) -> None:
        self._stopping.set()
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

    def __enter__(self) -> "SandboxServer":
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

    def faults(self) -> list[dict]:
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

    def balance(self, person_key: str, insutype: str | None = None):
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
    import argparse

    ap = argparse.ArgumentParser(description="yibao-terminal sandbox platform")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--db")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    serve_forever(a.port, a.db)
