"""Issue 11 items 5 (configuration) and 6 (security): every key has a range or shape, errors name the key, and
the CLI and the app print one line and exit 2 (no traceback). TLS verification off and the virtual card are
for the sandbox only. The CLI runs as a real subprocess: what it prints is the point."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from terminal import config as C

ROOT = Path(__file__).resolve().parents[2]
PROD = "https://fsi.example.org:8443/prefix"


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    """A config file: text, plus store and log dirs in tmp_path unless text has those sections."""
    dirs = "" if "[store]" in text or "[log]" in text else \
        f'[store]\ndir = "{tmp_path / "data"}"\n[log]\ndir = "{tmp_path / "log"}"\n'
    p = tmp_path / name
    p.write_text(dirs + text, encoding="utf-8")
    return p


def load_error(tmp_path: Path, text: str) -> C.ConfigError:
    with pytest.raises(C.ConfigError) as ei:
        C.load(write(tmp_path, text))
    return ei.value


@pytest.mark.parametrize("text,key", [
    ("[store]\nmax_queue_items = -1", "store.max_queue_items"),
    ("[store]\nmax_queue_items = 0", "store.max_queue_items"),
    ("[store]\nmax_queue_age_hours = 0", "store.max_queue_age_hours"),
    ("[ui]\nfont_scale = -3", "ui.font_scale"),
    ("[ui]\nfont_scale = nan", "ui.font_scale"),
    ("[ui]\nfont_scale = 40.0", "ui.font_scale"),
    ('[backend]\nurl = "https://fsi.example.org/x\\n"', "backend.url"),
    ('[backend]\nurl = "https://fsi.example.org /x"', "backend.url"),
    ('[backend]\nurl = "https://fsi.example.org:99999/x"', "backend.url"),
    ('[backend]\nurl = "https://user:pw@fsi.example.org/x"', "backend.url"),
    ('[backend]\nurl = "https://"', "backend.url"),
    ("[backend]\nsandbox_port = 70000", "backend.sandbox_port"),
    ("[backend]\nsandbox_port = -1", "backend.sandbox_port"),
    ("[backend]\nsandbox_port = 80", "backend.sandbox_port"),
    ("[backend]\nread_timeout = inf", "backend.read_timeout"),
    ("[backend]\nconnect_timeout = -1", "backend.connect_timeout"),
    ('[backend]\nrecer_sys_code = ""', "backend.recer_sys_code"),
    ('[backend]\ninfver = "V 1.0"', "backend.infver"),
    ('[backend]\necode_url = "ftp://ecode"', "backend.ecode_url"),
    ('[backend]\ndev_no = "D1\\r\\nX-Evil: 1"', "backend.dev_no"),
    ('[gateway]\npaasid = "p"\ntoken = "tok en"', "gateway.token"),
    ('[gateway]\npaasid = "p\\n"\ntoken = "t"', "gateway.paasid"),
    ('[facility]\nlevel = "三级"', "facility.level"),
    ('[facility]\nname = "  "', "facility.name"),
    ('[facility]\nname = "医院\\u0000"', "facility.name"),
    ('[operator]\nname = ""', "operator.name"),
    ('[card]\nvirtual_person = "../x"', "card.virtual_person"),
    ("[scanner]\nwedge_min_length = 0", "scanner.wedge_min_length"),
    ("[scanner]\nwedge_interval_ms = 0", "scanner.wedge_interval_ms"),
    ('[printer]\npdf_dir = "/tmp/a\\nb"', "printer.pdf_dir"),
    ('[printer]\nname = "' + "P" * 300 + '"', "printer.name"),
    ('[store]\ndir = "/tmp/x\\ty"', "store.dir"),
    ('[log]\ndir = "/tmp/x\\u2028y"', "log.dir"),
])
def test_out_of_range_or_malformed_values_name_the_key(tmp_path, text, key):
    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(C.ConfigError) as ei:
        C.load(p)
    assert ei.value.key == key, str(ei.value)
    assert key in str(ei.value)


def test_sane_values_still_load(tmp_path):
    cfg = C.load(write(tmp_path, '[backend]\nurl = "https://10.1.2.3:8443/fsi"\nsandbox_port = 0\n'
                                 '[ui]\nfont_scale = 1.5\n[store]\nmax_queue_items = 1\nmax_queue_age_hours = 8760\n'))
    assert cfg.backend.url == "https://10.1.2.3:8443/fsi" and cfg.ui.font_scale == 1.5
    assert C.load(write(tmp_path, "[backend]\nsandbox_port = 8765\n")).backend.sandbox_port == 8765
    assert C.load(write(tmp_path, '[backend]\nurl = "http://[::1]:9000"\n')).backend.url == "http://[::1]:9000"


def test_a_non_utf8_file_names_the_file_and_the_encoding(tmp_path):
    p = tmp_path / "gbk.toml"
    p.write_bytes('[facility]\nname = "南宁市第一人民医院"\n'.encode("gbk"))
    with pytest.raises(C.ConfigError) as ei:
        C.load(p)
    assert ei.value.key == "(file)" and "UTF-8" in str(ei.value) and "第 2 行" in str(ei.value)
    assert str(p) in str(ei.value)


# TLS verification off ----------------------------------------------------------------------------------
def test_verify_tls_off_against_production_is_refused_without_the_loud_key(tmp_path):
    e = load_error(tmp_path, f'[backend]\nurl = "{PROD}"\nverify_tls = false\n')
    assert e.key == "backend.verify_tls" and "insecure_tls_i_accept_the_risk" in str(e)
    cfg = C.load(write(tmp_path, f'[backend]\nurl = "{PROD}"\nverify_tls = false\n'
                                 'insecure_tls_i_accept_the_risk = true\n'))
    assert cfg.insecure_tls and C.security_notices(cfg) and PROD in C.security_notices(cfg)[0]
    # the sandbox (in-process, or on loopback declared as training) needs no key and shows nothing
    for text in ('[backend]\nverify_tls = false\n',
                 '[backend]\nurl = "https://127.0.0.1:8443"\nverify_tls = false\ntraining = true\n'):
        cfg = C.load(write(tmp_path, text))
        assert not cfg.insecure_tls and C.security_notices(cfg) == []
    # a loopback URL without the training flag is not trusted to be a sandbox (a local gateway proxy may be)
    assert load_error(tmp_path, '[backend]\nurl = "https://127.0.0.1:8443"\nverify_tls = false\n').key == \
        "backend.verify_tls"


def test_training_flag_only_on_a_loopback_url(tmp_path):
    e = load_error(tmp_path, f'[backend]\nurl = "{PROD}"\ntraining = true\n')
    assert e.key == "backend.training"
    for url in ("http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765", "http://127.1.2.3:1"):
        assert C.load(write(tmp_path, f'[backend]\nurl = "{url}"\ntraining = true\n')).backend.on_sandbox


# the virtual card --------------------------------------------------------------------------------------
@pytest.mark.parametrize("card,key", [("virtual = true", "card.virtual"),
                                      ('reader = "virtual:hainan-retiree"', "card.reader")])
def test_virtual_card_against_production_is_refused(tmp_path, card, key):
    e = load_error(tmp_path, f'[backend]\nurl = "{PROD}"\n[card]\n{card}\n')
    assert e.key == key and "训练沙箱" in str(e) and PROD in str(e)
    e = load_error(tmp_path, f'[backend]\nurl = "http://127.0.0.1:8765"\n[card]\n{card}\n')
    assert e.key == key  # loopback but not declared a sandbox
    cfg = C.load(write(tmp_path, f'[backend]\nurl = "http://127.0.0.1:8765"\ntraining = true\n[card]\n{card}\n'))
    assert cfg.virtual_card == "hainan-retiree"
    assert C.load(write(tmp_path, f"[card]\n{card}\n")).virtual_card == "hainan-retiree"


def test_open_reader_refuses_a_virtual_card_for_a_production_config(tmp_path):
    from terminal.commands import card as card_cmd

    prod = C.load(write(tmp_path, f'[backend]\nurl = "{PROD}"\n'))
    with pytest.raises(C.ConfigError) as ei:
        card_cmd.open_reader("virtual:hainan-retiree", cfg=prod)
    assert ei.value.key == "--reader"
    with pytest.raises(C.ConfigError):
        card_cmd.read_card("virtual:hainan-retiree", cfg=prod)
    assert card_cmd.read_card("virtual:hainan-retiree", cfg=C.Config()).card_no == "A00000001"


# what the CLI and the app print ------------------------------------------------------------------------
def cli(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    h = tmp_path / "home"
    e = dict(os.environ, HOME=str(h), XDG_CONFIG_HOME=str(h / ".config"), XDG_DATA_HOME=str(h / ".local/share"),
             XDG_STATE_HOME=str(h / ".local/state"), QT_QPA_PLATFORM="offscreen", **(env or {}))
    e.pop("YIBAO_TERMINAL_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "terminal", *args], cwd=ROOT, env=e, capture_output=True,
                          text=True, timeout=120)


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
    one_line_exit_2(cli(tmp_path, "--config", str(p), *command), key, "配置错误")


def test_non_utf8_config_from_the_cli(tmp_path):
    p = tmp_path / "gbk.toml"
    p.write_bytes('[facility]\nname = "南宁"\n'.encode("gbk"))
    one_line_exit_2(cli(tmp_path, "--config", str(p), "journal"), "UTF-8", str(p))
    one_line_exit_2(cli(tmp_path, "--config", str(p)), "UTF-8")  # the app


def test_unwritable_log_dir_from_the_cli_and_the_app(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    p = tmp_path / "c.toml"
    p.write_text(f'[log]\ndir = "{blocker / "log"}"\n[store]\ndir = "{tmp_path / "data"}"\n', encoding="utf-8")
    one_line_exit_2(cli(tmp_path, "--config", str(p), "journal"), "log.dir", str(blocker / "log"))
    one_line_exit_2(cli(tmp_path, "--config", str(p)), "log.dir")


@pytest.mark.parametrize("date", ["2026-13-45", "2026-02-30", "yesterday", "2026/01/02"])
def test_journal_date_is_checked(tmp_path, date):
    p = write(tmp_path, "")
    one_line_exit_2(cli(tmp_path, "--config", str(p), "journal", "--date", date), "--date", date)
    r = cli(tmp_path, "--config", str(p), "journal", "--date", date, "--json")
    assert r.returncode == 2 and json.loads(r.stdout)["ok"] is False and "--date" in json.loads(r.stdout)["message"]
    ok = cli(tmp_path, "--config", str(p), "journal", "--date", "2026-1-5", "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["date"] == "2026-01-05"


def test_tls_off_is_announced_on_every_command(tmp_path):
    p = write(tmp_path, f'[backend]\nurl = "{PROD}"\nverify_tls = false\ninsecure_tls_i_accept_the_risk = true\n')
    for args in (["journal", "--json"], ["queue", "list"], ["parked", "list"]):
        r = cli(tmp_path, "--config", str(p), *args)
        assert r.returncode == 0, r.stderr
        assert "verify_tls = false" in r.stderr and PROD in r.stderr and "证书校验已关闭" in r.stderr
    quiet = cli(tmp_path, "--config", str(write(tmp_path, "", "ok.toml")), "journal", "--json")
    assert quiet.returncode == 0 and "verify_tls" not in quiet.stderr


def test_virtual_card_on_the_command_line_against_production(tmp_path):
    """Nothing reaches the platform: the refusal comes before the first request (the URL does not exist)."""
    p = write(tmp_path, '[backend]\nurl = "https://fsi.invalid:8443"\nconnect_timeout = 1\n')
    r = cli(tmp_path, "--config", str(p), "settle", "--card", "--reader", "virtual:hainan-retiree", "--bill",
            "resources/bills/outpatient-nanning.json")
    one_line_exit_2(r, "--reader", "虚拟社保卡只能用于训练沙箱", "https://fsi.invalid:8443")
    assert not (tmp_path / "data" / "journal.sqlite").exists()  # refused before the journal was even opened
    r = cli(tmp_path, "--config", str(p), "card", "read", "--virtual", "hainan-retiree")
    one_line_exit_2(r, "--virtual", "虚拟社保卡只能用于训练沙箱")
    # training: allowed (the in-process virtual card against the in-process sandbox)
    ok = cli(tmp_path, "--config", str(write(tmp_path, "", "t.toml")), "card", "read", "--virtual", "hainan-retiree")
    assert ok.returncode == 0 and "社保卡读取成功" in ok.stdout


def test_doctor_fails_the_virtual_card_against_production_naming_the_key(tmp_path, monkeypatch):
    from terminal import doctor as d

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    p = write(tmp_path, f'[backend]\nurl = "{PROD}"\n[card]\nvirtual = true\n')
    report = d.run_doctor(str(p), only=["config"])
    r = {c.key: c for c in report.checks}["config"]
    assert r.status == d.FAIL and r.data["key"] == "card.virtual" and "card.virtual" in r.hint
    assert report.exit_code == 1


def test_doctor_fails_tls_off_even_when_the_platform_is_unreachable(tmp_path, monkeypatch):
    import socket

    from terminal import doctor as d

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    p = write(tmp_path, f'[backend]\nurl = "https://127.0.0.1:{port}"\nconnect_timeout = 1\nverify_tls = false\n'
                        'insecure_tls_i_accept_the_risk = true\n')
    r = {c.key: c for c in d.run_doctor(str(p), only=["tls"]).checks}["tls"]
    assert r.status == d.FAIL and r.data["key"] == "backend.verify_tls" and "verify_tls = true" in r.hint
