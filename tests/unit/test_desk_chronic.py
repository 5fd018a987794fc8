"""The desk machine's 门诊慢特病 part (core/desk_chronic.py) on the desk rig: the 5301 lookup runs as background
work after identification (the cashier is never busy with it), a late answer for the previous patient is dropped,
the choice makes the bill med_type 14 with the disease (voiding the preview) or ordinary again, and an expired
filing or a disease not filed is refused with its name."""
from __future__ import annotations

from decimal import Decimal

from terminal.core.chronic import ChronicFiling
from terminal.core.flow import State
from terminal.core.models import FeeItem

from .desk_rig import Boom, FaultKind, Rig

HYPERTENSION = ChronicFiling("M03900", "高血压", "2024-03-01", "")
DIABETES_EXPIRED = ChronicFiling("M01600", "糖尿病", "2024-01-01", "2025-03-31")


def rig(**kw) -> Rig:
    r = Rig(chronic=True)
    r.svc.filings = kw.get("filings", [HYPERTENSION, DIABETES_EXPIRED])
    r.desk.chronic.today = lambda: "2026-12-03"
    return r


def test_the_lookup_runs_in_the_background_after_identification():
    r = rig()
    d = r.identified()
    assert d.chronic.state == "looking" and not d.busy and d.state == State.IDENTIFIED
    assert [t.kind for t in r.runner.pending] == ["poll"]
    r.runner.finish("poll")
    assert d.chronic.state == "found" and d.chronic.filings == [HYPERTENSION, DIABETES_EXPIRED]
    assert d.chronic.in_force() == [HYPERTENSION]


def test_a_late_answer_for_the_previous_patient_is_dropped():
    r = rig()
    d = r.identified()
    d.escape()  # next patient before 5301 answered
    assert d.chronic.state == ""
    r.runner.finish("poll")
    assert d.chronic.state == "" and d.chronic.filings == []


def test_a_failed_lookup_says_why_and_the_check_can_be_off():
    r = rig(filings=Boom(FaultKind.UNREACHABLE, "医保平台无法连接"))
    d = r.identified()
    r.runner.finish("poll")
    assert (d.chronic.state, d.chronic.error) == ("failed", "医保平台无法连接")
    off = Rig()  # [checks] chronic = false
    off.identified()
    assert off.runner.pending == [] and "5301" not in off.svc.calls


def test_choose_makes_a_med_type_14_bill_and_voids_the_preview():
    r = rig()
    d = r.previewed()
    r.runner.finish("poll")
    assert d.chronic.choose("M03900")
    assert d.state == State.BILLED  # F5 again
    b = d.bill()
    assert (b.med_type, b.opsp_dise_code, b.opsp_dise_name) == ("14", "M03900", "高血压")
    assert d.chronic.chosen == ChronicFiling("M03900", "高血压")
    assert "本单按门诊慢特病结算：M03900 高血压" in d.last_message[1]
    d.preview_now()
    r.runner.finish("preview")
    assert r.svc.calls[-2:] == ["2201", "2206"]  # the visit is opened anew with the disease
    assert d.chronic.choose("")
    assert d.bill().med_type == "11" and d.bill().opsp_dise_code == "" and d.chronic.chosen is None


def test_an_expired_or_unfiled_disease_is_refused_by_name():
    r = rig()
    d = r.identified()
    r.runner.finish("poll")
    assert d.add_item(FeeItem("H1", "N1", "二甲双胍", Decimal("18.60"), Decimal("1")))
    assert not d.chronic.choose("M01600")
    assert d.last_message == ("error", "不能按门诊慢特病结算：M01600 糖尿病 备案已于 2025-03-31 到期")
    assert not d.chronic.choose("M08300")
    assert d.last_message == ("error", "该参保人未备案此门诊慢特病：M08300")
    assert d.bill().med_type == "11"


def test_no_choice_without_a_patient_or_after_the_settlement():
    r = rig()
    assert not r.desk.chronic.choose("M03900")
    assert "请先识别参保人" in r.desk.last_message[1]
    d = r.previewed()
    r.runner.finish("poll")
    d.settle_now()
    r.runner.finish("settle")
    assert not d.chronic.choose("M03900")
    assert d.bill().med_type == "11"


def test_a_chronic_bill_for_a_disease_not_in_force_is_flagged_when_the_filings_come():
    from terminal.core.models import Bill

    r = rig()
    d = r.desk
    item = FeeItem("H1", "N1", "二甲双胍", Decimal("18.60"), Decimal("1"))
    assert d.load_bill(Bill(items=[item], med_type="14", opsp_dise_code="M01600", opsp_dise_name="糖尿病"))
    r.identified()
    r.runner.finish("poll")
    assert d.last_message == ("warn", "本单为门诊慢特病 M01600 糖尿病，但该参保人没有此病种的有效备案；"
                                      "请按 Ctrl+M 改为普通门诊或其他已备案病种")
    assert d.chronic.choose("M03900") and d.bill().opsp_dise_code == "M03900"
