"""The command line end to end: `yibao-terminal settle` against the sandbox it starts itself."""
from __future__ import annotations

import json
from decimal import Decimal

from tests.support import PERSONS, cli_ledger, run_cli


def test_settle_hainan_retiree_in_nanning(tmp_path):
    r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", PERSONS["hainan-retiree"]["certno"],
                "--bill", "resources/bills/outpatient-nanning.json", "--json", check=True)
    out = json.loads(r.stdout)
    assert out["ok"] and out["cross_province"] is True
    assert out["insured_place"] == "460100" and out["identities_hold"] is True
    s = out["settlement"]
    assert PERSONS["hainan-retiree"]["certno"] not in r.stdout  # masked unless --unmask
    booked = [row for row in cli_ledger(tmp_path) if row.get("setl_id") == s["setl_id"]]
    assert len(booked) == 1
    assert Decimal(str(booked[0]["psn_cash_pay"])) == Decimal(s["psn_cash_pay"])
    # the human-readable form shows the same figure and the cross-province badge
    r2 = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", PERSONS["hainan-retiree"]["certno"],
                 "--bill", "resources/bills/outpatient-nanning.json", "--preview", check=True)
    assert "跨省异地" in r2.stdout and "个人现金支付" in r2.stdout and "金额平衡校验: 通过" in r2.stdout


def test_settle_then_cancel(tmp_path):
    p = PERSONS["local"]
    out = json.loads(run_cli(tmp_path, "settle", "--cert-type", "03", "--cert-no", p["card"]["card_no"], "--card-sn",
                             p["card"]["card_sn"], "--bill", "resources/bills/outpatient-nanning.json", "--json",
                             check=True).stdout)
    s = out["settlement"]
    assert out["cross_province"] is False
    r = run_cli(tmp_path, "cancel", "--setl-id", s["setl_id"], "--mdtrt-id", s["mdtrt_id"], "--psn-no", s["psn_no"],
                "--insuplc", "450100", "--json", check=True)
    assert json.loads(r.stdout)["settlement"]["medfee_sumamt"].startswith("-")


def test_shanghai_employee_in_nanjing(tmp_path):
    out = json.loads(run_cli(tmp_path, "--config", "resources/config/nanjing-training.toml", "settle", "--cert-type",
                             "02", "--cert-no", PERSONS["shanghai-employee"]["certno"], "--bill",
                             "resources/bills/outpatient-nanjing.json", "--json", check=True).stdout)
    assert out["cross_province"] and out["treatment_place"] == "320100" and out["identities_hold"]


def test_multi_insurance_needs_choice_and_bad_inputs(tmp_path):
    p = PERSONS["two-insurances"]
    r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", p["certno"], "--bill",
                "resources/bills/outpatient-nanning.json", check=False)
    assert r.returncode == 1 and "多个险种" in r.stderr
    r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", p["certno"], "--insutype", "390", "--bill",
                "resources/bills/outpatient-nanning.json", "--preview", "--json", check=True)
    assert json.loads(r.stdout)["person"]["insutype"] == "390"
    bad = tmp_path / "bad.json"
    bad.write_text('{"items": [{"name": "x"}]}', encoding="utf-8")
    r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", p["certno"], "--bill", str(bad), check=False)
    assert r.returncode == 2 and "缺少字段" in r.stderr
    cfg = tmp_path / "c.toml"
    cfg.write_text('[backend]\nstyle = "both"\n', encoding="utf-8")
    r = run_cli(tmp_path, "--config", str(cfg), "settle", "--cert-type", "02", "--cert-no", p["certno"], "--bill",
                "resources/bills/outpatient-nanning.json", check=False)
    assert r.returncode == 2 and "backend.style" in r.stderr


def test_lost_answer_through_the_cli_is_reversed_and_journaled(tmp_path):
    from terminal.sandbox.server import SandboxServer
    with SandboxServer(db_path=tmp_path / "sb.sqlite") as srv:
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'[backend]\nurl = "{srv.url}"\nread_timeout = 5.0\n[store]\ndir = "{tmp_path / "store"}"\n',
                       encoding="utf-8")
        srv.arm_fault("lost_answer", infno="2207")
        args = ["--config", str(cfg), "settle", "--cert-type", "02", "--cert-no", PERSONS["local"]["certno"],
                "--bill", "resources/bills/outpatient-nanning.json", "--json"]
        r = run_cli(tmp_path, *args, check=False)
        assert r.returncode == 3, r.stderr
        out = json.loads(r.stdout)
        assert out["outcome_unknown"] and out["resolution"] in ("reversed", "not_booked") and "已冲正" in out["message"]
        rows = [x for x in srv.ledger() if x["msgid"] == out["msgid"]]
        assert rows and all(x["status"] == "reversed" for x in rows)
        # settle anew: books once
        out2 = json.loads(run_cli(tmp_path, *args, check=True).stdout)
        assert out2["ok"]
        assert len([x for x in srv.ledger() if x["infno"] == "2207" and x["status"] == "booked"]) == 1
        j = run_cli(tmp_path, "--config", str(cfg), "journal", "--json", check=True)
        assert out["msgid"] in j.stdout and PERSONS["local"]["certno"] not in j.stdout


def test_ecode_issue_then_settle_with_the_image_and_reuse_refused(tmp_path):
    png = tmp_path / "ec.png"
    out = json.loads(run_cli(tmp_path, "ecode", "issue", "--person", "sichuan-resident", "--out", str(png),
                             "--json", check=True).stdout)
    assert out["ecQrCode"].startswith("EC510100") and png.is_file()
    dec = run_cli(tmp_path, "ecode", "decode", str(png), "--json", check=True)
    assert out["ecQrCode"] in dec.stdout and "ecode" in dec.stdout
    args = ["settle", "--ecode-image", str(png), "--bill", "resources/bills/outpatient-nanning.json", "--json"]
    s = json.loads(run_cli(tmp_path, *args, check=True).stdout)
    assert s["ok"] and s["cross_province"] and s["insured_place"] == "510100"
    r = run_cli(tmp_path, *args, check=False)
    assert r.returncode == 1 and "已使用" in r.stdout  # --json: the refusal is in the JSON answer
    r = run_cli(tmp_path, "settle", "--ecode", "134567890123456789", "--bill",
                "resources/bills/outpatient-nanning.json", check=False)
    assert r.returncode != 0 and "支付码" in r.stderr
