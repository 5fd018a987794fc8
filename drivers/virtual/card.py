"""The virtual social security card: an APDU processor answering what a real card answers.

Files: the SSSE application (DF by name "sx1.sh.社会保障") holding EF05 (card) and EF06 (holder) as
linear record files, records stored as TLV (tag = record number). Commands: SELECT (by name, by FID, MF),
READ RECORD (P2=04), GET RESPONSE. Behaviour follows the profile: T=0 (61xx after SELECT, 6Cxx on a
wrong Le), forced 61xx, locked records (6982), a missing application (6A82).

No timing here: transports (vpcd client, in-process reader) apply the profile's per-APDU delay.
"""
from __future__ import annotations

import threading

from drivers.pcsc.apdu import (EF05, EF06, SSSE_AID, SW_CLA_NOT_SUPPORTED, SW_CONDITIONS_NOT_SATISFIED,
                               SW_FILE_NOT_FOUND, SW_INS_NOT_SUPPORTED, SW_NO_CURRENT_EF, SW_OK,
                               SW_RECORD_NOT_FOUND, SW_SECURITY_NOT_SATISFIED, SW_WRONG_LENGTH)
from drivers.pcsc.records import EF05_RECORDS, EF06_RECORDS, build_tlv_record, encode_value

from .profiles import CardProfile

SW_WRONG_P1P2 = 0x6A86
MF = 0x3F00


def _sw(sw: int) -> bytes:
    return bytes((sw >> 8, sw & 0xFF))


def build_files(profile: CardProfile) -> dict[int, dict[int, bytes]]:
    """EF05/EF06 records (TLV, padded to profile.record_size if set) from the profile's data."""
    files: dict[int, dict[int, bytes]] = {EF05: {}, EF06: {}}
    for fid, specs in ((EF05, EF05_RECORDS), (EF06, EF06_RECORDS)):
        for spec in specs:
            text = getattr(profile, spec.name)
            value = encode_value(spec, text) if text else b""
            files[fid][spec.rec] = build_tlv_record(spec.rec, value, profile.record_size)
    if profile.birthplace:
        bp = profile.birthplace[:6].rjust(6, "0")
        if bp.isdigit():
            files[EF06][0x0C] = build_tlv_record(0x0C, bytes.fromhex(bp), profile.record_size)
    return files


class ApduProcessor:
    """One card's state machine. process(apdu) -> response bytes (data + SW1 SW2). Thread-safe."""

    def __init__(self, profile: CardProfile) -> None:
        self.profile = profile
        self.files = build_files(profile)
        self._lock = threading.Lock()
        self.apdu_count = 0
        self.powered = False
        self._reset_state()

    @property
    def atr(self) -> bytes:
        return self.profile.atr

    def _reset_state(self) -> None:
        self.app_selected = False
        self.current_ef: int | None = None
        self.pending = b""

    def power_on(self) -> bytes:
        with self._lock:
            self.powered = True
            self._reset_state()
        return self.atr

    def reset(self) -> bytes:
        return self.power_on()

    def power_off(self) -> None:
        with self._lock:
            self.powered = False
            self._reset_state()

    # commands --------------------------------------------------------------------------------------
    def process(self, apdu: bytes) -> bytes:
        with self._lock:
            self.apdu_count += 1
            return self._process(bytes(apdu))

    def _process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return _sw(SW_WRONG_LENGTH)
        cla, ins, p1, p2 = apdu[:4]
        body = apdu[4:]
        data, le = b"", None
        if len(body) == 1:
            le = body[0] or 256
        elif len(body) > 1:
            lc = body[0]
            if lc == 0 or len(body) < 1 + lc or len(body) > 2 + lc:
                return _sw(SW_WRONG_LENGTH)
            data = body[1:1 + lc]
            if len(body) == 2 + lc:
                le = body[-1] or 256
        if cla != 0x00:
            return _sw(SW_CLA_NOT_SUPPORTED)
        if ins != 0xC0:
            self.pending = b""  # any other command discards a pending response
        if ins == 0xA4:
            return self._select(p1, p2, data, le)
        if ins == 0xB2:
            return self._read_record(p1, p2, le)
        if ins == 0xC0:
            return self._get_response(le)
        return _sw(SW_INS_NOT_SUPPORTED)

    def _answer(self, payload: bytes, le: int | None, *, case4: bool) -> bytes:
        """Return data as the card's habits say: 61xx (T=0 / forced) or directly."""
        t0 = self.profile.protocol == "T=0"
        if not payload:
            return _sw(SW_OK)
        if case4 and le is None and not t0:
            return _sw(SW_OK)  # T=1 case 3: no data asked for
        if t0 and case4 or self.profile.force_61:
            self.pending = payload
            return _sw(0x6100 | (len(payload) & 0xFF))
        if le is not None and le < len(payload):
            payload = payload[:le]
        return payload + _sw(SW_OK)

    def _select(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if p1 == 0x04:
            if self.profile.has_application and data == SSSE_AID:
                self.app_selected, self.current_ef = True, None
                fci = bytes((0x6F, len(data) + 2, 0x84, len(data))) + data
                return self._answer(fci, le, case4=True)
            return _sw(SW_FILE_NOT_FOUND)
        if p1 in (0x00, 0x02) and len(data) == 2:
            fid = (data[0] << 8) | data[1]
            if fid == MF and p1 == 0x00:
                self.app_selected, self.current_ef = False, None
                return _sw(SW_OK)
            if not self.app_selected or fid not in self.files:
                return _sw(SW_FILE_NOT_FOUND)
            self.current_ef = fid
            return _sw(SW_OK)
        return _sw(SW_WRONG_P1P2)

    def _read_record(self, p1: int, p2: int, le: int | None) -> bytes:
        if p2 != 0x04 or p1 == 0:
            return _sw(SW_WRONG_P1P2)
        if self.current_ef is None:
            return _sw(SW_NO_CURRENT_EF)
        records = self.files[self.current_ef]
        if p1 not in records:
            return _sw(SW_RECORD_NOT_FOUND)
        if p1 in self.profile.locked:
            return _sw(SW_SECURITY_NOT_SATISFIED)
        rec = records[p1]
        want = 256 if le is None else le
        if self.profile.le_policy == "6c" and want != len(rec):
            return _sw(0x6C00 | (len(rec) & 0xFF))
        if self.profile.force_61:
            self.pending = rec[:want]
            return _sw(0x6100 | (len(self.pending) & 0xFF))
        return rec[:want] + _sw(SW_OK)

    def _get_response(self, le: int | None) -> bytes:
        if not self.pending:
            return _sw(SW_CONDITIONS_NOT_SATISFIED)
        want = 256 if le is None else le
        if want > len(self.pending) and self.profile.le_policy == "6c":
            return _sw(0x6C00 | (len(self.pending) & 0xFF))
        chunk, self.pending = self.pending[:want], self.pending[want:]
        if self.pending:
            return chunk + _sw(0x6100 | (len(self.pending) & 0xFF))
        return chunk + _sw(SW_OK)


__all__ = ["ApduProcessor", "build_files", "SW_SECURITY_NOT_SATISFIED"]
