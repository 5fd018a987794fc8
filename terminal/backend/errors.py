"""Typed platform errors. What the cashier sees comes from ``user_message``."""
from __future__ import annotations


class PlatformError(Exception):
    """Base of everything that can go wrong talking to the platform."""

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

    def __init__(self, err_msg: str, *, infno: str = "", msgid: str = "", infcode: object = -1, answer=None):
        super().__init__(err_msg or "平台拒绝了交易（未返回原因）", infno=infno, msgid=msgid)
        self.err_msg, self.infcode, self.answer = err_msg, infcode, answer


class TransportError(PlatformError):
    """No valid answer: connection refused, timeout, reset, HTTP error status.

    ``sent`` tells whether the request may have left the terminal. For money-moving transactions a
    sent request without an answer has an unknown outcome: never re-send it, reverse it with 2601.
    """

    def __init__(self, message: str, *, kind: str, sent: bool, money_moving: bool = False, **kw):
        super().__init__(message, **kw)
        self.kind, self.sent = kind, sent
        self.outcome_unknown = bool(sent and money_moving)

    @property
    def user_message(self) -> str:
        base = {
            "connect": "无法连接医保平台（网络不通或平台未启动）",
            "timeout": "医保平台应答超时",
            "reset": "与医保平台的连接被中断",
            "http": "医保平台返回错误状态",
            "tls": "与医保平台的安全连接(TLS)校验失败",
        }.get(self.kind, "与医保平台通信失败")
        if self.outcome_unknown:
            return base + "：结算结果未知，系统将自动冲正，完成后请重新结算"
        return base + "，请稍后重试"


class MalformedAnswer(PlatformError):
    """An answer came but it is not a valid platform answer (bad JSON, missing fields, bad amounts)."""

    def __init__(self, message: str, *, money_moving: bool = False, **kw):
        super().__init__(message, **kw)
        self.outcome_unknown = money_moving

    @property
    def user_message(self) -> str:
        msg = f"医保平台应答格式错误（{self}）"
        if self.outcome_unknown:
            msg += "：结算结果未知，系统将自动冲正，完成后请重新结算"
        return msg
