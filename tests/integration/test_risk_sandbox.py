"""Fund supervision over real HTTP: 3101 事前分析, 3102 事中分析, 3103 反馈, each rule of rules.json, the refusals."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.money import money
from terminal.sandbox.testkit import Refused, SandboxClient

OMEPRAZOLE = "XA02BCA211A001010100014"  # 奥美拉唑: at most 4 per visit
DANSHEN = "ZA12BAF0178010100010"  # 复方丹参滴丸: 限冠心病 (I20-I25)
GASTROSCOPY = "003102000050000"  # 电子胃镜: once per visit
PSA = "002503040030000"  # men only
TCT = "002701000110000"  # women only
MAN, WOMAN = "46010000000000000001", "45010000000000000010"  # psn_no of hainan-retiree (男) / local (女)


def order(n: int, code: str, pric: str, cnt: str) -> dict:
    p, c = Decimal(pric), Decimal(cnt)
    return {"rx_id": f"RX{n:03d}", "rxno": "", "hilist_code": code, "hosplist_code": f"H{n}", "cnt": c, "pric": p,
            "sumamt": money(p * c), "drord_dr_codg": "D0001"}


def request(orders: list[dict], *, psn_no: str = "46010000000000000001", gend: str = "1", diagnoses=(),
            trig_scen: str = "7", rule_ids: str = "") -> dict:
    return {"data": {"syscode": "YBTERM", "rule_ids": rule_ids, "trig_scen": trig_scen, "patient_dtos": [{
        "patn_id": psn_no, "patn_name": "测试", "gend": gend, "brdy": "1946-03-12", "poolarea": "460100",
        "curr_mdtrt_id": "MZ0001", "fsi_encounter_dtos": [{
            "mdtrt_id": "MZ0001", "medins_id": "H45010000001", "med_type": "11", "insutype": "310",
            "out_setl_flag": "0",
            "fsi_diagnose_dtos": [{"dise_id": f"D{n}", "inout_dise_type": "1", "maindiag_flag": "1" if n == 1 else "0",
                                   "dias_srt_no": str(n), "dise_codg": c, "dise_name": c}
                                  for n, c in enumerate(diagnoses, 1)],
            "fsi_order_dtos": orders, "fsi_operation_dtos": []}]}]}}


def rules_hit(out: dict) -> list[str]:
    return [r["rule_id"] for r in out["result"]]


def test_clean_bill_has_no_violations(kit):
    out = kit.ok("3101", request([order(1, OMEPRAZOLE, "9.60", "4"), order(2, "001102000010000", "10.00", "1")]))
    assert out == {"result": []}


def test_quantity_over_the_drugs_limit(kit):
    out = kit.ok("3101", request([order(1, OMEPRAZOLE, "9.60", "3"), order(2, OMEPRAZOLE, "9.60", "3")]))
    (v,) = out["result"]
    assert v["rule_id"] == "SBX-QTY-0001" and v["sev_deg"] == "2"
    assert "超过限量 4" in v["vola_cont"] and v["vola_amt"] == Decimal("19.20")  # 2 boxes over × 9.60
    assert [d["rx_id"] for d in v["judge_result_detail_dtos"]] == ["RX001", "RX002"]
    assert v["jr_id"].startswith("JR") and v["mdtrt_id"] == "MZ0001" and v["patn_id"] == "46010000000000000001"


def test_drug_restricted_to_diagnoses(kit):
    line = [order(1, DANSHEN, "26.80", "1")]
    assert rules_hit(kit.ok("3101", request(line, diagnoses=["I25.103"]))) == []
    (v,) = kit.ok("3101", request(line, diagnoses=["J06.900"]))["result"]
    assert v["rule_id"] == "SBX-LMT-0001" and v["sev_deg"] == "1" and "J06.900" in v["vola_cont"]
    assert v["vola_amt"] == Decimal("26.80")
    assert rules_hit(kit.ok("3101", request(line))) == ["SBX-LMT-0001"]  # no diagnosis at all


def test_item_ordered_twice_in_one_visit(kit):
    twice = kit.ok("3101", request([order(1, GASTROSCOPY, "280.00", "1"), order(2, GASTROSCOPY, "280.00", "1")]))
    (v,) = twice["result"]
    assert v["rule_id"] == "SBX-DUP-0001" and v["vola_amt"] == Decimal("280.00")
    assert [d["rx_id"] for d in v["judge_result_detail_dtos"]] == ["RX001", "RX002"]
    # the desk merges a second add into one line of quantity 2: the same violation
    assert rules_hit(kit.ok("3101", request([order(1, GASTROSCOPY, "280.00", "2")]))) == ["SBX-DUP-0001"]
    assert rules_hit(kit.ok("3101", request([order(1, GASTROSCOPY, "280.00", "1")]))) == []


def test_sex_specific_item_for_the_other_sex(kit):
    assert rules_hit(kit.ok("3101", request([order(1, PSA, "45.00", "1")], psn_no=MAN))) == []
    (v,) = kit.ok("3101", request([order(1, PSA, "45.00", "1")], psn_no=WOMAN, gend="2"))["result"]
    assert v["rule_id"] == "SBX-SEX-0001" and "限男性" in v["vola_cont"]
    # the platform's record of the person decides, not the gend the request claims
    assert rules_hit(kit.ok("3101", request([order(1, TCT, "120.00", "1")], psn_no=MAN, gend="2"))) == [
        "SBX-SEX-0002"]


def test_rule_ids_limit_the_analysis(kit):
    bill = [order(1, OMEPRAZOLE, "9.60", "5"), order(2, DANSHEN, "26.80", "1")]
    assert sorted(rules_hit(kit.ok("3101", request(bill)))) == ["SBX-LMT-0001", "SBX-QTY-0001"]
    assert rules_hit(kit.ok("3101", request(bill, rule_ids="SBX-LMT-0001"))) == ["SBX-LMT-0001"]


def test_3102_during_the_stay(kit):
    out = kit.ok("3102", request([order(1, PSA, "45.00", "1")], psn_no=WOMAN, trig_scen="4"))
    assert rules_hit(out) == ["SBX-SEX-0001"]


def test_3103_records_the_choices(kit, sbx):
    out = kit.ok("3101", request([order(1, OMEPRAZOLE, "9.60", "6"), order(2, DANSHEN, "26.80", "1")]))
    q, lmt = sorted(out["result"], key=lambda r: r["rule_id"], reverse=True)
    kit.ok("3103", {"data": {"warn_type": "1", "warns": [
        {"warn_rslt_id": q["jr_id"], "dspo_way": "1", "dspo_way_rea": "医生确认：慢性胃炎维持治疗"},
        {"warn_rslt_id": lmt["jr_id"], "dspo_way": "2", "dspo_way_rea": ""}]}})
    got = [(r["warn_rslt_id"], r["warn_type"], r["dspo_way"], r["dspo_way_rea"], r["rule_id"])
           for r in sbx.platform.risk_feedback()]
    assert got == [(q["jr_id"], "1", "1", "医生确认：慢性胃炎维持治疗", "SBX-QTY-0001"),
                   (lmt["jr_id"], "1", "2", "", "SBX-LMT-0001")]


def test_3103_refusals(kit, sbx):
    (v,) = kit.ok("3101", request([order(1, PSA, "45.00", "1")], psn_no=WOMAN))["result"]
    cases = [
        ({"warn_type": "1", "warns": [{"warn_rslt_id": v["jr_id"], "dspo_way": "1", "dspo_way_rea": " "}]},
         "dspo_way_rea 必填"),
        ({"warn_type": "1", "warns": [{"warn_rslt_id": "JR-NOPE", "dspo_way": "2"}]}, "不存在"),
        ({"warn_type": "2", "warns": [{"warn_rslt_id": v["jr_id"], "dspo_way": "2"}]}, "与反馈类型"),
        ({"warn_type": "1", "warns": [{"warn_rslt_id": v["jr_id"], "dspo_way": "3"}]}, "dspo_way"),
        ({"warn_type": "3", "warns": []}, "warn_type"),
        ({"warn_type": "1", "warns": []}, "warns"),
    ]
    for data, why in cases:
        with pytest.raises(Refused) as e:
            kit.ok("3103", {"data": data})
        assert why in e.value.err_msg
    assert sbx.platform.risk_feedback() == []  # a refused 3103 records nothing


def test_3101_refusals(kit):
    good = order(1, OMEPRAZOLE, "9.60", "1")
    cases = [
        (request([good], trig_scen="0"), "trig_scen"),
        (request([{**good, "sumamt": Decimal("9.00")}]), "sumamt"),
        (request([{**good, "rx_id": ""}]), "rx_id"),
        (request([{**good, "cnt": Decimal("0")}]), "cnt"),
        (request([]), "fsi_order_dtos"),
        ({"data": {**request([good])["data"], "syscode": ""}}, "syscode"),
        ({"data": {**request([good])["data"], "patient_dtos": []}}, "patient_dtos"),
    ]
    for body, why in cases:
        with pytest.raises(Refused) as e:
            kit.ok("3101", body)
        assert why in e.value.err_msg


def test_needs_sign_in(sbx):
    k = SandboxClient(sbx.url)
    with pytest.raises(Refused) as e:
        k.ok("3101", request([order(1, OMEPRAZOLE, "9.60", "1")]))
    assert "签到" in e.value.err_msg
    k.close()
