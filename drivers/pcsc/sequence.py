"""The read sequence of a social security card over an abstract transmit: SELECT SSSE, EF05, EF06.

    data = read_ssc(transmit, atr)          # -> terminal.core.models.CardData

A second-generation card (2.00) costs 15 APDUs (SELECT AID, SELECT EF05, 7 records, SELECT EF06, 5 records);
a third-generation card (3.00, EF05 05/06 and EF06 locked: 6982) costs 11. Each READ RECORD asks for the
specified record size as Le, so a T=0 card answers without a 6Cxx round; a card whose records differ in
size costs one extra APDU for that record (6Cxx, or a second read when the TLV says the value is longer).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from terminal.core.models import CardData

from .apdu import (EF05, EF06, SW_FILE_NOT_FOUND, SW_RECORD_NOT_FOUND, SW_SECURITY_NOT_SATISFIED,
                   SW_WRONG_LENGTH, ApduSession, Transmit, read_record, select_aid, select_ef)
from .errors import CardExpired, NotSocialSecurityCard, UnreadableRecord
from .records import (EF05_RECORDS, EF06_RECORDS, RecordFormatError, RecordSpec, TruncatedRecord,
                      decode_value, parse_tlv_record)

_MISSING_SWS = {SW_RECORD_NOT_FOUND, SW_FILE_NOT_FOUND, 0x6A88}


@dataclass
class RecordResult:
    spec: RecordSpec
    value: str = ""
    status: str = "ok"  # ok | locked | missing | error | skipped
    sw: int = 0x9000


@dataclass
class CardReadSequence:
    """One read of one card. After run(): apdu_count, results per record, locked/missing record numbers."""

    transmit: Transmit
    atr: bytes = b""
    results: dict[int, RecordResult] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.session = ApduSession(self.transmit)
        self._learned_le = 0

    @property
    def apdu_count(self) -> int:
        return self.session.count

    @property
    def locked(self) -> list[int]:
        return [r for r, x in self.results.items() if x.status == "locked"]

    @property
    def missing(self) -> list[int]:
        return [r for r, x in self.results.items() if x.status in ("missing", "error")]

    # steps ------------------------------------------------------------------------------------------
    def _select_application(self) -> None:
        r = self.session.exchange(select_aid(), want_data=False)
        if not r.ok:
            raise NotSocialSecurityCard(f"SELECT of the SSSE application answered {r.sw:04X}", sw=r.sw)

    def _select_file(self, fid: int) -> int:
        return self.session.exchange(select_ef(fid), want_data=False).sw

    def _read(self, spec: RecordSpec) -> RecordResult:
        # A card with fixed-size records tells the size once (6Cxx): ask the next records for that much.
        le = max(spec.le or 256, self._learned_le) & 0xFF
        for attempt in range(3):
            r = self.session.exchange(read_record(spec.rec, le))
            if self.session.corrected_le:
                self._learned_le = max(self._learned_le, self.session.corrected_le)
            if r.sw == SW_SECURITY_NOT_SATISFIED:
                return RecordResult(spec, status="locked", sw=r.sw)
            if r.sw in _MISSING_SWS:
                return RecordResult(spec, status="missing", sw=r.sw)
            if r.sw == SW_WRONG_LENGTH and attempt == 0 and le != 0:
                le = 0  # a card that refuses our Le without telling the right one: ask for everything
                continue
            if not r.ok:
                return RecordResult(spec, status="error", sw=r.sw)
            try:
                value = parse_tlv_record(spec.rec, r.data, spec.size)
            except TruncatedRecord as t:
                if attempt < 2 and len(r.data) < t.needed <= 256 and (t.needed & 0xFF) != le:
                    le = t.needed & 0xFF
                    continue
                return RecordResult(spec, status="error", sw=r.sw)
            except RecordFormatError:
                return RecordResult(spec, status="error", sw=r.sw)
            try:
                return RecordResult(spec, value=decode_value(spec, value), sw=r.sw)
            except RecordFormatError:
                return RecordResult(spec, status="error", sw=r.sw)
        return RecordResult(spec, status="error")  # pragma: no cover - loop always returns

    def _skip(self, specs, status: str, sw: int) -> None:
        for spec in specs:
            self.results.setdefault(spec.rec, RecordResult(spec, status=status, sw=sw))

    def run(self) -> CardData:
        self._select_application()
        sw = self._select_file(EF05)
        if sw != 0x9000 and (sw >> 8) not in (0x62, 0x63):
            raise UnreadableRecord(f"SELECT EF05 answered {sw:04X}", sw=sw)
        for spec in EF05_RECORDS:
            self.results[spec.rec] = self._read(spec)
        self._learned_le = 0  # EF06 has its own record size
        for spec in EF05_RECORDS:
            res = self.results[spec.rec]
            if spec.required and (res.status != "ok" or not res.value):
                raise UnreadableRecord(f"EF05 record {spec.rec:02X} ({spec.name}) is {res.status}", sw=res.sw)
        generation = _generation(self.results[0x03].value)

        sw = self._select_file(EF06)
        if sw != 0x9000 and (sw >> 8) not in (0x62, 0x63):
            self._skip(EF06_RECORDS, "locked" if sw == SW_SECURITY_NOT_SATISFIED else "missing", sw)
        else:
            for spec in EF06_RECORDS:
                res = self._read(spec)
                self.results[spec.rec] = res
                if res.status == "locked" and generation >= 3:
                    # Third generation: EF06 opens only after mutual authentication with a PSAM.
                    self._skip(EF06_RECORDS, "locked", res.sw)
                    break

        values = {spec.name: self.results[spec.rec].value for spec in EF05_RECORDS + EF06_RECORDS}
        return CardData(atr=bytes(self.atr).hex().upper(), **values)


def _generation(version: str) -> int:
    head = version.split(".")[0].strip()
    return int(head) if head.isdigit() else 0


def read_ssc(transmit: Transmit, atr: bytes = b"") -> CardData:
    """Read a social security card through `transmit(apdu) -> (data, sw1, sw2)`.

    Raises NotSocialSecurityCard (no SSSE application), UnreadableRecord (card_sn or card number
    unreadable), CardCommunicationError (the card answered nonsense), or whatever the transport raises
    (CardRemoved...). Locked or absent optional records come back as empty strings.
    """
    return CardReadSequence(transmit, atr).run()


# expiry -------------------------------------------------------------------------------------------
def _today(today: str | _dt.date | None) -> str:
    if today is None:
        return _dt.date.today().strftime("%Y%m%d")
    if isinstance(today, _dt.date):
        return today.strftime("%Y%m%d")
    return "".join(ch for ch in str(today) if ch.isdigit())


def expiry_status(card: CardData, today: str | _dt.date | None = None) -> str:
    """'valid', 'expired' or 'unknown' (no readable expiry date, e.g. a third-generation card)."""
    if not card.expiry_date:
        return "unknown"
    return "expired" if card.is_expired(_today(today)) else "valid"


def check_expiry(card: CardData, today: str | _dt.date | None = None) -> CardData:
    """Returns the card, or raises CardExpired when its expiry date is before `today` (default: today)."""
    t = _today(today)
    if card.expiry_date and card.is_expired(t):
        raise CardExpired(f"expired on {card.expiry_date} (today {t})", card=card)
    return card
