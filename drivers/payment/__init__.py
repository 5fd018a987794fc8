"""Payment providers for the tender's non-cash methods (terminal.core.tender).

* :class:`SandboxPaymentProvider` (training): the patient's payment code read by the desk's 2D scanner, answered
  here with success, a decline or a timeout; nothing leaves the machine.
* :class:`PosReferenceProvider` (production): the hospital's own POS or aggregator terminal takes the money; the
  cashier types or scans the reference on its slip, which is recorded with the line. No payment protocol is
  spoken here.
"""
from .base import PaymentProvider, PaymentResult, provider_for
from .pos import PosReferenceProvider
from .sandbox import SandboxPaymentProvider, wallet_of

__all__ = ["PaymentProvider", "PaymentResult", "PosReferenceProvider", "SandboxPaymentProvider", "provider_for",
           "wallet_of"]
