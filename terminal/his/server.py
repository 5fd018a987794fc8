"""The local HTTP interface (a small WSGI app served by cheroot): docs/his-integration.md, resources/his-api.yaml.

    GET    /v1/health                 no token: {"ok": true, "version": ...}
    POST   /v1/bills                  push a bill (201 new, 200 the same bill / replaced)
    GET    /v1/bills[?status=S]       bills to charge (pending; status=all or a status)
    GET    /v1/bills/{bill_no}        one bill's state and result
    DELETE /v1/bills/{bill_no}        withdraw a pending bill

Every answer is JSON; an error is ``{"error": {"code", "field", "message"}}``. The token is compared in constant
time; 127.0.0.1 by default, any other address only with TLS (:func:`check_settings` names the key).
"""
from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import threading
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from terminal import __version__
from terminal.config import ConfigError

from .book import HisBook, HisError

if TYPE_CHECKING:  # pragma: no cover
    from terminal.config.model import HisConfig

log = logging.getLogger(__name__)

LOOPBACK = ("localhost", "127.0.0.1", "::1")
STATUS_TEXT = {200: "200 OK", 201: "201 Created", 400: "400 Bad Request", 401: "401 Unauthorized",
               404: "404 Not Found", 405: "405 Method Not Allowed", 409: "409 Conflict", 411: "411 Length Required",
               413: "413 Payload Too Large", 415: "415 Unsupported Media Type", 422: "422 Unprocessable Entity",
               500: "500 Internal Server Error"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_settings(his: HisConfig) -> None:
    """Refuse to serve without a token, or on a non-loopback address without TLS (ConfigError names the key)."""
    from pathlib import Path

    if len(his.token) < 16:
        raise ConfigError("his.token", "HIS 接口须配置至少 16 个字符的令牌 (a token of at least 16 characters)")
    if not is_loopback(his.host):
        for key in ("tls_cert", "tls_key"):
            p = getattr(his, key)
            if not p:
                raise ConfigError(f"his.{key}", f"HIS 接口监听非本机地址 {his.host} 时必须启用 TLS："
                                  "请配置 his.tls_cert 与 his.tls_key (a LAN address needs TLS)")
            if not Path(p).is_file():
                raise ConfigError(f"his.{key}", f"文件不存在: {p}")
    if not 1024 <= his.max_body_bytes <= 16 * 1024 * 1024:
        raise ConfigError("his.max_body_bytes", f"应在 1024 到 16777216 之间，实际为 {his.max_body_bytes}")


class HisApp:
    """The WSGI application."""

    def __init__(self, book: HisBook, token: str, *, max_body_bytes: int = 256 * 1024):
        self.book, self.max_body = book, max_body_bytes
        self._token = token.encode("utf-8")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        try:
            code, body = self.route(environ)
        except HisError as e:
            code, body = e.status, e.as_dict()
        except Exception:
            log.exception("HIS interface error")
            code, body = 500, HisError(500, "internal", "终端内部错误 (internal error)").as_dict()
        log.info("HIS %s %s -> %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), code)
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        start_response(STATUS_TEXT.get(code, f"{code} Error"),
                       [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data))),
                        ("Cache-Control", "no-store")])
        return [data]

    def _authorized(self, environ: dict[str, Any]) -> None:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        given = auth[7:].strip().encode("utf-8") if auth[:7].lower() == "bearer " else b""
        if not hmac.compare_digest(given, self._token):
            raise HisError(401, "unauthorized", "令牌错误或缺失 (missing or wrong bearer token)", "Authorization")

    def _body(self, environ: dict[str, Any]) -> Any:
        ctype = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise HisError(415, "unsupported_media_type", "请求体须为 application/json", "Content-Type")
        length = environ.get("CONTENT_LENGTH") or ""
        if not length.isdigit():
            raise HisError(411, "length_required", "须提供 Content-Length", "Content-Length")
        if int(length) > self.max_body:
            raise HisError(413, "too_large", f"请求体 {length} 字节，超过上限 {self.max_body} (body too large)",
                           "Content-Length")
        raw = environ["wsgi.input"].read(int(length))
        try:
            # numbers as their text (prices and quantities are exact decimals, never floats)
            return json.loads(raw.decode("utf-8"), parse_float=Decimal,
                              parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        except (UnicodeDecodeError, ValueError) as e:
            raise HisError(400, "bad_json", f"请求体不是有效的 UTF-8 JSON: {e}", "(body)") from e

    def route(self, environ: dict[str, Any]) -> tuple[int, Any]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        if path == "/v1/health":
            return 200, {"ok": True, "service": "yibao-terminal HIS interface", "version": __version__}
        self._authorized(environ)
        if path == "/v1/bills":
            if method == "POST":
                return self.book.push(self._body(environ))
            if method == "GET":
                q = parse_qs(environ.get("QUERY_STRING", ""))
                status = (q.get("status") or ["pending"])[0]
                return 200, {"bills": self.book.list_bills(status)}
            raise HisError(405, "method_not_allowed", f"{method} {path} 不支持", "method")
        if path.startswith("/v1/bills/"):
            bill_no = unquote(path[len("/v1/bills/"):])
            if method == "GET":
                return 200, self.book.get(bill_no)
            if method == "DELETE":
                return 200, self.book.withdraw(bill_no)
            raise HisError(405, "method_not_allowed", f"{method} {path} 不支持", "method")
        raise HisError(404, "not_found", f"没有 {path} (no such endpoint)", "path")


class HisServer:
    """cheroot serving :class:`HisApp` on (host, port) in a thread; TLS when cert and key are given."""

    def __init__(self, book: HisBook, his: HisConfig, *, port: int | None = None, threads: int = 4):
        from cheroot import wsgi

        check_settings(his)
        self.his = his
        self.app = HisApp(book, his.token, max_body_bytes=his.max_body_bytes)
        self.server = wsgi.Server((his.host, his.port if port is None else port), self.app, numthreads=threads,
                                  server_name="yibao-terminal-his", timeout=10)
        # headers beyond 16 KiB: cheroot refuses them itself; the body's cap is the app's (413 naming the field;
        # nothing is read beyond Content-Length, a body without one is refused unread: 411)
        self.server.max_request_header_size = 16 * 1024
        if his.tls_cert and his.tls_key:
            from cheroot.ssl.builtin import BuiltinSSLAdapter

            self.server.ssl_adapter = BuiltinSSLAdapter(his.tls_cert, his.tls_key)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.bind_addr[1])

    @property
    def url(self) -> str:
        scheme = "https" if self.server.ssl_adapter else "http"
        host = self.his.host if ":" not in self.his.host else f"[{self.his.host}]"
        return f"{scheme}://{host}:{self.port}"

    def start(self) -> HisServer:
        self.server.prepare()  # binds now: an address in use fails here, in the caller
        self._thread = threading.Thread(target=self.server.serve, name="his-http", daemon=True)
        self._thread.start()
        log.info("HIS interface listening on %s", self.url)
        return self

    def stop(self) -> None:
        self.server.stop()
        if self._thread:
            self._thread.join(5)
