"""The outpatient desk machine (terminal.core.desk) on its own: a fake service, a step-by-step runner, no Qt.

The runner keeps each piece of work until the test lets it finish, so a test can press keys while a 2207 is
"out", stop waiting on it, and let its answer arrive late.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

import pytest

from terminal.core.desk import Desk
from terminal.core.desk_ports import Fault, FaultKind, PendingReversal, Work
from terminal.core.flow import OUTCOMES, TRANSITIONS, CashierFlow, IllegalTransition, Outcome, Phase, State
from terminal.core.models import Bill, Credential, FeeItem, Insurance, Person, Settlement, Visit
from terminal.core.money import Limits

CRED = Credential("02", "460100194603120132")


class FakeTask:
    def __init__(self, work: Work[Any]):
        self.work, self.kind, self.label = work, work.kind, work.label
        self.abandoned = False

    @property
    def elapsed(self) -> float:
        return 0.0

    def abandon(self) -> None:
        self.abandoned = True

    def complete(self) -> None:
        """Like ui.ops.Op: the continuation, or once abandoned the late one (or nothing)."""
        try:
            result, err = self.work.fn(), None
        except Exception as e:  # every outcome goes to a continuation, as in ui.ops.Op
            result, err = None, e
        if self.abandoned:
            if self.work.late is not None:
                self.work.late(result, err)
        elif err is not None:
            self.work.fail(err)
        else:
            self.work.ok(result)


class StepRunner:
    """The desk's Runner for tests: work waits until ``finish`` runs it, synchronously."""

    def __init__(self) -> None:
        self.pending: list[FakeTask] = []

    def run(self, work: Work[Any]) -> FakeTask:
        task = FakeTask(work)
        self.pending.append(task)
        return task

    def finish(self, kind: str = "") -> FakeTask:
        task = next(t for t in self.pending if not kind or t.kind == kind)
        self.pending.remove(task)
        task.complete()
        return task


class Boom(Exception):
    """A service error that says how the desk should judge it."""

    def __init__(self, kind: FaultKind, text: str = "平台拒绝", **kw: Any):
        super().__init__(text)
        self.kind, self.text, self.kw = kind, text, kw


def judge(err: BaseException) -> Fault:
    if isinstance(err, Boom):
        return Fault(err.kind, err.text, err, **err.kw)
    return Fault(FaultKind.OTHER, str(err), err)


def settlement(setl_id: str = "S1", cash: str = "12.50", sign: int = 1) -> Settlement:
    amounts = {"medfee_sumamt": Decimal("30.00"), "fund_pay_sumamt": Decimal("10.00"), "acct_pay": Decimal("7.50"),
               "psn_cash_pay": Decimal(cash)}
    return Settlement(amounts={k: v * sign for k, v in amounts.items()}, info={"setl_id": setl_id})


@dataclass
class FakeService:
    settles: list[Settlement | Exception] = field(default_factory=list)
    cancels: list[Settlement | Exception] = field(default_factory=list)
    identify_error: Exception | None = None
    duplicate: Exception | None = None  # what the guard raises without a confirmation or an override
    on_uncertain: Callable[..., bool] | None = None
    calls: list[str] = field(default_factory=list)
    guard_args: list[tuple[bool, object]] = field(default_factory=list)

    def identify(self, cred: Credential) -> Person:
        self.calls.append("1101")
        if self.identify_error is not None:
            raise self.identify_error
        return Person(psn_no="P1", psn_name="张三", insurances=[Insurance("310")])

    def check_duplicate(self, bill: Bill, psn_no: str = "", *, confirm_duplicate: bool = False,
                        override: object = None) -> None:
        self.guard_args.append((confirm_duplicate, override))
        if self.duplicate is not None and not confirm_duplicate and override is None:
            raise self.duplicate

    def open_visit(self, cred: Credential, person: Person, bill: Bill, insutype: str | None = None) -> Visit:
        self.calls.append("2201")
        return Visit(credential=cred, person=person, insutype=insutype or "", insuplc_admdvs="460100", bill=bill)

    def preview(self, visit: Visit, acct_used: bool | None = None) -> Settlement:
        self.calls.append("2206")
        return settlement()

    def settle(self, visit: Visit, msgid: str | None = None, *, confirm_duplicate: bool = False,
               override: object = None) -> Settlement:
        self.calls.append("2207")
        self.guard_args.append((confirm_duplicate, override))
        visit.settle_msgid = f"M{self.calls.count('2207')}"
        out = self.settles.pop(0) if self.settles else settlement()
        if isinstance(out, Exception):
            raise out
        return out

    def cancel(self, setl_id: str, mdtrt_id: str, psn_no: str, insuplc: str) -> Settlement:
        self.calls.append("2208")
        out = self.cancels.pop(0) if self.cancels else settlement(setl_id, sign=-1)
        if isinstance(out, Exception):
            raise out
        return out

    def park(self, cred: Credential, bill: Bill, *, person: Person | None = None, insutype: str = "",
             operator: str = "") -> FakeSlip:
        self.calls.append("park")
        return FakeSlip(park_id="K1", by=operator)


@dataclass
class FakeSlip:
    park_id: str
    by: str

    @property
    def message(self) -> str:
        return f"已登记补结算 {self.park_id}"


@dataclass
class FakeBook:
    reverses: list[str | Exception] = field(default_factory=list)
    resolution: str = ""
    reversals: list[PendingReversal] = field(default_factory=list)
    woken: int = 0

    def reverse(self, pr: PendingReversal) -> str:
        pr.attempts += 1
        out = self.reverses.pop(0)
        if isinstance(out, Exception):
            raise out
        return out

    def reversal_resolved(self, omsgid: str) -> str:
        return self.resolution

    def wake_queue(self) -> None:
        self.woken += 1


@dataclass
class FakeView:
    messages: list[tuple[str, str]] = field(default_factory=list)
    booked: list[Settlement] = field(default_factory=list)
    duplicates: list[BaseException] = field(default_factory=list)
    cancelled: list[object] = field(default_factory=list)
    parked_slips: list[object] = field(default_factory=list)
    retry_ms: int | None = None
    waiting_on: object = None

    def show(self, level: str, text: str) -> None:
        self.messages.append((level, text))

    def redraw(self) -> None:
        pass

    def waiting(self, task: object) -> None:
        self.waiting_on = task

    def refused_duplicate(self, err: BaseException) -> None:
        self.duplicates.append(err)

    def book(self, s: Settlement) -> None:
        self.booked.append(s)

    def booked_cancel(self, target: object) -> None:
        self.cancelled.append(target)

    def parked(self, slip: object) -> None:
        self.parked_slips.append(slip)

    def retry_reversal_in(self, ms: int) -> None:
        self.retry_ms = ms

    def stop_reversal_retry(self) -> None:
        self.retry_ms = None

    def recount_queue(self) -> None:
        pass

    @property
    def last(self) -> str:
        return self.messages[-1][1] if self.messages else ""


@dataclass(frozen=True)
class FakeOverride:
    supervisor: str
    reason: str


@dataclass
class Target:
    setl_id: str
    mdtrt_id: str = "MD1"
    psn_no: str = "P1"
    insuplc: str = "460100"
    status: str = "settled"


class Rig:
    def __init__(self, *, journal: bool = False) -> None:
        self.svc, self.book, self.runner, self.view = FakeService(), FakeBook(), StepRunner(), FakeView()
        self.desk = Desk(self.svc, self.book, self.runner, self.view, judge, limits=Limits(), journal=journal)

    def identified(self) -> Desk:
        self.desk.identify(CRED)
        self.runner.finish("identify")
        return self.desk

    def previewed(self) -> Desk:
        d = self.identified()
        assert d.add_item(FeeItem("H1", "N1", "阿莫西林胶囊", Decimal("15.00"), Decimal("2")))
        d.preview_now()
        self.runner.finish("preview")
        assert d.state == State.PREVIEWED
        return d


@pytest.fixture
def rig() -> Rig:
    return Rig()


def test_normal_path(rig):
    d = rig.identified()
    assert d.state == State.IDENTIFIED and d.flow.insutype == "310" and rig.view.last == "已识别参保人"
    d.add_item(FeeItem("H1", "N1", "阿莫西林胶囊", Decimal("15.00"), Decimal("2")))
    assert d.state == State.BILLED and d.bill_total == Decimal("30.00")
    assert d.preview_now() is not None and d.busy and rig.view.waiting_on is not None
    rig.runner.finish()
    assert d.state == State.PREVIEWED and not d.busy and rig.view.waiting_on is None
    d.settle_now()
    assert d.state == State.SETTLING
    rig.runner.finish()
    assert d.state == State.SETTLED and d.settlement is not None and d.settlement.setl_id == "S1"
    assert rig.view.booked == [d.settlement] and rig.view.last == "结算成功"
    assert rig.svc.calls == ["1101", "2201", "2206", "2207"]
    d.next_patient()
    assert d.state == State.IDLE and d.items == [] and d.person is None


def test_a_double_pressed_settle_key_sends_one_settlement(rig):
    d = rig.previewed()
    first = d.settle_now()
    assert first is not None
    assert d.settle_now() is None and rig.view.last == "正在结算，请勿重复操作"
    rig.runner.finish()
    assert d.settle_now() is None and rig.view.last == "本笔已结算或结果待定，不能重复结算"
    assert rig.svc.calls.count("2207") == 1 and d.settle_sends == 1 and d.settle_requests == 3


def test_refusal_goes_back_to_the_preview(rig):
    rig.svc.settles = [Boom(FaultKind.REFUSED, "个人账户余额不足")]
    d = rig.previewed()
    d.settle_now()
    rig.runner.finish()
    assert d.state == State.PREVIEWED and rig.view.last == "结算未成功：个人账户余额不足"
    assert rig.view.booked == [] and d.can_settle()
    d.settle_now()  # nothing was booked: settling again is allowed
    rig.runner.finish()
    assert d.state == State.SETTLED and rig.svc.calls.count("2207") == 2


def test_duplicate_bill_refused_then_overridden(rig):
    dup = Boom(FaultKind.DUPLICATE, "该账单已结算")
    rig.svc.duplicate = dup
    d = rig.identified()
    d.add_item(FeeItem("H1", "N1", "阿莫西林胶囊", Decimal("15.00"), Decimal("1")))
    d.preview_now()
    rig.runner.finish()
    assert d.state == State.BILLED and rig.view.duplicates == [dup] and d.dup_refused_at == "preview"
    assert "2201" not in rig.svc.calls  # refused before any platform work for the bill
    override = FakeOverride("S01", "患者重新就诊")
    assert d.grant_override(override) is not None  # the refused step runs again, with the override
    assert rig.view.last == "主管 S01 已授权重复结算（原因：患者重新就诊）"
    rig.runner.finish()
    assert d.state == State.PREVIEWED
    d.settle_now()
    rig.runner.finish()
    assert d.state == State.SETTLED and rig.svc.guard_args[-1] == (False, override)


def test_duplicate_suspected_at_settle_then_confirmed(rig):
    dup = Boom(FaultKind.DUPLICATE, "疑似重复结算")
    rig.svc.settles = [dup]
    d = rig.previewed()
    d.settle_now()
    rig.runner.finish()
    assert d.state == State.PREVIEWED and d.dup_refused_at == "settle" and rig.view.duplicates == [dup]
    assert d.confirm_duplicate() is not None  # the refused settle runs again
    assert d.state == State.SETTLING
    rig.runner.finish()
    assert d.state == State.SETTLED and rig.svc.guard_args[-1] == (True, None)
    d.next_patient()
    assert (d.dup_confirmed, d.dup_override, d.dup_refused_at) == (False, None, "")


def test_uncertain_is_queued_reversed_then_settled_anew(rig):
    rig.svc.on_uncertain = lambda *a: True  # the journal's queue owns the 2601
    rig.svc.settles = [Boom(FaultKind.UNCERTAIN, "结算结果未知", omsgid="M1")]
    d = rig.previewed()
    d.settle_now()
    rig.runner.finish()
    assert (d.state, d.reversal_state) == (State.UNCERTAIN, Phase.QUEUED)
    pr = d.reversal.pending
    assert pr is not None and pr.queued and pr.omsgid == "M1" and rig.book.reversals == [pr] and rig.book.woken == 1
    assert rig.view.retry_ms == 300 and "不要收取现金" in rig.view.last
    # nothing moves on while it is open
    assert d.settle_now() is None and d.identify(CRED) is None
    d.next_patient()
    d.escape()
    assert d.state == State.UNCERTAIN and rig.svc.calls.count("2207") == 1
    d.reversal.retry()  # the queue has not answered yet: look again later
    rig.runner.finish("poll")
    assert d.state == State.UNCERTAIN and rig.view.retry_ms == 500
    rig.book.resolution = "reversed"
    d.reversal.retry()
    rig.runner.finish("poll")
    assert (d.state, d.reversal.outcome) == (State.REVERSED, "reversed") and pr.done
    assert "已冲正（2601 成功）" in rig.view.last and rig.view.retry_ms is None
    d.preview_now()
    rig.runner.finish()
    d.settle_now()
    rig.runner.finish()
    assert d.state == State.SETTLED and rig.svc.calls.count("2207") == 2


def test_reversal_is_retried_until_it_gets_through(rig):
    rig.svc.settles = [Boom(FaultKind.UNKNOWN, "医保平台应答超时")]
    rig.book.reverses = [Boom(FaultKind.UNREACHABLE, "无法连接医保平台"), "not_booked"]
    d = rig.previewed()
    d.settle_now()
    rig.runner.finish()
    assert (d.state, d.reversal_state) == (State.UNCERTAIN, Phase.FAILED) and rig.view.retry_ms == 200
    assert d.reversal.pending is not None and d.reversal.pending.omsgid == "M1"  # the 2207's own message id
    assert d.reversal.retry() is not None and d.reversal_state == Phase.RUNNING
    d.abandon()  # the cashier stops waiting on the 2601: it is still out, so it is not sent again
    assert not d.busy and d.reversal.retry() is None
    rig.runner.finish("reverse")  # and its late outcome still counts
    assert d.reversal_state == Phase.FAILED and rig.view.last == "冲正未成功：无法连接医保平台；稍后自动重试"
    assert rig.view.retry_ms == d.retry_interval_ms
    d.reversal.retry()
    rig.runner.finish("reverse")
    assert (d.state, d.reversal.outcome) == (State.REVERSED, "not_booked") and "从未记账" in rig.view.last
    assert d.reversal.pending is not None and d.reversal.pending.attempts == 2


def test_late_answer_after_the_desk_gave_up_is_recorded_and_shown(rig):
    d = rig.previewed()
    d.settle_now()
    d.abandon()  # the cashier stops waiting: the 2207 is out
    assert (d.state, d.reversal_state) == (State.UNCERTAIN, Phase.WAITING) and not d.busy
    assert d.settle_op is not None and rig.view.waiting_on is None
    rig.runner.finish("settle")  # the answer arrives after all
    assert d.state == State.SETTLED and rig.view.booked == [d.settlement]
    assert ("ok", "平台已应答：结算成功") in rig.view.messages
    assert (State.UNCERTAIN, State.SETTLED) in d.flow.history and d.settle_op is None
    assert rig.svc.calls.count("2207") == 1


@pytest.mark.parametrize("late, state, text", [
    (Boom(FaultKind.REFUSED, "就诊信息不存在"), State.REVERSED, "结算未成功（未记账）：就诊信息不存在。可按 F5 重新预结算"),
    (Boom(FaultKind.UNCERTAIN, "结算结果未知", omsgid="M1", reversal="reversed"), State.REVERSED, "已冲正（2601 成功）"),
    (Boom(FaultKind.UNKNOWN, "医保平台应答超时"), State.UNCERTAIN, "冲正暂未成功，将自动重试"),
])
def test_abandoned_settlement_ends_by_its_late_outcome(rig, late, state, text):
    rig.svc.settles = [late]
    d = rig.previewed()
    d.settle_now()
    d.escape()  # Esc while the 2207 is out: stop waiting, never resend
    assert "已停止等待" in rig.view.last
    d.escape()  # and again: an open settlement cannot be left
    assert rig.view.last == "结算结果未知，冲正完成前不能离开本笔" and d.state == State.UNCERTAIN
    rig.runner.finish("settle")
    assert d.state == state and text in rig.view.last and rig.view.booked == []
    assert d.settle_sends == 1


def test_abandoning_other_work_drops_its_answer(rig):
    d = rig.desk
    d.identify(CRED)
    d.abandon()
    assert rig.view.last == "已放弃：查询参保信息 (1101)" and not d.busy
    rig.runner.finish()
    assert d.state == State.IDLE and d.person is None


def test_cancel_after_settlement(rig):
    d = rig.previewed()
    d.settle_now()
    rig.runner.finish()
    target = Target("S1")
    d.cancel_settlement(target, "S01")
    rig.runner.finish("cancel")
    assert d.state == State.CANCELLED and target.status == "cancelled" and rig.view.cancelled == [target]
    assert rig.view.last == "已撤销结算 S1（主管 S01）：退回个人账户 ¥7.50，退还现金 ¥12.50，基金 ¥10.00"
    assert d.cancel_settlement(target, "S01") is None and rig.view.last == "该笔已撤销"
    assert rig.svc.calls.count("2208") == 1


@pytest.mark.parametrize("err, level, text", [
    (Boom(FaultKind.QUEUED, "撤销结算 S1 已登记（队列 3）"), "warn", "撤销结算 S1 已登记（队列 3）"),
    (Boom(FaultKind.UNCERTAIN, "?", reversal="not_booked"), "error", "撤销结果未知；医保平台答复从未记账此撤销请求"),
    (Boom(FaultKind.REFUSED, "超过撤销期限"), "error", "撤销未成功：超过撤销期限"),
])
def test_cancel_that_does_not_go_through_leaves_the_settlement(rig, err, level, text):
    rig.svc.cancels = [err]
    d = rig.previewed()
    d.settle_now()
    rig.runner.finish()
    target = Target("S1")
    d.cancel_settlement(target, "S01")
    rig.runner.finish("cancel")
    assert d.state == State.SETTLED and target.status == "settled" and rig.view.cancelled == []
    assert rig.view.messages[-1][0] == level and rig.view.last.startswith(text)


def test_park_when_the_platform_is_unreachable():
    rig = Rig(journal=True)
    d = rig.desk
    rig.svc.identify_error = Boom(FaultKind.UNREACHABLE, "无法连接医保平台")
    d.add_item(FeeItem("H1", "N1", "阿莫西林胶囊", Decimal("15.00"), Decimal("1")))
    d.identify(CRED)
    rig.runner.finish()
    assert rig.view.last == "无法连接医保平台；平台持续不可用时可按 F11 离线挂账" and d.state == State.IDLE
    assert d.park_now(offline=False) is None and rig.view.last == "医保平台可用，请正常结算（F5 / F9）"
    assert d.can_park(offline=True)
    d.park_now(offline=True, operator="C01")
    rig.runner.finish("park")
    assert d.slip is not None and d.slip.park_id == "K1" and rig.view.parked_slips == [d.slip]
    assert d.state == State.IDLE and d.items == [] and d.last_cred is None and rig.svc.calls[-1] == "park"
    assert not Rig(journal=False).desk.can_park(offline=True)


def test_illegal_intents_are_refused(rig):
    d = rig.desk
    assert d.settle_now() is None and rig.view.last == "请先按 F5 预结算"
    assert d.preview_now() is None and rig.view.last.startswith("请先识别参保人")
    d = rig.previewed()
    d.settle_now()
    rig.runner.finish()
    assert not d.add_item(FeeItem("H2", "N2", "布洛芬", Decimal("1.00"), Decimal("1")))
    assert rig.view.last.startswith("本笔已结算或结果待定")
    with pytest.raises(IllegalTransition):
        d.flow.outcome(Outcome.LATE_SETTLED)  # an answer the desk never stopped waiting for
    with pytest.raises(IllegalTransition):
        d.flow.outcome(Outcome.REVERSED)  # nothing uncertain to reverse


def test_outcomes_stay_inside_the_state_table():
    for (src, _phase, _o), (dst, _dst_phase) in OUTCOMES.items():
        assert src == dst or dst in TRANSITIONS[src], (src, dst)
    assert (State.SETTLING, Phase.NONE, Outcome.ABANDONED) in OUTCOMES
    assert {o for (_s, p, o) in OUTCOMES if p == Phase.WAITING} == {
        Outcome.LATE_SETTLED, Outcome.LATE_REFUSED, Outcome.LATE_UNKNOWN}


def test_tender_is_where_issue_13_plugs_in():
    f = CashierFlow()
    f.identified(CRED, None)
    f.billed(None)
    f.previewed(settlement())
    f.begin_settle()
    f.settled(settlement())
    f.tender()
    with pytest.raises(IllegalTransition):
        f.reset()  # the cash share is not collected yet
    f.tendered()
    assert f.state == State.DONE
    f.reset()
    assert f.state == State.IDLE
