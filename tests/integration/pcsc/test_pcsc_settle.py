"""`yibao-terminal settle --card`: the card in a real PC/SC reader (pcscd + vpcd), settled with type 03."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

from drivers.virtual.profiles import profile_for
from tests.support import ROOT

pytestmark = pytest.mark.pcsc


def test_settle_with_the_card_in_the_reader(insert, tmp_path):
    insert(profile_for("hainan-retiree"))
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_STATE_HOME": str(tmp_path / "s"),
           "XDG_CONFIG_HOME": str(tmp_path / "c")}
    env.pop("YIBAO_TERMINAL_CONFIG", None)
    r = subprocess.run([sys.executable, "-m", "terminal", "settle", "--card", "--reader", "PCD 00 00", "--bill",
                        "resources/bills/outpatient-nanning.json", "--json"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["cross_province"] and out["identities_hold"] and out["insured_place"] == "460100"
    from terminal.sandbox.server import SandboxServer
    with SandboxServer(db_path=tmp_path / "d" / "yibao-terminal" / "sandbox.sqlite") as srv:
        rows = [x for x in srv.ledger() if x["setl_id"] == out["settlement"]["setl_id"]]
    assert len(rows) == 1 and Decimal(rows[0]["psn_cash_pay"]) == Decimal(out["settlement"]["psn_cash_pay"])
