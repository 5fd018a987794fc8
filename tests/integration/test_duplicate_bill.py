"""A bill settles once (issue 11, item 2): the duplicate-bill guard over real HTTP against the sandbox, with a
real journal file, real processes racing, and the real command line killed right after the commit.

* with a bill_no (the HIS charge number) a second settlement is refused, showing the earlier one; only a
  supervisor's override with a journaled reason lets exactly one more through; cancelled or reversed ones
  do not block, in-flight and uncertain ones do (and cannot be overridden);
* without a bill_no the same person's identical bill within 30 minutes asks for confirmation;
* after a crash right after the commit, the restart shows the settlement nobody saw.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from terminal.core.billid import bill_digest
from terminal.services.outpatient import SettlementService
from terminal.store import Store
from terminal.store.duplicates import DuplicateOverride
from terminal.store.errors import DuplicateBill, DuplicateSuspected
from tests.store_fixtures import assert_journal_agrees_with_ledger
from tests.support import (PERSONS, ROOT, bill_file, cli_data, cli_env, cli_ledger, id_cred, make_client, make_config,
                           run_cli, small_bill)


@pytest.fixture
def world(tmp_path, sandbox):
    """A store (real SQLite file), a client over HTTP to the sandbox, the service on both."""
    cfg = make_config(tmp_path)
    store = Store(tmp_path / "journal.sqlite")
    client = make_client(cfg, sandbox.url, tmp_path / "msgid.state")
    svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
    yield store, client, svc
    client.close()
    store.close()


def settle(svc, bill, key="hainan-retiree", **kw):
    cred = id_cred(key)
    person = svc.identify(cred)
    visit = svc.open_visit(cred, person, bill)
    svc.preview(visit)
    return visit, svc.settle(visit, **kw)


def bill_with(no: str, price: str = "25.00"):
    b = small_bill(price)
    b.bill_no = no
    return b


def booked_2207(sandbox) -> list[dict]:
    return [r for r in sandbox.ledger() if r["infno"] == "2207" and r["status"] == "booked"]


def test_same_bill_no_settles_once_and_shows_the_earlier_settlement(world, sandbox):
    store, client, svc = world
    bill = bill_with("MZ20261203-0001")
    v1, s1 = settle(svc, bill)
    # the early check (a read before any platform work) already knows
    with pytest.raises(DuplicateBill) as early:
        svc.check_duplicate(bill)
    assert early.value.reason == "settled" and early.value.latest["setl_id"] == s1.setl_id
    # going on anyway: the 2207 is refused inside the journal's transaction, nothing is sent
    cred = id_cred("hainan-retiree")
    person = svc.identify(cred)
    visit = svc.open_visit(cred, person, bill)
    svc.preview(visit)
    with pytest.raises(DuplicateBill) as late:
        svc.settle(visit)
    e = late.value
    assert not e.outcome_unknown and e.overridable
    msg = e.user_message
    row = store.sdb.one("SELECT * FROM settlements WHERE setl_id=?", [s1.setl_id])
    for shown in (s1.setl_id, row["created"][:10], "收费员 " + client.identity.opter, "MZ20261203-0001",
                  f"{s1.medfee_sumamt:.2f}", f"{s1.psn_cash_pay:.2f}", "不能重复结算"):
        assert shown in msg, (shown, msg)
    assert e.latest["operator"] == client.identity.opter
    assert store.message(visit.settle_msgid) is None  # never journaled, so never sent
    booked = booked_2207(sandbox)
    assert len(booked) == 1 and booked[0]["setl_id"] == s1.setl_id
    assert_journal_agrees_with_ledger(store, sandbox.ledger())
    # the settlement row carries the bill it paid and who settled it
    assert row["bill_no"] == "MZ20261203-0001" and row["bill_digest"] == bill_digest(bill)
    assert row["operator"] == client.identity.opter
    # a cancelled settlement no longer blocks: the bill can be settled again (once)
    svc.cancel(s1.setl_id, v1.mdtrt_id, v1.person.psn_no, v1.insuplc_admdvs)
    svc.check_duplicate(bill)
    _v3, s3 = settle(svc, bill)
    assert [r["setl_id"] for r in booked_2207(sandbox)] == [s3.setl_id]
    with pytest.raises(DuplicateBill):
        settle(svc, bill)
    # another bill_no of the same person and content is another bill
    settle(svc, bill_with("MZ20261203-0002"))


def test_supervisor_override_is_journaled_and_lets_exactly_one_through(world, sandbox):
    store, client, svc = world
    bill = bill_with("MZ-OVR-7")
    _v1, s1 = settle(svc, bill)
    with pytest.raises(ValueError, match="原因"):
        DuplicateOverride("9001", " ")
    grant = DuplicateOverride("9001", "HIS 重开收费单，原单已作废", operator=client.identity.opter)
    svc.check_duplicate(bill, override=grant)  # the early check accepts it
    v2, s2 = settle(svc, bill, override=grant)
    assert s2.setl_id != s1.setl_id
    rows = store.sdb.rows("SELECT * FROM overrides")
    assert len(rows) == 1
    o = rows[0]
    assert (o["bill_no"], o["supervisor"], o["reason"], o["earlier_setl_id"], o["msgid"], o["operator"]) == \
        ("MZ-OVR-7", "9001", "HIS 重开收费单，原单已作废", s1.setl_id, v2.settle_msgid, client.identity.opter)
    # the same grant does not let a third one through
    with pytest.raises(DuplicateBill) as again:
        settle(svc, bill, override=grant)
    assert "授权已使用过" in again.value.user_message
    # without a grant the next attempt shows the latest settlement and counts them
    with pytest.raises(DuplicateBill) as plain:
        settle(svc, bill)
    assert plain.value.latest["setl_id"] == s2.setl_id and "共已结算 2 次" in plain.value.user_message
    assert len(booked_2207(sandbox)) == 2 and len(store.sdb.rows("SELECT * FROM overrides")) == 1
    assert_journal_agrees_with_ledger(store, sandbox.ledger())


def test_uncertain_settlement_blocks_until_reversed_and_cannot_be_overridden(world, sandbox):
    store, client, svc = world
    bill = bill_with("MZ-UNC-1")
    sandbox.arm_fault("lost_answer", "2207")  # booked, then the connection drops: outcome unknown
    from terminal.services.errors import UncertainSettlement

    with pytest.raises(UncertainSettlement) as u:
        settle(svc, bill)
    omsgid = u.value.omsgid
    assert store.resolution(omsgid) == "reversing"
    for kw in ({}, {"override": DuplicateOverride("9001", "病人要求")}):
        with pytest.raises(DuplicateBill) as e:
            svc.check_duplicate(bill, **kw)
        assert e.value.reason == "uncertain" and not e.value.overridable
        assert "冲正" in e.value.user_message
    # the guard in the journal says the same when the early check is skipped (the same person would be stopped
    # earlier by the pending reversal, so try it for another person: only the guard stands in the way)
    with pytest.raises(DuplicateBill) as g:
        settle(svc, bill, key="local")
    assert g.value.reason == "uncertain"
    assert len(booked_2207(sandbox)) == 1
    # once reversed the bill settles normally
    store.worker(client, svc).drain(timeout=20)
    assert store.resolution(omsgid) == "reversed"
    svc.check_duplicate(bill)
    _v, s = settle(svc, bill)
    assert [r["setl_id"] for r in booked_2207(sandbox)] == [s.setl_id]
    assert_journal_agrees_with_ledger(store, sandbox.ledger())


def test_in_flight_settlement_of_the_bill_in_another_process_blocks(tmp_path, sandbox):
    """Process A's 2207 is held by the platform for 3 s; B (another process) tries the same bill_no meanwhile."""
    sandbox.arm_fault("delay", "2207", delay=3.0)
    a = _spawn(tmp_path, sandbox.url, "MZ-FLY-1", "hainan-retiree", "21.00")
    store = Store(tmp_path / "journal.sqlite")
    try:
        deadline = time.time() + 30
        while not store.sdb.rows("SELECT msgid FROM messages WHERE infno='2207' AND state IN ('pending','sent')"):
            assert time.time() < deadline and a.poll() is None, _out(a)
            time.sleep(0.02)
        cfg = make_config(tmp_path)
        client = make_client(cfg, sandbox.url, tmp_path / "msgid.state")
        svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
        with pytest.raises(DuplicateBill) as e:
            settle(svc, bill_with("MZ-FLY-1"), key="hainan-retiree")
        assert e.value.reason == "in_flight" and "正在结算中" in e.value.user_message
        client.close()
        out = _out(a, wait=True)
        assert a.returncode == 0 and out.startswith("SETTLED"), out
        assert len(booked_2207(sandbox)) == 1
    finally:
        store.close()


def _spawn(d: Path, url: str, bill_no: str, person: str, price: str, go: Path | None = None) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for k in ("YIBAO_CRASH_AT", "YIBAO_CRASH_INFNO"):
        env.pop(k, None)
    cmd = [sys.executable, "-m", "tests.store_fixtures", "settle", "--journal", str(d / "journal.sqlite"),
           "--url", url, "--state", str(d / "msgid.state"), "--person", person,
           "--price", price, "--bill-no", bill_no, "--read-timeout", "10"]
    if go is not None:
        cmd += ["--go-file", str(go)]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _out(p: subprocess.Popen, wait: bool = False) -> str:
    if wait:
        p.wait(timeout=60)
    if p.poll() is None:
        return "(running)"
    return (p.stdout.read() or "").strip() + " | " + (p.stderr.read() or "")[-1500:]


ROUNDS = 4


def test_two_processes_settling_the_same_bill_at_the_same_moment_settle_it_once(tmp_path, sandbox):
    """Two real processes on one journal, lined up to send their 2207 of the same bill_no at the same moment
    (a start file), in several rounds: every round exactly one settles and one is refused, and the platform
    booked exactly one settlement per bill."""
    from collections import Counter

    tally: Counter = Counter()
    for n in range(ROUNDS):
        go = tmp_path / f"go-{n}"
        bill_no = f"MZ-RACE-{n}"
        procs = [_spawn(tmp_path, sandbox.url, bill_no, "hainan-retiree", f"3{n}.00", go) for _ in range(2)]
        deadline = time.time() + 60
        while len(list(tmp_path.glob(f"go-{n}.ready-*"))) < 2:
            assert time.time() < deadline and all(p.poll() is None for p in procs), [_out(p) for p in procs]
            time.sleep(0.005)
        go.touch()  # both processes are past the preview, spinning on this file: settle now
        outs = [_out(p, wait=True) for p in procs]
        kinds = sorted(o.split(" ", 1)[0] for o in outs)
        assert kinds == ["DUPLICATE", "SETTLED"], outs
        for o in outs:
            tally[o.split(" ", 1)[0]] += 1
        refused = next(o for o in outs if o.startswith("DUPLICATE"))
        assert bill_no in refused and ("正在结算中" in refused or "已结算" in refused), refused
        tally["refused while the other was in flight" if "正在结算中" in refused else "refused after it settled"] += 1
    ledger = sandbox.ledger()
    booked = [r for r in ledger if r["infno"] == "2207" and r["status"] == "booked"]
    assert len(booked) == ROUNDS, booked
    with Store(tmp_path / "journal.sqlite") as store:
        per_bill = store.sdb.rows("SELECT bill_no, count(*) AS n FROM settlements WHERE status='settled' "
                                  "GROUP BY bill_no")
        assert {r["bill_no"]: r["n"] for r in per_bill} == {f"MZ-RACE-{n}": 1 for n in range(ROUNDS)}
        assert_journal_agrees_with_ledger(store, ledger)
    print(f"\nrace: {ROUNDS} rounds x 2 processes -> {tally}, booked {len(booked)}")


def test_identical_bill_without_bill_no_within_30_minutes_asks_for_confirmation(world, sandbox):
    store, client, svc = world
    bill = small_bill("19.90")
    assert not bill.bill_no
    psn = PERSONS["hainan-retiree"]["psn_no"]
    _v1, s1 = settle(svc, bill)
    with pytest.raises(DuplicateSuspected) as early:
        svc.check_duplicate(bill, psn)
    assert early.value.latest["setl_id"] == s1.setl_id and "30 分钟内已结算过相同账单" in early.value.user_message
    # the same lines in another order, prices written differently: the same bill
    same = small_bill("19.9")
    same.items.reverse()
    with pytest.raises(DuplicateSuspected):
        settle(svc, same)
    assert len(booked_2207(sandbox)) == 1
    # confirmed: it settles
    _v2, s2 = settle(svc, same, confirm_duplicate=True)
    assert len(booked_2207(sandbox)) == 2
    # another person with the same bill, or the same person with another bill: nothing to confirm
    svc.check_duplicate(bill, PERSONS["local"]["psn_no"])
    svc.check_duplicate(small_bill("19.91"), psn)
    # 31 minutes later the same bill no longer asks
    with store.sdb.tx() as db:
        db.execute("UPDATE settlements SET created=datetime(created, '-31 minutes')")
        db.execute("UPDATE messages SET created=datetime(created, '-31 minutes')")
    svc.check_duplicate(bill, psn)
    settle(svc, bill)
    assert len(booked_2207(sandbox)) == 3
    assert_journal_agrees_with_ledger(store, sandbox.ledger())


# the command line -------------------------------------------------------------------------------------
def _cli_ledger(tmp_path) -> list[dict]:
    return [r for r in cli_ledger(tmp_path) if r["infno"] == "2207"]


def test_cli_killed_right_after_the_commit_restart_shows_the_settlement_and_refuses_it_again(tmp_path):
    """The issue's reproduction: the settle process is SIGKILLed right after the settlement is committed (the
    cashier never saw the result). The restart must show it (上次结算已完成：…，请核对是否已收费) with its
    setl_id, and the cashier who tries again is refused with the earlier settlement."""
    certno = PERSONS["hainan-retiree"]["certno"]
    bill = bill_file(tmp_path, "MZ-CRASH-42")
    r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", certno, "--bill", bill, "--json",
                env=cli_env(tmp_path, YIBAO_CRASH_AT="after_commit", YIBAO_CRASH_INFNO="2207"))
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stdout, r.stderr[-2000:])
    assert r.stdout.strip() == ""  # nothing reached the cashier
    ledger = _cli_ledger(tmp_path)
    assert len(ledger) == 1 and ledger[0]["status"] == "booked"
    setl_id = ledger[0]["setl_id"]
    # the restart: the same command again, as the cashier would
    r2 = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", certno, "--bill", bill, "--json")
    assert "上次结算已完成：" in r2.stderr and "请核对是否已收费" in r2.stderr and setl_id in r2.stderr, r2.stderr
    assert "交易日志正常" not in r2.stderr
    out = json.loads(r2.stdout)
    assert r2.returncode == 1 and out["ok"] is False and out["error"]["kind"] == "DuplicateBill"
    assert out["duplicate"]["earlier"][0]["setl_id"] == setl_id and "--override-duplicate" in out["hint"]
    assert [c["setl_id"] for c in out["recovery"]["completed"]] == [setl_id]
    assert len(_cli_ledger(tmp_path)) == 1  # not settled twice
    # the notice is given once: the next start is quiet about it
    r3 = run_cli(tmp_path, "queue", "replay")
    assert "上次结算已完成" not in r3.stderr


def test_cli_override_needs_the_supervisor_pin_and_a_reason_and_confirm_duplicate_is_named(tmp_path):
    certno = PERSONS["local"]["certno"]
    bill = bill_file(tmp_path, "MZ-CLI-9")
    first = json.loads(run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", certno, "--bill", bill, "--json",
                               check=True).stdout)
    r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", certno, "--bill", bill)
    assert r.returncode == 1 and first["settlement"]["setl_id"] in r.stderr and "--override-duplicate" in r.stderr
    r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", certno, "--bill", bill, "--override-duplicate",
                "--supervisor", "9001", "--supervisor-pin", "9999")
    assert r.returncode == 2 and "--reason" in r.stderr
    r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", certno, "--bill", bill, "--override-duplicate",
                "--supervisor", "9001", "--supervisor-pin", "1111", "--reason", "HIS 重开单")
    assert r.returncode == 1 and "主管授权失败" in r.stderr
    r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", certno, "--bill", bill, "--override-duplicate",
                "--supervisor", "0001", "--supervisor-pin", "1234", "--reason", "HIS 重开单")
    assert r.returncode == 1 and "主管" in r.stderr  # a cashier cannot authorise
    assert len(_cli_ledger(tmp_path)) == 1
    out = json.loads(run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", certno, "--bill", bill,
                             "--override-duplicate", "--supervisor", "9001", "--reason", "HIS 重开单", "--json",
                             env=cli_env(tmp_path, YIBAO_SUPERVISOR_PIN="9999"), check=True).stdout)
    assert out["ok"] and len(_cli_ledger(tmp_path)) == 2
    from terminal.store import Store as _Store

    with _Store(cli_data(tmp_path) / "journal.sqlite") as st:
        o = st.sdb.rows("SELECT * FROM overrides")
    assert [(x["bill_no"], x["supervisor"], x["reason"], x["earlier_setl_id"], x["msgid"]) for x in o] == \
        [("MZ-CLI-9", "9001", "HIS 重开单", first["settlement"]["setl_id"], out["msgid"])]
    # without a bill_no: the same person's identical bill (settled above under MZ-CLI-9 minutes ago) asks for
    # confirmation and names the flag, which then settles it; for another person it settles at once
    nobill = bill_file(tmp_path, "")
    r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", certno, "--bill", nobill, "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 1 and out["error"]["kind"] == "DuplicateSuspected" and "--confirm-duplicate" in out["hint"]
    assert out["duplicate"]["earlier"][0]["setl_id"] in {x["setl_id"] for x in _cli_ledger(tmp_path)}
    assert len(_cli_ledger(tmp_path)) == 2
    run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", certno, "--bill", nobill, "--confirm-duplicate",
            check=True)
    assert len(_cli_ledger(tmp_path)) == 3
    r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", certno, "--bill", nobill)
    assert r.returncode == 1 and "--confirm-duplicate" in r.stderr and "30 分钟内" in r.stderr
    run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", PERSONS["hainan-retiree"]["certno"], "--bill", nobill,
            check=True)
    assert len(_cli_ledger(tmp_path)) == 4
