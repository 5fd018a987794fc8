"""The desk machine's ports on the Qt side: its Runner on the OpRunner, the services' errors judged in its words
(core imports none of them), and the platform status that the ops feed and the status bar shows.
"""
from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from terminal.backend.errors import PlatformError, TransportError
from terminal.core.desk_ports import Fault, FaultKind, Work
from terminal.core.errors import user_message_of
from terminal.services.errors import CancelQueued, UncertainSettlement
from terminal.store.errors import DuplicateBill, DuplicateSuspected

from .ops import Op, OpRunner

SLOW_SECONDS = 3.0
T = TypeVar("T")


class QueueBridge(QObject):
    """The store's worker reports from its thread; this re-emits on the UI thread."""

    changed = Signal(object)


class PlatformStatus(QObject):
    """online / slow / offline, from what the ops saw; the status bar renders it."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.state = "unknown"  # unknown | online | slow | offline
        self.detail = ""
        self.signed_in = False
        self.last_elapsed = 0.0

    def ok(self, elapsed: float) -> None:
        self.last_elapsed = elapsed
        self._set("slow" if elapsed > SLOW_SECONDS else "online", "")

    def failed(self, err: BaseException) -> None:
        if isinstance(err, TransportError) and err.kind in ("connect", "tls", "timeout", "reset", "http"):
            self._set("offline", user_message_of(err))
        elif isinstance(err, UncertainSettlement):
            self._set("offline", err.cause.user_message if err.cause else "")
        elif isinstance(err, PlatformError):
            self._set("online", "")  # it answered
        # anything else says nothing about the platform

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
