"""`yibao-terminal risk check` against the training sandbox it starts itself (a real process, HTTP, journal)."""
from __future__ import annotations

from tests.support import PERSONS, ROOT, cli_data, run_cli

RISKY = str(ROOT / "resources/bills/outpatient-risk-drugs-nanning.json")
CLEAN = str(ROOT / "resources/bills/outpatient-nanning.json")
ID = ["--cert-type", "02", "--cert-no", PERSONS["hainan-retiree"]["certno"]]


def feedback(tmp_path):
    from terminal.sandbox.server import SandboxServer

    with SandboxServer(db_path=cli_data(tmp_path) / "sandbox.sqlite") as srv:
        return srv.platform.risk_feedback()


def test_warnings_unanswered_exit_1_then_continued(tmp_path):
    import json

    r = run_cli(tmp_path, "risk", "check", *ID, "--bill", RISKY)
    assert r.returncode == 1, r.stderr
    assert "2 条违规提示" in r.stdout and "第2行 奥美拉唑肠溶胶囊" in r.stdout and "--continue" in r.stderr
    r = run_cli(tmp_path, "risk", "check", *ID, "--bill", RISKY, "--continue", "医生确认", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["answered"] == "continue" and {w["rule_id"] for w in out["warnings"]} == {"SBX-QTY-0001",
                                                                                        "SBX-LMT-0001"}
    assert [(f["dspo_way"], f["dspo_way_rea"]) for f in feedback(tmp_path)] == [("1", "医生确认")] * 2


def test_clean_bill_and_usage(tmp_path):
    r = run_cli(tmp_path, "risk", "check", *ID, "--bill", CLEAN)
    assert r.returncode == 0 and "无违规提示" in r.stdout, r.stderr
    r = run_cli(tmp_path, "risk", "check", *ID, "--bill", RISKY, "--continue", " ")
    assert r.returncode == 2 and "原因" in r.stderr
