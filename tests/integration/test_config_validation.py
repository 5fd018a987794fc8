"""Issue 11 items 5 (configuration) and 6 (security), through the real CLI and app in a subprocess (what they
print is the point): one line and exit 2 (no traceback), TLS verification off announced on every command, the
virtual card refused against production before anything is sent; doctor's tls check with nothing listening."""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.support import config_file, free_port, run_cli

PROD = "https://fsi.example.org:8443/prefix"


def one_line_exit_2(r: subprocess.CompletedProcess, *needles: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr + r.stdout
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    for n in needles:
        assert n in lines[0], (n, lines[0])


@pytest.mark.parametrize("text,key", [
    ("[store]\nmax_queue_items = -1\n", "store.max_queue_items"),
    ("[ui]\nfont_scale = -3\n", "ui.font_scale"),
    ("[backend]\nsandbox_port = 70000\n", "backend.sandbox_port"),
    ('[backend]\nurl = "https://fsi.example.org/x\\n"\n', "backend.url"),
    (f'[backend]\nurl = "{PROD}"\nverify_tls = false\n', "backend.verify_tls"),
    (f'[backend]\nurl = "{PROD}"\n[card]\nvirtual = true\n', "card.virtual"),
])
@pytest.mark.parametrize("command", [["queue", "list"], []], ids=["cli", "app"])
def test_cli_and_app_print_one_line_and_exit_2(tmp_path, text, key, command):
    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    one_line_exit_2(run_cli(tmp_path, "--config", str(p), *command), key, "配置错误")


def test_non_utf8_config_from_the_cli(tmp_path):
    p = tmp_path / "gbk.toml"
    p.write_bytes('[facility]\nname = "南宁"\n'.encode("gbk"))
    one_line_exit_2(run_cli(tmp_path, "--config", str(p), "journal"), "UTF-8", str(p))
    one_line_exit_2(run_cli(tmp_path, "--config", str(p)), "UTF-8")  # the app


def test_unwritable_log_dir_from_the_cli_and_the_app(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    p = tmp_path / "c.toml"
    p.write_text(f'[log]\ndir = "{blocker / "log"}"\n[store]\ndir = "{tmp_path / "data"}"\n', encoding="utf-8")
    one_line_exit_2(run_cli(tmp_path, "--config", str(p), "journal"), "log.dir", str(blocker / "log"))
    one_line_exit_2(run_cli(tmp_path, "--config", str(p)), "log.dir")


@pytest.mark.parametrize("date", ["2026-13-45", "2026-02-30", "yesterday", "2026/01/02"])
def test_journal_date_is_checked(tmp_path, date):
    p = config_file(tmp_path, "")
    one_line_exit_2(run_cli(tmp_path, "--config", str(p), "journal", "--date", date), "--date", date)
    r = run_cli(tmp_path, "--config", str(p), "journal", "--date", date, "--json")
    assert r.returncode == 2 and json.loads(r.stdout)["ok"] is False and "--date" in json.loads(r.stdout)["message"]
    ok = run_cli(tmp_path, "--config", str(p), "journal", "--date", "2026-1-5", "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["date"] == "2026-01-05"


def test_tls_off_is_announced_on_every_command(tmp_path):
    p = config_file(tmp_path, f'[backend]\nurl = "{PROD}"\nverify_tls = false\ninsecure_tls_i_accept_the_risk = true\n')
    for args in (["journal", "--json"], ["queue", "list"], ["parked", "list"]):
        r = run_cli(tmp_path, "--config", str(p), *args)
        assert r.returncode == 0, r.stderr
        assert "verify_tls = false" in r.stderr and PROD in r.stderr and "证书校验已关闭" in r.stderr
    quiet = run_cli(tmp_path, "--config", str(config_file(tmp_path, "", "ok.toml")), "journal", "--json")
    assert quiet.returncode == 0 and "verify_tls" not in quiet.stderr


def test_virtual_card_on_the_command_line_against_production(tmp_path):
    """Nothing reaches the platform: the refusal comes before the first request (the URL does not exist)."""
    p = config_file(tmp_path, '[backend]\nurl = "https://fsi.invalid:8443"\nconnect_timeout = 1\n')
    r = run_cli(tmp_path, "--config", str(p), "settle", "--card", "--reader", "virtual:hainan-retiree", "--bill",
            "resources/bills/outpatient-nanning.json")
    one_line_exit_2(r, "--reader", "虚拟社保卡只能用于训练沙箱", "https://fsi.invalid:8443")
    assert not (tmp_path / "data" / "journal.sqlite").exists()  # refused before the journal was even opened
    r = run_cli(tmp_path, "--config", str(p), "card", "read", "--virtual", "hainan-retiree")
    one_line_exit_2(r, "--virtual", "虚拟社保卡只能用于训练沙箱")
    # training: allowed (the in-process virtual card against the in-process sandbox)
    ok = run_cli(tmp_path, "--config", str(config_file(tmp_path, "", "t.toml")), "card", "read", "--virtual",
                 "hainan-retiree")
    assert ok.returncode == 0 and "社保卡读取成功" in ok.stdout


def test_doctor_fails_tls_off_even_when_the_platform_is_unreachable(tmp_path, monkeypatch):
    from terminal import doctor as d

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    port = free_port()  # nothing listens there
    p = config_file(tmp_path, f'[backend]\nurl = "https://127.0.0.1:{port}"\nconnect_timeout = 1\nverify_tls = false\n'
                        'insecure_tls_i_accept_the_risk = true\n')
    r = {c.key: c for c in d.run_doctor(str(p), only=["tls"]).checks}["tls"]
    assert r.status == d.FAIL and r.data["key"] == "backend.verify_tls" and "verify_tls = true" in r.hint
