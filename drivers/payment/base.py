"""The PaymentProvider Protocol: what the desk's tender step asks of whatever takes non-cash money."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class PaymentResult:
    """A payment (or refund) the provider confirmed: the method it was taken by (a scanned code may name another
    wallet than the one chosen), the reference to record, and a QR a wallet can really pay ('' for none)."""

    method: str
    amount: Decimal
    reference: str
    qr: str = ""


class PaymentProvider(Protocol):
    """Blocking calls: the desk runs them off the UI thread. Both raise terminal.core.tender.PaymentDeclined
    (nothing charged) or PaymentTimeout (outcome unknown), or TenderError for input that does not fit."""

    name: str

    def needs(self, method: str) -> str:
        """terminal.core.tender.NEEDS_CODE (scan the patient's payment code), NEEDS_REFERENCE (the POS slip's
        reference) or NEEDS_NOTHING (cash)."""
        ...

    def charge(self, method: str, amount: Decimal, *, code: str = "", reference: str = "",
               order: str = "") -> PaymentResult: ...

    def refund(self, method: str, amount: Decimal, *, reference: str = "", order: str = "",
               refund_reference: str = "") -> PaymentResult: ...
