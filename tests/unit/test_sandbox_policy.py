"""Sandbox policies as data and the who-pays-what arithmetic, without HTTP."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terminal.core.money import ZERO, money
from terminal.sandbox.faults import Fault, FaultBoard, parse_header
from terminal.sandbox.policy import (SETL_AMOUNTS, CatalogueItem, Policies, PolicyError, Usage, classify_item,
                                     identity_errors, settle)

POL = Policies()
D = Decimal


def item(lv="01", prop="0.00", cap=None):
    return CatalogueItem("X1", "H1", "测试", lv, D(prop), money(cap) if cap else None, "09")


# data files -------------------------------------------------------------------------------------------
def test_every_insured_place_of_every_person_has_a_policy_for_every_med_type():
    for p in POL.persons.values():
        for ins in p["insuinfo"]:
            for mt in POL.med_types:
                for lv in ("1", "2", "3"):
                    r = POL.rule(ins["insuplc_admdvs"], ins["insutype"], mt, lv)
                    assert 0 <= r.ratio <= 1 and r.deductible >= 0


def test_facilities_and_catalogues():
    f = POL.facilities
    assert f["H45010000001"]["fixmedins_name"] == "南宁市第一人民医院" and f["H45010000001"]["admdvs"] == "450100"
    assert f["H45010000001"]["hosp_lv"] == "3" and f["H45010000002"]["hosp_lv"] == "1"
    assert f["H32010000001"]["fixmedins_name"] == "南京市鼓楼医院" and f["H32010000001"]["admdvs"] == "320100"
    assert f["P45010000001"]["fixmedins_type"] == "2" and f["P45010000001"]["admdvs"] == "450100"
    for fac in f.values():
        cat = POL.catalogues[fac["admdvs"]]
        assert len(cat) >= 30
        assert {i.chrgitm_lv for i in cat.values()} == {"01", "02", "03"}
        assert any(i.pric_uplmt_amt is not None for i in cat.values())
    names = {i.name for i in POL.catalogues["450100"].values()}
    assert any("白内障" in n for n in names) and any("人工晶体" in n for n in names)


def test_persons_json_keys_are_stable():
    keys = {"hainan-retiree", "shanghai-employee", "sichuan-resident", "guizhou-resident", "yunnan-resident",
            "chongqing-employee", "tibet-resident", "two-insurances", "suspended", "local", "expired-card",
            "unfiled", "filing-expired", "filed-elsewhere"}
    assert keys <= set(POL.persons)
    for p in POL.persons.values():
        assert {"card_no", "card_sn", "version", "expiry_date"} <= set(p["card"])


def test_account_cross_province():
    assert POL.account_allowed("500100", "450100", "21")  # southwest pilot: Chongqing, also inpatient
    assert POL.account_allowed("510100", "450100", "41")
    assert POL.account_allowed("460100", "450100", "11")  # Hainan outpatient yes
    assert not POL.account_allowed("460100", "450100", "21")  # Hainan inpatient no
    assert POL.account_allowed("310000", "320100", "11")
    assert not POL.account_allowed("110000", "450100", "11")
    assert POL.account_allowed("450100", "450100", "21")  # local always


def test_unknown_place_and_med_type_are_refused_in_chinese():
    with pytest.raises(PolicyError, match="参保地"):
        POL.rule("999999", "310", "11", "3")
    with pytest.raises(PolicyError, match="医疗类别"):
        POL.rule("460100", "310", "99", "3")


# per item ---------------------------------------------------------------------------------------------
def test_item_classes():
    c = classify_item(None, D("10.00"), D(2), D("20.00"))
    assert (c["chrgitm_lv"], c["fulamt_ownpay_amt"], c["inscp_scp_amt"]) == ("03", D("20.00"), ZERO)
    c = classify_item(item("01"), D("10.00"), D(2), D("20.00"))
    assert (c["inscp_scp_amt"], c["preselfpay_amt"]) == (D("20.00"), ZERO)
    c = classify_item(item("02", "0.10"), D("33.35"), D(1), D("33.35"))
    assert (c["preselfpay_amt"], c["inscp_scp_amt"]) == (D("3.34"), D("30.01"))  # half-up
    # intraocular lens 3500 with cap 2000, 乙类 20 %
    c = classify_item(item("02", "0.20", "2000.00"), D("3500.00"), D(1), D("3500.00"))
    assert (c["overlmt_amt"], c["preselfpay_amt"], c["inscp_scp_amt"]) == (D("1500.00"), D("400.00"), D("1600.00"))


@given(lv=st.sampled_from(["01", "02", "03"]), prop=st.sampled_from(["0.00", "0.05", "0.10", "0.20", "0.33"]),
       cap=st.one_of(st.none(), st.decimals("0.01", "999.99", places=2)),
       pric=st.decimals("0", "2000", places=2), cnt=st.sampled_from([D(1), D(2), D(3), D("0.5"), D("1.25"), D(10)]),
       known=st.booleans())
@settings(max_examples=300, deadline=None)
def test_item_identity(lv, prop, cap, pric, cnt, known):
    total = money(pric * cnt)
    c = classify_item(item(lv, prop, cap) if known else None, pric, cnt, total)
    parts = [c[k] for k in ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")]
    assert sum(parts) == c["det_item_fee_sumamt"] == total
    assert all(p >= 0 and p == money(p) for p in parts)


# per settlement ---------------------------------------------------------------------------------------
def _parts(f="0", o="0", p="0", i="0"):
    return {"fulamt_ownpay_amt": money(f), "overlmt_selfpay": money(o), "preselfpay_amt": money(p),
            "inscp_scp_amt": money(i)}


def test_deductible_then_ratio_and_second_visit_has_less_deductible():
    rule = POL.rule("450100", "310", "11", "3")  # Nanning employee outpatient, 3rd level: 500 deductible, 55 %
    b = settle(_parts(i="800.00"), rule, Usage(), balance=D("100.00"), use_account=True, retiree=False,
               cvlserv_flag=False)
    a = b.amounts
    assert a["act_pay_dedc"] == D("500.00") and a["hifp_pay"] == D("165.00") and a["pool_prop_selfpay"] == D("135.00")
    assert a["acct_pay"] == D("100.00") and a["psn_cash_pay"] == D("535.00") and a["balc"] == ZERO
    b2 = settle(_parts(i="800.00"), rule, Usage(ded_used=D("500.00"), pool_paid=a["hifp_pay"]), balance=ZERO,
                use_account=True, retiree=False, cvlserv_flag=False)
    assert b2.amounts["act_pay_dedc"] == ZERO and b2.amounts["hifp_pay"] == D("440.00")


def test_annual_cap_then_serious_illness_fund():
    rule = POL.rule("510100", "390", "21", "3")  # Chengdu resident inpatient: cap 150000, big illness 60 %
    used = Usage(ded_used=D("700.00"), pool_paid=D("149900.00"))
    a = settle(_parts(i="10000.00"), rule, used, balance=ZERO, use_account=False, retiree=False,
               cvlserv_flag=False).amounts
    assert a["hifp_pay"] == D("100.00")
    assert a["hifmi_pay"] > 0 and a["fund_pay_sumamt"] == a["hifp_pay"] + a["hifmi_pay"]
    assert identity_errors(a) == []


def test_retiree_bonus_and_civil_servant_subsidy():
    r = POL.rule("460100", "310", "21", "3")
    assert r.effective_ratio(True) == D("0.90") and r.effective_ratio(False) == D("0.85")
    rule = POL.rule("110000", "310", "21", "3")
    b = settle(_parts(i="11300.00"), rule, Usage(), balance=ZERO, use_account=False, retiree=False, cvlserv_flag=True)
    a = b.amounts
    assert a["cvlserv_pay"] == money(a["pool_prop_selfpay"] * D("0.50")) and a["cvlserv_pay"] > 0
    assert {d["fund_pay_type"] for d in b.details} == {"310100", "320100"}
    assert sum(d["fund_payamt"] for d in b.details) == a["fund_pay_sumamt"]


def test_lixiu_pays_everything_in_scope():
    a = settle(_parts(f="10.00", i="500.00"), POL.rule("460100", "340", "11", "3"), Usage(), balance=ZERO,
               use_account=False, retiree=True, cvlserv_flag=False).amounts
    assert a["oth_pay"] == D("500.00") and a["psn_part_amt"] == D("10.00")


PERSON_INS = [(p["key"], i) for p in POL.persons.values() for i in p["insuinfo"]]
money_st = st.decimals("0", "60000", places=2)


@given(pi=st.sampled_from(PERSON_INS), med_type=st.sampled_from(sorted(POL.med_types)),
       level=st.sampled_from(["1", "2", "3"]), f=money_st, o=money_st, p=money_st, i=money_st,
       ded=money_st, pool=st.decimals("0", "700000", places=2), big=money_st,
       balance=st.decimals("0", "9000", places=2), acct=st.booleans(), retiree=st.booleans(), cvl=st.booleans())
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_settlement_identities_hold_exactly(pi, med_type, level, f, o, p, i, ded, pool, big, balance, acct, retiree,
                                            cvl):
    key, ins = pi
    rule = POL.rule(ins["insuplc_admdvs"], ins["insutype"], med_type, level)
    b = settle(_parts(f, o, p, i), rule, Usage(ded, pool, big), balance=balance, use_account=acct, retiree=retiree,
               cvlserv_flag=cvl)
    a = b.amounts
    assert identity_errors(a, b.details) == []
    assert all(a[k] >= 0 and a[k] == money(a[k]) for k in SETL_AMOUNTS), a
    assert a["acct_pay"] <= balance and a["balc"] == balance - a["acct_pay"]
    if not acct or not rule.has_account:
        assert a["acct_pay"] == 0
    assert a["act_pay_dedc"] <= max(ZERO, rule.deductible - ded)
    if rule.annual_cap is not None:
        assert a[rule.pool.field] <= max(ZERO, rule.annual_cap - pool) or rule.pool.field == "oth_pay"


# faults -----------------------------------------------------------------------------------------------
def test_fault_board_counts_and_matching():
    board = FaultBoard()
    board.arm("reset", infno="2207", count=2)
    assert board.take("2206") is None
    assert board.take("2207").kind == "reset"
    assert board.take("2207").kind == "reset"
    assert board.take("2207") is None
    board.arm("delay", delay=0.2)
    assert board.take("2203A").wait == 0.2
    with pytest.raises(ValueError):
        board.arm("explode")


def test_fault_header():
    f = parse_header("business_error;delay=0.5;msg=%E5%8F%82%E4%BF%9D%E4%BA%BA%E5%B7%B2%E6%AD%BB%E4%BA%A1")
    assert (f.kind, f.delay, f.message) == ("business_error", 0.5, "参保人已死亡")
    assert parse_header("hang").wait == 30.0
    assert Fault("hang", delay=2).wait == 2
    with pytest.raises(ValueError):
        parse_header("reset;bogus=1")
