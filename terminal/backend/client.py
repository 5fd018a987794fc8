"""The national settlement platform client over requests.

One method per transaction; every call builds the envelope, goes through the observer (the journal writes
the message durably before it is sent), posts it, and maps every failure to a typed error:
BusinessError (refused: show err_msg), TransportError (no answer; outcome unknown for money-moving
transactions once sent), MalformedAnswer (an answer that is not a valid platform answer).
"""
from __future__ import annotations

import errno
import heapq
import itertools
import logging
import os
import re
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from terminal.core import wire
from terminal.core.money import to_wire
from terminal.core.privacy import mask_data
from terminal.core.protocol import MONEY_MOVING, NEEDS_INSUPLC, SINGLE_ENDPOINT, TRANSACTION_PATHS

from .answers import check_booking
from .errors import CAUSES, BusinessError, MalformedAnswer, PlatformError, TransportError
from .msgid import MsgIdGenerator
from .signing import gateway_headers

log = logging.getLogger("terminal.backend")

VISIT_INFO_INFNOS = ("2203", "2203A")


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


@dataclass
class Identity:
    """Who speaks: the facility, the place of treatment and the operator (envelope fields)."""

    fixmedins_code: str
    fixmedins_name: str
    mdtrtarea_admvs: str
    opter: str
    opter_name: str
    opter_type: str = "1"
    recer_sys_code: str = "YBXT"
    infver: str = "V1.0"
    dev_no: str = ""
    dev_safe_info: str = ""
    signtype: str = ""
    cainfo: str = ""


@dataclass
class Message:
    """An outgoing message as journaled: the whole envelope and where it goes."""

    infno: str
    msgid: str
    envelope: dict[str, Any]
    url: str
    started: float = 0.0

    @property
    def money_moving(self) -> bool:
        return self.infno[:4] in MONEY_MOVING


@dataclass
class Answer:
    infno: str
    msgid: str
    output: dict[str, Any]
    warn_msg: str = ""
    inf_refmsgid: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    elapsed: float = 0.0
    http_elapsed: float = 0.0


class MessageObserver(Protocol):
    """The journal's hook. before_send must make the message durable; raising there aborts the send."""

    def before_send(self, msg: Message) -> None: ...
    def after_answer(self, msg: Message, answer: Answer) -> None: ...
    def after_failure(self, msg: Message, error: PlatformError) -> None: ...


def _infcode_ok(code: Any) -> bool | None:
    """True for success (0 / "0"), False for failure (-1 / "-1" / other ints), None when not a code."""
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code == 0
    if isinstance(code, str) and code.strip().lstrip("-").isdigit():
        return int(code.strip()) == 0
    if isinstance(code, Decimal) and code == code.to_integral():
        return code == 0
    return None


# One deadline per request ------------------------------------------------------------------------
# requests' read timeout bounds each socket read, so a platform that drips a byte now and then keeps a settle
# waiting for ever. Each request gets a _Deadline: the connection that carries it registers itself, the body
# is read in chunks with the per-read timeout cut to the time left, and a watchdog thread shuts the socket
# down when the deadline passes (which wakes a blocked recv at once, also while the headers are dripping).
_current = threading.local()


class _Deadline:
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
        self._cv = threading.Condition()
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, d: _Deadline) -> None:
        with self._cv:
            heapq.heappush(self._heap, (d.end, next(self._seq), d))
            if self._thread is None or not self._thread.is_alive():  # (also after a fork)
                self._thread = threading.Thread(target=self._run, name="platform-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is d:
                self._cv.notify()

    def _run(self) -> None:
        while True:
            due: list[_Deadline] = []
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


_watchdog = _Watchdog()
if hasattr(os, "register_at_fork"):  # a forked child starts with a fresh watchdog (the parent's lock may be held)
    os.register_at_fork(after_in_child=_watchdog.__init__)


class _Tracked:
    """Mixin for urllib3 connections: register with the current request's deadline, note when sending begins."""

    def connect(self) -> None:
        d = getattr(_current, "deadline", None)
        if d is not None:
            d.attach(self)
        super().connect()  # type: ignore[misc]
        if d is not None:
            d.attach(self)  # now with its socket

    def request(self, *args: Any, **kw: Any) -> None:
        d = getattr(_current, "deadline", None)
        if d is not None:
            if getattr(self, "sock", None) is None:
                self.connect()  # connect first, so a refused connection is known as never sent
            d.attach(self)
            d.sent = True
        super().request(*args, **kw)  # type: ignore[misc]


class _HTTPConn(_Tracked, HTTPConnection):
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


class _DeadlineAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kw: Any) -> None:
        super().init_poolmanager(*args, **kw)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


_inf_cache: tuple[int, str] = (0, "")


def _inf_time() -> str:
    """Local time "YYYY-mm-dd HH:MM:SS" for the envelope, formatted once per second (strftime is most of the
    envelope's cost; a settle sends six messages within the same second or two)."""
    global _inf_cache
    now = time.time()
    sec = int(now)
    cached = _inf_cache
    if cached[0] != sec:
        cached = _inf_cache = (sec, datetime.fromtimestamp(sec).strftime("%Y-%m-%d %H:%M:%S"))
    return cached[1]


class PlatformClient:
    def __init__(self, endpoint: Endpoint, identity: Identity, msgids: MsgIdGenerator, *,
                 observer: MessageObserver | None = None, session: requests.Session | None = None):
        self.endpoint, self.identity, self.msgids = endpoint, identity, msgids
        self.observer = observer
        self.sign_no = ""
        self.session = session or self._make_session()
        self.last_http_elapsed = 0.0
        self.http_total = 0.0  # sum of HTTP round trips (for the overhead benchmark)

    def _make_session(self) -> requests.Session:
        s = requests.Session()
        # Never retry a POST automatically: a retried 2207 could book twice.
        adapter = _DeadlineAdapter(max_retries=0, pool_connections=2, pool_maxsize=4)
        s.mount("http://", adapter)
        s.mount("https://", adapter)
        e = self.endpoint
        s.verify = tls_verify(e.verify_tls, e.ca_bundle)
        if e.client_cert:
            s.cert = (e.client_cert, e.client_key) if e.client_key else e.client_cert
        s.trust_env = False  # no proxies from the environment for the settlement line
        s.headers.update({"Content-Type": "application/json;charset=utf-8", "Accept": "application/json"})
        return s

    def close(self) -> None:
        self.session.close()

    # envelope -----------------------------------------------------------------------------------
    def envelope(self, infno: str, input_: dict[str, Any], *, insuplc_admdvs: str = "", msgid: str | None = None
                 ) -> dict[str, Any]:
        i = self.identity
        if infno[:4] in NEEDS_INSUPLC and not insuplc_admdvs:
            raise ValueError(f"{infno} carries psn_no and needs insuplc_admdvs (from 1101 insuinfo)")
        return {
            "infno": infno,
            "msgid": msgid or self.msgids.next(),
            "mdtrtarea_admvs": i.mdtrtarea_admvs,
            "insuplc_admdvs": insuplc_admdvs,
            "recer_sys_code": i.recer_sys_code,
            "dev_no": i.dev_no,
            "dev_safe_info": i.dev_safe_info,
            "cainfo": i.cainfo,
            "signtype": i.signtype,
            "infver": i.infver,
            "opter_type": i.opter_type,
            "opter": i.opter,
            "opter_name": i.opter_name,
            "inf_time": _inf_time(),
            "fixmedins_code": i.fixmedins_code,
            "fixmedins_name": i.fixmedins_name,
            "sign_no": self.sign_no,
            "input": input_,
        }

    def prepare(self, infno: str, input_: dict[str, Any], *, insuplc_admdvs: str = "", msgid: str | None = None
                ) -> Message:
        env = self.envelope(infno, input_, insuplc_admdvs=insuplc_admdvs, msgid=msgid)
        return Message(infno=infno, msgid=env["msgid"], envelope=env, url=self.endpoint.url_for(infno))

    # the call ------------------------------------------------------------------------------------
    def call(self, infno: str, input_: dict[str, Any], *, insuplc_admdvs: str = "", msgid: str | None = None
             ) -> Answer:
        return self.send(self.prepare(infno, input_, insuplc_admdvs=insuplc_admdvs, msgid=msgid))

    def send(self, msg: Message) -> Answer:
        """Send a prepared message (also used to forward a journaled one with its original msgid)."""
        if self.observer:
            self.observer.before_send(msg)
        msg.started = time.perf_counter()
        try:
            answer = self._post(msg)
            check_booking(msg.infno, msg.msgid, msg.envelope.get("input"), answer.output)
        except PlatformError as err:
            log.warning("%s %s failed: %s (%s)", msg.infno, msg.msgid, type(err).__name__, err)
            if self.observer:
                self.observer.after_failure(msg, err)
            raise
        if self.observer:
            self.observer.after_answer(msg, answer)
        return answer

    def _post(self, msg: Message) -> Answer:
        mm = msg.money_moving
        kw = dict(infno=msg.infno, msgid=msg.msgid)
        body = wire.dumps(msg.envelope).encode("utf-8")
        headers: dict[str, str] | None = None  # None: requests takes the session's headers as they are
        e = self.endpoint
        if e.gateway_paasid and e.gateway_token:
            headers = gateway_headers(e.gateway_paasid, e.gateway_token)
        if log.isEnabledFor(logging.DEBUG):  # the journal keeps the masked request; the log only at DEBUG
            log.debug("-> %s %s %s", msg.infno, msg.msgid, wire.dumps(mask_data(msg.envelope.get("input", {})))[:2000])
        t0 = time.perf_counter()
        content, ctype = self._exchange(msg, body, headers, mm, kw)
        http_elapsed = time.perf_counter() - t0
        self.last_http_elapsed = http_elapsed
        self.http_total += http_elapsed
        data = decode_answer(content, ctype, money_moving=mm, **kw)
        if not isinstance(data, dict):
            raise MalformedAnswer("应答不是 JSON 对象", money_moving=mm, **kw)
        ok = _infcode_ok(data.get("infcode"))
        if ok is None:
            raise MalformedAnswer(f"应答缺少或无法识别 infcode: {data.get('infcode')!r}", money_moving=mm, **kw)
        if not ok:
            log.info("<- %s %s refused: %s", msg.infno, msg.msgid, data.get("err_msg"))
            raise BusinessError(str(data.get("err_msg") or ""), infcode=data.get("infcode"), answer=data, **kw)
        output = data.get("output")
        if output is None:
            output = {}
        if not isinstance(output, dict):
            raise MalformedAnswer("应答 output 不是对象", money_moving=mm, **kw)
        warn = str(data.get("warn_msg") or "")
        if warn:
            log.warning("<- %s %s warn_msg: %s", msg.infno, msg.msgid, warn)
        log.debug("<- %s %s ok in %.0f ms", msg.infno, msg.msgid, http_elapsed * 1000)  # the journal has every message
        return Answer(infno=msg.infno, msgid=msg.msgid, output=output, warn_msg=warn,
                      inf_refmsgid=str(data.get("inf_refmsgid") or ""), raw=data,
                      elapsed=time.perf_counter() - msg.started, http_elapsed=http_elapsed)

    def _exchange(self, msg: Message, body: bytes, headers: dict[str, str] | None, mm: bool, kw: dict[str, str],
                  cap: tuple[int, str] | None = None) -> tuple[bytes, str]:
        """POST and read the whole answer within one deadline and under the size cap: (body, Content-Type).
        cap: (bytes, config key) instead of backend.max_answer_bytes (a file answer)."""
        e = self.endpoint
        d = _Deadline(e.total_timeout)
        _watchdog.watch(d)
        _current.deadline = d
        resp = None
        try:
            rem = d.remaining()
            try:
                resp = self.session.post(msg.url, data=body, headers=headers, stream=True,
                                         timeout=(max(0.001, min(e.connect_timeout, rem)),
                                                  max(0.001, min(e.read_timeout, rem))))
            except requests.exceptions.RequestException as ex:
                raise self._transport_error(ex, d, mm, kw) from ex
            if resp.status_code >= 400:
                # 4xx from a gateway means refused before processing; 5xx may have processed.
                sent = resp.status_code >= 500
                raise TransportError(f"HTTP {resp.status_code}", kind="http", cause="http", sent=sent,
                                     money_moving=mm, status=resp.status_code, url=e.url, **kw)
            content = self._read_capped(resp, d, mm, kw, cap)
            return content, resp.headers.get("Content-Type") or ""
        finally:
            _current.deadline = None
            d.finish()
            if resp is not None:
                resp.close()  # read whole: back to the pool; otherwise the connection is closed

    def _read_capped(self, resp: requests.Response, d: _Deadline, mm: bool, kw: dict[str, str],
                     limit: tuple[int, str] | None = None) -> bytes:
        e = self.endpoint
        cap = limit[0] if limit else e.max_answer_bytes
        declared = (resp.headers.get("Content-Length") or "").strip()
        if declared.isdigit() and int(declared) > cap:
            raise self._too_large(f"Content-Length {declared}", mm, kw, limit)
        if resp.raw is None or getattr(resp, "_content_consumed", False):  # already read (a response hook)
            content = resp.content or b""
            if len(content) > cap:
                raise self._too_large(f"{len(content)} bytes", mm, kw, limit)
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
                    raise self._too_large(f"more than {cap} bytes read", mm, kw, limit)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as ex:
            raise self._transport_error(ex, d, mm, kw) from ex
        d.finish()
        if d.expired:  # the watchdog shut the socket: what was read may look complete and is not
            raise self._deadline_error(d, mm, kw)
        content = bytes(buf)
        resp._content, resp._content_consumed = content, True  # resp.content works as after a plain read
        return content

    def _too_large(self, what: str, mm: bool, kw: dict[str, str], limit: tuple[int, str] | None = None
                   ) -> TransportError:
        cap, key = limit or (self.endpoint.max_answer_bytes, "backend.max_answer_bytes")
        err = TransportError(f"answer too large: {what} > {key} {cap}", kind="too_large",
                             cause="too_large", sent=True, money_moving=mm, limit=cap, url=self.endpoint.url, **kw)
        err.limit_key = key
        return err

    def _deadline_error(self, d: _Deadline, mm: bool, kw: dict[str, str]) -> TransportError:
        return TransportError(f"no complete answer within backend.total_timeout {d.seconds:g} s", kind="timeout",
                              cause="deadline", sent=True, money_moving=mm, limit=d.seconds, url=self.endpoint.url,
                              **kw)

    def _transport_error(self, ex: BaseException, d: _Deadline, mm: bool, kw: dict[str, str]) -> TransportError:
        e = self.endpoint
        tracked = d.conn is not None  # our connection class saw it: we know whether sending began
        if d.expired or (d.remaining() <= 0 and (d.sent or not tracked) and _is_timeout(ex)):
            err = self._deadline_error(d, mm, kw)
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
            sent = not _never_connected(ex)
            if not sent:
                cause, kind = ("connect", "connect") if cause == "reset" else (cause, kind)
        if kind in ("tls", "connect") and sent:  # a TLS alert or a refusal on a connection already in use
            cause, kind = "reset", "reset"
        limit = None
        if cause == "connect_timeout":
            limit = round(max(0.001, min(e.connect_timeout, d.seconds)), 3)
        return TransportError(f"{cause}: {detail}", kind=kind, cause=cause, sent=sent, money_moving=mm, url=e.url,
                              limit=limit, detail=detail, **kw)

    # transactions --------------------------------------------------------------------------------
    def sign_in(self, mac: str = "", ip: str = "") -> str:
        """9001: sign in for the day; keeps and returns sign_no."""
        mac = mac or ":".join(f"{(uuid.getnode() >> s) & 0xff:02X}" for s in range(40, -1, -8))
        ip = ip or _local_ip()
        a = self.call("9001", {"signIn": {"opter_no": self.identity.opter, "mac": mac, "ip": ip}})
        info = a.output.get("signinoutb") or {}
        sign_no = str(info.get("sign_no") or "")
        if not sign_no:
            raise MalformedAnswer("签到应答缺少 sign_no", infno="9001", msgid=a.msgid)
        self.sign_no = sign_no
        return sign_no

    def sign_out(self) -> Answer:
        a = self.call("9002", {"signOut": {"sign_no": self.sign_no, "opter_no": self.identity.opter}})
        self.sign_no = ""
        return a

    def person_info(self, cert_type: str, cert_no: str, *, card_sn: str = "", psn_cert_type: str = "",
                    certno: str = "", psn_name: str = "") -> Answer:
        """1101: who is this? -> baseinfo, insuinfo[], idetinfo[]."""
        data = {"mdtrt_cert_type": cert_type, "mdtrt_cert_no": cert_no, "card_sn": card_sn,
                "begntime": datetime.now().strftime("%Y-%m-%d %H:%M:%S"), "psn_cert_type": psn_cert_type,
                "certno": certno, "psn_name": psn_name}
        a = self.call("1101", {"data": data})
        if not isinstance(a.output.get("baseinfo"), dict) or not a.output["baseinfo"].get("psn_no"):
            raise MalformedAnswer("1101 应答缺少 baseinfo.psn_no", infno="1101", msgid=a.msgid)
        return a

    def register(self, data: dict[str, Any], insuplc: str) -> Answer:
        a = self.call("2201", {"data": data}, insuplc_admdvs=insuplc)
        if not (a.output.get("data") or {}).get("mdtrt_id"):
            raise MalformedAnswer("2201 应答缺少 mdtrt_id", infno="2201", msgid=a.msgid)
        return a

    def cancel_registration(self, psn_no: str, mdtrt_id: str, ipt_otp_no: str, insuplc: str) -> Answer:
        return self.call("2202", {"data": {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "ipt_otp_no": ipt_otp_no}},
                         insuplc_admdvs=insuplc)

    def visit_info(self, mdtrtinfo: dict[str, Any], diseinfo: list[dict[str, Any]], insuplc: str,
                   infno: str | None = None) -> Answer:
        """2203 or 2203A (``backend.visit_info_infno``): the visit's diagnosis; in the per-transaction style
        each goes to its own path (…/outpatientMdtrtinfoUp, …/outpatientMdtrtinfoUpA)."""
        infno = infno or self.endpoint.visit_info_infno or "2203"
        if infno not in VISIT_INFO_INFNOS:
            raise ValueError(f"visit info is 2203 or 2203A, not {infno!r}")
        return self.call(infno, {"mdtrtinfo": mdtrtinfo, "diseinfo": diseinfo}, insuplc_admdvs=insuplc)

    def upload_fees(self, feedetail: list[dict[str, Any]], insuplc: str) -> Answer:
        a = self.call("2204", {"feedetail": feedetail}, insuplc_admdvs=insuplc)
        if not isinstance(a.output.get("result"), list):
            raise MalformedAnswer("2204 应答缺少 result 列表", infno="2204", msgid=a.msgid)
        return a

    def cancel_fees(self, mdtrt_id: str, chrg_bchno: str, psn_no: str, insuplc: str) -> Answer:
        return self.call("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": chrg_bchno, "psn_no": psn_no}},
                         insuplc_admdvs=insuplc)

    def pre_settle(self, data: dict[str, Any], insuplc: str) -> Answer:
        return self._setl("2206", data, insuplc)

    def settle(self, data: dict[str, Any], insuplc: str, msgid: str | None = None) -> Answer:
        return self._setl("2207", data, insuplc, msgid)

    def cancel_settlement(self, setl_id: str, mdtrt_id: str, psn_no: str, insuplc: str,
                          msgid: str | None = None) -> Answer:
        return self._setl("2208", {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no}, insuplc, msgid)

    def _setl(self, infno: str, data: dict[str, Any], insuplc: str, msgid: str | None = None) -> Answer:
        a = self.call(infno, {"data": _amounts_to_wire(data)}, insuplc_admdvs=insuplc, msgid=msgid)
        if not isinstance(a.output.get("setlinfo"), dict):
            raise MalformedAnswer(f"{infno} 应答缺少 setlinfo", infno=infno, msgid=a.msgid,
                                  money_moving=infno in MONEY_MOVING)
        return a

    def reverse(self, psn_no: str, omsgid: str, oinfno: str, insuplc: str, msgid: str | None = None) -> Answer:
        """2601: reverse the message omsgid of type oinfno (resolves an uncertain settlement)."""
        return self.call("2601", {"data": {"psn_no": psn_no, "omsgid": omsgid, "oinfno": oinfno}},
                         insuplc_admdvs=insuplc, msgid=msgid)

    def reconcile(self, data: dict[str, Any]) -> Answer:
        """3201: daily totals for one insutype x clr_type x clearing agency group."""
        return self.call("3201", {"data": _amounts_to_wire(data)})

    # files and detail reconciliation (3202) --------------------------------------------------------
    def upload_file(self, filename: str, data: bytes) -> dict[str, Any]:
        """9101 文件上传: the file's bytes as a JSON array of ints -> the output {file_qury_no, filename,
        dld_endtime}. A file over backend.max_file_bytes is refused before anything is sent. The journal keeps
        the length and sha256 of the bytes, not the bytes."""
        cap = self.endpoint.max_file_bytes
        if len(data) > cap:
            raise PlatformError(f"文件 {filename} 有 {len(data)} 字节，超过上限 backend.max_file_bytes {cap}，未上传",
                                infno="9101")
        a = self.call("9101", {"fsUploadIn": {"in": list(data), "filename": filename,
                                              "fixmedins_code": self.identity.fixmedins_code}})
        out = a.output
        if not str(out.get("file_qury_no") or ""):
            raise MalformedAnswer("9101 应答缺少 file_qury_no", infno="9101", msgid=a.msgid)
        return out

    def download_file(self, file_qury_no: str, filename: str) -> bytes:
        """9102 文件下载: the file's raw bytes, read within backend.total_timeout and under
        backend.max_file_bytes (TransportError too_large naming the key). A refusal (the JSON envelope with
        infcode -1) is a BusinessError."""
        node = {"file_qury_no": file_qury_no, "filename": filename, "fixmedins_code": self.identity.fixmedins_code}
        msg = self.prepare("9102", {"fsDownloadIn": node})
        if self.observer:
            self.observer.before_send(msg)
        msg.started = time.perf_counter()
        kw = dict(infno=msg.infno, msgid=msg.msgid)
        try:
            headers = {"Accept": "application/octet-stream, application/json"}
            e = self.endpoint
            if e.gateway_paasid and e.gateway_token:
                headers.update(gateway_headers(e.gateway_paasid, e.gateway_token))
            t0 = time.perf_counter()
            content, ctype = self._exchange(msg, wire.dumps(msg.envelope).encode("utf-8"), headers, False, kw,
                                            cap=(e.max_file_bytes, "backend.max_file_bytes"))
            http_elapsed = time.perf_counter() - t0
            self.last_http_elapsed = http_elapsed
            self.http_total += http_elapsed
            if _is_envelope(content, ctype):  # a refusal, or a platform that wraps the file in its envelope
                data = decode_answer(content, ctype, **kw)
                ok = _infcode_ok(data.get("infcode")) if isinstance(data, dict) else None
                if ok is None:
                    raise MalformedAnswer(f"9102 应答缺少或无法识别 infcode: {data.get('infcode')!r}"
                                          if isinstance(data, dict) else "9102 应答不是文件也不是 JSON 对象", **kw)
                if not ok:
                    raise BusinessError(str(data.get("err_msg") or ""), infcode=data.get("infcode"), answer=data, **kw)
                raise MalformedAnswer("9102 应答是 JSON 报文而不是文件内容", **kw)
            if not content:
                raise MalformedAnswer("9102 应答为空（没有文件内容）", **kw)
        except PlatformError as err:
            log.warning("9102 %s failed: %s (%s)", msg.msgid, type(err).__name__, err)
            if self.observer:
                self.observer.after_failure(msg, err)
            raise
        import hashlib

        summary = {"file_qury_no": file_qury_no, "filename": filename, "bytes": len(content),
                   "sha256": hashlib.sha256(content).hexdigest()}
        if self.observer:  # the journal records what came, not the file
            self.observer.after_answer(msg, Answer(infno="9102", msgid=msg.msgid, output=summary,
                                                   raw={"infcode": 0, "output": summary},
                                                   elapsed=time.perf_counter() - msg.started,
                                                   http_elapsed=http_elapsed))
        return content

    def reconcile_detail(self, data: dict[str, Any]) -> Answer:
        """3202 医药机构费用结算对明细账: data{setl_optins, file_qury_no, stmt_begndate, stmt_enddate,
        medfee_sumamt, fund_pay_sumamt, cash_payamt, fixmedins_setl_cnt, refd_setl_flag, clr_type} ->
        output.fileinfo {file_qury_no, filename, dld_endtime} naming the result file (download_file)."""
        empty = [k for k in ("setl_optins", "file_qury_no", "clr_type", "stmt_begndate", "stmt_enddate")
                 if not str(data.get(k) or "").strip()]
        if empty:
            raise ValueError("3202 的字段不能为空: " + ", ".join(empty))
        a = self.call("3202", {"data": _amounts_to_wire(data)})
        info = a.output.get("fileinfo")
        if not isinstance(info, dict) or not str(info.get("file_qury_no") or ""):
            raise MalformedAnswer("3202 应答缺少 fileinfo.file_qury_no", infno="3202", msgid=a.msgid)
        return a


def tls_verify(verify_tls: bool, ca_bundle: str = "") -> bool | str:
    """requests' ``verify``: the CA bundle when configured, the system store otherwise, off only when asked."""
    return (ca_bundle or True) if verify_tls else False


def _is_envelope(content: bytes, ctype: str) -> bool:
    """A 9102 answer that is the JSON envelope (an error), not the file: declared JSON, or text starting with {."""
    if "json" in (ctype or "").lower():
        return True
    head = content[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and b"infcode" in content[:4096]


def _amounts_to_wire(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in data.items():
        out[k] = Decimal(to_wire(v)) if isinstance(v, Decimal) else v
    return out


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


# Answers: decoded by the declared charset --------------------------------------------------------
_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:+-]+)""", re.I)
# a declared charset read as its superset (GBK pages often carry GB18030-only characters, UTF-8 a BOM)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030", "utf-8": "utf-8-sig",
              "utf8": "utf-8-sig"}
_TAG_RE = re.compile(r"<[^>]{0,200}>")
_SPACE_RE = re.compile(r"\s+")
EXCERPT_CHARS = 80


def declared_charset(content_type: str | None) -> str:
    m = _CHARSET_RE.search(content_type or "")
    return m.group(1) if m else ""


def _codec(charset: str) -> str | None:
    import codecs

    name = _SUPERSETS.get(charset.lower(), charset)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def answer_text(content: bytes, content_type: str | None) -> tuple[str | None, str]:
    """(text, how it was read) of an answer body; text None when it cannot be decoded strictly.

    A declared GBK / GB2312 / GB18030 rules (read as GB18030, their superset); any other declaration is taken
    only when the bytes are not valid UTF-8 (UTF-8 labelled ISO-8859-1 exists); without one, UTF-8, and
    GB18030 when the bytes are not UTF-8 (some platforms send GBK without saying so)."""
    declared = declared_charset(content_type)
    if declared:
        codec = _codec(declared)
        if codec is not None and codec != "gb18030":
            # Gateways often label UTF-8 JSON as ISO-8859-1 (a Java default): bytes that are valid UTF-8 are read
            # as UTF-8 unless the declaration is of the GBK family (GBK text is rarely valid UTF-8 by accident)
            try:
                return content.decode("utf-8-sig"), "utf-8"
            except UnicodeDecodeError:
                pass
        if codec is not None:
            try:
                return content.decode(codec), declared
            except UnicodeDecodeError:
                return None, declared
    for codec in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(codec), codec
        except UnicodeDecodeError:
            continue
    return None, declared or "utf-8"


def excerpt(content: bytes, content_type: str | None = None, limit: int = EXCERPT_CHARS) -> str:
    """A readable start of an answer body for messages: decoded (never byte escapes), tags and runs of
    white space removed, personal data masked."""
    text, _ = answer_text(content[: limit * 8], content_type)
    if text is None:
        codec = _codec(declared_charset(content_type)) or "utf-8"
        tries = [content[: limit * 8].decode(c, errors="replace") for c in dict.fromkeys((codec, "utf-8", "gb18030"))]
        text = min(tries, key=lambda t: t.count("\ufffd"))
    if text.lstrip().startswith("<"):
        text = _TAG_RE.sub(" ", text)
    text = _SPACE_RE.sub(" ", text).strip()
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    from terminal.crash import mask_text

    text = mask_text(text)  # before cutting: a cut-off ID number would no longer look like one
    return (text[:limit] + ("…" if len(text) > limit else "")) or "（空）"


def decode_answer(content: bytes, content_type: str | None, *, money_moving: bool = False, **kw: str) -> Any:
    """The JSON of an answer, every non-integer number a Decimal; MalformedAnswer with a readable excerpt."""
    text, how = answer_text(content, content_type)
    what = f"{content_type or '未声明类型'}，{len(content)} 字节"
    if text is None:
        raise MalformedAnswer(f"应答无法按字符集 {how} 解码（{what}）：{excerpt(content, content_type)}",
                              money_moving=money_moving, **kw)
    try:
        return wire.loads(text)
    except (ValueError, RecursionError) as ex:
        raise MalformedAnswer(f"应答不是合法的 JSON（{what}）：{excerpt(content, content_type)}",
                              money_moving=money_moving, detail=str(ex)[:200], **kw) from ex


def _root(ex: BaseException) -> str:
    seen = ex
    while seen.__cause__ or seen.__context__:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    text = str(seen) or type(seen).__name__
    return text[:200]


def _never_connected(ex: BaseException) -> bool:
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


def _local_ip() -> str:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # no packet is sent for a UDP connect
            return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"


def client_from_config(cfg, url: str | None = None, *, observer: MessageObserver | None = None,
                       msgid_state=None) -> PlatformClient:
    """Build a client from a terminal.config.Config (url overrides backend.url, e.g. the sandbox's)."""
    b, g = cfg.backend, cfg.gateway
    ep = Endpoint(url=url or b.url, style=b.style, connect_timeout=b.connect_timeout, read_timeout=b.read_timeout,
                  total_timeout=b.total_timeout, max_answer_bytes=b.max_answer_bytes,
                  max_file_bytes=b.max_file_bytes,
                  visit_info_infno=b.visit_info_infno, verify_tls=b.verify_tls, ca_bundle=b.ca_bundle, client_cert=b.client_cert, client_key=b.client_key,
                  gateway_paasid=g.paasid, gateway_token=g.token)
    from terminal import __version__

    ident = Identity(fixmedins_code=cfg.facility.code, fixmedins_name=cfg.facility.name,
                     mdtrtarea_admvs=cfg.facility.admdvs, opter=cfg.operator.id, opter_name=cfg.operator.name,
                     opter_type=cfg.operator.type, recer_sys_code=b.recer_sys_code, infver=b.infver,
                     dev_no=b.dev_no or f"yibao-terminal/{__version__}", dev_safe_info=b.dev_safe_info,
                     signtype=b.signtype)
    state = msgid_state if msgid_state is not None else cfg.data_dir / "msgid.state"
    return PlatformClient(ep, ident, MsgIdGenerator(cfg.facility.code, state), observer=observer)
