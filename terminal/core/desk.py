"""The outpatient desk machine: every decision of the cashier's desk, with no Qt and no I/O.

The front-end (ui/controller.py) forwards the cashier's intents here and renders what the machine holds. The
machine moves along the tables of core/flow.py, asks for platform work as ``Work`` items that its ``Runner``
runs off its thread, and tells its ``DeskView`` what to show, record and print (core/desk_ports.py). Texts go
through ``tr`` (the front-end's translator, context "Desk"), Chinese first.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from .desk_base import FINISHED, BillKey, untranslated
from .desk_chronic import ChronicDesk
from .desk_precheck import Preflight
from .desk_risk import DeskRisk
from .desk_ports import (CancelTarget, DeskView, Fault, FaultKind, OutpatientService, Override, ReversalBook, Runner,
                         Slip, Task, Work)
from .desk_reversal import Reversal
from .desk_tender import Till
from .flow import Outcome, State
from .models import Credential, Person, Settlement, Visit
from .risk import RiskReview
from .money import Limits, fmt_yuan
from .refunds import refund_amounts

log = logging.getLogger(__name__)

S = State


class Desk(DeskRisk):
    """One cashier desk's decisions: the patient, the bill, the preview, the settlement, cancel and park.

    ``settle_now`` is the only way to a 2207 and sends at most one per preview; an unknown outcome goes to the
    reversal sub-machine (``self.reversal``, core/desk_reversal.py).
    """

    def __init__(self, service: OutpatientService, book: ReversalBook, runner: Runner, view: DeskView,
                 judge: Callable[[BaseException], Fault], *, limits: Limits, journal: bool,
                 translate: Callable[[str, str], str] = untranslated, retry_interval_ms: int = 15000):
        super().__init__(service, book, runner, view, judge, limits=limits, journal=journal, translate=translate,
                         retry_interval_ms=retry_interval_ms)
        self.reversal = Reversal(self)
        self.till = Till(self)  # the tender, refunds and self-pay (core/desk_tender.py)
        self.chronic = ChronicDesk(self)  # 门诊慢特病: the filings (5301) and the med_type 14 bill
        self.preflight = Preflight(self)  # 2001 + the filing once identified (core/desk_precheck.py)

    def _failed(self, err: BaseException) -> None:
        f = self.judge(err)
        text = f.text
        if f.kind is FaultKind.UNREACHABLE and self.journal and self.items:
            text += self.tr("；平台持续不可用时可按 F11 离线挂账")
        self.say("error", text)
        self.till.platform_refused(f)  # refused (no entitlement ...): self-pay (Ctrl+F9) is offered

    # identification -------------------------------------------------------------------------------
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
        if not self.till.may_leave():
            return False
        if self.state in FINISHED:
            self.next_patient()
        return True

    def identify(self, cred: Credential, label: str = "") -> Task | None:
        return self.identify_with(lambda: cred, label or self.tr("查询参保信息 (1101)"))

    def identify_with(self, fetch: Callable[[], Credential], label: str) -> Task | None:
        """1101 with the credential ``fetch`` gives (a card read or an e-code exchange runs in the work too)."""
        if not self._prepare_identify():
            return None

        def work() -> tuple[Credential, Person]:
            cred = fetch()
            self.last_cred = cred  # a plain attribute, read on the desk's thread after the work
            return cred, self.service.identify(cred)

        return self._start(Work(label, "identify", work, self._identified, self._failed))

    def _identified(self, result: tuple[Credential, Person]) -> None:
        cred, person = result
        if self.state in (S.SETTLING, S.UNCERTAIN):
            return
        if self._card_held(cred, person):
            return
        self._take_person(cred, person)

    def _take_person(self, cred: Credential, person: Person) -> None:
        self.parked_shown = None
        active = [i for i in person.insurances if i.active]
        if len(active) == 1:
            insutype = active[0].insutype
        elif not active and len(person.insurances) == 1:
            insutype = person.insurances[0].insutype
        else:
            insutype = ""
        self.visit, self._visit_key = None, None
        self.flow.identified(cred, person, insutype)
        self.till.refused_text = self.refused = ""  # a refusal was for whoever was on the desk before
        self._set_warns([person.warn_msg])
        self._reset_duplicate()
        if self.items:
            self.flow.billed(self.bill())
        if not insutype and len(active) > 1:
            self.say("warn", self.tr("该参保人有多个险种，请先选择险种"))
        elif active:
            self.say("ok", self.tr("已识别参保人"))
        else:
            ins = person.insurances[0] if person.insurances else None
            self._refuse(self.tr("参保状态异常：") + (self.translate("CodeNames", ins.status_name) if ins  # 暂停参保…
                                                     else self.tr("无参保信息")))
        self.chronic.lookup()
        self.preflight.start()

    def _bill_changed(self) -> None:
        super()._bill_changed()
        self.preflight.start()  # a bill of another med_type (Ctrl+M, a chronic bill loaded): asked again

    def can_preview(self) -> bool:
        return super().can_preview() and not self.refused

    def can_settle(self) -> bool:
        return super().can_settle() and not self.refused

    def _refused_step(self) -> bool:
        """F5 / F9 for a patient insurance refuses: say why and what to do instead (True: refused)."""
        if not self.refused:
            return False
        self.say("error", self.refused + self.tr("，不能医保结算。患者同意自费时按 Ctrl+F9 自费收款"))
        return True

    def choose_insurance(self, insutype: str) -> None:
        if self.state not in (S.IDENTIFIED, S.BILLED, S.PREVIEWED) or self.busy or insutype == self.flow.insutype:
            return
        self.flow.choose_insurance(insutype)
        self.preflight.start()
        self.view.redraw()

    def set_acct_used(self, used: bool) -> None:
        if used == self.acct_used:
            return
        self.acct_used = used
        if self.state == S.PREVIEWED and not self.busy:
            self.flow.billed(self.bill())  # the breakdown changes: preview again
        self.view.redraw()

    # preview ---------------------------------------------------------------------------------------------
    def preview_now(self) -> Task | None:
        if self.busy:
            self.say("warn", self.tr("请等待当前操作完成"))
            return None
        if self.state in (S.IDENTIFIED, S.BILLED, S.PREVIEWED, S.REVERSED) and self._refused_step():
            return None
        person, cred, bill = self.flow.person, self.flow.credential, self.bill()
        if self.state not in (S.BILLED, S.PREVIEWED, S.REVERSED) or person is None or cred is None or bill is None:
            if self.state == S.IDLE:
                self.say("warn", self.tr("请先识别参保人（F1 读卡 / F2 医保码 / F3 身份证号）"))
            elif self.state == S.IDENTIFIED:
                self.say("warn", self.tr("请先添加收费项目（F4）或载入账单"))
            else:
                self.say("warn", self.tr("当前状态不能预结算"))
            return None
        if not self.flow.insutype:
            self.say("warn", self.tr("请先选择险种"))
            return None
        insutype, acct, key = self.flow.insutype, self.acct_used, self._key()
        visit = self.visit if self._visit_key == key else None
        confirm, override = self.dup_confirmed, self.dup_override
        risk = self.risk_step(person, bill, insutype) if visit is None else None  # 3101 first (core/desk_risk.py)

        def work() -> tuple[Visit | None, BillKey, Settlement | RiskReview]:
            # a bill settles once: the guard's early read, before any platform work for this bill (2201...)
            self.service.check_duplicate(bill, person.psn_no, confirm_duplicate=confirm, override=override)
            if risk is not None:
                review = risk()
                if review.violations:  # the cashier decides before anything is uploaded
                    return None, key, review
            v = visit or self.service.open_visit(cred, person, bill, insutype)
            return v, key, self.service.preview(v, acct_used=acct)

        def ok(result: tuple[Visit | None, BillKey, Settlement | RiskReview]) -> None:
            v, k, s = result
            if self.state not in (S.BILLED, S.PREVIEWED, S.REVERSED) or self._key() != k:
                return  # the bill or patient changed meanwhile: this preview is stale
            if isinstance(s, RiskReview):
                self.risk_found(s)
                return
            if risk is not None:
                self.risk_passed()
            assert v is not None
            self.visit, self._visit_key = v, k
            self.flow.previewed(s)
            self._set_warns(v.warn_msgs or [s.warn_msg])
            self.say("ok", self.tr("预结算完成，请核对金额后按 F9 结算"))

        def fail(err: BaseException) -> None:
            f = self.judge(err)
            if f.kind is FaultKind.DUPLICATE:
                self._duplicate_refused(f, "preview")
            elif f.kind is FaultKind.REFUSED and "不能享受医保待遇" in f.text:
                self._refuse(f.text.split("，不能享受医保待遇")[0] + self.tr("（无医保待遇）"))
            else:
                self._failed(err)

        return self._start(Work(self.tr("上传费用并预结算 (2201/2204/2206)"), "preview", work, ok, fail))

    # duplicate-bill guard ---------------------------------------------------------------------------------
    def _duplicate_refused(self, f: Fault, step: str) -> None:
        """Nothing was sent: tell the cashier, and let the window show the earlier settlement."""
        self.dup_refused_at = step
        self.say("error", f.text)
        self.view.refused_duplicate(f.error)
        self.view.redraw()

    def grant_override(self, override: Override) -> Task | None:
        """A supervisor allows one more settlement of a bill already settled (the reason goes to the journal
        with the 2207 it lets through); the refused step runs again."""
        self.dup_override = override
        self.say("warn", self.tr("主管 %1 已授权重复结算（原因：%2）").replace("%1", override.supervisor)
                 .replace("%2", override.reason))
        return self._after_duplicate()

    def confirm_duplicate(self) -> Task | None:
        """The cashier confirmed that the identical bill is another bill: the refused step runs again."""
        self.dup_confirmed = True
        return self._after_duplicate()

    def _after_duplicate(self) -> Task | None:
        step, self.dup_refused_at = self.dup_refused_at, ""
        if step == "settle" and self.state == S.PREVIEWED:
            return self.settle_now()
        if self.state in (S.BILLED, S.PREVIEWED, S.REVERSED):
            return self.preview_now()
        return None

    # settle ----------------------------------------------------------------------------------------------
    def settle_now(self) -> Task | None:
        """F9. CashierFlow.begin_settle is the gate: a second press can never send a second 2207."""
        self.settle_requests += 1
        if self.current is not None:
            if self.current.kind == "settle":
                self.say("warn", self.tr("正在结算，请勿重复操作"))
            else:
                self.say("warn", self.tr("请等待当前操作完成"))
            return None
        if self.state in (S.SETTLING, S.SETTLED, S.TENDER, S.DONE, S.UNCERTAIN):
            self.say("warn", self.tr("本笔已结算或结果待定，不能重复结算"))
            return None
        if self.state in (S.IDENTIFIED, S.BILLED, S.PREVIEWED, S.REVERSED) and self._refused_step():
            return None
        if self.state == S.REVERSED:
            self.say("warn", self.tr("已冲正，请先按 F5 重新预结算"))
            return None
        visit = self.visit
        if visit is None or self.flow.preview is None or self._visit_key != self._key() or \
                not self.flow.begin_settle():
            self.say("warn", self.tr("请先按 F5 预结算"))
            return None
        self.settle_sends += 1
        confirm, override = self.dup_confirmed, self.dup_override
        self.settle_op = self._start(Work(
            self.tr("结算 (2207)"), "settle",
            lambda: self.service.settle(visit, confirm_duplicate=confirm, override=override),
            self._settle_ok, self._settle_failed, self._settle_late))
        return self.settle_op

    def _settle_ok(self, s: Settlement, outcome: Outcome = Outcome.SETTLED) -> None:
        self.settle_op = None
        self.flow.settled(s, outcome)
        self.reversal.pending = None
        self._set_warns((self.visit.warn_msgs if self.visit is not None else []) + [s.warn_msg])
        self.view.book(s)
        self.say("ok", self.tr("结算成功"))
        self.till.open_for_settlement(s.psn_cash_pay)

    def _settle_failed(self, err: BaseException) -> None:
        self.settle_op = None
        f = self.judge(err)
        if f.kind is FaultKind.DUPLICATE:  # refused before anything was sent
            self.flow.refused()
            self._duplicate_refused(f, "settle")
        elif f.kind in (FaultKind.UNCERTAIN, FaultKind.UNKNOWN):
            self.reversal.went_uncertain(f)
        elif f.kind is FaultKind.OTHER and self._sent():
            # something unexpected after the 2207 was prepared: treat as unknown, never re-send
            log.error("unexpected settle failure", exc_info=err)
            self.reversal.went_uncertain(f)
        else:
            self.flow.refused()
            self.say("error", self.tr("结算未成功：") + f.text)

    def _settle_late(self, result: Settlement | None, error: BaseException | None) -> None:
        """The cashier stopped waiting; the platform's answer (or its absence) arrives now."""
        self.settle_op = None
        if error is None and result is not None:
            self._settle_ok(result, Outcome.LATE_SETTLED)
            self.say("ok", self.tr("平台已应答：结算成功"))
        elif error is not None:
            f = self.judge(error)
            if f.kind in (FaultKind.UNCERTAIN, FaultKind.UNKNOWN) or (f.kind is FaultKind.OTHER and self._sent()):
                self.flow.outcome(Outcome.LATE_UNKNOWN)
                self.reversal.went_uncertain(f)
            else:  # refused, or never sent: nothing was booked
                self.reversal.pending = None
                self.flow.outcome(Outcome.LATE_REFUSED)
                self.say("warn", self.tr("结算未成功（未记账）：") + f.text + self.tr("。可按 F5 重新预结算"))
        self.view.redraw()

    # cancel (2208) -------------------------------------------------------------------------------------
    def refund_text(self, s: Settlement) -> str:
        """What a cancellation (2208 answer, negative amounts) gave back: 退回个人账户 ¥x，退还现金 ¥y，基金 ¥z."""
        r = refund_amounts(s)
        text = self.tr("退回个人账户 %1，退还现金 %2，基金 %3").replace("%1", fmt_yuan(r["acct_pay"])) \
            .replace("%2", fmt_yuan(r["psn_cash_pay"])).replace("%3", fmt_yuan(r["fund_pay_sumamt"]))
        if "hosp_part_amt" in r:
            text += self.tr("，医院负担 ") + fmt_yuan(r["hosp_part_amt"])
        return text

    def cancel_settlement(self, target: CancelTarget, supervisor_id: str, reason: str = "") -> Task | None:
        if self.busy:
            self.say("warn", self.tr("请等待当前操作完成"))
            return None
        if target.status == "cancelled":
            self.say("warn", self.tr("该笔已撤销"))
            return None

        def ok(s: Settlement) -> None:
            target.status = "cancelled"
            self.cancel_result = s
            now = self.flow.settlement
            current = self.state in (S.SETTLED, S.TENDER, S.DONE) and now is not None and now.setl_id == target.setl_id
            if current:
                self.flow.cancelled()
            if s.warn_msg:
                self._set_warns([s.warn_msg])
            self.view.booked_cancel(target)
            self.say("ok", self.tr("已撤销结算 ") + target.setl_id + self.tr("（主管 ") + supervisor_id + "）：" +
                     self.refund_text(s))
            self.till.after_cancel(target, s, current, supervisor_id, reason)

        def fail(err: BaseException) -> None:
            f = self.judge(err)
            if f.kind is FaultKind.QUEUED:
                self.say("warn", f.text)
            elif f.kind is FaultKind.UNCERTAIN and f.reversal == "not_booked":
                self.say("error", self.tr("撤销结果未知；医保平台答复从未记账此撤销请求，原结算仍有效、未退款；"
                                          "可重试撤销"))
            elif f.kind is FaultKind.UNCERTAIN and f.reversal:
                self.say("error", self.tr("撤销结果未知，已冲正撤销请求（2601 成功），原结算仍有效、未退款；"
                                          "可重试撤销"))
            elif f.kind is FaultKind.UNCERTAIN:
                self.say("error", self.tr("撤销结果未知，正在冲正撤销请求；完成前请勿重复撤销"))
            else:
                self.say("error", self.tr("撤销未成功：") + f.text)

        def late(result: Settlement | None, err: BaseException | None) -> None:
            if err is not None:
                fail(err)
            elif result is not None:
                ok(result)
            self.view.redraw()

        return self._start(Work(self.tr("撤销结算 (2208)"), "cancel",
                                lambda: self.service.cancel(target.setl_id, target.mdtrt_id, target.psn_no,
                                                            target.insuplc), ok, fail, late))

    # deferred settlement (platform unreachable) --------------------------------------------------------
    def park_now(self, offline: bool, operator: str = "") -> Task | None:
        """The platform is unreachable: the patient pays in full now and takes a slip; the queue settles
        the bill when the platform is back and lists the refund of the insurance share."""
        cred, bill = self.flow.credential or self.last_cred, self.bill()
        if not self.can_park(offline) or cred is None or bill is None:
            if not self.journal:
                self.say("error", self.tr("未启用本地日志，不能登记补结算"))
            elif not offline:
                self.say("warn", self.tr("医保平台可用，请正常结算（F5 / F9）"))
            elif not self.items:
                self.say("warn", self.tr("请先录入费用"))
            else:
                self.say("warn", self.tr("请先刷卡或输入身份证号（平台离线时也需要凭证）"))
            return None
        person, insutype = self.flow.person, self.flow.insutype

        def ok(slip: Slip) -> None:
            self.slip = slip
            self.view.parked(slip)
            self.next_patient()
            self.last_cred = None
            self.parked_shown = slip  # the full amount stays on the window and the display until the next patient
            self.say("warn", self.tr("请全额收费 %1（医保平台不可用，已登记补结算 %2）；"
                                     "平台恢复后医保支付部分退还患者。Esc 下一位")
                     .replace("%1", fmt_yuan(slip.total)).replace("%2", slip.park_id))

        return self._start(Work(self.tr("登记补结算"), "park",
                                lambda: self.service.park(cred, bill, person=person, insutype=insutype,
                                                          operator=operator), ok, self._failed))

    # abandon / back / next ------------------------------------------------------------------------------
    def abandon(self) -> None:
        task = self.current
        if task is None:
            return
        task.abandon()
        self._waited = self.current = None
        self.view.waiting(None)
        if task.kind == "settle":
            # the 2207 is out: never send another; resolve its outcome when the answer (or timeout) comes
            if self.state == S.SETTLING:
                self.flow.outcome(Outcome.ABANDONED)
            self.reversal.pending, self.reversal.error = None, ""
            self.say("warn", self.tr("已停止等待。结算结果将在平台应答后自动确认：成功则出票，超时则自动冲正。"
                                     "确认前不能接待下一位"))
        else:
            self.say("info", self.tr("已放弃：") + task.label)
        self.view.redraw()

    def escape(self) -> None:
        """Esc: abandon the wait, or go back one step, or (after a settlement) next patient."""
        if self.busy:
            self.abandon()
        elif self.state == S.UNCERTAIN:
            self.say("error", self.tr("结算结果未知，冲正完成前不能离开本笔"))
        elif self.state == S.PREVIEWED:
            self.flow.billed(self.bill())
            self.say("info", self.tr("已返回账单"))
            self.view.redraw()
        else:
            self.next_patient()

    def next_patient(self) -> None:
        if self.state in (S.SETTLING, S.UNCERTAIN):
            self.say("error", self.tr("结算结果未确认，不能接待下一位"))
            return
        if not self.till.may_leave():
            return
        self.till.reset()
        self.chronic.reset()
        self._reset_duplicate()
        self.risk_reset()
        self.items, self.bill_meta = [], {}
        self.visit, self._visit_key = None, None
        r = self.reversal
        r.pending, r.error, r.outcome = None, "", ""
        self.platform_warns, self.cancel_result = [], None
        self.acct_used = True
        self.parked_shown, self.refused, self._same_card = None, "", None
        self.preflight.reset()
        cred = self.flow.credential
        self.flow.reset()
        self._remind_card(cred)
        self.view.redraw()
