"""The desk machine's patient beyond the settlement (terminal.core.desk_patient, issue 13 §7), without Qt: the card
left in the reader, the refused patient and the self-pay hook, the parked bill shown until the next patient."""
from __future__ import annotations

from decimal import Decimal

from terminal.core.flow import State
from terminal.core.models import Credential, FeeItem, Insurance, Person

from .desk_rig import Rig

CARD = Credential("03", "J00000010", card_sn="450100D156000005000A")
ITEM = FeeItem("H1", "N1", "阿莫西林胶囊", Decimal("15.00"), Decimal("2"))


def test_the_card_left_in_the_reader_is_reminded_and_asked_about():
    rig = Rig()
    d = rig.desk
    d.identify(CARD)
    rig.runner.finish()
    assert d.state == State.IDENTIFIED and d.card_present is True
    d.next_patient()
    assert d.card_left == CARD and rig.view.last == "请取回社保卡（请提醒患者带走社保卡）"
    d.identify(CARD)  # the same card, never out of the reader
    rig.runner.finish()
    assert d.state == State.IDLE and d.person is None and len(rig.view.same_cards) == 1
    d.same_card_answer(False)
    assert d.state == State.IDLE and "请取回社保卡" in rig.view.last
    d.identify(CARD)
    rig.runner.finish()
    d.same_card_answer(True)
    assert d.state == State.IDENTIFIED and d.card_left is None
    # taken out: no reminder to ask about any more
    d.next_patient()
    d.card_removed()
    assert d.card_left is None
    d.identify(CARD)
    rig.runner.finish()
    assert d.state == State.IDENTIFIED and len(rig.view.same_cards) == 2


def test_no_reminder_for_an_id_number_or_a_card_already_out():
    rig = Rig()
    d = rig.identified()  # by ID number
    d.next_patient()
    assert d.card_left is None
    d.card_removed()
    d.identify(CARD)
    rig.runner.finish()
    d.card_removed()
    d.next_patient()
    assert d.card_left is None


def test_refused_patient_gets_the_next_step_and_self_pay_hands_over_the_bill():
    rig = Rig()
    rig.svc.identify = lambda cred: Person(psn_no="P9", psn_name="周国强",  # type: ignore[method-assign]
                                           insurances=[Insurance("310", psn_insu_stas="2")])
    d = rig.desk
    assert not d.self_pay_now()
    d.identify(Credential("02", "440100198508080923"))
    rig.runner.finish()
    assert d.refused.startswith("参保状态异常") and "Ctrl+F9 自费收款" in rig.view.last
    assert not d.self_pay_now() and "请先录入费用" in rig.view.last  # nothing to pay yet
    d.add_item(ITEM)
    assert d.self_pay_now()  # the till's self-pay checkout: the whole bill, no platform call
    assert d.till.self_pay and d.till.tender.due == Decimal("30.00") and d.person.psn_no == "P9"
    assert d.till.take("10.00") and not d.till.tender.complete
    d.next_patient()  # not once money was taken and the rest is still due
    assert d.refused != "" and "自费收款未完成" in rig.view.last
    assert d.till.take() and d.till.tender.complete
    d.next_patient()
    assert d.refused == ""


def test_parked_bill_stays_shown_until_the_next_patient():
    rig = Rig(journal=True)
    d = rig.identified()
    d.add_item(ITEM)
    d.park_now(offline=True, operator="C01")
    rig.runner.finish("park")
    assert d.state == State.IDLE and d.parked_shown is d.slip and d.slip.total == Decimal("30.00")
    assert "请全额收费 ¥30.00" in rig.view.last
    d.escape()
    assert d.parked_shown is None


def test_no_entitlement_refused_at_registration_gets_the_same_next_step():
    from terminal.core.desk_ports import FaultKind

    from .desk_rig import Boom

    rig = Rig()
    d = rig.identified()
    d.add_item(ITEM)

    def refuse(*_a, **_kw):
        raise Boom(FaultKind.REFUSED, "参保人险种 310 参保状态为终止参保，不能享受医保待遇，"
                                      "请按自费结算或请参保人联系参保地医保经办机构")

    rig.svc.open_visit = refuse  # type: ignore[method-assign]
    d.preview_now()
    rig.runner.finish()
    assert d.refused == "参保人险种 310 参保状态为终止参保（无医保待遇）"
    assert "Ctrl+F9 自费收款" in rig.view.last
    assert d.self_pay_now() and d.till.self_pay and d.till.tender.due == Decimal("30.00")
