"""What the journal and the offline queue need of the Store that holds them, as Protocols.

The Store (store.py) builds its parts and hands itself to each; a part that imported store.py for the type would
close a circle. The parts below the queue declare here the little they use; the Store satisfies each. (Parking
and reconciliation, which use the queue itself, declare theirs next to themselves; the queue worker in
worker_host.py.)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pragma: no cover
    import sqlite_utils

    from terminal.backend.client import Message

    from .db import StoreDB


class HasDB(Protocol):
    """The store's SQLite file."""

    @property
    def sdb(self) -> StoreDB: ...


class Owner(HasDB, Protocol):
    """The SQLite file and this process's owner token (messages sent and queue items worked on carry it)."""

    @property
    def token(self) -> str: ...


class ReversalBook(Protocol):
    """The queue as the journal uses it: a 2601 queued inside the transaction that records the answer."""

    def _ensure_reversal(self, db: sqlite_utils.Database, omsgid: str, oinfno: str, psn_no: str, insuplc: str, *,
                         again: bool = False) -> int: ...

    def _insert(self, db: sqlite_utils.Database, *, kind: str, visit_key: str, params: dict[str, Any], summary: str,
                msg: Message | None = None, park_id: str = "", omsgid: str = "", psn_no: str = "",
                infno: str = "") -> int: ...


class JournalHost(Owner, Protocol):
    """What the journal needs: the file, the token, the queue for reversals, and closing an uncertain message."""

    @property
    def queue(self) -> ReversalBook: ...

    def _resolve(self, db: sqlite_utils.Database, omsgid: str, resolution: str, by_msgid: str) -> None: ...
