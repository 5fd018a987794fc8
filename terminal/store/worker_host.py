"""What the queue worker needs of the Store it forwards for, as a Protocol.

The Store builds workers (``Store.worker``); a worker that imported store.py for the type would close a circle.
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Protocol

from .parked import ParkingHost

if TYPE_CHECKING:  # pragma: no cover
    from .parked import Parking
    from .reconcile import Reconciler


class Wakeable(Protocol):
    """A running worker as the Store sees it: woken when work arrives, stopped when the Store closes."""

    def wake(self) -> None: ...

    def stop(self, timeout: float = 10.0) -> None: ...


class WorkerHost(ParkingHost, Protocol):
    """The Store's parts the worker drives (those Parking needs, and more), the reversals the disk refused, and the
    register of running workers."""

    @property
    def parking(self) -> Parking: ...

    @property
    def reconciler(self) -> Reconciler: ...

    @property
    def _workers(self) -> weakref.WeakSet[Wakeable]: ...

    @property
    def _unqueued(self) -> dict[str, tuple[str, str, str]]: ...

    def flush_unqueued(self) -> int: ...

    def reclaim_dead(self) -> int: ...

    def message(self, msgid: str) -> dict[str, Any] | None: ...
