"""The sandbox's HTTP side: the threading server on the loopback interface, the request handler (platform
transactions, control endpoints, the gateway check) and how an armed fault is delivered on the connection
(faults.py says what each kind means; server.py owns the board and the platform)."""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from terminal.core import wire
from terminal.core.protocol import ECODE_QUERY_PATH, PATH_TO_INFNO, SINGLE_ENDPOINT

from .ecode import EcodeIssuer
from .faults import KINDS, PROCESSED, Fault, parse_header
from .platform import JSON_TYPE, Platform
from .statements import INJECT_KINDS

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024 * 1024
GATEWAY_SKEW = 300


class Sandbox(Protocol):
    """What the handler needs of the sandbox it serves (server.SandboxServer)."""

    platform: Platform
    ecodes: EcodeIssuer
    gateway: dict[str, str] | None
    ssl_context: ssl.SSLContext | None
    #: set when the sandbox stops: waits for faults end early
    stopping: threading.Event

    def take_fault(self, infno: str) -> Fault | None: ...
    def set_request_warn(self, text: str) -> None: ...
    def health(self) -> dict[str, Any]: ...
    def ledger(self) -> list[dict[str, Any]]: ...
    def faults(self) -> list[dict[str, Any]]: ...
    def clear_faults(self) -> None: ...
    def arm_fault(self, kind: str, infno: str = "*", count: int = 1, delay: float = 0.0, err_msg: str = "",
                  **options: Any) -> Fault: ...
    def arm_warn(self, warn_msg: str, infno: str = "*", count: int = 1) -> dict[str, Any]: ...
    def inject(self, kind: str, **kw: Any) -> dict[str, Any]: ...
    def issue_ectoken(self, person_key: str) -> str: ...
    def issue_ecode(self, person_key: str, ttl: float | None = None) -> tuple[str, datetime]: ...


def omit_fields(answer: bytes, names: tuple[str, ...]) -> bytes:
    """The answer without the named keys in output and output.setlinfo (an independent platform that leaves
    clearing fields out of its 2207/2208 answers)."""
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


class HTTPServer(ThreadingHTTPServer):
    """The sandbox's listening socket: a thread per connection, TCP_NODELAY, TLS when the sandbox has a context; it
    keeps its open connections so that stopping can cut them."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(addr, Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        try:  # headers and body go out in separate writes: no Nagle / delayed-ACK stalls
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        ctx = self.sandbox.ssl_context
        if ctx is not None:  # handshake happens lazily in the handler thread, not in the accept loop
            sock = ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
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

    def handle_error(self, request: Any, client_address: Any) -> None:  # connection errors are part of the game
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, OSError, ValueError)) or self.sandbox.stopping.is_set():
            log.debug("connection from %s ended: %r", client_address, exc)
            return
        log.exception("sandbox handler error for %s", client_address)


class Handler(BaseHTTPRequestHandler):
    """One connection: platform transactions (with the gateway check and any fault), and the control endpoints."""

    protocol_version = "HTTP/1.1"
    server_version = "YibaoSandbox/1.0"
    sys_version = ""
    timeout = 120  # an idle keep-alive connection is closed after this

    server: HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.client_address[0], *args)

    @property
    def sb(self) -> Sandbox:
        return self.server.sandbox

    # sending -----------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, ctype: str = JSON_TYPE) -> None:
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
    def do_GET(self) -> None:
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

    def do_DELETE(self) -> None:
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

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._read_body()
        if body is None:
            return
        if path == SINGLE_ENDPOINT:
            self._transaction(None, body)
        elif path in PATH_TO_INFNO:
            self._transaction(PATH_TO_INFNO[path], body)
        elif path == ECODE_QUERY_PATH:
            try:
                req = json.loads(body.decode("utf-8") or "{}")
            except (UnicodeDecodeError, ValueError):
                req = None
            self._json(200, self.sb.ecodes.query(req))
        elif path in self.CONTROLS:
            act, bad, kinds = self.CONTROLS[path]
            try:
                answer = act(self, json.loads(body.decode("utf-8") or "{}"))
            except (KeyError, ValueError, TypeError, AttributeError) as e:
                self._json(400, {"error": f"{bad}: {e}", **({"kinds": list(kinds)} if kinds else {})})
                return
            self._json(200, answer)
        else:
            self._json(404, {"error": f"no such path {path}"})

    # control endpoints: a JSON spec in, a JSON answer out (a bad spec raises KeyError, ValueError, TypeError or
    # AttributeError: HTTP 400) ---------------------------------------------------------------------
    def _arm_fault(self, spec: Any) -> dict[str, Any]:
        options = {k: spec[k] for k in ("interval", "size_mb", "chunked", "drip_headers", "fields") if k in spec}
        f = self.sb.arm_fault(spec["kind"], infno=spec.get("infno", "*"), count=spec.get("count", 1),
                              delay=spec.get("delay", 0.0), err_msg=spec.get("err_msg", ""), **options)
        return {"armed": f.as_dict(), "faults": self.sb.faults()}

    def _issue_ecode(self, spec: Any) -> dict[str, Any]:
        ttl = spec.get("ttl")
        code, expires = self.sb.issue_ecode(spec["person_key"], ttl=ttl)
        return {"ecQrCode": code, "expires": expires.isoformat(), "person_key": spec["person_key"]}

    def _arm_warn(self, spec: Any) -> dict[str, Any]:  # {"warn_msg": "...", "infno": "2207", "count": 1}
        return {"armed": self.sb.arm_warn(str(spec["warn_msg"]), infno=str(spec.get("infno", "*")),
                                          count=int(spec.get("count", 1)))}

    def _inject(self, spec: Any) -> dict[str, Any]:  # {"kind": "settled_elsewhere" | ..., ...}: statements.inject
        return {"injected": self.sb.inject(str(spec.pop("kind")), **spec)}

    def _issue_ectoken(self, spec: Any) -> dict[str, Any]:
        return {"ecToken": self.sb.issue_ectoken(spec["person_key"]), "person_key": spec["person_key"]}

    #: POST path -> (action, what a bad spec is called, the kinds listed with that error)
    CONTROLS: dict[str, tuple[Callable[[Handler, Any], dict[str, Any]], str, tuple[str, ...]]] = {
        "/sandbox/faults": (_arm_fault, "bad fault", KINDS),
        "/sandbox/ecode": (_issue_ecode, "bad request", ()),
        "/sandbox/warn": (_arm_warn, "bad warning", ()),
        "/sandbox/ledger/inject": (_inject, "bad ledger fault", INJECT_KINDS),
        "/sandbox/ectoken": (_issue_ectoken, "bad request", ()),
    }

    # a platform transaction ---------------------------------------------------------------------
    def _gateway_refusal(self, gw: dict[str, str]) -> str:
        """Why the x-tif-* headers do not pass the gateway ``gw`` (paasid, token): '' when they do."""
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
        expected = hashlib.sha256(f"{ts}{gw.get('token', '')}{nonce}{ts}".encode()).hexdigest()
        if not hmac.compare_digest(sig.encode("utf-8"), expected.encode("utf-8")):
            return "网关校验失败：x-tif-signature 签名错误"
        return ""

    def _transaction(self, path_infno: str | None, body: bytes) -> None:
        sb = self.sb
        if sb.gateway:
            why = self._gateway_refusal(sb.gateway)
            if why:
                self._json(401, {"code": 401, "message": why})
                return
        infno = sb.platform.peek_infno(body, path_infno)
        # X-Sandbox-Warn: percent-encoded warn_msg for this request's answer (when it is processed)
        sb.set_request_warn(unquote(self.headers.get("X-Sandbox-Warn", "") or ""))
        fault: Fault | None = None
        header = self.headers.get("X-Sandbox-Fault")
        if header:
            try:
                fault = parse_header(header)
            except ValueError as e:
                self._json(400, {"error": str(e), "kinds": list(KINDS)})
                return
        else:
            fault = sb.take_fault(infno)
        if fault is None:
            self._send(200, *sb.platform.respond(body, path_infno))
            return
        log.info("fault %s (%.2fs) on %s", fault.kind, fault.wait, infno or "?")
        self._deliver(fault, body, path_infno)

    # fault delivery ------------------------------------------------------------------------------
    def _deliver(self, fault: Fault, body: bytes, path_infno: str | None) -> None:
        """Answer a transaction the way the fault says (faults.py): process it or not, then misbehave."""
        sb = self.sb
        if fault.kind == "hang":
            sb.stopping.wait(fault.wait)
            self.close_connection = True  # close without an answer
            return
        if fault.kind not in PROCESSED:
            sb.stopping.wait(fault.wait)
            if fault.kind == "reset":
                self._reset()
            elif fault.kind == "http500":
                self._send(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>",
                           "text/html;charset=UTF-8")
            else:  # business_error
                self._send(200, sb.platform.refuse(body, fault.message))
            return
        answer, ctype = sb.platform.respond(body, path_infno)
        sb.stopping.wait(fault.wait)
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
                 f"Server: {self.version_string()}", f"Date: {self.date_time_string()}",
                 *(f"{k}: {v}" for k, v in headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _drip(self, answer: bytes, interval: float, headers_too: bool) -> None:
        """The answer one byte every interval seconds (the headers at once unless headers_too)."""
        self.close_connection = True
        head = self._head(200, [("Content-Type", JSON_TYPE),
                                ("Content-Length", str(len(answer))), ("Connection", "close")])
        data = head + answer if headers_too else answer
        try:
            if not headers_too:
                self.wfile.write(head)
            for i in range(len(data)):
                if self.sb.stopping.wait(interval):
                    return
                self.wfile.write(data[i:i + 1])
        except OSError:  # the client gave up
            return

    def _huge(self, answer: bytes, size: int, chunked: bool) -> None:
        """A valid answer padded to size bytes, written in 64 KiB blocks (never held whole in memory)."""
        self.close_connection = True
        prefix, suffix = answer[:-1] + b',"padding":"', b'"}'
        pad = max(0, size - len(prefix) - len(suffix))
        framing = (("Transfer-Encoding", "chunked") if chunked
                   else ("Content-Length", str(len(prefix) + pad + len(suffix))))
        block = b"x" * 65536

        def parts() -> Iterator[bytes]:
            yield prefix
            left = pad
            while left > 0:
                yield block[:min(left, len(block))]
                left -= len(block)
            yield suffix

        try:
            self.wfile.write(self._head(200, [("Content-Type", JSON_TYPE), framing,
                                              ("Connection", "close")]))
            for part in parts():
                if self.sb.stopping.is_set():
                    return
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client stopped reading (an answer over its cap)
            return
