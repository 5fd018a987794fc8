"""What did the cashier just scan?  Classify a scanned string.

The cashier scanner sees many kinds of codes: the patient's medical-insurance e-code (医保电子凭证 / 医保码,
the only one the identification step wants), but also payment codes (the patient opened the wrong screen),
hospital visit / bill numbers, drug barcodes, URLs and mini-program links, and plain garbage.  Each wrong kind
gets a specific message that tells the cashier what happened and what to do next.

Pure functions, no I/O, no Qt.  Rules are data (:class:`ClassifyRules`) so a deployment can adapt them.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

__all__ = [
    "CodeKind",
    "ClassifyRules",
    "Classification",
    "DEFAULT_RULES",
    "classify",
    "normalize_scan",
    "ean13_check_digit",
    "is_valid_ean13",
    "MESSAGES",
]


class CodeKind(StrEnum):
    ECODE = "ecode"
    PAYMENT_CODE = "payment_code"
    BILL_BARCODE = "bill_barcode"
    DRUG_BARCODE = "drug_barcode"
    URL = "url"
    JUNK = "junk"


def _rx(pattern: str | re.Pattern[str], flags: int = 0) -> re.Pattern[str]:
    """Compile with re.ASCII: "\\d" must not match Arabic-Indic or other non-ASCII digits."""
    if isinstance(pattern, re.Pattern):
        return pattern
    return re.compile(pattern, flags | re.ASCII)


@dataclass(frozen=True)
class ClassifyRules:
    """Regexes (full-match) deciding each kind.  Replace any field to adapt to a deployment.

    Checked in this order: url, payment codes, bill barcode, drug codes, e-code (sandbox, then generic),
    so an e-code is "a long opaque string that is none of the above".
    """

    # Sandbox issuer: "EC" + 6-digit insured region + 48 chars of base62.
    ecode_sandbox: re.Pattern[str] = field(default_factory=lambda: _rx(r"EC(?P<region>\d{6})[0-9A-Za-z]{48}"))
    # Real e-codes are long opaque strings.
    ecode_generic: re.Pattern[str] = field(default_factory=lambda: _rx(r"[0-9A-Za-z]{32,256}"))
    wechat_pay: re.Pattern[str] = field(default_factory=lambda: _rx(r"1[0-5]\d{16}"))
    alipay: re.Pattern[str] = field(default_factory=lambda: _rx(r"(?:2[5-9]|30)\d{14,22}"))
    unionpay: re.Pattern[str] = field(default_factory=lambda: _rx(r"62\d{17}"))
    bill_barcode: re.Pattern[str] = field(default_factory=lambda: _rx(r"(MZ|ZY|BL)\d{8,14}"))
    # National medical-insurance drug / consumable code (医保药品/耗材编码): X 西药, Z 中成药, T 中药饮片, C 耗材.
    nhsa_drug_code: re.Pattern[str] = field(default_factory=lambda: _rx(r"[XZTC][0-9A-Z]{19,26}"))
    # EAN-13 with a valid check digit is a drug barcode; optionally only China's 690-699 prefixes.
    ean13_china_only: bool = False
    url: re.Pattern[str] = field(
        default_factory=lambda: _rx(r"(?:[a-z][a-z0-9+.-]{1,20}://|www\.)\S+", re.IGNORECASE))
    # Mini-program links: WeChat "#小程序://名称/xxxx" short links, weixin://dl/..., alipays://platformapi/startapp...
    mini_program: re.Pattern[str] = field(
        default_factory=lambda: _rx(
            r"(?:#小程序://\S+|weixin://dl/\S+|alipays?://platformapi/startapp\S*"
            r"|https?://(?:wxaurl\.cn|wxmpurl\.cn|ds\.alipay\.com|render\.alipay\.com|qr\.alipay\.com)/\S*"
            r"|https?://\S*(?:mp\.weixin\.qq\.com/a/|/miniprogram|appId=)\S*)",
            re.IGNORECASE))
    # Strip an AIM symbology identifier some scanners prepend ("]Q1", "]E0", "]C1", ...).
    strip_aim_prefix: bool = True

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ClassifyRules:
        """Rules from a configuration table (e.g. ``[scanner.rules]`` in the TOML file): regex strings for
        the pattern fields, booleans for the flags.  Unknown keys and bad regexes raise ValueError with the
        key named, so configuration validation can say which line is wrong."""
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in config.items():
            if key not in known:
                raise ValueError(f"unknown scanner rule {key!r}; known: {', '.join(sorted(known))}")
            if key in _FLAG_FIELDS:
                if not isinstance(value, bool):
                    raise ValueError(f"scanner rule {key!r} must be true or false")
                kwargs[key] = value
                continue
            flags = re.IGNORECASE if key in ("url", "mini_program") else 0
            try:
                kwargs[key] = _rx(str(value), flags)
            except re.error as exc:
                raise ValueError(f"scanner rule {key!r}: bad regular expression: {exc}") from None
        return cls(**kwargs)


_FLAG_FIELDS = {"ean13_china_only", "strip_aim_prefix"}
_CHINA_EAN_PREFIXES = frozenset(str(p) for p in range(690, 700))


DEFAULT_RULES = ClassifyRules()

ASK_FOR_ECODE = "请让患者出示医保码（医保电子凭证）"
ASK_FOR_ECODE_EN = "ask the patient to show the medical-insurance e-code"

# (zh_CN, en) per kind/detail.  The zh text is what the cashier sees.
MESSAGES: dict[tuple[CodeKind, str], tuple[str, str]] = {
    (CodeKind.ECODE, ""): ("已识别医保电子凭证", "Medical-insurance e-code recognised"),
    (CodeKind.PAYMENT_CODE, "wechat"): (
        f"这是微信支付码，不是医保码。{ASK_FOR_ECODE}",
        f"This is a WeChat Pay payment code, not the e-code: {ASK_FOR_ECODE_EN}."),
    (CodeKind.PAYMENT_CODE, "alipay"): (
        f"这是支付宝付款码，不是医保码。{ASK_FOR_ECODE}",
        f"This is an Alipay payment code, not the e-code: {ASK_FOR_ECODE_EN}."),
    (CodeKind.PAYMENT_CODE, "unionpay"): (
        f"这是云闪付付款码，不是医保码。{ASK_FOR_ECODE}",
        f"This is a UnionPay payment code, not the e-code: {ASK_FOR_ECODE_EN}."),
    (CodeKind.PAYMENT_CODE, ""): (
        f"这是支付码，{ASK_FOR_ECODE}",
        f"This is a payment code: {ASK_FOR_ECODE_EN}."),
    (CodeKind.BILL_BARCODE, ""): (
        f"这是就诊/单据条码，不是医保码；调取单据请在收费界面扫描。身份识别{ASK_FOR_ECODE}",
        "This is a visit/bill barcode, not the e-code; scan it in the billing screen. "
        f"To identify the patient, {ASK_FOR_ECODE_EN}."),
    (CodeKind.DRUG_BARCODE, "ean13"): (
        f"这是药品/商品条码，不是医保码。{ASK_FOR_ECODE}",
        f"This is a drug/product barcode, not the e-code: {ASK_FOR_ECODE_EN}."),
    (CodeKind.DRUG_BARCODE, ""): (
        f"这是药品条码，不是医保码。{ASK_FOR_ECODE}",
        f"This is a drug barcode, not the e-code: {ASK_FOR_ECODE_EN}."),
    (CodeKind.DRUG_BARCODE, "nhsa"): (
        f"这是医保药品/耗材编码，不是医保码。{ASK_FOR_ECODE}",
        f"This is a medical-insurance drug/consumable code, not the e-code: {ASK_FOR_ECODE_EN}."),
    (CodeKind.URL, "mini_program"): (
        "这是小程序码/小程序链接，不是医保码。请让患者在微信或支付宝的“医保码”中出示医保电子凭证",
        "This is a mini-program link, not the e-code: ask the patient to open the e-code "
        "in WeChat or Alipay."),
    (CodeKind.URL, ""): (
        "这是网址二维码，不是医保码。请让患者在微信或支付宝的“医保码”中出示医保电子凭证",
        "This is a web-address QR code, not the e-code: ask the patient to open the e-code "
        "in WeChat or Alipay."),
    (CodeKind.JUNK, ""): (
        f"无法识别的条码，请重新扫描；{ASK_FOR_ECODE}",
        f"Unrecognised code: scan again, or {ASK_FOR_ECODE_EN}."),
}


@dataclass(frozen=True)
class Classification:
    kind: CodeKind
    code: str                 # the normalised scanned text
    detail: str = ""          # sub-kind: wechat/alipay/unionpay, ean13/nhsa, sandbox/generic, mini_program/web
    region: str | None = None  # insured region (6 digits), when the code carries it (sandbox e-codes)

    @property
    def is_ecode(self) -> bool:
        return self.kind is CodeKind.ECODE

    def _msg(self) -> tuple[str, str]:
        return (MESSAGES.get((self.kind, self.detail))
                or MESSAGES.get((self.kind, ""))
                or MESSAGES[(CodeKind.JUNK, "")])

    @property
    def message(self) -> str:
        """What the cashier is told (zh_CN)."""
        return self._msg()[0]

    @property
    def message_en(self) -> str:
        return self._msg()[1]


_AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")


def normalize_scan(text: str, rules: ClassifyRules = DEFAULT_RULES) -> str:
    """Full-width → ASCII (an IME left on turns a wedge scanner's output full-width), trim whitespace and
    control characters at the ends, drop an AIM symbology prefix."""
    s = unicodedata.normalize("NFKC", text)
    s = s.strip().strip("\x00\x02\x03\x04\r\n\t ")
    if rules.strip_aim_prefix and _AIM_PREFIX.match(s):
        s = s[3:].strip()
    return s


def ean13_check_digit(first12: str) -> int:
    """Check digit for the first 12 digits of an EAN-13."""
    if len(first12) != 12 or not first12.isascii() or not first12.isdigit():
        raise ValueError("EAN-13 needs 12 digits before the check digit")
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first12))
    return (10 - total % 10) % 10


def is_valid_ean13(code: str) -> bool:
    return (len(code) == 13 and code.isascii() and code.isdigit()
            and ean13_check_digit(code[:12]) == int(code[12]))


def classify(text: str | bytes, rules: ClassifyRules = DEFAULT_RULES) -> Classification:
    """Classify one scanned string.  Never raises; always returns exactly one kind."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    code = normalize_scan(str(text), rules)
    if not code:
        return Classification(CodeKind.JUNK, code)

    if rules.mini_program.fullmatch(code):
        return Classification(CodeKind.URL, code, "mini_program")
    if rules.url.fullmatch(code):
        return Classification(CodeKind.URL, code, "web")

    if rules.wechat_pay.fullmatch(code):
        return Classification(CodeKind.PAYMENT_CODE, code, "wechat")
    if rules.alipay.fullmatch(code):
        return Classification(CodeKind.PAYMENT_CODE, code, "alipay")
    if rules.unionpay.fullmatch(code):
        return Classification(CodeKind.PAYMENT_CODE, code, "unionpay")

    if rules.bill_barcode.fullmatch(code):
        return Classification(CodeKind.BILL_BARCODE, code)

    if is_valid_ean13(code) and (not rules.ean13_china_only or code[:3] in _CHINA_EAN_PREFIXES):
        return Classification(CodeKind.DRUG_BARCODE, code, "ean13")
    if rules.nhsa_drug_code.fullmatch(code):
        return Classification(CodeKind.DRUG_BARCODE, code, "nhsa")

    m = rules.ecode_sandbox.fullmatch(code)
    if m:
        region = m.groupdict().get("region")
        return Classification(CodeKind.ECODE, code, "sandbox", region)
    if rules.ecode_generic.fullmatch(code):
        return Classification(CodeKind.ECODE, code, "generic")

    return Classification(CodeKind.JUNK, code)
