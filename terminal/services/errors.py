"""What the services raise for people to read: an unknown outcome and its reversal, a reversal still open, a
cancellation queued, and the inpatient desk's local refusals. All are :class:`UserFacingError`; the platform's
own (UncertainSettlement, ReversalPending, CancelQueued) stay :class:`PlatformError` for callers that catch those.
"""
from __future__ import annotations

from terminal.backend.errors import PlatformError
from terminal.core.errors import UserFacingError
from terminal.core.models import Visit
from terminal.core.protocol import CANCELLING
from terminal.store.journal import LateAnswer

__all__ = ["UncertainSettlement", "ReversalPending", "CancelQueued", "InpatientError", "StayNotFound", "WrongState"]


class UncertainSettlement(PlatformError, UserFacingError):
    """A 2207/2208 (2304/2305) went out and no valid answer came back: the outcome is unknown."""

    outcome_unknown = True

    def __init__(self, cause: PlatformError, visit: Visit | None, omsgid: str, oinfno: str,
                 reversed_ok: bool | str, reversal_error: PlatformError | None = None, *, queued: bool = False):
        """``reversed_ok``: what the immediate 2601 found, as :meth:`Conversation.reverse` returns it
        ('reversed' / 'not_booked'), or False while the reversal is still open (True is read as 'reversed').
        ``queued``: the journal's queue took the reversal over (durably queued, not tried here)."""
        self.cause, self.visit, self.omsgid, self.oinfno = cause, visit, omsgid, oinfno
        #: '' (reversal still open), 'reversed' (2601 answered) or 'not_booked' (the platform never booked it)
        self.reversal = reversed_ok if isinstance(reversed_ok, str) else ("reversed" if reversed_ok else "")
        self.reversed_ok, self.reversal_error = bool(self.reversal), reversal_error
        self.queued = queued
        super().__init__(self.user_message, infno=oinfno, msgid=omsgid)

    @property
    def cancelling(self) -> bool:
        return self.oinfno[:4] in CANCELLING

    @property
    def user_message(self) -> str:
        if isinstance(self.cause, LateAnswer):  # the journal had judged it already: say what it says
            return self.cause.user_message
        if self.cancelling:
            if self.reversal == "not_booked":
                return ("撤销结果未知；医保平台答复从未记账此撤销请求（2601：原交易不存在），原结算仍有效、"
                        "未退款；如仍需撤销请重新撤销")
            if self.reversal:
                return "撤销结果未知，已冲正撤销请求（2601 成功），原结算仍有效、未退款；如仍需撤销请重新撤销"
            return "撤销结果未知，正在冲正撤销请求；冲正完成前不要退款，也不要重复撤销"
        if self.reversal == "not_booked":
            return ("结算结果未知；医保平台答复从未记账此笔结算（2601：原交易不存在），未产生任何费用、"
                    "未扣款，无需冲正；请重新结算")
        if self.reversal:
            return "结算结果未知，已自动冲正（2601 成功），基金与个人账户均未扣款；请重新结算"
        return "结算结果未知，正在冲正；冲正完成后请重新结算"


class ReversalPending(PlatformError, UserFacingError):
    """A new settlement for a person whose earlier uncertain settlement is still being reversed."""

    reversal_pending = True

    def __init__(self, message: str, psn_no: str = ""):
        super().__init__(message, infno="2207")
        self.psn_no = psn_no


class CancelQueued(PlatformError, UserFacingError):
    """A 2208 that could not reach the platform (certainly not sent) and waits in the offline queue."""

    def __init__(self, queue_id: int, setl_id: str, cause: PlatformError):
        self.queue_id, self.setl_id, self.cause = queue_id, setl_id, cause
        super().__init__(self.user_message, infno="2208", msgid=cause.msgid)

    @property
    def user_message(self) -> str:
        return (f"医保平台暂不可达，撤销结算 {self.setl_id} 已登记（队列 {self.queue_id}），"
                "平台恢复后自动提交；提交成功前请勿退款")


class InpatientError(UserFacingError):
    """A local refusal of the inpatient desk (no such stay, wrong state): the text says what to do."""


class StayNotFound(InpatientError, LookupError):
    pass


class WrongState(InpatientError):
    pass
