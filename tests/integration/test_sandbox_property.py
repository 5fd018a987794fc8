"""Property: for random bills (catalogue and non-catalogue items, random prices and quantities), every person,
insutype, med_type and account flag, a settlement over HTTP adds up exactly and has no negative amount."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terminal.core.models import Settlement
from terminal.core.money import money
from terminal.core.regions import is_cross_province
from terminal.sandbox.policy import FUND_FIELDS, SETL_AMOUNTS, Policies
from terminal.sandbox.server import SandboxServer
from terminal.sandbox.testkit import Refused, SandboxClient, ticking_clock

POL = Policies()
FACILITIES = ["H45010000001", "H45010000002", "H32010000001", "P45010000001", "H50010000001"]
DAY = "2025-06-16"  # the ticking clock's day
PERSON_INS = [(p["key"], i["insutype"]) for p in POL.persons.values() for i in p["insuinfo"]]


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    with SandboxServer(db_path=tmp_path_factory.mktemp("prop") / "sandbox.sqlite", clock=ticking_clock()) as srv:
        ks = {code: SandboxClient(srv.url, code) for code in FACILITIES}
        for k in ks.values():
            k.sign_in()
        yield srv, ks


@st.composite
def bills(draw, admdvs: str):
    codes = sorted(POL.catalogues[admdvs])
    n = draw(st.integers(1, 8))
    items = []
    for _ in range(n):
        if draw(st.integers(0, 4)) == 0:
            code = "ZZ" + draw(st.text("0123456789", min_size=6, max_size=6))  # not in the catalogue
        else:
            code = draw(st.sampled_from(codes))
        pric = draw(st.decimals("0.00", "8000.00", places=2))
        cnt = draw(st.sampled_from([Decimal(1), Decimal(2), Decimal(3), Decimal("0.5"), Decimal("1.5"), Decimal(10)]))
        items.append((code, pric, cnt))
    return items


@given(data=st.data(), pi=st.sampled_from(PERSON_INS), fac=st.sampled_from(FACILITIES), acct=st.booleans())
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
def test_settlement_identities_over_http(clients, data, pi, fac, acct):
    srv, ks = clients
    k = ks[fac]
    key, insutype = pi
    ftype = POL.facilities[fac]["fixmedins_type"]
    med_type = data.draw(st.sampled_from(POL.facility_med_types[ftype]))
    items = data.draw(bills(POL.facilities[fac]["admdvs"]))
    psn_no = POL.persons[key]["psn_no"]
    filed = [(f["opsp_dise_code"], f["opsp_dise_name"]) for f in POL.chronic_filings  # 门诊慢特病 in force that day
             if f["psn_no"] == psn_no and f["insutype"] == insutype and f["begndate"] <= DAY
             and (not f["enddate"] or DAY <= f["enddate"])]
    before = srv.balance(key, insutype)
    try:  # a cross-province person without a filing for this place is refused at 2201
        v = k.open_visit(key, items, insutype=insutype, med_type=med_type,
                         dise=filed[0] if filed else ("H25.9", "老年性白内障"))
        out = k.settle(v, acct=acct)
    except Refused as e:
        ins = next(i for i in POL.persons[key]["insuinfo"] if i["insutype"] == insutype)
        cross = is_cross_province(ins["insuplc_admdvs"], POL.facilities[fac]["admdvs"])
        filed_here = not cross or POL.filing(psn_no, insutype, POL.facilities[fac]["admdvs"],
                                             date.today().isoformat())[1] == ""
        assert ((key == "suspended" and "暂停参保" in e.err_msg)
                or (not filed_here and "异地就医备案" in e.err_msg)
                or (med_type == "14" and not filed and "未备案门诊慢特病 H25.9" in e.err_msg)), e.err_msg
        return
    s = Settlement.from_wire(out).check()  # the terminal's identities
    a = out["setlinfo"]
    assert all(a[k_] >= 0 for k_ in SETL_AMOUNTS), a
    assert a["medfee_sumamt"] == v.total == sum(money(Decimal(str(p)) * c) for _, p, c in items)
    assert a["fund_pay_sumamt"] == sum(a[f] for f in FUND_FIELDS)
    assert sum(d["fund_payamt"] for d in out["setldetail"]) == a["fund_pay_sumamt"]
    assert a["acct_pay"] <= before and a["balc"] == before - a["acct_pay"] == srv.balance(key, insutype)
    if not acct:
        assert a["acct_pay"] == 0
    row = srv.ledger()[-1]
    assert row["setl_id"] == s.setl_id and Decimal(row["psn_cash_pay"]) == s.psn_cash_pay
    assert a["clr_optins"] == v.insuplc
