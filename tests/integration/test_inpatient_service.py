"""The discharge service against the sandbox platform over real HTTP, with a real ward book (SQLite) and, where
it matters, the real journal and queue (terminal.store)."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from terminal.backend.client import client_from_config
from terminal.backend.errors import BusinessError, TransportError
from terminal.core import wire
from terminal.core.inpatient import InpatientBill
from terminal.core.models import FeeItem
from terminal.sandbox.testkit import Refused, SandboxClient
from terminal.services.errors import ReversalPending, StayNotFound, UncertainSettlement, WrongState
from terminal.services.inpatient import DischargeService
from terminal.store.wardbook import WardBook
from tests.support import PERSONS, ROOT, card_cred, id_cred


D = Decimal
CATARACT = ROOT / "resources/bills/inpatient-cataract-nanning.json"


def cataract() -> InpatientBill:
    return InpatientBill.from_dict(wire.loads(CATARACT.read_text(encoding="utf-8")))


@pytest.fixture
def ward(client, cfg, tmp_path):
    book = WardBook(tmp_path / "inpatient.sqlite")
    yield DischargeService(client, treatment_admdvs=cfg.facility.admdvs, book=book)
    book.close()


@pytest.fixture
def store_ward(cfg, sandbox, tmp_path):
    """A service whose messages are journaled and whose uncertain settlements are reversed through the queue."""
    from terminal.store import Store

    store = Store(tmp_path / "journal.sqlite")
    cl = client_from_config(cfg, sandbox.url, observer=store.journal, msgid_state=tmp_path / "msgid2.state")
    book = WardBook(tmp_path / "inpatient2.sqlite")
    svc = DischargeService(cl, treatment_admdvs=cfg.facility.admdvs, book=book, store=store)
    yield svc, store
    book.close()
    cl.close()
    store.close()


def admit(svc: DischargeService, key: str = "hainan-retiree", *, deposit: str = "5000", cred=None, bill=None,
          days: int = 3):
    ib = bill or cataract()
    cred = cred or id_cred(key)
    person = svc.identify(cred)
    ib.form.begntime = (datetime.now() - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")
    st = svc.admit(cred, person, ib.form, deposit=deposit)
    svc.add_fees(st.adm_no, ib.bill.items, fee_ocur_time=ib.fee_times(st.begntime))
    return st, ib


class Kit(SandboxClient):
    """The raw sandbox client with msgid sequences far from the terminal client's (same facility, same second)."""

    seq = itertools.count(9000)

    def msgid(self) -> str:
        return f"{self.code}{datetime.now():%Y%m%d%H%M%S}{next(self.seq) % 10000:04d}"


def kit(sandbox) -> Kit:
    k = Kit(sandbox.url)
    k.sign_in()
    return k


def settled(sandbox, infno="2304"):
    return [r for r in sandbox.ledger() if r["infno"] == infno]


# the story ------------------------------------------------------------------------------------------
def test_hainan_retiree_cataract_in_nanning_settles_at_discharge(ward, sandbox):
    st, ib = admit(ward, deposit="5000")
    assert st.state == "admitted" and st.mdtrt_id and st.cross_province and st.held == D("5000.00")
    pv = ward.preview(st.adm_no)
    assert pv.preview and pv.settlement.medfee_sumamt == ib.bill.total and not settled(sandbox)
    assert "在院预结算" in pv.warn  # still in hospital
    r = ward.settle(st.adm_no)
    s = r.settlement
    assert s.identity_errors() == [] and s.setl_id and r.stay.state == "settled" and r.stay.endtime
    # the insured place's policy (Hainan 310, level-3 hospital: deductible 1000, 85% + 5% retiree) with the
    # treatment place's catalogue (Nanning: lens price cap, 乙类 share) and management (half the over-cap part)
    assert s.act_pay_dedc == D("1000.00") and s.hosp_part_amt == D("791.50") and s.overlmt_selfpay == D("1583.00")
    assert s.hifp_pay == ((s.inscp_scp_amt - s.act_pay_dedc) * D("0.90")).quantize(D("0.01"))
    assert s.acct_pay == 0  # Hainan does not let the personal account pay inpatient care across provinces
    assert {d.fund_pay_type for d in s.details} == {"310100", "999996"}
    assert s.psn_part_amt == s.medfee_sumamt - s.fund_pay_sumamt - s.hosp_part_amt == s.acct_pay + s.psn_cash_pay
    # deposit reconciliation: the cash share against the deposit, and the refund booked
    rec = r.reconciliation
    assert rec.cash_share == s.psn_cash_pay and rec.held == D("5000.00") and rec.kind == "refund"
    assert rec.refund == D("5000.00") - s.psn_cash_pay
    assert r.stay.held == s.psn_cash_pay and r.stay.deposits[-1].kind == "refund"
    row = settled(sandbox)[0]
    assert row["status"] == "booked" and D(row["psn_cash_pay"]) == s.psn_cash_pay and row["med_type"] == "21"
    assert r.totals.total == ib.bill.total and {g.name for g in r.totals.by_type} >= {"手术费", "卫生材料费", "床位费"}
    text = "\n".join(r.receipt_lines("南宁市第一人民医院"))
    assert "应退款" in text and s.setl_id in text
    with pytest.raises(WrongState):
        ward.settle(st.adm_no)


def test_collect_when_the_deposit_is_short_and_cancel_keeps_the_money_as_deposit(ward, sandbox):
    st, _ = admit(ward, deposit="1000")
    ward.add_deposit(st.adm_no, "500", receipt_no="YJ-EXTRA")
    r = ward.settle(st.adm_no)
    assert r.reconciliation.kind == "collect" and r.reconciliation.collect == r.settlement.psn_cash_pay - D("1500")
    c = ward.cancel(r.settlement.setl_id)
    assert c.kind == "cancel" and c.settlement.medfee_sumamt == -r.settlement.medfee_sumamt
    assert c.settlement.hosp_part_amt == -r.settlement.hosp_part_amt and c.settlement.identity_errors() == []
    assert c.stay.state == "discharged" and c.stay.held == r.settlement.psn_cash_pay
    assert [x["status"] for x in sandbox.ledger()] == ["cancelled", "booked"]
    again = ward.settle(st.adm_no)
    assert again.reconciliation.kind == "even" and again.settlement.psn_cash_pay == r.settlement.psn_cash_pay
    with pytest.raises(WrongState):
        ward.cancel(r.settlement.setl_id)


def test_personal_account_pays_where_the_insured_place_allows(ward, sandbox):
    """Chongqing (southwest pilot) lets the personal account pay inpatient care across provinces."""
    st, _ = admit(ward, "chongqing-employee", deposit="2000")
    before = sandbox.balance("chongqing-employee")
    r = ward.settle(st.adm_no)
    s = r.settlement
    assert s.acct_pay > 0 and s.acct_pay + s.psn_cash_pay == s.psn_part_amt and s.identity_errors() == []
    assert sandbox.balance("chongqing-employee") == before - s.acct_pay
    assert r.reconciliation.cash_share == s.psn_cash_pay  # the deposit is set against the cash part only


# refusals ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key, needle", [
    ("unfiled", "参保人未办理异地就医备案"),
    ("filed-elsewhere", "参保人未办理异地就医备案"),  # filed, but for Jiangsu
    ("filing-expired", "已过期"),
    ("suspended", "暂停参保"),
])
def test_admission_refused(ward, sandbox, key, needle):
    cred = id_cred(key)
    with pytest.raises(BusinessError) as ei:
        ward.admit(cred, ward.identify(cred), cataract().form, deposit="100")
    assert needle in ei.value.err_msg
    assert ward.stays() == []  # nothing kept locally for a refused admission


def test_same_province_needs_no_filing_and_one_stay_at_a_time(ward, sandbox):
    st, _ = admit(ward, "local", deposit="800")
    assert not st.cross_province
    cred = id_cred("local")
    with pytest.raises(BusinessError) as ei:
        ward.admit(cred, ward.identify(cred), cataract().form)
    assert "已在本院住院" in ei.value.err_msg
    person, found = ward.find(card_cred("local"))
    assert found.adm_no == st.adm_no
    with pytest.raises(StayNotFound):
        ward.find(id_cred("hainan-retiree"))


def test_outpatient_and_inpatient_transactions_do_not_mix(ward, sandbox, client):
    st, _ = admit(ward, deposit="5000")
    r = ward.settle(st.adm_no)
    k = kit(sandbox)
    p = PERSONS["hainan-retiree"]
    with pytest.raises(Refused) as ei:
        k.ok("2208", {"data": {"setl_id": r.settlement.setl_id, "mdtrt_id": st.mdtrt_id, "psn_no": p["psn_no"]}},
             "460100")
    assert "2305" in ei.value.err_msg
    with pytest.raises(Refused) as ei:
        k.ok("2206", {"data": {"psn_no": p["psn_no"], "mdtrt_id": st.mdtrt_id, "medfee_sumamt": "1.00",
                               "insutype": "310"}}, "460100")
    assert "住院" in ei.value.err_msg


def test_fee_batches_of_at_most_500(ward, sandbox):
    st, _ = admit(ward, "local", deposit="100", bill=InpatientBill.from_dict(
        {"dise_codg": "K35.800", "dise_name": "急性阑尾炎", "items": [
            {"hosp_code": "NNXM0022", "national_code": "001101000040000", "name": "床位费", "price": "30.00",
             "qty": 1}]}))
    items = [FeeItem("NNYP0009", "XB05BBL079B002010100009", "0.9%氯化钠注射液", D("4.50"), D(1 + n % 3))
             for n in range(1200)]
    ward.add_fees(st.adm_no, items)
    rep = ward.upload_fees(st.adm_no)
    assert rep.batches == 3 and rep.lines == 1201 and rep.resent == 0
    assert ward.fee_totals(st.adm_no).count == 1201 and ward.fee_totals(st.adm_no).unclassified == 0
    pv = ward.preview(st.adm_no)
    assert pv.settlement.medfee_sumamt == D("30.00") + sum((i.amount for i in items), D(0))
    # the platform refuses more than 500 lines in one message
    k = kit(sandbox)
    lines = k.fee_lines(st.psn_no, st.mdtrt_id, [("XB05BBL079B002010100009", "4.50", 1)] * 501, "X")
    with pytest.raises(Refused) as ei:
        k.ok("2301", {"feedetail": lines}, st.insuplc_admdvs)
    assert "500" in ei.value.err_msg


def test_cancel_fee_lines_2302(ward, sandbox):
    st, ib = admit(ward, deposit="5000")
    ward.upload_fees(st.adm_no)
    assert ward.cancel_fees(st.adm_no) == len(ib.bill.items)
    with pytest.raises(WrongState):  # nothing left to settle
        ward.preview(st.adm_no)
    ward.add_fees(st.adm_no, ib.bill.items[:3])
    assert ward.preview(st.adm_no).settlement.medfee_sumamt == sum((i.amount for i in ib.bill.items[:3]), D(0))


# lost answers --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["lost_answer", "http500"])
def test_uncertain_2304_is_reversed(ward, sandbox, kind):
    st, _ = admit(ward, deposit="5000")
    ward.preview(st.adm_no)
    sandbox.arm_fault(kind, infno="2304")
    with pytest.raises(UncertainSettlement) as ei:
        ward.settle(st.adm_no)
    e = ei.value
    assert e.reversed_ok and e.oinfno == "2304"
    rows = settled(sandbox)
    if kind == "lost_answer":  # booked, then reversed
        assert [r["status"] for r in rows] == ["reversed"] and settled(sandbox, "2601")
        assert e.reversal == "reversed" and "已自动冲正" in e.user_message
    else:  # never processed: the 2601 finds nothing to reverse, and the cashier is told so (issue 11, item 5)
        assert rows == []
        assert e.reversal == "not_booked" and "从未记账" in e.user_message and "已自动冲正" not in e.user_message
    assert ward.stay(st.adm_no).state == "discharged" and ward.stay(st.adm_no).held == D("5000.00")
    r = ward.settle(st.adm_no)  # settle anew
    assert r.stay.state == "settled" and [x["status"] for x in settled(sandbox)][-1] == "booked"


def test_uncertain_2304_with_the_journal_and_queue(store_ward, sandbox):
    svc, store = store_ward
    st, _ = admit(svc, deposit="5000")
    svc.preview(st.adm_no)
    sandbox.arm_fault("lost_answer", infno="2304")
    with pytest.raises(UncertainSettlement) as ei:
        svc.settle(st.adm_no)
    assert not ei.value.reversed_ok  # the queue owns the 2601
    assert store.resolution(ei.value.omsgid) == "reversing"
    with pytest.raises(ReversalPending):  # no new settlement until the reversal is confirmed
        svc.settle(st.adm_no)
    store.worker(svc.client).drain(timeout=20)
    assert store.resolution(ei.value.omsgid) == "reversed"
    assert [r["status"] for r in settled(sandbox)] == ["reversed"]
    r = svc.settle(st.adm_no)
    assert r.stay.state == "settled"
    journal = {m["infno"] for m in store.messages()}
    assert {"2401", "2301", "2402", "2303", "2304", "2601"} <= journal


def test_uncertain_2305_is_reversed_and_the_settlement_stands(ward, sandbox):
    st, _ = admit(ward, deposit="5000")
    r = ward.settle(st.adm_no)
    sandbox.arm_fault("lost_answer", infno="2305")
    with pytest.raises(UncertainSettlement) as ei:
        ward.cancel(r.settlement.setl_id)
    assert ei.value.reversed_ok and ei.value.oinfno == "2305"
    assert [x["status"] for x in sandbox.ledger() if x["infno"] in ("2304", "2305")] == ["booked", "reversed"]
    assert ward.stay(st.adm_no).state == "settled"
    c = ward.cancel(r.settlement.setl_id)  # cancelling again works
    assert c.stay.state == "discharged"


def test_lost_answers_to_2401_2301_2402_are_asked_for_again_with_the_same_msgid(ward, sandbox):
    sandbox.arm_fault("lost_answer", infno="2401")
    st, ib = admit(ward, deposit="5000")
    assert st.state == "admitted"
    sandbox.arm_fault("lost_answer", infno="2301")
    rep = ward.upload_fees(st.adm_no)
    assert rep.batches == 1
    sandbox.arm_fault("lost_answer", infno="2402")
    assert ward.discharge(st.adm_no).state == "discharged"
    r = ward.settle(st.adm_no)
    assert r.settlement.medfee_sumamt == ib.bill.total  # every line uploaded exactly once
    rows = sandbox.store.read("SELECT COUNT(*) AS n FROM fees WHERE mdtrt_id = ?", (st.mdtrt_id,))
    assert rows[0]["n"] == len(ib.bill.items)
    assert len(sandbox.store.read("SELECT * FROM admissions")) == 1


def test_a_batch_left_open_by_a_dead_line_is_resent_later(ward, sandbox):
    st, ib = admit(ward, deposit="5000")
    sandbox.arm_fault("lost_answer", infno="2301", count=2)  # the answer and the retry both lost
    with pytest.raises(TransportError):
        ward.upload_fees(st.adm_no)
    assert len(ward.book.sending_batches(st.adm_no)) == 1
    rep = ward.upload_fees(st.adm_no)  # the next call asks with the same msgid: nothing twice
    assert rep.resent == 1 and rep.lines == len(ib.bill.items)
    assert ward.preview(st.adm_no).settlement.medfee_sumamt == ib.bill.total


def test_2601_reverses_an_admission_and_3201_counts_inpatient(ward, sandbox, cfg):
    st, _ = admit(ward, deposit="5000")
    r = ward.settle(st.adm_no)
    k = kit(sandbox)
    s = r.settlement
    out = k.ok("3201", {"data": {"insutype": "310", "clr_type": "21", "setl_optins": "460100",
                                 "stmt_begndate": datetime.now().strftime("%Y-%m-%d"),
                                 "stmt_enddate": datetime.now().strftime("%Y-%m-%d"), "medfee_sumamt": s.medfee_sumamt,
                                 "fund_pay_sumamt": s.fund_pay_sumamt, "acct_pay": s.acct_pay,
                                 "fixmedins_setl_cnt": 1, "refd_setl_flag": "0"}})
    assert out["data"]["stmt_rslt"] == "0", out
    # an admission made by mistake is reversed with 2601 (oinfno 2401)
    st2, _ = admit(ward, "local", deposit="100")
    ward.base.reverse(st2.psn_no, st2.insuplc_admdvs, st2.adm_msgid, "2401")
    with pytest.raises(BusinessError) as ei:
        ward.upload_fees(st2.adm_no)
    assert "已撤销" in ei.value.err_msg


def test_inpatient_settlements_are_in_the_days_book_and_reconciled(store_ward, sandbox):
    svc, store = store_ward
    st, ib = admit(svc, deposit="5000")
    r = svc.settle(st.adm_no)
    rows = [x for x in store.settlements() if x["setl_id"] == r.settlement.setl_id]
    assert len(rows) == 1 and rows[0]["clr_type"] == r.settlement.clr_type and rows[0]["status"] == "settled"
    assert D(rows[0]["psn_cash_pay"]) == r.settlement.psn_cash_pay
    rep = store.reconcile(svc.client)
    assert rep.balanced
    svc.cancel(r.settlement.setl_id)
    assert [x["status"] for x in store.settlements() if x["setl_id"] == r.settlement.setl_id] == ["cancelled"]
