"""Typed store errors. What the cashier sees comes from ``user_message`` (zh_CN first)."""
from __future__ import annotations

from terminal.backend.errors import PlatformError


class StoreError(Exception):
    """Base of the store's own errors."""

    @property
    def user_message(self) -> str:
        return str(self)


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
