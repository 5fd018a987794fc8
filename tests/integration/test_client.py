"""The platform client against the real sandbox over HTTP: every transaction, both URL styles, faults."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from terminal.backend.client import client_from_config
from terminal.backend.errors import BusinessError, MalformedAnswer, TransportError
from terminal.core.models import Person
from terminal.services.errors import UncertainSettlement
from terminal.services.outpatient import SettlementService
from tests.support import PERSONS, card_cred, id_cred, load_bill



def make(cfg, url, tmp_path, style="single", **backend):
    cfg.backend.style = style
    for k, v in backend.items():
        setattr(cfg.backend, k, v)
    cl = client_from_config(cfg, url, msgid_state=tmp_path / f"msgid-{style}.state")
    return cl, SettlementService(cl, treatment_admdvs=cfg.facility.admdvs)


def test_full_outpatient_conversation_both_styles(cfg, sandbox, tmp_path, style):
    cl, svc = make(cfg, sandbox.url, tmp_path, style)
    sign_no = svc.ensure_signed_in()
    assert sign_no
    person = svc.identify(id_cred("hainan-retiree"))
    assert person.psn_name == PERSONS["hainan-retiree"]["psn_name"]
    assert person.is_cross_province(cfg.facility.admdvs)
    visit = svc.open_visit(id_cred("hainan-retiree"), person, load_bill())
    assert visit.mdtrt_id and len(visit.fee_results) == len(visit.bill.items)
    for r in visit.fee_results:
        parts = sum(Decimal(str(r.get(k) or 0)) for k in ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt",
                                                            "inscp_scp_amt"))
        assert parts == Decimal(str(r["det_item_fee_sumamt"]))
    pre = svc.preview(visit)
    assert pre.identity_errors() == [] and pre.medfee_sumamt == visit.bill.total
    s = svc.settle(visit)
    assert s.setl_id and s.identity_errors() == []
    assert s.psn_cash_pay == pre.psn_cash_pay
    booked = [r for r in sandbox.ledger() if r.get("setl_id") == s.setl_id]
    assert len(booked) == 1 and Decimal(str(booked[0]["psn_cash_pay"])) == s.psn_cash_pay
    # 2208 cancel gives negative amounts and restores
    c = svc.cancel(s.setl_id, visit.mdtrt_id, person.psn_no, visit.insuplc_admdvs)
    assert c.medfee_sumamt == -s.medfee_sumamt
    # 9002 sign-out
    cl.sign_out()
    assert cl.sign_no == ""
    cl.close()


def test_card_credential_and_fee_cancel_and_registration_cancel(svc, client):
    cred = card_cred("shanghai-employee")
    person = svc.identify(cred)
    visit = svc.open_visit(cred, person, load_bill())
    client.cancel_fees(visit.mdtrt_id, "0000", person.psn_no, visit.insuplc_admdvs)
    with pytest.raises(BusinessError):
        svc.preview(visit)  # nothing left to settle
    client.cancel_registration(person.psn_no, visit.mdtrt_id, visit.ipt_otp_no, visit.insuplc_admdvs)


def test_wrong_card_sn_is_refused(svc):
    c = PERSONS["local"]["card"]
    from terminal.core.models import Credential
    with pytest.raises(BusinessError) as ei:
        svc.identify(Credential("03", c["card_no"], card_sn="450100D156000005FFFFFFFFFFFFFFFF"))
    assert ei.value.err_msg


def test_unknown_person_and_suspended_insurance(svc):
    from terminal.core.models import Credential
    with pytest.raises(BusinessError):
        svc.identify(Credential("02", "110101199001011237"))
    person = svc.identify(id_cred("suspended"))
    with pytest.raises(BusinessError) as ei:
        svc.open_visit(id_cred("suspended"), person, load_bill())
    assert "暂停" in ei.value.err_msg


def test_two_insurances_need_a_choice(svc):
    person = svc.identify(id_cred("two-insurances"))
    assert {i.insutype for i in person.insurances} == {"310", "390"}
    with pytest.raises(LookupError):
        svc.open_visit(id_cred("two-insurances"), person, load_bill())
    for t in ("310", "390"):
        v = svc.open_visit(id_cred("two-insurances"), person, load_bill(), t)
        s = svc.preview(v)
        assert s.identity_errors() == []


def test_idempotent_replay_books_once(svc, client, sandbox):
    person = svc.identify(id_cred("local"))
    visit = svc.open_visit(id_cred("local"), person, load_bill())
    svc.preview(visit)
    msg = client.prepare("2207", {"data": svc.settle_input(visit)}, insuplc_admdvs=visit.insuplc_admdvs)
    a1 = client.send(msg)
    a2 = client.send(msg)
    assert a1.output["setlinfo"]["setl_id"] == a2.output["setlinfo"]["setl_id"]
    assert len([r for r in sandbox.ledger() if r.get("msgid") == msg.msgid]) == 1


def test_msgids_unique_under_concurrency(client, svc):
    svc.ensure_signed_in()
    answers, errors = [], []

    def work():
        try:
            for _ in range(10):
                answers.append(client.person_info("02", PERSONS["local"]["certno"]).msgid)
        except Exception as e:
            errors.append(e)

    ts = [threading.Thread(target=work) for _ in range(6)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert not errors and len(answers) == 60 and len(set(answers)) == 60


def test_reconcile_3201(svc, client):
    person = svc.identify(id_cred("local"))
    v = svc.open_visit(id_cred("local"), person, load_bill())
    svc.preview(v)
    s = svc.settle(v)
    from datetime import date
    d = date.today().isoformat()
    data = {"insutype": v.insutype, "clr_type": s.clr_type or "11", "setl_optins": s.clr_optins or "450100",
            "stmt_begndate": d, "stmt_enddate": d, "medfee_sumamt": s.medfee_sumamt,
            "fund_pay_sumamt": s.fund_pay_sumamt, "acct_pay": s.acct_pay, "fixmedins_setl_cnt": 1,
            "refd_setl_flag": "0"}
    a = client.reconcile(data)
    assert str(a.output["data"]["stmt_rslt"]) == "0"
    data["medfee_sumamt"] = s.medfee_sumamt + Decimal("1.00")
    a = client.reconcile(data)
    assert str(a.output["data"]["stmt_rslt"]) == "1"


# faults ------------------------------------------------------------------------------------------
def _ready_visit(svc, key="local"):
    person = svc.identify(id_cred(key))
    visit = svc.open_visit(id_cred(key), person, load_bill())
    svc.preview(visit)
    return visit


def test_http500_on_settle_is_uncertain_and_reversed(svc, sandbox):
    visit = _ready_visit(svc)
    sandbox.arm_fault("http500", infno="2207")
    with pytest.raises(UncertainSettlement) as ei:
        svc.settle(visit)
    assert ei.value.reversed_ok and isinstance(ei.value.cause, TransportError)


def test_http500_on_query_is_plain_transport_error(svc, sandbox):
    svc.ensure_signed_in()
    sandbox.arm_fault("http500", infno="1101")
    with pytest.raises(TransportError) as ei:
        svc.identify(id_cred("local"))
    assert not ei.value.outcome_unknown and ei.value.kind == "http"


def test_malformed_answer(svc, sandbox):
    svc.ensure_signed_in()
    sandbox.arm_fault("malformed", infno="1101")
    with pytest.raises(MalformedAnswer):
        svc.identify(id_cred("local"))
    visit = _ready_visit(svc)
    sandbox.arm_fault("malformed", infno="2207")
    with pytest.raises(UncertainSettlement) as ei:
        svc.settle(visit)
    assert isinstance(ei.value.cause, MalformedAnswer)


def test_reset_before_processing(svc, sandbox):
    visit = _ready_visit(svc)
    sandbox.arm_fault("reset", infno="2207")
    with pytest.raises(UncertainSettlement) as ei:
        svc.settle(visit)
    assert ei.value.cause.kind == "reset" and ei.value.reversed_ok
    assert not [r for r in sandbox.ledger() if r.get("status") == "booked"]
    # after the reversal the cashier settles anew and it books exactly once
    s = svc.settle(visit)
    assert len([r for r in sandbox.ledger() if r.get("setl_id") == s.setl_id]) == 1


def test_booked_but_answer_lost_is_reversed(svc, sandbox):
    visit = _ready_visit(svc)
    sandbox.arm_fault("lost_answer", infno="2207")
    with pytest.raises(UncertainSettlement) as ei:
        svc.settle(visit)
    assert ei.value.reversed_ok
    rows = [r for r in sandbox.ledger() if r.get("msgid") == ei.value.omsgid]
    assert rows and all(r["status"] == "reversed" for r in rows)


def test_timeout(cfg, sandbox, tmp_path):
    cl, svc = make(cfg, sandbox.url, tmp_path, read_timeout=0.5)
    svc.ensure_signed_in()
    sandbox.arm_fault("hang", infno="1101", delay=3)
    with pytest.raises(TransportError) as ei:
        svc.identify(id_cred("local"))
    assert ei.value.kind == "timeout" and not ei.value.outcome_unknown
    cl.close()


def test_business_error_fault(svc, sandbox):
    svc.ensure_signed_in()
    sandbox.arm_fault("business_error", infno="1101")
    with pytest.raises(BusinessError):
        svc.identify(id_cred("local"))


def test_connect_refused_means_not_sent(cfg, tmp_path):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    cl, svc = make(cfg, f"http://127.0.0.1:{port}", tmp_path)
    with pytest.raises(TransportError) as ei:
        svc.ensure_signed_in()
    assert ei.value.kind == "connect" and not ei.value.sent
    cl.close()


def test_sign_no_is_renewed_when_refused(svc, client):
    person = svc.identify(id_cred("local"))
    client.sign_no = "BOGUS"
    visit = svc.open_visit(id_cred("local"), person, load_bill())  # 2201 refused for sign_no: sign in, retry
    assert isinstance(person, Person) and visit.mdtrt_id and client.sign_no != "BOGUS"
