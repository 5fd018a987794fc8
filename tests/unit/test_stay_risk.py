"""Fund supervision on the discharge desk's stay machine (core/stay_risk.py): 3102 on the fees about to go up,
3101 before 2303, the cashier's choices (3103), continue goes on from where it stopped, go back stops there."""
from __future__ import annotations

from terminal.core.risk import BEFORE, DURING, Decision, RiskReview, Violation
from terminal.core.stay import Phase

from .stay_fakes import ID_NO, FakeService, make


class RiskyService(FakeService):
    """The fake discharge service with the platform's analyses: ``found[warn_type]`` is what each finds (once)."""

    def __init__(self, found: dict[str, list[Violation]], risk_types=frozenset({BEFORE, DURING})) -> None:
        super().__init__()
        self.found = {k: list(v) for k, v in found.items()}
        self.risk_types = risk_types
        self.feedbacks: list[dict] = []

    def risk_check(self, adm_no: str, warn_type: str) -> RiskReview:
        self.calls.append(("3102" if warn_type == DURING else "3101", adm_no))
        return RiskReview(warn_type, "4" if warn_type == DURING else "9", self.found.pop(warn_type, []))

    def risk_feedback(self, review: RiskReview, adm_no: str) -> None:
        self.calls.append(("3103", adm_no))
        self.feedbacks.append(review.feedback())


def V(jr: str) -> Violation:
    return Violation(jr, "SBX-SEX-0001", "性别限定项目（限男性）", "前列腺特异性抗原测定(PSA) 限男性", "1", ("0001",))


def machine(found: dict[str, list[Violation]], **kw):
    m, _svc, view, run = make()
    svc = RiskyService(found, **kw)
    m._factory = lambda: svc
    shown: list[RiskReview] = []
    m.on_risk = shown.append
    s = svc.admit(ID_NO)
    assert m.find(s.adm_no)
    return m, svc, shown, s


def names(svc) -> list[str]:
    return [c[0] for c in svc.calls]


def test_no_warning_changes_nothing():
    m, svc, shown, s = machine({})
    assert m.preview() and m.phase == Phase.PREVIEWED
    assert names(svc) == ["3102", "upload", "3101", "preview"] and shown == []


def test_3102_warning_stops_before_the_upload_and_go_back_leaves_it_so():
    m, svc, shown, s = machine({DURING: [V("JR1")]})
    m.preview()
    assert m.phase == Phase.FOUND and names(svc) == ["3102"] and shown == [m.risk_review]
    assert "事中审核提示 1 条违规" in m.status
    assert m.risk_go_back()
    assert svc.feedbacks == [{"warn_type": "2", "warns": [{"warn_rslt_id": "JR1", "dspo_way": "2",
                                                           "dspo_way_rea": ""}]}]
    assert m.phase == Phase.FOUND and names(svc) == ["3102", "3103"] and m.risk_review is None
    assert svc.book.count_lines(s.adm_no, ("new",)) == 5  # nothing uploaded
    assert "返回修改" in m.status


def test_3101_warning_continued_goes_on_to_2303():
    m, svc, shown, s = machine({BEFORE: [V("JR7"), V("JR8")]})
    m.preview()
    assert m.phase == Phase.FOUND and names(svc) == ["3102", "upload", "3101"]
    assert shown[0].warn_type == BEFORE and len(shown[0].violations) == 2
    assert not m.decide_risk([Decision.go_on("JR7", "已核实")])  # JR8 has no choice: nothing sent
    assert names(svc)[-1] == "3101"
    assert m.decide_risk([Decision.go_on("JR7", "已核实"), Decision.go_on("JR8", "医嘱确认")])
    assert m.phase == Phase.PREVIEWED and names(svc) == ["3102", "upload", "3101", "3103", "preview"]
    assert [w["dspo_way"] for w in svc.feedbacks[0]["warns"]] == ["1", "1"] and svc.feedbacks[0]["warn_type"] == "1"
    m.choose_account(False)  # F5 again for the same lines: 3101 not asked again
    assert m.preview() and names(svc)[-2:] == ["preview", "preview"] and names(svc).count("3101") == 1


def test_3102_continued_then_3101_found():
    m, svc, shown, s = machine({DURING: [V("JR1")], BEFORE: [V("JR2")]})
    m.preview()
    m.decide_risk([Decision.go_on("JR1", "病情需要")])
    assert m.phase == Phase.FOUND and names(svc) == ["3102", "3103", "upload", "3101"]
    assert [r.warn_type for r in shown] == [DURING, BEFORE]
    m.decide_risk([Decision.go_on("JR2", "病情需要")])
    assert m.phase == Phase.PREVIEWED


def test_off_means_no_analysis():
    m, svc, shown, s = machine({BEFORE: [V("JR1")]}, risk_types=frozenset())
    assert m.preview() and m.phase == Phase.PREVIEWED and "3101" not in names(svc)


def test_next_patient_forgets_the_warnings():
    m, svc, shown, s = machine({BEFORE: [V("JR1")]})
    m.preview()
    assert m.clear() and m.risk_review is None and m.phase == Phase.EMPTY
