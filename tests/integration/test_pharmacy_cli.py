"""``yibao-terminal pharmacy …`` as IT runs it (a real process, the in-process training sandbox, a real journal)."""
from __future__ import annotations

import json

from tests.support import run_cli


def _json(r):
    assert r.stdout, r.stderr
    return json.loads(r.stdout)


def test_sale_then_cancel_by_command(tmp_path):
    sale = tmp_path / "sale.json"
    sale.write_text(json.dumps({"rxno": "RX20261203009", "scans": [
        "6901234000016", "81001010000000000101", "6901234000054", "6901234000054",
        "81001050000000000102", "81001050000000000103", "6901234000085"]}), encoding="utf-8")
    r = run_cli(tmp_path, "pharmacy", "sale", "--person", "guizhou-employee", "--file", str(sale), "--json")
    out = _json(r)
    assert r.returncode == 0 and out["ok"], out
    assert out["facility"] == "P45010000001" and out["cross_province"] is True
    assert [(ln["name"], ln["qty"], len(ln["trace_codes"])) for ln in out["lines"]] == [
        ("阿莫西林胶囊", 1, 1), ("连花清瘟胶囊", 2, 2), ("黄芪(饮片)", 1, 0)]
    s = out["settlement"]
    assert (s["medfee_sumamt"], s["acct_pay"], s["psn_cash_pay"]) == ("55.30", "55.30", "0.00")
    assert out["uploads_queued"] == 3 and out["person"]["name"].startswith("龙")
    assert "海波" not in r.stdout  # masked unless --unmask

    r = run_cli(tmp_path, "pharmacy", "trace", "81001050000000000103", "--json")
    assert _json(r)["sold"] is True
    again = run_cli(tmp_path, "pharmacy", "sale", "--person", "tibet-employee", "--ean", "6901234000054",
                    "--trace", "81001050000000000103", "--json")
    assert again.returncode == 1 and "已由本终端售出" in _json(again)["error"]["message"]

    r = run_cli(tmp_path, "pharmacy", "cancel", "--setl-id", s["setl_id"], "--mdtrt-id", out["mdtrt_id"],
                "--psn-no", out["person"]["psn_no"], "--insuplc", "520100", "--json")
    c = _json(r)
    assert r.returncode == 0 and c["refund"] and len(c["released_trace_codes"]) == 3, c
    assert c["settlement"]["acct_pay"] == "-55.30"
    assert _json(run_cli(tmp_path, "pharmacy", "trace", "81001050000000000103", "--json"))["sold"] is False


def test_rx_without_rxno_and_missing_code_are_refused_naming_the_line(tmp_path):
    r = run_cli(tmp_path, "pharmacy", "sale", "--person", "sichuan-employee", "--scan", "6901234000054",
                "--scan", "81001050000000000201", "--scan", "6901234000016", "--scan", "81001010000000000202",
                "--json")
    assert r.returncode == 1 and "第2行 阿莫西林胶囊 为处方药，须录入处方号(rxno)" in _json(r)["error"]["message"]
    r = run_cli(tmp_path, "pharmacy", "sale", "--person", "sichuan-employee", "--ean", "6901234000054", "--json")
    assert r.returncode == 1 and "第1行 连花清瘟胶囊 缺少药品追溯码 1 个" in _json(r)["error"]["message"]
    r = run_cli(tmp_path, "pharmacy", "sale", "--person", "sichuan-employee", "--scan", "6901234000054",
                "--scan", "8100105000000000020", "--json")
    assert r.returncode == 1 and "药品追溯码应为 20 位数字（实际 19 位" in _json(r)["error"]["message"]


def test_uploads_listed_with_their_kind(tmp_path):
    run_cli(tmp_path, "pharmacy", "sale", "--person", "chongqing-employee", "--ean", "6901234000085", check=True)
    up = _json(run_cli(tmp_path, "pharmacy", "uploads", "--json"))["uploads"]
    assert len(up) == 1 and up[0]["summary"].startswith("商品销售上传/3505 ") and up[0]["setl_id"]
