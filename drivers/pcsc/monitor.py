"""Hot-plug monitor: one background thread around SCardGetStatusChange.

Reports readers added/removed and cards inserted/removed through a callback (called from the monitor
thread). Cards already in a reader when the monitor starts come as CARD_INSERTED with initial=True.
When pcscd goes away the monitor reports SERVICE_LOST (plus the removal of every card and reader it knew),
retries quietly, and on its return reports SERVICE_RESTORED and the readers and cards anew.
start() and stop() never wait on the PC/SC service.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from .base import CardEvent, EventCallback, EventKind, safe_call
from .errors import NoService
from .scard import PNP_NOTIFICATION, hr_code, load_scard, match_readers, reader_gone_codes, service_codes

log = logging.getLogger(__name__)


class _Lost(Exception):
    pass


@dataclass
class _ReaderState:
    state: int = 0  # last dwEventState (without CHANGED), 0 = unaware
    present: bool = False
    atr: str = ""


class PcscMonitor:
    """Watch PC/SC readers and cards.

        mon = PcscMonitor(print).start()
        ...
        mon.stop()

    pattern limits the watch to matching readers (substring or glob, as PcscCardReader).
    poll_timeout bounds each SCardGetStatusChange (stop() also cancels it at once); retry_interval is the
    pause between attempts to reach a stopped service.
    """

    def __init__(self, on_event: EventCallback, *, pattern: str = "", poll_timeout: float = 2.0,
                 retry_interval: float = 0.25, name: str = "pcsc-monitor") -> None:
        self.on_event = on_event
        self.pattern = pattern
        self.poll_timeout = poll_timeout
        self.retry_interval = retry_interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ctx_lock = threading.Lock()
        self._ctx: int | None = None
        self._readers: dict[str, _ReaderState] = {}
        self._service_up: bool | None = None
        self._name = name

    # public ----------------------------------------------------------------------------------------
    def start(self) -> PcscMonitor:
        if self._thread and self._thread.is_alive():
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread: cancels the pending SCardGetStatusChange (again, if the thread was between two
        calls when the first cancel came) and waits up to `timeout` s for the thread to end."""
        self._stop.set()
        t = self._thread
        if t is None or t is threading.current_thread():
            return
        deadline = time.monotonic() + timeout
        while t.is_alive() and time.monotonic() < deadline:
            self._cancel()
            t.join(0.05)

    def _cancel(self) -> None:
        with self._ctx_lock:
            ctx = self._ctx
        if ctx is not None:
            try:
                load_scard().SCardCancel(ctx)
            except Exception:
                pass

    @property
    def running(self) -> bool:
        return bool(self._thread and self._thread.is_alive())

    def readers(self) -> list[str]:
        return list(self._readers)

    def cards(self) -> dict[str, str]:
        """reader -> ATR (hex) of the readers holding a card, as last seen."""
        return {r: st.atr for r, st in list(self._readers.items()) if st.present}

    def __enter__(self) -> PcscMonitor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # thread ----------------------------------------------------------------------------------------
    def _emit(self, kind: EventKind, reader: str = "", atr: str = "", initial: bool = False) -> None:
        if self._stop.is_set():
            return
        safe_call(self.on_event, CardEvent(kind, reader, atr, initial=initial))

    def _run(self) -> None:
        try:
            s = load_scard()
        except NoService as e:
            log.error("card monitor cannot start: %s", e.detail)
            self._emit(EventKind.SERVICE_LOST, initial=True)
            return
        first = True
        while not self._stop.is_set():
            hr, ctx = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
            if hr != s.SCARD_S_SUCCESS:
                if self._service_up is not False:
                    (log.info if first else log.warning)("PC/SC service unavailable (0x%08X); retrying",
                                                         hr_code(hr))
                    self._service_lost(initial=first)
                first = False
                self._stop.wait(self.retry_interval)
                continue
            with self._ctx_lock:
                self._ctx = ctx
            try:
                if self._service_up is False:
                    log.info("PC/SC service is back")
                    self._emit(EventKind.SERVICE_RESTORED)
                self._service_up = True
                self._watch(s, ctx, first)
            except _Lost as e:
                log.warning("PC/SC service lost: %s", e)
                self._service_lost()
                self._stop.wait(self.retry_interval)
            except Exception:  # the monitor must survive anything
                log.exception("card monitor error; restarting the watch")
                self._stop.wait(self.retry_interval)
            finally:
                with self._ctx_lock:
                    self._ctx = None
                try:
                    s.SCardReleaseContext(ctx)
                except Exception:
                    pass
            first = False
        self._readers.clear()

    def _service_lost(self, initial: bool = False) -> None:
        self._service_up = False
        self._emit(EventKind.SERVICE_LOST, initial=initial)
        for name in list(self._readers):
            self._drop_reader(name)

    def _drop_reader(self, name: str) -> None:
        st = self._readers.pop(name, None)
        if st is None:
            return
        if st.present:
            self._emit(EventKind.CARD_REMOVED, name, st.atr)
        self._emit(EventKind.READER_REMOVED, name)

    def _list(self, s: Any, ctx: int) -> list[str]:
        hr, names = s.SCardListReaders(ctx, [])
        if hr in service_codes(s):
            raise _Lost(f"SCardListReaders 0x{hr_code(hr):08X}")
        if hr != s.SCARD_S_SUCCESS:
            return []
        return match_readers(list(names or []), self.pattern)

    def _watch(self, s: Any, ctx: int, initial: bool) -> None:
        pnp_state = 0
        relist = True
        timeout_ms = int(self.poll_timeout * 1000)
        while not self._stop.is_set():
            if relist:
                names = self._list(s, ctx)
                for gone in [r for r in self._readers if r not in names]:
                    self._drop_reader(gone)
                for new in [r for r in names if r not in self._readers]:
                    self._readers[new] = _ReaderState()
                    self._emit(EventKind.READER_ADDED, new, initial=initial)
                relist = False
            names = list(self._readers)
            query = [(n, self._readers[n].state) for n in names] + [(PNP_NOTIFICATION, pnp_state)]
            hr, states = s.SCardGetStatusChange(ctx, timeout_ms, query)
            if self._stop.is_set() or hr == s.SCARD_E_CANCELLED:
                return
            if hr == s.SCARD_E_TIMEOUT:
                initial = False
                continue
            if hr in service_codes(s):
                raise _Lost(f"SCardGetStatusChange 0x{hr_code(hr):08X}")
            if hr in reader_gone_codes(s):
                relist = True
                self._stop.wait(0.05)
                continue
            if hr != s.SCARD_S_SUCCESS:
                log.info("SCardGetStatusChange failed: 0x%08X; relisting", hr_code(hr))
                relist = True
                self._stop.wait(self.retry_interval)
                continue
            for name, ev, atr in states:
                if name == PNP_NOTIFICATION:
                    if ev & s.SCARD_STATE_CHANGED:
                        relist = True
                    pnp_state = ev & ~s.SCARD_STATE_CHANGED
                    continue
                st = self._readers.get(name)
                if st is None:
                    continue
                self._update(s, name, st, ev, bytes(atr or b""), initial)
                if ev & (s.SCARD_STATE_UNKNOWN | s.SCARD_STATE_IGNORE | s.SCARD_STATE_UNAVAILABLE):
                    relist = True
            initial = False

    def _update(self, s: Any, name: str, st: _ReaderState, ev: int, atr: bytes, initial: bool) -> None:
        if ev & (s.SCARD_STATE_UNKNOWN | s.SCARD_STATE_IGNORE):
            return  # reader gone: relisting drops it
        present = bool(ev & s.SCARD_STATE_PRESENT) and not ev & s.SCARD_STATE_UNAVAILABLE
        # pcsc-lite counts card events in the upper 16 bits: a remove+insert between two polls shows there.
        count_changed = st.state and ((ev >> 16) & 0xFFFF) != ((st.state >> 16) & 0xFFFF)
        atr_hex = atr.hex().upper()
        if st.present and (not present or (count_changed and atr_hex)):
            self._emit(EventKind.CARD_REMOVED, name, st.atr)
            st.present = False
        if present and not st.present:
            st.present, st.atr = True, atr_hex
            self._emit(EventKind.CARD_INSERTED, name, atr_hex, initial=initial)
        if not present:
            st.atr = ""
        st.state = ev & ~s.SCARD_STATE_CHANGED
