"""Several live processes on one store: recovery touches only what a dead process left.

The sandbox runs in its own process (``python -m terminal.sandbox.server``), terminals are real processes
on one store dir, kills are SIGKILL. Issue 11 item 1.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from terminal.store import Store
from tests.store_fixtures import ledger_settlements
from tests.support import PERSONS, ROOT, config_file, free_port

BILL = ROOT / "resources/bills/outpatient-nanning.json"


class SandboxProcess:
    def __init__(self, tmp: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "terminal.sandbox.server", "--port", str(self.port),
                                      "--db", str(tmp / "sandbox.sqlite")], cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.time() + 30
        while time.time() < end:
            try:
                if requests.get(self.url + "/sandbox/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("sandbox did not start")

    def arm(self, kind: str, infno: str, delay: float = 0.0, count: int = 1) -> None:
        r = requests.post(self.url + "/sandbox/faults", json={"kind": kind, "infno": infno, "delay": delay,
                                                             "count": count}, timeout=5)
        r.raise_for_status()

    def ledger(self) -> list[dict]:
        return requests.get(self.url + "/sandbox/ledger", timeout=10).json()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def sandbox_proc(tmp_path):
    sb = SandboxProcess(tmp_path)
    yield sb
    sb.stop()


def _config(tmp: Path, url: str) -> str:
    return config_file(tmp, f'[backend]\nurl = "{url}"\nread_timeout = 30\nconnect_timeout = 2\n')


def _cli(cfg: str, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "terminal", "--config", cfg, *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _settle(cfg: str, person: str) -> subprocess.Popen:
    return _cli(cfg, "settle", "--cert-type", "02", "--cert-no", PERSONS[person]["certno"], "--bill", str(BILL),
                "--json")


def _wait_for(journal: Path, sql: str, params=(), timeout: float = 20.0) -> dict:
    end = time.time() + timeout
    while time.time() < end:
        if journal.exists():
            with Store(journal) as s:
                r = s.sdb.one(sql, params)
            if r:
                return r
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {sql}")


def test_replay_in_another_process_never_reverses_a_live_settlement(tmp_path, sandbox_proc):
    """The reproduction of issue 11: A's 1101 is slow, B's 2207 is slower, A exits, `queue replay` runs while B
    waits. B's settlement must stay booked and settled; nothing is reversed."""
    cfg = _config(tmp_path, sandbox_proc.url)
    journal = tmp_path / "data" / "journal.sqlite"
    sandbox_proc.arm("delay", "1101", delay=8.0)
    a = _settle(cfg, "hainan-retiree")
    _wait_for(journal, "SELECT msgid FROM messages WHERE infno='1101' AND state='pending'")
    sandbox_proc.arm("delay", "2207", delay=12.0)
    b = _settle(cfg, "local")
    b_msg = _wait_for(journal, "SELECT msgid FROM messages WHERE infno='2207' AND state IN ('pending','sent')")
    out_a, err_a = a.communicate(timeout=60)  # A finishes (its 2207 is not delayed) and exits
    assert a.returncode == 0, err_a
    assert b.poll() is None, "B must still be waiting for its 2207"
    r = _cli(cfg, "queue", "replay", "--json")
    out_r, err_r = r.communicate(timeout=60)
    assert b.poll() is None, "the replay must run while B still waits"
    out_b, err_b = b.communicate(timeout=60)
    assert b.returncode == 0, err_b
    res_b = json.loads(out_b)
    assert res_b["ok"] is True
    booked = ledger_settlements(sandbox_proc.ledger())
    assert booked[b_msg["msgid"]]["status"] == "booked"  # the platform kept B's settlement
    with Store(journal) as s:
        m = s.message(b_msg["msgid"])
        assert m["state"] == "answered" and not m["resolution"]
        assert s.queue.items(kind="reversal") == []
        rows = {r["msgid"]: r["status"] for r in s.settlements()}
        assert rows[b_msg["msgid"]] == "settled"


def test_a_killed_process_is_recovered_by_another(tmp_path, sandbox_proc):
    """The same shape with B killed while it waits: now its owner is gone and the replay reverses it."""
    cfg = _config(tmp_path, sandbox_proc.url)
    journal = tmp_path / "data" / "journal.sqlite"
    sandbox_proc.arm("delay", "2207", delay=6.0)
    b = _settle(cfg, "local")
    b_msg = _wait_for(journal, "SELECT msgid FROM messages WHERE infno='2207' AND state IN ('pending','sent')")
    os.kill(b.pid, signal.SIGKILL)
    b.wait(10)
    r = _cli(cfg, "queue", "replay", "--json")
    out_r, err_r = r.communicate(timeout=60)
    assert r.returncode == 0, err_r
    with Store(journal) as s:
        m = s.message(b_msg["msgid"])
        assert m["state"] == "uncertain" and m["resolution"] in ("reversed", "not_booked"), dict(m)
    time.sleep(6.5)  # the delayed 2207 is processed by now; the sandbox books then reverses, or refuses late
    status = ledger_settlements(sandbox_proc.ledger()).get(b_msg["msgid"], {}).get("status")
    assert status in (None, "reversed"), status


@pytest.mark.timeout(180)
def test_random_kills_of_several_terminals_lose_and_duplicate_nothing(tmp_path, sandbox_proc):
    """2–4 terminal processes settle on one store; some are SIGKILLed at random moments and restarted (each
    start recovers while the others are mid-settlement). Invariant: every settlement the journal calls settled is
    booked on the platform, and every booked one is known to the journal."""
    seed = int(os.environ.get("YIBAO_CHAOS_SEED", random.randrange(1 << 30)))
    rnd = random.Random(seed)
    n = int(os.environ.get("YIBAO_CHAOS_PROCESSES", rnd.randint(2, 4)))
    duration = float(os.environ.get("YIBAO_CHAOS_SECONDS", "35"))
    journal = tmp_path / "data" / "journal.sqlite"
    journal.parent.mkdir(parents=True)
    keys = ["hainan-retiree", "local", "sichuan-resident", "chongqing-employee"][:n]
    logs = {k: (tmp_path / f"{k}.log").open("a") for k in keys}

    def start(k: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "tests.chaos_terminal", "--journal", str(journal), "--url",
                                 sandbox_proc.url, "--person", k, "--seed", str(rnd.randrange(1 << 30))],
                                cwd=ROOT, stdout=logs[k], stderr=subprocess.STDOUT)

    procs = {k: start(k) for k in keys}
    starts, kills = n, 0
    end = time.time() + duration
    while time.time() < end:
        time.sleep(rnd.uniform(0.2, 1.0))
        roll = rnd.random()
        if roll < 0.45:  # the platform is slow right now: settlements stay in flight longer
            sandbox_proc.arm("delay", rnd.choice(["2207", "2207", "2206", "1101"]), delay=rnd.uniform(1.0, 5.0))
        elif roll < 0.55:
            sandbox_proc.arm("lost_answer", "2207")
        k = rnd.choice(keys)
        if rnd.random() < 0.5:
            os.kill(procs[k].pid, signal.SIGKILL)
            procs[k].wait(10)
            kills += 1
            procs[k] = start(k)
            starts += 1
    for p in procs.values():  # the end of the day is a crash too
        os.kill(p.pid, signal.SIGKILL)
        p.wait(10)
    kills += len(procs)
    for f in logs.values():
        f.close()
    requests.delete(sandbox_proc.url + "/sandbox/faults", timeout=5)
    time.sleep(3.0)  # delayed requests still being processed by the sandbox finish

    # the next morning: one terminal starts, recovers everything and forwards the queue
    from terminal.services.outpatient import SettlementService
    from tests.support import make_client, make_config

    cfg = make_config(journal.parent)
    with Store(journal) as store:
        client = make_client(cfg, sandbox_proc.url, journal.parent / "msgid.state")
        svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
        store.recover(client)
        store.worker(client, svc).drain(timeout=60)
        assert store.queue.open_items() == [], [i.as_dict() for i in store.queue.open_items()]
        ledger = sandbox_proc.ledger()
        booked = {m: r for m, r in ledger_settlements(ledger).items() if r["status"] == "booked"}
        settled = {r["msgid"]: r for r in store.settlements() if r["kind"] == "settle" and r["status"] == "settled"}
        mismatches = []
        for msgid in booked.keys() - settled.keys():
            mismatches.append(("booked on the platform, unknown to the journal", msgid))
        for msgid in settled.keys() - booked.keys():
            mismatches.append(("settled in the journal, not booked", msgid))
        for msgid in booked.keys() & settled.keys():
            if booked[msgid]["setl_id"] != settled[msgid]["setl_id"]:
                mismatches.append(("setl_id differs", msgid))
        # what the terminals told their cashiers: a settlement reported as done must be booked and settled
        reported = set()
        for k in keys:
            for line in (tmp_path / f"{k}.log").read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("SETTLED "):
                    reported.add(line.split()[1])
        for msgid in reported - booked.keys():
            mismatches.append(("reported settled to the cashier, not booked", msgid))
        for msgid in reported - settled.keys():
            mismatches.append(("reported settled to the cashier, not settled in the journal", msgid))
        reversed_n = sum(1 for r in ledger_settlements(ledger).values() if r["status"] == "reversed")
        open_msgs = store.sdb.rows("SELECT msgid, infno, state, resolution FROM messages WHERE state IN "
                                   "('pending','sent') OR (state='uncertain' AND COALESCE(resolution,'') "
                                   "NOT IN ('reversed','not_booked'))")
    print(f"\nchaos seed {seed}: processes {n}, starts {starts}, kills {kills}, settlements booked {len(booked)}, "
          f"reversed {reversed_n}, journal settled {len(settled)}, reported {len(reported)}, "
          f"unresolved {len(open_msgs)}, "
          f"mismatches {len(mismatches)}")
    assert not mismatches, mismatches
    assert not open_msgs, open_msgs
    assert len(booked) >= n  # the terminals really worked


def test_an_answer_that_comes_after_the_message_was_judged_never_reports_success(tmp_path, sandbox_proc):
    """If recovery elsewhere judged a message while its process still lived (here: its owner file was deleted by
    hand, so it looks dead), the late answer does not count: the process reports what the journal says."""
    cfg = _config(tmp_path, sandbox_proc.url)
    journal = tmp_path / "data" / "journal.sqlite"
    sandbox_proc.arm("delay", "2207", delay=6.0)
    b = _settle(cfg, "local")
    b_msg = _wait_for(journal, "SELECT msgid, owner FROM messages WHERE infno='2207' AND state IN ('pending','sent')")
    (journal.parent / "journal.sqlite.owners" / f"{b_msg['owner']}.lock").unlink()
    r = _cli(cfg, "queue", "replay", "--json")
    r.communicate(timeout=60)
    out_b, err_b = b.communicate(timeout=60)
    assert b.returncode != 0, out_b
    res = json.loads(out_b)
    assert res["ok"] is False and res["outcome_unknown"] is True, res
    assert res["resolution"] in ("reversed", "not_booked", "reversing"), res  # the journal's verdict, not success
    with Store(journal) as s:
        m = s.message(b_msg["msgid"])
        assert m["state"] == "uncertain" and m["resolution"] in ("reversed", "not_booked")
        assert [r for r in s.settlements() if r["msgid"] == b_msg["msgid"] and r["status"] == "settled"] == []
    time.sleep(1.0)
    status = ledger_settlements(sandbox_proc.ledger()).get(b_msg["msgid"], {}).get("status")
    assert status in (None, "reversed"), status
