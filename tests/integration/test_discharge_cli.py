"""`yibao-terminal discharge` end to end against the training sandbox the CLI starts itself."""
from __future__ import annotations

import json
from decimal import Decimal

from tests.support import PERSONS, cli_ledger, run_cli

D = Decimal
BILL = "resources/bills/inpatient-cataract-nanning.json"
HAINAN = PERSONS["hainan-retiree"]


def test_the_whole_stay_in_one_command(tmp_path):
    r = run_cli(tmp_path, "discharge", "--cert-type", "02", "--cert-no", HAINAN["certno"], "--admit", "--deposit",
                "5000", "--bill", BILL, "--json", check=True)
    out = json.loads(r.stdout)
    assert out["ok"] and not out["preview"] and out["identities_hold"]
    st, s, dep = out["stay"], out["settlement"], out["deposit"]
    assert st["state"] == "settled" and st["cross_province"] and st["insured_place"] == "460100" and st["days"] == 3
    assert out["upload"]["lines"] == 25 and out["upload"]["batches"] == 1
    assert D(s["medfee_sumamt"]) == D("7047.80") and D(s["hosp_part_amt"]) > 0
    assert D(dep["deposits_held"]) == D("5000.00") and dep["kind"] == "refund"
    assert D(dep["refund"]) == D("5000.00") - D(s["psn_cash_pay"])
    assert HAINAN["certno"] not in r.stdout  # masked
    booked = [x for x in cli_ledger(tmp_path) if x["setl_id"] == s["setl_id"] and x["infno"] == "2304"]
    assert len(booked) == 1 and D(booked[0]["psn_cash_pay"]) == D(s["psn_cash_pay"])
    # the human-readable list and the cancellation
    assert "已结算" in run_cli(tmp_path, "discharge", "--list", check=True).stdout
    r = run_cli(tmp_path, "discharge", "--cancel", s["setl_id"], check=True)
    assert "已撤销住院结算" in r.stdout and "恢复为已出院待结算" in r.stdout
    r = run_cli(tmp_path, "discharge", "--cancel", s["setl_id"], check=False)
    assert r.returncode == 1 and "已撤销" in r.stderr


def test_step_by_step_admit_fees_deposit_preview_then_settle_by_card(tmp_path):
    card = HAINAN["card"]
    out = json.loads(run_cli(tmp_path, "discharge", "--cert-type", "03", "--cert-no", card["card_no"], "--card-sn",
                             card["card_sn"], "--admit", "--deposit", "3000", "--stay", "--dise-codg", "H25.900",
                             "--dise-name", "老年性白内障", "--json", check=True).stdout)
    adm = out["stay"]["adm_no"]
    assert out["stay"]["state"] == "admitted" and out["fees"]["count"] == 0
    out = json.loads(run_cli(tmp_path, "discharge", "--visit", adm, "--bill", BILL, "--deposit", "1000", "--stay",
                             "--json", check=True).stdout)
    assert out["upload"]["lines"] == 25 and D(out["stay"]["held"]) == D("4000.00")
    r = run_cli(tmp_path, "discharge", "--visit", adm, "--preview", check=True)
    assert "住院预结算（未记账）" in r.stdout and "应退款" in r.stdout and "金额平衡校验: 通过" in r.stdout
    assert not [x for x in cli_ledger(tmp_path) if x["infno"] == "2304"]
    r = run_cli(tmp_path, "discharge", "--cert-type", "03", "--cert-no", card["card_no"], "--card-sn", card["card_sn"],
                check=True)
    assert "出院结算成功" in r.stdout and "跨省异地" in r.stdout and "★ 应退款" in r.stdout
    assert [x["status"] for x in cli_ledger(tmp_path) if x["infno"] == "2304"] == ["booked"]


def test_refusals_and_bad_arguments(tmp_path):
    r = run_cli(tmp_path, "discharge", "--cert-type", "02", "--cert-no", PERSONS["unfiled"]["certno"],
                "--admit", "--deposit", "100", "--bill", BILL, check=False)
    assert r.returncode == 1 and "参保人未办理异地就医备案" in r.stderr
    r = run_cli(tmp_path, "discharge", "--visit", "ZY000", check=False)
    assert r.returncode == 1 and "没有住院号" in r.stderr
    assert run_cli(tmp_path, "discharge", check=False).returncode == 2
    r = run_cli(tmp_path, "discharge", "--visit", "ZY1", "--deposit", "-5", check=False)
    assert r.returncode == 2 and "预交金" in r.stderr
    r = run_cli(tmp_path, "discharge", "--visit", "ZY1", "--admit", check=False)
    assert r.returncode == 2
