"""Social security card reading over PC/SC (pyscard), and the APDU logic shared with the virtual card.

    from drivers.pcsc import PcscCardReader, check_expiry
    card = PcscCardReader("ACS").read()      # -> terminal.core.models.CardData
    check_expiry(card)                       # raises CardExpired

Layers: apdu (commands, 61xx/6Cxx session over transmit(apdu) -> (data, sw1, sw2)), records (TLV and
value decoding), sequence (the read), base (CardReader interface, events), reader (pyscard), monitor
(hot-plug thread). pyscard is only imported when a PC/SC reader or monitor is used.
"""
from .apdu import SSSE_AID, ApduSession, Response, Transmit
from .base import CardEvent, CardReader, EventKind, Watcher
from .errors import (ALL_ERRORS, CardBusy, CardCommunicationError, CardError, CardExpired, CardRemoved, NoCard,
                     NoReader, NoService, NotSocialSecurityCard, UnreadableRecord)
from .monitor import PcscMonitor
from .reader import PcscCardReader
from .scard import match_readers
from .sequence import CardReadSequence, check_expiry, expiry_status, read_ssc

__all__ = [
    "SSSE_AID", "ApduSession", "Response", "Transmit", "CardEvent", "CardReader", "EventKind", "Watcher",
    "ALL_ERRORS", "CardBusy", "CardCommunicationError", "CardError", "CardExpired", "CardRemoved", "NoCard",
    "NoReader", "NoService", "NotSocialSecurityCard", "UnreadableRecord", "PcscMonitor", "PcscCardReader",
    "match_readers", "CardReadSequence", "check_expiry", "expiry_status", "read_ssc",
]

