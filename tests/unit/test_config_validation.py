"""Issue 11 items 5 (configuration) and 6 (security): every key has a range or shape, errors name the key; TLS
verification off and the virtual card are for the sandbox only. What the CLI and the app print is in
tests/integration/test_config_validation.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from terminal import config as C
from tests.support import config_file

PROD = "https://fsi.example.org:8443/prefix"


def load_error(tmp_path: Path, text: str) -> C.ConfigError:
    with pytest.raises(C.ConfigError) as ei:
        C.load(config_file(tmp_path, text))
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
    cfg = C.load(config_file(tmp_path, '[backend]\nurl = "https://10.1.2.3:8443/fsi"\nsandbox_port = 0\n'
                                 '[ui]\nfont_scale = 1.5\n[store]\nmax_queue_items = 1\nmax_queue_age_hours = 8760\n'))
    assert cfg.backend.url == "https://10.1.2.3:8443/fsi" and cfg.ui.font_scale == 1.5
    assert C.load(config_file(tmp_path, "[backend]\nsandbox_port = 8765\n")).backend.sandbox_port == 8765
    assert C.load(config_file(tmp_path, '[backend]\nurl = "http://[::1]:9000"\n')).backend.url == "http://[::1]:9000"


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
    cfg = C.load(config_file(tmp_path, f'[backend]\nurl = "{PROD}"\nverify_tls = false\n'
                                 'insecure_tls_i_accept_the_risk = true\n'))
    assert cfg.insecure_tls and C.security_notices(cfg) and PROD in C.security_notices(cfg)[0]
    # the sandbox (in-process, or on loopback declared as training) needs no key and shows nothing
    for text in ('[backend]\nverify_tls = false\n',
                 '[backend]\nurl = "https://127.0.0.1:8443"\nverify_tls = false\ntraining = true\n'):
        cfg = C.load(config_file(tmp_path, text))
        assert not cfg.insecure_tls and C.security_notices(cfg) == []
    # a loopback URL without the training flag is not trusted to be a sandbox (a local gateway proxy may be)
    assert load_error(tmp_path, '[backend]\nurl = "https://127.0.0.1:8443"\nverify_tls = false\n').key == \
        "backend.verify_tls"


def test_training_flag_only_on_a_loopback_url(tmp_path):
    e = load_error(tmp_path, f'[backend]\nurl = "{PROD}"\ntraining = true\n')
    assert e.key == "backend.training"
    for url in ("http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765", "http://127.1.2.3:1"):
        assert C.load(config_file(tmp_path, f'[backend]\nurl = "{url}"\ntraining = true\n')).backend.on_sandbox


# the virtual card --------------------------------------------------------------------------------------
@pytest.mark.parametrize("card,key", [("virtual = true", "card.virtual"),
                                      ('reader = "virtual:hainan-retiree"', "card.reader")])
def test_virtual_card_against_production_is_refused(tmp_path, card, key):
    e = load_error(tmp_path, f'[backend]\nurl = "{PROD}"\n[card]\n{card}\n')
    assert e.key == key and "训练沙箱" in str(e) and PROD in str(e)
    e = load_error(tmp_path, f'[backend]\nurl = "http://127.0.0.1:8765"\n[card]\n{card}\n')
    assert e.key == key  # loopback but not declared a sandbox
    cfg = C.load(config_file(tmp_path, f'[backend]\nurl = "http://127.0.0.1:8765"\ntraining = true\n[card]\n{card}\n'))
    assert cfg.virtual_card == "hainan-retiree"
    assert C.load(config_file(tmp_path, f"[card]\n{card}\n")).virtual_card == "hainan-retiree"


def test_open_reader_refuses_a_virtual_card_for_a_production_config(tmp_path):
    from terminal.commands import card as card_cmd

    prod = C.load(config_file(tmp_path, f'[backend]\nurl = "{PROD}"\n'))
    with pytest.raises(C.ConfigError) as ei:
        card_cmd.open_reader("virtual:hainan-retiree", cfg=prod)
    assert ei.value.key == "--reader"
    with pytest.raises(C.ConfigError):
        card_cmd.read_card("virtual:hainan-retiree", cfg=prod)
    assert card_cmd.read_card("virtual:hainan-retiree", cfg=C.Config()).card_no == "A00000001"


def test_doctor_fails_the_virtual_card_against_production_naming_the_key(tmp_path, monkeypatch):
    from terminal import doctor as d

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    p = config_file(tmp_path, f'[backend]\nurl = "{PROD}"\n[card]\nvirtual = true\n')
    report = d.run_doctor(str(p), only=["config"])
    r = {c.key: c for c in report.checks}["config"]
    assert r.status == d.FAIL and r.data["key"] == "card.virtual" and "card.virtual" in r.hint
    assert report.exit_code == 1


