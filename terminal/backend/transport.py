"""The HTTP exchange with the platform: where and how to reach it (Endpoint), the session (no automatic
retries, no proxies from the environment), one POST read whole within one deadline and under the size cap, and
every failure mapped to a TransportError that says whether the request went out."""
from __future__ import annotations

import errno
import socket
import ssl
from dataclasses import dataclass
from typing import Any

import requests
import urllib3

from terminal.core.protocol import SINGLE_ENDPOINT, TRANSACTION_PATHS

from .deadline import Deadline, DeadlineAdapter, current, watchdog
from .errors import CAUSES, MessageIds, TransportError


@dataclass
class Endpoint:
    """Where and how to reach the platform (from the [backend] and [gateway] config sections)."""

    url: str
    style: str = "single"
    connect_timeout: float = 10.0
    read_timeout: float = 90.0  # the longest silence between two reads of one answer
    total_timeout: float = 100.0  # one deadline per request: connect, send and the whole answer
    max_answer_bytes: int = 4 * 1024 * 1024  # longer answers are refused (checked on Content-Length and while read)
    max_file_bytes: int = 64 * 1024 * 1024  # a longer file (9102 download, 9101 upload) is refused the same way
    visit_info_infno: str = "2203"  # 2203 or 2203A, as the deployment wants
    verify_tls: bool = True
    ca_bundle: str = ""
    client_cert: str = ""
    client_key: str = ""
    gateway_paasid: str = ""
    gateway_token: str = ""

    def url_for(self, infno: str) -> str:
        base = self.url.rstrip("/")
        if self.style == "single":
            return base if base.endswith(SINGLE_ENDPOINT) else base + SINGLE_ENDPOINT
        path = TRANSACTION_PATHS.get(infno) or TRANSACTION_PATHS.get(infno[:4])
        if not path:
            raise ValueError(f"no per-transaction path known for {infno}")
        return base + path


def tls_verify(verify_tls: bool, ca_bundle: str = "") -> bool | str:
    """requests' ``verify``: the CA bundle when configured, the system store otherwise, off only when asked."""
    return (ca_bundle or True) if verify_tls else False


def make_session(e: Endpoint) -> requests.Session:
    """The session every request to the platform goes through (TLS verification and client certificate set)."""
    s = requests.Session()
    # Never retry a POST automatically: a retried 2207 could book twice.
    adapter = DeadlineAdapter(max_retries=0, pool_connections=2, pool_maxsize=4)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    s.verify = tls_verify(e.verify_tls, e.ca_bundle)
    if e.client_cert:
        s.cert = (e.client_cert, e.client_key) if e.client_key else e.client_cert
    s.trust_env = False  # no proxies from the environment for the settlement line
    s.headers.update({"Content-Type": "application/json;charset=utf-8", "Accept": "application/json"})
    return s


def exchange(session: requests.Session, e: Endpoint, url: str, body: bytes, headers: dict[str, str] | None, mm: bool,
             kw: MessageIds, cap: tuple[int, str] | None = None) -> tuple[bytes, str]:
    """POST and read the whole answer within one deadline and under the size cap: (body, Content-Type).
    cap: (bytes, config key) instead of backend.max_answer_bytes (a file answer)."""
    d = Deadline(e.total_timeout)
    watchdog.watch(d)
    current.deadline = d
    resp = None
    try:
        rem = d.remaining()
        try:
            resp = session.post(url, data=body, headers=headers, stream=True,
                                timeout=(max(0.001, min(e.connect_timeout, rem)),
                                         max(0.001, min(e.read_timeout, rem))))
        except requests.exceptions.RequestException as ex:
            raise _transport_error(e, ex, d, mm, kw) from ex
        if resp.status_code >= 400:
            # 4xx from a gateway means refused before processing; 5xx may have processed.
            sent = resp.status_code >= 500
            raise TransportError(f"HTTP {resp.status_code}", kind="http", cause="http", sent=sent,
                                 money_moving=mm, status=resp.status_code, url=e.url, **kw)
        content = _read_capped(resp, d, e, mm, kw, cap)
        return content, resp.headers.get("Content-Type") or ""
    finally:
        current.deadline = None
        d.finish()
        if resp is not None:
            resp.close()  # read whole: back to the pool; otherwise the connection is closed

def _read_capped(resp: requests.Response, d: Deadline, e: Endpoint, mm: bool, kw: MessageIds,
                 limit: tuple[int, str] | None = None) -> bytes:
    cap = limit[0] if limit else e.max_answer_bytes
    declared = (resp.headers.get("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(e, f"Content-Length {declared}", mm, kw, limit)
    if resp.raw is None or getattr(resp, "_content_consumed", False):  # already read (a response hook)
        content = resp.content or b""
        if len(content) > cap:
            raise _too_large(e, f"{len(content)} bytes", mm, kw, limit)
        return content
    if declared.isdigit() and not resp.headers.get("Content-Encoding") and int(declared) <= _CHUNK:
        # The usual answer: its length declared, not encoded, small. Read whole at once (http.client reads exactly
        # Content-Length bytes, each socket read still bounded by the read timeout cut to the time left, the
        # deadline's watchdog still shutting the socket when the request's time is up), instead of the chunked
        # loop below with its generator layers and a timeout set per chunk (issue 16: client CPU per settle).
        try:
            d.read_timeout(e.read_timeout)
            content = bytes(resp.raw.read(int(declared), decode_content=False))
            short = len(content) != int(declared)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as ex:
            raise _transport_error(e, ex, d, mm, kw) from ex
        d.finish()
        if d.expired or short:  # the watchdog shut the socket, or the platform closed it early: not complete
            raise _deadline_error(e, d, mm, kw) if d.expired else _transport_error(
                e, urllib3.exceptions.IncompleteRead(len(content), int(declared) - len(content)), d, mm, kw)
        resp._content, resp._content_consumed = content, True
        return content
    buf = bytearray()
    try:
        chunks = resp.iter_content(_CHUNK)
        while True:
            d.read_timeout(e.read_timeout)
            chunk = next(chunks, None)
            if chunk is None:
                break
            buf += chunk
            if len(buf) > cap:
                raise _too_large(e, f"more than {cap} bytes read", mm, kw, limit)
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as ex:
        raise _transport_error(e, ex, d, mm, kw) from ex
    d.finish()
    if d.expired:  # the watchdog shut the socket: what was read may look complete and is not
        raise _deadline_error(e, d, mm, kw)
    content = bytes(buf)
    resp._content, resp._content_consumed = content, True  # resp.content works as after a plain read
    return content

def _too_large(e: Endpoint, what: str, mm: bool, kw: MessageIds, limit: tuple[int, str] | None = None
               ) -> TransportError:
    cap, key = limit or (e.max_answer_bytes, "backend.max_answer_bytes")
    return TransportError(f"answer too large: {what} > {key} {cap}", kind="too_large",
                          cause="too_large", sent=True, money_moving=mm, limit=cap, limit_key=key, url=e.url, **kw)

def _deadline_error(e: Endpoint, d: Deadline, mm: bool, kw: MessageIds) -> TransportError:
    return TransportError(f"no complete answer within backend.total_timeout {d.seconds:g} s", kind="timeout",
                          cause="deadline", sent=True, money_moving=mm, limit=d.seconds, url=e.url,
                          **kw)

def _transport_error(e: Endpoint, ex: BaseException, d: Deadline, mm: bool, kw: MessageIds) -> TransportError:
    tracked = d.conn is not None  # our connection class saw it: we know whether sending began
    if d.expired or (d.remaining() <= 0 and (d.sent or not tracked) and _is_timeout(ex)):
        err = _deadline_error(e, d, mm, kw)
        err.sent = d.sent or not tracked
        err.outcome_unknown = bool(err.sent and mm)
        return err
    cause, detail = _classify(ex, sent=d.sent if tracked else None)
    kind = CAUSES.get(cause, "reset")
    if cause == "tls_handshake" and _handshake_refused(detail):
        sent = False  # the server refused the handshake: it read nothing
    elif tracked:
        sent = d.sent
    elif kind in ("tls", "connect"):
        sent = False
    elif cause == "read_timeout":
        sent = True
    else:
        sent = not never_connected(ex)
        if not sent:
            cause, kind = ("connect", "connect") if cause == "reset" else (cause, kind)
    if kind in ("tls", "connect") and sent:  # a TLS alert or a refusal on a connection already in use
        cause, kind = "reset", "reset"
    limit = None
    if cause == "connect_timeout":
        limit = round(max(0.001, min(e.connect_timeout, d.seconds)), 3)
    return TransportError(f"{cause}: {detail}", kind=kind, cause=cause, sent=sent, money_moving=mm, url=e.url,
                          limit=limit, detail=detail, **kw)


_CHUNK = 64 * 1024

# OpenSSL X509_V_ERR_* codes of ssl.SSLCertVerificationError.verify_code
_X509_SELF_SIGNED = {18}  # DEPTH_ZERO_SELF_SIGNED_CERT: the server's certificate signed by itself
_X509_UNKNOWN_CA = {2, 19, 20, 21, 27}  # no issuer found, untrusted root in chain, issuer unknown, not trusted
_X509_EXPIRED = {10, 12}
_X509_NOT_YET_VALID = {9, 11}
_X509_HOSTNAME = {62, 64}  # HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH


def _chain(ex: BaseException) -> list[BaseException]:
    """The exception, its causes and contexts, and the exceptions wrapped in args / reason (urllib3, requests)."""
    out: list[BaseException] = []
    seen: set[int] = set()
    todo: list[Any] = [ex]
    while todo and len(out) < 40:
        cur = todo.pop(0)
        if not isinstance(cur, BaseException) or id(cur) in seen:
            continue
        seen.add(id(cur))
        out.append(cur)
        todo += [cur.__cause__, cur.__context__, getattr(cur, "reason", None)]
        todo += [a for a in getattr(cur, "args", ()) if isinstance(a, BaseException)]
    return out


def _handshake_refused(reason: Any) -> bool:
    """A TLS alert by which the server refused the handshake (TLS 1.3 sends it after the client's Finished, so
    the request may be written already, but the server never read it): e.g. a client certificate required."""
    r = str(reason or "").upper()
    return "ALERT" in r and any(w in r for w in ("CERTIFICATE", "HANDSHAKE_FAILURE", "UNKNOWN_CA", "ACCESS_DENIED",
                                                 "PROTOCOL_VERSION", "INSUFFICIENT_SECURITY"))


def _is_timeout(ex: BaseException) -> bool:
    names = {"ReadTimeoutError", "ConnectTimeoutError", "TimeoutError"}
    return any(isinstance(x, (socket.timeout, TimeoutError, requests.exceptions.Timeout)) or type(x).__name__ in names
               for x in _chain(ex))


def _classify(ex: BaseException, sent: bool | None = None) -> tuple[str, str]:
    """(cause, detail): what a transport failure was, as precisely as the exception chain tells."""
    chain = _chain(ex)
    for x in chain:
        if isinstance(x, ssl.SSLCertVerificationError):
            code = getattr(x, "verify_code", None)
            text = str(getattr(x, "verify_message", "") or x)
            low = text.lower()
            if code in _X509_SELF_SIGNED or (code is None and "self-signed certificate" == low.strip()):
                return "tls_self_signed", text
            if code in _X509_UNKNOWN_CA or "issuer certificate" in low:
                return "tls_unknown_ca", text
            if code in _X509_EXPIRED or "expired" in low:
                return "tls_expired", text
            if code in _X509_NOT_YET_VALID or "not yet valid" in low:
                return "tls_not_yet_valid", text
            if code in _X509_HOSTNAME or "match" in low or "hostname" in low:
                return "tls_hostname", text
            return "tls", text
    for x in chain:
        if type(x).__name__ == "NameResolutionError" or isinstance(x, socket.gaierror):
            return "dns", _root(x)
    for x in chain:
        if isinstance(x, ConnectionRefusedError) or getattr(x, "errno", None) == errno.ECONNREFUSED:
            return "refused", _root(x)
    for x in chain:
        if getattr(x, "errno", None) in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "unreachable", _root(x)
    for x in chain:
        if isinstance(x, requests.exceptions.ConnectTimeout) or type(x).__name__ == "ConnectTimeoutError":
            return "connect_timeout", _root(x)
    for x in chain:
        if isinstance(x, ssl.SSLError) and (not sent or _handshake_refused(getattr(x, "reason", None))):
            reason = getattr(x, "reason", None)
            return "tls_handshake", str(reason or _root(x))[:120]
    if isinstance(ex, requests.exceptions.SSLError) and not sent:
        return "tls", _root(ex)
    if _is_timeout(ex):
        return "read_timeout", _root(ex)
    return "reset", _root(ex)


def _root(ex: BaseException) -> str:
    seen = ex
    while (earlier := seen.__cause__ or seen.__context__) is not None:
        seen = earlier
    text = str(seen) or type(seen).__name__
    return text[:200]


def never_connected(ex: BaseException) -> bool:
    """True when the connection was never established (so the request was certainly not sent)."""
    cur: BaseException | None = ex
    depth = 0
    while cur is not None and depth < 10:
        name = type(cur).__name__
        if name in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError"):
            return True
        if isinstance(cur, ConnectionRefusedError) or isinstance(cur, socket.gaierror):
            return True
        for arg in getattr(cur, "args", ()):
            if type(arg).__name__ in ("NewConnectionError", "NameResolutionError"):
                return True
            reason = getattr(arg, "reason", None)
            if reason is not None and type(reason).__name__ in ("NewConnectionError", "NameResolutionError",
                                                                "ConnectTimeoutError"):
                return True
        reason = getattr(cur, "reason", None)
        if reason is not None and type(reason).__name__ in ("NewConnectionError", "NameResolutionError"):
            return True
        cur = cur.__cause__ or cur.__context__
        depth += 1
    return False
