"""Leaving the desk and keys that used to do nothing (the reviewer's desk problems): a self-pay checkout nobody
paid anything of can be left; money taken or a settled bill still holds the desk. Desk rig: no thread, no Qt."""
from __future__ import annotations

from decimal import Decimal

from terminal.core.flow import State
from terminal.core.models import Credential, FeeItem, Insurance, Person

from .desk_rig import Rig

ITEM = FeeItem("H1", "N1", "阿莫西林胶囊", Decimal("15.00"), Decimal("2"))
OTHER = Credential("02", "450100199001011234")


def refused_rig() -> Rig:
    rig = Rig()
    rig.svc.identify = lambda cred: Person(psn_no="P9", psn_name="周国强",  # type: ignore[method-assign]
                                           insurances=[Insurance("310", psn_insu_stas="2")])
    rig.desk.identify(Credential("02", "440100198508080923"))
    rig.runner.finish("identify")
    assert rig.desk.add_item(ITEM)
    return rig


def test_an_untouched_self_pay_checkout_can_be_left_with_esc():
    rig = refused_rig()
    d = rig.desk
    assert d.self_pay_now() and d.till.due_open
    d.escape()  # the patient will not pay: Esc
    assert d.state == State.IDLE and d.till.tender is None and not d.till.self_pay
    assert any("已放弃自费收款 ¥30.00" in t for _, t in rig.view.messages)
    assert "2207" not in rig.svc.calls  # nothing went to the platform


def test_an_untouched_self_pay_checkout_gives_way_to_the_next_patient():
    rig = refused_rig()
    d = rig.desk
    assert d.self_pay_now()
    assert d.identify(OTHER) is not None  # F3 for the next person is not ignored
    assert d.till.tender is None
    rig.svc.identify = lambda cred: Person(psn_no="P2", psn_name="李四",  # type: ignore[method-assign]
                                           insurances=[Insurance("310")])
    rig.runner.finish("identify")
    assert d.person is not None and d.person.psn_no == "P2" and d.refused == "" and not d.till.due_open


def test_money_taken_on_a_self_pay_checkout_still_holds_the_desk_until_undone_or_finished():
    rig = refused_rig()
    d = rig.desk
    assert d.self_pay_now() and d.till.take("10.00")
    d.escape()
    assert d.state == State.BILLED and d.till.due_open and "自费收款未完成：还需收 ¥20.00" in rig.view.last
    assert d.identify(OTHER) is None
    assert d.till.undo()  # the cash goes back to the patient: nothing taken, the checkout may go
    d.next_patient()
    assert d.state == State.IDLE and d.till.tender is None


def test_a_settled_bill_is_still_collected_or_cancelled():
    rig = Rig()
    d = rig.previewed()
    d.settle_now()
    rig.runner.finish("settle")
    assert d.state == State.SETTLED and d.till.due_open
    d.escape()
    assert d.state == State.SETTLED and "或按 F10 撤销结算" in rig.view.last
    assert d.identify(OTHER) is None
