"""The store without a platform: journal states, queue order and limits, backoff, recovery, parking.

The platform client is the real PlatformClient with a scripted transport adapter in place of the network.
"""
from __future__ import annotations

import json
import sqlite3
import time
from decimal import Decimal

import pytest
import requests
from requests.adapters import BaseAdapter

from terminal.backend.client import Endpoint, Identity, PlatformClient
from terminal.backend.errors import PlatformError, TransportError
from terminal.backend.msgid import MsgIdGenerator
from terminal.core.models import Bill, Credential
from terminal.store import InvalidState, NotFound, ParkRefused, Store
from terminal.store.crash import crash_point

ID = "460100194603120132"


class Script(BaseAdapter):
    """Answers POSTs from a list: a dict (the platform's JSON answer), an exception class, or a callable."""

    def __init__(self):
        super().__init__()
        self.answers: list = []
        self.bodies: list[dict] = []

    def send(self, request, **kw):
        self.bodies.append(json.loads(request.body))
        a = self.answers.pop(0) if self.answers else {"infcode": 0, "output": {}}
        if isinstance(a, type) and issubclass(a, Exception):
            raise a("scripted")
        if isinstance(a, Exception):
            raise a
        r = requests.Response()
        r.status_code = 200
        r._content = json.dumps(a(request) if callable(a) else a, ensure_ascii=False).encode()
        r.request = request
        r.url = request.url
        for hook in request.hooks.get("response", []):
            hook(r)
        return r

    def close(self):
        pass


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "journal.sqlite", max_queue_items=10, max_queue_age_hours=24)
    yield s
    s.close()


@pytest.fixture
def client(tmp_path):
    c = PlatformClient(Endpoint("http://platform.test"), Identity("H45010000001", "医院", "450100", "0001", "收费员"),
                       MsgIdGenerator("H45010000001", tmp_path / "msgid.state"))
    script = Script()
    c.session.mount("http://", script)
    c.script = script
    c.sign_no = "SIGN1"
    yield c
    c.close()


def bill() -> Bill:
    return Bill.from_dict({"items": [{"hosp_code": "A", "national_code": "N", "name": "诊查费", "price": "25.00",
                                      "qty": 1}]})


def test_crash_point_is_inert_without_the_variable(monkeypatch):
    monkeypatch.delenv("YIBAO_CRASH_AT", raising=False)
    crash_point("before_send", "2207")
    monkeypatch.setenv("YIBAO_CRASH_AT", "after_send")
    crash_point("before_send", "2207")  # another point: nothing happens
    monkeypatch.setenv("YIBAO_CRASH_AT", "before_send")
    monkeypatch.setenv("YIBAO_CRASH_INFNO", "2207")
    crash_point("before_send", "1101")  # another transaction: nothing happens


def test_journal_states_and_masking(store, client):
    store.attach(client)
    client.script.answers = [{"infcode": 0,
                              "output": {"baseinfo": {"psn_no": "P1", "certno": ID, "psn_name": "符大海"}}}]
    client.person_info("02", ID)
    [m] = store.messages()
    assert m["state"] == "answered" and m["sent"] == 1 and ID not in m["request"] + m["answer"]
    assert "符大海" not in m["answer"] and "符**" in m["answer"]
    client.script.answers = [requests.exceptions.ConnectionError(OSError("refused"))]
    with pytest.raises(TransportError):
        client.call("2205", {"data": {"psn_no": "P1", "mdtrt_id": "M1", "chrg_bchno": "0000"}}, insuplc_admdvs="460100")
    m = store.messages()[-1]
    assert (m["infno"], m["state"], m["psn_no"], m["mdtrt_id"]) == ("2205", "failed", "P1", "M1")


def test_uncertain_settlement_queues_its_reversal_and_is_never_resent(store, client):
    store.attach(client)
    client.script.answers = [requests.exceptions.ReadTimeout("slow")]
    msg = client.prepare("2207", {"data": {"psn_no": "P1", "mdtrt_id": "M1"}}, insuplc_admdvs="460100")
    with pytest.raises(TransportError) as ei:
        client.send(msg)
    assert ei.value.outcome_unknown
    m = store.message(msg.msgid)
    assert m["state"] == "uncertain" and m["resolution"] == "reversing"
    [rev] = store.queue.open_items()
    assert rev.kind == "reversal" and rev.omsgid == msg.msgid and rev.params["oinfno"] == "2207"
    assert store.blocking_reversals("P1") == [rev]
    with pytest.raises(PlatformError, match="不能原样重发"):
        client.send(msg)
    assert len(client.script.bodies) == 1  # the resend never left


def test_queue_order_per_visit_backoff_and_msgid_kept(store, client):
    w = store.worker(client, base_delay=10, max_delay=40)
    a1 = store.queue.cancel_fees("M1", "0000", "PA", "460100")
    b1 = store.queue.cancel_fees("M2", "0000", "PB", "460100")
    a2 = store.queue.cancel_settlement("S1", "M1", "PA", "460100")
    client.script.answers = [requests.exceptions.ConnectionError(OSError("reset by peer"))]
    out = w.run_once()
    assert [(o.item_id, o.state) for o in out] == [(a1, "retry")]
    first = store.queue.get(a1)
    delay1 = first.next_at - time.time()
    assert first.msgid and first.state == "queued" and store.queue.payload(first.msgid)
    # a1 waits for its backoff; b1 (another visit) may go, a2 (same visit) may not
    client.script.answers = [{"infcode": 0, "output": {}}]
    out = w.run_once()
    assert [o.item_id for o in out] == [b1]
    client.script.answers = [requests.exceptions.ConnectionError(OSError("reset by peer"))]
    assert [o.state for o in w.run_once(ignore_backoff=True)] == ["retry"]
    delay2 = store.queue.get(a1).next_at - time.time()
    assert 8 < delay1 < 12 and 16 < delay2 < 24  # exponential in the item's attempts
    cancelled = {"setl_id": "S9", "medfee_sumamt": "-1.00", "fulamt_ownpay_amt": "-1.00", "psn_cash_pay": "-1.00",
                 "psn_part_amt": "-1.00"}
    client.script.answers = [{"infcode": 0, "output": {}}, {"infcode": 0, "output": {"setlinfo": cancelled}}]
    out = w.run_once(ignore_backoff=True)
    assert [o.item_id for o in out] == [a1, a2]
    assert store.queue.get(a1).msgid == first.msgid and store.message(first.msgid)["attempts"] == 3
    sent_ids = [b["msgid"] for b in client.script.bodies
                if b["infno"] == "2205" and b["input"]["data"]["mdtrt_id"] == "M1"]
    assert sent_ids == [first.msgid] * 3 and w.online
    assert store.queue.payload(first.msgid) is None


def test_refused_reversal_blocks_the_visit_until_dismissed(store, client):
    w = store.worker(client)
    store.queue.ensure_reversal("H45010000001202601010000000001", "2207", "PA", "460100")
    later = store.queue.cancel_fees("M1", "0000", "PA", "460100")
    client.script.answers = [{"infcode": -1, "err_msg": "系统维护"}]
    assert [o.state for o in w.run_once()] == ["failed"]
    assert w.run_once() == [] and store.queue.get(later).state == "queued"
    with pytest.raises(InvalidState):
        w.run_item(later)
    rev = store.queue.items(("failed",))[0]
    store.queue.dismiss(rev.id, "已电话核实")
    assert [o.item_id for o in w.run_once()] == [later]
    with pytest.raises(NotFound):
        store.queue.get(9999)


def test_reversal_refused_as_not_booked_closes_it(store, client):
    w = store.worker(client)
    store.attach(client)
    client.script.answers = [requests.exceptions.ReadTimeout("slow")]
    msg = client.prepare("2207", {"data": {"psn_no": "P1"}}, insuplc_admdvs="460100")
    with pytest.raises(TransportError):
        client.send(msg)
    client.script.answers = [{"infcode": -1, "err_msg": f"原交易不存在(omsgid={msg.msgid})"}]
    assert [o.state for o in w.run_once()] == ["done"]
    assert store.message(msg.msgid)["resolution"] == "not_booked" and store.blocking_reversals("P1") == []


def test_recovery_after_a_crash(tmp_path, client):
    path = tmp_path / "j.sqlite"
    s1 = Store(path)
    s1.attach(client)
    # messages journaled as pending and never finished (what a SIGKILL leaves)
    for infno, data in (("2207", {"psn_no": "P1", "mdtrt_id": "M1"}), ("1101", {"mdtrt_cert_no": ID})):
        s1.journal.before_send(client.prepare(infno, {"data": data}, insuplc_admdvs="460100"))
    qid = s1.queue.cancel_fees("M9", "0000", "P9", "460100")
    s1.queue.claim_next()
    assert s1.queue.get(qid).state == "working"
    # a second process on the same journal never "recovers" work that a live owner has in flight
    s2 = Store(path)
    rep2 = s2.recover()
    assert rep2.live == 3 and rep2.uncertain == [] and rep2.failed == [] and rep2.requeued == 0
    assert s1.queue.get(qid).state == "working"
    s2.close()
    s1.close()  # the crashed process is gone
    s3 = Store(path)
    rep = s3.recover()
    assert len(rep.uncertain) == 1 and len(rep.failed) == 1 and rep.requeued == 1
    assert "冲正" in rep.message
    states = {m["infno"]: (m["state"], m["resolution"]) for m in s3.messages()}
    assert states == {"2207": ("uncertain", "reversing"), "1101": ("failed", None)}
    assert [i.kind for i in s3.queue.open_items()] == ["fee_cancel", "reversal"]
    assert s3.recover().uncertain == []  # idempotent
    assert len(s3.queue.items(kind="reversal")) == 1
    s3.close()


def test_park_rules_slip_cancel_and_refund_states(store):
    slip = store.park(Credential("02", ID), bill(), name="符大海", insutype="310")
    assert slip.total == Decimal("25.00") and slip.name_masked == "符**" and ID not in slip.cert_masked
    assert slip.as_dict()["total"] == "25.00"
    with pytest.raises(ParkRefused, match="身份证或社保卡"):
        store.park(Credential("01", "4601" + "a" * 36), bill())
    ec = store.park(Credential("01", "4601" + "a" * 36, ec_id_no=ID, ec_name="陈静怡"), bill())
    assert ec.cert_type == "02" and ec.name_masked == "陈**"
    with sqlite3.connect(store.path) as raw:
        dump = "\n".join(raw.iterdump())
    assert "符大海" not in dump and "陈静怡" not in dump and "aaaaaaaa" not in dump
    assert dump.count(ID) == 2  # only in parked_secrets, until settled or cancelled
    p = store.cancel_parked(ec.park_id)
    assert p.state == "cancelled" and store.queue.get(p.queue_id).state == "cancelled"
    with pytest.raises(InvalidState):
        store.cancel_parked(ec.park_id)
    with pytest.raises(InvalidState):
        store.mark_refund_paid(slip.park_id)
    with pytest.raises(NotFound):
        store.cancel_parked("P000")
    assert [x.park_id for x in store.parked(("parked",))] == [slip.park_id]
    assert store.refunds_due() == []


def test_read_only_journal_refuses_to_send(store, client):
    store.attach(client)
    store.sdb.conn.execute("PRAGMA query_only=ON")
    from terminal.store import JournalUnavailable

    with pytest.raises(JournalUnavailable, match="只读"):
        client.call("1101", {"data": {}})
    assert client.script.bodies == []


def test_replaying_a_refused_item_sends_a_new_message(store, client):
    w = store.worker(client)
    qid = store.queue.sign_out("SIGN1", "0001")
    client.script.answers = [{"infcode": -1, "err_msg": "签退失败：系统繁忙"}]
    assert [o.state for o in w.run_once()] == ["failed"]
    refused = store.queue.get(qid).msgid
    assert store.message(refused)["state"] == "failed" and store.queue.payload(refused)  # kept for the cashier
    store.queue.replay(qid)
    client.script.answers = [{"infcode": 0, "output": {}}]
    assert [o.state for o in w.run_once()] == ["done"]
    again = store.queue.get(qid).msgid
    assert again != refused and store.message(again)["state"] == "answered"
    assert [b["msgid"] for b in client.script.bodies] == [refused, again]
    assert client.script.bodies[1]["input"] == {"signOut": {"sign_no": "SIGN1", "opter_no": "0001"}}


def test_a_prepared_message_queued_offline_keeps_its_msgid(store, client):
    store.attach(client)
    w = store.worker(client)
    refused = requests.exceptions.ConnectionError("connect failed")
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")  # never connected: certainly not sent
    client.script.answers = [refused]
    msg = client.prepare("2208", {"data": {"setl_id": "S1", "mdtrt_id": "M1", "psn_no": "P1"}}, insuplc_admdvs="460100")
    with pytest.raises(TransportError) as ei:
        client.send(msg)
    assert not ei.value.sent and store.message(msg.msgid)["state"] == "failed"
    qid = store.queue.enqueue_message("cancel", msg)
    client.script.answers = [{"infcode": 0, "output": {"setlinfo": {"setl_id": "S2", "medfee_sumamt": "-1.00",
                                                                    "fulamt_ownpay_amt": "-1.00",
                                                                    "psn_cash_pay": "-1.00", "psn_part_amt": "-1.00"}}}]
    assert [o.state for o in w.run_once()] == ["done"]
    assert client.script.bodies[-1]["msgid"] == msg.msgid == store.queue.get(qid).msgid
    assert store.settlements()[0]["kind"] == "cancel" and store.settlements()[0]["orig_setl_id"] == "S1"


def test_a_journal_that_cannot_be_opened_says_so(tmp_path):
    from terminal.store import JournalOpenError

    bad = tmp_path / "not-a-db.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(JournalOpenError, match="无法打开交易日志"):
        Store(bad)


def test_an_answer_the_journal_cannot_record_makes_the_settlement_uncertain(store, client):
    from datetime import datetime

    from terminal.core.models import Insurance, Person, Settlement, Visit
    from terminal.services.errors import ReversalPending, UncertainSettlement
    from terminal.services.outpatient import SettlementService

    svc = SettlementService(client, treatment_admdvs="450100", store=store)
    svc._sign_date = datetime.now().strftime("%Y%m%d")
    person = Person("P1", "符大海", ID, insurances=[Insurance("310", insuplc_admdvs="460100")])
    preview = Settlement(amounts={"medfee_sumamt": Decimal("25.00")}, info={}, preview=True)
    visit = Visit(Credential("02", ID), person, "310", "460100", bill(), mdtrt_id="M1", chrg_bchno="B1",
                  preview=preview)

    def booked_but_disk_fails(request):
        store.sdb.conn.execute("PRAGMA query_only=ON")  # the disk goes bad while the platform books
        return {"infcode": 0, "output": {"setlinfo": {"setl_id": "S1", "medfee_sumamt": "25.00",
                                                      "psn_part_amt": "25.00", "psn_cash_pay": "25.00"}}}

    client.script.answers = [booked_but_disk_fails]
    with pytest.raises(UncertainSettlement) as ei:
        svc.settle(visit)
    assert not ei.value.reversed_ok and "正在冲正" in ei.value.user_message
    assert len(client.script.bodies) == 1  # the immediate 2601 was not sent unjournaled either
    with pytest.raises(ReversalPending):
        svc.settle(visit)
    store.sdb.conn.execute("PRAGMA query_only=OFF")  # the disk is back
    client.script.answers = [{"infcode": 0, "output": {"data": {"rvs_rslt": "1"}}}]
    out = store.worker(client).run_once()
    assert [(o.kind, o.state) for o in out] == [("reversal", "done")]
    assert client.script.bodies[-1]["input"]["data"]["omsgid"] == visit.settle_msgid
    assert store.reversal_pending_message("P1") == ""


def test_late_answer_after_a_not_booked_verdict_reverses_again(store, client, tmp_path):
    """Recovery elsewhere judged the 2207 and its 2601 came back 'not booked' (it reached the platform first);
    then the 2207's own answer arrives: it proves the booking, so the verdict is reopened and reversed again,
    and the caller is told the journal's verdict, never success."""
    from terminal.store.journal import LateAnswer

    store.attach(client)
    msg = client.prepare("2207", {"data": {"psn_no": "P1", "mdtrt_id": "M1"}}, insuplc_admdvs="460100")
    setl = {"setl_id": "S1", "mdtrt_id": "M1", "psn_no": "P1", "medfee_sumamt": "25.00", "fund_pay_sumamt": "20.00",
            "psn_part_amt": "5.00", "psn_cash_pay": "5.00", "acct_pay": "0.00", "hosp_part_amt": "0.00",
            "inscp_scp_amt": "25.00", "setl_time": "2026-12-03 10:00:00"}

    def judged_meanwhile(request):
        with Store(tmp_path / "journal.sqlite") as other:  # another process's recovery, as it would have done
            with other.sdb.tx() as db:
                other.queue._ensure_reversal(db, msg.msgid, "2207", "P1", "460100")
                db.execute("UPDATE messages SET state='uncertain' WHERE msgid=?", [msg.msgid])
            qid = other.queue.items(kind="reversal")[0].id
            with other.sdb.tx() as db:
                other._resolve(db, msg.msgid, "not_booked", "H45010000001202612030000009999")
            assert other.queue.get(qid).state == "done"
        return {"infcode": 0, "output": {"setlinfo": setl}}

    client.script.answers = [judged_meanwhile]
    with pytest.raises(LateAnswer) as ei:
        client.send(msg)
    assert ei.value.outcome_unknown and ei.value.resolution == "reversing" and "不要收取现金" in ei.value.user_message
    m = store.message(msg.msgid)
    assert m["state"] == "uncertain" and m["resolution"] == "reversing" and "S1" in m["answer"]
    assert [i.state for i in store.queue.items(kind="reversal")] == ["done", "queued"]
    assert store.blocking_reversals("P1") and store.settlements() == []
