"""The card reader's hot-plug events for the cashier's window: the reader's monitor calls back on its own thread,
CardWatch hands each event to the UI thread and says what the status bar shows for it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from terminal.core.errors import user_message_of

if TYPE_CHECKING:
    from drivers.pcsc.base import CardEvent, CardReader, Watcher


class CardWatch(QObject):
    """Signals `changed(state, kind)`: the reader's state in the cashier's words and the event's kind
    ("card_inserted", "card_removed", "reader_removed", "service_lost", ...; "" when the watch started or could
    not start)."""

    changed = Signal(str, str)
    _event = Signal(object)  # from the monitor's thread: queued to the UI thread

    def __init__(self, reader: CardReader | None, parent: QObject | None = None):
        super().__init__(parent)
        self.reader = reader
        self._watch: Watcher | None = None
        self._event.connect(self._on_event)

    def start(self) -> None:
        if self.reader is None:
            self.changed.emit(self.tr("未配置读卡器"), "")
            return
        try:
            self._watch = self.reader.monitor(self._event.emit)
            state = self.tr("读卡器就绪")
        except Exception as e:  # the desk works on without the reader (e-code, ID number)
            state = self.tr("读卡器不可用：") + user_message_of(e)
        self.changed.emit(state, "")

    def stop(self) -> None:
        if self._watch is not None:
            try:
                self._watch.stop()
            except Exception:  # closing: nothing left to tell anyone
                pass
            self._watch = None

    def _on_event(self, ev: CardEvent) -> None:
        kind = ev.kind.value
        state = ev.kind.zh
        if kind == "card_inserted":
            state = self.tr("已插卡")
        elif kind == "card_removed":
            state = self.tr("读卡器就绪（无卡）")
        self.changed.emit(state, kind)
