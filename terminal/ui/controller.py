"""The cashier desk's Qt adapter: core's desk machine (terminal.core.desk) decides; this runs its work on the
OpRunner, keeps the platform status, prints, and turns what the machine tells its view into Qt signals.

The window never calls the service, and nothing here touches a widget.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from drivers.payment import provider_for
from drivers.printer import ReceiptData
from terminal.app import precheck_service
from terminal.app.session import AppSession, id_credential
from terminal.core.desk import Desk
from terminal.core.desk_ports import CancelTarget, PendingReversal, Slip, Task
from terminal.core.errors import user_message_of
from terminal.core.idcard import id_number_problem
from terminal.core.models import Credential, Settlement
from terminal.store.duplicates import DuplicateOverride

from .desk_bridge import OpsRunner, PlatformStatus, QueueBridge, judge
from terminal.app.operators import Operator
from .ops import Op, OpRunner
from .till_view import DeskPrinting, TillView


def _desk(name: str) -> property:
    """The desk machine's attribute (or bound method) ``name``, read through."""
    return property(lambda self: getattr(self.desk, name))


class CashierController(TillView, DeskPrinting, QObject):
    changed = Signal()
    #: level (info | ok | warn | error), text
    message = Signal(str, str)
    #: the op the cashier is waiting on (Op) or None
    busy_changed = Signal(object)
    #: a settlement was booked (ReceiptData)
    settled = Signal(object)
    receipt_printed = Signal(str)
    #: the duplicate-bill guard refused (DuplicateBill | DuplicateSuspected): the window shows the earlier one
    duplicate = Signal(object)
    #: at start: settlements a crashed run completed while nobody saw the result (RecoveryReport)
    completed_found = Signal(object)
    #: the previous patient's card, still in the reader, was read again (Person): the window asks the cashier
    same_card = Signal(object)
    #: a parked bill was settled after the platform came back: a refund is due (the worker's outcome)
    refund_due = Signal(object)
    #: the tender (收款) is open or changed: the window shows the tender dialog
    tender_open = Signal()
    #: a cancelled settlement's refund is open or changed (core.desk_tender.RefundJob)
    refund_open = Signal(object)
    #: 3101 found warnings (core.risk.RiskReview): the window asks continue / go back per warning
    risk_found = Signal(object)

    def __init__(self, session: AppSession, runner: OpRunner | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.cfg = session.cfg
        self.svc = session.service
        self.runner = runner or OpRunner(self)
        self.status = PlatformStatus(self)
        self.operator: Operator | None = None
        self.desk = Desk(self.svc, session, OpsRunner(self.runner, self.status), self, judge,
                         limits=self.cfg.bill.limits, journal=session.store is not None,
                         translate=QCoreApplication.translate)
        pharmacy = self.cfg.facility.kind == "pharmacy"  # a retail counter: 2101/2102, no 3101 scene, no filing
        if self.cfg.checks.risk_before and not pharmacy:  # 3101 on F5 ([checks] risk_before)
            self.desk.risk = session.risk_service()
        self._receipt: tuple[Settlement | None, ReceiptData | None] = (None, None)
        t = self.cfg.tender
        self.desk.till.methods = list(t.methods)
        self.desk.till.method = self.desk.till.methods[0]
        self.desk.till.provider = provider_for(t.provider, training=session.training, timeout_s=t.sandbox_timeout_s)
        pre = precheck_service(self.cfg, self.svc, filing=not pharmacy)  # [checks] entitlement / filing
        if pre.enabled:  # once a person is identified
            self.desk.preflight.check = lambda p, insutype, med_type: pre.run(p, insutype, med_type=med_type)
            self.desk.preflight.med_type = "41" if pharmacy else ""  # a bill's med_type asks nothing new there
        #: the last self-pay checkout (total, change) for the customer display, until the next patient
        self.last_checkout: tuple[Any, Any] | None = None
        self.desk.flow.listeners.append(self._flow_moved)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.retry_reversal)
        self._probing = False
        self.queue_count = 0  # unsent / waiting items, refreshed off the UI thread
        self.refunds_due_count = 0  # parked bills settled later whose insurance share is still to pay back
        self._counting = False
        self._queue_bridge = QueueBridge(self)
        self._queue_bridge.changed.connect(self.queue_changed)

    @property
    def uncertain(self) -> PendingReversal | None:
        return self.desk.reversal.pending

    @property
    def uncertain_error(self) -> str:
        return self.desk.reversal.error

    @property
    def reversal_outcome(self) -> str:
        return self.desk.reversal.outcome

    @property
    def receipt(self) -> ReceiptData | None:
        """The receipt of the settlement on the desk (gone with the next patient)."""
        s, r = self._receipt
        return r if s is not None and s is self.desk.settlement else None

    # the desk machine's view ------------------------------------------------------------------------------
    def show(self, level: str, text: str) -> None:
        self.message.emit(level, text)

    def redraw(self) -> None:
        self.changed.emit()

    def waiting(self, task: Task | None) -> None:
        self.busy_changed.emit(task)

    def refused_duplicate(self, err: BaseException) -> None:
        self.duplicate.emit(err)

    def book(self, s: Settlement) -> None:
        d = self.desk
        r = ReceiptData.build(cfg=self.cfg, operator=self.operator, person=d.person, visit=d.visit, settlement=s,
                              training=self.session.training)
        self._receipt = (s, r)
        self.session.journal.record(r)
        self.last_checkout = None
        self.settled.emit(r)  # the receipt prints when the tender is complete (tendered)

    def booked_cancel(self, target: CancelTarget) -> None:
        self.session.journal.mark_cancelled(target.setl_id)
        if isinstance(target, ReceiptData):
            self.print_receipt(target)

    def parked(self, slip: Slip) -> None:
        self.refresh_queue_count()
        QTimer.singleShot(300, self, lambda: self.print_slip(slip))

    def confirm_same_card(self, person: Any) -> None:
        self.same_card.emit(person)

    def retry_reversal_in(self, ms: int) -> None:
        self._retry.start(ms)

    def stop_reversal_retry(self) -> None:
        self._retry.stop()

    def recount_queue(self) -> None:
        self.refresh_queue_count()

    def show_risk(self, review: Any) -> None:
        self.risk_found.emit(review)

    # session start ----------------------------------------------------------------------------------------
    def start_background(self) -> None:
        """The store's queue worker and restart recovery (what a crash left open), off the UI thread."""
        if self.session.store is None:
            return
        self.session.start_worker(self._queue_bridge.changed.emit)

        def done(rep: Any) -> None:
            if rep is not None and (rep.uncertain or rep.failed or rep.requeued or rep.completed):
                self.say("warn", rep.message)
            if rep is not None and rep.completed:
                self.completed_found.emit(rep)  # a dialog the cashier must acknowledge
            self.changed.emit()

        Op(self.runner, self.tr("检查交易日志"), self.session.recover, kind="recover").success(done).failure(
            lambda e: self.say("error", self.tr("交易日志检查失败：") + user_message_of(e))).run()

    def probe(self) -> None:
        """While offline: a sign-in (9001) now and then tells when the platform is back."""
        if self._probing or self.status.state != "offline":
            return
        self._probing = True

        def ok(_sign_no: str) -> None:
            self.status.signed_in = True
            self.status.ok(0.0)
            self.session.wake_queue()
            self.say("ok", self.tr("医保平台已恢复连接"))

        def done() -> None:
            self._probing = False

        Op(self.runner, "probe", lambda: self.svc.ensure_signed_in(force=True), kind="poll") \
            .success(ok).failure(self.status.failed).always(done).run()

    def sign_in(self) -> Op:
        """9001 in the background after login; the status bar shows the outcome."""
        def ok(_sign_no: str) -> None:
            self.status.signed_in = True
            self.status.changed.emit()
            self.say("ok", self.tr("已签到医保平台"))

        def fail(e: BaseException) -> None:
            self.status.signed_in = False
            self.status.changed.emit()
            self.say("error", self.tr("签到失败：") + user_message_of(e))

        op = Op(self.runner, self.tr("签到 (9001)"), lambda: self.svc.ensure_signed_in(force=True), kind="signin")
        op.success(ok).failure(fail)
        op.always(lambda: (self.status.ok(op.elapsed) if op.error is None else self.status.failed(op.error)))
        return op.run()

    # intents that need the hardware, the catalogue or the operator -------------------------------------
    def identify_id(self, idno: str) -> Task | None:
        problem = id_number_problem(idno)
        if problem:
            self.say("error", problem)
            return None
        return self.desk.identify(id_credential(idno), self.tr("按身份证号查询参保信息 (1101)"))

    def identify_card(self) -> Task | None:
        reader = self.session.card_reader
        if reader is None:
            self.say("error", self.tr("未配置读卡器；请用医保码（F2）或身份证号（F3）"))
            return None

        def read() -> Credential:
            from drivers.pcsc.sequence import check_expiry

            return check_expiry(reader.read()).credential()

        return self.desk.identify_with(read, self.tr("读社保卡并查询参保信息"))

    def identify_ecode(self, text: str) -> Task | None:
        exchange: Callable[[str], Credential] | None = self.session.ecode
        if exchange is None:
            self.say("error", self.tr("未配置医保电子凭证服务，无法识别医保码；请刷社保卡或输入身份证号"))
            return None
        return self.desk.identify_with(lambda: exchange(text), self.tr("解析医保码并查询参保信息"))

    def scan_item(self, code: str) -> bool:
        it = self.session.catalogue.by_code(code)
        if it is None:
            self.say("error", self.tr("目录中没有此编码：") + code)
            return False
        if self.desk.add_item(it.fee_item(1)):
            self.say("ok", self.tr("已添加：") + it.name)
            return True
        return False

    def grant_override(self, supervisor: Operator, reason: str) -> Task | None:
        """A supervisor allows one more settlement of a bill already settled; the refused step runs again."""
        try:
            override = DuplicateOverride(supervisor.id, reason, operator=self.operator.id if self.operator else "")
        except ValueError as e:
            self.say("error", str(e))
            return None
        return self.desk.grant_override(override)

    def cancel_settlement(self, r: ReceiptData, supervisor: Operator, reason: str = "") -> Task | None:
        return self.desk.cancel_settlement(r, supervisor.id, reason)

    def can_park(self) -> bool:
        return self.desk.can_park(self.status.state == "offline")

    def park_now(self) -> Task | None:
        """The platform is unreachable: the patient pays in full now and takes a slip."""
        return self.desk.park_now(self.status.state == "offline", self.operator.id if self.operator else "")

    # reversal and queue ------------------------------------------------------------------------------------
    def retry_reversal(self) -> Task | None:
        return self.desk.reversal.retry()

    def queue_changed(self, outcome: Any = None) -> None:
        """The store's worker finished something: look again at a queued reversal."""
        st = getattr(outcome, "state", "")
        if st in ("done", "failed", "uncertain"):
            self.status.ok(0.0)  # the platform answered the worker
        elif st == "retry":
            self.status.unreachable(getattr(outcome, "message", ""))
        self.desk.reversal.queue_changed()
        self.refresh_queue_count()
        if getattr(outcome, "kind", "") == "park" and st == "done" and self.session.store is not None:
            self._tell_refund(getattr(outcome, "park_id", ""))

    def _tell_refund(self, park_id: str) -> None:
        """A parked bill was settled after the platform came back: tell the cashier the refund is due."""
        store = self.session.store

        def found(refunds: list) -> None:
            self.refunds_due_count = len(refunds)
            rf = next((r for r in refunds if r.park_id == park_id), None)
            if rf is not None:
                from terminal.core.money import fmt_yuan

                self.say("warn", self.tr("补结算完成（编号 %1，%2）：应退患者 %3。"
                                         "请按 F7 在队列中办理退款，付清后标记“退款已付”")
                         .replace("%1", rf.park_id).replace("%2", rf.name_masked)
                         .replace("%3", fmt_yuan(rf.refund_due)))
                self.refund_due.emit(rf)
            self.status.changed.emit()

        Op(self.runner, "refunds", store.refunds_due, kind="poll").success(found).run()

    def refresh_queue_count(self) -> None:
        if self._counting:
            return
        self._counting = True

        store = self.session.store

        def count() -> tuple[int, int]:
            return self.session.queue_count(), (len(store.refunds_due()) if store is not None else 0)

        def done(counts: tuple[int, int]) -> None:
            self._counting = False
            if counts != (self.queue_count, self.refunds_due_count):
                self.queue_count, self.refunds_due_count = counts
                self.status.changed.emit()

        def failed(_e: BaseException) -> None:
            self._counting = False

        Op(self.runner, "count", count, kind="poll").success(done).failure(failed).run()


#: the desk machine's state and intents, read through (the window, the views and the tests use these)
READ_THROUGH = (
    "flow state person preview settlement items visit acct_used bill bill_total busy limits settle_op "
    "settle_sends reversal_state platform_warns cancel_result last_message slip say can_identify "
    "can_edit_bill can_preview can_settle can_cancel identify choose_insurance set_acct_used add_item "
    "set_qty remove_item insert_item load_bill preview_now confirm_duplicate settle_now refund_text "
    "parked_shown refused card_left same_card_answer self_pay_now abandon escape next_patient till chronic "
    "risk_review risk_decide risk_go_back "
).split()
for _name, _of in [*((n, n) for n in READ_THROUGH), ("_check_editable", "check_editable")]:
    setattr(CashierController, _name, _desk(_of))
