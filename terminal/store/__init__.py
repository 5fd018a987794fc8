"""SQLite through sqlite-utils: the message journal, the offline queue, deferred settlements, reconciliation.

    store = Store.from_config(cfg)            # or Store(path, max_queue_items=..., max_queue_age_hours=...)
    store.attach(client)                      # the journal becomes the client's MessageObserver
    svc = SettlementService(client, treatment_admdvs=..., store=store)
    store.recover(client)                     # on start: resolve what a crash left open
    worker = store.worker(worker_client, svc).start()   # forwards the queue in the background
"""
from .errors import InvalidState, JournalOpenError, JournalUnavailable, NotFound, ParkRefused, QueueFull, StoreError
from .journal import Journal, JournalWriteFailed
from .outbox import Outbox, QueueItem, QueueStatus
from .parked import ParkedBill, ParkSlip, Refund
from .reconcile import Group, ReconcileReport
from .store import RecoveryReport, Store, UNCERTAIN_MESSAGE
from .worker import Outcome, QueueWorker

__all__ = [
    "Store", "Journal", "JournalWriteFailed", "Outbox", "QueueItem", "QueueStatus", "QueueWorker", "Outcome",
    "ParkSlip", "ParkedBill", "Refund", "Group", "ReconcileReport", "RecoveryReport", "StoreError",
    "JournalUnavailable", "JournalOpenError", "QueueFull", "ParkRefused", "NotFound", "InvalidState",
    "UNCERTAIN_MESSAGE",
]
