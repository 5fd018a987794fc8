"""The outpatient desk machine (terminal.core.desk) on its own: the normal path, the guards, the duplicate-bill
guard, cancel and park, against a fake service with a step-by-step runner (tests/unit/desk_rig.py)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.desk_ports import FaultKind
from terminal.core.flow import CashierFlow, IllegalTransition, Outcome, State
from terminal.core.models import FeeItem

from .desk_rig import CRED, Boom, FakeOverride, Rig, Target, settlement


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
    d.next_patient()  # refused: the cash share is still to be collected
    assert d.state == State.SETTLED and "尚未收款" in rig.view.last
    assert d.till.take()  # Enter: exact cash
    assert d.state == State.DONE
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
    d.till.take()
    d.next_patient()
    assert (d.dup_confirmed, d.dup_override, d.dup_refused_at) == (False, None, "")


def test_cancel_after_settlement(rig):
    d = rig.previewed()
    d.settle_now()
    rig.runner.finish()
    target = Target("S1")
    d.cancel_settlement(target, "S01")
    rig.runner.finish("cancel")
    assert d.state == State.CANCELLED and target.status == "cancelled" and rig.view.cancelled == [target]
    assert rig.view.last == ("已撤销结算 S1（主管 S01）：退回个人账户 ¥7.50，退还现金 ¥12.50，基金 ¥10.00"
                             "。本笔尚未收款，无需退还现金")  # cancelled before the tender: no cash to give back
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
