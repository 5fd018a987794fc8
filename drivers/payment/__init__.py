"""Payment providers for the tender's non-cash methods (terminal.core.tender).

* :class:`SandboxPaymentProvider` (training): the patient's payment code read by the desk's 2D scanner, answered
  here with success, a decline or a timeout; nothing leaves the machine.
* :class:`PosReferenceProvider` (production): the hospital's own POS or aggregator terminal takes the money; the
  cashier types or scans the reference on its slip, which is recorded with the line. No payment protocol is
  spoken here.
"""
from .base import PaymentProvider, PaymentResult
from .pos import PosReferenceProvider
from .sandbox import SandboxPaymentProvider, wallet_of


def provider_for(kind: str, *, training: bool, timeout_s: float = 1.0) -> PaymentProvider:
    """[tender] provider: "sandbox" (training only), "pos", or "" (sandbox in training, pos otherwise)."""
    kind = kind or ("sandbox" if training else "pos")
    if kind == "sandbox":
        if not training:
            raise ValueError("tender.provider = \"sandbox\" is for training only")
        return SandboxPaymentProvider(timeout_s=timeout_s)
    return PosReferenceProvider()


__all__ = ["PaymentProvider", "PaymentResult", "PosReferenceProvider", "SandboxPaymentProvider", "provider_for",
           "wallet_of"]
