"""[facility] kind: the hospital by default, "pharmacy" for a designated retail pharmacy's counter."""
import pytest

from terminal import config as C


def write(tmp_path, text):
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_default_kind_is_the_hospital(tmp_path):
    assert C.load(write(tmp_path, '[facility]\nname = "医院"\n')).facility.kind == "hospital"


def test_pharmacy_kind_loads(tmp_path):
    cfg = C.load(write(tmp_path, '[facility]\ncode = "P45010000001"\nname = "大药房"\nkind = "pharmacy"\n'))
    assert cfg.facility.kind == "pharmacy" and cfg.facility.code == "P45010000001"


@pytest.mark.parametrize("kind", ["drugstore", "Pharmacy", ""])
def test_other_kinds_are_refused_naming_the_key(tmp_path, kind):
    with pytest.raises(C.ConfigError) as ei:
        C.load(write(tmp_path, f'[facility]\nkind = "{kind}"\n'))
    assert ei.value.key == "facility.kind" and "pharmacy" in str(ei.value)


def test_demo_takes_pharmacy():
    from terminal.cli import build_parser

    args = build_parser().parse_args(["demo", "--pharmacy"])
    assert args.pharmacy and args.func.__name__ == "cmd_demo"
