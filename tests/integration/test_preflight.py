"""The pre-flight over HTTP against the sandbox: 2001 人员待遇享受检查, the filing query 5302, the outpatient
cross-province filing rule at registration (2201), and the terminal's PrecheckService that reads them."""
from __future__ import annotations

from datetime import datetime

import pytest

from terminal.backend.client import client_from_config
from terminal.backend.errors import BusinessError
from terminal.core.models import Credential
from terminal.core.precheck import FilingState
from terminal.sandbox.testkit import Refused, SandboxClient
from terminal.services.outpatient import SettlementService
from terminal.services.precheck import PrecheckService
from tests.support import PERSONS, small_bill


def psn(key):
    p = PERSONS[key]
    ins = p["insuinfo"][0]
    return p["psn_no"], ins["insutype"], ins["insuplc_admdvs"]


def check_2001(k, key, med_type="11"):
    psn_no, insutype, insuplc = psn(key)
    return k.ok("2001", {"data": {"psn_no": psn_no, "insutype": insutype, "fixmedins_code": k.code,
                                  "med_type": med_type, "begntime": f"{datetime.now():%Y-%m-%d %H:%M:%S}",
                                  "endtime": "", "dise_codg": "", "dise_name": "", "oprn_oprt_code": "",
                                  "oprn_oprt_name": "", "matn_type": "", "birctrl_type": ""}}, insuplc)["trtinfo"]


@pytest.fixture
def k(sandbox):
    c = SandboxClient(sandbox.url, "H45010000001")
    c.sign_in()
    yield c
    c.close()


# the sandbox's transactions ---------------------------------------------------------------------------------
def test_2001_enjoyed_per_fund(k):
    rows = check_2001(k, "hainan-retiree")
    assert {r["fund_pay_type"] for r in rows} == {"310100", "330100"}  # pool and the big-expense fund
    assert all(r["trt_enjymnt_flag"] == "1" and r["begndate"] == "2010-01-01" for r in rows)
    assert set(rows[0]) == {"psn_no", "trt_chk_type", "fund_pay_type", "trt_enjymnt_flag", "begndate", "enddate",
                            "trt_chk_rslt"}
    assert all(r["trt_enjymnt_flag"] == "1" for r in check_2001(k, "local"))  # same province: no filing needed


@pytest.mark.parametrize("key, needle", [
    ("suspended", "参保状态为暂停参保(自 2026-06-30 起)"),
    ("unfiled", "参保人未办理异地就医备案（参保地 贵州贵阳市，就医地 广西南宁市）"),
    ("filing-expired", "有效期 2025-01-01 至 2025-06-30)已过期"),
    ("filed-elsewhere", "备案就医地为 江苏省，不含本次就医地 广西南宁市"),
])
def test_2001_not_enjoyed_with_the_reason(k, key, needle):
    rows = check_2001(k, key)
    assert rows and all(r["trt_enjymnt_flag"] == "0" for r in rows)
    assert needle in rows[0]["trt_chk_rslt"]
    if key == "suspended":
        assert rows[0]["enddate"] == "2026-06-30"


def test_2001_refuses_a_bad_request(k):
    psn_no, insutype, insuplc = psn("hainan-retiree")
    with pytest.raises(Refused) as ei:
        k.ok("2001", {"data": {"psn_no": psn_no, "insutype": insutype}}, insuplc)
    assert "med_type" in ei.value.err_msg
    with pytest.raises(Refused) as ei:
        k.ok("2001", {"data": {"psn_no": psn_no, "insutype": "390", "med_type": "11"}}, insuplc)
    assert "390" in ei.value.err_msg


def test_5302_lists_the_filings(k):
    psn_no, _, insuplc = psn("filed-elsewhere")
    rows = k.ok("5302", {"data": {"psn_no": psn_no, "biz_appy_type": ""}}, insuplc)["psnfixmedin"]
    assert [(r["mdtrtarea_admvs"], r["begndate"], r["enddate"], r["filing_type"]) for r in rows] == [
        ("320000", "2024-03-01", "", "常驻异地工作人员")]
    psn_no, _, insuplc = psn("unfiled")
    assert k.ok("5302", {"data": {"psn_no": psn_no, "biz_appy_type": ""}}, insuplc)["psnfixmedin"] == []


@pytest.mark.parametrize("key, needle", [
    ("unfiled", "参保人未办理异地就医备案"),
    ("filing-expired", "已过期"),
    ("filed-elsewhere", "不含本次就医地 广西南宁市"),
])
def test_outpatient_registration_needs_a_filing(k, key, needle):
    with pytest.raises(Refused) as ei:
        k.open_visit(key, [("001102000010300", "25.00", 1)])
    msg = ei.value.err_msg
    assert needle in msg and "不能跨省直接结算门诊费用" in msg
    # the next step and the place
    assert "国家医保服务平台APP" in msg and "参保地医保经办机构" in msg and "广西南宁市" in msg


def test_filed_persons_still_settle_and_the_same_person_settles_where_filed(sandbox, k):
    for key in ("hainan-retiree", "sichuan-resident", "guizhou-resident", "tibet-resident", "shanghai-employee"):
        v = k.open_visit(key, [("001102000010300", "25.00", 1)])
        assert k.settle(v)["setlinfo"]["medfee_sumamt"] == v.total
    nj = SandboxClient(sandbox.url, "H32010000001")
    nj.sign_in()
    v = nj.open_visit("filed-elsewhere", [("001102000010300", "25.00", 1)])  # filed for Jiangsu: settles in Nanjing
    assert nj.settle(v)["setlinfo"]["medfee_sumamt"] == v.total
    with pytest.raises(Refused) as ei:  # the Hainan retiree is filed for Guangxi only
        nj.open_visit("hainan-retiree", [("001102000010300", "25.00", 1)])
    assert "备案就医地为 广西壮族自治区" in ei.value.err_msg
    nj.close()


# the terminal's service ------------------------------------------------------------------------------------------
@pytest.fixture
def svc(client, cfg):
    return SettlementService(client, treatment_admdvs=cfg.facility.admdvs)


def run(svc, key, **kw):
    cred = Credential("02", PERSONS[key]["certno"])
    person = svc.identify(cred)
    return PrecheckService(svc, **kw).run(person)


def test_service_reimbursable_with_the_filing(svc):
    r = run(svc, "hainan-retiree")
    assert r.reimbursable is True and r.reasons == [] and r.problems == []
    assert r.filing.state is FilingState.FILED and r.filing.record.mdtrtarea_admvs == "450000"
    assert r.summary().startswith("可报销") and "2020-01-01 至 长期" in r.filing_text
    local = run(svc, "local")
    assert local.reimbursable is True and local.filing.state is FilingState.NOT_NEEDED


@pytest.mark.parametrize("key, state, needle", [
    ("unfiled", FilingState.MISSING, "未办理异地就医备案"),
    ("filing-expired", FilingState.EXPIRED, "2025-01-01 至 2025-06-30"),
    ("filed-elsewhere", FilingState.ELSEWHERE, "江苏省"),
    ("suspended", FilingState.FILED, "暂停参保"),
])
def test_service_not_reimbursable_with_reasons(svc, key, state, needle):
    r = run(svc, key)
    assert r.reimbursable is False and r.filing.state is state
    assert needle in r.summary() and r.summary().startswith("不可报销：")
    assert r.to_json()["reimbursable"] is False and r.to_json()["filing"]["state"] == state.value


def test_service_checks_switch_off(svc, sandbox):
    r = run(svc, "unfiled", entitlement=False)
    assert r.benefits is None and r.filing.state is FilingState.MISSING and r.reimbursable is False
    r = run(svc, "unfiled", filing=False)
    assert r.filing is None and r.reimbursable is False  # 2001 itself says why
    r = run(svc, "unfiled", entitlement=False, filing=False)
    assert r.reimbursable is None and r.summary().startswith("待遇未核实")


def test_service_unknown_when_the_platform_is_unreachable(cfg, sandbox, tmp_path):
    cl = client_from_config(cfg, sandbox.url, msgid_state=tmp_path / "m.state")
    svc = SettlementService(cl, treatment_admdvs=cfg.facility.admdvs)
    person = svc.identify(Credential("02", PERSONS["unfiled"]["certno"]))
    sandbox.arm_fault("http500", infno="2001")
    sandbox.arm_fault("http500", infno="5302")
    r = PrecheckService(svc).run(person)
    cl.close()
    assert r.reimbursable is None and len(r.problems) == 2 and r.summary().startswith("待遇未核实")


def test_open_visit_refused_for_the_unfiled(svc):
    cred = Credential("02", PERSONS["unfiled"]["certno"])
    with pytest.raises(BusinessError) as ei:
        svc.open_visit(cred, svc.identify(cred), small_bill())
    assert "参保人未办理异地就医备案" in ei.value.err_msg
