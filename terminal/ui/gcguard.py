"""Python's cyclic garbage collector, run on the UI thread only.

The collector runs in whichever thread happens to allocate when a threshold is crossed. If that is a worker
thread (a platform call, the queue worker) and a cycle holding Qt objects is collected there, PySide defers
the C++ deletion to the main thread and may delete an object a second time: a segfault at the cashier desk.
So automatic collection is switched off and a timer on the UI thread collects, the way PyQt applications
(and Anki) do it.
"""
from __future__ import annotations

import gc
import logging

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

_guard: MainThreadGC | None = None


class MainThreadGC(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = 500):
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)
        gc.disable()

    def check(self) -> None:
        c0, c1, c2 = gc.get_count()
        t0, t1, t2 = self.threshold
        if c0 > t0:
            gen = 2 if c2 > t2 else 1 if c1 > t1 else 0
            gc.collect(gen)

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()


def install(app: QObject) -> MainThreadGC:
    """Once per QApplication: collect cycles on the UI thread only."""
    global _guard
    if _guard is None:
        _guard = MainThreadGC(app)
    return _guard
