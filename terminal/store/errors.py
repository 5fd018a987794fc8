"""Typed store errors. What the cashier sees comes from ``user_message`` (zh_CN first)."""
from __future__ import annotations

from typing import Any

from terminal.backend.errors import PlatformError
from terminal.core.errors import UserFacingError


def sqlite_reason(e: BaseException) -> str:
    """What went wrong with the SQLite file, in the words the cashier and IT see."""
    name = getattr(e, "sqlite_errorname", "") or ""
    text = str(e).lower()
    if name == "SQLITE_FULL" or "full" in text:
        return "磁盘已满"
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return "数据库为只读"
    if name.startswith("SQLITE_IOERR") or "i/o" in text:
        return "磁盘读写错误"
    if name.startswith("SQLITE_BUSY") or "locked" in text:
        return "数据库被其他程序占用"
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return "无法打开数据库文件"
    return f"数据库错误 {name or type(e).__name__}"


class StoreError(UserFacingError):
    """Base of the store's own errors: the message says what to do next (``user_message``)."""


class JournalUnavailable(PlatformError):
    """The journal cannot write (disk full, read-only database, I/O error): nothing may be sent.

    A PlatformError so that every caller that already shows platform failures shows this one too;
    the message was certainly not sent (the journal write comes first), so the outcome is known.
    """

    outcome_unknown = False

    def __init__(self, reason: str, *, infno: str = "", msgid: str = "", cause: BaseException | None = None):
        self.reason = reason
        self.cause = cause
        super().__init__(f"交易日志无法写入（{reason}），为安全起见交易未发送；请清理磁盘或联系管理员后重试",
                         infno=infno, msgid=msgid, detail=str(cause or ""))
        self.sent = False


class JournalOpenError(StoreError):
    """The journal database cannot be opened at all (missing permissions, bad path, corrupt file)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"无法打开交易日志 {path}（{reason}）：未记录日志前不能进行医保交易，请联系管理员")
        self.path, self.reason = path, reason


class JournalTooNew(JournalOpenError):
    """The journal was written by a newer version of the program (migrations this one does not know)."""

    def __init__(self, path: str, unknown: list[str]):
        StoreError.__init__(self, f"交易日志 {path} 由更新版本的收费终端创建（结构版本 {', '.join(unknown)}），"
                            "本程序不能安全使用：请安装新版本或联系管理员，切勿删除日志")
        self.path, self.reason, self.unknown = path, "newer schema", unknown


class QueueFull(StoreError):
    """The offline queue reached its configured limit: no new parked work is accepted."""

    def __init__(self, message: str):
        super().__init__(message)


class ParkRefused(StoreError):
    """A bill that cannot be parked for deferred settlement (e.g. an e-code without an ID number)."""


class NotFound(StoreError, LookupError):
    """No such queue item / parked bill."""


class InvalidState(StoreError):
    """The item is not in a state that allows the operation (e.g. cancel a parked bill already settling)."""


def _earlier_text(e: dict[str, Any]) -> str:
    """One earlier settlement as the cashier reads it: time, setl_id, amounts, operator."""
    from terminal.core.money import fmt_yuan

    def yuan(k: str) -> str:
        v = e.get(k)
        try:
            return fmt_yuan(v) if v not in (None, "") else "—"
        except (ValueError, ArithmeticError):
            return str(v)

    return (f"{e.get('time') or '?'} 结算号 {e.get('setl_id') or '?'}，医疗费总额 {yuan('medfee_sumamt')}，"
            f"基金支付 {yuan('fund_pay_sumamt')}，个人账户 {yuan('acct_pay')}，现金 {yuan('psn_cash_pay')}，"
            f"收费员 {e.get('operator') or '?'}")


class DuplicateBill(PlatformError):
    """A settlement of a bill whose HIS charge number (bill_no) is already settled, or being settled, or whose
    earlier settlement's outcome is still unknown. Refused before anything is sent (nothing journaled, nothing
    booked). ``earlier``: the blocking settlements, latest first (dicts: msgid, kind, time, setl_id, amounts,
    operator). ``reason``: 'settled' (a supervisor may override), 'in_flight' or 'uncertain' (never overridden:
    wait for the outcome)."""

    outcome_unknown = False

    def __init__(self, bill_no: str, earlier: list[dict[str, Any]], *, infno: str = "2207", msgid: str = "",
                 override_refused: str = ""):
        self.bill_no, self.earlier = bill_no, list(earlier)
        kinds = {e.get("kind") for e in self.earlier}
        self.reason = "uncertain" if "uncertain" in kinds else "in_flight" if "in_flight" in kinds else "settled"
        self.override_refused = override_refused
        self.sent = False
        super().__init__(self.user_message, infno=infno, msgid=msgid)

    def __str__(self) -> str:
        return self.user_message

    @property
    def overridable(self) -> bool:
        return self.reason == "settled"

    @property
    def latest(self) -> dict[str, Any]:
        return self.earlier[0] if self.earlier else {}

    @property
    def user_message(self) -> str:
        e = self.latest
        if self.reason == "in_flight":
            return (f"单据 {self.bill_no} 正在结算中（{e.get('time') or ''} 开始，报文 {e.get('msgid')}，收费员 "
                    f"{e.get('operator') or '?'}），不能再次结算：请等待那一笔的结果，不要重复收费")
        if self.reason == "uncertain":
            return (f"单据 {self.bill_no} 的上一笔结算（报文 {e.get('msgid')}）结果未知，正在冲正；"
                    "冲正完成前不能再次结算，也不要收取现金")
        text = f"单据 {self.bill_no} 已结算：{_earlier_text(e)}"
        if len(self.earlier) > 1:
            text += f"（此单据共已结算 {len(self.earlier)} 次）"
        if self.override_refused:
            return text + "。" + self.override_refused
        return text + "。不能重复结算；请核对是否已收费。确需再次结算，须主管授权并填写原因"

    def as_dict(self) -> dict[str, Any]:
        return {"bill_no": self.bill_no, "reason": self.reason, "overridable": self.overridable,
                "earlier": self.earlier}


class DuplicateSuspected(PlatformError):
    """A bill without a HIS charge number, identical (bill digest) to one the same person settled within the
    last minutes (or is settling now): the cashier must confirm that it really is a second bill."""

    outcome_unknown = False

    def __init__(self, psn_no: str, earlier: list[dict[str, Any]], minutes: int, *, infno: str = "2207",
                 msgid: str = ""):
        self.psn_no, self.earlier, self.minutes = psn_no, list(earlier), minutes
        self.sent = False
        super().__init__(self.user_message, infno=infno, msgid=msgid)

    @property
    def latest(self) -> dict[str, Any]:
        return self.earlier[0] if self.earlier else {}

    def __str__(self) -> str:
        return self.user_message

    @property
    def user_message(self) -> str:
        e = self.latest
        if e.get("kind") in ("in_flight", "uncertain"):
            head = f"该参保人的相同账单正在结算或结果未知（报文 {e.get('msgid')}，{e.get('time') or ''}）"
        else:
            head = f"该参保人 {self.minutes} 分钟内已结算过相同账单：{_earlier_text(e)}"
        return head + "。请核对是否重复收费；确认是另一张账单才可继续结算"

    def as_dict(self) -> dict[str, Any]:
        return {"psn_no": self.psn_no, "minutes": self.minutes, "earlier": self.earlier}
