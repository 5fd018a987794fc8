"""Typed platform errors, and the one classification of them (refusal, outcome unknown, failure; sign-in
refusals; 2601 refusals that mean nothing was booked). What the cashier sees comes from ``user_message``."""
from __future__ import annotations

from enum import Enum
from typing import Any, Literal, TypedDict
from urllib.parse import urlsplit

from terminal.core.errors import UserFacingError


class MessageIds(TypedDict):
    """The infno and msgid every error about one message carries (passed on as ``**kw``)."""

    infno: str
    msgid: str


class PlatformError(UserFacingError):
    """Base of everything that can go wrong talking to the platform (shown through ``user_message``)."""

    #: True when the request may have reached the platform and been booked (2207/2208/2304/2305 only).
    outcome_unknown: bool = False

    def __init__(self, message: str, *, infno: str = "", msgid: str = "", detail: str = ""):
        super().__init__(message)
        self.infno, self.msgid, self.detail = infno, msgid, detail

    @property
    def user_message(self) -> str:
        return str(self)


class BusinessError(PlatformError):
    """The platform answered and refused (infcode -1): show err_msg as is. Nothing was booked."""

    def __init__(self, err_msg: str, *, infno: str = "", msgid: str = "", infcode: object = -1,
                 answer: dict[str, Any] | None = None):
        super().__init__(err_msg or "平台拒绝了交易（未返回原因）", infno=infno, msgid=msgid)
        self.err_msg, self.infcode, self.answer = err_msg, infcode, answer


#: ``TransportError.cause`` values (stable, for callers and logs) and the kind each belongs to.
CAUSES = {
    "refused": "connect", "dns": "connect", "connect_timeout": "connect", "unreachable": "connect",
    "connect": "connect",
    "tls_unknown_ca": "tls", "tls_self_signed": "tls", "tls_expired": "tls", "tls_not_yet_valid": "tls",
    "tls_hostname": "tls", "tls_handshake": "tls", "tls": "tls",
    "read_timeout": "timeout", "deadline": "timeout",
    "too_large": "too_large", "reset": "reset", "http": "http",
}
_DEFAULT_CAUSE = {"connect": "connect", "tls": "tls", "timeout": "read_timeout", "reset": "reset", "http": "http",
                  "too_large": "too_large"}
#: Causes that retrying will not cure: the configuration (or the platform's certificate) must change.
CONFIG_CAUSES = frozenset({"refused", "dns", "tls_unknown_ca", "tls_self_signed", "tls_expired", "tls_not_yet_valid",
                           "tls_hostname", "tls_handshake", "tls"})
UNKNOWN_OUTCOME = "：结算结果未知，系统将自动冲正，完成后请重新结算"


def shown_url(url: str) -> str:
    """The configured URL as shown to people: no user:password, no query."""
    if not url:
        return ""
    try:
        p = urlsplit(url)
    except ValueError:
        return url[:120]
    if not p.scheme or not p.hostname:
        return url[:120]
    host = f"[{p.hostname}]" if ":" in p.hostname else p.hostname
    port = f":{p.port}" if p.port else ""
    return f"{p.scheme}://{host}{port}{p.path}"[:160]


def host_port(url: str) -> tuple[str, str]:
    """(host, host:port) of a URL, with the scheme's default port."""
    try:
        p = urlsplit(url)
        host = p.hostname or ""
        port = p.port or (443 if p.scheme == "https" else 80)
    except ValueError:
        return "", ""
    return host, f"{host}:{port}" if host else ""


class TransportError(PlatformError):
    """No valid answer: connection refused, timeout, reset, HTTP error status, answer too large.

    ``sent`` tells whether the request may have left the terminal. For money-moving transactions a
    sent request without an answer has an unknown outcome: never re-send it, reverse it with 2601.

    ``kind`` (connect, tls, timeout, reset, http, too_large) is what the connection-state display keys on;
    ``cause`` names the precise reason (see CAUSES), ``url`` the configured platform URL, ``limit`` the
    limit that was passed (seconds for deadline / connect_timeout, bytes for too_large), ``limit_key`` the
    config key of a too_large limit, ``status`` the HTTP status.
    """

    def __init__(self, message: str, *, kind: str, sent: bool, money_moving: bool = False, cause: str = "",
                 url: str = "", limit: float | int | None = None, limit_key: str = "", status: int | None = None,
                 **kw: str):
        super().__init__(message, **kw)
        self.kind, self.sent = kind, sent
        self.cause = cause or _DEFAULT_CAUSE.get(kind, kind)
        self.url, self.limit, self.limit_key = url, limit, limit_key
        if status is not None:
            self.status = status
        self.outcome_unknown = bool(sent and money_moving)

    @property
    def configuration(self) -> bool:
        """True when retrying will not help: IT must change the configuration (or the platform its certificate)."""
        if self.cause == "http":
            status = getattr(self, "status", 0) or 0
            return 400 <= status < 500
        return self.cause in CONFIG_CAUSES

    @property
    def user_message(self) -> str:
        what, next_step = self._what_and_next()
        if self.outcome_unknown:
            return what + UNKNOWN_OUTCOME
        return f"{what}。{next_step}"

    def _what_and_next(self) -> tuple[str, str]:
        url = shown_url(self.url)
        at = f"（{url}）" if url else ""
        host, hp = host_port(self.url)
        c = self.cause
        retry = "请稍后重试"
        it_net = "请检查网线和医保专网后重试；持续出现请联系信息科"
        if c == "refused":
            where = f"{hp} 上没有服务在监听" if hp else "对方没有服务在监听"
            return (f"医保平台拒绝连接：{where}{at}",
                    "多为 backend.url 的地址或端口配置错误，请联系信息科核对；平台维护重启期间也会如此")
        if c == "dns":
            return (f"无法解析医保平台的主机名 {host or '?'}（DNS 查无此名{'，' + url if url else ''}）",
                    "请联系信息科核对 backend.url 的主机名和本机 DNS 设置，重试无用")
        if c == "connect_timeout":
            secs = f"{self.limit:g} 秒内" if isinstance(self.limit, (int, float)) else ""
            return f"连接医保平台超时：{secs}未连上 {hp or '平台'}{at}", it_net + "（防火墙、backend.url）"
        if c == "unreachable":
            return f"网络不可达：无法到达 {hp or '医保平台'}{at}", it_net
        if c == "connect":
            return f"无法连接医保平台{at}", it_net
        if c == "tls_unknown_ca":
            return (f"医保平台的证书不受信任：签发机构（CA）未知{at}",
                    "这是配置问题，重试无用：请联系信息科在 backend.ca_bundle 配置平台的 CA 证书")
        if c == "tls_self_signed":
            return (f"医保平台使用自签名证书，终端不信任{at}",
                    "这是配置问题，重试无用：请联系信息科核实该证书后在 backend.ca_bundle 配置")
        if c == "tls_expired":
            return (f"医保平台的证书已过期{at}",
                    "重试无用：请联系信息科（平台须更换证书；也请核对本机日期时间）")
        if c == "tls_not_yet_valid":
            return f"医保平台的证书尚未生效{at}", "请核对本机日期时间；时间正确时请联系信息科"
        if c == "tls_hostname":
            return (f"医保平台的证书与地址不符：证书不属于 {host or '所配置的主机'}{at}",
                    "这是配置问题，重试无用：请联系信息科核对 backend.url 的主机名（须与证书上的一致）")
        if c == "tls_handshake":
            d = (self.detail or "").upper()
            if "CERTIFICATE_REQUIRED" in d:
                return (f"医保平台要求客户端证书，终端未提供或不被接受{at}",
                        "这是配置问题，重试无用：请联系信息科配置 backend.client_cert / backend.client_key")
            if "WRONG_VERSION_NUMBER" in d or "HTTP_REQUEST" in d:
                return (f"对方不是 https（TLS）服务{at}",
                        "这是配置问题，重试无用：请联系信息科核对 backend.url 应为 http:// 还是 https://，以及端口")
            why = f"：{self.detail}" if self.detail else ""
            return (f"与医保平台的 TLS 握手失败{why}{at}",
                    "请联系信息科检查客户端证书 backend.client_cert / backend.client_key 与 TLS 版本")
        if c == "tls":
            return f"与医保平台的安全连接(TLS)校验失败{at}", "请联系信息科检查 backend.ca_bundle 与平台证书"
        if c == "deadline":
            secs = f" {self.limit:g} 秒内" if isinstance(self.limit, (int, float)) else "限定时间内"
            return f"医保平台未在{secs}答完{_paren('backend.total_timeout', url)}", retry
        if c == "read_timeout":
            return f"医保平台应答超时{at}", retry
        if c == "too_large":
            size = f"上限 {_size(self.limit)}" if self.limit else ""
            key = self.limit_key or "backend.max_answer_bytes"
            return (f"医保平台的应答过大，已中止接收{_paren(size, key, url)}",
                    "请稍后重试；反复出现请联系信息科")
        if c == "reset":
            return f"与医保平台的连接被中断{at}", retry
        if c == "http":
            status = getattr(self, "status", None)
            what = f"医保平台返回错误状态 HTTP {status}{at}" if status else f"医保平台返回错误状态{at}"
            if self.configuration:
                return what, "请求被平台或网关拒绝：请联系信息科核对 backend.url、backend.style 与 [gateway] 配置"
            return what, retry
        return f"与医保平台通信失败{at}", retry


def _paren(*parts: str) -> str:
    shown = [p for p in parts if p]
    return f"（{'，'.join(shown)}）" if shown else ""


def _size(n: float | int | None) -> str:
    if not n:
        return ""
    n = int(n)
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} 字节"


class MalformedAnswer(PlatformError):
    """An answer came but it is not a valid platform answer (bad JSON, missing fields, bad amounts)."""

    def __init__(self, message: str, *, money_moving: bool = False, **kw: str):
        super().__init__(message, **kw)
        self.outcome_unknown = money_moving

    @property
    def user_message(self) -> str:
        msg = f"医保平台应答格式错误（{self}）"
        if self.outcome_unknown:
            msg += UNKNOWN_OUTCOME
        return msg


# What an error means for the conversation: one classification, used by the services, the journal and the queue.

#: 2601 refusals that still settle the question: the platform never booked the original (nothing was charged,
#: nothing to reverse). "原交易未找到" is one of them everywhere: the journal, the queue and ``reverse`` agree.
NOT_BOOKED_MARKERS = ("原交易不存在", "无此交易", "未找到原交易", "原交易未找到")
#: 2601 refusals saying the original is reversed already.
ALREADY_REVERSED_MARKERS = ("已冲正", "已经冲正", "已被冲正", "重复冲正")


class Verdict(str, Enum):
    """What became of a message that did not come back answered."""

    #: the platform answered and refused it: nothing was booked; show err_msg
    REFUSED = "refused"
    #: a money-moving message may have been booked: never send it again as it is, reverse it (2601)
    UNKNOWN = "unknown"
    #: certainly not processed (not sent, or not money-moving): it may be sent again
    FAILED = "failed"


def verdict(err: PlatformError) -> Verdict:
    """Refusal, outcome unknown or plain failure: the one rule (see :class:`Verdict`)."""
    if isinstance(err, BusinessError):
        return Verdict.REFUSED
    if err.outcome_unknown:
        return Verdict.UNKNOWN
    return Verdict.FAILED


def is_sign_in_error(err: BaseException) -> bool:
    """A message refused because the terminal's sign-in (sign_no) is stale: sign in again and send once more.
    A refusal of the sign-in itself (9001) is not one: signing in again would not cure it."""
    return (isinstance(err, BusinessError) and "签到" in (err.err_msg or "")
            and not (err.infno or "").startswith("9001"))


def nothing_booked(err_msg: str) -> bool:
    """A 2601 refusal saying the original message was never booked."""
    return any(m in (err_msg or "") for m in NOT_BOOKED_MARKERS)


def reversal_outcome(err_msg: str) -> Literal["not_booked", "reversed"] | None:
    """'not_booked' / 'reversed' when a 2601 refusal still closes the uncertain message, else None (the
    reversal itself was refused: the original stays open)."""
    if nothing_booked(err_msg):
        return "not_booked"
    if any(m in (err_msg or "") for m in ALREADY_REVERSED_MARKERS):
        return "reversed"
    return None
