import pytest

from terminal import config as C
from terminal.config import files as config_files


def write(tmp_path, text):
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_run_the_sandbox(monkeypatch, tmp_path):
    monkeypatch.delenv("YIBAO_TERMINAL_CONFIG", raising=False)
    monkeypatch.setattr(config_files, "SYSTEM_CONFIG", tmp_path / "none.toml")
    monkeypatch.setattr(config_files, "user_config_path", lambda: tmp_path / "none2.toml")
    cfg = C.load()
    assert cfg.training and cfg.facility.admdvs == "450100"


def test_full_file(tmp_path):
    p = write(tmp_path, """
[facility]
code = "H32010000001"
name = "南京市鼓楼医院"
admdvs = "320100"
[backend]
url = "https://fsi.example.org:8443/prefix"
style = "per-transaction"
connect_timeout = 5
read_timeout = 60
[gateway]
paasid = "p1"
token = "t1"
""")
    cfg = C.load(p)
    assert cfg.backend.style == "per-transaction" and cfg.backend.connect_timeout == 5.0
    assert not cfg.training and cfg.gateway.enabled


@pytest.mark.parametrize("text,key", [
    ('[facility]\ncode = "X1"', "facility.code"),
    ('[facility]\nadmdvs = "45"', "facility.admdvs"),
    ('[backend]\nstyle = "both"', "backend.style"),
    ('[backend]\nurl = "ftp://x"', "backend.url"),
    ('[backend]\nread_timeout = "fast"', "backend.read_timeout"),
    ('[backend]\nread_timeout = 0', "backend.read_timeout"),
    ('[backend]\nca_bundle = "/nonexistent/ca.pem"', "backend.ca_bundle"),
    ('[backend]\nverify_tls = "yes"', "backend.verify_tls"),
    ('[backend]\ntimeout = 3', "backend.timeout"),
    ('[bogus]\na = 1', "bogus"),
    ('[gateway]\npaasid = "only"', "gateway.token"),
    ('[operator]\ntype = "9"', "operator.type"),
    ('[facility\n', "(file)"),
])
def test_errors_name_the_key(tmp_path, text, key):
    with pytest.raises(C.ConfigError) as ei:
        C.load(write(tmp_path, text))
    assert ei.value.key == key
    assert key in str(ei.value)


def test_missing_explicit_file(tmp_path):
    with pytest.raises(C.ConfigError):
        C.load(tmp_path / "nope.toml")


def test_user_file_overrides_system_file(monkeypatch, tmp_path):
    sysf = write(tmp_path, '[facility]\nname = "系统"\nadmdvs = "320100"\n')
    user = tmp_path / "user.toml"
    user.write_text('[facility]\nname = "用户"\n', encoding="utf-8")
    monkeypatch.delenv("YIBAO_TERMINAL_CONFIG", raising=False)
    monkeypatch.setattr(config_files, "SYSTEM_CONFIG", sysf)
    monkeypatch.setattr(config_files, "user_config_path", lambda: user)
    cfg = C.load()
    assert cfg.facility.name == "用户" and cfg.facility.admdvs == "320100"


def test_save_round_trip(tmp_path):
    cfg = C.Config()
    cfg.operator.id = "0042"
    C.save(cfg, tmp_path / "out.toml")
    assert C.load(tmp_path / "out.toml").operator.id == "0042"


def test_shipped_example_configs_are_valid():
    from pathlib import Path
    root = Path(__file__).resolve().parents[2] / "resources/config"
    files = sorted(root.glob("*.toml"))
    assert files
    for f in files:
        C.load(f)


def test_save_changes_writes_only_what_changed(tmp_path):
    sysf = write(tmp_path, '[gateway]\npaasid = "p"\ntoken = "very-secret"\n[facility]\nname = "系统"\n')
    original = C.load(sysf)
    new = C.load(sysf)
    new.card.reader = "ACS"
    user = tmp_path / "user" / "config.toml"
    user.parent.mkdir()
    user.write_text('[ui]\nlanguage = "en"\n', encoding="utf-8")
    changes = C.save_changes(original, new, user)
    assert changes == {"card": {"reader": "ACS"}}
    text = user.read_text(encoding="utf-8")
    assert "very-secret" not in text and "ACS" in text and 'language = "en"' in text
    assert C.load(user).card.reader == "ACS"
