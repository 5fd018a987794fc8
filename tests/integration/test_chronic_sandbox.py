"""门诊慢特病 over real HTTP on 127.0.0.1 (real SQLite): 5301 人员慢特病备案查询, 2503 人员慢特病备案, and the
med_type 14 settlement's refusals (disease not filed, filing expired, no disease on the visit)."""
from __future__ import annotations

import pytest

from terminal.sandbox.testkit import Refused, SandboxClient

DAY = "2025-06-16"  # the ticking clock's day
PILLS = [("XC08CAA046A012010100002", "32.80", 3), ("001102000010000", "10.00", 1)]
HYPERTENSION = ("M03900", "高血压")
DIABETES = ("M01600", "糖尿病")


def person(kit, key):
    p = kit.policies.persons[key]
    return p["psn_no"], p["insuinfo"][0]["insutype"], p["insuinfo"][0]["insuplc_admdvs"]


def query(kit, key, **extra):
    psn_no, _, insuplc = person(kit, key)
    return kit.ok("5301", {"data": {"psn_no": psn_no, **extra}}, insuplc)["feedetail"]


def file_one(kit, key, code, name, begndate=DAY, enddate="", **extra):
    psn_no, insutype, insuplc = person(kit, key)
    data = {"psn_no": psn_no, "insutype": insutype, "opsp_dise_code": code, "opsp_dise_name": name, "tel": "",
            "addr": "", "insu_optins": insuplc, "ide_fixmedins_no": kit.code, "ide_fixmedins_name": kit.name,
            "hosp_ide_date": begndate, "diag_dr_codg": "D0001", "diag_dr_name": "王医生", "begndate": begndate,
            "enddate": enddate, **extra}
    return kit.ok("2503", {"data": data}, insuplc)


def test_5301_lists_the_persons_filings_with_their_dates(kit):
    rows = query(kit, "sichuan-hypertension")
    assert rows == [
        {"opsp_dise_code": "M03900", "opsp_dise_name": "高血压", "begndate": "2024-03-01", "enddate": ""},
        {"opsp_dise_code": "M01600", "opsp_dise_name": "糖尿病", "begndate": "2024-01-01", "enddate": "2025-03-31"}]
    assert query(kit, "local") == []  # nobody filed
    with pytest.raises(Refused, match="没有险种 390"):
        query(kit, "sichuan-hypertension", insutype="390")


def test_5301_needs_sign_in_and_the_insured_place(sbx):
    k = SandboxClient(sbx.url)
    psn_no = k.policies.persons["hainan-diabetes"]["psn_no"]
    a = k.call("5301", {"data": {"psn_no": psn_no}}, "460100")
    assert a["infcode"] == -1 and "签到" in a["err_msg"]
    k.sign_in()
    a = k.call("5301", {"data": {"psn_no": psn_no}})
    assert a["infcode"] == -1 and "insuplc_admdvs" in a["err_msg"]
    k.close()


def test_2503_files_a_disease_that_5301_then_returns_and_med_type_14_settles(kit, sbx):
    before = kit.open_visit("hainan-diabetes", PILLS, med_type="14", dise=HYPERTENSION, bch="B000")
    with pytest.raises(Refused, match=r"未备案门诊慢特病 M03900 高血压"):
        kit.pre_settle(before)
    out = file_one(kit, "hainan-diabetes", *HYPERTENSION, enddate="2026-06-15")
    sn = out["result"]["trt_dcla_detl_sn"]
    assert sn.startswith("450100") and len(sn) == 26
    assert {"opsp_dise_code": "M03900", "opsp_dise_name": "高血压", "begndate": DAY, "enddate": "2026-06-15"} \
        in query(kit, "hainan-diabetes")
    v = kit.open_visit("hainan-diabetes", PILLS, med_type="14", dise=HYPERTENSION)
    s = kit.settle(v)["setlinfo"]
    assert s["med_type"] == "14" and s["clr_type"] == "14"
    # Hainan 310 has no M03900 rule of its own: the chronic default applies (deductible 0, ratio 0.75)
    assert str(s["hifp_pay"]) == "81.30" and str(s["act_pay_dedc"]) == "0.00"


@pytest.mark.parametrize("change, needle", [
    ({"opsp_dise_code": "M99999"}, "opsp_dise_code 'M99999' 无效"),
    ({"begndate": "2025/06/16"}, "begndate 应为 yyyy-MM-dd"),
    ({"enddate": "2025-01-01"}, "不早于开始日期"),
    ({"insutype": "390"}, "没有险种 390"),
    ({"opsp_dise_code": "M01600", "opsp_dise_name": "糖尿病"}, "已备案门诊慢特病 M01600 糖尿病"),
])
def test_2503_refusals(kit, change, needle):
    with pytest.raises(Refused) as e:
        file_one(kit, "hainan-diabetes", *HYPERTENSION, **change)
    assert needle in e.value.err_msg


def test_a_refused_2503_books_nothing(kit):
    with pytest.raises(Refused):
        file_one(kit, "hainan-diabetes", "M99999", "?")
    assert [r["opsp_dise_code"] for r in query(kit, "hainan-diabetes")] == ["M01600"]


def test_refused_when_the_disease_is_not_filed(kit):
    v = kit.open_visit("yunnan-dialysis", PILLS, med_type="14", dise=HYPERTENSION)
    with pytest.raises(Refused) as e:
        kit.pre_settle(v)
    assert "未备案门诊慢特病 M03900 高血压（险种 390）" in e.value.err_msg and "2503" in e.value.err_msg
    with pytest.raises(Refused, match="未备案门诊慢特病 M03900"):
        kit.settle(v)
    v11 = kit.open_visit("yunnan-dialysis", PILLS, med_type="11", bch="B002")  # the same bill as ordinary outpatient
    assert kit.settle(v11)["setlinfo"]["med_type"] == "11"


def test_refused_when_the_filing_expired(sbx):
    k = SandboxClient(sbx.url, "H50010000001")  # the Chongqing hospital (the person is treated there)
    k.sign_in()
    v = k.open_visit("sichuan-hypertension", PILLS, med_type="14", dise=DIABETES)
    with pytest.raises(Refused) as e:
        k.pre_settle(v)
    assert "门诊慢特病 M01600 糖尿病备案已于 2025-03-31 到期" in e.value.err_msg
    k.close()


def test_refused_without_a_disease_on_the_visit(kit):
    v = kit.open_visit("hainan-diabetes", PILLS, med_type="14", dise=("", ""))
    with pytest.raises(Refused, match=r"门诊慢特病\(med_type 14\)须在就诊信息\(2203\)中填写慢特病病种 dise_codg"):
        kit.pre_settle(v)


def test_a_filing_not_yet_begun_is_refused(kit):
    file_one(kit, "guizhou-tumour", *DIABETES, begndate="2025-07-01")
    v = kit.open_visit("guizhou-tumour", PILLS, med_type="14", dise=DIABETES)
    with pytest.raises(Refused, match="M01600 糖尿病备案自 2025-07-01 起生效"):
        kit.pre_settle(v)
