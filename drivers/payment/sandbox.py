"""The training payment provider: the patient's payment code, read by the same 2D scanner, is answered here.

WeChat Pay codes are 18 digits starting 10–15, Alipay's 18 digits starting 25–30 (what the wallets show); the
wallet is read from the code. The code's last four digits choose the answer, so a trainer can show each one:
``…9991`` declined (余额不足), ``…9992`` no answer in time (timeout); anything else succeeds. Bank card, UnionPay QR
and other methods take the reference the cashier types (one is made up when none is typed). Refunds go back by the
original reference, at most what it paid. Nothing leaves the machine.
"""
from __future__ import annotations

import itertools
import re
import threading
import time
from decimal import Decimal

from terminal.core.money import ZERO, fmt_yuan, money
from terminal.core.tender import (CASH, NEEDS_CODE, NEEDS_NOTHING, NEEDS_REFERENCE, PaymentDeclined, PaymentTimeout,
                                  TenderError, method_name)

from .base import PaymentResult

DECLINE_SUFFIX, TIMEOUT_SUFFIX = "9991", "9992"
_WECHAT = re.compile(r"1[0-5]\d{16}")
_ALIPAY = re.compile(r"(2[5-9]|30)\d{16}")
WALLETS = ("wechat", "alipay")


def wallet_of(code: str) -> str:
    """'wechat' / 'alipay' for a payment code, '' otherwise."""
    code = (code or "").strip()
    if _WECHAT.fullmatch(code):
        return "wechat"
    if _ALIPAY.fullmatch(code):
        return "alipay"
    return ""


class SandboxPaymentProvider:
    name = "sandbox"

    def __init__(self, *, timeout_s: float = 1.0):
        self.timeout_s = timeout_s
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self.charges: dict[str, tuple[str, Decimal]] = {}  # reference -> (method, amount)
        self.refunded: dict[str, Decimal] = {}  # reference -> refunded so far

    def needs(self, method: str) -> str:
        if method == CASH:
            return NEEDS_NOTHING
        return NEEDS_CODE if method in WALLETS else NEEDS_REFERENCE

    def _ref(self, prefix: str) -> str:
        return f"SBX{prefix}{time.strftime('%Y%m%d%H%M%S')}{next(self._seq):04d}"

    def charge(self, method: str, amount: Decimal, *, code: str = "", reference: str = "",
               order: str = "") -> PaymentResult:
        amount = money(amount)
        if amount <= ZERO:
            raise TenderError(f"收款金额须大于 0：{fmt_yuan(amount)}")
        if method in WALLETS or code:
            wallet = wallet_of(code)
            if not wallet:
                raise TenderError("不是微信或支付宝付款码（18 位，10–15 或 25–30 开头）",
                                  next_step="请让患者刷新付款码后重新扫描")
            if code.endswith(DECLINE_SUFFIX):
                raise PaymentDeclined(f"{method_name(wallet)}拒绝付款：余额不足（训练）",
                                      next_step="请患者换一种支付方式")
            if code.endswith(TIMEOUT_SUFFIX):
                time.sleep(self.timeout_s)
                raise PaymentTimeout(f"{method_name(wallet)}未在时限内应答（训练）",
                                     next_step="请在患者手机上确认是否已扣款；未扣款再重新收款")
            ref = self._ref("W" if wallet == "wechat" else "A")
            method = wallet
        else:
            ref = (reference or "").strip() or self._ref("P")
        with self._lock:
            self.charges[ref] = (method, amount)
        return PaymentResult(method, amount, ref)

    def refund(self, method: str, amount: Decimal, *, reference: str = "", order: str = "",
               refund_reference: str = "") -> PaymentResult:
        amount = money(amount)
        with self._lock:
            charged = self.charges.get(reference)
            done = self.refunded.get(reference, ZERO)
            if charged is None and method in WALLETS:
                raise PaymentDeclined(f"{method_name(method)}找不到原交易 {reference}（训练）",
                                      next_step="请改用现金退款")
            if charged is not None and done + amount > charged[1]:
                raise PaymentDeclined(f"退款 {fmt_yuan(amount)} 超过原交易可退金额 {fmt_yuan(charged[1] - done)}")
            self.refunded[reference] = done + amount
        return PaymentResult(method, amount, (refund_reference or "").strip() or self._ref("R"))
