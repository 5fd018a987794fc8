"""The desk machine when the outcome is unknown: reversal through the queue or by the desk, retried; the cashier
stopping the wait (abandoned) and the answer arriving after that (late). A fake service, a step runner."""
from __future__ import annotations

import pytest

from terminal.core.desk_ports import FaultKind
from terminal.core.flow import OUTCOMES, TRANSITIONS, Outcome, Phase, State

from .desk_rig import CRED, Boom, Rig


@pytest.fixture
def rig() -> Rig:
    return Rig()


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
    (Boom(FaultKind.REFUSED, "就诊信息不存在"), State.REVERSED,
     "结算未成功（未记账）：就诊信息不存在。可按 F5 重新预结算"),
    (Boom(FaultKind.UNCERTAIN, "结算结果未知", omsgid="M1", reversal="reversed"), State.REVERSED,
     "已冲正（2601 成功）"),
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


def test_outcomes_stay_inside_the_state_table():
    for (src, _phase, _o), (dst, _dst_phase) in OUTCOMES.items():
        assert src == dst or dst in TRANSITIONS[src], (src, dst)
    assert (State.SETTLING, Phase.NONE, Outcome.ABANDONED) in OUTCOMES
    assert {o for (_s, p, o) in OUTCOMES if p == Phase.WAITING} == {
        Outcome.LATE_SETTLED, Outcome.LATE_REFUSED, Outcome.LATE_UNKNOWN}
