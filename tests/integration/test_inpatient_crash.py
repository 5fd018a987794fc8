"""Crash coverage for the discharge settlement: `yibao-terminal discharge` is SIGKILLed at a journal crash point
of its 2304 (terminal.store.crash), run again, and the stay ends settled exactly once: what the platform booked
before the crash is either reversed (2601 from the recovered queue) or, when its answer reached the journal,
taken over as the settlement."""
from __future__ import annotations

import json
import signal

import pytest

from tests.support import PERSONS, ROOT, cli_env, cli_ledger, run_cli

BILL = "resources/bills/inpatient-cataract-nanning.json"
HAINAN = PERSONS["hainan-retiree"]["certno"]


@pytest.mark.parametrize("point, statuses", [
    ("before_send", ["booked"]),              # journaled, never posted: nothing to reverse
    ("after_send", ["reversed", "booked"]),   # booked, answer unread: reversed, then settled anew
    ("after_commit", ["booked"]),             # booked and journaled, not in the ward book: taken over
])
def test_discharge_killed_mid_settlement(tmp_path, monkeypatch, point, statuses):
    out = json.loads(run_cli(tmp_path, "discharge", "--cert-type", "02", "--cert-no", HAINAN, "--admit", "--deposit",
                             "5000", "--bill", BILL, "--stay", "--json", check=True).stdout)
    adm = out["stay"]["adm_no"]
    monkeypatch.setenv("YIBAO_CRASH_AT", point)
    monkeypatch.setenv("YIBAO_CRASH_INFNO", "2304")
    r = run_cli(tmp_path, "discharge", "--visit", adm, check=False)
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stdout, r.stderr)
    monkeypatch.delenv("YIBAO_CRASH_AT")
    out = json.loads(run_cli(tmp_path, "discharge", "--visit", adm, "--json", check=True).stdout)
    assert out["ok"] and out["stay"]["state"] == "settled" and out["identities_hold"]
    rows = [x for x in cli_ledger(tmp_path) if x["infno"] == "2304"]
    assert [x["status"] for x in rows] == statuses
    booked = [x for x in rows if x["status"] == "booked"]
    assert booked[0]["setl_id"] == out["settlement"]["setl_id"]
    assert out["deposit"]["kind"] == "refund" and out["stay"]["held"] == out["settlement"]["psn_cash_pay"]


def test_a_discharge_in_flight_in_another_live_process_is_left_alone(tmp_path):
    """Process A journals its 2304 and waits (paused, alive); process B on the same store must not reverse it or
    settle the stay again: it is told that another program is settling. Once A is killed, B resolves and settles."""
    import subprocess
    import sys
    import time

    out = json.loads(run_cli(tmp_path, "discharge", "--cert-type", "02", "--cert-no", HAINAN, "--admit", "--deposit",
                             "5000", "--bill", BILL, "--stay", "--json", check=True).stdout)
    adm = out["stay"]["adm_no"]
    flag = tmp_path / "paused.flag"
    env = cli_env(tmp_path, YIBAO_CRASH_AT="before_send", YIBAO_CRASH_INFNO="2304", YIBAO_CRASH_ACTION="pause",
                  YIBAO_CRASH_FLAG=str(flag))
    a = subprocess.Popen([sys.executable, "-m", "terminal", "discharge", "--visit", adm], cwd=ROOT, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        end = time.time() + 60
        while not flag.exists() and time.time() < end:
            time.sleep(0.1)
        assert flag.exists(), "A never reached its 2304"
        r = run_cli(tmp_path, "discharge", "--visit", adm, "--json", check=False)
        assert r.returncode != 0 and "另一个收费程序" in r.stdout + r.stderr, (r.stdout, r.stderr)
        assert [x["infno"] for x in cli_ledger(tmp_path) if x["infno"] in ("2304", "2601")] == []
    finally:
        a.kill()
        a.wait(10)
    out = json.loads(run_cli(tmp_path, "discharge", "--visit", adm, "--json", check=True).stdout)
    assert out["ok"] and out["stay"]["state"] == "settled"
    assert [x["status"] for x in cli_ledger(tmp_path) if x["infno"] == "2304"] == ["booked"]
