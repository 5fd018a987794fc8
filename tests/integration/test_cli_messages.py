"""What the cashier and IT are told by the command line (issue 11, item 5): the platform's warn_msg, a 2601
that found nothing booked, refusals as JSON with --json, what a cancellation gave back, and what `queue list`
and `queue replay` say after a crash. Real `python -m terminal` processes against the sandbox platform over
HTTP on 127.0.0.1 (in this test process), real journal files."""
from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.sandbox.server import SandboxServer
from tests.support import PERSONS, ROOT, cli_env, run_cli


BILL = ROOT / "resources" / "bills" / "outpatient-nanning.json"


def spawn(tmp_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "terminal", *args], cwd=ROOT, env=cli_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def config_for(tmp_path: Path, srv: SandboxServer, read_timeout: float = 5.0) -> Path:
    cfg = tmp_path / "terminal.toml"
    cfg.write_text(f'[backend]\nurl = "{srv.url}"\nread_timeout = {read_timeout}\n'
                   f'[store]\ndir = "{tmp_path / "store"}"\n[log]\ndir = "{tmp_path / "log"}"\n', encoding="utf-8")
    return cfg


def bill_file(tmp_path: Path, times: int = 1) -> str:
    """The Nanning outpatient bill (each quantity ``times`` over) with a bill_no of its own (a bill settles once)."""
    d = json.loads(BILL.read_text(encoding="utf-8"))
    d["bill_no"] = "T" + uuid.uuid4().hex[:12]
    for it in d["items"]:
        it["qty"] = it["qty"] * times
    p = tmp_path / f"bill-{d['bill_no']}.json"
    p.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    return str(p)


def settle_args(cfg: Path, tmp_path: Path, person: str = "local", *extra: str, times: int = 1) -> list[str]:
    return ["--config", str(cfg), "settle", "--cert-type", "02", "--cert-no", PERSONS[person]["certno"],
            "--bill", bill_file(tmp_path, times), *extra]


@pytest.fixture
def srv(tmp_path):
    with SandboxServer(db_path=tmp_path / "sandbox.sqlite") as s:
        yield s


# warn_msg ----------------------------------------------------------------------------------------------
def test_warn_msg_is_shown_by_settle_cancel_and_journal(tmp_path, srv):
    cfg = config_for(tmp_path, srv)
    srv.arm_warn("预结算提示：本次门诊费用含目录外项目", infno="2206")
    srv.arm_warn("结算提示：个人账户余额不足部分由现金支付", infno="2207")
    r = run_cli(tmp_path, *settle_args(cfg, tmp_path, "local", "--json"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["warn_msgs"] == ["预结算提示：本次门诊费用含目录外项目", "结算提示：个人账户余额不足部分由现金支付"]
    assert out["settlement"]["warn_msg"] == "结算提示：个人账户余额不足部分由现金支付"
    s = out["settlement"]

    # the settlement row keeps it; the journal shows it
    j = json.loads(run_cli(tmp_path, "--config", str(cfg), "journal", "--json").stdout)
    [row] = [x for x in j["settlements"] if x["setl_id"] == s["setl_id"]]
    assert row["warn_msg"] == "结算提示：个人账户余额不足部分由现金支付"
    journal = run_cli(tmp_path, "--config", str(cfg), "journal").stdout
    assert "⚠ 平台提示: 结算提示：个人账户余额不足部分由现金支付" in journal

    # the readable form prints every warning of the visit
    srv.arm_warn("预结算提示：异地就医备案即将到期", infno="2206")
    r = run_cli(tmp_path, *settle_args(cfg, tmp_path, "hainan-retiree"))
    assert r.returncode == 0, r.stderr
    assert "医保平台提示: 预结算提示：异地就医备案即将到期" in r.stdout and "结算成功" in r.stdout

    # cancel: the 2208's warning, and what went back where
    srv.arm_warn("撤销提示：个人账户资金已退回", infno="2208")
    r = run_cli(tmp_path, "--config", str(cfg), "cancel", "--setl-id", s["setl_id"], "--mdtrt-id", s["mdtrt_id"],
                "--psn-no", s["psn_no"], "--insuplc", "450100", "--json")
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)
    assert c["warn_msgs"] == ["撤销提示：个人账户资金已退回"] and c["settlement"]["warn_msg"] == c["warn_msgs"][0]
    assert c["refund"] == {"acct_pay": s["acct_pay"], "psn_cash_pay": s["psn_cash_pay"],
                           "fund_pay_sumamt": s["fund_pay_sumamt"]}


def test_cancel_says_what_went_back_to_the_account_and_in_cash(tmp_path, srv):
    cfg = config_for(tmp_path, srv)
    # a Shanghai employee's bill large enough that the account, the cash and the funds all pay a share
    out = json.loads(run_cli(tmp_path, *settle_args(cfg, tmp_path, "shanghai-employee", "--json", times=20)).stdout)
    s = out["settlement"]
    acct, cash, fund = (Decimal(s[k]) for k in ("acct_pay", "psn_cash_pay", "fund_pay_sumamt"))
    assert acct > 0 and cash > 0 and fund > 0  # all three move: the text must tell them apart
    srv.arm_warn("撤销提示：请将现金退还患者", infno="2208")
    r = run_cli(tmp_path, "--config", str(cfg), "cancel", "--setl-id", s["setl_id"], "--mdtrt-id", s["mdtrt_id"],
                "--psn-no", s["psn_no"], "--insuplc", out["insured_place"])
    assert r.returncode == 0, r.stderr
    assert f"退回个人账户 ¥{acct:,.2f}，退还现金 ¥{cash:,.2f}，基金 ¥{fund:,.2f}" in r.stdout
    assert "医保平台提示: 撤销提示：请将现金退还患者" in r.stdout
    booked = [x for x in srv.ledger() if x.get("setl_id") == s["setl_id"]]
    assert [x["status"] for x in booked] == ["cancelled"]


# 2601: reversed, or never booked -------------------------------------------------------------------------
@pytest.mark.parametrize("fault, resolution", [("lost_answer", "reversed"), ("reset", "not_booked")])
def test_uncertain_settlement_says_reversed_or_never_booked(tmp_path, srv, fault, resolution):
    cfg = config_for(tmp_path, srv)
    srv.arm_fault(fault, infno="2207")
    r = run_cli(tmp_path, *settle_args(cfg, tmp_path, "local", "--json"))
    assert r.returncode == 3, r.stderr
    out = json.loads(r.stdout)
    assert out["ok"] is False and out["error"]["kind"] == "UncertainSettlement"
    assert out["resolution"] == out["error"]["resolution"] == resolution
    msg = out["error"]["message"]
    rows = [x for x in srv.ledger() if x["msgid"] == out["msgid"]]
    if resolution == "reversed":  # booked, then taken back
        assert rows and all(x["status"] == "reversed" for x in rows)
        assert "已冲正（2601 成功）" in msg and "平台已撤回" in msg and "从未记账" not in msg
    else:  # never reached the platform's books: nothing was reversed and nothing charged
        assert rows == []
        assert "从未记账" in msg and "未扣款" in msg and "已冲正" not in msg
    # the readable form says the same
    srv.arm_fault(fault, infno="2207")
    r = run_cli(tmp_path, *settle_args(cfg, tmp_path, "hainan-retiree"))
    assert r.returncode == 3
    assert ("从未记账" in r.stderr) == (resolution == "not_booked") and "失败: " in r.stderr


# --json: refusals are JSON, always ---------------------------------------------------------------------
def _json_commands() -> set[str]:
    """Every command (and subcommand) of the parser that accepts --json."""
    import argparse

    from terminal.cli import build_parser

    found: set[str] = set()

    def walk(p: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                for name, sub in a.choices.items():
                    walk(sub, path + (name,))
            elif "--json" in a.option_strings:
                found.add(" ".join(path))

    walk(build_parser(), ())
    return found


def test_every_json_command_refuses_in_json(tmp_path, srv):
    cfg = config_for(tmp_path, srv)
    bad = tmp_path / "bad.toml"
    bad.write_text('[backend]\nstyle = "both"\n', encoding="utf-8")
    missing_bill = str(tmp_path / "no-such-bill.json")
    two = PERSONS["two-insurances"]["certno"]
    C = ["--config", str(cfg)]
    cases = [  # (command, argv, exit code, error kind or None for any)
        ("settle", [*C, "settle", "--cert-type", "02", "--cert-no", two, "--bill", bill_file(tmp_path)],
         1, "insurance_choice"),
        ("settle", [*C, "settle", "--cert-type", "02", "--cert-no", two, "--bill", missing_bill], 2, "bill"),
        ("settle", [*C, "settle", "--cert-type", "02"], 2, "usage"),  # argparse: --bill is required
        ("settle", [*C, "settle", "--bill", bill_file(tmp_path)], 1, "usage"),  # no credential
        ("cancel", [*C, "cancel", "--setl-id", "NOSUCH", "--mdtrt-id", "X", "--psn-no", "X", "--insuplc", "450100"],
         1, "BusinessError"),
        ("card read", ["card", "read", "--virtual", "nosuch"], 2, "unknown_card"),
        ("card watch", ["card", "watch", "--reader", "virtual:nosuch"], 2, "unknown_card"),
        ("ecode decode", ["ecode", "decode", str(tmp_path / "none.png")], 2, "image"),
        ("ecode issue", ["ecode", "issue", "--person", "nosuch", "--out", str(tmp_path / "x.png")], 2,
         "unknown_person"),
        ("queue list", ["--config", str(bad), "queue", "list"], 2, "config"),
        ("queue show", [*C, "queue", "show", "999"], 1, None),
        ("queue replay", [*C, "queue", "replay", "999"], 1, None),
        ("journal", ["--config", str(bad), "journal"], 2, "config"),
        ("reconcile", ["--config", str(bad), "reconcile"], 2, "config"),
        ("reconcile history", ["--config", str(bad), "reconcile", "history"], 2, "config"),
        ("reconcile fix", [*C, "reconcile", "fix", "999", "--action", "none", "--supervisor", "9001",
                           "--supervisor-pin", "0000", "--reason", "核对"], 1, None),
        ("reconcile export", [*C, "reconcile", "export", "--out", str(tmp_path / "x.txt")], 2, None),
        ("parked list", ["--config", str(bad), "parked", "list"], 2, "config"),
        ("parked settle", [*C, "parked", "settle", "NOSUCH"], 1, None),
        ("discharge", [*C, "discharge", "--visit", "NOSUCH"], 1, None),
        ("doctor", ["doctor", "--only", "bogus"], 2, "usage"),
        ("risk check", [*C, "risk", "check", "--cert-type", "02", "--cert-no", two, "--bill", missing_bill], 2, "bill"),
        ("shift report", ["--config", str(bad), "shift", "report"], 2, "config"),
        ("shift close", ["--config", str(bad), "shift", "close"], 2, "config"),
        ("shift day-close", ["--config", str(bad), "shift", "day-close", "--supervisor", "9001"], 2, "config"),
        ("chronic", ["--config", str(bad), "chronic", "--cert-type", "02", "--cert-no", two], 2, "config"),
        ("chronic", [*C, "chronic"], 1, "usage"),  # no credential
        ("pharmacy sale", ["--config", str(bad), "pharmacy", "sale", "--person", "local", "--scan", "6901234567892"],
         2, "config"),
        ("pharmacy cancel", ["--config", str(bad), "pharmacy", "cancel", "--setl-id", "X", "--mdtrt-id", "X",
                             "--psn-no", "X", "--insuplc", "450100"], 2, "config"),
        ("pharmacy catalogue", ["--config", str(bad), "pharmacy", "catalogue"], 2, "config"),
        ("pharmacy trace", [*C, "pharmacy", "trace", "123"], 2, None),  # not a 20-digit code
        ("pharmacy uploads", ["--config", str(bad), "pharmacy", "uploads"], 2, "config"),
        ("precheck", [*C, "precheck", "--cert-type", "02", "--cert-no", two], 1, "insurance_choice"),
        ("precheck", ["--config", str(bad), "precheck", "--cert-type", "02", "--cert-no", two], 2, "config"),
    ]
    assert {c for c, *_ in cases} == _json_commands(), "a command accepting --json has no refusal case here"
    for command, argv, code, kind in cases:
        r = run_cli(tmp_path, *argv, "--json")
        where = f"{command}: {argv}\nstdout: {r.stdout}\nstderr: {r.stderr}"
        assert r.returncode == code, where
        try:
            out = json.loads(r.stdout)
        except ValueError:
            pytest.fail("not JSON — " + where)
        assert out["ok"] is False and isinstance(out["error"], dict), where
        assert out["error"]["message"] and out["error"]["message"] == out["message"], where
        if kind:
            assert out["error"]["kind"] == kind, where
        if kind == "insurance_choice":  # the choice is named, for a tool to offer it
            assert {c["insutype"] for c in out["error"]["choices"]} == {"310", "390"}, where
        # the same refusal without --json: the same exit code, a line on stderr, nothing pretending to be JSON
        if command in ("settle", "cancel", "queue show", "doctor"):
            plain = run_cli(tmp_path, *argv)
            assert plain.returncode == code and plain.stderr.strip() and not plain.stdout.lstrip().startswith("{")


# queue list / queue replay after a crash ---------------------------------------------------------------
def _wait_for_2207(journal: Path, timeout: float = 60.0) -> dict:
    end = time.time() + timeout
    while time.time() < end:
        if journal.exists():
            try:
                con = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=5)
                con.row_factory = sqlite3.Row
                row = con.execute("SELECT msgid, state FROM messages WHERE infno='2207' AND state IN "
                                  "('pending','sent')").fetchone()
                con.close()
                if row:
                    return dict(row)
            except sqlite3.Error:
                pass
        time.sleep(0.1)
    raise AssertionError("the settle process never sent its 2207")


@pytest.mark.parametrize("fault, resolution", [("delay", "reversed"), ("hang", "not_booked")])
def test_queue_list_and_replay_after_a_crash(tmp_path, srv, fault, resolution):
    """A settle process waits on its 2207 (the sandbox books it and answers late, or never processes it):
    `queue list` shows the open 2207 as another live process's, `queue replay` leaves it alone. Then the
    process is killed (-9): `queue list` shows it unresolved with its owner gone, `queue replay` reverses it
    and says so, with the 2601's warn_msg, and the list is empty afterwards."""
    cfg = config_for(tmp_path, srv, read_timeout=30.0)
    srv.arm_fault(fault, infno="2207", delay=25.0)
    srv.arm_warn("冲正提示：请核对患者是否已离开", infno="2601")
    proc = spawn(tmp_path, *settle_args(cfg, tmp_path, "local", "--json"))
    try:
        msg = _wait_for_2207(tmp_path / "store" / "journal.sqlite")
        out = json.loads(run_cli(tmp_path, "--config", str(cfg), "queue", "list", "--json").stdout)
        [m] = out["unresolved"]
        assert m["msgid"] == msg["msgid"] and m["infno"] == "2207" and m["owner_alive"] is True
        r = run_cli(tmp_path, "--config", str(cfg), "queue", "replay", "--json")
        rep = json.loads(r.stdout)
        assert r.returncode == 0 and rep["outcomes"] == [] and rep["summary"]["left_to_live_process"] == 1
        assert rep["message"].startswith("没有可发送的项目") and "另一个运行中的程序" in rep["message"]
        assert all(x["status"] == "booked" for x in srv.ledger() if x["infno"] == "2207")  # not touched
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    text = run_cli(tmp_path, "--config", str(cfg), "queue", "list").stdout
    assert "结果未定的报文 1 条" in text and msg["msgid"] in text and "程序已退出" in text
    out = json.loads(run_cli(tmp_path, "--config", str(cfg), "queue", "list", "--json").stdout)
    [m] = out["unresolved"]
    assert m["owner_alive"] is False and m["money_moving"] is True and "queue replay" in m["next"]

    r = run_cli(tmp_path, "--config", str(cfg), "queue", "replay")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "没有可发送的项目" not in r.stdout
    assert "发现 1 笔结果未知的交易" in r.stdout
    if resolution == "reversed":
        assert "冲正 1 笔（平台已撤回，未扣款）" in r.stdout and "已冲正（2601 成功）" in r.stdout
        assert "医保平台提示: 冲正提示：请核对患者是否已离开" in r.stdout  # the 2601's warn_msg
        assert [x["status"] for x in srv.ledger() if x["msgid"] == msg["msgid"]] == ["reversed"]
    else:
        assert "1 笔平台从未记账（未扣款，无需冲正）" in r.stdout and "从未记账此笔结算" in r.stdout
        assert [x for x in srv.ledger() if x["msgid"] == msg["msgid"]] == []
    out = json.loads(run_cli(tmp_path, "--config", str(cfg), "queue", "list", "--json").stdout)
    assert out["unresolved"] == []
    rep = json.loads(run_cli(tmp_path, "--config", str(cfg), "queue", "replay", "--json").stdout)
    assert rep["outcomes"] == [] and rep["message"] == "没有可发送的项目"


# the service without a journal: the immediate 2601 says which -----------------------------------------
@pytest.mark.parametrize("fault, outcome", [("lost_answer", "reversed"), ("reset", "not_booked")])
def test_service_reversal_says_reversed_or_never_booked(svc, sandbox, fault, outcome):
    from terminal.services.errors import UncertainSettlement

    from tests.support import id_cred, load_bill

    person = svc.identify(id_cred("local"))
    visit = svc.open_visit(id_cred("local"), person, load_bill())
    svc.preview(visit)
    sandbox.arm_fault(fault, infno="2207")
    with pytest.raises(UncertainSettlement) as ei:
        svc.settle(visit)
    e = ei.value
    assert e.reversed_ok and e.reversal == outcome
    if outcome == "not_booked":
        assert "从未记账" in e.user_message and "已自动冲正" not in e.user_message
    else:
        assert "已自动冲正（2601 成功）" in e.user_message and "从未记账" not in e.user_message
    # asked again, the platform finds the same: reverse() returns what it found, not just True
    assert svc.reverse(person.psn_no, visit.insuplc_admdvs, e.omsgid, "2207") == outcome
