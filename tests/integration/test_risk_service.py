"""The terminal's fund-supervision service against the sandbox over HTTP, with a real journal: 3101 from a bill,
3102, the 3103 the platform receives, and every message journaled (names masked)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from terminal.core.models import Bill, FeeItem
from terminal.core.risk import BEFORE, DURING, Decision, order_lines
from terminal.services.outpatient import SettlementService
from terminal.services.risk import RiskService
from terminal.store import Store
from tests.support import id_cred, make_client, make_config


@pytest.fixture
def world(tmp_path, sandbox):
    cfg = make_config(tmp_path)
    store = Store(tmp_path / "journal.sqlite")
    client = make_client(cfg, sandbox.url, tmp_path / "msgid.state")
    svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
    risk = RiskService(svc, fixmedins_code=cfg.facility.code, treatment_admdvs=cfg.facility.admdvs)
    yield store, svc, risk
    client.close()
    store.close()


def line(hosp: str, code: str, name: str, price: str, qty: str) -> FeeItem:
    return FeeItem(hosp_code=hosp, national_code=code, name=name, price=Decimal(price), qty=Decimal(qty))


RISKY = Bill(items=[line("NNXM0001", "001102000010000", "普通门诊诊查费", "10.00", "1"),
                    line("NNYP0014", "XA02BCA211A001010100014", "奥美拉唑肠溶胶囊", "9.60", "6"),
                    line("NNYP0010", "ZA12BAF0178010100010", "复方丹参滴丸", "26.80", "1")],
             dise_codg="K29.500", dise_name="慢性胃炎")


def test_3101_from_a_bill_then_3103(world, sandbox):
    store, svc, risk = world
    person = svc.identify(id_cred("hainan-retiree"))
    review = risk.before_outpatient(person, RISKY, "310", "460100", "MZTEST0001")
    assert review.infno == "3101" and review.trig_scen == "7"
    by_rule = {v.rule_id: v for v in review.violations}
    assert set(by_rule) == {"SBX-QTY-0001", "SBX-LMT-0001"}
    assert review.where(by_rule["SBX-QTY-0001"]) == "第2行 奥美拉唑肠溶胶囊"
    assert review.where(by_rule["SBX-LMT-0001"]) == "第3行 复方丹参滴丸"
    assert by_rule["SBX-QTY-0001"].severity == "高度可疑" and by_rule["SBX-QTY-0001"].amount == Decimal("19.20")
    review.decide([Decision.go_on(by_rule["SBX-QTY-0001"].warn_rslt_id, "维持治疗，医生已确认"),
                   Decision.go_back(by_rule["SBX-LMT-0001"].warn_rslt_id)])
    risk.feedback(review, "460100")
    got = {r["rule_id"]: (r["warn_type"], r["dspo_way"], r["dspo_way_rea"]) for r in sandbox.platform.risk_feedback()}
    assert got == {"SBX-QTY-0001": ("1", "1", "维持治疗，医生已确认"), "SBX-LMT-0001": ("1", "2", "")}
    rows = store.sdb.rows("SELECT infno, state, request FROM messages WHERE infno IN ('3101', '3103') ORDER BY created")
    assert [(r["infno"], r["state"]) for r in rows] == [("3101", "answered"), ("3103", "answered")]
    req = json.loads(rows[0]["request"])
    assert req["input"]["data"]["patient_dtos"][0]["patn_name"] == "符**"  # masked in the journal
    assert req["input"]["data"]["trig_scen"] == "7"


def test_clean_bill_and_3102(world, sandbox):
    store, svc, risk = world
    person = svc.identify(id_cred("local"))  # 黄丽萍, female
    clean = Bill(items=[line("NNXM0001", "001102000010000", "普通门诊诊查费", "10.00", "1")])
    assert risk.before_outpatient(person, clean, "310", "450100", "MZTEST0002").violations == []
    psa = [line("NNXM0091", "002503040030000", "前列腺特异性抗原测定(PSA)", "45.00", "1")]
    review = risk.analyze(DURING, "4", person=person, insutype="310", insuplc="450100", encounter_id="ZY0001",
                          med_type="21", diagnoses=[], lines=order_lines(psa, "ZY0001"))
    assert review.infno == "3102" and [v.rule_id for v in review.violations] == ["SBX-SEX-0001"]
    with pytest.raises(ValueError):
        risk.feedback(review)  # nothing decided yet
    review.decide([Decision.go_back(review.violations[0].warn_rslt_id, "改开其他检查")])
    risk.feedback(review, "450100")
    (fb,) = sandbox.platform.risk_feedback()
    assert (fb["warn_type"], fb["dspo_way"], fb["dspo_way_rea"]) == ("2", "2", "改开其他检查")
    assert [r["infno"] for r in store.sdb.rows("SELECT infno FROM messages WHERE infno LIKE '31%' ORDER BY created")] \
        == ["3101", "3102", "3103"]


def test_decisions_are_checked_before_anything_is_sent():
    with pytest.raises(ValueError, match="处理原因"):
        Decision.go_on("JR1", "  ")
    with pytest.raises(ValueError):
        Decision("JR1", "3")
    assert BEFORE == "1"
