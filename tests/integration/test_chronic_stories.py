"""The five cross-province outpatient chronic diseases (门诊慢特病), one seed story each, through the terminal's own
service (5301, 2201, 2203 with the disease, 2204, 2206, 2207) against the sandbox over HTTP: the insured place's
policy for that disease applies (its own deductible, ratio and annual cap, apart from ordinary outpatient), and
the personal account pays across provinces where the insured place allows it (the Sichuan employee treated in
Chongqing, the southwest pilot).

The expected figures are written out from the policy (policies.json benefits.chronic.diseases), not read from it:
a change of the data or of the arithmetic fails here."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.backend.client import client_from_config
from terminal.backend.errors import BusinessError
from terminal.core.chronic import ChronicFiling
from terminal.core.models import Bill
from terminal.sandbox.policy import Policies
from terminal.services.outpatient import SettlementService
from tests.support import id_cred

D = Decimal
POLICIES = Policies()
NIFEDIPINE, METFORMIN, EXAM = "XC08CAA046A012010100002", "XA10BAA030A012010100003", "001102000010000"
CAPECITABINE, DIALYSIS, TACROLIMUS = "XL01BCK136A001010100042", "003105000010000", "XL04ADT054E001010100044"


@pytest.fixture
def desk(cfg, sandbox, tmp_path):
    """The service at a hospital: Nanning (the default) or, with desk("chongqing"), the Chongqing hospital."""
    clients = []

    def make(where: str = "nanning") -> SettlementService:
        if where == "chongqing":
            f = cfg.facility
            f.code, f.name, f.admdvs, f.level = "H50010000001", "重庆医科大学附属第一医院", "500100", "3"
        cl = client_from_config(cfg, sandbox.url, msgid_state=tmp_path / f"msgid-{where}.state")
        clients.append(cl)
        return SettlementService(cl, treatment_admdvs=cfg.facility.admdvs)

    yield make
    for cl in clients:
        cl.close()


def bill(admdvs: str, lines: list[tuple[str, int]], code: str, med_type: str = "14") -> Bill:
    items = []
    for national, qty in lines:
        it = POLICIES.catalogue_item(admdvs, national)
        assert it is not None
        items.append({"hosp_code": it.medins_list_codg, "national_code": national, "name": it.name,
                      "price": str(it.pric), "qty": qty})
    return Bill.from_dict({"med_type": med_type, **({"opsp_dise_code": code} if med_type == "14" else {}),
                           "items": items})


def settle(svc: SettlementService, key: str, b: Bill):
    cred = id_cred(key)
    person = svc.identify(cred)
    visit = svc.open_visit(cred, person, b)
    pre = svc.preview(visit)
    s = svc.settle(visit)
    assert s.identity_errors() == [] and pre.amounts == {**s.amounts}
    return s


def check(s, **want: str) -> None:
    got = {k: f"{getattr(s, k):.2f}" for k in want}
    assert got == want


def test_hypertension_sichuan_employee_in_chongqing_account_pays_across_provinces(desk):
    svc = desk("chongqing")
    person = svc.identify(id_cred("sichuan-hypertension"))
    assert person.insurances[0].insuplc_admdvs == "510100"  # insured in Sichuan, treated in Chongqing
    assert svc.chronic_filings(person) == [ChronicFiling("M03900", "高血压", "2024-03-01", ""),
                                           ChronicFiling("M01600", "糖尿病", "2024-01-01", "2025-03-31")]
    # Sichuan 310, hypertension: deductible 100.00, ratio 0.80, annual cap 1200.00; the account pays the rest
    s1 = settle(svc, "sichuan-hypertension", bill("500100", [(NIFEDIPINE, 10), (EXAM, 1)], "M03900"))
    check(s1, medfee_sumamt="338.00", act_pay_dedc="100.00", hifp_pay="190.40", pool_prop_selfpay="47.60",
          psn_part_amt="147.60", acct_pay="147.60", psn_cash_pay="0.00", balc="1712.40")
    assert s1.info["clr_type"] == "14"
    s2 = settle(svc, "sichuan-hypertension", bill("500100", [(NIFEDIPINE, 50)], "M03900"))
    check(s2, medfee_sumamt="1640.00", act_pay_dedc="0.00", hifp_pay="1009.60", fund_pay_sumamt="1009.60",
          psn_part_amt="630.40", acct_pay="630.40", psn_cash_pay="0.00", balc="1082.00")  # the cap: 1200 in all
    # the same bill as ordinary outpatient follows Sichuan's outpatient policy (level 3: deductible 600.00)
    s3 = settle(svc, "sichuan-hypertension", bill("500100", [(NIFEDIPINE, 10), (EXAM, 1)], "", med_type="11"))
    check(s3, act_pay_dedc="338.00", hifp_pay="0.00", psn_part_amt="338.00")


def test_diabetes_hainan_employee_in_nanning(desk):
    svc = desk()
    # Hainan 310, diabetes: no deductible, ratio 0.85, annual cap 600.00; the account pays across provinces
    s1 = settle(svc, "hainan-diabetes", bill("450100", [(METFORMIN, 10), (EXAM, 1)], "M01600"))
    check(s1, medfee_sumamt="196.00", act_pay_dedc="0.00", hifp_pay="166.60", psn_part_amt="29.40",
          acct_pay="29.40", psn_cash_pay="0.00")
    s2 = settle(svc, "hainan-diabetes", bill("450100", [(METFORMIN, 40)], "M01600"))
    check(s2, medfee_sumamt="744.00", hifp_pay="433.40", pool_prop_selfpay="76.48", psn_part_amt="310.60",
          acct_pay="310.60", balc="2060.00")


def test_malignant_tumour_guizhou_resident_in_nanning(desk):
    svc = desk()
    # Guizhou 390, malignant tumour outpatient treatment: deductible 300.00, ratio 0.70, annual cap 50000.00
    s1 = settle(svc, "guizhou-tumour", bill("450100", [(CAPECITABINE, 10)], "M00500"))
    check(s1, medfee_sumamt="1200.00", act_pay_dedc="300.00", hifp_pay="630.00", psn_part_amt="570.00",
          acct_pay="0.00", psn_cash_pay="570.00")
    s2 = settle(svc, "guizhou-tumour", bill("450100", [(CAPECITABINE, 600)], "M00500"))
    check(s2, medfee_sumamt="72000.00", act_pay_dedc="0.00", hifp_pay="49370.00", pool_prop_selfpay="21158.57",
          hifmi_pay="0.00", psn_part_amt="22630.00", psn_cash_pay="22630.00")


def test_uremia_dialysis_yunnan_resident_in_nanning(desk):
    svc = desk()
    # Yunnan 390, uremia dialysis: no deductible, ratio 0.90, annual cap 60000.00
    s1 = settle(svc, "yunnan-dialysis", bill("450100", [(DIALYSIS, 12)], "M07803"))
    check(s1, medfee_sumamt="4800.00", act_pay_dedc="0.00", hifp_pay="4320.00", psn_cash_pay="480.00")
    s2 = settle(svc, "yunnan-dialysis", bill("450100", [(DIALYSIS, 160)], "M07803"))
    check(s2, medfee_sumamt="64000.00", hifp_pay="55680.00", pool_prop_selfpay="6186.67", psn_cash_pay="8320.00")


def test_anti_rejection_after_transplant_nanning_employee(desk):
    svc = desk()
    # Nanning 310 (local), anti-rejection: no deductible, ratio 0.85, annual cap 40000.00; the account pays
    s1 = settle(svc, "nanning-transplant", bill("450100", [(TACROLIMUS, 2)], "M08300"))
    check(s1, medfee_sumamt="1160.00", hifp_pay="986.00", psn_part_amt="174.00", acct_pay="174.00", balc="2926.00")
    s2 = settle(svc, "nanning-transplant", bill("450100", [(TACROLIMUS, 80)], "M08300"))
    check(s2, medfee_sumamt="46400.00", hifp_pay="39014.00", pool_prop_selfpay="6884.82", psn_part_amt="7386.00",
          acct_pay="2926.00", psn_cash_pay="4460.00", balc="0.00")


def test_the_service_sends_the_disease_and_the_platform_refusal_names_it(desk):
    svc = desk()
    with pytest.raises(BusinessError) as e:
        settle(svc, "hainan-diabetes", bill("450100", [(NIFEDIPINE, 1)], "M03900"))
    assert "未备案门诊慢特病 M03900 高血压" in e.value.err_msg
