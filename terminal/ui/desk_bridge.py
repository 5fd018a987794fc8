"""The desk machine's ports on the Qt side: its Runner on the OpRunner, the services' errors judged in its words
(core imports none of them), and the platform status that the ops feed and the status bar shows.
"""
from __future__ import annotations

from collections import deque
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from terminal.backend.errors import PlatformError, TransportError
from terminal.core.desk_ports import Fault, FaultKind, Work
from terminal.core.errors import user_message_of
from terminal.services.errors import CancelQueued, UncertainSettlement
from terminal.store.errors import DuplicateBill, DuplicateSuspected

from .ops import Op, OpRunner

SLOW_SECONDS = 3.0
#: the platform status judges the last WINDOW requests: offline when the latest failed to reach the platform and
#: at least OFFLINE_AFTER of them did (one timeout is no outage)
WINDOW = 5
OFFLINE_AFTER = 3
T = TypeVar("T")


class QueueBridge(QObject):
    """The store's worker reports from its thread; this re-emits on the UI thread."""

    changed = Signal(object)


class PlatformStatus(QObject):
    """online / slow / offline, judged by the last few requests (``WINDOW``); the status bar renders it.

    A request that reached the platform (an answer, a refusal) counts as reached; a connection failure, a timeout,
    a reset or an HTTP error as not. The status goes offline only when the latest request did not reach the
    platform and at least ``OFFLINE_AFTER`` of the last ``WINDOW`` did not; one answer brings it back online."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.state = "unknown"  # unknown | online | slow | offline
        self.detail = ""
        self.signed_in = False
        self.last_elapsed = 0.0
        self.recent: deque[bool] = deque(maxlen=WINDOW)  # True: the request reached the platform

    @property
    def failures(self) -> int:
        """How many of the last requests did not reach the platform."""
        return sum(1 for r in self.recent if not r)

    def ok(self, elapsed: float) -> None:
        self.last_elapsed = elapsed
        self.recent.append(True)
        self._set("slow" if elapsed > SLOW_SECONDS else "online", "")

    def failed(self, err: BaseException) -> None:
        if isinstance(err, TransportError) and err.kind in ("connect", "tls", "timeout", "reset", "http"):
            self.unreachable(user_message_of(err))
        elif isinstance(err, UncertainSettlement):
            self.unreachable(err.cause.user_message if err.cause else "")
        elif isinstance(err, PlatformError):
            self.recent.append(True)
            self._set("online", "")  # it answered
        # anything else says nothing about the platform

    def unreachable(self, why: str) -> None:
        """A request did not reach the platform (or got no answer)."""
        self.recent.append(False)
        n = self.failures
        if n >= OFFLINE_AFTER:
            self._set("offline", why)
            return
        # not yet an outage: the state stays, the tooltip says what happened
        note = f"最近 {len(self.recent)} 次请求中 {n} 次未连通医保平台：{why}"
        self._set(self.state, note)

    def _set(self, state: str, detail: str) -> None:
        if (state, detail) != (self.state, self.detail):
            self.state, self.detail = state, detail
            self.changed.emit()


def judge(err: BaseException) -> Fault:
    """The services' errors in the desk machine's words."""
    text = str(err.args[0]) if isinstance(err, LookupError) and err.args else user_message_of(err)
    if isinstance(err, UncertainSettlement):
        why = None if err.reversal_error is None else user_message_of(err.reversal_error)
        return Fault(FaultKind.UNCERTAIN, text, err, omsgid=err.omsgid, reversal=err.reversal, reversal_error=why)
    if isinstance(err, CancelQueued):
        return Fault(FaultKind.QUEUED, text, err)
    if isinstance(err, (DuplicateBill, DuplicateSuspected)):
        return Fault(FaultKind.DUPLICATE, text, err)
    if isinstance(err, PlatformError) and err.outcome_unknown:
        return Fault(FaultKind.UNKNOWN, text, err)
    if isinstance(err, TransportError):
        return Fault(FaultKind.UNREACHABLE, text, err)
    return Fault(FaultKind.REFUSED if isinstance(err, PlatformError) else FaultKind.OTHER, text, err)


class OpsRunner:
    """core's Runner on the OpRunner: each Work an Op; what the platform work saw goes to the status bar."""

    def __init__(self, ops: OpRunner, status: PlatformStatus):
        self.ops, self.status = ops, status

    def run(self, work: Work[T]) -> Op:
        op = Op(self.ops, work.label, work.fn, kind=work.kind).success(work.ok).failure(work.fail)
        if work.late is not None:
            op.late(work.late)
        if work.kind != "poll":
            op.always(lambda: self.status.ok(op.elapsed) if op.error is None else self.status.failed(op.error))
        return op.run()
