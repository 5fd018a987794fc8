"""`yibao-terminal ecode decode IMAGE [--json]` and the e-code credential for `settle --ecode(-image)`."""
from __future__ import annotations

import argparse
import json
import random
from types import SimpleNamespace

import pytest
from PIL import Image

from drivers.scanner.qrimage import make_qr_image
from drivers.scanner.synth import make_frame
from terminal.commands import ecode as ecode_cmd

ECODE = "EC460100" + "Zx9Yw8Vu" * 6
PAY = "134567890123456789"


def run(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command")
    ecode_cmd.add_parsers(sub)
    args = p.parse_args(argv)
    return args.func(args)


@pytest.fixture
def images(tmp_path):
    hard = make_frame(random.Random(11))                  # rotated, blurred, with a payment code next to it
    Image.fromarray(hard.gray).save(tmp_path / "hard.png")
    make_qr_image(PAY, 200).save(tmp_path / "pay.png")
    Image.new("L", (120, 120), 255).save(tmp_path / "blank.png")
    (tmp_path / "not-an-image.png").write_bytes(b"hello")
    return tmp_path, hard


def test_decode_finds_the_ecode_among_other_codes(images, capsys):
    d, hard = images
    assert run(["ecode", "decode", str(d / "hard.png")]) == 0
    out = capsys.readouterr().out
    assert f"ecode\tQRCODE\t{hard.ecode}" in out


def test_decode_json(images, capsys):
    d, hard = images
    assert run(["ecode", "decode", str(d / "hard.png"), "--json", "--decoder", "zbar"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ecode"] == hard.ecode and out["decoder"] == "zbar"
    kinds = {r["text"]: r["kind"] for r in out["results"]}
    assert kinds[hard.ecode] == "ecode"
    assert all(r["message"] for r in out["results"])


def test_no_ecode_exit_1_with_the_cashier_message(images, capsys):
    d, _ = images
    assert run(["ecode", "decode", str(d / "pay.png")]) == 1
    cap = capsys.readouterr()
    assert "payment_code" in cap.out and "这是微信支付码" in cap.out
    assert run(["ecode", "decode", str(d / "pay.png"), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ecode"] is None and out["results"][0]["kind"] == "payment_code"
    assert run(["ecode", "decode", str(d / "blank.png")]) == 1
    assert "未识别到" in capsys.readouterr().err


def test_unreadable_image_exit_2(images, capsys):
    d, _ = images
    assert run(["ecode", "decode", str(d / "missing.png")]) == 2
    assert run(["ecode", "decode", str(d / "not-an-image.png")]) == 2
    assert "无法读取图片" in capsys.readouterr().err


def test_registered_through_the_cli(images, capsys):
    from terminal.cli import main

    d, hard = images
    assert main(["ecode", "decode", str(d / "hard.png"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ecode"] == hard.ecode


def test_ecode_text_and_credential_from_args(images):
    d, hard = images
    got = []

    def exchange(text):
        got.append(text)
        return "CREDENTIAL"

    args = SimpleNamespace(ecode=" " + ECODE + "\n", ecode_image=None)
    assert ecode_cmd.credential_from_args(args, exchange=exchange) == "CREDENTIAL" and got == [ECODE]
    args = SimpleNamespace(ecode=None, ecode_image=str(d / "hard.png"))
    assert ecode_cmd.ecode_text_from_args(args) == hard.ecode
    for bad, msg in ((SimpleNamespace(ecode=PAY, ecode_image=None), "这是微信支付码"),
                     (SimpleNamespace(ecode=None, ecode_image=str(d / "pay.png")), "这是微信支付码"),
                     (SimpleNamespace(ecode=None, ecode_image=str(d / "blank.png")), "没有识别到医保码"),
                     (SimpleNamespace(ecode=None, ecode_image=str(d / "missing.png")), "无法读取"),
                     (SimpleNamespace(ecode=None, ecode_image=None), "--ecode")):
        with pytest.raises(ecode_cmd.EcodeInputError) as ei:
            ecode_cmd.credential_from_args(bad, exchange=exchange)
        assert msg in ei.value.user_message


