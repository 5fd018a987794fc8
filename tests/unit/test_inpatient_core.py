"""Inpatient domain: the protocol identities (worked example, property), deposit reconciliation, fee totals,
the inpatient bill file, the discharge slip; the sandbox's inpatient policy pieces (hospital part, filings)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.core import wire
from terminal.core.inpatient import (Deposit, DepositReconciliation, InpatientBill, Stay, fee_totals, held,
                                     parse_deposit_amount, receipt_lines)
from terminal.core.models import SETL_AMOUNT_FIELDS, FundDetail, Settlement
from terminal.core.money import ZERO, money
from terminal.sandbox.policy import Policies, Rule, Fund, Usage, identity_errors, settle
from tests.support import BILLS

D = Decimal


def doc_example() -> Settlement:
    """The worked inpatient example of docs/settlement-protocol.md."""
    a = {k: ZERO for k in SETL_AMOUNT_FIELDS}
    a.update(medfee_sumamt=D("23442.46"), fulamt_ownpay_amt=D("2533.97"), overlmt_selfpay=D("1396.89"),
             preselfpay_amt=D("703.44"), inscp_scp_amt=D("18808.16"), fund_pay_sumamt=D("18785.39"),
             hifp_pay=D("18785.39"), hosp_part_amt=D("505.01"), psn_part_amt=D("4152.06"), acct_pay=D("170.04"),
             psn_cash_pay=D("3982.02"))
    return Settlement(amounts=a, info={"setl_id": "X"},
                      details=[FundDetail("310100", D("18785.39")), FundDetail("999996", D("505.01")),
                               FundDetail("310200", D("170.04"))])


def test_worked_example_satisfies_the_identities():
    s = doc_example()
    assert s.identity_errors() == []
    assert s.check() is s
    # and the sandbox's own check agrees (999996 / 310200 details are not funds)
    details = [{"fund_pay_type": d.fund_pay_type, "fund_payamt": d.fund_payamt} for d in s.details]
    assert identity_errors(s.amounts, details) == []
    # one cent off anywhere is caught
    for k in ("hosp_part_amt", "psn_cash_pay", "overlmt_selfpay", "fund_pay_sumamt"):
        bad = Settlement(amounts={**s.amounts, k: s.amounts[k] + D("0.01")}, info={}, details=s.details)
        assert bad.identity_errors(), k


cents = st.integers(0, 5_000_000).map(lambda n: D(n) / 100)


@given(f=cents, o=cents, p=cents, i=cents, fund_share=st.integers(0, 100), hosp_share=st.integers(0, 100),
       acct_share=st.integers(0, 100))
@settings(max_examples=300, deadline=None)
def test_identities_hold_for_any_consistent_breakdown(f, o, p, i, fund_share, hosp_share, acct_share):
    """Build a breakdown the way the protocol defines it; identity_errors() is empty, and breaking the personal
    split by a cent is always caught."""
    medfee = f + o + p + i
    fund = money(i * fund_share / 100)
    hosp = money((o + f + p + i - fund) * hosp_share / 100)
    psn = medfee - fund - hosp
    acct = money(psn * acct_share / 100)
    a = {k: ZERO for k in SETL_AMOUNT_FIELDS}
    a.update(medfee_sumamt=medfee, fulamt_ownpay_amt=f, overlmt_selfpay=o, preselfpay_amt=p, inscp_scp_amt=i,
             fund_pay_sumamt=fund, hifp_pay=fund, hosp_part_amt=hosp, psn_part_amt=psn, acct_pay=acct,
             psn_cash_pay=psn - acct)
    s = Settlement(amounts=a, info={}, details=[FundDetail("310100", fund), FundDetail("999996", hosp)])
    assert s.identity_errors() == []
    rec = DepositReconciliation(s.psn_cash_pay, D("3000.00"))
    assert rec.held + rec.due == s.psn_cash_pay and (rec.collect == 0 or rec.refund == 0)
    s.amounts["psn_cash_pay"] += D("0.01")
    assert s.identity_errors()


# deposits -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cash, deposits, kind, collect, refund", [
    ("2647.64", "5000.00", "refund", "0.00", "2352.36"),
    ("3982.02", "3000.00", "collect", "982.02", "0.00"),
    ("1000.00", "1000.00", "even", "0.00", "0.00"),
    ("0.00", "0.00", "even", "0.00", "0.00"),
])
def test_deposit_reconciliation(cash, deposits, kind, collect, refund):
    r = DepositReconciliation(D(cash), D(deposits))
    assert r.kind == kind and r.collect == D(collect) and r.refund == D(refund)
    assert r.due == D(cash) - D(deposits)
    e = r.entry("JS1")
    assert (e is None) == (kind == "even")
    if e is not None:
        assert held([Deposit("YJ1", D(deposits)), e]) == D(cash)  # after the discharge entry the stay is square
    assert ("应补缴" in r.text) == (kind == "collect") and ("应退款" in r.text) == (kind == "refund")


def test_deposit_validation_and_parsing():
    assert parse_deposit_amount("5000") == D("5000.00")
    assert parse_deposit_amount("¥1234.5") == D("1234.50")
    for bad in ("0", "-1", "12.345", "abc", "5,000", "5,00", ""):  # issue 11 item 3: no separators, no comma
        with pytest.raises(ValueError):
            parse_deposit_amount(bad)
    with pytest.raises(ValueError):
        Deposit("R", D("-1"))
    with pytest.raises(ValueError):
        Deposit("R", D("1"), kind="gift")
    with pytest.raises(ValueError):
        Deposit("R", 1.5)  # binary floats never become money
    assert held([Deposit("a", D("100")), Deposit("b", D("30"), kind="refund"), Deposit("c", D("5"), kind="collect")]) \
        == D("75.00")


# fee totals and the bill file ---------------------------------------------------------------------
def test_fee_totals_by_category_and_class():
    lines = [
        {"feedetl_sn": "1", "det_item_fee_sumamt": D("3500.00"), "fulamt_ownpay_amt": ZERO, "overlmt_amt": D("1500.00"),
         "preselfpay_amt": D("400.00"), "inscp_scp_amt": D("1600.00"), "chrgitm_lv": "02", "med_chrgitm_type": "08"},
        {"feedetl_sn": "2", "det_item_fee_sumamt": D("30.00"), "fulamt_ownpay_amt": ZERO, "overlmt_amt": ZERO,
         "preselfpay_amt": ZERO, "inscp_scp_amt": D("30.00"), "chrgitm_lv": "01", "med_chrgitm_type": "01"},
        {"feedetl_sn": "3", "det_item_fee_sumamt": D("30.00"), "fulamt_ownpay_amt": ZERO, "overlmt_amt": ZERO,
         "preselfpay_amt": ZERO, "inscp_scp_amt": D("30.00"), "chrgitm_lv": "01", "med_chrgitm_type": "01"},
        {"feedetl_sn": "4", "det_item_fee_sumamt": D("15.00")},  # not uploaded yet
    ]
    t = fee_totals(lines)
    assert t.count == 4 and t.total == D("3575.00") and t.unclassified == 1 and t.errors == []
    names = {g.name: (g.count, g.total) for g in t.by_type}
    assert names["床位费"] == (2, D("60.00")) and names["卫生材料费"] == (1, D("3500.00"))
    assert names["未分类"] == (1, D("15.00"))
    levels = {g.name: g.amounts for g in t.by_level}
    assert levels["乙类"]["overlmt_amt"] == D("1500.00") and levels["甲类"]["inscp_scp_amt"] == D("60.00")
    lines[1]["inscp_scp_amt"] = D("29.99")
    assert fee_totals(lines).errors


def test_inpatient_bill_file():
    ib = InpatientBill.from_dict(wire.loads((BILLS / "inpatient-cataract-nanning.json").read_text("utf-8")))
    assert ib.bill.med_type == "21" and ib.stay_days == 3 and len(ib.days) == len(ib.bill.items)
    assert ib.form.dise_codg == "H25.900" and ib.form.bed == "10-12"
    assert ib.bill.total == sum((it.amount for it in ib.bill.items), ZERO)
    times = ib.fee_times("2025-06-13 15:30:00")
    assert times[0] == "2025-06-13 15:30:00"  # day 0 at admission (later than 09:00)
    assert times[ib.days.index(1)] == "2025-06-14 09:00:00"
    with pytest.raises(ValueError):
        InpatientBill.from_dict({"items": [{"hosp_code": "a", "national_code": "b", "name": "c", "price": "1",
                                            "qty": 1, "day": -1}]})


def test_receipt_shows_breakdown_and_deposit_balance():
    stay = Stay(adm_no="ZY202606160001", psn_no="1", insutype="310", insuplc_admdvs="460100",
                treatment_admdvs="450100", state="settled", name_masked="符**", begntime="2025-06-13 15:30:00",
                endtime="2025-06-16 10:00:00", deposits=[Deposit("YJ1", D("3000.00"))])
    s = doc_example()
    rec = DepositReconciliation(s.psn_cash_pay, stay.held)
    text = "\n".join(receipt_lines(stay, s, rec, fee_totals([])))
    assert "¥23,442.46" in text and "¥505.01" in text and "¥3,982.02" in text
    assert "应补缴" in text and "¥982.02" in text and "跨省异地就医" in text and "3天" in text


# sandbox policy pieces ------------------------------------------------------------------------------
def test_sandbox_hospital_part_and_its_detail():
    rule = Rule(insuplc_admdvs="460100", insutype="310", benefit="inpatient", deductible=D("1000.00"),
                ratio=D("0.85"), annual_cap=D("100000.00"), pool=Fund("hifp_pay", "310100", "统筹"), has_account=True)
    parts = {"fulamt_ownpay_amt": D("15.00"), "overlmt_selfpay": D("1583.00"), "preselfpay_amt": D("440.18"),
             "inscp_scp_amt": D("5009.62")}
    bd = settle(parts, rule, Usage(), balance=D("100.00"), use_account=True, retiree=False, cvlserv_flag=False,
                overlmt_hosp_prop=D("0.50"))
    a = bd.amounts
    assert a["hosp_part_amt"] == D("791.50")
    assert a["psn_part_amt"] == a["medfee_sumamt"] - a["fund_pay_sumamt"] - a["hosp_part_amt"]
    assert [d["fund_pay_type"] for d in bd.details] == ["310100", "999996"]
    assert identity_errors(a, bd.details) == []
    s = Settlement.from_wire({"setlinfo": {k: str(v) for k, v in a.items()}, "setldetail": [
        {k: (str(v) if isinstance(v, Decimal) else v) for k, v in d.items()} for d in bd.details]})
    assert s.identity_errors() == []
    none = settle(parts, rule, Usage(), balance=ZERO, use_account=False, retiree=False, cvlserv_flag=False)
    assert none.amounts["hosp_part_amt"] == 0 and len(none.details) == 1


def test_sandbox_filings():
    pol = Policies()
    f, why = pol.filing("46010000000000000001", "310", "450100", "2026-06-16")  # filed for all of Guangxi
    assert why == "" and f["filing_no"]
    assert pol.filing("46010000000000000001", "310", "320100", "2026-06-16")[1] == "none"  # not for Jiangsu
    assert pol.filing("53010000000000000023", "390", "450100", "2026-06-16")[1] == "expired"  # filing-expired
    assert pol.filing("53010000000000000023", "390", "450100", "2025-03-01")[1] == ""
    assert pol.filing("53010000000000000023", "390", "450100", "2024-01-01")[1] == "not_yet"
    assert pol.filing("53010000000000000005", "390", "450100", "2026-06-16")[1] == ""  # renewed after it expired
    assert pol.filing("50010000000000000006", "310", "450100", "2026-06-16")[1] == ""  # city-level filing
    assert pol.filing("50010000000000000006", "310", "450200", "2026-06-16")[1] == "none"
    assert pol.filing("11000000000000000008", "340", "450100", "2026-06-16")[1] == "none"  # not for this insutype
    assert pol.filing("52010000000000000012", "390", "450100", "2026-06-16")[1] == "none"  # unfiled
    assert pol.filing("51010000000000000014", "390", "450100", "2026-06-16")[1] == "none"  # filed for Jiangsu
    assert pol.filing("51010000000000000014", "390", "320100", "2026-06-16")[1] == ""
    assert pol.overlmt_hosp_prop("450100") == D("0.50") and pol.overlmt_hosp_prop("320100") == 0
