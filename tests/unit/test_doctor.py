"""`yibao-terminal doctor`: the checks against a real sandbox over HTTP(S), with real files, in this process.

Hermetic: every test passes its own configuration file (store/log dirs in tmp_path), so neither
/etc/yibao-terminal nor the user's files play a part.
"""
from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from terminal import __version__, cli
from terminal import doctor as d
from terminal.doctor import context, qtprobe, runner, signin
from terminal.doctor.host import check_config
from terminal.sandbox.server import SandboxServer


def write_config(tmp_path: Path, text: str = "", name: str = "config.toml") -> str:
    """A configuration with the store, log and PDF directories in tmp_path, overridden by `text` (TOML)."""
    import tomli_w
    import tomllib

    data = {"store": {"dir": str(tmp_path / "data")}, "log": {"dir": str(tmp_path / "log")},
            "printer": {"pdf_dir": str(tmp_path / "pdf")}}
    for section, values in tomllib.loads(text).items():
        data.setdefault(section, {}).update(values)
    p = tmp_path / name
    p.write_text(tomli_w.dumps(data), encoding="utf-8")
    return str(p)


def by_key(report) -> dict[str, d.CheckResult]:
    return {c.key: c for c in report.checks}


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "home" / ".local" / "state"))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.delenv("YIBAO_TERMINAL_CONFIG", raising=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# training mode --------------------------------------------------------------------------------------------
def test_training_mode_passes_against_the_sandbox(tmp_path):
    report = d.run_doctor(write_config(tmp_path))
    r = by_key(report)
    assert [c.key for c in report.checks] == d.KEYS
    assert report.training is True
    for key in ("config", "disk", "queue", "scanner", "platform", "signin", "clock"):
        assert r[key].status == d.PASS, (key, r[key])
    assert r["tls"].status == d.SKIP  # the sandbox speaks http on loopback
    assert r["display"].status == d.SKIP  # QT_QPA_PLATFORM=offscreen
    assert r["pcsc"].status in (d.PASS, d.WARN)  # training: no pcscd is only a warning
    assert r["printer"].status in (d.PASS, d.WARN) and r["printer"].data["pdf_ok"]
    assert r["fonts"].status in (d.PASS, d.WARN)
    assert r["signin"].data["dev_no"] == f"yibao-terminal/{__version__}"
    assert r["scanner"].data["decoded"] is True
    assert abs(r["clock"].data["skew_s"]) < 5
    assert report.ok and report.exit_code == 0
    assert report.duration_ms < 30_000


def test_json_output_and_exit_code(tmp_path, capsys):
    rc = cli.main(["doctor", "--json", "--config", write_config(tmp_path), "--only", "disk,signin,clock"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["ok"] is True and out["exit_code"] == 0
    assert out["version"] == __version__
    assert [c["key"] for c in out["checks"]] == ["config", "disk", "signin", "clock"]  # config always runs
    assert {"key", "label", "status", "summary", "hint", "ms", "data"} <= set(out["checks"][0])
    assert out["paths"]["crash_dir"].endswith("crash") and out["training"] is True


def test_table_output_names_status_in_chinese_and_english(tmp_path, capsys):
    rc = cli.main(["doctor", "--config", write_config(tmp_path), "--only", "disk"])
    text = capsys.readouterr().out
    assert rc == 0
    assert "通过 PASS" in text and "磁盘与目录 disk" in text and "配置 config" in text
    assert f"yibao-terminal {__version__}" in text and "结论" in text


def test_unknown_only_key_is_a_usage_error(tmp_path, capsys):
    assert cli.main(["doctor", "--config", write_config(tmp_path), "--only", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_virtual_card_in_training(tmp_path):
    report = d.run_doctor(write_config(tmp_path, "[card]\nvirtual = true\nvirtual_person = \"hainan-retiree\"\n"),
                          only=["pcsc", "card"])
    r = by_key(report)
    assert r["pcsc"].status == d.PASS and "虚拟" in r["pcsc"].summary
    assert r["card"].status == d.PASS
    assert "A00000001" not in r["card"].summary and r["card"].data["card_no"].startswith("A0")


# configuration --------------------------------------------------------------------------------------------
def test_bad_config_fails_naming_the_key(tmp_path, capsys):
    path = write_config(tmp_path, '[backend]\nstyle = "multi"\n')
    rc = cli.main(["doctor", "--json", "--config", path])
    out = json.loads(capsys.readouterr().out)
    checks = {c["key"]: c for c in out["checks"]}
    assert rc == 1 and out["ok"] is False
    assert checks["config"]["status"] == "fail"
    assert "backend.style" in checks["config"]["summary"] and checks["config"]["data"]["key"] == "backend.style"
    for key in ("platform", "tls", "signin", "clock", "queue"):
        assert checks[key]["status"] == "skip"
    assert checks["disk"]["status"] == "pass"  # what does not need the configuration still runs


def test_missing_config_file(tmp_path):
    report = d.run_doctor(str(tmp_path / "nope.toml"), only=["disk"])
    assert by_key(report)["config"].status == d.FAIL and report.exit_code == 1


# production: unreachable, TLS, clock ---------------------------------------------------------------------
def test_unreachable_platform_fails_quickly(tmp_path):
    port = free_port()
    path = write_config(tmp_path, f'[backend]\nurl = "http://127.0.0.1:{port}"\nconnect_timeout = 2.0\n')
    t0 = time.monotonic()
    report = d.run_doctor(path, only=["platform", "tls", "signin", "clock"])
    r = by_key(report)
    assert time.monotonic() - t0 < 15
    assert r["platform"].status == d.FAIL and str(port) in r["platform"].summary
    assert r["signin"].status == d.FAIL
    assert r["clock"].status == d.SKIP
    assert r["tls"].status == d.WARN  # http in production: unencrypted (acceptable only on the private line)
    assert report.exit_code == 1


def test_clock_skew_against_the_platform_answer_time(tmp_path):
    ahead = timedelta(minutes=10)
    with SandboxServer(db_path=tmp_path / "sb.sqlite", clock=lambda: datetime.now() + ahead) as srv:
        path = write_config(tmp_path, f'[backend]\nurl = "{srv.url}"\n')
        r = by_key(d.run_doctor(path, only=["signin", "clock"]))
    assert r["signin"].status == d.PASS
    assert r["clock"].status == d.FAIL
    assert 590 < r["clock"].data["skew_s"] < 610
    assert "timedatectl" in r["clock"].hint


def test_clock_small_skew_warns(tmp_path):
    with SandboxServer(db_path=tmp_path / "sb.sqlite", clock=lambda: datetime.now() - timedelta(seconds=90)) as srv:
        r = by_key(d.run_doctor(write_config(tmp_path, f'[backend]\nurl = "{srv.url}"\n'), only=["signin", "clock"]))
    assert r["clock"].status == d.WARN and r["clock"].data["skew_s"] < -80


def test_clock_from_http_date_header():
    ctx = context.Context()
    now = time.time()
    ctx.signin = {"sent": now - 0.01, "received": now, "received_done": now,
                  "date_header": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 400))}
    status, summary, *_rest, data = signin.check_clock(ctx)
    assert status == d.FAIL and 398 < data["skew_s"] < 402 and "http_date" in data["sources"]


def test_parse_platform_time():
    assert signin._parse_platform_time("20250102030405123") == datetime(2025, 1, 2, 3, 4, 5, 123000)
    assert signin._parse_platform_time("20250102030405") == datetime(2025, 1, 2, 3, 4, 5)
    assert signin._parse_platform_time("2025-01-02 03:04:05") == datetime(2025, 1, 2, 3, 4, 5)
    assert signin._parse_platform_time("garbage") is None


@pytest.fixture
def pki(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl CLI not installed")
    p = tmp_path / "pki"
    p.mkdir()

    def run(*args):
        subprocess.run(["openssl", *args], cwd=p, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Doctor Test CA",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr")
    (p / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-out", "server.pem", "-extfile", "ext.cnf")
    return p


def tls_sandbox(tmp_path, pki):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki / "server.pem", pki / "server.key")
    return SandboxServer(db_path=tmp_path / "tls.sqlite", ssl_context=ctx)


def test_tls_unknown_ca_fails_naming_ca_bundle(tmp_path, pki):
    with tls_sandbox(tmp_path, pki) as srv:
        r = by_key(d.run_doctor(write_config(tmp_path, f'[backend]\nurl = "{srv.url}"\n'), only=["platform", "tls"]))
    assert r["platform"].status == d.PASS
    assert r["tls"].status == d.FAIL and r["tls"].data["key"] == "backend.ca_bundle"


def test_tls_with_the_platform_ca_passes_and_signs_in(tmp_path, pki):
    with tls_sandbox(tmp_path, pki) as srv:
        path = write_config(tmp_path, f'[backend]\nurl = "{srv.url}"\nca_bundle = "{pki / "ca.pem"}"\n')
        r = by_key(d.run_doctor(path, only=["tls", "signin", "clock"]))
    assert r["tls"].status == d.WARN  # verified, but the test certificate expires in 2 days
    assert r["tls"].data["subject"] == "127.0.0.1" and r["tls"].data["issuer"] == "Doctor Test CA"
    assert "到期" in r["tls"].summary
    assert r["signin"].status == d.PASS and r["clock"].status == d.PASS


def test_tls_verification_off_is_refused_or_fails(tmp_path, pki):
    """Issue 11 item 6 (was a WARN): verify_tls = false against a non-sandbox platform is a config error;
    accepted with backend.insecure_tls_i_accept_the_risk it runs, and doctor fails the tls check."""
    with tls_sandbox(tmp_path, pki) as srv:
        path = write_config(tmp_path, f'[backend]\nurl = "{srv.url}"\nverify_tls = false\n')
        r = by_key(d.run_doctor(path, only=["tls"]))
        assert r["config"].status == d.FAIL and r["config"].data["key"] == "backend.verify_tls"
        assert "insecure_tls_i_accept_the_risk" in r["config"].summary and r["tls"].status == d.SKIP
        path = write_config(tmp_path, f'[backend]\nurl = "{srv.url}"\nverify_tls = false\n'
                            'insecure_tls_i_accept_the_risk = true\n')
        report = d.run_doctor(path, only=["tls"])
        r = by_key(report)
        assert r["config"].status == d.PASS
        assert r["tls"].status == d.FAIL and r["tls"].data["key"] == "backend.verify_tls"
        assert "verify_tls = true" in r["tls"].hint and report.exit_code == 1
        # a loopback sandbox declared as training may skip verification: only a warning
        path = write_config(tmp_path, f'[backend]\nurl = "{srv.url}"\nverify_tls = false\ntraining = true\n')
        r = by_key(d.run_doctor(path, only=["tls"]))
        assert r["config"].status == d.PASS and r["tls"].status == d.WARN


# timeouts and failures of the checks themselves -----------------------------------------------------------
def test_a_hanging_check_times_out(tmp_path, monkeypatch):
    def hang(ctx):
        time.sleep(30)

    monkeypatch.setattr(runner, "CHECKS", [d.Check("config", "配置", check_config),
                                           d.Check("scanner", "扫码解码", hang, timeout=30)])
    t0 = time.monotonic()
    report = d.run_doctor(write_config(tmp_path), timeout=0.5)
    assert time.monotonic() - t0 < 3
    r = by_key(report)
    assert r["scanner"].status == d.FAIL and "timeout" in r["scanner"].summary
    assert report.exit_code == 1


def test_a_crashing_check_fails_masked(tmp_path, monkeypatch):
    def boom(ctx):
        raise RuntimeError("cannot read certno 460100194603120132")

    monkeypatch.setattr(runner, "CHECKS", [d.Check("config", "配置", check_config), d.Check("card", "社保卡", boom)])
    r = by_key(d.run_doctor(write_config(tmp_path)))
    assert r["card"].status == d.FAIL
    assert "460100194603120132" not in r["card"].summary and "0132" in r["card"].summary


# disk and queue -------------------------------------------------------------------------------------------
def test_unwritable_data_dir_fails(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    path = write_config(tmp_path, f'[store]\ndir = "{blocker / "data"}"\n')
    r = by_key(d.run_doctor(path, only=["disk"]))
    assert r["disk"].status == d.FAIL and "数据目录" in r["disk"].summary


def test_low_disk_space(tmp_path, monkeypatch):
    import collections

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10 * 2**30, 10 * 2**30 - 500 * 2**20, 500 * 2**20))
    r = by_key(d.run_doctor(write_config(tmp_path), only=["disk"]))
    assert r["disk"].status == d.WARN
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10 * 2**30, 10 * 2**30 - 50 * 2**20, 50 * 2**20))
    assert by_key(d.run_doctor(write_config(tmp_path), only=["disk"]))["disk"].status == d.FAIL


def test_queue_health_against_the_limits(tmp_path):
    store_mod = pytest.importorskip("terminal.store")
    path = write_config(tmp_path, "[store]\nmax_queue_items = 5\n")
    r = by_key(d.run_doctor(path, only=["queue"]))
    assert r["queue"].status == d.PASS and "尚无" in r["queue"].summary  # no journal yet
    store = store_mod.Store(tmp_path / "data" / "journal.sqlite", max_queue_items=5)
    try:
        store.queue.sign_out("S1", "0001")
        r = by_key(d.run_doctor(path, only=["queue"]))
        assert r["queue"].status == d.PASS and r["queue"].data["open_items"] == 1
        for n in range(2, 5):
            store.queue.sign_out(f"S{n}", "0001")
        r = by_key(d.run_doctor(path, only=["queue"]))
        assert r["queue"].status == d.WARN and r["queue"].data["open_items"] == 4  # 80 % of the limit
        store.queue.sign_out("S5", "0001")
    finally:
        store.close()
    r = by_key(d.run_doctor(path, only=["queue"]))
    assert r["queue"].status == d.FAIL and r["queue"].data["open_items"] == 5
    assert "queue replay" in r["queue"].hint


# printer and the Qt probe ---------------------------------------------------------------------------------
def test_qt_probe_runs_in_a_child_process(tmp_path):
    p = subprocess.run([sys.executable, "-m", "terminal", "doctor", "--probe", "qt"], capture_output=True, text=True,
                       timeout=60, env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert p.returncode == 0 and out["printsupport"] is True and out["pdf_ok"] is True
    assert out["platform"] == "offscreen" and isinstance(out["printers"], list)


def test_configured_printer_that_does_not_exist_fails_naming_the_key(tmp_path):
    r = by_key(d.run_doctor(write_config(tmp_path, '[printer]\nname = "EPSON-TM-T82-nope"\n'), only=["printer"]))
    assert r["printer"].status == d.FAIL and r["printer"].data["key"] == "printer.name"


def test_probe_that_dies_is_reported_not_fatal(monkeypatch):
    monkeypatch.setattr(qtprobe, "self_command", lambda: [sys.executable, "-c", "import os; os.abort()"])
    out = qtprobe.run_probe("display", 20)
    assert out["ok"] is False and out.get("returncode")


def test_probe_that_hangs_is_killed(monkeypatch):
    monkeypatch.setattr(qtprobe, "self_command", lambda: [sys.executable, "-c", "import time; time.sleep(60)"])
    t0 = time.monotonic()
    out = qtprobe.run_probe("qt", 1.0)
    assert out["ok"] is False and out.get("timeout") and time.monotonic() - t0 < 5
