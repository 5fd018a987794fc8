"""The PC/SC card reader on pyscard's low-level API (smartcard.scard): lists readers, picks one, reads.

pyscard is imported lazily so that the rest of the card layer (APDU code, the in-process virtual reader)
works on a machine without libpcsclite; there a PcscCardReader raises NoService.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from terminal.core.models import CardData

from .base import CardReader, EventCallback
from .errors import (CardBusy, CardCommunicationError, CardError, CardRemoved, NoCard, NoReader, NoService)
from .scard import describe, load_scard, match_readers, reader_gone_codes, service_codes
from .sequence import CardReadSequence

log = logging.getLogger(__name__)

class PcscCardReader(CardReader):
    """Reads social security cards through PC/SC (pcscd on Linux, WinSCard on Windows).

    pattern: choose the reader whose name matches (substring or glob); without one, the first reader
    holding a card. Safe to share between threads (reads are serialised).
    """

    def __init__(self, pattern: str = "", *, removal_grace: float = 0.8) -> None:
        self.pattern = pattern or ""
        self.removal_grace = removal_grace
        self._lock = threading.RLock()
        self._ctx: int | None = None
        self._last_apdu_count = 0
        self._reader_name = ""
        self.last_sequence: CardReadSequence | None = None

    # context ---------------------------------------------------------------------------------------
    def _context(self, s: Any) -> int:
        if self._ctx is None:
            hr, ctx = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
            if hr != s.SCARD_S_SUCCESS:
                raise NoService(describe(s, hr, "SCardEstablishContext"))
            self._ctx = ctx
        return self._ctx

    def _drop_context(self, s: Any) -> None:
        if self._ctx is not None:
            try:
                s.SCardReleaseContext(self._ctx)
            except Exception:
                pass
            self._ctx = None

    def close(self) -> None:
        with self._lock:
            if self._ctx is not None:
                self._drop_context(load_scard())

    def _with_context(self, fn):
        """Run fn(s, ctx); on a stale context (pcscd restarted since) retry once with a fresh one."""
        s = load_scard()
        with self._lock:
            for attempt in range(2):
                ctx = self._context(s)
                try:
                    return fn(s, ctx)
                except _StaleContext as e:
                    self._drop_context(s)
                    if attempt:
                        raise NoService(e.detail) from None
            raise AssertionError("unreachable")  # pragma: no cover

    # readers ---------------------------------------------------------------------------------------
    def _list(self, s: Any, ctx: int) -> list[str]:
        hr, names = s.SCardListReaders(ctx, [])
        if hr == s.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hr in service_codes(s):
            raise _StaleContext(describe(s, hr, "SCardListReaders"))
        if hr != s.SCARD_S_SUCCESS:
            raise NoReader(describe(s, hr, "SCardListReaders"))
        return list(names or [])

    def list_readers(self) -> list[str]:
        return self._with_context(self._list)

    def _states(self, s: Any, ctx: int, names: list[str]) -> dict[str, tuple[int, bytes]]:
        hr, states = s.SCardGetStatusChange(ctx, 0, [(n, s.SCARD_STATE_UNAWARE) for n in names])
        if hr in service_codes(s):
            raise _StaleContext(describe(s, hr, "SCardGetStatusChange"))
        if hr != s.SCARD_S_SUCCESS:
            return {n: (0, b"") for n in names}
        return {name: (state, bytes(atr or b"")) for name, state, atr in states}

    def _choose(self, s: Any, ctx: int) -> str:
        names = self._list(s, ctx)
        if not names:
            raise NoReader("no PC/SC reader is connected")
        candidates = match_readers(names, self.pattern)
        if not candidates:
            raise NoReader(f"no reader matches {self.pattern!r} (readers: {', '.join(names)})",
                           zh=f"未找到名称匹配“{self.pattern}”的读卡器，请检查读卡器连接或配置 [card] reader",
                           reader=self.pattern)
        if len(candidates) == 1:
            return candidates[0]
        states = self._states(s, ctx, candidates)
        for n in candidates:
            if states.get(n, (0, b""))[0] & s.SCARD_STATE_PRESENT:
                return n
        raise NoCard(f"none of the readers {', '.join(candidates)} holds a card")

    def card_present(self, reader: str | None = None) -> bool:
        def check(s: Any, ctx: int) -> bool:
            name = reader or self._choose(s, ctx)
            return bool(self._states(s, ctx, [name]).get(name, (0, b""))[0] & s.SCARD_STATE_PRESENT)

        try:
            return self._with_context(check)
        except (NoCard, NoReader):
            return False

    # reading ---------------------------------------------------------------------------------------
    def read(self) -> CardData:
        t0 = time.perf_counter()
        data = self._with_context(self._read)
        log.info("card read on %s: %s, %d APDUs, %.1f ms", self._reader_name, data, self._last_apdu_count,
                 (time.perf_counter() - t0) * 1000)
        return data

    def _read(self, s: Any, ctx: int) -> CardData:
        reader = self._choose(s, ctx)
        self._reader_name = reader
        hr, hcard, protocol = s.SCardConnect(ctx, reader, s.SCARD_SHARE_SHARED,
                                             s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1)
        if hr != s.SCARD_S_SUCCESS:
            raise self._connect_error(s, hr, reader)
        try:
            hr, _name, _state, _proto, atr = s.SCardStatus(hcard)
            if hr != s.SCARD_S_SUCCESS:
                raise self._connect_error(s, hr, reader)
            hr = s.SCardBeginTransaction(hcard)
            if hr != s.SCARD_S_SUCCESS:
                raise self._connect_error(s, hr, reader)
            try:
                seq = CardReadSequence(self._transmitter(s, ctx, hcard, protocol, reader), bytes(atr or b""))
                self.last_sequence = seq
                try:
                    return seq.run()
                finally:
                    self._last_apdu_count = seq.apdu_count
            finally:
                s.SCardEndTransaction(hcard, s.SCARD_LEAVE_CARD)
        finally:
            s.SCardDisconnect(hcard, s.SCARD_LEAVE_CARD)

    def _transmitter(self, s: Any, ctx: int, hcard: int, protocol: int, reader: str):
        transmit_fn = s.SCardTransmit

        def transmit(apdu: bytes) -> tuple[bytes, int, int]:
            hr, resp = transmit_fn(hcard, protocol, list(apdu))
            if hr != s.SCARD_S_SUCCESS:
                raise self._transmit_error(s, hr, ctx, reader)
            if len(resp) < 2:
                # vpcd (and some readers) answer "success" with nothing when the card went away mid-exchange
                d = f"response of {len(resp)} bytes has no status word"
                if self._became_empty(s, ctx, reader):
                    raise CardRemoved(d, reader=reader)
                raise CardCommunicationError(d, reader=reader)
            return bytes(resp[:-2]), resp[-2], resp[-1]

        return transmit

    def _connect_error(self, s: Any, hr: int, reader: str) -> CardError:
        d = describe(s, hr, f"connect to {reader!r}")
        if hr in (s.SCARD_E_NO_SMARTCARD, s.SCARD_W_REMOVED_CARD):
            return NoCard(d, reader=reader)
        if hr in service_codes(s):
            return _StaleContext(d)
        if hr in reader_gone_codes(s):
            return NoReader(d, reader=reader)
        if hr == s.SCARD_E_SHARING_VIOLATION:
            return CardBusy(d, reader=reader)
        if hr in (s.SCARD_W_UNRESPONSIVE_CARD, s.SCARD_W_UNPOWERED_CARD, s.SCARD_W_UNSUPPORTED_CARD,
                  s.SCARD_E_PROTO_MISMATCH):
            return CardCommunicationError(d, reader=reader,
                                          zh="卡片无响应，请确认插卡方向（芯片朝上、插到底）后重新插卡")
        return CardCommunicationError(d, reader=reader)

    def _transmit_error(self, s: Any, hr: int, ctx: int, reader: str) -> CardError:
        d = describe(s, hr, "SCardTransmit")
        if hr in (s.SCARD_W_REMOVED_CARD, s.SCARD_E_NO_SMARTCARD):
            return CardRemoved(d, reader=reader)
        if hr in service_codes(s):
            return NoService(d, reader=reader)
        if hr in reader_gone_codes(s):
            return NoReader(d, reader=reader)
        # A failed exchange: was the card pulled? pcscd notices a removal on its next poll, so wait a moment.
        if self._became_empty(s, ctx, reader):
            return CardRemoved(d, reader=reader)
        return CardCommunicationError(d, reader=reader)

    def _became_empty(self, s: Any, ctx: int, reader: str) -> bool:
        deadline = time.monotonic() + self.removal_grace
        state = s.SCARD_STATE_UNAWARE
        while True:
            timeout = max(0, int((deadline - time.monotonic()) * 1000))
            hr, states = s.SCardGetStatusChange(ctx, timeout, [(reader, state)])
            if hr != s.SCARD_S_SUCCESS or not states:
                return hr in reader_gone_codes(s)
            ev = states[0][1]
            if ev & (s.SCARD_STATE_EMPTY | s.SCARD_STATE_UNAVAILABLE | s.SCARD_STATE_UNKNOWN):
                return True
            if time.monotonic() >= deadline:
                return False
            state = ev & ~s.SCARD_STATE_CHANGED

    # events ----------------------------------------------------------------------------------------
    def monitor(self, on_event: EventCallback):
        from .monitor import PcscMonitor

        return PcscMonitor(on_event, pattern=self.pattern).start()


class _StaleContext(NoService):
    """The cached context no longer works (pcscd restarted): retried once with a fresh context."""
