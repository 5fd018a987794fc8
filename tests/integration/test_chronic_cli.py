"""门诊慢特病 from the command line (real processes, the training sandbox over HTTP): `chronic` lists the person's
filings (5301) with what is in force today; `settle` settles the HIS's med_type 14 bill of a filed disease, and
with `[checks] chronic = false` the lookup is not offered."""
from __future__ import annotations

import json

from tests.support import PERSONS, config_file, run_cli


def test_chronic_lists_the_filings_with_what_counts_today(tmp_path):
    r = run_cli(tmp_path, "chronic", "--cert-type", "02", "--cert-no", PERSONS["sichuan-hypertension"]["certno"],
                check=True)
    assert "张** 510100********0319 门诊慢特病备案：2 项" in r.stdout
    assert "M03900 高血压  2024-03-01 至 长期  ✓ 有效" in r.stdout
    assert "M01600 糖尿病  2024-01-01 至 2025-03-31  ✗ 备案已于 2025-03-31 到期" in r.stdout
    out = json.loads(run_cli(tmp_path, "chronic", "--cert-type", "02", "--cert-no", PERSONS["local"]["certno"],
                             "--json", check=True).stdout)
    assert out["ok"] and out["filings"] == [] and out["message"].endswith("门诊慢特病备案：无")


def test_settle_a_chronic_bill_and_the_check_switched_off(tmp_path):
    out = json.loads(run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no",
                             PERSONS["hainan-diabetes"]["certno"], "--bill",
                             "resources/bills/outpatient-chronic-diabetes-nanning.json", "--json", check=True).stdout)
    s = out["settlement"]
    assert (s["clr_type"], s["medfee_sumamt"], s["hifp_pay"], s["acct_pay"]) == ("14", "196.00", "166.60", "29.40")
    off = config_file(tmp_path, "[checks]\nchronic = false\n", name="off.toml")
    r = run_cli(tmp_path, "--config", off, "chronic", "--cert-type", "02", "--cert-no",
                PERSONS["hainan-diabetes"]["certno"], "--json")
    assert r.returncode == 2 and "[checks] chronic = false" in json.loads(r.stdout)["error"]["message"]
