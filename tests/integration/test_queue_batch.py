"""The queue worker's group commit (issue 16, figure 5) with several live processes on one store.

Real parts: the sandbox platform over HTTP on 127.0.0.1, the settlements booked there for real, one SQLite
journal shared by real worker processes (``python -m tests.queue_drainer``), kills by SIGKILL in the middle of
a batch (terminal.store.crash). What must hold: every 2601 is journaled before it leaves, a live process's
claimed items are never taken from it, a dead one's are replayed, each settlement is reversed exactly once on
the platform, nothing is lost.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from terminal.backend.client import Message
from terminal.backend.msgid import MsgIdGenerator
from terminal.core import wire
from terminal.sandbox.testkit import SandboxClient
from terminal.store import Store
from terminal.store.db import now_text
from tests.support import ROOT, make_client, make_config

PERSONS = ["hainan-retiree", "shanghai-employee", "sichuan-resident", "guizhou-resident"]
MORE_PERSONS = PERSONS + ["yunnan-resident", "chongqing-employee", "local", "tibet-resident"]
ITEMS = [("001102000010300", "25.00", 1)]  # 诊查费


def _uncertain_settlements(sandbox, store: Store, n: int, persons: list[str] = PERSONS) -> list[str]:
    """n 2207s booked on the platform whose answers the journal never got: uncertain, each 2601 queued (what the
    journal does when a 2207's answer is lost). Four persons, so a visit has several reversals queued in order."""
    sb = SandboxClient(sandbox.url)
    # its msgids from the terminal's own sequence (the state file the workers use): none is ever used twice
    sb.msgid = MsgIdGenerator(sb.code, store.path.parent / "msgid.state").next  # type: ignore[method-assign]
    sb.sign_in()
    out = []
    for i in range(n):
        v = sb.open_visit(persons[i % len(persons)], ITEMS)
        env = sb.envelope("2207", {"data": sb.setl_input(v, invono="")}, v.insuplc)
        assert wire.loads(sb.post_env(env).content)["infcode"] == 0
        msg = Message(infno="2207", msgid=env["msgid"], envelope=env, url=sb.url_for("2207"))
        store.journal.before_send(msg)
        with store.sdb.tx() as db:
            db.execute("UPDATE messages SET state='uncertain', sent=1, updated=?, err_kind='timeout' WHERE msgid=?",
                       [now_text(), msg.msgid])
            store.queue._ensure_reversal(db, msg.msgid, "2207", v.psn_no, v.insuplc)
        out.append(msg.msgid)
    sb.close()
    return out


def _drainer(journal: Path, url: str, *, until_empty: bool = False, batch: int = 16, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.queue_drainer", "--journal", str(journal), "--url", url,
                             "--batch", str(batch)] + (["--until-empty"] if until_empty else []),
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env})


def _reversals_on_platform(sandbox) -> Counter:
    """omsgid -> how many times the platform booked its reversal."""
    return Counter(r["omsgid"] for r in sandbox.ledger() if r["infno"] == "2601")


def _assert_all_reversed_once(store: Store, sandbox, omsgids: list[str]) -> None:
    assert store.queue.open_items() == [], [i.as_dict() for i in store.queue.open_items()]
    assert _reversals_on_platform(sandbox) == Counter({m: 1 for m in omsgids})  # once each, none lost
    for m in omsgids:
        assert store.resolution(m) == "reversed", m
    booked = {r["msgid"]: r["status"] for r in sandbox.ledger() if r["infno"] == "2207"}
    assert all(booked[m] == "reversed" for m in omsgids)


def _rev_messages(store: Store) -> dict[str, list[dict]]:
    """omsgid -> the journal's 2601 messages for it."""
    out: dict[str, list[dict]] = {}
    for r in store.sdb.rows("SELECT * FROM messages WHERE infno='2601' ORDER BY created"):
        out.setdefault(r["omsgid"], []).append(r)
    return out


def test_batch_journals_every_2601_before_it_leaves_in_two_commits(tmp_path, sandbox):
    """One batch: each message is journaled (pending, with its request) in the claim's one transaction before
    the first is posted; the answers and the items are filed in one more. Two write transactions for 8 items."""
    cfg = make_config(tmp_path / "data")
    with Store(tmp_path / "data" / "journal.sqlite") as store:
        omsgids = _uncertain_settlements(sandbox, store, 8)
        client = make_client(cfg, sandbox.url, tmp_path / "data" / "msgid.state")
        w = store.worker(client, batch=16)
        client.sign_in()
        seen: list[tuple[str, str, int]] = []  # at each POST: (its msgid, its journal state, pending 2601s)
        real_post = client.session.post

        def post(url, data=None, **kw):
            msgid = json.loads(data)["msgid"]
            row = store.sdb.one("SELECT state FROM messages WHERE msgid=?", [msgid])
            pending = store.sdb.one("SELECT COUNT(*) n FROM messages WHERE infno='2601' AND state='pending'")["n"]
            seen.append((msgid, row["state"] if row else "", pending))
            return real_post(url, data=data, **kw)

        client.session.post = post
        commits = []
        store.sdb.conn.set_trace_callback(commits.append)
        outs = w.run_once(ignore_backoff=True)
        store.sdb.conn.set_trace_callback(None)
        assert [o.state for o in outs] == ["done"] * 8, [o.message for o in outs]
        assert {o.resolution for o in outs} == {"reversed"}
        assert [s[1] for s in seen] == ["pending"] * 8  # journaled before it left
        assert seen[0][2] == 8  # all eight journaled in the claim's one transaction, before the first POST
        writes, wrote = 0, False  # commits that wrote something (an empty one is not written to disk)
        for c in commits:
            wrote = wrote or c.split()[0] in ("UPDATE", "INSERT", "DELETE")
            if c.startswith("COMMIT"):
                writes, wrote = writes + wrote, False
        assert writes == 2  # the claim and the closing transaction; nothing per message
        _assert_all_reversed_once(store, sandbox, omsgids)
        rows = _rev_messages(store)
        assert all(len(rows[m]) == 1 and rows[m][0]["state"] == "answered" and rows[m][0]["attempts"] == 1
                   for m in omsgids)
        client.close()


def test_batch_stops_a_visit_whose_earlier_item_is_refused(tmp_path, sandbox):
    """Two reversals of one person in one batch: the first is refused (not a 'nothing booked' / 'already
    reversed' answer), so the second must not be sent: it is released, queued as it was, its message closed as
    never sent."""
    cfg = make_config(tmp_path / "data")
    with Store(tmp_path / "data" / "journal.sqlite") as store:
        omsgids = _uncertain_settlements(sandbox, store, 5)  # persons 0..3, then person 0 again
        first = store.queue.items(kind="reversal")[0]
        with store.sdb.tx() as db:  # the first reversal names another person: the platform refuses it
            p = dict(first.params, psn_no="P-WRONG")
            db.execute("UPDATE queue SET params=? WHERE id=?", [json.dumps(p), first.id])
        client = make_client(cfg, sandbox.url, tmp_path / "data" / "msgid.state")
        client.sign_in()
        outs = store.worker(client, batch=16).run_once(ignore_backoff=True)
        assert [o.state for o in outs] == ["failed", "done", "done", "done"]
        later = [i for i in store.queue.items(kind="reversal") if i.omsgid == omsgids[4]][0]
        assert later.state == "queued" and later.attempts == 0 and later.msgid
        m = store.message(later.msgid)
        assert (m["state"], m["sent"], m["attempts"], m["err_kind"]) == ("failed", 0, 0, "not_sent")
        assert omsgids[4] not in _reversals_on_platform(sandbox)
        client.close()


@pytest.mark.timeout(240)
def test_three_live_processes_share_the_queue_and_reverse_each_once(tmp_path, sandbox):
    """Two worker processes and this one (the window) drain one queue of 120 reversals of 8 persons at once: the
    claims never overlap, every settlement is reversed once, no 2601 is sent twice."""
    journal = tmp_path / "data" / "journal.sqlite"
    cfg = make_config(tmp_path / "data")
    with Store(journal) as store:
        omsgids = _uncertain_settlements(sandbox, store, 120, MORE_PERSONS)  # 8 visits
        procs = [_drainer(journal, sandbox.url, until_empty=True, batch=2) for _ in range(2)]
        tokens = [p.stdout.readline().split()[-1] for p in procs]
        assert [p.stdout.readline().strip() for p in procs] == ["READY", "READY"]  # both start draining now
        client = make_client(cfg, sandbox.url, tmp_path / "data" / "msgid.state")
        w = store.worker(client, batch=2)  # (small batches: each process finds visits free while others work)
        end = time.time() + 120
        while time.time() < end and store.queue.items(("queued", "working")):
            w.drain(timeout=120)
            time.sleep(0.02)  # what is left waits behind another process's batch
        outs = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            outs.append(out + err[-2000:])
        _assert_all_reversed_once(store, sandbox, omsgids)
        rows = _rev_messages(store)
        assert {m: len(rows[m]) for m in omsgids} == {m: 1 for m in omsgids}
        assert all(rows[m][0]["attempts"] == 1 for m in omsgids)  # never sent twice
        owners = Counter(rows[m][0]["owner"] for m in omsgids)
        assert len(owners) >= 2 and set(owners) <= {store.token, *tokens}, (owners, store.token, outs)  # shared
        client.close()


@pytest.mark.timeout(180)
def test_kill_in_the_middle_of_a_batch_a_live_owner_is_left_alone_a_dead_one_replayed(tmp_path, sandbox):
    """A worker process claims a batch of 16, sends 5 (the platform books them), and stops before the 6th: first
    paused (alive: its lease holds, this process's worker takes nothing of its batch), then SIGKILLed (the lease
    is gone: this process's worker queues its items again and sends them with the same msgids). The five that
    had reached the platform are answered as before and not booked again; the rest are reversed once."""
    journal = tmp_path / "data" / "journal.sqlite"
    cfg = make_config(tmp_path / "data")
    flag = tmp_path / "paused"
    with Store(journal) as store:
        omsgids = _uncertain_settlements(sandbox, store, 20)
        p = _drainer(journal, sandbox.url, YIBAO_CRASH_AT="before_send", YIBAO_CRASH_INFNO="2601",
                     YIBAO_CRASH_AFTER="5", YIBAO_CRASH_ACTION="pause", YIBAO_CRASH_FLAG=str(flag))
        end = time.time() + 60
        while not flag.exists() and time.time() < end:
            time.sleep(0.05)
        assert flag.exists(), p.stderr.read() if p.poll() is not None else "the drainer never paused"
        assert sum(_reversals_on_platform(sandbox).values()) == 5
        working = store.queue.items(("working",))  # its batch of 16, five of them sent, nothing filed yet
        assert store.queue.items(("done",)) == [] and len(working) == 16 and {i.msgid for i in working} <= {
            r["msgid"] for r in store.sdb.rows("SELECT msgid FROM messages WHERE infno='2601' AND state='pending'")}

        client = make_client(cfg, sandbox.url, tmp_path / "data" / "msgid.state")
        w = store.worker(client, batch=16, reclaim_every=0.0)
        w.drain(timeout=60)  # the other process lives: its 16 stay its own; the 4 left are of its visits: wait
        assert {i.id for i in store.queue.items(("working",))} == {i.id for i in working}
        assert sum(_reversals_on_platform(sandbox).values()) == 5

        os.kill(p.pid, signal.SIGKILL)
        p.wait(10)
        outs = w.drain(timeout=60)
        assert {o.state for o in outs} == {"done"} and len(outs) == 20
        _assert_all_reversed_once(store, sandbox, omsgids)
        rows = _rev_messages(store)
        assert {m: len(rows[m]) for m in omsgids} == {m: 1 for m in omsgids}  # the same msgids, no new message
        # the platform booked each reversal under the msgid the journal has for it: the 2601s the dead process had
        # sent went again under their own msgids (answered from the platform's record, not booked twice)
        on_platform = {r["omsgid"]: r["msgid"] for r in sandbox.ledger() if r["infno"] == "2601"}
        assert on_platform == {m: rows[m][0]["msgid"] for m in omsgids}
        batch = {i.omsgid for i in working}
        assert all(rows[m][0]["attempts"] == (2 if m in batch else 1) for m in omsgids)  # journaled again once
        client.close()


def test_while_the_platform_is_down_one_message_is_journaled_per_try(tmp_path):
    """The first round after the platform stopped answering claims a batch (it did not know): one is tried, the rest
    released unsent. From then on, until it answers again, each try journals one message, not a batch."""
    from tests.support import free_port

    cfg = make_config(tmp_path / "data", connect_timeout=0.5)
    with Store(tmp_path / "data" / "journal.sqlite") as store:
        for i in range(5):
            store.queue.ensure_reversal(f"H45010000001202601010000{i:06d}", "2207", f"P{i}", "450100")
        client = make_client(cfg, f"http://127.0.0.1:{free_port()}", tmp_path / "data" / "msgid.state")
        client.sign_no = "S-EARLIER"  # signed in before the platform went away
        w = store.worker(client, batch=16)
        pending: list[str] = []
        journaling = ("INSERT INTO messages", "UPDATE messages SET state='pending'")
        store.sdb.conn.set_trace_callback(lambda sql: pending.append(sql) if sql.startswith(journaling) else None)
        assert [o.state for o in w.run_once(ignore_backoff=True)] == ["retry"]
        assert len(pending) == 5  # the batch: five journaled, one tried, four released
        assert len([i for i in store.queue.items(("queued",)) if i.attempts == 0]) == 4
        for _ in range(2):
            pending.clear()
            assert [o.state for o in w.run_once(ignore_backoff=True)] == ["retry"]
            assert len(pending) == 1
        store.sdb.conn.set_trace_callback(None)
        client.close()
