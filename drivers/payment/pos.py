"""The production payment provider: the hospital's own POS or aggregator terminal takes the money (its own
contract, its own network); this records the reference printed on its slip, typed or scanned by the cashier.
Nothing is sent anywhere, and no payment protocol is spoken.
"""
from __future__ import annotations

import re
from decimal import Decimal

from terminal.core.money import ZERO, fmt_yuan, money
from terminal.core.tender import CASH, NEEDS_NOTHING, NEEDS_REFERENCE, TenderError, method_name

from .base import PaymentResult

#: what a POS slip's reference (参考号 / 凭证号 / 商户订单号) may look like: printable ASCII, 4 to 64 characters
REFERENCE = re.compile(r"[0-9A-Za-z_./:-]{4,64}")


def check_reference(method: str, reference: str) -> str:
    ref = (reference or "").strip()
    if not REFERENCE.fullmatch(ref):
        raise TenderError(f"{method_name(method)}参考号(reference)：应为 4–64 位字母数字（收款设备小票上的参考号/"
                          f"凭证号），实际为 {ref[:40]!r}", next_step="请输入或扫描收款设备小票上的参考号")
    return ref


class PosReferenceProvider:
    name = "pos"

    def needs(self, method: str) -> str:
        return NEEDS_NOTHING if method == CASH else NEEDS_REFERENCE

    def charge(self, method: str, amount: Decimal, *, code: str = "", reference: str = "",
               order: str = "") -> PaymentResult:
        amount = money(amount)
        if amount <= ZERO:
            raise TenderError(f"收款金额须大于 0：{fmt_yuan(amount)}")
        return PaymentResult(method, amount, check_reference(method, reference))

    def refund(self, method: str, amount: Decimal, *, reference: str = "", order: str = "",
               refund_reference: str = "") -> PaymentResult:
        return PaymentResult(method, money(amount), check_reference(method, refund_reference))
