"""The sandbox's 门诊慢特病 data hang together: every filing is of a known person, an insurance they have and a
known disease; every per-disease policy names a known disease and differs from ordinary outpatient; the rule of a
disease is its own (deductible, ratio, cap, usage counted per disease)."""
from __future__ import annotations

from decimal import Decimal

from terminal.core.chronic import CROSS_PROVINCE
from terminal.sandbox.policy import Policies

POL = Policies()


def test_filings_are_of_known_persons_insurances_and_diseases():
    assert POL.chronic_diseases == CROSS_PROVINCE  # the five of cross-province direct settlement
    for f in POL.chronic_filings:
        person = POL.by_psn_no[f["psn_no"]]
        assert f["insutype"] in {i["insutype"] for i in person["insuinfo"]}
        assert POL.chronic_diseases[f["opsp_dise_code"]] == f["opsp_dise_name"]
        assert not f["enddate"] or f["begndate"] <= f["enddate"]
    filed = {f["opsp_dise_code"] for f in POL.chronic_filings}
    assert filed == set(CROSS_PROVINCE)  # a training person for each of the five


def test_each_disease_has_its_own_rule_apart_from_ordinary_outpatient():
    seen = set()
    for admdvs, region in POL.regions.items():
        for insutype, p in region["insutypes"].items():
            for code in (p["benefits"]["chronic"].get("diseases") or {}):
                assert code in POL.chronic_diseases
                seen.add(code)
                r = POL.rule(admdvs, insutype, "14", "3", code)
                assert r.benefit == f"chronic:{code}"
                assert (r.deductible, r.ratio, r.annual_cap) != (
                    POL.rule(admdvs, insutype, "11", "3").deductible, POL.rule(admdvs, insutype, "11", "3").ratio,
                    POL.rule(admdvs, insutype, "11", "3").annual_cap)
    assert seen == set(CROSS_PROVINCE)
    r = POL.rule("510100", "310", "14", "3", "M03900")
    assert (r.deductible, r.ratio, r.annual_cap) == (Decimal("100.00"), Decimal("0.80"), Decimal("1200.00"))
    default = POL.rule("510100", "310", "14", "3", "M01600")  # no rule of its own there: the chronic default
    assert (default.deductible, default.ratio, default.annual_cap, default.benefit) == (
        Decimal("0.00"), Decimal("0.80"), Decimal("12000.00"), "chronic:M01600")


def test_the_chongqing_hospital_and_catalogue():
    fac = POL.facilities["H50010000001"]
    assert (fac["admdvs"], fac["hosp_lv"]) == ("500100", "3")
    assert POL.catalogue_item("500100", "XC08CAA046A012010100002").medins_list_codg == "CQYP0002"
    assert POL.account_allowed("510100", "500100", "14")  # Sichuan's account pays in Chongqing (the pilot)
