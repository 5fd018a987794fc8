"""Background operations, after Anki's aqt/operations: run a function on a worker thread, report by signals.

    Op(runner, "预结算", fn).success(on_ok).failure(on_err).run()

* ``fn`` runs on a QThreadPool thread and must never touch a widget.
* ``success``/``failure`` callbacks run on the UI thread (queued signal delivery).
* An op can be *abandoned*: its callbacks are then not called; ``on_late`` (if given) still is, so work
  whose outcome matters (a settlement) is always resolved even when the cashier stopped waiting.
"""
from __future__ import annotations

import logging
import time
import traceback
from typing import Any
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives in the UI thread; the worker emits through it so slots run on the UI thread."""

    finished = Signal(object, object)  # result, error


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay):
        super().__init__()
        self.setAutoDelete(True)
        self.fn, self.relay = fn, relay

    def run(self) -> None:  # worker thread
        # Let go of the function (a closure that may hold widgets) BEFORE reporting: the Op keeps its own
        # reference and drops it on the UI thread. A Qt wrapper whose last reference dies on a worker thread
        # is deleted again later by PySide, which crashes.
        fn, self.fn = self.fn, None
        relay = self.relay
        result: Any = None
        error: BaseException | None = None
        try:
            result = fn()
        except BaseException as e:  # everything must reach the UI thread
            if not isinstance(e, Exception):
                log.error("op raised %s", type(e).__name__)
            e.__ui_traceback__ = traceback.format_exc()  # type: ignore[attr-defined]
            e.__traceback__ = None  # its frames hold the closure's locals
            error = e
        del fn
        if error is not None:
            relay.finished.emit(None, error)
        else:
            relay.finished.emit(result, None)


class OpRunner(QObject):
    """Owns the worker pool and the ops in flight (so nothing is garbage-collected mid-flight)."""

    op_started = Signal(object)
    op_finished = Signal(object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.in_flight: set[Op] = set()
        self._finished: list[Op] = []

    def _reap(self) -> None:
        """Let go of finished ops (Python then frees them). Not deleteLater: an op may be finishing
        inside its own slot, and a deferred delete racing the wrapper's own cleanup crashes PySide."""
        done, self._finished = self._finished, []
        for op in done:
            op.setParent(None)

    def shutdown(self, wait_ms: int = 2000) -> bool:
        for op in list(self.in_flight):
            op.abandoned = True
        return self.pool.waitForDone(wait_ms)


class Op(QObject):
    def __init__(self, runner: OpRunner, label: str, fn: Callable[[], Any], *, kind: str = "",
                 abandonable: bool = True):
        super().__init__(runner)
        self.runner, self.label, self.fn, self.kind = runner, label, fn, kind
        self.abandonable = abandonable
        self.abandoned = False
        self.done = False
        self.started_at = 0.0
        self.ended_at = 0.0
        self.result: Any = None
        self.error: BaseException | None = None
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._late: Callable[[Any, BaseException | None], None] | None = None
        self._finally: Callable[[], None] | None = None
        self._relay = _Relay()
        self._relay.finished.connect(self._on_finished)

    # builder -------------------------------------------------------------------------------------
    def success(self, cb: Callable[[Any], None]) -> Op:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> Op:
        self._failure = cb
        return self

    def late(self, cb: Callable[[Any, BaseException | None], None]) -> Op:
        """Called instead of success/failure when the op was abandoned but finished later."""
        self._late = cb
        return self

    def always(self, cb: Callable[[], None]) -> Op:
        self._finally = cb
        return self

    def run(self) -> Op:
        self.runner._reap()
        self.started_at = time.monotonic()
        self.runner.in_flight.add(self)
        self.runner.op_started.emit(self)
        self.runner.pool.start(_Job(self.fn, self._relay))
        return self

    # state ---------------------------------------------------------------------------------------
    @property
    def elapsed(self) -> float:
        end = self.ended_at or time.monotonic()
        return max(0.0, end - self.started_at) if self.started_at else 0.0

    def abandon(self) -> None:
        self.abandoned = True

    @Slot(object, object)
    def _on_finished(self, result: Any, error: BaseException | None) -> None:
        self.done = True
        self.ended_at = time.monotonic()
        self.result, self.error = result, error
        self.runner.in_flight.discard(self)
        try:
            if self.abandoned:
                if self._late:
                    self._late(result, error)
                elif error is not None:
                    log.info("abandoned op %s failed: %s", self.label, error)
            elif error is not None:
                if self._failure:
                    self._failure(error)
                else:
                    log.error("op %s failed: %s\n%s", self.label, error, getattr(error, "__ui_traceback__", ""))
            elif self._success:
                self._success(result)
        finally:
            if self._finally:
                self._finally()
            self.runner.op_finished.emit(self)
            self.runner._finished.append(self)  # released at the next run(): never inside its own slot
