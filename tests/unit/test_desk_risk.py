"""The desk machine's fund-supervision step (core/desk_risk.py): 3101 before the pre-settlement uploads anything,
the cashier's continue / go-back per warning, 3103, then the pre-settlement goes on or the bill stays open."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from terminal.core.desk_ports import FaultKind
from terminal.core.desk_risk import encounter_id
from terminal.core.flow import State
from terminal.core.models import Bill, FeeItem, Person
from terminal.core.risk import CONTINUE, GO_BACK, Decision, RiskReview, Violation

from .desk_rig import Boom, Rig

V1 = Violation("JR1", "SBX-QTY-0001", "药品超单次限量", "奥美拉唑肠溶胶囊 开具数量 6 超过限量 4", "2", ("E-002",))
V2 = Violation("JR2", "SBX-LMT-0001", "限定支付范围", "复方丹参滴丸 限冠心病", "1", ("E-001",))


@dataclass
class FakeRisk:
    found: list[list[Violation]] = field(default_factory=list)
    feedback_error: Exception | None = None
    calls: list[str] = field(default_factory=list)
    sent: list[dict] = field(default_factory=list)

    def before_outpatient(self, person: Person, bill: Bill, insutype: str, insuplc: str, encounter: str
                          ) -> RiskReview:
        self.calls.append("3101")
        return RiskReview("1", "7", self.found.pop(0) if self.found else [],
                          lines={"E-001": (1, "复方丹参滴丸"), "E-002": (2, "奥美拉唑肠溶胶囊")})

    def feedback(self, review: RiskReview, insuplc: str = "") -> None:
        self.calls.append("3103")
        if self.feedback_error is not None:
            raise self.feedback_error
        self.sent.append(review.feedback())


@pytest.fixture
def rig() -> Rig:
    r = Rig()
    r.risk = FakeRisk()
    r.desk.risk = r.risk
    return r


def billed(rig: Rig):
    d = rig.identified()
    assert d.add_item(FeeItem("H1", "N1", "阿莫西林胶囊", Decimal("15.00"), Decimal("2")))
    return d


def test_no_warning_changes_nothing(rig):
    d = billed(rig)
    d.preview_now()
    rig.runner.finish("preview")
    assert d.state == State.PREVIEWED and rig.view.reviews == [] and d.risk_review is None
    assert rig.risk.calls == ["3101"] and rig.svc.calls == ["1101", "2201", "2206"]
    assert rig.view.last == "预结算完成，请核对金额后按 F9 结算"
    d.escape()  # back to the bill, same bill: 3101 already passed for it
    d.preview_now()
    rig.runner.finish("preview")
    assert rig.risk.calls == ["3101"]


def test_warnings_stop_before_anything_is_uploaded(rig):
    rig.risk.found = [[V1, V2]]
    d = billed(rig)
    d.preview_now()
    rig.runner.finish("preview")
    assert d.state == State.BILLED and d.preview is None and d.visit is None
    assert rig.svc.calls == ["1101"]  # no 2201 / 2204 / 2206
    assert rig.view.reviews == [d.risk_review] and d.risk_review.violations == [V1, V2]
    assert "2 条违规" in rig.view.last
    assert d.risk_review.where(V1) == "第2行 奥美拉唑肠溶胶囊"


def test_all_continued_goes_on_to_the_preview(rig):
    rig.risk.found = [[V1, V2]]
    d = billed(rig)
    d.preview_now()
    rig.runner.finish("preview")
    assert d.risk_decide([Decision.go_on("JR1", "医生确认：维持治疗"), Decision.go_on("JR2", "冠心病史")])
    rig.runner.finish("risk")
    assert rig.risk.sent == [{"warn_type": "1", "warns": [
        {"warn_rslt_id": "JR1", "dspo_way": CONTINUE, "dspo_way_rea": "医生确认：维持治疗"},
        {"warn_rslt_id": "JR2", "dspo_way": CONTINUE, "dspo_way_rea": "冠心病史"}]}]
    assert d.busy  # the pre-settlement started by itself
    rig.runner.finish("preview")
    assert d.state == State.PREVIEWED and rig.risk.calls == ["3101", "3103"]  # not asked again
    assert rig.svc.calls == ["1101", "2201", "2206"] and d.risk_review is None


def test_one_sent_back_returns_to_bill_editing(rig):
    rig.risk.found = [[V1, V2]]
    d = billed(rig)
    d.preview_now()
    rig.runner.finish("preview")
    d.risk_decide([Decision.go_on("JR1", "维持治疗"), Decision.go_back("JR2")])
    rig.runner.finish("risk")
    assert [w["dspo_way"] for w in rig.risk.sent[0]["warns"]] == [CONTINUE, GO_BACK]
    assert d.state == State.BILLED and not d.busy and d.can_edit_bill() and d.risk_review is None
    assert rig.svc.calls == ["1101"] and "返回修改" in rig.view.last
    # what to change: the one sent back
    assert "限定支付范围" in rig.view.last and "药品超单次限量" not in rig.view.last
    d.remove_item(0)  # the cashier changes the bill
    assert d.add_item(FeeItem("H2", "N2", "普通门诊诊查费", Decimal("10.00"), Decimal("1")))
    d.preview_now()  # a changed bill is analysed again
    rig.runner.finish("preview")
    assert rig.risk.calls == ["3101", "3103", "3101"] and d.state == State.PREVIEWED


def test_esc_sends_every_warning_back(rig):
    rig.risk.found = [[V1, V2]]
    d = billed(rig)
    d.preview_now()
    rig.runner.finish("preview")
    d.risk_go_back()
    rig.runner.finish("risk")
    assert [w["dspo_way"] for w in rig.risk.sent[0]["warns"]] == [GO_BACK, GO_BACK]
    assert d.state == State.BILLED and rig.svc.calls == ["1101"]


def test_continuing_needs_a_reason_and_every_warning_a_choice(rig):
    rig.risk.found = [[V1, V2]]
    d = billed(rig)
    d.preview_now()
    rig.runner.finish("preview")
    with pytest.raises(ValueError):
        Decision.go_on("JR1", "")
    assert d.risk_decide([Decision.go_on("JR1", "维持治疗")]) is None  # JR2 undecided
    assert rig.view.messages[-1][0] == "error" and rig.risk.calls == ["3101"]
    assert d.risk_review is not None  # still waiting for the choices


def test_a_failed_3103_asks_again_on_f5(rig):
    rig.risk.found = [[V1], [V1]]
    rig.risk.feedback_error = Boom(FaultKind.UNREACHABLE, "平台不可达")
    d = billed(rig)
    d.preview_now()
    rig.runner.finish("preview")
    d.risk_decide([Decision.go_on("JR1", "维持治疗")])
    rig.runner.finish("risk")
    assert "3103" in rig.view.last and "平台不可达" in rig.view.last and d.state == State.BILLED
    assert rig.svc.calls == ["1101"] and d.risk_review is None
    d.preview_now()
    rig.runner.finish("preview")
    assert rig.risk.calls == ["3101", "3103", "3101"] and d.risk_review is not None


def test_a_changed_bill_voids_the_review(rig):
    rig.risk.found = [[V1]]
    d = billed(rig)
    d.preview_now()
    rig.runner.finish("preview")
    d.set_qty(0, 3)
    assert d.risk_decide([Decision.go_on("JR1", "维持治疗")]) is None and "重新按 F5" in rig.view.last
    assert rig.risk.calls == ["3101"]


def test_next_patient_forgets_the_review(rig):
    rig.risk.found = [[V1]]
    d = billed(rig)
    d.preview_now()
    rig.runner.finish("preview")
    d.next_patient()
    assert d.risk_review is None and d.state == State.IDLE


def test_off_means_no_3101(rig):
    rig.desk.risk = None
    d = billed(rig)
    d.preview_now()
    rig.runner.finish("preview")
    assert d.state == State.PREVIEWED and rig.risk.calls == []


def test_encounter_id_is_the_bill_number_or_stable():
    items = [FeeItem("H1", "N1", "x", Decimal("1.00"), Decimal("1"))]
    assert encounter_id(Bill(items=items, bill_no="HIS123")) == "HIS123"
    a, b = encounter_id(Bill(items=items)), encounter_id(Bill(items=list(items)))
    assert a == b and a.startswith("MZ") and len(a) == 20


def test_a_violation_from_the_wire_keeps_the_platforms_texts_and_refuses_a_bad_amount():
    v = Violation.from_wire({"jr_id": "JR9", "rule_id": "R1", "rule_name": "规则", "vola_cont": "原文", "sev_deg": "9",
                             "vola_amt": Decimal("12.30"), "judge_result_detail_dtos": [{"rx_id": "E-001"}, {}]})
    assert (v.text, v.severity, v.amount, v.rx_ids) == ("原文", "9", Decimal("12.30"), ("E-001",))
    with pytest.raises(ValueError):
        Violation.from_wire({"jr_id": "JR9", "vola_amt": "1.234"})  # never rounded
    with pytest.raises(ValueError):
        Violation.from_wire({"rule_id": "R1"})  # no jr_id: nothing to answer
