"""Crash coverage for the discharge settlement: `yibao-terminal discharge` is SIGKILLed at a journal crash point
of its 2304 (terminal.store.crash), run again, and the stay ends settled exactly once: what the platform booked
before the crash is either reversed (2601 from the recovered queue) or, when its answer reached the journal,
taken over as the settlement."""
from __future__ import annotations

import json
import signal

import pytest

from .conftest import PERSONS
from .test_cli import ledger, run

BILL = "resources/bills/inpatient-cataract-nanning.json"


@pytest.mark.parametrize("point, statuses", [
    ("before_send", ["booked"]),              # journaled, never posted: nothing to reverse
    ("after_send", ["reversed", "booked"]),   # booked, answer unread: reversed, then settled anew
    ("after_commit", ["booked"]),             # booked and journaled, not in the ward book: taken over
])
def test_discharge_killed_mid_settlement(tmp_path, monkeypatch, point, statuses):
    out = json.loads(run(tmp_path, "discharge", "--cert-type", "02", "--cert-no", PERSONS["hainan-retiree"]["certno"],
                         "--admit", "--deposit", "5000", "--bill", BILL, "--stay", "--json").stdout)
    adm = out["stay"]["adm_no"]
    monkeypatch.setenv("YIBAO_CRASH_AT", point)
    monkeypatch.setenv("YIBAO_CRASH_INFNO", "2304")
    r = run(tmp_path, "discharge", "--visit", adm, check=False)
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stdout, r.stderr)
    monkeypatch.delenv("YIBAO_CRASH_AT")
    out = json.loads(run(tmp_path, "discharge", "--visit", adm, "--json").stdout)
    assert out["ok"] and out["stay"]["state"] == "settled" and out["identities_hold"]
    rows = [x for x in ledger(tmp_path) if x["infno"] == "2304"]
    assert [x["status"] for x in rows] == statuses
    booked = [x for x in rows if x["status"] == "booked"]
    assert booked[0]["setl_id"] == out["settlement"]["setl_id"]
    assert out["deposit"]["kind"] == "refund" and out["stay"]["held"] == out["settlement"]["psn_cash_pay"]
