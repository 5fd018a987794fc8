"""The discharge desk's tender (issue 13 §6): after F9 settles a discharge, the balance against the deposits
changes hands through the main window's pieces: the Till (terminal.core.desk_tender) decides, TenderDialog /
RefundDialog (terminal.ui.tender) render it, TenderBook (terminal.store.tenders) records the rows under the
discharge settlement's msgid / setl_id (the shift report sums them).

* ``collect``: the tender dialog opens at the amount the patient pays beyond the deposits (Enter = exact cash; a
  larger cash amount gives change); its rows are recorded kind ``pay``.
* ``refund``: the deposit surplus goes back through the refund dialog, by the deposit's method (cash when the
  deposit was cash or the method cannot take it: F8); its rows are recorded kind ``refund``.
* ``even``: nothing changes hands: "无需收款".

The discharge slip prints when the tender is complete, with the tender and the change; the customer display
shows the amount to pay / the refund, then what was paid and the change.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from terminal.core.desk_ports import Work
from terminal.core.desk_tender import Till
from terminal.core.money import ZERO, fmt_yuan
from terminal.core.tender import CASH, DEPOSIT, METHODS, PAY, REFUND, Tender, TenderLine, method_name

from .tender import RefundDialog, TenderDialog

log = logging.getLogger(__name__)
_LEVELS = {"ok": "ok", "info": "info", "warn": "warn", "error": "error"}


def deposit_method(stay: Any) -> str:
    """The method the stay's deposits were paid by (the last deposit's; cash when unknown)."""
    by_name = {zh: code for code, (zh, _en) in METHODS.items()}
    deps = [d for d in getattr(stay, "deposits", ()) or () if getattr(d, "kind", "") == "deposit"]
    return by_name.get(deps[-1].method, CASH) if deps else CASH


class _Flow:
    """The Till moves the main desk's flow; the discharge desk has its own (StayMachine): nothing to move."""

    def tender(self) -> None: ...

    def tendered(self) -> None: ...


class _Visit:
    def __init__(self, msgid: str):
        self.settle_msgid = msgid


class DischargeTender(QObject):
    """The Till's desk and view for the discharge desk, and the ``ctl`` the tender dialogs render. ``desk`` is
    the terminal.ui.discharge.DischargeDesk (not imported here: it imports this module)."""

    changed = Signal()
    tender_open = Signal()
    refund_open = Signal(object)
    #: the tender or refund is complete (Tender or RefundJob)
    done = Signal(object)

    def __init__(self, desk: Any, *, store: Any = None, operator: Any = None,
                 methods: list[str] | None = None, provider: Any = None):
        super().__init__(desk)
        self.desk = desk
        self.store = store
        self.operator = operator or (lambda: "")
        self.view = self
        self.flow = _Flow()
        self.state = None
        self.items: list[Any] = []
        self.bill_total = ZERO
        self.visit: _Visit | None = None
        self.last_message = ("", "")
        self._busy = False
        self.till = Till(self, methods, provider)
        self.result: Any = None
        self.due: Any = None
        self.dialog: Any = None
        desk.tender_due.connect(self.begin)

    @classmethod
    def for_session(cls, desk: Any, session: Any) -> DischargeTender:
        from drivers.payment import provider_for

        t = session.cfg.tender
        client = getattr(session, "client", None)
        return cls(desk, store=session.store, methods=list(t.methods),
                   operator=lambda: client.identity.opter if client is not None else "",
                   provider=provider_for(t.provider, training=session.training, timeout_s=t.sandbox_timeout_s))

    # what the Till calls on its desk -------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy or self.desk.busy

    def translate(self, context: str, text: str) -> str:
        return QCoreApplication.translate(context, text)

    def say(self, level: str, text: str) -> None:
        self.last_message = (level, text)
        self.desk.machine.hint(text, level=_LEVELS.get(level, "info"))

    def redraw(self) -> None:
        self.changed.emit()
        self.desk.changed()

    def _start(self, work: Work) -> None:
        self._busy = True
        self.redraw()

        def ok(res: Any) -> None:
            self._busy = False
            work.ok(res)
            self.redraw()

        def fail(err: BaseException) -> None:
            self._busy = False
            work.fail(err)
            self.redraw()

        self.desk._own_runner(work.label, work.fn, ok, fail)

    def abandon(self) -> None:
        """Esc while a payment runs: the discharge desk waits for its answer (the money may have moved)."""

    # the step ------------------------------------------------------------------------------------------------
    @property
    def open(self) -> bool:
        """A tender or a refund is still to finish (the slip waits; Esc does not leave)."""
        t, job = self.till.tender, self.till.refund
        return (t is not None and not t.complete) or (job is not None and not job.complete)

    def begin(self, due: Any, result: Any) -> None:
        """``tender_due``: open the tender (collect), the refund (refund), or say there is nothing to collect."""
        self.till.reset()
        self.till.refund = None
        self.result, self.due = result, due
        self.visit = _Visit(getattr(result, "msgid", ""))
        self._record_deposit_used(result)
        if due.kind == "collect" and due.amount > ZERO:
            self.till.open_for_settlement(due.amount)
        elif due.kind == "refund" and due.amount > ZERO:
            m = deposit_method(result.stay)
            m = m if m in self.till.methods else CASH
            self.till.open_refund(msgid=self.visit.settle_msgid, setl_id=result.settlement.setl_id,
                                  amount=due.amount, original=[TenderLine(m, due.amount, due.amount)],
                                  reason=self.tr("出院退还预交金余额"), supervisor="")
        else:
            self.till.open_for_settlement(ZERO)  # "无需收款"
            self.say("ok", self.tr("出院结算完成：无需收款。Esc 下一位"))

    def _record_deposit_used(self, result: Any) -> None:
        """The part of the cash share the deposits paid (a journal row, method ``deposit``): the settlement is
        tendered for the shift report, and only what crosses the counter is cash in or out of the drawer."""
        rec = result.reconciliation
        held = rec.held if rec is not None else ZERO
        used = min(held, result.settlement.psn_cash_pay)
        if used > ZERO:
            self._record([TenderLine(DEPOSIT, used, used)], PAY, "预交金抵扣")

    def may_leave(self) -> bool:
        if self.open:
            if self.dialog is None or not self.dialog.isVisible():
                self._show()
            return self.till.may_leave()
        return True

    def reset(self) -> None:
        """Esc on the desk: the next patient."""
        if not self.open:
            self.till.reset()
            self.till.refund = None
            self.result = self.due = None

    def _record(self, lines: list[TenderLine], kind: str, note: str = "") -> None:
        r = self.result
        if self.store is None or r is None or not lines:
            return
        try:
            self.store.tenders.record_tender(r.msgid, r.settlement.setl_id, lines, kind=kind,
                                             operator=self.operator(), note=note)
        except Exception as e:  # the money changed hands: say so, never lose it silently
            log.exception("discharge tender not recorded")
            self.say("error", self.tr("收款记录未能写入交易日志：") + str(e) + self.tr("；请记下本笔并联系信息科"))

    # what the Till tells its view ----------------------------------------------------------------------------
    def tender_changed(self) -> None:
        self.tender_open.emit()
        self._show()

    def tendered(self, t: Tender) -> None:
        if t.nothing_to_collect:
            return
        self._record(list(t.lines[self.till.saved:]), PAY, "出院补缴")  # the journal's note: not translated
        self.done.emit(t)
        self.desk.tender_done(self.result)

    def record_tender_lines(self, lines: list[TenderLine], _self_msgid: str = "") -> None:
        self._record(list(lines), PAY, "出院补缴")  # the journal's note: not translated

    def refund_opened(self, job: Any) -> None:
        self.refund_open.emit(job)
        self._show()

    def refunded(self, job: Any) -> None:
        self._record(list(job.tender.lines), REFUND, "出院退还预交金余额")
        self.done.emit(job)
        self.desk.tender_done(self.result)

    def _show(self) -> None:
        want = DepositRefundDialog if self.till.refund is not None and not self.till.refund.complete else TenderDialog
        if self.dialog is not None and isinstance(self.dialog, want) and self.dialog.isVisible():
            return
        if want is TenderDialog and not self.till.due_open:
            return
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = want(self, self.desk)
        self.dialog.setObjectName("dischargeTenderDialog" if want is TenderDialog else "dischargeRefundDialog")
        # the desk's keys again (Esc) once the dialog has gone
        self.dialog.finished.connect(lambda _c: QTimer.singleShot(0, self.desk.activateWindow))
        self.dialog.open()
        self.dialog.activateWindow()

    # what the slip and the customer display show -------------------------------------------------------------
    def slip_lines(self) -> list[str]:
        """The tender under the discharge slip: how it was paid (or refunded) and the change."""
        t, job = self.till.tender, self.till.refund
        tr = lambda s: QCoreApplication.translate("Receipt", s)  # noqa: E731
        if job is not None and job.complete:
            return [tr("退还预交金余额") + " " + fmt_yuan(job.amount)] + [
                f"  {method_name(ln.method)} {fmt_yuan(ln.amount)}" + (f" {ln.reference}" if ln.reference else "")
                for ln in job.tender.lines]
        if t is None or not t.complete:
            return []
        if t.nothing_to_collect:
            return [tr("无需收款")]
        out = [tr("补缴收款") + " " + fmt_yuan(t.due)]
        for ln in t.lines:
            if ln.method == CASH and ln.tendered != ln.amount:
                out.append(f"  {method_name(ln.method)} {tr('实收')} {fmt_yuan(ln.tendered)}")
            else:
                out.append(f"  {method_name(ln.method)} {fmt_yuan(ln.amount)}"
                           + (f" {ln.reference}" if ln.reference else ""))
        out.append(f"  {tr('找零')} {fmt_yuan(t.change)}")
        return out

    def display(self, shown: Any) -> Any:
        """The customer display's stay content with the tender's outcome (what was paid, the change, the refund)."""
        if shown is None or self.result is None:
            return shown
        t, job = self.till.tender, self.till.refund
        if job is not None and job.complete:
            done = self.tr("已退还您")
            return dataclasses.replace(shown, state=done, caption=done, amount=fmt_yuan(job.amount), kind="refund")
        if t is not None and t.complete and not t.nothing_to_collect:
            state = self.tr("已收 %1").replace("%1", fmt_yuan(t.paid))
            if t.change > ZERO:  # the change, large: what the patient waits for
                state += self.tr("，找零 %1").replace("%1", fmt_yuan(t.change))
                return dataclasses.replace(shown, state=state, caption=self.tr("找零"), amount=fmt_yuan(t.change))
            return dataclasses.replace(shown, state=state)
        return shown


class DepositRefundDialog(RefundDialog):
    """The RefundDialog for the deposit surplus: no cancellation here, the title and the reason say so."""

    def render(self) -> None:
        super().render()
        job, r = self.till.refund, self.ctl.result
        if job is None or r is None:
            return
        self.setWindowTitle(self.tr("退还预交金余额"))
        self.title.setText(self.tr("出院退还预交金余额"))
        held = r.reconciliation.held if r.reconciliation is not None else ZERO
        self.reason.setText(self.tr("预交金 %1 − 个人现金 %2（结算ID %3）").replace("%1", fmt_yuan(held))
                            .replace("%2", fmt_yuan(r.settlement.psn_cash_pay)).replace("%3", job.setl_id))
        if job.complete:
            self.hint.setText(self.tr("退款完成，出院结算单已打印。Enter 关闭"))
