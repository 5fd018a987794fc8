"""`yibao-terminal doctor` in this process with real files and no platform: the report's form, the configuration,
the checks' own timeouts and failures, disk and queue (the checks against a real sandbox are in
tests/integration/test_doctor.py). Hermetic: every test passes its own configuration file (store/log dirs in
tmp_path), so neither /etc/yibao-terminal nor the user's files play a part.
"""
from __future__ import annotations

import json
import shutil
import time
from datetime import datetime

import pytest

from terminal import __version__, cli
from terminal import doctor as d
from terminal.doctor import context, runner, signin
from terminal.doctor.host import check_config
from tests.support import config_file, doctor_checks

pytestmark = pytest.mark.usefixtures("home")


# training mode --------------------------------------------------------------------------------------------
def test_table_output_names_status_in_chinese_and_english(tmp_path, capsys):
    rc = cli.main(["doctor", "--config", config_file(tmp_path), "--only", "disk"])
    text = capsys.readouterr().out
    assert rc == 0
    assert "通过 PASS" in text and "磁盘与目录 disk" in text and "配置 config" in text
    assert f"yibao-terminal {__version__}" in text and "结论" in text


def test_unknown_only_key_is_a_usage_error(tmp_path, capsys):
    assert cli.main(["doctor", "--config", config_file(tmp_path), "--only", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_virtual_card_in_training(tmp_path):
    report = d.run_doctor(config_file(tmp_path, "[card]\nvirtual = true\nvirtual_person = \"hainan-retiree\"\n"),
                          only=["pcsc", "card"])
    r = doctor_checks(report)
    assert r["pcsc"].status == d.PASS and "虚拟" in r["pcsc"].summary
    assert r["card"].status == d.PASS
    assert "A00000001" not in r["card"].summary and r["card"].data["card_no"].startswith("A0")


# configuration --------------------------------------------------------------------------------------------
def test_bad_config_fails_naming_the_key(tmp_path, capsys):
    path = config_file(tmp_path, '[backend]\nstyle = "multi"\n')
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
    assert doctor_checks(report)["config"].status == d.FAIL and report.exit_code == 1


# production: unreachable, TLS, clock ---------------------------------------------------------------------
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


# timeouts and failures of the checks themselves -----------------------------------------------------------
def test_a_hanging_check_times_out(tmp_path, monkeypatch):
    def hang(ctx):
        time.sleep(30)

    monkeypatch.setattr(runner, "CHECKS", [d.Check("config", "配置", check_config),
                                           d.Check("scanner", "扫码解码", hang, timeout=30)])
    t0 = time.monotonic()
    report = d.run_doctor(config_file(tmp_path), timeout=0.5)
    assert time.monotonic() - t0 < 3
    r = doctor_checks(report)
    assert r["scanner"].status == d.FAIL and "timeout" in r["scanner"].summary
    assert report.exit_code == 1


def test_a_crashing_check_fails_masked(tmp_path, monkeypatch):
    def boom(ctx):
        raise RuntimeError("cannot read certno 460100194603120132")

    monkeypatch.setattr(runner, "CHECKS", [d.Check("config", "配置", check_config), d.Check("card", "社保卡", boom)])
    r = doctor_checks(d.run_doctor(config_file(tmp_path)))
    assert r["card"].status == d.FAIL
    assert "460100194603120132" not in r["card"].summary and "0132" in r["card"].summary


# disk and queue -------------------------------------------------------------------------------------------
def test_unwritable_data_dir_fails(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    path = config_file(tmp_path, f'[store]\ndir = "{blocker / "data"}"\n')
    r = doctor_checks(d.run_doctor(path, only=["disk"]))
    assert r["disk"].status == d.FAIL and "数据目录" in r["disk"].summary


def test_low_disk_space(tmp_path, monkeypatch):
    import collections

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10 * 2**30, 10 * 2**30 - 500 * 2**20, 500 * 2**20))
    r = doctor_checks(d.run_doctor(config_file(tmp_path), only=["disk"]))
    assert r["disk"].status == d.WARN
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10 * 2**30, 10 * 2**30 - 50 * 2**20, 50 * 2**20))
    assert doctor_checks(d.run_doctor(config_file(tmp_path), only=["disk"]))["disk"].status == d.FAIL


def test_queue_health_against_the_limits(tmp_path):
    store_mod = pytest.importorskip("terminal.store")
    path = config_file(tmp_path, "[store]\nmax_queue_items = 5\n")
    r = doctor_checks(d.run_doctor(path, only=["queue"]))
    assert r["queue"].status == d.PASS and "尚无" in r["queue"].summary  # no journal yet
    store = store_mod.Store(tmp_path / "data" / "journal.sqlite", max_queue_items=5)
    try:
        store.queue.sign_out("S1", "0001")
        r = doctor_checks(d.run_doctor(path, only=["queue"]))
        assert r["queue"].status == d.PASS and r["queue"].data["open_items"] == 1
        for n in range(2, 5):
            store.queue.sign_out(f"S{n}", "0001")
        r = doctor_checks(d.run_doctor(path, only=["queue"]))
        assert r["queue"].status == d.WARN and r["queue"].data["open_items"] == 4  # 80 % of the limit
        store.queue.sign_out("S5", "0001")
    finally:
        store.close()
    r = doctor_checks(d.run_doctor(path, only=["queue"]))
    assert r["queue"].status == d.FAIL and r["queue"].data["open_items"] == 5
    assert "queue replay" in r["queue"].hint


