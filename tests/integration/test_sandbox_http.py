"""The sandbox platform over real HTTP on 127.0.0.1 with real SQLite: every transaction and the stories."""
from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from terminal.core import wire
from terminal.core.models import Person, Settlement
from terminal.core.money import money
from terminal.core.protocol import SINGLE_ENDPOINT, TRANSACTION_PATHS
from terminal.sandbox.server import SandboxServer
from terminal.sandbox.testkit import Refused, SandboxClient, ticking_clock

D = Decimal
DAY = "2025-06-16"  # the ticking clock's day
CATARACT = [("003304070220000", "2600.00", 1), ("C0314000000000100030", "3500.00", 1),
            ("C0303000000000100032", "380.00", 1), ("XS01CAD045B002010100007", "36.80", 2),
            ("003103000010000", "6.00", 1), ("TJ-NOT-IN-CATALOGUE", "150.00", 1)]
CHECKUP = [("001102000010000", "15.00", 1), ("002501010150000", "22.00", 1), ("002205000030000", "120.00", 1),
           ("003106000010000", "150.00", 1)]
COLD = [("001102000010000", "10.00", 1), ("XJ01CAA040A001010100001", "12.50", 2), ("ZA01CAL0198010100011", "19.80", 1)]


@pytest.fixture
def sbx(tmp_path):
    with SandboxServer(db_path=tmp_path / "sandbox.sqlite", clock=ticking_clock()) as s:
        yield s


@pytest.fixture(params=["single", "per-transaction"])
def url_style(request):
    return request.param


@pytest.fixture
def kit(sbx, url_style):
    k = SandboxClient(sbx.url, style=url_style)
    k.sign_in()
    yield k
    k.close()


def client_for(sbx, code, style="single"):
    k = SandboxClient(sbx.url, code, style=style)
    k.sign_in()
    return k


def checked(output) -> Settlement:
    """The terminal's own identity check on the answer."""
    return Settlement.from_wire(output).check()


# ------------------------------------------------------------------------------------------------------
def test_control_endpoints(sbx):
    h = requests.get(sbx.url + "/sandbox/health", timeout=5).json()
    assert h["status"] == "ok" and "lost_answer" in h["fault_kinds"] and "H45010000001" in h["facilities"]
    assert requests.get(sbx.url + "/sandbox/ledger", timeout=5).json() == []
    assert requests.get(sbx.url + SINGLE_ENDPOINT, timeout=5).status_code == 405
    assert requests.post(sbx.url + "/nope", data=b"{}", timeout=5).status_code == 404


def test_envelope_of_the_answer(kit):
    a = kit.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "450100197705200135"}})
    assert a["infcode"] == 0 and a["err_msg"] == ""
    assert len(a["inf_refmsgid"]) == 30 and a["inf_refmsgid"].startswith("450100") and a["inf_refmsgid"].isdigit()
    assert len(a["refmsg_time"]) == 17 and len(a["respond_time"]) == 17 and a["respond_time"].isdigit()


def test_both_url_styles_and_path_body_mismatch(sbx):
    k = SandboxClient(sbx.url, style="per-transaction")
    k.sign_in()
    env = k.envelope("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "450100197705200135"}})
    del env["infno"]  # implied by the path
    r = k.post_env(env, infno="1101")
    assert wire.loads(r.content)["output"]["baseinfo"]["psn_name"] == "黄丽萍"
    env = k.envelope("2201", {"data": {}})  # body says 2201, path says 1101
    a = wire.loads(k.post_env(env, infno="1101").content)
    assert a["infcode"] == -1 and "不符" in a["err_msg"]
    a = wire.loads(requests.post(sbx.url + SINGLE_ENDPOINT, data=wire.dumps({**env, "infno": ""}).encode()).content)
    assert a["infcode"] == -1 and "infno" in a["err_msg"]
    assert set(TRANSACTION_PATHS) >= {"9001", "1101", "2207", "2601", "3201"}


@pytest.mark.parametrize("change, needle", [
    ({"msgid": "H45010000001202506161000000"}, "msgid"),
    ({"msgid": "H45010000002202506161000000001"}, "msgid"),
    ({"infno": "9999"}, "infno 9999 无效"),
    ({"infno": "2404"}, "暂不支持"),
    ({"mdtrtarea_admvs": "4501"}, "mdtrtarea_admvs"),
    ({"mdtrtarea_admvs": "320100"}, "不符"),
    ({"fixmedins_code": "H99999999999", "msgid": "H99999999999202506161000000001"}, "不存在"),
    ({"input": []}, "input"),
])
def test_envelope_validation(kit, change, needle):
    env = kit.envelope("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "450100197705200135"}})
    env.update(change)
    a = wire.loads(kit.post_env(env, style="single").content)
    assert a["infcode"] == -1 and needle in a["err_msg"], a["err_msg"]


def test_bad_json_and_insuplc_required(kit, sbx):
    a = wire.loads(requests.post(sbx.url + SINGLE_ENDPOINT, data=b"{not json", timeout=5).content)
    assert a["infcode"] == -1 and "JSON" in a["err_msg"]
    data = {"data": {"psn_no": "45010000000000000010", "insutype": "310"}}
    a = kit.call("2201", data)
    assert a["infcode"] == -1 and "insuplc_admdvs" in a["err_msg"] and "必填" in a["err_msg"]
    a = kit.call("2201", data, "460100")
    assert a["infcode"] == -1 and "参保地" in a["err_msg"]


# sign-in ----------------------------------------------------------------------------------------------
def test_sign_in_required_and_sign_out(sbx):
    k = SandboxClient(sbx.url)
    reg = {"data": {"psn_no": "45010000000000000010", "insutype": "310"}}
    a = k.call("2201", reg, "450100")
    assert a["infcode"] == -1 and a["err_msg"] == "签到编号无效，请先签到(9001)"
    a = k.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "450100197705200135"}})
    assert a["infcode"] == 0  # 1101 needs no sign-in
    sign_no = k.sign_in()
    assert k.sign_in() == sign_no  # once per day and operator
    assert k.ok("2201", reg, "450100")["data"]["mdtrt_id"]
    other = SandboxClient(sbx.url, "H45010000002")
    other.sign_no = sign_no  # another facility's sign_no
    assert other.call("2201", reg, "450100")["err_msg"] == "签到编号无效，请先签到(9001)"
    k.ok("9002", {"signOut": {"sign_no": sign_no, "opter_no": "0001"}})
    assert k.call("2201", reg, "450100")["err_msg"] == "签到编号无效，请先签到(9001)"
    assert k.sign_in() != sign_no


def test_sign_in_not_required(tmp_path):
    with SandboxServer(db_path=tmp_path / "s.sqlite", require_sign_in=False) as s:
        k = SandboxClient(s.url)
        assert k.ok("2201", {"data": {"psn_no": "45010000000000000010", "insutype": "310"}}, "450100")


# 1101 -------------------------------------------------------------------------------------------------
def test_person_info_by_id_card_and_ecode(kit, sbx):
    out = kit.person_info("02", "460100194603120132")
    p = Person.from_wire(out)
    assert p.psn_name == "符大海" and p.age == "79" and p.insurances[0].insuplc_admdvs == "460100"
    assert out["insuinfo"][0]["balc"] == D("3286.40") and out["idetinfo"] == []
    card = sbx.policies.persons["hainan-retiree"]["card"]
    assert kit.person_info("03", card["card_no"], card["card_sn"])["baseinfo"]["psn_no"] == p.psn_no
    token = sbx.issue_ectoken("shanghai-employee")
    assert len(token) == 40
    assert kit.person_info("01", token)["baseinfo"]["psn_name"] == "陈静怡"
    two = kit.person_info("02", "110000197901280810")
    assert [i["insutype"] for i in two["insuinfo"]] == ["310", "390"]
    r = requests.post(sbx.url + "/sandbox/ectoken", json={"person_key": "local"}, timeout=5).json()
    assert kit.person_info("01", r["ecToken"])["baseinfo"]["psn_name"] == "黄丽萍"


@pytest.mark.parametrize("cert, needle", [
    (("02", "110101199001011234", ""), "未查询到参保人信息"),
    (("03", "Z99999999", "X"), "未查询到参保人信息"),
    (("03", "A00000001", "460100D1560000051A2B3C4D99999999"), "卡识别码(card_sn)与卡号不符"),
    (("03", "A00000001", ""), "card_sn"),
    (("03", "K00000011", "510100D1560000051A2B3C4D0000000B"), "已过有效期"),
    (("01", "460100deadbeef", ""), "ecToken"),
])
def test_person_info_refusals(kit, cert, needle):
    with pytest.raises(Refused) as e:
        kit.person_info(*cert)
    assert needle in e.value.err_msg


# visit, fees ------------------------------------------------------------------------------------------
def test_registration_visit_info_and_cancel(kit):
    v = kit.open_visit("local", COLD)
    assert len(v.mdtrt_id) >= 20
    with pytest.raises(Refused, match="已上传"):
        kit.ok("2204", {"feedetail": v.feedetail[:1]}, v.insuplc)
    kit.ok("2202", {"data": {"psn_no": v.psn_no, "mdtrt_id": v.mdtrt_id, "ipt_otp_no": ""}}, v.insuplc)
    with pytest.raises(Refused, match="已撤销"):
        kit.pre_settle(v)
    with pytest.raises(Refused, match="mdtrt_id"):
        kit.ok("2203", {"mdtrtinfo": {"mdtrt_id": "nope", "psn_no": v.psn_no, "med_type": "11"}}, v.insuplc)


def test_fee_upload_classes_and_checks(kit):
    v = kit.open_visit("hainan-retiree", CATARACT, med_type="21")
    res = {r["feedetl_sn"][-1]: r for r in v.results}
    assert res["1"]["chrgitm_lv"] == "01" and res["1"]["inscp_scp_amt"] == D("2600.00")
    lens = res["2"]  # intraocular lens: 乙类 20 %, cap 2000
    assert (lens["chrgitm_lv"], lens["pric_uplmt_amt"], lens["overlmt_amt"], lens["selfpay_prop"]) == \
        ("02", D("2000.00"), D("1500.00"), D("0.20"))
    assert lens["preselfpay_amt"] == D("400.00") and lens["inscp_scp_amt"] == D("1600.00")
    assert res["6"]["chrgitm_lv"] == "03" and res["6"]["fulamt_ownpay_amt"] == D("150.00")
    for r in v.results:
        assert r["det_item_fee_sumamt"] == (r["fulamt_ownpay_amt"] + r["overlmt_amt"] + r["preselfpay_amt"]
                                            + r["inscp_scp_amt"])
    line = kit.fee_lines(v.psn_no, v.mdtrt_id, [("XJ01CAA040A001010100001", "12.50", 2)], "B002")
    dup = [line[0], dict(line[0])]
    with pytest.raises(Refused, match="重复"):
        kit.ok("2204", {"feedetail": dup}, v.insuplc)
    bad = [dict(line[0], det_item_fee_sumamt=D("25.01"))]
    with pytest.raises(Refused, match="单价×数量"):
        kit.ok("2204", {"feedetail": bad}, v.insuplc)
    # raw JSON: amounts are numbers with exactly two decimals
    text = kit.post("2204", {"feedetail": line}, v.insuplc).text
    assert '"det_item_fee_sumamt":25.00' in text and '"overlmt_amt":0.00' in text


def test_fee_cancel_by_batch_and_all(kit):
    v = kit.open_visit("local", COLD)
    extra = kit.fee_lines(v.psn_no, v.mdtrt_id, [("002501010150000", "20.00", 1)], "B002")
    kit.ok("2204", {"feedetail": extra}, v.insuplc)
    v.chrg_bchno = "0000"
    with pytest.raises(Refused, match="不符"):  # 2206 sums all unsettled details: 52.30 + 20.00
        kit.pre_settle(v)
    kit.ok("2205", {"data": {"mdtrt_id": v.mdtrt_id, "chrg_bchno": "B002", "psn_no": v.psn_no}}, v.insuplc)
    assert kit.pre_settle(v)["setlinfo"]["medfee_sumamt"] == v.total
    with pytest.raises(Refused, match="B002"):
        kit.ok("2205", {"data": {"mdtrt_id": v.mdtrt_id, "chrg_bchno": "B002", "psn_no": v.psn_no}}, v.insuplc)
    kit.ok("2205", {"data": {"mdtrt_id": v.mdtrt_id, "chrg_bchno": "0000", "psn_no": v.psn_no}}, v.insuplc)
    with pytest.raises(Refused, match="没有待结算的费用明细"):
        kit.pre_settle(v)
    kit.ok("2204", {"feedetail": v.feedetail}, v.insuplc)  # cancelled serial numbers may be uploaded again
    assert kit.pre_settle(v)["setlinfo"]["medfee_sumamt"] == v.total


# settlement -------------------------------------------------------------------------------------------
def test_pre_settlement_books_nothing_and_settlement_books(kit, sbx):
    v = kit.open_visit("local", COLD)
    pre = kit.pre_settle(v)
    s = checked(pre)
    assert s.setl_id == "" and sbx.ledger() == [] and sbx.balance("local") == D("1560.30")
    msgid = kit.msgid()
    out = kit.settle(v, msgid=msgid, fulamt_ownpay_amt=s.fulamt_ownpay_amt, overlmt_selfpay=s.overlmt_selfpay,
                     preselfpay_amt=s.preselfpay_amt, inscp_scp_amt=s.inscp_scp_amt)
    fin = checked(out)
    assert fin.medins_setl_id == msgid and fin.setl_id and fin.psn_cash_pay == s.psn_cash_pay
    assert fin.clr_optins == "450100" and fin.clr_type == "11" and fin.clr_way == "1"
    assert sum(d.fund_payamt for d in fin.details) == fin.fund_pay_sumamt
    [row] = sbx.ledger()
    assert (row["msgid"], row["setl_id"], row["infno"], row["status"]) == (msgid, fin.setl_id, "2207", "booked")
    assert D(row["psn_cash_pay"]) == fin.psn_cash_pay and row["insutype"] == "310"
    assert sbx.balance("local") == fin.balc == D("1560.30") - fin.acct_pay
    assert kit.person_info("02", "450100197705200135")["insuinfo"][0]["balc"] == fin.balc
    with pytest.raises(Refused, match="已结算"):
        kit.settle(v)


def test_settlement_refusals(kit, sbx):
    v = kit.open_visit("local", COLD)
    with pytest.raises(Refused, match="医疗费总额"):
        kit.settle(v, medfee_sumamt=v.total + D("0.01"))
    with pytest.raises(Refused, match="预结算"):
        kit.settle(v, inscp_scp_amt=D("1.00"))
    with pytest.raises(Refused, match="险种"):
        kit.settle(v, insutype="390")
    with pytest.raises(Refused, match="医疗类别"):
        kit.settle(v, med_type="41")
    assert sbx.ledger() == []


def test_idempotent_replay(kit, sbx):
    v = kit.open_visit("chongqing-employee", COLD)
    env = kit.envelope("2207", {"data": kit.setl_input(v)}, v.insuplc)
    first = kit.post_env(env)
    again = kit.post_env(env)
    assert first.content == again.content and len(sbx.ledger()) == 1
    other_style = kit.post_env(env, style="per-transaction" if kit.style == "single" else "single")
    assert other_style.content == first.content and len(sbx.ledger()) == 1
    a = wire.loads(kit.post_env({**env, "infno": "2206"}, infno="2206").content)
    assert a["infcode"] == -1 and "msgid" in a["err_msg"]
    env1 = kit.envelope("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "450100197705200135"}})
    assert kit.post_env(env1).content == kit.post_env(env1).content


def test_cancel_restores_balance_deductible_and_pool(kit, sbx):
    v = kit.open_visit("local", CHECKUP_NN := [("001102000010000", "10.00", 1), ("002103000010000", "180.00", 1),
                                             ("002106000010000", "520.00", 1), ("002503010010000", "60.00", 1)])
    first = checked(kit.settle(v))
    assert first.act_pay_dedc == D("500.00") and first.acct_pay > 0  # Nanning 3rd-level outpatient deductible
    cancel = kit.cancel(v, first.setl_id)
    c = checked(cancel)
    assert c.medfee_sumamt == -first.medfee_sumamt and c.fund_pay_sumamt == -first.fund_pay_sumamt
    assert c.acct_pay == -first.acct_pay and c.balc == D("1560.30") == sbx.balance("local")
    assert all(d.fund_payamt <= 0 for d in c.details)
    rows = sbx.ledger()
    assert [(r["infno"], r["status"]) for r in rows] == [("2207", "cancelled"), ("2208", "booked")]
    assert rows[1]["orig_setl_id"] == first.setl_id and D(rows[1]["medfee_sumamt"]) == -first.medfee_sumamt
    with pytest.raises(Refused, match="已撤销"):
        kit.cancel(v, first.setl_id)
    again = checked(kit.settle(v))  # the visit can be settled anew, with the same deductible as before
    assert (again.act_pay_dedc, again.hifp_pay, again.acct_pay) == (first.act_pay_dedc, first.hifp_pay, first.acct_pay)
    # second visit of the year: the deductible is used up
    v2 = kit.open_visit("local", CHECKUP_NN)
    assert checked(kit.pre_settle(v2)).act_pay_dedc == D("0.00")


def test_reversal_of_a_settlement(kit, sbx):
    v = kit.open_visit("chongqing-employee", COLD)
    msgid = kit.msgid()
    s = checked(kit.settle(v, msgid=msgid))
    assert s.acct_pay > 0
    out = kit.reverse(v.psn_no, v.insuplc, msgid, "2207")
    assert out["data"]["omsgid"] == msgid and out["data"]["setl_id"] == s.setl_id
    rows = sbx.ledger()
    assert [(r["infno"], r["status"]) for r in rows] == [("2207", "reversed"), ("2601", "booked")]
    assert rows[1]["omsgid"] == msgid and D(rows[1]["acct_pay"]) == -s.acct_pay
    assert sbx.balance("chongqing-employee") == D("2318.75")
    assert kit.reverse(v.psn_no, v.insuplc, msgid, "2207") == out  # reversing twice answers the same
    assert len(sbx.ledger()) == 2
    with pytest.raises(Refused, match="已冲正|已撤销|不能"):
        kit.cancel(v, s.setl_id)
    s2 = checked(kit.settle(v))  # settle anew after the reversal
    assert s2.setl_id != s.setl_id and s2.psn_cash_pay == s.psn_cash_pay


def test_reversal_of_nothing_booked(kit, sbx):
    v = kit.open_visit("local", COLD)
    with pytest.raises(Refused, match="原交易不存在"):
        kit.reverse(v.psn_no, v.insuplc, kit.msgid(), "2207")
    bad = kit.msgid()
    with pytest.raises(Refused):
        kit.settle(v, msgid=bad, medfee_sumamt=D("1.00"))
    with pytest.raises(Refused, match="原交易不存在"):
        kit.reverse(v.psn_no, v.insuplc, bad, "2207")
    pre = kit.msgid()
    kit.ok("2206", {"data": kit.setl_input(v)}, v.insuplc, pre)
    with pytest.raises(Refused, match="不支持冲正"):
        kit.reverse(v.psn_no, v.insuplc, pre, "2206")
    assert sbx.ledger() == []


def test_reversal_of_a_cancellation_books_the_settlement_again(kit, sbx):
    v = kit.open_visit("local", COLD)
    s = checked(kit.settle(v))
    cmsg = kit.msgid()
    kit.cancel(v, s.setl_id, msgid=cmsg)
    kit.reverse(v.psn_no, v.insuplc, cmsg, "2208")
    assert [(r["infno"], r["status"]) for r in sbx.ledger()] == [("2207", "booked"), ("2208", "reversed"),
                                                                   ("2601", "booked")]
    assert sbx.balance("local") == s.balc
    with pytest.raises(Refused, match="已结算"):
        kit.settle(v)


def test_reversal_of_registration_and_fee_upload(kit):
    p = kit.policies.persons["local"]
    m = kit.msgid()
    mdtrt_id = kit.ok("2201", {"data": {"psn_no": p["psn_no"], "insutype": "310"}}, "450100", m)["data"]["mdtrt_id"]
    lines = kit.fee_lines(p["psn_no"], mdtrt_id, COLD, "B1")
    fm = kit.msgid()
    kit.ok("2204", {"feedetail": lines}, "450100", fm)
    kit.reverse(p["psn_no"], "450100", fm, "2204")
    kit.ok("2204", {"feedetail": lines}, "450100")  # the details are gone: same serial numbers again
    kit.reverse(p["psn_no"], "450100", m, "2201")
    with pytest.raises(Refused, match="已撤销"):
        kit.ok("2204", {"feedetail": kit.fee_lines(p["psn_no"], mdtrt_id, COLD, "B2")}, "450100")


# 3201 -------------------------------------------------------------------------------------------------
def test_daily_reconciliation(kit, sbx):
    a = checked(kit.settle(kit.open_visit("local", COLD)))
    b = checked(kit.settle(vb := kit.open_visit("local", COLD)))
    c = checked(kit.settle(kit.open_visit("hainan-retiree", COLD)))  # other clearing agency 460100
    kit.cancel(vb, b.setl_id)
    lost = kit.msgid()
    checked(kit.settle(vr := kit.open_visit("local", COLD), msgid=lost))
    kit.reverse(vr.psn_no, vr.insuplc, lost, "2207")

    def stmt(optins, med, fund, acct, cnt, refd="0", day=DAY):
        return kit.ok("3201", {"data": {"insutype": "310", "clr_type": "11", "setl_optins": optins,
                                        "stmt_begndate": day, "stmt_enddate": day, "medfee_sumamt": med,
                                        "fund_pay_sumamt": fund, "acct_pay": acct, "fixmedins_setl_cnt": cnt,
                                        "refd_setl_flag": refd}})["data"]

    ok = stmt("450100", a.medfee_sumamt, a.fund_pay_sumamt, a.acct_pay, 1)
    assert ok["stmt_rslt"] == "0" and ok["setl_optins"] == "450100"
    assert stmt("450100", a.medfee_sumamt, a.fund_pay_sumamt, a.acct_pay, 3, refd="1")["stmt_rslt"] == "0"
    bad = stmt("450100", a.medfee_sumamt + D("0.01"), a.fund_pay_sumamt, a.acct_pay, 1)
    assert bad["stmt_rslt"] == "1" and "医疗费总额" in bad["stmt_rslt_dscr"]
    assert stmt("450100", a.medfee_sumamt, a.fund_pay_sumamt, a.acct_pay, 2)["stmt_rslt"] == "1"
    assert stmt("460100", c.medfee_sumamt, c.fund_pay_sumamt, c.acct_pay, 1)["stmt_rslt"] == "0"
    assert stmt("460100", D("0"), D("0"), D("0"), 0, day="2025-06-15")["stmt_rslt"] == "0"
    with pytest.raises(Refused, match="日期"):
        stmt("450100", D("0"), D("0"), D("0"), 0, day="16/06/2025")


# stories ----------------------------------------------------------------------------------------------
def test_hainan_retiree_cataract_surgery_in_nanning(kit, sbx):
    v = kit.open_visit("hainan-retiree", CATARACT, med_type="21")
    pre = checked(kit.pre_settle(v))
    s = checked(kit.settle(v))
    assert s.psn_cash_pay == pre.psn_cash_pay and s.insutype == "310"
    assert s.clr_optins == "460100" and s.clr_type == "21"  # insured place clears
    assert s.act_pay_dedc == D("1000.00")  # Hainan's deductible for a 3rd-level hospital, not Nanning's
    assert s.overlmt_selfpay == D("1500.00") + D("80.00")  # Nanning's price caps (lens, viscoelastic)
    assert s.fulamt_ownpay_amt == D("150.00")
    ratio = D("0.90")  # Hainan inpatient 85 % + 5 % retiree bonus
    assert s.hifp_pay == money((s.inscp_scp_amt - s.act_pay_dedc) * ratio)
    assert s.acct_pay == 0  # Hainan allows the account across provinces for outpatient only
    assert s.psn_part_amt == s.medfee_sumamt - s.fund_pay_sumamt - s.hosp_part_amt == s.psn_cash_pay
    assert {d.fund_pay_type for d in s.details} == {"310100"}
    assert sbx.balance("hainan-retiree") == D("3286.40")
    out = checked(kit.settle(kit.open_visit("hainan-retiree", COLD)))  # outpatient: account pays
    assert out.acct_pay == out.psn_part_amt and out.psn_cash_pay == 0


def test_shanghai_employee_outpatient_check_in_nanjing(sbx):
    k = client_for(sbx, "H32010000001")
    s = checked(k.settle(k.open_visit("shanghai-employee", CHECKUP)))
    assert s.clr_optins == "310000" and s.act_pay_dedc == s.inscp_scp_amt  # below Shanghai's 1500 deductible
    assert s.preselfpay_amt == D("7.50")  # Nanjing's 乙类 share (5 %) for the breath test
    assert s.acct_pay == s.psn_part_amt and s.balc == D("5620.18") - s.acct_pay


def test_southwest_pilot_account_pays_inpatient_across_provinces(kit):
    s = checked(kit.settle(kit.open_visit("chongqing-employee", CATARACT, med_type="21")))
    assert s.acct_pay == D("2318.75") and s.balc == 0 and s.psn_cash_pay == s.psn_part_amt - s.acct_pay


def test_suspended_insurance_is_refused(kit, sbx):
    a = kit.call("2201", {"data": {"psn_no": "44010000000000000009", "insutype": "310"}}, "440100")
    assert a["infcode"] == 0 and "暂停参保" in a["warn_msg"]
    v = kit.open_visit("suspended", COLD)
    for fn in (kit.pre_settle, kit.settle):
        with pytest.raises(Refused, match="暂停参保"):
            fn(v)
    assert sbx.ledger() == []


def test_two_insurances_settle_with_each_insutype(kit, sbx):
    big = [("002106000010000", "560.00", 4), ("002103000010000", "190.00", 3), ("001102000010000", "10.00", 1)]
    s310 = checked(kit.settle(kit.open_visit("two-insurances", big, insutype="310")))
    s390 = checked(kit.settle(kit.open_visit("two-insurances", big, insutype="390")))
    assert s310.insutype == "310" and s390.insutype == "390"
    assert s310.cvlserv_pay > 0 and "320100" in {d.fund_pay_type for d in s310.details}  # civil servant
    assert {d.fund_pay_type for d in s390.details} == {"390100"} and s390.acct_pay == 0
    assert s310.clr_optins == s390.clr_optins == "110000"
    assert [r["insutype"] for r in sbx.ledger()] == ["310", "390"]


def test_pharmacy_purchase(sbx):
    k = client_for(sbx, "P45010000001")
    s = checked(k.settle(k.open_visit("sichuan-resident", [("XC08CAA054A001010100013", "15.80", 2)])))
    assert s.clr_type == "41" and s.psn_cash_pay == D("31.60")  # resident: no account, no pharmacy pool
    v = k.open_visit("chongqing-employee", [("XC08CAA054A001010100013", "15.80", 2)])
    assert checked(k.settle(v)).acct_pay == D("31.60")
    with pytest.raises(Refused, match="医疗类别"):
        k.open_visit("local", COLD, med_type="11")


def test_concurrent_repeats_of_one_settlement_book_once(kit, sbx):
    import threading

    v = kit.open_visit("local", COLD)
    env = kit.envelope("2207", {"data": kit.setl_input(v)}, v.insuplc)
    answers: list[bytes] = []
    lock = threading.Lock()

    def go():
        with requests.Session() as s:
            r = s.post(kit.url_for("2207"), data=wire.dumps(env).encode(), timeout=10)
        with lock:
            answers.append(r.content)

    ts = [threading.Thread(target=go) for _ in range(8)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert len(answers) == 8 and len(set(answers)) == 1 and len(sbx.ledger()) == 1
    assert wire.loads(answers[0])["infcode"] == 0


def test_visit_info_with_suffix_infno_and_unknown_person(kit):
    v = kit.open_visit("nanning-transplant", COLD)  # med_type 14 needs a filed disease (test_chronic_sandbox.py)
    out = kit.ok("2203A", {"mdtrtinfo": {"mdtrt_id": v.mdtrt_id, "psn_no": v.psn_no, "med_type": "14",
                                         "dise_codg": "M08300", "dise_name": "器官移植抗排异治疗"}}, v.insuplc)
    assert out == {}
    assert checked(kit.pre_settle(v, med_type="14")).clr_type == "14"
    with pytest.raises(Refused, match="未查询到参保人信息"):
        kit.ok("2201", {"data": {"psn_no": "99990000000000000000", "insutype": "310"}}, "450100")


def test_a_message_refused_for_sign_in_may_be_sent_again(sbx):
    k = SandboxClient(sbx.url)
    env = k.envelope("2201", {"data": {"psn_no": "45010000000000000010", "insutype": "310"}}, "450100")
    assert wire.loads(k.post_env(env).content)["err_msg"] == "签到编号无效，请先签到(9001)"
    env["sign_no"] = k.sign_in()
    assert wire.loads(k.post_env(env).content)["infcode"] == 0
