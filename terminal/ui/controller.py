"""The cashier desk's presenter: forwards the window's intents to core's CashierFlow and the service,
runs every platform call as a background op, and tells the views to redraw (``changed``).

The window never calls the service, and nothing here touches a widget.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from terminal.backend.errors import PlatformError, TransportError
from terminal.core.flow import CashierFlow, State
from terminal.core.models import Bill, Credential, FeeItem, Person, Settlement, Visit
from terminal.services.errors import UncertainSettlement
from terminal.store.duplicates import DuplicateOverride
from terminal.store.errors import DuplicateBill, DuplicateSuspected

from .ops import Op, OpRunner
from .receipt import ReceiptData, print_receipt, print_slip
from .session import AppSession, PendingReversal, id_credential, id_number_problem

log = logging.getLogger("terminal.ui.controller")

S = State
SLOW_SECONDS = 3.0


class _QueueBridge(QObject):
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
            self._set("offline", getattr(err, "user_message", str(err)))
        elif isinstance(err, UncertainSettlement):
            self._set("offline", err.cause.user_message if err.cause else "")
        elif isinstance(err, PlatformError):
            self._set("online", "")  # it answered

    def _set(self, state: str, detail: str) -> None:
        if (state, detail) != (self.state, self.detail):
            self.state, self.detail = state, detail
            self.changed.emit()


class CashierController(QObject):
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

    def __init__(self, session: AppSession, runner: OpRunner | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.cfg = session.cfg
        self.svc = session.service
        self.runner = runner or OpRunner(self)
        self.status = PlatformStatus(self)
        self.flow = CashierFlow()
        self.flow.listeners.append(lambda src, dst: log.info("flow %s -> %s", src.value, dst.value))
        self.operator: Any = None
        self.items: list[FeeItem] = []
        self.bill_meta: dict[str, str] = {}
        self.visit: Visit | None = None
        self._visit_key: tuple | None = None
        self.acct_used = True
        self.current: Op | None = None
        self.settle_op: Op | None = None
        self.settle_detached = False
        self.receipt: ReceiptData | None = None
        self.uncertain: PendingReversal | None = None
        self.uncertain_error: str = ""
        self.reversal_state = ""  # waiting | running | queued | failed | done
        #: how the last uncertain settlement ended: 'reversed' (taken back) or 'not_booked' (never booked)
        self.reversal_outcome = ""
        #: the platform's warn_msg texts for what is on the screen (1101 … 2207, 2208): the window's notice
        self.platform_warns: list[str] = []
        self.cancel_result: Settlement | None = None  # the last 2208 answer (negative amounts)
        self.last_message = ("", "")
        self.last_cred: Credential | None = None  # the last credential tried (parking needs it offline)
        self.slip: Any = None  # the last park slip
        self.settle_requests = 0  # how many times settle was asked for (tests, diagnostics)
        # the duplicate-bill guard for the bill on the screen: a supervisor's override, the cashier's confirmation
        # of an identical bill, and the step the guard refused ('preview' | 'settle')
        self.dup_override: DuplicateOverride | None = None
        self.dup_confirmed = False
        self.dup_refused_at = ""
        self.settle_sends = 0  # how many 2207 ops were actually started
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.retry_reversal)
        self.retry_interval_ms = 15000
        self._polling = False
        self._probing = False
        self.queue_count = 0  # unsent / waiting items, refreshed off the UI thread
        self._counting = False
        self._queue_bridge = _QueueBridge(self)
        self._queue_bridge.changed.connect(self.queue_changed)

    # helpers -----------------------------------------------------------------------------------------
    @property
    def state(self) -> State:
        return self.flow.state

    @property
    def person(self) -> Person | None:
        return self.flow.person

    @property
    def preview(self) -> Settlement | None:
        return self.flow.preview

    @property
    def settlement(self) -> Settlement | None:
        return self.flow.settlement

    @property
    def busy(self) -> bool:
        return self.current is not None

    def bill(self) -> Bill | None:
        if not self.items:
            return None
        return Bill(items=list(self.items), **self.bill_meta)

    @property
    def bill_total(self):
        b = self.bill()
        from terminal.core.money import ZERO

        return b.total if b else ZERO

    def say(self, level: str, text: str) -> None:
        self.last_message = (level, text)
        self.message.emit(level, text)

    def _set_warns(self, warns) -> None:
        """The platform's warnings for what the cashier now sees (shown until the next patient)."""
        out: list[str] = []
        for w in warns or ():
            w = (w or "").strip()
            if w and w not in out:
                out.append(w)
        self.platform_warns = out

    def _emit(self) -> None:
        self.changed.emit()

    def _start(self, op: Op) -> Op:
        self.current = op
        op.always(self._op_ended(op))
        op.run()
        self.busy_changed.emit(op)
        self._emit()
        return op

    def _op_ended(self, op: Op):
        def done() -> None:
            if self.current is op:
                self.current = None
                self.busy_changed.emit(None)
            if op.error is None:
                self.status.ok(op.elapsed)
            else:
                self.status.failed(op.error)
            self._emit()
        return done

    def can_identify(self) -> bool:
        return self.state not in (S.SETTLING, S.UNCERTAIN) and not self.busy

    def can_edit_bill(self) -> bool:
        return self.state in (S.IDLE, S.IDENTIFIED, S.BILLED, S.PREVIEWED) and not self.busy

    def can_preview(self) -> bool:
        return self.state in (S.BILLED, S.PREVIEWED, S.REVERSED) and not self.busy and bool(self.items)

    def can_settle(self) -> bool:
        return self.state == S.PREVIEWED and not self.busy

    def can_cancel(self) -> bool:
        return self.state == S.SETTLED and not self.busy

    # session start --------------------------------------------------------------------------------
    def start_background(self) -> None:
        """The store's queue worker and restart recovery (what a crash left open), off the UI thread."""
        if self.session.store is None:
            return
        self.session.start_worker(self._queue_bridge.changed.emit)

        def done(rep) -> None:
            if rep is not None and (rep.uncertain or rep.failed or rep.requeued or rep.completed):
                self.say("warn", rep.message)
            if rep is not None and rep.completed:
                self.completed_found.emit(rep)  # a dialog the cashier must acknowledge
            self._emit()

        Op(self.runner, self.tr("检查交易日志"), self.session.recover, kind="recover").success(done).failure(
            lambda e: self.say("error", self.tr("交易日志检查失败：") + getattr(e, "user_message", str(e)))).run()

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
            self.say("error", self.tr("签到失败：") + getattr(e, "user_message", str(e)))

        op = Op(self.runner, self.tr("签到 (9001)"), lambda: self.svc.ensure_signed_in(force=True), kind="signin")
        op.success(ok).failure(fail)
        op.always(lambda: (self.status.ok(op.elapsed) if op.error is None else self.status.failed(op.error)))
        return op.run()

    # identification -------------------------------------------------------------------------------------
    def _prepare_identify(self) -> bool:
        if self.busy:
            self.say("warn", self.tr("请等待当前操作完成，或按 Esc 放弃"))
            return False
        if self.state == S.SETTLING:
            self.say("warn", self.tr("正在结算，请稍候"))
            return False
        if self.state == S.UNCERTAIN:
            self.say("error", self.tr("上一笔结算结果未知，冲正完成前不能接待下一位"))
            return False
        if self.state in (S.SETTLED, S.CANCELLED, S.REVERSED):
            self.next_patient()
        return True

    def identify(self, cred: Credential, label: str = "") -> Op | None:
        if not self._prepare_identify():
            return None
        self.last_cred = cred
        return self._start(Op(self.runner, label or self.tr("查询参保信息 (1101)"),
                              lambda: (cred, self.svc.identify(cred)), kind="identify")
                           .success(self._identified).failure(self._failed))

    def identify_id(self, idno: str) -> Op | None:
        problem = id_number_problem(idno)
        if problem:
            self.say("error", problem)
            return None
        return self.identify(id_credential(idno), self.tr("按身份证号查询参保信息 (1101)"))

    def identify_card(self) -> Op | None:
        reader = self.session.card_reader
        if reader is None:
            self.say("error", self.tr("未配置读卡器；请用医保码（F2）或身份证号（F3）"))
            return None
        if not self._prepare_identify():
            return None

        def work():
            from drivers.pcsc.sequence import check_expiry

            card = check_expiry(reader.read())
            cred = card.credential()
            self.last_cred = cred  # (plain attribute; read on the UI thread after the op)
            return cred, self.svc.identify(cred)

        return self._start(Op(self.runner, self.tr("读社保卡并查询参保信息"), work, kind="identify")
                           .success(self._identified).failure(self._failed))

    def identify_ecode(self, text: str) -> Op | None:
        exchange = self.session.ecode
        if exchange is None:
            self.say("error", self.tr("未配置医保电子凭证服务，无法识别医保码；请刷社保卡或输入身份证号"))
            return None
        if not self._prepare_identify():
            return None

        def work():
            cred = exchange(text)
            return cred, self.svc.identify(cred)

        return self._start(Op(self.runner, self.tr("解析医保码并查询参保信息"), work, kind="identify")
                           .success(self._identified).failure(self._failed))

    def _identified(self, result) -> None:
        cred, person = result
        if self.state in (S.SETTLING, S.UNCERTAIN):
            return
        active = [i for i in person.insurances if i.active]
        if len(active) == 1:
            insutype = active[0].insutype
        elif not active and len(person.insurances) == 1:
            insutype = person.insurances[0].insutype
        else:
            insutype = ""
        self.visit, self._visit_key = None, None
        self.receipt = None
        self.flow.identified(cred, person, insutype)
        self._set_warns([getattr(person, "warn_msg", "")])
        self._reset_duplicate()
        if self.items:
            self.flow.billed(self.bill())
        if not insutype and len(active) > 1:
            self.say("warn", self.tr("该参保人有多个险种，请先选择险种"))
        elif active:
            self.say("ok", self.tr("已识别参保人"))
        else:
            ins = person.insurances[0] if person.insurances else None
            self.say("error", self.tr("参保状态异常：") + (ins.status_name if ins else "") +
                     self.tr("，不能直接结算"))
        self._emit()

    def choose_insurance(self, insutype: str) -> None:
        if self.state not in (S.IDENTIFIED, S.BILLED, S.PREVIEWED) or self.busy:
            return
        if insutype == self.flow.insutype:
            return
        self.flow.choose_insurance(insutype)
        self._emit()

    def set_acct_used(self, used: bool) -> None:
        if used == self.acct_used:
            return
        self.acct_used = used
        if self.state == S.PREVIEWED and not self.busy:
            self.flow.billed(self.bill())  # the breakdown changes: preview again
        self._emit()

    # bill ---------------------------------------------------------------------------------------------
    def _bill_changed(self) -> None:
        self._reset_duplicate()  # an override or a confirmation was for the bill as it was
        if self.state in (S.IDENTIFIED, S.BILLED, S.PREVIEWED):
            if self.items:
                self.flow.billed(self.bill())
            elif self.state != S.IDENTIFIED:
                self.flow.identified(self.flow.credential, self.flow.person, self.flow.insutype)
        self._emit()

    def _check_editable(self) -> bool:
        if self.can_edit_bill():
            return True
        if self.busy:
            self.say("warn", self.tr("请等待当前操作完成"))
        else:
            self.say("warn", self.tr("本笔已结算或结果待定，账单不能再修改；按 Esc 接待下一位"))
        return False

    @property
    def limits(self):
        """The configured caps ([bill] max_line_amount, max_bill_amount)."""
        return self.cfg.bill.limits

    def _replace_items(self, items: list[FeeItem]) -> bool:
        """Take the new item list only when every line and the total are within the caps (message otherwise)."""
        try:
            Bill(items=items).check_limits(self.limits)
        except ValueError as e:
            self.say("error", str(e))
            self._emit()  # the table shows the unchanged bill again
            return False
        self.items = items
        self._bill_changed()
        return True

    def add_item(self, item: FeeItem) -> bool:
        if not self._check_editable():
            return False
        items = list(self.items)
        for n, have in enumerate(items):
            if have.hosp_code == item.hosp_code and have.price == item.price:
                try:
                    items[n] = FeeItem.from_input(line=n + 1, limits=None,
                                                  **{**have.__dict__, "qty": have.qty + item.qty})
                except ValueError as e:
                    self.say("error", str(e))
                    return False
                break
        else:
            items.append(item)
        return self._replace_items(items)

    def set_qty(self, index: int, qty) -> bool:
        """A quantity typed into the bill table: parsed strictly (no separators, up to 4 decimals, > 0)."""
        if not self._check_editable() or not 0 <= index < len(self.items):
            return False
        items = list(self.items)
        try:
            items[index] = FeeItem.from_input(line=index + 1, limits=None, **{**items[index].__dict__, "qty": qty})
        except ValueError as e:
            self.say("error", str(e))
            self._emit()
            return False
        return self._replace_items(items)

    def remove_item(self, index: int) -> None:
        if not self._check_editable() or not 0 <= index < len(self.items):
            return
        del self.items[index]
        self._bill_changed()

    def load_bill(self, bill: Bill) -> bool:
        if not self._check_editable():
            return False
        try:
            bill.check_limits(self.limits)
        except ValueError as e:
            self.say("error", self.tr("账单文件错误：") + str(e))
            return False
        self.items = list(bill.items)
        self.bill_meta = {k: getattr(bill, k) for k in ("med_type", "dept_code", "dept_name", "dr_code", "dr_name",
                                                          "dise_codg", "dise_name", "bill_no")}
        self._bill_changed()
        self.say("ok", self.tr("已载入账单，共 %1 项").replace("%1", str(len(self.items))))
        return True

    def scan_item(self, code: str) -> bool:
        it = self.session.catalogue.by_code(code)
        if it is None:
            self.say("error", self.tr("目录中没有此编码：") + code)
            return False
        if self.add_item(it.fee_item(1)):
            self.say("ok", self.tr("已添加：") + it.name)
            return True
        return False

    # preview ---------------------------------------------------------------------------------------------
    def _key(self) -> tuple:
        return (self.flow.insutype, tuple((i.hosp_code, i.price, i.qty) for i in self.items),
                tuple(sorted(self.bill_meta.items())))

    def preview_now(self) -> Op | None:
        if self.busy:
            self.say("warn", self.tr("请等待当前操作完成"))
            return None
        if self.state not in (S.BILLED, S.PREVIEWED, S.REVERSED):
            if self.state in (S.IDLE,):
                self.say("warn", self.tr("请先识别参保人（F1 读卡 / F2 医保码 / F3 身份证号）"))
            elif self.state == S.IDENTIFIED:
                self.say("warn", self.tr("请先添加收费项目（F4）或载入账单"))
            else:
                self.say("warn", self.tr("当前状态不能预结算"))
            return None
        person, cred = self.flow.person, self.flow.credential
        if not self.flow.insutype:
            self.say("warn", self.tr("请先选择险种"))
            return None
        bill, insutype, acct, key = self.bill(), self.flow.insutype, self.acct_used, self._key()
        visit = self.visit if self._visit_key == key else None
        confirm, override = self.dup_confirmed, self.dup_override

        def work():
            # a bill settles once: the guard's early read, before any platform work for this bill (2201...)
            self.svc.check_duplicate(bill, person.psn_no, confirm_duplicate=confirm, override=override)
            v = visit or self.svc.open_visit(cred, person, bill, insutype)
            s = self.svc.preview(v, acct_used=acct)
            return v, key, s

        def ok(result) -> None:
            v, k, s = result
            if self.state not in (S.BILLED, S.PREVIEWED, S.REVERSED) or self._key() != k:
                return  # the bill or patient changed meanwhile: this preview is stale
            self.visit, self._visit_key = v, k
            self.flow.previewed(s)
            self._set_warns(v.warn_msgs or [s.warn_msg])
            self.say("ok", self.tr("预结算完成，请核对金额后按 F9 结算"))

        return self._start(Op(self.runner, self.tr("上传费用并预结算 (2201/2204/2206)"), work, kind="preview")
                           .success(ok).failure(self._preview_failed))

    def _preview_failed(self, e: BaseException) -> None:
        if isinstance(e, (DuplicateBill, DuplicateSuspected)):
            self._duplicate_refused(e, "preview")
        else:
            self._failed(e)

    # duplicate-bill guard ---------------------------------------------------------------------------------
    def _duplicate_refused(self, e: PlatformError, step: str) -> None:
        """Nothing was sent: tell the cashier, and let the window show the earlier settlement."""
        self.dup_refused_at = step
        self.say("error", e.user_message)
        self.duplicate.emit(e)
        self._emit()

    def _reset_duplicate(self) -> None:
        self.dup_override, self.dup_confirmed, self.dup_refused_at = None, False, ""

    def grant_override(self, supervisor, reason: str) -> Op | None:
        """A supervisor allows one more settlement of a bill already settled (the reason goes to the journal
        with the 2207 it lets through); the refused step runs again."""
        try:
            self.dup_override = DuplicateOverride(supervisor.id, reason, operator=getattr(self.operator, "id", ""))
        except ValueError as e:
            self.say("error", str(e))
            return None
        self.say("warn", self.tr("主管 %1 已授权重复结算（原因：%2）").replace("%1", supervisor.id)
                 .replace("%2", self.dup_override.reason))
        return self._after_duplicate()

    def confirm_duplicate(self) -> Op | None:
        """The cashier confirmed that the identical bill is another bill: the refused step runs again."""
        self.dup_confirmed = True
        return self._after_duplicate()

    def _after_duplicate(self) -> Op | None:
        step, self.dup_refused_at = self.dup_refused_at, ""
        if step == "settle" and self.state == S.PREVIEWED:
            return self.settle_now()
        if self.state in (S.BILLED, S.PREVIEWED, S.REVERSED):
            return self.preview_now()
        return None

    # settle ----------------------------------------------------------------------------------------------
    def settle_now(self) -> Op | None:
        """F9. CashierFlow.begin_settle is the gate: a second press can never send a second 2207."""
        self.settle_requests += 1
        if self.busy:
            if self.current is not None and self.current.kind == "settle":
                self.say("warn", self.tr("正在结算，请勿重复操作"))
            else:
                self.say("warn", self.tr("请等待当前操作完成"))
            return None
        if self.state in (S.SETTLING, S.SETTLED, S.UNCERTAIN):
            self.say("warn", self.tr("本笔已结算或结果待定，不能重复结算"))
            return None
        if self.state == S.REVERSED:
            self.say("warn", self.tr("已冲正，请先按 F5 重新预结算"))
            return None
        if self.visit is None or self.flow.preview is None or self._visit_key != self._key():
            self.say("warn", self.tr("请先按 F5 预结算"))
            return None
        if not self.flow.begin_settle():
            self.say("warn", self.tr("请先按 F5 预结算"))
            return None
        visit = self.visit
        self.settle_detached = False
        self.settle_sends += 1
        confirm, override = self.dup_confirmed, self.dup_override
        op = Op(self.runner, self.tr("结算 (2207)"),
                lambda: self.svc.settle(visit, confirm_duplicate=confirm, override=override), kind="settle")
        op.success(self._settle_ok).failure(self._settle_failed).late(self._settle_late)
        self.settle_op = op
        self._emit()
        return self._start(op)

    def _settle_ok(self, s: Settlement) -> None:
        self.settle_op = None
        if self.state != S.SETTLING and self.state != S.UNCERTAIN:
            log.error("settlement answer in state %s", self.state)
        self.flow.settled(s)
        self.uncertain, self.reversal_state = None, ""
        self._set_warns((self.visit.warn_msgs if self.visit is not None else []) + [s.warn_msg])
        r = ReceiptData.build(cfg=self.cfg, operator=self.operator, person=self.flow.person, visit=self.visit,
                              settlement=s, training=self.session.training)
        self.receipt = r
        self.session.journal.record(r)
        self.say("ok", self.tr("结算成功"))
        self.settled.emit(r)
        self._emit()
        # print a moment later: rendering the receipt while the window repaints makes both contend for
        # Qt's font caches, and the cashier does not notice 0.3 s before a printer starts
        QTimer.singleShot(300, self, lambda: self.print_receipt(r))

    def _settle_failed(self, e: BaseException) -> None:
        self.settle_op = None
        if isinstance(e, (DuplicateBill, DuplicateSuspected)):  # refused before anything was sent
            self._nothing_booked()
            self._duplicate_refused(e, "settle")
            return
        if isinstance(e, UncertainSettlement):
            self._went_uncertain(e)
        elif isinstance(e, PlatformError) and e.outcome_unknown:
            self._went_uncertain(None, e)
        elif isinstance(e, PlatformError):
            self._nothing_booked()
            self.say("error", self.tr("结算未成功：") + e.user_message)
        elif self.visit is not None and self.visit.settle_msgid:
            # something unexpected after the 2207 was prepared: treat as unknown, never re-send
            log.exception("unexpected settle failure", exc_info=e)
            self._went_uncertain(None, e)
        else:
            self._nothing_booked()
            self.say("error", self.tr("结算未成功：") + str(e))
        self._emit()

    def _nothing_booked(self) -> None:
        if self.state == S.SETTLING:
            self.flow.refused()
        elif self.state == S.UNCERTAIN:
            self.flow.reversed()

    def _settle_late(self, result: Any, error: BaseException | None) -> None:
        """The cashier stopped waiting; the platform's answer (or its absence) arrives now."""
        self.settle_op = None
        self.settle_detached = False
        if error is None:
            self._settle_ok(result)
            self.say("ok", self.tr("平台已应答：结算成功"))
        elif isinstance(error, UncertainSettlement) or getattr(error, "outcome_unknown", False) or \
                not isinstance(error, PlatformError):
            self._settle_failed(error)
        else:
            # refused, or never sent: nothing was booked
            self.uncertain, self.reversal_state = None, "done"
            if self.state == S.SETTLING:
                self.flow.refused()
            else:
                self.flow.reversed()
            self.say("warn", self.tr("结算未成功（未记账）：") + error.user_message + self.tr("。可按 F5 重新预结算"))
        self._emit()

    def _went_uncertain(self, e: UncertainSettlement | None, cause: BaseException | None = None) -> None:
        if self.state == S.SETTLING:
            self.flow.uncertain()
        v = self.visit
        omsgid = e.omsgid if e else (v.settle_msgid if v else "")
        pr = PendingReversal(psn_no=v.person.psn_no if v else "", insuplc=v.insuplc_admdvs if v else "",
                             omsgid=omsgid, oinfno="2207")
        self.uncertain = pr
        self.uncertain_error = e.user_message if e else getattr(cause, "user_message", str(cause))
        if e is not None and e.reversed_ok:
            pr.done = True
            self._reversed(self._reversal_text(e.reversal), e.reversal)
            return
        self.session.reversals.append(pr)
        self.refresh_queue_count()
        if e is not None and e.reversal_error is None and self.svc.on_uncertain is not None:
            pr.queued = True  # the journal's durable queue owns the 2601
            self.reversal_state = "queued"
            self.session.wake_queue()
            self.say("error", self.tr("结算结果未知，正在冲正（2601）；冲正完成前不要重复结算，也不要收取现金"))
            self._retry.start(300)
        else:
            self.reversal_state = "failed"
            if e is not None and e.reversal_error is not None:
                pr.last_error = getattr(e.reversal_error, "user_message", str(e.reversal_error))
            self.say("error", self.tr("结算结果未知，冲正暂未成功，将自动重试；冲正完成前不要重复结算"))
            self._retry.start(self.retry_interval_ms if e is not None else 200)
        self._emit()

    def _reversal_text(self, outcome: str) -> str:
        if outcome == "not_booked":
            return self.tr("医保平台答复从未记账此笔结算（2601：原交易不存在）：未产生任何费用、未扣款，无需冲正；"
                           "不要收取现金。请按 F5 重新预结算后再结算")
        return self.tr("结算结果未知，已冲正（2601 成功）：平台已撤回此笔结算，未扣款；不要收取现金。"
                       "请按 F5 重新预结算后再结算")

    def _reversed(self, text: str, outcome: str = "reversed") -> None:
        self._retry.stop()
        self.refresh_queue_count()
        if self.state == S.UNCERTAIN:
            self.flow.reversed()
        self.reversal_state = "done"
        self.reversal_outcome = outcome or "reversed"
        if self.uncertain:
            self.uncertain.done = True
            self.uncertain.outcome = self.reversal_outcome
        self.say("warn", text)
        self._emit()

    def queue_changed(self, outcome: Any = None) -> None:
        """The store's worker finished something: look again at a queued reversal."""
        st = getattr(outcome, "state", "")
        if st in ("done", "failed", "uncertain"):
            self.status.ok(0.0)  # the platform answered the worker
        elif st == "retry":
            self.status._set("offline", getattr(outcome, "message", ""))
        if self.state == S.UNCERTAIN and self.uncertain is not None and self.uncertain.queued:
            self._retry.start(0)
        self.refresh_queue_count()

    def refresh_queue_count(self) -> None:
        if self._counting:
            return
        self._counting = True

        def done(n: int) -> None:
            self._counting = False
            if n != self.queue_count:
                self.queue_count = n
                self.status.changed.emit()

        def failed(_e: BaseException) -> None:
            self._counting = False

        Op(self.runner, "count", self.session.queue_count, kind="poll").success(done).failure(failed).run()

    def retry_reversal(self) -> Op | None:
        """Resolve the uncertain settlement: watch the store's queue, or send the 2601 ourselves."""
        pr = self.uncertain
        if self.state != S.UNCERTAIN or pr is None or pr.done:
            return None
        if self.reversal_state == "running" or self._polling:
            return None
        if pr.queued and self.reversal_state == "queued":
            self._polling = True

            def seen(res: str) -> None:
                self._polling = False
                if self.state != S.UNCERTAIN or self.uncertain is not pr:
                    return
                if res in ("reversed", "not_booked"):
                    self._reversed(self._reversal_text(res), res)
                elif res.startswith("failed"):
                    self.reversal_state = "failed"
                    pr.last_error = res.partition(":")[2].strip()
                    self.say("error", self.tr("冲正被平台拒绝：") + pr.last_error +
                             self.tr("。请联系医保经办机构核实，或点“立即重试冲正”"))
                    self._emit()
                else:
                    self._retry.start(500)

            def unseen(err: BaseException) -> None:
                self._polling = False
                self._retry.start(2000)

            Op(self.runner, "poll", lambda: self.session.reversal_resolved(pr.omsgid), kind="poll") \
                .success(seen).failure(unseen).run()
            return None
        if self.busy:
            self._retry.start(2000)
            return None
        self.reversal_state = "running"

        def ok(done: str) -> None:
            if done:
                outcome = done if isinstance(done, str) else "reversed"
                self._reversed(self._reversal_text(outcome), outcome)
            else:
                self.reversal_state = "failed"
                self._retry.start(self.retry_interval_ms)
                self._emit()

        def fail(err: BaseException) -> None:
            self.reversal_state = "failed"
            pr.last_error = getattr(err, "user_message", str(err))
            self.say("error", self.tr("冲正未成功：") + pr.last_error + self.tr("；稍后自动重试"))
            self._retry.start(self.retry_interval_ms)
            self._emit()

        self._emit()
        return self._start(Op(self.runner, self.tr("冲正 (2601)"), lambda: self.session.reverse(pr),
                              kind="reverse").success(ok).failure(fail))

    # cancel (2208) -------------------------------------------------------------------------------------
    def refund_text(self, s: Settlement) -> str:
        """What a cancellation (2208 answer, negative amounts) gave back: 退回个人账户 ¥x，退还现金 ¥y，基金 ¥z."""
        from terminal.core.money import fmt_yuan
        from terminal.core.refunds import refund_amounts

        r = refund_amounts(s)
        text = self.tr("退回个人账户 %1，退还现金 %2，基金 %3").replace("%1", fmt_yuan(r["acct_pay"])) \
            .replace("%2", fmt_yuan(r["psn_cash_pay"])).replace("%3", fmt_yuan(r["fund_pay_sumamt"]))
        if "hosp_part_amt" in r:
            text += self.tr("，医院负担 ") + fmt_yuan(r["hosp_part_amt"])
        return text

    def cancel_settlement(self, r: ReceiptData, supervisor) -> Op | None:
        if self.busy:
            self.say("warn", self.tr("请等待当前操作完成"))
            return None
        if r.status == "cancelled":
            self.say("warn", self.tr("该笔已撤销"))
            return None

        def ok(s: Settlement) -> None:
            self.session.journal.mark_cancelled(r.setl_id)
            r.status = "cancelled"
            self.cancel_result = s
            if self.state == S.SETTLED and self.flow.settlement is not None and self.flow.settlement.setl_id == r.setl_id:
                self.flow.cancelled()
            if getattr(s, "warn_msg", ""):
                self._set_warns([s.warn_msg])
            self.say("ok", self.tr("已撤销结算 ") + r.setl_id + self.tr("（主管 ") + supervisor.id + "）：" +
                     self.refund_text(s))
            self._emit()
            self.print_receipt(r)

        def fail(e: BaseException) -> None:
            if type(e).__name__ == "CancelQueued":
                self.say("warn", e.user_message)
                return
            if isinstance(e, UncertainSettlement):
                if e.reversal == "not_booked":
                    self.say("error", self.tr("撤销结果未知；医保平台答复从未记账此撤销请求，原结算仍有效、未退款；"
                                              "可重试撤销"))
                elif e.reversed_ok:
                    self.say("error", self.tr("撤销结果未知，已冲正撤销请求（2601 成功），原结算仍有效、未退款；"
                                              "可重试撤销"))
                else:
                    self.say("error", self.tr("撤销结果未知，正在冲正撤销请求；完成前请勿重复撤销"))
            else:
                self.say("error", self.tr("撤销未成功：") + getattr(e, "user_message", str(e)))

        label = self.tr("撤销结算 (2208)")
        return self._start(Op(self.runner, label,
                              lambda: self.svc.cancel(r.setl_id, r.mdtrt_id, r.psn_no, r.insuplc), kind="cancel")
                           .success(ok).failure(fail).late(lambda res, err: ok(res) if err is None else fail(err)))

    # deferred settlement (platform unreachable) --------------------------------------------------------
    def can_park(self) -> bool:
        return (self.session.store is not None and self.status.state == "offline" and not self.busy
                and self.state in (S.IDLE, S.IDENTIFIED, S.BILLED, S.PREVIEWED) and bool(self.items)
                and (self.flow.credential or self.last_cred) is not None)

    def park_now(self) -> Op | None:
        """The platform is unreachable: the patient pays in full now and takes a slip; the queue settles
        the bill when the platform is back and lists the refund of the insurance share."""
        if not self.can_park():
            if self.session.store is None:
                self.say("error", self.tr("未启用本地日志，不能登记补结算"))
            elif self.status.state != "offline":
                self.say("warn", self.tr("医保平台可用，请正常结算（F5 / F9）"))
            elif not self.items:
                self.say("warn", self.tr("请先录入费用"))
            else:
                self.say("warn", self.tr("请先刷卡或输入身份证号（平台离线时也需要凭证）"))
            return None
        cred = self.flow.credential or self.last_cred
        bill, person, insutype = self.bill(), self.flow.person, self.flow.insutype
        op_id = getattr(self.operator, "id", "")

        def ok(slip) -> None:
            self.slip = slip
            self.say("warn", slip.message)
            self.refresh_queue_count()
            QTimer.singleShot(300, self, lambda: self.print_slip(slip))
            self.next_patient()
            self.last_cred = None

        return self._start(Op(self.runner, self.tr("登记补结算"),
                              lambda: self.svc.park(cred, bill, person=person, insutype=insutype, operator=op_id),
                              kind="park").success(ok).failure(self._failed))

    def print_slip(self, slip) -> Op:
        p = self.cfg.printer
        pdf_dir = p.pdf_dir or str(self.cfg.data_dir / "receipts")

        def ok(where: str) -> None:
            self.receipt_printed.emit(where)

        return Op(self.runner, self.tr("打印补结算凭条"),
                  lambda: print_slip(slip, facility_name=self.cfg.facility.name, printer_name=p.name,
                                     pdf_dir=pdf_dir, training=self.session.training),
                  kind="print").success(ok).failure(
            lambda e: self.say("error", self.tr("打印失败：") + str(e))).run()

    # receipt ------------------------------------------------------------------------------------------
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
            self.say("ok", (self.tr("已重打结算单：") if reprint else self.tr("结算单已输出：")) + where)

        def fail(e: BaseException) -> None:
            self.say("error", self.tr("打印失败：") + str(e) + self.tr("；可在日志中重打"))

        # printing is not something the cashier waits on: run it without the busy overlay
        return Op(self.runner, self.tr("打印结算单"),
                  lambda: print_receipt(r, printer_name=p.name, pdf_dir=pdf_dir, reprint=reprint),
                  kind="print").success(ok).failure(fail).run()

    # errors / abandon / next ---------------------------------------------------------------------------
    def _failed(self, e: BaseException) -> None:
        msg = getattr(e, "user_message", None) or str(e)
        if isinstance(e, LookupError):
            msg = e.args[0] if e.args else str(e)
        if isinstance(e, TransportError) and self.session.store is not None and self.items:
            msg += self.tr("；平台持续不可用时可按 F11 离线挂账")
        self.say("error", msg)

    def abandon(self) -> None:
        op = self.current
        if op is None:
            return
        if op.kind == "settle":
            # the 2207 is out: never send another; resolve its outcome when the answer (or timeout) comes
            op.abandon()
            self.settle_detached = True
            self.current = None
            if self.state == S.SETTLING:
                self.flow.uncertain()
            self.reversal_state = "waiting"
            self.uncertain = None
            self.uncertain_error = ""
            self.say("warn", self.tr("已停止等待。结算结果将在平台应答后自动确认：成功则出票，超时则自动冲正。"
                                     "确认前不能接待下一位"))
            self.busy_changed.emit(None)
            self._emit()
            return
        op.abandon()
        self.current = None
        self.busy_changed.emit(None)
        self.say("info", self.tr("已放弃：") + op.label)
        self._emit()

    def escape(self) -> None:
        """Esc: abandon the wait, or go back one step, or (after a settlement) next patient."""
        if self.busy:
            self.abandon()
            return
        st = self.state
        if st == S.UNCERTAIN:
            self.say("error", self.tr("结算结果未知，冲正完成前不能离开本笔"))
        elif st == S.PREVIEWED:
            self.flow.billed(self.bill())
            self.say("info", self.tr("已返回账单"))
            self._emit()
        else:
            self.next_patient()

    def next_patient(self) -> None:
        if self.state in (S.SETTLING, S.UNCERTAIN):
            self.say("error", self.tr("结算结果未确认，不能接待下一位"))
            return
        self.flow.reset()
        self._reset_duplicate()
        self.items, self.bill_meta = [], {}
        self.visit, self._visit_key = None, None
        self.receipt = None
        self.uncertain, self.reversal_state, self.uncertain_error = None, "", ""
        self.reversal_outcome, self.platform_warns, self.cancel_result = "", [], None
        self.acct_used = True
        self._emit()


def _store_reversal_done(store: Any, omsgid: str) -> bool | None:
    for name in ("reversal_done", "is_reversed", "reversal_status"):
        fn = getattr(store, name, None)
        if callable(fn):
            try:
                v = fn(omsgid)
            except Exception:  # noqa: BLE001
                return None
            if isinstance(v, str):
                return v in ("done", "reversed", "ok")
            return bool(v)
    return None
