"""Classification of scanned strings: what did the cashier scan, and what is the cashier told."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.scanner.classify import (ClassifyRules, CodeKind, classify, ean13_check_digit,
                                      is_valid_ean13, normalize_scan)
from drivers.scanner.qrimage import ean13_with_check_digit
from drivers.scanner.synth import sandbox_ecode, wechat_payment_code


@pytest.mark.parametrize("text, kind, detail", [
    ("EC460100" + "aZ09" * 12, CodeKind.ECODE, "sandbox"),
    ("A1b2" * 10, CodeKind.ECODE, "generic"),                       # a long opaque string
    ("0" * 32, CodeKind.ECODE, "generic"),
    ("134567890123456789", CodeKind.PAYMENT_CODE, "wechat"),       # 18 digits, 10-15
    ("104567890123456789", CodeKind.PAYMENT_CODE, "wechat"),
    ("2812345678901234", CodeKind.PAYMENT_CODE, "alipay"),         # 16-24 digits, 25-30
    ("301234567890123456789012", CodeKind.PAYMENT_CODE, "alipay"),
    ("6212345678901234567", CodeKind.PAYMENT_CODE, "unionpay"),    # 19 digits, 62
    ("MZ2024010100012", CodeKind.BILL_BARCODE, ""),
    ("ZY12345678", CodeKind.BILL_BARCODE, ""),
    ("BL20240101123456", CodeKind.BILL_BARCODE, ""),
    ("6901234567892", CodeKind.DRUG_BARCODE, "ean13"),             # valid check digit
    ("4006381333931", CodeKind.DRUG_BARCODE, "ean13"),             # any prefix by default
    ("XA01ABD075A002010100483", CodeKind.DRUG_BARCODE, "nhsa"),    # 医保药品编码
    ("ZA01AAX0126010100445", CodeKind.DRUG_BARCODE, "nhsa"),
    ("C01010100000000000000000000", CodeKind.DRUG_BARCODE, "nhsa"),
    ("https://example.com/pay?x=1", CodeKind.URL, "web"),
    ("HTTP://EXAMPLE.COM", CodeKind.URL, "web"),
    ("www.example.com/a", CodeKind.URL, "web"),
    ("#小程序://国家医保服务平台/abcDEF", CodeKind.URL, "mini_program"),
    ("weixin://dl/business/?t=abcdef", CodeKind.URL, "mini_program"),
    ("alipays://platformapi/startapp?appId=2021001123", CodeKind.URL, "mini_program"),
    ("https://wxaurl.cn/abcdEFG", CodeKind.URL, "mini_program"),
    ("6901234567890", CodeKind.JUNK, ""),                          # bad check digit
    ("hello world", CodeKind.JUNK, ""),
    ("", CodeKind.JUNK, ""),
    ("12345", CodeKind.JUNK, ""),
    ("A1b2" * 65, CodeKind.JUNK, ""),                              # 260 chars: too long for an e-code
    ("EC460100" + "a" * 47 + "!", CodeKind.JUNK, ""),
    ("١٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩", CodeKind.JUNK, ""),                   # Arabic-Indic digits are not digits here
])
def test_examples(text, kind, detail):
    c = classify(text)
    assert c.kind is kind, (text, c)
    assert c.detail == detail
    assert c.message and c.message_en


def test_messages_tell_the_cashier_what_to_do():
    assert classify("134567890123456789").message.startswith("这是微信支付码")
    assert "请让患者出示医保码（医保电子凭证）" in classify("134567890123456789").message
    assert classify("6901234567892").message.startswith("这是药品")
    assert classify("https://example.com").message.startswith("这是网址二维码")
    assert classify("???").message.startswith("无法识别的条码")
    assert classify("MZ2024010100012").message.startswith("这是就诊/单据条码")
    assert classify(sandbox_ecode(random.Random(1))).message == "已识别医保电子凭证"


def test_sandbox_ecode_region_and_generated_codes():
    rng = random.Random(7)
    for _ in range(50):
        code = sandbox_ecode(rng)
        c = classify(code)
        assert c.is_ecode and c.detail == "sandbox" and c.region == code[2:8]
        assert classify(wechat_payment_code(rng)).kind is CodeKind.PAYMENT_CODE


def test_normalisation_of_wedge_and_ime_artifacts():
    code = "EC460100" + "b" * 48
    assert classify(code + "\r\n").code == code
    assert classify("  ]Q1" + code).code == code                   # AIM symbology identifier
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code)    # IME left on: full-width ASCII
    assert classify(full_width).is_ecode and classify(full_width).code == code
    assert normalize_scan("\x02MZ2024010100012\x03") == "MZ2024010100012"
    assert classify(code.encode()).is_ecode                       # bytes are accepted


def test_ean13_check_digit():
    assert ean13_check_digit("690123456789") == 2
    assert is_valid_ean13("6901234567892") and not is_valid_ean13("6901234567893")
    assert not is_valid_ean13("690123456789a") and not is_valid_ean13("123")
    with pytest.raises(ValueError):
        ean13_check_digit("12")
    rng = random.Random(3)
    for _ in range(100):
        first = "".join(rng.choice("0123456789") for _ in range(12))
        assert is_valid_ean13(ean13_with_check_digit(first))


def test_rules_are_configurable():
    rules = ClassifyRules.from_config({"bill_barcode": r"HOSP-\d{6}", "ean13_china_only": True})
    assert classify("HOSP-123456", rules).kind is CodeKind.BILL_BARCODE
    assert classify("MZ2024010100012", rules).kind is CodeKind.JUNK
    assert classify("6901234567892", rules).kind is CodeKind.DRUG_BARCODE
    assert classify("4006381333931", rules).kind is CodeKind.JUNK          # not 690-699
    rules = ClassifyRules.from_config({"ecode_generic": r"[0-9A-F]{40}"})
    assert classify("0123456789ABCDEF0123456789ABCDEF01234567", rules).is_ecode
    assert not classify("a" * 40, rules).is_ecode
    with pytest.raises(ValueError, match="unknown scanner rule"):
        ClassifyRules.from_config({"nope": "x"})
    with pytest.raises(ValueError, match="bill_barcode"):
        ClassifyRules.from_config({"bill_barcode": "("})
    with pytest.raises(ValueError, match="true or false"):
        ClassifyRules.from_config({"ean13_china_only": "yes"})


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="0123456789", max_size=30),
                 st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", max_size=300),
                 st.binary(max_size=80)))
def test_never_crashes_always_one_kind(text):
    c = classify(text)
    assert isinstance(c.kind, CodeKind)
    assert isinstance(c.message, str) and c.message
    assert isinstance(c.code, str)
    if c.is_ecode:
        assert 32 <= len(c.code) <= 256 and c.code.isascii() and c.code.isalnum()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=16, max_size=24))
def test_payment_codes_are_never_ecodes(digits):
    assert classify(digits).kind in (CodeKind.PAYMENT_CODE, CodeKind.DRUG_BARCODE, CodeKind.JUNK)
