"""The records of EF05/EF06: layout, TLV parsing (with padding), value decoding, and encoding for the
virtual card. Pure functions on bytes: every malformed input ends in a RecordFormatError, never anything else.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import UnreadableRecord

PAD_BYTES = b"\x00\xff\x20"


class RecordFormatError(UnreadableRecord):
    """A record whose bytes do not make sense (bad TLV, wrong tag, undecodable value)."""


class TruncatedRecord(RecordFormatError):
    """The TLV says the value is longer than what the card sent: read again with Le = needed."""

    def __init__(self, detail: str, needed: int) -> None:
        super().__init__(detail)
        self.needed = needed


@dataclass(frozen=True)
class RecordSpec:
    rec: int
    name: str  # CardData field
    size: int  # value size in bytes as the specification gives it
    kind: str  # hex | ascii | gbk | code | bcd | bcd_date
    required: bool = False

    @property
    def le(self) -> int:
        """Le for a READ RECORD: tag + length + value."""
        return min(self.size + 2, 256) & 0xFF


EF05_RECORDS = (
    RecordSpec(0x01, "card_sn", 16, "hex", required=True),
    RecordSpec(0x02, "card_type", 1, "code"),
    RecordSpec(0x03, "version", 4, "ascii"),
    RecordSpec(0x04, "issuer", 12, "ascii"),
    RecordSpec(0x05, "issue_date", 4, "bcd_date"),
    RecordSpec(0x06, "expiry_date", 4, "bcd_date"),
    RecordSpec(0x07, "card_no", 9, "ascii", required=True),
)
EF06_RECORDS = (
    RecordSpec(0x08, "ssn", 18, "ascii"),
    RecordSpec(0x09, "name", 30, "gbk"),
    RecordSpec(0x0A, "sex", 1, "code"),
    RecordSpec(0x0B, "nation", 1, "bcd"),
    RecordSpec(0x0D, "birth_date", 4, "bcd_date"),
)
ALL_RECORDS = {s.rec: s for s in EF05_RECORDS + EF06_RECORDS}


# TLV -----------------------------------------------------------------------------------------------
def parse_tlv_record(rec: int, data: bytes, expected_size: int | None = None) -> bytes:
    """The value of record `rec` from a READ RECORD answer: tag(=rec) length value [padding].

    Accepts BER long lengths (81 xx, 82 xx xx), trailing padding of any kind, an unwritten record (all
    00 or FF: empty value), and a bare value without TLV when it has exactly the specified size.
    Raises TruncatedRecord when the card sent fewer bytes than the TLV length says.
    """
    data = bytes(data)
    if not data or all(b in (0x00, 0xFF) for b in data):
        return b""
    if data[0] == rec:
        if len(data) < 2:
            raise TruncatedRecord(f"record {rec:02X}: no length byte", needed=2)
        b = data[1]
        if b < 0x80:
            length, hdr = b, 2
        elif b == 0x81:
            if len(data) < 3:
                raise TruncatedRecord(f"record {rec:02X}: short BER length", needed=3)
            length, hdr = data[2], 3
        elif b == 0x82:
            if len(data) < 4:
                raise TruncatedRecord(f"record {rec:02X}: short BER length", needed=4)
            length, hdr = (data[2] << 8) | data[3], 4
        else:
            raise RecordFormatError(f"record {rec:02X}: invalid TLV length byte {b:02X}")
        if len(data) - hdr < length:
            raise TruncatedRecord(f"record {rec:02X}: value is {length} bytes, {len(data) - hdr} received",
                                  needed=hdr + length)
        return data[hdr:hdr + length]
    if expected_size is not None and len(data) == expected_size:
        return data  # a card that stores the bare value
    raise RecordFormatError(f"record {rec:02X}: unexpected tag {data[0]:02X}")


def build_tlv_record(rec: int, value: bytes, record_size: int | None = None, pad: int = 0xFF) -> bytes:
    """Encode a record as a card stores it: tag length value, padded to a fixed record size if given."""
    if len(value) < 0x80:
        out = bytes((rec, len(value))) + value
    else:
        out = bytes((rec, 0x81, len(value))) + value
    if record_size is not None and record_size > len(out):
        out += bytes((pad,)) * (record_size - len(out))
    return out


# values --------------------------------------------------------------------------------------------
def _strip_pad(value: bytes) -> bytes:
    return value.strip(PAD_BYTES)


def _printable(s: str) -> str:
    return "".join(ch for ch in s if ch.isprintable()).strip()


_HEX_DIGITS = frozenset(b"0123456789ABCDEFabcdef")


def decode_hex(value: bytes) -> str:
    """Binary as upper-case hex; a value already written as ASCII hex digits (some issuers store the
    32-character card_sn as text) is taken as is."""
    if not value or all(b in (0x00, 0xFF) for b in value):
        return ""
    v = _strip_pad(value)
    if len(v) >= 20 and len(v) % 2 == 0 and all(b in _HEX_DIGITS for b in v):
        return v.decode("ascii").upper()
    return value.hex().upper()


def decode_ascii(value: bytes) -> str:
    v = _strip_pad(value)
    try:
        s = v.decode("ascii")
    except UnicodeDecodeError:
        s = v.decode("gb18030", errors="replace")
    return _printable(s)


def decode_gbk(value: bytes) -> str:
    """A GBK name padded with 00/FF/spaces (GB18030 decoder: a superset, tolerant of rare characters)."""
    v = value.split(b"\x00", 1)[0] if value[:1] != b"\x00" else value.strip(b"\x00")
    v = _strip_pad(v)
    s = v.decode("gb18030", errors="replace")
    return _printable(s.replace("\u3000", " ")).strip()


def decode_code(value: bytes) -> str:
    """A one-character code stored either as ASCII ('1') or as a binary number (0x01)."""
    v = _strip_pad(value) if len(value) > 1 else value
    if not v or v in (b"\x00", b"\xff"):
        return ""
    if all(0x21 <= b < 0x7F for b in v):
        return v.decode("ascii")
    if len(v) == 1:
        return str(v[0])
    return v.hex().upper()


def decode_bcd(value: bytes) -> str:
    """BCD digits; a non-BCD nibble makes it read as a binary number (two digits)."""
    if not value or all(b in (0x00, 0xFF) for b in value):
        return ""
    h = value.hex().upper()
    if h.isdigit():
        return h
    if len(value) == 1:
        return f"{value[0]:02d}"
    return ""


def decode_bcd_date(value: bytes) -> str:
    """YYYYMMDD from 4 BCD bytes; empty for unwritten (00/FF) or implausible dates."""
    if len(value) != 4 or all(b in (0x00, 0xFF) for b in value):
        return ""
    h = value.hex()
    if not h.isdigit():
        return ""
    y, m, d = int(h[:4]), int(h[4:6]), int(h[6:])
    if not (1900 <= y <= 2099 and 1 <= m <= 12 and 1 <= d <= 31):
        return ""
    return h


DECODERS = {"hex": decode_hex, "ascii": decode_ascii, "gbk": decode_gbk, "code": decode_code,
            "bcd": decode_bcd, "bcd_date": decode_bcd_date}


def decode_value(spec: RecordSpec, value: bytes) -> str:
    try:
        return DECODERS[spec.kind](value)
    except (UnicodeError, ValueError, IndexError) as e:  # pragma: no cover - decoders are defensive already
        raise RecordFormatError(f"record {spec.rec:02X} ({spec.name}): {type(e).__name__}") from e


# encoding (virtual card, tests) --------------------------------------------------------------------
def encode_bcd_date(yyyymmdd: str) -> bytes:
    digits = "".join(ch for ch in yyyymmdd if ch.isdigit())
    if len(digits) != 8:
        raise ValueError(f"date must be YYYYMMDD or YYYY-MM-DD, got {yyyymmdd!r}")
    return bytes.fromhex(digits)


def encode_gbk_name(name: str, size: int = 30, pad: int = 0x00) -> bytes:
    raw = name.encode("gbk")
    if len(raw) > size:
        raise ValueError(f"name longer than {size} bytes in GBK")
    return raw + bytes((pad,)) * (size - len(raw))


def encode_value(spec: RecordSpec, text: str) -> bytes:
    """Inverse of decode_value for well-formed data, as a card issuer would personalise it."""
    if spec.kind == "hex":
        return bytes.fromhex(text)
    if spec.kind == "ascii":
        return text.encode("ascii")
    if spec.kind == "gbk":
        return encode_gbk_name(text, spec.size)
    if spec.kind == "code":
        return text.encode("ascii")[:1]
    if spec.kind == "bcd":
        return bytes.fromhex(text.rjust(2 * spec.size, "0"))
    if spec.kind == "bcd_date":
        return encode_bcd_date(text)
    raise ValueError(spec.kind)
