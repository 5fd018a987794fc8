"""The small interface every card reader implements (PC/SC, in-process virtual), and its events."""
from __future__ import annotations

import abc
import enum
import logging
import time
from dataclasses import dataclass, field
from typing import Protocol
from collections.abc import Callable

from terminal.core.models import CardData

log = logging.getLogger(__name__)


class EventKind(str, enum.Enum):
    READER_ADDED = "reader_added"
    READER_REMOVED = "reader_removed"
    CARD_INSERTED = "card_inserted"
    CARD_REMOVED = "card_removed"
    SERVICE_LOST = "service_lost"  # pcscd stopped: readers and cards are unknown until it is back
    SERVICE_RESTORED = "service_restored"

    @property
    def zh(self) -> str:
        return _EVENT_ZH[self]


_EVENT_ZH = {
    EventKind.READER_ADDED: "读卡器已连接", EventKind.READER_REMOVED: "读卡器已断开",
    EventKind.CARD_INSERTED: "已插卡", EventKind.CARD_REMOVED: "卡已拔出",
    EventKind.SERVICE_LOST: "读卡服务已停止", EventKind.SERVICE_RESTORED: "读卡服务已恢复",
}


@dataclass(frozen=True)
class CardEvent:
    kind: EventKind
    reader: str = ""
    atr: str = ""  # hex, card events only
    at: float = field(default_factory=time.monotonic)
    initial: bool = False  # True for what the monitor found already there when it started

    def __str__(self) -> str:
        atr = f" ATR {self.atr}" if self.atr else ""
        return f"{self.kind.zh} [{self.kind.value}] {self.reader}{atr}".rstrip()


EventCallback = Callable[[CardEvent], None]


class Watcher(Protocol):
    """What monitor() returns: a running background watch."""

    def stop(self, timeout: float = 2.0) -> None: ...

    @property
    def running(self) -> bool: ...


class CardReader(abc.ABC):
    """A social security card reader.

    read() blocks for the duration of one card read (tens of milliseconds on a real reader); a UI calls it
    from a worker thread. monitor() never blocks: it returns at once and calls `on_event` from its own
    thread, so a Qt caller forwards events to the UI thread through a signal.
    """

    @abc.abstractmethod
    def list_readers(self) -> list[str]:
        """Names of the readers this implementation can see."""

    @abc.abstractmethod
    def read(self) -> CardData:
        """Read the card in the chosen reader. Raises a drivers.pcsc.errors.CardError subclass."""

    @abc.abstractmethod
    def monitor(self, on_event: EventCallback) -> Watcher:
        """Start watching readers and cards; reports cards already present as CARD_INSERTED(initial=True)."""

    @property
    def last_apdu_count(self) -> int:
        """APDUs the last read() sent (0 before the first)."""
        return getattr(self, "_last_apdu_count", 0)

    @property
    def reader_name(self) -> str:
        """The reader last used (or chosen), empty before the first read."""
        return getattr(self, "_reader_name", "")

    def close(self) -> None:
        """Release resources; the reader may be used again afterwards. Nothing to release here: a reader that
        holds a context or a connection overrides it."""
        return None

    def __enter__(self) -> CardReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def safe_call(cb: EventCallback, event: CardEvent) -> None:
    """A callback that raises must not kill the thread that reports events."""
    try:
        cb(event)
    except Exception:
        log.exception("card event callback failed for %s", event.kind.value)
