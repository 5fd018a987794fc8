"""Parts of the cashier desk's Qt adapter (ui/controller.py CashierController): the till's view (the tender, refunds
and self-pay of core/desk_tender.py: recorded in the journal, slips printed) and printing. Mixed into
CashierController, whose objects they are: their tr() texts are looked up under "CashierController"
(resources/translations/update.py copies them there)."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer

from drivers.printer import ComposedReceipt, ReceiptData
from drivers.printer.tender_slips import compose_refund, compose_self_pay
from terminal.app.session import AppSession
from terminal.core.desk import Desk
from terminal.core.desk_ports import CancelTarget, Slip
from terminal.core.errors import user_message_of
from terminal.core.flow import State
from terminal.core.privacy import mask_name
from terminal.core.tender import PAY, REFUND, Tender, TenderLine

from .ops import Op, OpRunner
from .receipt import print_receipt, print_slip


def shown_where(where: str) -> str:
    """What the message bar shows for where a slip went: a PDF's file name (not its folder), or the printer."""
    return Path(where).name if where.lower().endswith(".pdf") else where



class TillView:
    """The till's side of the desk machine's view."""

    desk: Desk
    session: AppSession
    cfg: Any
    runner: OpRunner
    operator: Any
    last_checkout: tuple[Any, Any] | None
    tr: Any
    say: Any
    changed: Any
    tender_open: Any
    refund_open: Any
    settled: Any
    receipt_printed: Any

    # the till (core.desk_tender) -----------------------------------------------------------------------------
    @property
    def operator_id(self) -> str:
        return self.operator.id if self.operator is not None else ""

    def _flow_moved(self, _src: Any, dst: Any) -> None:
        if dst != State.IDLE:
            self.last_checkout = None

    def tender_changed(self) -> None:
        self.tender_open.emit()

    def _record(self, msgid: str, setl_id: str, lines: list[TenderLine], kind: str, note: str = "") -> None:
        store = self.session.store
        if store is None or not lines:
            return
        try:
            store.tenders.record_tender(msgid, setl_id, lines, kind=kind, operator=self.operator_id, note=note)
        except Exception as e:
            self.say("error", self.tr("收款记录未能写入交易日志：") + user_message_of(e) +
                     self.tr("；请记下本笔并联系信息科"))

    def tendered(self, t: Tender) -> None:
        """The tender covers the cash share: recorded with the settlement, shown on the receipt, printed."""
        r = self.receipt
        if r is None:
            return
        r.tender_lines, r.change = list(t.lines), t.change
        self.session.journal.record(r)
        self._record(r.msgid, r.setl_id, list(t.lines[self.desk.till.saved:]), PAY)
        # print a moment later: rendering the receipt while the window repaints makes both contend for
        # Qt's font caches, and the cashier does not notice 0.3 s before a printer starts
        QTimer.singleShot(300, self, lambda: self.print_receipt(r))

    def record_partial_tender(self, t: Tender) -> None:
        """A settlement cancelled while its tender was open: what was taken is recorded, then refunded."""
        r = self.receipt
        if r is not None:
            self._record(r.msgid, r.setl_id, list(t.lines[self.desk.till.saved:]), PAY, note="partial")

    def record_tender_lines(self, lines: list[TenderLine], self_msgid: str = "") -> None:
        """Electronic money moved before the tender is complete: its lines go to the journal now."""
        if self_msgid:
            self._record(self_msgid, "", list(lines), PAY, note="自费")
            return
        r = self.receipt
        if r is not None:
            self._record(r.msgid, r.setl_id, list(lines), PAY)

    def original_tender(self, target: CancelTarget) -> list[TenderLine]:
        store, msgid = self.session.store, getattr(target, "msgid", "")
        return store.tenders.lines_for(msgid) if store is not None and msgid else []

    def refund_opened(self, job: Any) -> None:
        self.refund_open.emit(job)

    def refunded(self, job: Any) -> None:
        """The refund went back by the original tender: recorded (kind refund) and its slip printed."""
        note = "；".join(x for x in (job.reason, ("主管 " + job.supervisor) if job.supervisor else "") if x)
        self._record(job.msgid, job.setl_id, list(job.tender.lines), REFUND, note)
        r = job.receipt if isinstance(job.receipt, ReceiptData) else None
        c = compose_refund(facility_name=self.cfg.facility.name, facility_code=self.cfg.facility.code,
                           setl_id=job.setl_id, mdtrt_id=r.mdtrt_id if r else "", msgid=job.msgid,
                           name_masked=r.name_masked if r else "", settled_time=r.time if r else "",
                           amount=job.amount, lines=job.tender.lines, reason=job.reason, supervisor=job.supervisor,
                           operator=self.operator_id, training=self.session.training,
                           translate=QCoreApplication.translate)
        self.refund_open.emit(job)
        QTimer.singleShot(300, self, lambda: self.print_composed(c, self.tr("打印退款凭条")))

    def self_pay(self) -> bool:
        return self.desk.till.start_self_pay()

    def self_paid(self, t: Tender) -> None:
        """自费 checkout done: recorded under its own number, its receipt printed, the next patient."""
        d, till = self.desk, self.desk.till
        person = d.person
        reason = till.refused_text or self.tr("医保不可用")
        if not till.refused_text and person is not None and person.insurances:
            reason = person.insurances[0].status_name or reason
        self._record(till.self_msgid, "", list(t.lines[till.saved:]), PAY, note="自费 " + reason)
        c = compose_self_pay(facility_name=self.cfg.facility.name, facility_code=self.cfg.facility.code,
                             order=till.self_msgid, name_masked=mask_name(person.psn_name) if person else "",
                             reason=reason, items=[(i.name, f"{i.qty}", i.amount) for i in d.items], total=t.due,
                             lines=t.lines, change=t.change, operator=self.operator_id,
                             training=self.session.training, translate=QCoreApplication.translate)
        checkout = (t.due, t.change)
        QTimer.singleShot(300, self, lambda: self.print_composed(c, self.tr("打印自费凭条")))
        d.next_patient()
        self.last_checkout = checkout
        self.changed.emit()



class DeskPrinting:
    """Receipts and slips, printed off the UI thread."""

    desk: Desk
    cfg: Any
    runner: OpRunner
    tr: Any
    say: Any
    receipt_printed: Any

    # printing --------------------------------------------------------------------------------------------
    def print_slip(self, slip: Slip) -> Op:
        p = self.cfg.printer
        pdf_dir = p.pdf_dir or str(self.cfg.data_dir / "receipts")

        def ok(where: str) -> None:
            self.receipt_printed.emit(where)

        return Op(self.runner, self.tr("打印补结算凭条"),
                  lambda: print_slip(slip, facility_name=self.cfg.facility.name, printer_name=p.name,
                                     pdf_dir=pdf_dir, training=self.session.training, printer=p),
                  kind="print").success(ok).failure(
            lambda e: self.say("error", self.tr("打印失败：") + str(e))).run()

    def print_composed(self, c: ComposedReceipt, label: str) -> Op:
        """A till slip (refund, self-pay) to the printer or a PDF, in the background."""
        from .receipt import PdfReceiptPrinter

        p = self.cfg.printer
        pdf_dir = p.pdf_dir or str(self.cfg.data_dir / "receipts")

        def ok(where: str) -> None:
            self.receipt_printed.emit(where)

        return Op(self.runner, label, lambda: PdfReceiptPrinter(p.name, pdf_dir).print_receipt(c),
                  kind="print").success(ok).failure(lambda e: self.say("error", self.tr("打印失败：") + str(e))).run()

    def print_receipt(self, r: ReceiptData | None = None, *, reprint: bool = False) -> Op | None:
        r = r or self.receipt
        if r is None:
            self.say("warn", self.tr("没有可打印的结算单"))
            return None
        if reprint:
            r.reprints += 1
        r = dataclasses.replace(r)  # a snapshot: the record may change (cancelled) before the printer runs
        p = self.cfg.printer
        pdf_dir = p.pdf_dir or str(self.cfg.data_dir / "receipts")

        def ok(where: str) -> None:
            self.receipt_printed.emit(where)
            printed = (self.tr("已重打结算单：") if reprint else self.tr("结算单已输出：")) + shown_where(where)
            before = self.desk.last_message[1]
            if r.status == "cancelled" and not reprint and before and shown_where(where) not in before:
                printed = before + self.tr("；") + printed  # what goes back where stays readable
            self.say("ok", printed)

        def fail(e: BaseException) -> None:
            self.say("error", self.tr("打印失败：") + str(e) + self.tr("；可在日志中重打"))

        # printing is not something the cashier waits on: run it without the busy overlay
        return Op(self.runner, self.tr("打印结算单"),
                  lambda: print_receipt(r, printer_name=p.name, pdf_dir=pdf_dir, reprint=reprint, printer=p),
                  kind="print").success(ok).failure(fail).run()
