"""The national settlement platform client over requests.

One method per transaction; every call builds the envelope, goes through the observer (the journal writes
the message durably before it is sent), posts it, and maps every failure to a typed error:
BusinessError (refused: show err_msg), TransportError (no answer; outcome unknown for money-moving
transactions once sent), MalformedAnswer (an answer that is not a valid platform answer).
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import requests

from terminal.core import wire
from terminal.core.models import Settlement
from terminal.core.money import to_wire
from terminal.core.privacy import mask_data
from terminal.core.protocol import MONEY_MOVING, NEEDS_INSUPLC

from .answers import check_booking
from .decoding import decode_answer, infcode_ok, is_envelope
from .errors import BusinessError, MalformedAnswer, MessageIds, PlatformError
from .msgid import MsgIdGenerator
from .signing import gateway_headers
from .transport import Endpoint, exchange, make_session

if TYPE_CHECKING:  # pragma: no cover
    from terminal.config.model import Config

log = logging.getLogger(__name__)

VISIT_INFO_INFNOS = ("2203", "2203A")

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
    #: a money-moving answer's settlement as check_booking parsed and checked it (None for other transactions)
    settlement: Settlement | None = None


class MessageObserver(Protocol):
    """The journal's hook. before_send must make the message durable; raising there aborts the send."""

    def before_send(self, msg: Message) -> None: ...
    def after_answer(self, msg: Message, answer: Answer) -> None: ...
    def after_failure(self, msg: Message, error: PlatformError) -> None: ...

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


now_text = _inf_time  # the local time "YYYY-mm-dd HH:MM:SS" (formatted once a second) for any field


class PlatformClient:
    def __init__(self, endpoint: Endpoint, identity: Identity, msgids: MsgIdGenerator, *,
                 observer: MessageObserver | None = None, session: requests.Session | None = None):
        self.endpoint, self.identity, self.msgids = endpoint, identity, msgids
        self.observer = observer
        self.sign_no = ""
        self.session = session or make_session(endpoint)
        self.last_http_elapsed = 0.0
        self.http_total = 0.0  # sum of HTTP round trips (for the overhead benchmark)


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
            answer.settlement = check_booking(msg.infno, msg.msgid, msg.envelope.get("input"), answer.output)
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
        kw = MessageIds(infno=msg.infno, msgid=msg.msgid)
        body = wire.dumpb(msg.envelope)
        headers: dict[str, str] | None = None  # None: requests takes the session's headers as they are
        e = self.endpoint
        if e.gateway_paasid and e.gateway_token:
            headers = gateway_headers(e.gateway_paasid, e.gateway_token)
        if log.isEnabledFor(logging.DEBUG):  # the journal keeps the masked request; the log only at DEBUG
            log.debug("-> %s %s %s", msg.infno, msg.msgid, wire.dumps(mask_data(msg.envelope.get("input", {})))[:2000])
        t0 = time.perf_counter()
        content, ctype = exchange(self.session, e, msg.url, body, headers, mm, kw)
        http_elapsed = time.perf_counter() - t0
        self.last_http_elapsed = http_elapsed
        self.http_total += http_elapsed
        data = decode_answer(content, ctype, money_moving=mm, **kw)
        if not isinstance(data, dict):
            raise MalformedAnswer("应答不是 JSON 对象", money_moving=mm, **kw)
        ok = infcode_ok(data.get("infcode"))
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
                "begntime": now_text(), "psn_cert_type": psn_cert_type,
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
        kw = MessageIds(infno=msg.infno, msgid=msg.msgid)
        try:
            headers = {"Accept": "application/octet-stream, application/json"}
            e = self.endpoint
            if e.gateway_paasid and e.gateway_token:
                headers.update(gateway_headers(e.gateway_paasid, e.gateway_token))
            t0 = time.perf_counter()
            content, ctype = exchange(self.session, e, msg.url, wire.dumpb(msg.envelope), headers,
                                      False, kw, cap=(e.max_file_bytes, "backend.max_file_bytes"))
            http_elapsed = time.perf_counter() - t0
            self.last_http_elapsed = http_elapsed
            self.http_total += http_elapsed
            if is_envelope(content, ctype):  # a refusal, or a platform that wraps the file in its envelope
                data = decode_answer(content, ctype, **kw)
                ok = infcode_ok(data.get("infcode")) if isinstance(data, dict) else None
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


def _amounts_to_wire(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in data.items():
        if type(v) is Decimal and v.same_quantum(_CENT):  # already finite with exactly 2 places: as to_wire writes it
            out[k] = v
        else:
            out[k] = Decimal(to_wire(v)) if isinstance(v, Decimal) else v
    return out


_CENT = Decimal("0.01")



def _local_ip() -> str:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # no packet is sent for a UDP connect
            return str(s.getsockname()[0])
    except OSError:
        return "127.0.0.1"


def client_from_config(cfg: Config, url: str | None = None, *, observer: MessageObserver | None = None,
                       msgid_state: str | os.PathLike[str] | None = None) -> PlatformClient:
    """Build a client from a terminal.config.Config (url overrides backend.url, e.g. the sandbox's)."""
    b, g = cfg.backend, cfg.gateway
    ep = Endpoint(url=url or b.url, style=b.style, connect_timeout=b.connect_timeout, read_timeout=b.read_timeout,
                  total_timeout=b.total_timeout, max_answer_bytes=b.max_answer_bytes,
                  max_file_bytes=b.max_file_bytes,
                  visit_info_infno=b.visit_info_infno, verify_tls=b.verify_tls, ca_bundle=b.ca_bundle,
                  client_cert=b.client_cert, client_key=b.client_key,
                  gateway_paasid=g.paasid, gateway_token=g.token)
    from terminal import __version__

    ident = Identity(fixmedins_code=cfg.facility.code, fixmedins_name=cfg.facility.name,
                     mdtrtarea_admvs=cfg.facility.admdvs, opter=cfg.operator.id, opter_name=cfg.operator.name,
                     opter_type=cfg.operator.type, recer_sys_code=b.recer_sys_code, infver=b.infver,
                     dev_no=b.dev_no or f"yibao-terminal/{__version__}", dev_safe_info=b.dev_safe_info,
                     signtype=b.signtype)
    state = msgid_state if msgid_state is not None else cfg.data_dir / "msgid.state"
    return PlatformClient(ep, ident, MsgIdGenerator(cfg.facility.code, state), observer=observer)
