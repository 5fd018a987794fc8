"""core/chronic.py: the 5301 answer read strictly, a filing in force or why not, and the bill file's med_type 14
fields (refused with the field named)."""
from __future__ import annotations

import pytest

from terminal.core.chronic import ChronicFiling, filings_from_wire, summary
from terminal.core.models import Bill

ITEM = {"hosp_code": "NNYP0002", "national_code": "XC08CAA046A012010100002", "name": "硝苯地平控释片",
        "price": "32.80", "qty": 1}


def test_5301_answer():
    out = {"feedetail": [{"opsp_dise_code": "M03900", "opsp_dise_name": "高血压", "begndate": "2024-03-01",
                          "enddate": ""},
                         {"opsp_dise_code": "M01600", "opsp_dise_name": "糖尿病", "begndate": "2024-01-01",
                          "enddate": "2025-03-31"}]}
    fs = filings_from_wire(out)
    assert fs == [ChronicFiling("M03900", "高血压", "2024-03-01"), ChronicFiling("M01600", "糖尿病", "2024-01-01",
                                                                          "2025-03-31")]
    assert filings_from_wire({"feedetail": out["feedetail"][0]}) == fs[:1]  # one object, not a list
    assert filings_from_wire({}) == []
    with pytest.raises(ValueError, match="opsp_dise_code"):
        filings_from_wire({"feedetail": [{"opsp_dise_name": "高血压"}]})
    with pytest.raises(ValueError, match="不是列表"):
        filings_from_wire({"feedetail": "M03900"})


def test_in_force_and_why_not():
    f = ChronicFiling("M01600", "糖尿病", "2024-01-01", "2025-03-31")
    assert f.in_force("2025-03-31") and not f.in_force("2025-04-01") and not f.in_force("2023-12-31")
    assert f.why_not("2025-04-01") == "备案已于 2025-03-31 到期"
    assert f.why_not("2023-12-31") == "备案自 2024-01-01 起生效"
    assert ChronicFiling("M03900", "高血压", "2024-03-01").in_force("2099-01-01")
    assert summary([ChronicFiling("M03900", "高血压", "2024-03-01"), f], "2026-12-03") == \
        "M03900 高血压（2024-03-01 至 长期）；M01600 糖尿病（备案已于 2025-03-31 到期）"


def test_bill_file_med_type_14():
    b = Bill.from_dict({"med_type": "14", "opsp_dise_code": "M03900", "items": [ITEM]})
    assert (b.med_type, b.opsp_dise_code, b.opsp_dise_name) == ("14", "M03900", "高血压")
    b = Bill.from_dict({"opsp_dise_code": "M07803", "opsp_dise_name": "慢性肾功能不全（血透治疗）", "items": [ITEM]})
    assert (b.med_type, b.opsp_dise_name) == ("14", "慢性肾功能不全（血透治疗）")  # the disease makes it a 14 bill
    assert Bill.from_dict({"items": [ITEM]}).opsp_dise_code == ""
    with pytest.raises(ValueError) as e:
        Bill.from_dict({"med_type": "14", "items": [ITEM]})
    assert str(e.value) == ("慢特病病种(opsp_dise_code)："
                            "门诊慢特病账单(med_type 14)须填写门慢门特病种目录代码，如 M03900")
    with pytest.raises(ValueError) as e:
        Bill.from_dict({"med_type": "11", "opsp_dise_code": "M03900", "items": [ITEM]})
    assert str(e.value) == ("慢特病病种(opsp_dise_code)："
                            "只用于门诊慢特病账单(med_type 14)，账单 med_type 为 11（M03900）")


def test_the_his_push_carries_the_disease_and_names_the_field_it_refuses():
    from terminal.his.book import HisError, parse_bill

    b = parse_bill({"bill_no": "MZ1", "med_type": "14", "opsp_dise_code": "M08300", "items": [ITEM]})
    assert (b.med_type, b.opsp_dise_code, b.opsp_dise_name) == ("14", "M08300", "器官移植抗排异治疗")
    with pytest.raises(HisError) as e:
        parse_bill({"bill_no": "MZ1", "med_type": "14", "items": [ITEM]})
    assert e.value.field == "opsp_dise_code" and e.value.status == 422
    with pytest.raises(HisError) as e:
        parse_bill({"bill_no": "MZ1", "opsp_dise_code": "M" * 31, "items": [ITEM]})
    assert e.value.field == "opsp_dise_code"
