"""The window's scheduled reconciliation ([reconcile] schedule = "HH:MM"): when due, today's detail reconciliation
(3202) runs in the background and its verdict shows in the status bar. A part of MainWindow (its texts keep the
MainWindow translation context)."""
from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from terminal.core.errors import user_message_of

from .ops import Op
from .widgets import set_kind

log = logging.getLogger(__name__)


class ScheduledReconcile:
    """Mixed into MainWindow: uses its cfg, ctl, dialogs, st_reconcile, _recon_op and _recon_retry_at."""

    cfg: Any
    ctl: Any
    dialogs: dict[str, Any]
    st_reconcile: Any
    recon_schedule: Any
    _recon_op: Any
    _recon_retry_at: float
    tr: Any  # QObject.tr of the window this is mixed into

    # scheduled reconciliation -------------------------------------------------------------------------
    def _reconcile_schedule(self):
        """[reconcile] schedule = "HH:MM": terminal.store's ReconcileSchedule (None when off or no journal)."""
        store = self.ctl.session.store
        at = str(getattr(getattr(self.cfg, "reconcile", None), "schedule", "") or "").strip()
        if not at or store is None:
            return None
        from terminal.store.reconcile import ReconcileSchedule

        try:
            return ReconcileSchedule.for_store(at, store)
        except Exception as e:  # the app runs on without it; IT is told which key
            log.error("reconcile.schedule %r not usable: %s", at, e)
            return None

    def check_scheduled_reconcile(self, now: datetime | None = None):
        """The timer's slot: when the schedule is due, the detail reconciliation of today runs in the background
        and its result shows in the status bar. Returns the op started, or None."""
        sched = self.recon_schedule
        if sched is None or self._recon_op is not None:
            return None
        now = now or datetime.now()
        if time.monotonic() < self._recon_retry_at or not sched.due(now):
            return None
        session = self.ctl.session
        rec = session.store.reconciler
        day = now.strftime("%Y-%m-%d")
        op = self.ctl.operator
        operator = op.id if op is not None else ""

        def work():
            session.service.ensure_signed_in()
            return rec.reconcile_detail(session.client, day, operator=operator)

        def done(report) -> None:
            sched.ran(day)
            n = len(report.open_differences)
            if report.clean:
                text, kind = self.tr("自动对账 %1：与平台逐笔一致").replace("%1", day), "ok"
            elif n:
                text, kind = self.tr("自动对账 %1：%2 笔差异待处理，请按 F8 查看").replace("%1", day) \
                    .replace("%2", str(n)), "warn"
            else:
                text, kind = self.tr("自动对账 %1：%2（F8 查看）").replace("%1", day) \
                    .replace("%2", report.summary), "warn"
            self._show_scheduled(text, kind, report.summary)

        def failed(e: BaseException) -> None:
            why = user_message_of(e)
            self._recon_retry_at = time.monotonic() + 600  # the platform may be down: again in 10 minutes
            self._show_scheduled(self.tr("自动对账 %1 未完成（10 分钟后重试）：").replace("%1", day) + why, "bad", why)

        def finished() -> None:
            self._recon_op = None

        self._show_scheduled(self.tr("自动对账 %1 进行中…").replace("%1", day), "", "")
        self._recon_op = Op(self.ctl.runner, self.tr("自动对账"), work).success(done).failure(failed) \
            .always(finished).run()
        return self._recon_op

    def _show_scheduled(self, text: str, kind: str, tip: str) -> None:
        self.st_reconcile.setText(text)
        self.st_reconcile.setToolTip(tip)
        set_kind(self.st_reconcile, kind)
        self.st_reconcile.show()
        if kind:
            log.info("scheduled reconciliation: %s", text)
            dlg = self.dialogs.get("reconcile")
            if dlg is not None and dlg.isVisible() and not dlg.busy:
                dlg._load_day()

