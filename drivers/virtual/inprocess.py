"""An in-process card reader holding a virtual card, for training mode without any PC/SC service.

It implements drivers.pcsc.base.CardReader and reads through the very same CardReadSequence as the
PC/SC reader, talking to the same ApduProcessor the vpcd client serves, so the APDU path is identical.
"""
from __future__ import annotations

import logging
import queue
import threading

from drivers.pcsc.base import CardEvent, CardReader, EventCallback, EventKind, safe_call
from drivers.pcsc.errors import CardRemoved, NoCard
from drivers.pcsc.sequence import CardReadSequence
from terminal.core.models import CardData

from .card import ApduProcessor
from .profiles import CardProfile

log = logging.getLogger(__name__)

READER_NAME = "Virtual SSC Reader (in-process)"


class _Watcher:
    """Delivers events from its own thread, like the PC/SC monitor does."""

    def __init__(self, owner: VirtualCardReader, on_event: EventCallback) -> None:
        self._owner = owner
        self._on_event = on_event
        self._q: queue.Queue[CardEvent | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="virtual-card-events", daemon=True)
        self._stopped = False

    def start(self) -> _Watcher:
        self._thread.start()
        return self

    def post(self, event: CardEvent) -> None:
        if not self._stopped:
            self._q.put(event)

    def _run(self) -> None:
        while True:
            ev = self._q.get()
            if ev is None:
                return
            safe_call(self._on_event, ev)

    def stop(self, timeout: float = 2.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._owner._unwatch(self)
        self._q.put(None)
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stopped


class VirtualCardReader(CardReader):
    """A reader with a virtual card slot: insert(profile) / remove(), read(), monitor()."""

    def __init__(self, profile: CardProfile | None = None, name: str = READER_NAME) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._card: ApduProcessor | None = None
        self._removed = threading.Event()
        self._watchers: list[_Watcher] = []
        self._last_apdu_count = 0
        self._reader_name = name
        self.last_sequence: CardReadSequence | None = None
        if profile is not None:
            self.insert(profile)

    @property
    def card(self) -> ApduProcessor | None:
        return self._card

    def insert(self, profile: CardProfile) -> ApduProcessor:
        with self._lock:
            if self._card is not None:
                self._remove_locked()
            self._card = ApduProcessor(profile)
            self._removed = threading.Event()
            card = self._card
        self._post(CardEvent(EventKind.CARD_INSERTED, self.name, card.atr.hex().upper()))
        return card

    def remove(self) -> None:
        with self._lock:
            self._remove_locked()

    def _remove_locked(self) -> None:
        card = self._card
        if card is None:
            return
        self._card = None
        self._removed.set()
        card.power_off()
        self._post(CardEvent(EventKind.CARD_REMOVED, self.name, card.atr.hex().upper()))

    def list_readers(self) -> list[str]:
        return [self.name]

    def read(self) -> CardData:
        with self._lock:
            card, removed = self._card, self._removed
        if card is None:
            raise NoCard("no card in the virtual reader", reader=self.name)
        atr = card.power_on()
        delay = card.profile.apdu_delay

        def transmit(apdu: bytes) -> tuple[bytes, int, int]:
            if removed.is_set() or (delay and removed.wait(delay)):
                raise CardRemoved("virtual card removed during the read", reader=self.name)
            resp = card.process(apdu)
            if removed.is_set():
                raise CardRemoved("virtual card removed during the read", reader=self.name)
            return resp[:-2], resp[-2], resp[-1]

        seq = CardReadSequence(transmit, atr)
        self.last_sequence = seq
        try:
            return seq.run()
        finally:
            self._last_apdu_count = seq.apdu_count

    # events ------------------------------------------------------------------------------------------
    def monitor(self, on_event: EventCallback) -> _Watcher:
        w = _Watcher(self, on_event).start()
        with self._lock:
            self._watchers.append(w)
            card = self._card
        w.post(CardEvent(EventKind.READER_ADDED, self.name, initial=True))
        if card is not None:
            w.post(CardEvent(EventKind.CARD_INSERTED, self.name, card.atr.hex().upper(), initial=True))
        return w

    def _unwatch(self, w: _Watcher) -> None:
        with self._lock:
            if w in self._watchers:
                self._watchers.remove(w)

    def _post(self, event: CardEvent) -> None:
        for w in list(self._watchers):
            w.post(event)

    def close(self) -> None:
        for w in list(self._watchers):
            w.stop()
