"""`card read` / `card watch` parsers and read_card(), on the in-process virtual reader (no pcscd)."""
from __future__ import annotations

import argparse
import json
from types import SimpleNamespace

import pytest

from drivers.pcsc import CardExpired, PcscCardReader
from drivers.virtual import VirtualCardReader
from terminal.commands import card as card_cmd


def run(argv, capsys):
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command")
    card_cmd.add_parsers(sub)
    args = p.parse_args(argv)
    rc = args.func(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_read_masks_by_default(capsys):
    rc, out, _ = run(["card", "read", "--virtual", "hainan-retiree"], capsys)
    assert rc == 0
    assert "460100194603120132" not in out and "符大海" not in out and "A00000001" not in out
    assert "460100********0132" in out and "符**" in out and "1946-03-12" in out


def test_read_unmask_and_json(capsys):
    rc, out, _ = run(["card", "read", "--virtual", "hainan-retiree", "--json", "--unmask"], capsys)
    d = json.loads(out)
    assert rc == 0 and d["ok"] and d["card"]["name"] == "符大海" and d["card"]["ssn"] == "460100194603120132"
    assert d["credential"] == {"mdtrt_cert_type": "03", "mdtrt_cert_no": "A00000001",
                               "card_sn": "460100D1560000051A2B3C4D00000001"}
    assert d["apdus"] == 15 and d["expiry"] == "valid"


def test_read_third_generation_and_expired(capsys):
    rc, out, _ = run(["card", "read", "--virtual", "gen3", "--json"], capsys)
    d = json.loads(out)
    assert d["generation"] == 3 and d["expiry"] == "unknown" and "09" in d["locked_records"]
    rc, out, _ = run(["card", "read", "--virtual", "expired-card", "--today", "20250601"], capsys)
    assert rc == 0 and "已过有效期" in out


def test_read_errors_have_exit_codes(capsys):
    rc, _, err = run(["card", "read", "--virtual", "damaged"], capsys)
    assert rc == 1 and "不是社保卡" in err and "NotSocialSecurityCard" in err
    rc, out, _ = run(["card", "read", "--virtual", "damaged", "--json"], capsys)
    assert rc == 1 and json.loads(out)["error"]["kind"] == "NotSocialSecurityCard"
    rc, _, err = run(["card", "read", "--virtual", "nobody"], capsys)
    assert rc == 2 and "nobody" in err


def test_watch_parser():
    p = argparse.ArgumentParser()
    card_cmd.add_parsers(p.add_subparsers())
    args = p.parse_args(["card", "watch", "--count", "2", "--reader", "Virtual"])
    assert args.func is card_cmd.cmd_card_watch and args.count == 2 and args.reader == "Virtual"


def test_read_card_and_open_reader_settings():
    card = card_cmd.read_card("virtual:hainan-retiree")
    assert card.card_no == "A00000001"
    with pytest.raises(CardExpired):
        card_cmd.read_card("virtual:expired-card", reject_expired=True, today="20250601")
    cfg = SimpleNamespace(card=SimpleNamespace(reader="", virtual=True))
    assert isinstance(card_cmd.open_reader(cfg), VirtualCardReader)
    assert isinstance(card_cmd.open_reader({"card": {"reader": "ACS", "virtual": False}}), PcscCardReader)
    assert card_cmd.open_reader("ACS").pattern == "ACS"
    assert card_cmd.open_reader(None).pattern == ""
    assert card_cmd.read_card({"reader": "virtual:gen3"}).version == "3.00"
