"""Property: for random inpatient bills (catalogue and non-catalogue items, prices above and below the caps,
fractional quantities), filed persons in both treatment places and hospital levels, account on or off, the
whole discharge (2401, 2301, 2402, 2303, 2304 and sometimes 2305) through the terminal's service adds up
exactly: the protocol identities, no negative amount, deposit + due == cash share."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terminal import config as config_mod
from terminal.backend.client import client_from_config
from terminal.core.inpatient import AdmissionForm
from terminal.core.models import Credential, FeeItem
from terminal.core.money import money
from terminal.services.inpatient import DischargeService
from terminal.store.wardbook import WardBook
from terminal.sandbox.policy import SETL_AMOUNTS, Policies
from terminal.sandbox.server import SandboxServer
from terminal.sandbox.testkit import ticking_clock

POL = Policies()
# (facility, person key, insutype): persons filed for (or insured in) the facility's place
CASES = [("H45010000001", "hainan-retiree", "310"), ("H45010000002", "hainan-retiree", "310"),
         ("H45010000001", "chongqing-employee", "310"), ("H45010000001", "two-insurances", "310"),
         ("H45010000002", "local", "310"), ("H32010000001", "shanghai-employee", "310"),
         ("H32010000001", "sichuan-resident", "390")]


@pytest.fixture(scope="module")
def desks(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("iprop")
    with SandboxServer(db_path=tmp / "sandbox.sqlite", clock=ticking_clock()) as srv:
        out = {}
        for code in sorted({c for c, _, _ in CASES}):
            fac = POL.facilities[code]
            cfg = config_mod.Config()
            cfg.facility = replace(cfg.facility, code=code, name=fac["fixmedins_name"], admdvs=fac["admdvs"],
                                   level=fac["hosp_lv"])
            cfg.store.dir = str(tmp / code)
            cl = client_from_config(cfg, srv.url, msgid_state=tmp / f"{code}.msgid")
            out[code] = DischargeService(cl, treatment_admdvs=fac["admdvs"], book=WardBook(tmp / f"{code}.sqlite"))
        yield srv, out
        for svc in out.values():
            svc.client.close()
            svc.book.close()


@st.composite
def fee_items(draw, admdvs: str):
    cat = POL.catalogues[admdvs]
    codes = sorted(cat)
    items = []
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.integers(0, 5)) == 0:
            code = "ZZ" + draw(st.text("0123456789", min_size=6, max_size=6))
            hosp, name = "ZF" + code[2:], f"目录外{code}"
        else:
            code = draw(st.sampled_from(codes))
            hosp, name = cat[code].medins_list_codg, cat[code].name
        price = draw(st.decimals("0.00", "9000.00", places=2))
        qty = draw(st.sampled_from([Decimal(1), Decimal(2), Decimal(3), Decimal("0.5"), Decimal("1.5"), Decimal(7)]))
        items.append(FeeItem(hosp, code, name, price, qty))
    return items


@given(data=st.data(), case=st.sampled_from(CASES), acct=st.booleans(), cancel=st.booleans(),
       deposit=st.integers(0, 20000))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
def test_discharge_identities(desks, data, case, acct, cancel, deposit):
    srv, svcs = desks
    code, key, insutype = case
    svc = svcs[code]
    p = POL.persons[key]
    items = data.draw(fee_items(POL.facilities[code]["admdvs"]))
    cred = Credential("02", p["certno"])
    person = svc.identify(cred)
    st_ = svc.admit(cred, person, AdmissionForm(dise_codg="H25.900", dise_name="老年性白内障"), insutype=insutype,
                    deposit=Decimal(deposit) if deposit else None)
    try:
        check(srv, svc, st_, items, key, insutype, acct, cancel, deposit)
    finally:
        left = svc.stay(st_.adm_no)
        if left.state != "settled":  # a failed example must not leave the person in hospital for the next one
            if left.state == "discharged":
                svc.base.reverse(left.psn_no, left.insuplc_admdvs, left.dscg_msgid, "2402")
            svc.base.reverse(left.psn_no, left.insuplc_admdvs, left.adm_msgid, "2401")


def check(srv, svc, st_, items, key, insutype, acct, cancel, deposit):
    svc.add_fees(st_.adm_no, items)
    before = srv.balance(key, insutype)
    r = svc.settle(st_.adm_no, acct_used=acct)
    s = r.settlement
    assert s.identity_errors() == [], s.amounts
    assert all(s.amounts[k] >= 0 for k in SETL_AMOUNTS), s.amounts
    assert s.medfee_sumamt == sum((money(i.price * i.qty) for i in items), Decimal(0))
    assert s.acct_pay <= before and srv.balance(key, insutype) == before - s.acct_pay
    if not acct:
        assert s.acct_pay == 0
    rec = r.reconciliation
    assert rec.held == Decimal(deposit) and rec.held + rec.due == s.psn_cash_pay
    assert r.stay.held == s.psn_cash_pay  # after the collect/refund entry the stay is square
    if cancel:
        c = svc.cancel(s.setl_id)
        assert c.settlement.identity_errors() == []
        assert all(c.settlement.amounts[k] == -s.amounts[k] for k in SETL_AMOUNTS if k != "balc")
        assert srv.balance(key, insutype) == before
        svc.settle(st_.adm_no, acct_used=acct)  # settled again: the person is out of hospital for the next example
