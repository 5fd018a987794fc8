"""The journal and the offline queue against the real sandbox over HTTP, with injected faults.

Every money-moving message whose answer is lost (timeout, reset, HTTP 500, garbage, booked-then-RST) ends
uncertain, is reversed through the queue exactly once, and the next settlement goes through; an outage
parks bills that the queue settles when a sandbox comes back on the same database file.
"""
from __future__ import annotations

import contextlib
import resource
import signal
import sqlite3
import time
from decimal import Decimal

import pytest

from terminal.backend.errors import TransportError
from terminal.core.models import Credential
from terminal.sandbox.server import SandboxServer
from terminal.services.errors import CancelQueued, ReversalPending, UncertainSettlement
from terminal.store import JournalUnavailable, ParkRefused, QueueFull, Store
from tests.store_fixtures import service_env
from tests.store_fixtures import assert_journal_agrees_with_ledger, ledger_settlements
from tests.support import PERSONS, card_cred, id_cred, small_bill


@pytest.fixture
def env(tmp_path):
    with service_env(tmp_path, read_timeout=0.5) as e:
        yield e


def visit_for(e, key="hainan-retiree", cred=None, price="25.00"):
    cred = cred or id_cred(key)
    person = e.svc.identify(cred)
    visit = e.svc.open_visit(cred, person, small_bill(price))
    e.svc.preview(visit)
    return visit


def test_settlement_is_journaled_masked_with_the_days_book(env):
    v = visit_for(env)
    s = env.svc.settle(v)
    msgs = env.store.messages()
    assert [m["infno"] for m in msgs] == ["9001", "1101", "2201", "2204", "2206", "2207"]
    assert all(m["state"] == "answered" for m in msgs)
    certno, name = PERSONS["hainan-retiree"]["certno"], PERSONS["hainan-retiree"]["psn_name"]
    with sqlite3.connect(env.store.path) as raw:
        dump = "\n".join(raw.iterdump())
    assert certno not in dump and name not in dump
    m = env.store.message(v.settle_msgid)
    assert m["psn_no"] == v.person.psn_no and m["insuplc_admdvs"] == "460100" and m["mdtrt_id"] == v.mdtrt_id
    assert m["setl_id"] == s.setl_id
    [row] = env.store.settlements()
    assert row["status"] == "settled" and Decimal(row["psn_cash_pay"]) == s.psn_cash_pay
    assert_journal_agrees_with_ledger(env.store, env.sandbox.ledger())
    # the day's reconciliation with 3201 balances
    rep = env.store.reconcile(env.client)
    assert rep.balanced and rep.groups[0].count == 1 and rep.groups[0].insutype == "310"


FAULTS = [  # kind, sandbox processes (books) it?
    ("hang", False), ("reset", False), ("http500", False), ("malformed", True), ("lost_answer", True),
    ("delay", True),
]


@pytest.mark.parametrize("kind,books", FAULTS)
def test_uncertain_settlement_is_reversed_through_the_queue(env, kind, books):
    v = visit_for(env)
    env.sandbox.arm_fault(kind, infno="2207", delay=1.0 if kind in ("hang", "delay") else 0.0)
    with pytest.raises(UncertainSettlement) as ei:
        env.svc.settle(v)
    assert ei.value.user_message == "结算结果未知，正在冲正；冲正完成后请重新结算"
    omsgid = ei.value.omsgid
    m = env.store.message(omsgid)
    assert m["state"] == "uncertain" and m["resolution"] == "reversing"
    booked = ledger_settlements(env.sandbox.ledger())
    assert (omsgid in booked) == books
    # no new settlement for this person until the reversal is confirmed
    with pytest.raises(ReversalPending):
        env.svc.settle(v)
    if kind in ("hang", "delay"):
        time.sleep(1.1)  # let the sandbox finish the hung request
    out = env.worker.drain(timeout=20)
    assert [o.state for o in out] == ["done"], out
    m = env.store.message(omsgid)
    assert m["resolution"] == ("reversed" if books else "not_booked")
    if books:
        assert ledger_settlements(env.sandbox.ledger())[omsgid]["status"] == "reversed"
    assert env.store.blocking_reversals(v.person.psn_no) == []
    # settle anew: a fresh preview and a new msgid
    env.svc.preview(v)
    s = env.svc.settle(v)
    assert v.settle_msgid != omsgid and s.setl_id
    assert_journal_agrees_with_ledger(env.store, env.sandbox.ledger())
    assert env.store.reconcile(env.client).balanced


def test_a_lost_reversal_answer_is_resent_with_the_same_msgid(env):
    v = visit_for(env)
    env.sandbox.arm_fault("lost_answer", infno="2207")
    with pytest.raises(UncertainSettlement):
        env.svc.settle(v)
    env.sandbox.arm_fault("lost_answer", infno="2601")
    first = env.worker.run_once(ignore_backoff=True)
    assert [o.state for o in first] == ["retry"]
    [item] = env.store.queue.items(("queued",))
    msgid = item.msgid
    second = env.worker.drain()
    assert [o.state for o in second] == ["done"]
    assert env.store.queue.get(item.id).msgid == msgid and env.store.message(msgid)["attempts"] == 2
    reversals = [r for r in env.sandbox.ledger() if r["infno"] == "2601"]
    assert len(reversals) == 1 and reversals[0]["msgid"] == msgid
    assert env.store.queue.payload(msgid) is None  # the full envelope is gone once done
    assert_journal_agrees_with_ledger(env.store, env.sandbox.ledger())


def test_outage_parks_bills_and_recovery_settles_them_and_lists_refunds(env, tmp_path):
    port, db = env.sandbox.port, env.sandbox.db_path
    # the e-code token of a patient, with and without the ID number from the e-code query
    token = env.sandbox.issue_ectoken("sichuan-resident")
    env.sandbox.stop()
    v_cred = id_cred("hainan-retiree")
    with pytest.raises(TransportError) as ei:
        env.svc.identify(v_cred)
    assert not ei.value.sent and not ei.value.outcome_unknown
    slips = [
        env.svc.park(id_cred("hainan-retiree"), small_bill("25.00"), insutype="310"),
        env.svc.park(card_cred("shanghai-employee"), small_bill("30.00")),
        env.svc.park(Credential("01", token, ec_id_no=PERSONS["sichuan-resident"]["certno"],
                                ec_name=PERSONS["sichuan-resident"]["psn_name"]), small_bill("12.00")),
        env.svc.park(id_cred("guizhou-resident"), small_bill("9.00")),
    ]
    with pytest.raises(ParkRefused):
        env.svc.park(Credential("01", token), small_bill())
    assert slips[2].name_masked == "李**" and slips[0].total == Decimal("53.40")
    assert "全额" in slips[0].message and slips[0].park_id in "\n".join(slips[0].lines())
    env.store.cancel_parked(slips[3].park_id)
    # the worker finds the platform down and backs off
    out = env.worker.run_once(ignore_backoff=True)
    assert [o.state for o in out] == ["retry"] and env.worker.offline_until > time.time()
    assert [p.state for p in env.store.parked()] == ["parked", "parked", "parked", "cancelled"]
    # the platform is back (same database, same port)
    env.sandbox = SandboxServer(db_path=db, port=port).start()
    env.worker.start()
    env.worker.wake(now=True)
    deadline = time.time() + 20
    while time.time() < deadline and len(env.store.refunds_due()) < 3:
        time.sleep(0.05)
    env.worker.stop()
    refunds = {r.park_id: r for r in env.store.refunds_due()}
    assert set(refunds) == {s.park_id for s in slips[:3]}
    ledger = env.sandbox.ledger()
    by_setl = {r["setl_id"]: r for r in ledger if r["infno"] == "2207"}
    assert len(by_setl) == 3
    for s in slips[:3]:
        r = refunds[s.park_id]
        lr = by_setl[r.setl_id]
        assert r.paid == s.total == Decimal(lr["medfee_sumamt"])
        assert r.refund_due == Decimal(lr["medfee_sumamt"]) - Decimal(lr["psn_cash_pay"])
        assert r.refund_due == Decimal(lr["fund_pay_sumamt"]) + Decimal(lr["acct_pay"]) + Decimal(lr["hosp_part_amt"])
    print("\nparked refunds:", {k: f"{v.refund_due}" for k, v in refunds.items()})
    assert env.store.parked(("cancelled",))[0].park_id == slips[3].park_id
    # the credential is gone once settled or cancelled
    assert env.store.sdb.rows("SELECT * FROM parked_secrets") == []
    env.store.mark_refund_paid(slips[0].park_id, "0001")
    assert slips[0].park_id not in {r.park_id for r in env.store.refunds_due()}
    assert_journal_agrees_with_ledger(env.store, ledger)
    # a second worker round never settles again
    assert env.store.worker(env.client, env.svc).drain() == []
    assert len([r for r in env.sandbox.ledger() if r["infno"] == "2207"]) == 3


def test_cancel_requested_offline_is_forwarded_later(env):
    v = visit_for(env)
    s = env.svc.settle(v)
    port, db = env.sandbox.port, env.sandbox.db_path
    env.sandbox.stop()
    with pytest.raises(CancelQueued) as ei:
        env.svc.cancel(s.setl_id, v.mdtrt_id, v.person.psn_no, v.insuplc_admdvs)
    assert "队列" in ei.value.user_message
    env.store.queue.cancel_fees(v.mdtrt_id, "0000", v.person.psn_no, v.insuplc_admdvs)
    env.sandbox = SandboxServer(db_path=db, port=port).start()
    out = env.worker.drain()
    assert [(o.kind, o.state) for o in out] == [("cancel", "done"), ("fee_cancel", "done")]
    ledger = env.sandbox.ledger()
    assert ledger_settlements(ledger)[v.settle_msgid]["status"] == "cancelled"
    rows = {r["kind"]: r for r in env.store.settlements()}
    assert rows["settle"]["status"] == "cancelled" and Decimal(rows["cancel"]["medfee_sumamt"]) == -s.medfee_sumamt
    # the queued 2208 kept the msgid it was journaled with
    assert any(r["infno"] == "2208" and r["msgid"] == ei.value.msgid for r in ledger)
    rep = env.store.reconcile(env.client)
    assert rep.balanced and rep.groups[0].count == 2


def test_forwarded_cancel_with_unknown_outcome_is_reversed_then_asked_again(env):
    v = visit_for(env)
    s = env.svc.settle(v)
    env.store.queue.cancel_settlement(s.setl_id, v.mdtrt_id, v.person.psn_no, v.insuplc_admdvs)
    env.sandbox.arm_fault("lost_answer", infno="2208")
    out = env.worker.drain()
    assert [(o.kind, o.state) for o in out] == [("cancel", "uncertain"), ("reversal", "done"), ("cancel", "done")]
    ledger = env.sandbox.ledger()
    cancels = [r for r in ledger if r["infno"] == "2208"]
    assert [c["status"] for c in cancels] == ["reversed", "booked"]
    assert ledger_settlements(ledger)[v.settle_msgid]["status"] == "cancelled"
    assert env.store.reconcile(env.client).balanced


def test_business_refusal_fails_the_item_and_a_refused_reversal_blocks_the_person(env):
    v = visit_for(env)
    s = env.svc.settle(v)
    env.store.queue.cancel_settlement("NOSUCHSETL", v.mdtrt_id, v.person.psn_no, v.insuplc_admdvs)
    out = env.worker.drain()
    assert out[0].state == "failed" and "不存在" in out[0].message
    failed = env.store.queue.items(("failed",))
    assert failed[0].last_error and failed[0].kind == "cancel"
    # a reversal the platform refuses keeps the person blocked until the cashier dismisses it
    v2 = visit_for(env, "shanghai-employee")
    env.sandbox.arm_fault("reset", infno="2207")
    with pytest.raises(UncertainSettlement):
        env.svc.settle(v2)
    env.sandbox.arm_fault("business_error", infno="2601", err_msg="医保中心系统维护，暂不能冲正")
    out = env.worker.drain()
    assert out[-1].state == "failed"
    env.svc.preview(v2)
    with pytest.raises(ReversalPending) as ei:
        env.svc.settle(v2)
    assert "冲正被平台拒绝" in ei.value.user_message
    rev = env.store.queue.items(("failed",), kind="reversal")[0]
    env.store.queue.replay(rev.id)
    assert [o.state for o in env.worker.drain()] == ["done"]
    env.svc.settle(v2)
    assert s.setl_id
    assert_journal_agrees_with_ledger(env.store, env.sandbox.ledger())


def test_queue_limits_warn_then_refuse_new_parked_work(tmp_path):
    store = Store(tmp_path / "j.sqlite", max_queue_items=5, max_queue_age_hours=10)
    assert store.queue_status().level == "ok"
    for _ in range(4):
        store.park(id_cred("hainan-retiree"), small_bill())
    st = store.queue_status()
    assert st.level == "warning" and "接近上限" in st.message and st.accepts_new_work
    store.park(id_cred("hainan-retiree"), small_bill())
    assert store.queue_status().level == "full"
    with pytest.raises(QueueFull):
        store.park(id_cred("hainan-retiree"), small_bill())
    # reversals are never refused
    store.queue.ensure_reversal("H45010000001202601010000000001", "2207", "P1", "460100")
    assert store.queue_status().open_items == 6
    # age: the oldest item waited too long
    store2 = Store(tmp_path / "j2.sqlite", max_queue_items=100, max_queue_age_hours=10)
    store2.park(id_cred("hainan-retiree"), small_bill())
    with store2.sdb.tx() as db:
        db.execute("UPDATE queue SET created_ts = created_ts - 8.5 * 3600")
    assert store2.queue_status().level == "warning"
    with store2.sdb.tx() as db:
        db.execute("UPDATE queue SET created_ts = created_ts - 2 * 3600")
    assert store2.queue_status().level == "full"
    with pytest.raises(QueueFull):
        store2.park(id_cred("hainan-retiree"), small_bill())
    store.close()
    store2.close()


@pytest.mark.parametrize("how", ["read_only", "disk_full"])
def test_journal_that_cannot_write_stops_the_send(env, how):
    v = visit_for(env)
    before = len(env.sandbox.ledger())
    conn = env.store.sdb.conn
    if how == "read_only":
        conn.execute("PRAGMA query_only=ON")
        ctx = contextlib.nullcontext()
    else:
        ctx = file_size_limit(64)  # every write past 64 bytes fails as on a full disk (EFBIG -> SQLITE_FULL)
    with pytest.raises(JournalUnavailable) as ei, ctx:
        env.svc.settle(v)
    # a full disk is SQLITE_FULL (ENOSPC); the file-size limit used here surfaces as SQLITE_IOERR_WRITE
    assert ("只读" if how == "read_only" else "磁盘") in ei.value.user_message
    assert "未发送" in ei.value.user_message and not ei.value.outcome_unknown
    assert len(env.sandbox.ledger()) == before


@contextlib.contextmanager
def file_size_limit(nbytes: int):
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old)


def test_reconcile_mismatch_lists_the_settlements_to_look_at(env):
    for key in ("hainan-retiree", "shanghai-employee"):
        env.svc.settle(visit_for(env, key))
    with env.store.sdb.tx() as db:  # the journal lost a cent somewhere
        db.execute("UPDATE settlements SET medfee_sumamt='53.39' WHERE psn_no=?", [PERSONS["hainan-retiree"]["psn_no"]])
    rep = env.store.reconcile(env.client)
    assert not rep.balanced
    bad = [g for g in rep.groups if g.state == "mismatch"]
    assert len(bad) == 1 and "不平" in bad[0].stmt_rslt_dscr
    assert [s["psn_no"] for s in rep.to_check] == [PERSONS["hainan-retiree"]["psn_no"]]
    assert env.store.reconciler.results()[0]["state"] in ("balanced", "mismatch")
    # offline: the 3201 waits in the queue and its result is stored when forwarded
    port, db = env.sandbox.port, env.sandbox.db_path
    env.sandbox.stop()
    rep2 = env.store.reconcile(env.client)
    assert {g.state for g in rep2.groups} == {"queued"}
    env.sandbox = SandboxServer(db_path=db, port=port).start()
    out = env.worker.drain()
    assert {o.kind for o in out} == {"reconcile"} and all(o.state == "done" for o in out)
    states = sorted(r["state"] for r in env.store.reconciler.results() if r["queue_id"])
    assert states == ["balanced", "mismatch"]
