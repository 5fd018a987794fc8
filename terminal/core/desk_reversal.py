"""The uncertain settlement's way back to a known outcome: the desk's uncertain/reversal sub-machine.

A 2207 without a valid answer may be booked. It is never sent again: the journal's durable queue (or, without
it, the desk itself) sends the 2601, and the desk stays in UNCERTAIN, moving through the phases of
flow.OUTCOMES (queued, running, failed), until the platform says it reversed it or never booked it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .desk_ports import Fault, FaultKind, PendingReversal, Task, Work
from .flow import Outcome, Phase, State

if TYPE_CHECKING:
    from .desk_base import DeskCore

S, P = State, Phase


class Reversal:
    def __init__(self, desk: DeskCore):
        self.desk = desk
        self.pending: PendingReversal | None = None
        self.error = ""  # why the outcome is unknown, as the cashier reads it
        #: how the last uncertain settlement ended: 'reversed' (taken back) or 'not_booked' (never booked)
        self.outcome = ""
        self._polling = False

    def tr(self, text: str) -> str:
        return self.desk.translate("Reversal", text)

    def went_uncertain(self, f: Fault) -> None:
        """The 2207's outcome is unknown (``f`` says why): reverse it, through the queue when it can."""
        d = self.desk
        if d.state == S.SETTLING:
            d.flow.uncertain()
        v = d.visit
        told = f.kind is FaultKind.UNCERTAIN  # the service judged it and began the reversal
        pr = PendingReversal(psn_no=v.person.psn_no if v else "", insuplc=v.insuplc_admdvs if v else "",
                             omsgid=f.omsgid if told else (v.settle_msgid if v else ""),
                             oinfno=str(getattr(d.service, "settle_infno", "2207")))
        self.pending, self.error = pr, f.text
        if told and f.reversal:
            pr.done = True
            self.reversed(f.reversal)
            return
        d.book.reversals.append(pr)
        d.view.recount_queue()
        if told and f.reversal_error is None and d.service.on_uncertain is not None:
            pr.queued = True  # the journal's durable queue owns the 2601
            d.flow.outcome(Outcome.QUEUED)
            d.book.wake_queue()
            d.say("error", self.tr("结算结果未知，正在冲正（2601）；冲正完成前不要重复结算，也不要收取现金"))
            d.view.retry_reversal_in(300)
        else:
            d.flow.outcome(Outcome.REVERSAL_FAILED)
            if f.reversal_error is not None:
                pr.last_error = f.reversal_error
            d.say("error", self.tr("结算结果未知，冲正暂未成功，将自动重试；冲正完成前不要重复结算"))
            d.view.retry_reversal_in(d.retry_interval_ms if told else 200)

    def text(self, outcome: str) -> str:
        if outcome == "not_booked":
            return self.tr("医保平台答复从未记账此笔结算（2601：原交易不存在）：未产生任何费用、未扣款，无需冲正；"
                           "不要收取现金。请按 F5 重新预结算后再结算")
        return self.tr("结算结果未知，已冲正（2601 成功）：平台已撤回此笔结算，未扣款；不要收取现金。"
                       "请按 F5 重新预结算后再结算")

    def reversed(self, outcome: str) -> None:
        """The 2601 succeeded ('reversed') or the platform never booked the 2207 ('not_booked')."""
        d = self.desk
        d.view.stop_reversal_retry()
        d.view.recount_queue()
        if d.state == S.UNCERTAIN:
            d.flow.reversed()
        self.outcome = outcome or "reversed"
        if self.pending:
            self.pending.done = True
            self.pending.outcome = self.outcome
        d.say("warn", self.text(outcome))
        d.view.redraw()

    def queue_changed(self) -> None:
        """The store's worker finished something: look again at a queued reversal."""
        if self.desk.state == S.UNCERTAIN and self.pending is not None and self.pending.queued:
            self.desk.view.retry_reversal_in(0)

    def retry(self) -> Task | None:
        """Resolve the uncertain settlement: watch the store's queue, or send the 2601 ourselves."""
        d, pr = self.desk, self.pending
        if d.state != S.UNCERTAIN or pr is None or pr.done or d.reversal_state == P.RUNNING or self._polling:
            return None
        if pr.queued and d.reversal_state == P.QUEUED:
            self._poll_queue(pr)
            return None
        if d.busy:
            d.view.retry_reversal_in(2000)
            return None
        d.flow.outcome(Outcome.REVERSING)

        def ok(outcome: str) -> None:
            if outcome:
                self.reversed(outcome)
            else:
                d.flow.outcome(Outcome.REVERSAL_FAILED)
                d.view.retry_reversal_in(d.retry_interval_ms)

        def fail(err: BaseException) -> None:
            d.flow.outcome(Outcome.REVERSAL_FAILED)
            pr.last_error = d.judge(err).text
            d.say("error", self.tr("冲正未成功：") + pr.last_error + self.tr("；稍后自动重试"))
            d.view.retry_reversal_in(d.retry_interval_ms)

        def late(outcome: str | None, err: BaseException | None) -> None:  # the cashier stopped waiting on it
            if err is None:
                ok(outcome or "")
            else:
                fail(err)
            d.view.redraw()

        return d._start(Work(self.tr("冲正 (2601)"), "reverse", lambda: d.book.reverse(pr), ok, fail, late))

    def _poll_queue(self, pr: PendingReversal) -> None:
        """The journal's queue sends the 2601: read how it ended (off the desk's thread)."""
        d = self.desk
        self._polling = True

        def seen(res: str) -> None:
            self._polling = False
            if d.state != S.UNCERTAIN or self.pending is not pr:
                return
            if res in ("reversed", "not_booked"):
                self.reversed(res)
            elif res.startswith("failed"):
                d.flow.outcome(Outcome.REVERSAL_FAILED)
                pr.last_error = res.partition(":")[2].strip()
                d.say("error", self.tr("冲正被平台拒绝：") + pr.last_error +
                      self.tr("。请联系医保经办机构核实，或点“立即重试冲正”"))
                d.view.redraw()
            else:
                d.view.retry_reversal_in(500)

        def unseen(_err: BaseException) -> None:
            self._polling = False
            d.view.retry_reversal_in(2000)

        d.runner.run(Work("poll", "poll", lambda: d.book.reversal_resolved(pr.omsgid), seen, unseen))
