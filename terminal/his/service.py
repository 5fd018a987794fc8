"""Everything of the HIS link together: the book on the journal, the HTTP interface, the callbacks and the folder.
The window and ``yibao-terminal his serve`` start one and stop it when they close."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .book import HisBook
from .callbacks import Deliverer
from .folder import WatchedFolder
from .server import HisServer

if TYPE_CHECKING:  # pragma: no cover
    from terminal.config import Config
    from terminal.store.db import StoreDB


class HisLink:
    def __init__(self, sdb: StoreDB, cfg: Config, *, port: int | None = None):
        his = cfg.his
        self.book = HisBook(sdb, limits=cfg.bill.limits)
        self.server = HisServer(self.book, his, port=port)  # refuses a bad token / TLS setting (ConfigError)
        self.deliverer = Deliverer(self.book, his)
        self.folder = WatchedFolder(self.book, his.watch_dir, max_bytes=his.max_body_bytes) if his.watch_dir else None

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> HisLink:
        self.server.start()
        self.deliverer.start()
        if self.folder:
            self.folder.start()
        return self

    def stop(self) -> None:
        if self.folder:
            self.folder.stop()
        self.deliverer.stop()
        self.server.stop()

    def __enter__(self) -> HisLink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
