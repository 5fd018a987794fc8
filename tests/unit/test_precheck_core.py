"""The pre-flight's verdict (core/precheck.py) and the desk's Preflight (core/desk_precheck.py) with the desk rig:
no thread, no Qt, no socket."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.desk_precheck import Preflight
from terminal.core.flow import State
from terminal.core.models import FeeItem, Insurance, Person
from terminal.core.precheck import Benefit, FilingRecord, FilingState, Precheck, judge_filing
from tests.unit.desk_rig import Boom, FaultKind, Rig

GX = FilingRecord(insutype="390", mdtrtarea_admvs="450000", begndate="2025-01-01", enddate="2025-06-30",
                  filing_no="BA1", filing_type="临时外出就医人员")


@pytest.mark.parametrize("records, day, state", [
    ([], "2026-01-01", FilingState.MISSING),
    ([GX], "2025-03-01", FilingState.FILED),
    ([GX], "2026-01-01", FilingState.EXPIRED),
    ([GX], "2024-12-31", FilingState.NOT_YET),
    ([FilingRecord("390", "320000")], "2026-01-01", FilingState.ELSEWHERE),
    ([FilingRecord("310", "450000")], "2026-01-01", FilingState.MISSING),  # another insurance type's filing
    ([FilingRecord("390", "450100")], "2026-01-01", FilingState.FILED),  # the city itself
    ([FilingRecord("390", "450200")], "2026-01-01", FilingState.ELSEWHERE),  # another city of the province
    ([GX, FilingRecord("390", "450000", "2025-07-01")], "2026-01-01", FilingState.FILED),  # renewed
])
def test_judge_filing(records, day, state):
    v = judge_filing(records, insutype="390", insuplc="520100", area="450100", day=day)
    assert v.state is state and v.ok == (state is FilingState.FILED)


def test_same_province_needs_no_filing():
    assert judge_filing([], insutype="310", insuplc="450100", area="450200", day="2026-01-01").state \
        is FilingState.NOT_NEEDED


def test_benefit_flag_is_strict():
    assert Benefit.from_wire({"fund_pay_type": "310100", "trt_enjymnt_flag": "1"}).enjoyed
    with pytest.raises(ValueError, match="trt_enjymnt_flag"):
        Benefit.from_wire({"fund_pay_type": "310100", "trt_enjymnt_flag": "Y"})


def test_verdict_and_reasons_as_sent():
    no = Benefit("390100", False, result="参保状态为暂停参保")
    pc = Precheck("P1", "390", "520100", "450100", benefits=[no, Benefit("390200", False, result="参保状态为暂停参保")])
    assert pc.reimbursable is False and pc.reasons == ["参保状态为暂停参保"]  # once each
    pc.filing = judge_filing([GX], insutype="390", insuplc="520100", area="450100", day="2026-01-01")
    assert pc.reasons[-1].startswith("备案已过期：广西壮族自治区 2025-01-01 至 2025-06-30")
    ok = Precheck("P1", "390", "520100", "450100", benefits=[Benefit("390100", True)])
    assert ok.reimbursable is True and ok.summary() == "可报销"
    empty = Precheck("P1", "390", "520100", "450100", benefits=[])
    assert empty.reimbursable is False and empty.reasons == ["平台未返回可享受的待遇"]
    unknown = Precheck("P1", "390", "520100", "450100", problems=["待遇检查(2001)未完成：超时"])
    assert unknown.reimbursable is None and unknown.summary().startswith("待遇未核实")


def verdict(ok: bool) -> Precheck:
    return Precheck("P1", "310", "460100", "450100",
                    benefits=[Benefit("310100", ok, result="" if ok else "参保人未办理异地就医备案（…）")])


def rig_with(check) -> Rig:
    r = Rig()
    r.desk.preflight.check = check
    return r


def test_desk_asks_once_identified_in_the_background():
    asked = []
    r = rig_with(lambda p, t, m: asked.append((p.psn_no, t, m)) or verdict(True))
    d = r.identified()
    assert not d.busy and d.preflight.running and d.preflight.line()[0] == "wait"  # the cashier never waits on it
    assert d.add_item(FeeItem("H1", "N1", "阿莫西林胶囊", Decimal("15.00"), Decimal("2")))  # and goes on
    r.runner.finish("precheck")
    assert asked == [("P1", "310", "11")]
    assert d.preflight.line()[0] == "ok" and d.refused == ""
    d.choose_insurance("310")  # the same person and insurance: not asked again
    assert not [t for t in r.runner.pending if t.kind == "precheck"]


def test_refused_preflight_makes_self_pay_the_next_step():
    r = rig_with(lambda p, t, m: verdict(False))
    d = r.identified()
    assert d.add_item(FeeItem("H1", "N1", "阿莫西林胶囊", Decimal("15.00"), Decimal("2")))
    r.runner.finish("precheck")
    kind, text = d.preflight.line()
    assert kind == "bad" and "参保人未办理异地就医备案" in text
    assert d.refused.startswith("医保待遇检查不可报销：") and "Ctrl+F9 自费收款" in r.view.last
    assert d.till.can_self_pay()
    d.next_patient()
    assert d.preflight.result is None and d.preflight.line() == ("", "")


def test_stale_or_failed_preflight_refuses_nobody():
    r = rig_with(lambda p, t, m: verdict(False))
    d = r.identified()
    d.next_patient()  # the patient left before the answer
    r.runner.finish("precheck")
    assert d.refused == "" and d.preflight.result is None and d.state == State.IDLE

    def boom(p, t, m):
        raise Boom(FaultKind.UNREACHABLE, "医保平台无法连接")

    r = rig_with(boom)
    d = r.identified()
    r.runner.finish("precheck")
    assert d.preflight.line() == ("warn", "待遇未核实：医保平台无法连接") and d.refused == ""


def test_no_check_configured_asks_nothing():
    r = Rig()
    d = r.identified()
    assert isinstance(d.preflight, Preflight) and d.preflight.check is None
    assert not r.runner.pending and d.preflight.line() == ("", "")


def test_a_refusal_after_f5_stops_f9_and_f5_and_points_to_self_pay():
    r = rig_with(lambda p, t, m: verdict(False))
    d = r.previewed()  # F5 answered before the pre-flight did
    r.runner.finish("precheck")
    assert d.refused.startswith("医保待遇检查不可报销")
    assert d.state == State.BILLED and not d.can_settle() and not d.can_preview()  # the preview goes
    assert d.settle_now() is None and "Ctrl+F9 自费收款" in r.view.last and "2207" not in r.svc.calls
    assert d.preview_now() is None and "Ctrl+F9 自费收款" in r.view.last
    assert r.svc.calls.count("2206") == 1 and not r.runner.pending
    assert d.till.can_self_pay()


def test_settle_refused_while_previewed_and_refused():
    r = Rig()
    d = r.previewed()
    d._refuse("参保状态异常：暂停参保")  # a refusal the desk holds while the preview is on the screen
    assert d.state == State.PREVIEWED
    assert d.settle_now() is None and "Ctrl+F9" in r.view.last and "2207" not in r.svc.calls


def test_preflight_is_asked_again_for_another_insurance_type_or_med_type_and_lifts_its_own_refusal():
    asked = []
    answers = {"11": False, "14": True}

    def check(p, t, m):
        asked.append((t, m))
        return verdict(answers[m])

    r = rig_with(check)
    d = r.identified()
    assert d.add_item(FeeItem("H1", "N1", "阿莫西林胶囊", Decimal("15.00"), Decimal("2")))
    r.runner.finish("precheck")
    assert d.refused and asked == [("310", "11")]
    d.bill_meta["med_type"] = "14"  # Ctrl+M: the chronic-disease bill (core/desk_chronic.py goes the same way)
    d._bill_changed()
    assert [t.kind for t in r.runner.pending] == ["precheck"]
    assert d.refused  # until the new verdict
    r.runner.finish("precheck")
    assert asked[-1] == ("310", "14") and d.refused == "" and d.can_preview()
    d.bill_meta["med_type"] = "11"  # back to ordinary outpatient: asked again, refused again
    d._bill_changed()
    r.runner.finish("precheck")
    assert asked[-1] == ("310", "11") and d.refused.startswith("医保待遇检查不可报销")


def test_new_insurance_type_lifts_the_preflight_refusal_only():
    r = Rig()
    r.svc.identify = lambda cred: Person(psn_no="P1", psn_name="张三",  # type: ignore[method-assign]
                                         insurances=[Insurance("310"), Insurance("390")])
    r.desk.preflight.check = lambda p, t, m: verdict(t == "390")
    d = r.identified()
    d.choose_insurance("310")
    r.runner.finish("precheck")
    assert d.refused.startswith("医保待遇检查不可报销")
    d.choose_insurance("390")  # Ctrl+I
    r.runner.finish("precheck")
    assert d.refused == "" and d.preflight.line()[0] == "ok"
    # a refusal the platform made is no pre-flight's to lift
    d._refuse("某某（无医保待遇）")
    d.choose_insurance("310")
    r.runner.finish("precheck")
    d.choose_insurance("390")
    r.runner.finish("precheck")
    assert d.refused == "某某（无医保待遇）"


def test_a_fixed_med_type_is_asked_once_whatever_the_bill_says():
    asked = []
    r = rig_with(lambda p, t, m: asked.append(m) or verdict(True))
    r.desk.preflight.med_type = "41"  # the pharmacy's counter (ui/controller.py)
    d = r.identified()
    r.runner.finish("precheck")
    d.bill_meta["med_type"] = "14"
    d._bill_changed()
    assert asked == ["41"] and not r.runner.pending
