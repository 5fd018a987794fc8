"""`yibao-terminal precheck` end to end: the training sandbox the command starts itself, 1101 + 2001 + 5302, text
and --json, exit codes, [checks] switches, and the messages in the journal."""
from __future__ import annotations

import json

from tests.support import PERSONS, run_cli


def test_precheck_text_and_json(tmp_path):
    r = run_cli(tmp_path, "precheck", "--cert-type", "02", "--cert-no", PERSONS["hainan-retiree"]["certno"])
    assert r.returncode == 0, r.stderr
    assert "★ 可报销" in r.stdout and "已备案：广西壮族自治区 2020-01-01 至 长期" in r.stdout
    assert "310100 享受" in r.stdout and "符**" in r.stdout
    assert PERSONS["hainan-retiree"]["certno"] not in r.stdout  # masked unless --unmask

    r = run_cli(tmp_path, "precheck", "--cert-type", "02", "--cert-no", PERSONS["unfiled"]["certno"], "--json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["ok"] is True and out["reimbursable"] is False and out["cross_province"] is True
    assert out["filing"]["state"] == "missing" and out["treatment_place_name"] == "广西南宁市"
    assert any("参保人未办理异地就医备案" in x for x in out["reasons"])
    assert {b["trt_enjymnt_flag"] for b in out["benefits"]} == {"0"}

    r = run_cli(tmp_path, "precheck", "--cert-type", "02", "--cert-no", PERSONS["filing-expired"]["certno"])
    assert r.returncode == 1 and "不可报销" in r.stdout and "2025-01-01 至 2025-06-30" in r.stdout
    assert "Ctrl+F9" in r.stdout  # the next step

    r = run_cli(tmp_path, "journal", "--json")
    assert {"2001", "5302"} <= {m.get("infno") for m in json.loads(r.stdout).get("messages", [])}


def test_precheck_card_and_choices(tmp_path):
    p = PERSONS["suspended"]
    r = run_cli(tmp_path, "precheck", "--cert-type", "03", "--cert-no", p["card"]["card_no"], "--card-sn",
                p["card"]["card_sn"])
    assert r.returncode == 1 and "暂停参保" in r.stdout
    r = run_cli(tmp_path, "precheck", "--cert-type", "02", "--cert-no", PERSONS["two-insurances"]["certno"], "--json")
    assert r.returncode == 1 and json.loads(r.stdout)["error"]["kind"] == "insurance_choice"
    r = run_cli(tmp_path, "precheck", "--cert-type", "02", "--cert-no", PERSONS["two-insurances"]["certno"],
                "--insutype", "390", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["insutype"] == "390"


def test_precheck_checks_off(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[checks]\nentitlement = false\nfiling = false\n', encoding="utf-8")
    r = run_cli(tmp_path, "--config", str(cfg), "precheck", "--cert-type", "02", "--cert-no",
                PERSONS["unfiled"]["certno"], "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 3 and out["reimbursable"] is None and out["benefits"] is None and out["filing"] is None
    cfg.write_text('[checks]\nfiling = "yes"\n', encoding="utf-8")
    r = run_cli(tmp_path, "--config", str(cfg), "precheck", "--cert-type", "02", "--cert-no",
                PERSONS["unfiled"]["certno"])
    assert r.returncode == 2 and "checks.filing" in r.stderr
