"""ISO 7816-4 commands for the social security card and a session that sends them over any transport.

The transport is a plain callable ``transmit(apdu: bytes) -> (data: bytes, sw1: int, sw2: int)``: pyscard,
the in-process virtual card and the fuzz tests all plug in here, so the APDU logic is the same everywhere.
The session handles the two T=0 style status words: 61xx (GET RESPONSE with Le=xx) and 6Cxx (send the same
command again with Le=xx). No pyscard import in this module.
"""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

from .errors import CardCommunicationError, CardError

Transmit = Callable[[bytes], "tuple[bytes, int, int]"]

#: SSSE application: ASCII "sx1.sh." + GBK "社会保障"
SSSE_AID = b"sx1.sh." + "社会保障".encode("gbk")
assert SSSE_AID.hex().upper() == "7378312E73682EC9E7BBE1B1A3D5CF"

EF05 = 0xEF05
EF06 = 0xEF06

SW_OK = 0x9000
SW_END_OF_RECORD = 0x6282  # warning: end of record reached before Le bytes; data is valid
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_NO_CURRENT_EF = 0x6986
SW_FILE_NOT_FOUND = 0x6A82
SW_RECORD_NOT_FOUND = 0x6A83
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00

# How many 61xx/6Cxx follow-ups one command may need before we call the card broken.
MAX_FOLLOW_UPS = 8
# Largest response we accept from a GET RESPONSE chain (a record is < 256 bytes; FCI even less).
MAX_RESPONSE = 4096


def select_aid(aid: bytes = SSSE_AID) -> bytes:
    """SELECT by DF name, first occurrence, no FCI requested (case 3)."""
    return bytes((0x00, 0xA4, 0x04, 0x00, len(aid))) + aid


def select_ef(fid: int) -> bytes:
    """SELECT an elementary file by its identifier under the current DF (case 3)."""
    return bytes((0x00, 0xA4, 0x02, 0x00, 0x02, (fid >> 8) & 0xFF, fid & 0xFF))


def read_record(rec: int, le: int = 0) -> bytes:
    """READ RECORD P1=record number, P2=04 (P1 is a record number, current EF) (case 2). Le 0 means 256."""
    return bytes((0x00, 0xB2, rec & 0xFF, 0x04, le & 0xFF))


def get_response(le: int) -> bytes:
    return bytes((0x00, 0xC0, 0x00, 0x00, le & 0xFF))


def with_le(apdu: bytes, le: int) -> bytes:
    """The same command with its Le replaced (case 2 / case 4 short APDUs) or appended (case 3)."""
    if len(apdu) == 4:
        return apdu + bytes((le & 0xFF,))
    if len(apdu) == 5:  # case 2: P3 is Le
        return apdu[:4] + bytes((le & 0xFF,))
    lc = apdu[4]
    if len(apdu) == 5 + lc:  # case 3: append Le
        return apdu + bytes((le & 0xFF,))
    return apdu[:5 + lc] + bytes((le & 0xFF,))  # case 4: replace Le


@dataclass(frozen=True)
class Response:
    data: bytes
    sw: int

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def ok(self) -> bool:
        """9000, or a 62xx/63xx warning that still returns the data (e.g. 6282 end of record)."""
        return self.sw == SW_OK or self.sw1 in (0x62, 0x63)


class ApduSession:
    """Sends commands, follows 61xx/6Cxx, counts APDUs. One per card read."""

    def __init__(self, transmit: Transmit) -> None:
        self._transmit = transmit
        self.count = 0
        self.corrected_le: int | None = None  # the Le a 6Cxx asked for in the last exchange, if any

    def send(self, apdu: bytes) -> tuple[bytes, int, int]:
        """One raw exchange; validates what the transport returned."""
        self.count += 1
        try:
            out = self._transmit(bytes(apdu))
            data, sw1, sw2 = out
            if not isinstance(data, (bytes, bytearray, memoryview, list, tuple)):
                raise TypeError(f"response data is {type(data).__name__}")
            data = bytes(data)
        except CardError:
            raise
        except (TypeError, ValueError) as e:
            raise CardCommunicationError(f"transport returned a malformed answer: {type(e).__name__}") from e
        if not (isinstance(sw1, int) and isinstance(sw2, int) and 0 <= sw1 <= 0xFF and 0 <= sw2 <= 0xFF):
            raise CardCommunicationError("transport returned an invalid status word")
        return data, sw1, sw2

    def exchange(self, apdu: bytes, *, want_data: bool = True) -> Response:
        """Send `apdu` and follow 6Cxx (resend with Le=xx) and 61xx (GET RESPONSE) to the final answer.

        With want_data False (SELECT without FCI), a 61xx is taken as success without fetching the
        pending bytes, which saves one APDU per SELECT on T=0 cards.
        """
        self.corrected_le = None
        data, sw1, sw2 = self.send(apdu)
        collected = b""
        last = apdu
        for _ in range(MAX_FOLLOW_UPS):
            if sw1 == 0x6C:
                last = with_le(last, sw2)
                if last[1] != 0xC0:
                    self.corrected_le = sw2 or 256
                data, sw1, sw2 = self.send(last)
                continue
            if sw1 == 0x61:
                collected += data
                if not want_data:
                    return Response(b"", SW_OK)
                if len(collected) > MAX_RESPONSE:
                    raise CardCommunicationError("card keeps answering 61xx (response too long)")
                last = get_response(sw2)
                data, sw1, sw2 = self.send(last)
                continue
            break
        else:
            raise CardCommunicationError("card keeps asking for 61xx/6Cxx follow-ups", sw=(sw1 << 8) | sw2)
        if sw1 in (0x61, 0x6C):
            raise CardCommunicationError("unfinished 61xx/6Cxx exchange", sw=(sw1 << 8) | sw2)
        return Response(collected + data, (sw1 << 8) | sw2)
