"""`doctor` against a real pcscd: the reader check and the card read (virtual card in vpcd, test only)."""
from __future__ import annotations

import pytest

from drivers.virtual import profile_for
from terminal import doctor as d
from tests.support import config_file

from .pcsc_support import READER

pytestmark = pytest.mark.pcsc


def config(tmp_path, production: bool, reader: str = "") -> str:
    return config_file(tmp_path, f'[card]\nreader = "{reader}"\n'
                                 + ('[backend]\nurl = "http://127.0.0.1:9"\n' if production else ""))


def checks(path: str) -> dict:
    return {c.key: c for c in d.run_doctor(path, only=["pcsc", "card"]).checks}


def test_reader_without_card(service, tmp_path):
    r = checks(config(tmp_path, production=True, reader="Virtual PCD"))
    assert r["pcsc"].status == d.PASS and READER in r["pcsc"].data["readers"]
    assert r["card"].status == d.SKIP


def test_card_is_read_and_masked(insert, tmp_path):
    insert(profile_for("hainan-retiree"))
    r = checks(config(tmp_path, production=True, reader=READER))
    assert r["card"].status == d.PASS, r["card"]
    assert r["card"].data["card_no"] != "A00000001" and r["card"].data["card_no"].startswith("A0")
    assert "A00000001" not in r["card"].summary


def test_reader_pattern_that_matches_nothing_fails_in_production(service, tmp_path):
    r = checks(config(tmp_path, production=True, reader="NoSuchReader"))
    assert r["pcsc"].status == d.FAIL and r["pcsc"].data["key"] == "card.reader"
    r = checks(config(tmp_path, production=False, reader="NoSuchReader"))
    assert r["pcsc"].status == d.WARN  # training: the virtual card and ID numbers still work
