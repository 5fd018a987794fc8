"""`yibao-terminal doctor` against a real sandbox over HTTP(S) (real certificates from openssl), and the probes it
runs in a child process. Hermetic: every test passes its own configuration file (store/log dirs in tmp_path)."""
from __future__ import annotations

import json
import ssl
import sys
import time
from datetime import datetime, timedelta

import pytest

from terminal import __version__, cli
from terminal import doctor as d
from terminal.doctor import qtprobe
from terminal.sandbox.server import SandboxServer
from tests.support import config_file, doctor_checks, free_port, issue_cert, make_ca

pytestmark = pytest.mark.usefixtures("home")


def test_json_output_and_exit_code(tmp_path, capsys):
    rc = cli.main(["doctor", "--json", "--config", config_file(tmp_path), "--only", "disk,signin,clock"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["ok"] is True and out["exit_code"] == 0
    assert out["version"] == __version__
    assert [c["key"] for c in out["checks"]] == ["config", "disk", "signin", "clock"]  # config always runs
    assert {"key", "label", "status", "summary", "hint", "ms", "data"} <= set(out["checks"][0])
    assert out["paths"]["crash_dir"].endswith("crash") and out["training"] is True


def test_unreachable_platform_fails_quickly(tmp_path):
    port = free_port()
    path = config_file(tmp_path, f'[backend]\nurl = "http://127.0.0.1:{port}"\nconnect_timeout = 2.0\n')
    t0 = time.monotonic()
    report = d.run_doctor(path, only=["platform", "tls", "signin", "clock"])
    r = doctor_checks(report)
    assert time.monotonic() - t0 < 15
    assert r["platform"].status == d.FAIL and str(port) in r["platform"].summary
    assert r["signin"].status == d.FAIL
    assert r["clock"].status == d.SKIP
    assert r["tls"].status == d.WARN  # http in production: unencrypted (acceptable only on the private line)
    assert report.exit_code == 1


def test_clock_skew_against_the_platform_answer_time(tmp_path):
    ahead = timedelta(minutes=10)
    with SandboxServer(db_path=tmp_path / "sb.sqlite", clock=lambda: datetime.now() + ahead) as srv:
        path = config_file(tmp_path, f'[backend]\nurl = "{srv.url}"\n')
        r = doctor_checks(d.run_doctor(path, only=["signin", "clock"]))
    assert r["signin"].status == d.PASS
    assert r["clock"].status == d.FAIL
    assert 590 < r["clock"].data["skew_s"] < 610
    assert "timedatectl" in r["clock"].hint


def test_clock_small_skew_warns(tmp_path):
    with SandboxServer(db_path=tmp_path / "sb.sqlite", clock=lambda: datetime.now() - timedelta(seconds=90)) as srv:
        path = config_file(tmp_path, f'[backend]\nurl = "{srv.url}"\n')
        r = doctor_checks(d.run_doctor(path, only=["signin", "clock"]))
    assert r["clock"].status == d.WARN and r["clock"].data["skew_s"] < -80


@pytest.fixture
def pki(tmp_path, has_openssl):
    p = tmp_path / "pki"
    p.mkdir()
    make_ca(p, "Doctor Test CA")
    issue_cert(p, "server", "127.0.0.1", "IP:127.0.0.1,DNS:localhost")
    return p


def tls_sandbox(tmp_path, pki):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki / "server.pem", pki / "server.key")
    return SandboxServer(db_path=tmp_path / "tls.sqlite", ssl_context=ctx)


def test_tls_unknown_ca_fails_naming_ca_bundle(tmp_path, pki):
    with tls_sandbox(tmp_path, pki) as srv:
        path = config_file(tmp_path, f'[backend]\nurl = "{srv.url}"\n')
        r = doctor_checks(d.run_doctor(path, only=["platform", "tls"]))
    assert r["platform"].status == d.PASS
    assert r["tls"].status == d.FAIL and r["tls"].data["key"] == "backend.ca_bundle"


def test_tls_with_the_platform_ca_passes_and_signs_in(tmp_path, pki):
    with tls_sandbox(tmp_path, pki) as srv:
        path = config_file(tmp_path, f'[backend]\nurl = "{srv.url}"\nca_bundle = "{pki / "ca.pem"}"\n')
        r = doctor_checks(d.run_doctor(path, only=["tls", "signin", "clock"]))
    assert r["tls"].status == d.WARN  # verified, but the test certificate expires in 2 days
    assert r["tls"].data["subject"] == "127.0.0.1" and r["tls"].data["issuer"] == "Doctor Test CA"
    assert "到期" in r["tls"].summary
    assert r["signin"].status == d.PASS and r["clock"].status == d.PASS


def test_tls_verification_off_is_refused_or_fails(tmp_path, pki):
    """Issue 11 item 6 (was a WARN): verify_tls = false against a non-sandbox platform is a config error;
    accepted with backend.insecure_tls_i_accept_the_risk it runs, and doctor fails the tls check."""
    with tls_sandbox(tmp_path, pki) as srv:
        path = config_file(tmp_path, f'[backend]\nurl = "{srv.url}"\nverify_tls = false\n')
        r = doctor_checks(d.run_doctor(path, only=["tls"]))
        assert r["config"].status == d.FAIL and r["config"].data["key"] == "backend.verify_tls"
        assert "insecure_tls_i_accept_the_risk" in r["config"].summary and r["tls"].status == d.SKIP
        path = config_file(tmp_path, f'[backend]\nurl = "{srv.url}"\nverify_tls = false\n'
                            'insecure_tls_i_accept_the_risk = true\n')
        report = d.run_doctor(path, only=["tls"])
        r = doctor_checks(report)
        assert r["config"].status == d.PASS
        assert r["tls"].status == d.FAIL and r["tls"].data["key"] == "backend.verify_tls"
        assert "verify_tls = true" in r["tls"].hint and report.exit_code == 1
        # a loopback sandbox declared as training may skip verification: only a warning
        path = config_file(tmp_path, f'[backend]\nurl = "{srv.url}"\nverify_tls = false\ntraining = true\n')
        r = doctor_checks(d.run_doctor(path, only=["tls"]))
        assert r["config"].status == d.PASS and r["tls"].status == d.WARN


def test_probe_that_dies_is_reported_not_fatal(monkeypatch):
    monkeypatch.setattr(qtprobe, "self_command", lambda: [sys.executable, "-c", "import os; os.abort()"])
    out = qtprobe.run_probe("display", 20)
    assert out["ok"] is False and out.get("returncode")


def test_probe_that_hangs_is_killed(monkeypatch):
    monkeypatch.setattr(qtprobe, "self_command", lambda: [sys.executable, "-c", "import time; time.sleep(60)"])
    t0 = time.monotonic()
    out = qtprobe.run_probe("qt", 1.0)
    assert out["ok"] is False and out.get("timeout") and time.monotonic() - t0 < 5
