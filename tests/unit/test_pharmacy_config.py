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


def test_demo_pharmacy_is_the_sandbox_pharmacy(tmp_path):
    import json
    from pathlib import Path

    from terminal.app.pharmacy import catalogue_path, is_pharmacy, load_catalogue
    from terminal.commands.ui import DEMO_PHARMACY, demo_pharmacy
    from terminal.config.validation import validate

    cfg = C.Config()
    cfg.store.dir = str(tmp_path)
    demo_pharmacy(cfg)
    validate(cfg)
    assert is_pharmacy(cfg) and (cfg.facility.code, cfg.facility.name, cfg.facility.admdvs) == DEMO_PHARMACY
    assert not cfg.his.enabled
    facilities = json.loads((Path(C.__file__).parents[1] / "sandbox" / "data" / "facilities.json").read_text())
    mine = [f for f in facilities["facilities"] if f["fixmedins_code"] == cfg.facility.code]
    assert mine and mine[0]["fixmedins_type"] == "2" and mine[0]["fixmedins_name"] == cfg.facility.name
    # training without a pharmacy.json of its own: the sandbox pharmacy's catalogue
    assert catalogue_path(cfg).name == "pharmacy.json" and load_catalogue(cfg).by_ean("6901234000047").name
    own = tmp_path / "pharmacy.json"
    own.write_text(json.dumps({"catalogue": [{"ean": "6901234000047", "hilist_code": "X1", "name": "自有目录药",
                                              "price": "1.00"}]}), encoding="utf-8")
    assert load_catalogue(cfg).by_ean("6901234000047").name == "自有目录药"


def test_demo_takes_pharmacy():
    from terminal.cli import build_parser

    args = build_parser().parse_args(["demo", "--pharmacy"])
    assert args.pharmacy and args.func.__name__ == "cmd_demo"
