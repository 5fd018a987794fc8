"""The Store: journal, offline queue, deferred settlements and reconciliation over one SQLite file."""
from __future__ import annotations

import logging
import os
import sqlite3
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terminal.backend.errors import PlatformError
from terminal.core.models import Bill, Credential
from terminal.core.protocol import MONEY_MOVING

from .db import StoreDB, now_text, today
from .journal import Journal
from .outbox import Outbox, QueueStatus
from .parked import ParkedBill, ParkSlip, Parking, Refund
from .reconcile import Reconciler, ReconcileReport

log = logging.getLogger("terminal.store")

UNCERTAIN_MESSAGE = "结算结果未知，正在冲正；冲正完成后请重新结算"


@dataclass
class RecoveryReport:
    """What :meth:`Store.recover` found after a restart."""

    uncertain: list[str] = field(default_factory=list)   # money-moving msgids now being reversed
    failed: list[str] = field(default_factory=list)      # other interrupted messages, closed as failed
    requeued: int = 0                                     # queue items that were 'working'
    forwarded: list[dict[str, Any]] = field(default_factory=list)  # outcomes of the immediate forwarding
    skipped: bool = False  # another process owns the journal (the cashier app is running)

    @property
    def message(self) -> str:
        if self.skipped:
            return "另一个程序（收费界面）正在使用交易日志，由它负责恢复"
        if not (self.uncertain or self.failed or self.requeued):
            return "交易日志正常，无未完成交易"
        parts = []
        if self.uncertain:
            parts.append(f"{len(self.uncertain)} 笔结算结果未知，已排队冲正")
        if self.failed:
            parts.append(f"{len(self.failed)} 笔中断的交易已关闭")
        if self.requeued:
            parts.append(f"{self.requeued} 项离线业务重新排队")
        return "上次运行未正常结束：" + "，".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {"uncertain": self.uncertain, "failed": self.failed, "requeued": self.requeued,
                "forwarded": self.forwarded, "skipped": self.skipped, "message": self.message}


class Store:
    """One terminal's durable state. Thread-safe; open one per process.

    ``store.observer`` (the journal) goes into the PlatformClient (or ``store.attach(client)``);
    ``store.on_uncertain`` into the SettlementService (``SettlementService(client, store=store)`` does both).
    """

    def __init__(self, path: str | Path, *, max_queue_items: int = 500, max_queue_age_hours: float = 72.0,
                 warn_ratio: float = 0.8, mark_sent: bool = True):
        self.path = Path(path)
        self.sdb = StoreDB(self.path)
        self.journal = Journal(self, mark_sent=mark_sent)
        self.queue = Outbox(self, max_items=max_queue_items, max_age_hours=max_queue_age_hours,
                            warn_ratio=warn_ratio)
        self.parking = Parking(self)
        self.reconciler = Reconciler(self)
        self._workers: weakref.WeakSet = weakref.WeakSet()
        self._unqueued: dict[str, tuple[str, str, str]] = {}  # reversals the disk refused: omsgid -> (oinfno, psn, insuplc)
        self._owner_fd = _owner_lock(self.path.with_name(self.path.name + ".owner"))

    @property
    def owner(self) -> bool:
        """True in the one process that owns this journal (may recover it); others only read and add work."""
        return self._owner_fd is not None

    @classmethod
    def from_config(cls, cfg: Any) -> "Store":
        """The journal of a terminal.config.Config: ``cfg.data_dir / "journal.sqlite"`` with its queue limits."""
        return cls(cfg.data_dir / "journal.sqlite", max_queue_items=cfg.store.max_queue_items,
                   max_queue_age_hours=cfg.store.max_queue_age_hours)

    def close(self) -> None:
        for w in list(self._workers):
            w.stop()
        self.sdb.close()
        if self._owner_fd is not None:
            os.close(self._owner_fd)  # releases the lock
            self._owner_fd = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # wiring --------------------------------------------------------------------------------------
    @property
    def observer(self) -> Journal:
        return self.journal

    def attach(self, client: Any) -> Any:
        return self.journal.attach(client)

    def worker(self, client: Any, service: Any = None, **kw: Any):
        """A QueueWorker (not started) forwarding with ``client``; ``service`` settles parked bills."""
        from .worker import QueueWorker

        return QueueWorker(self, client, service, **kw)

    def _wake(self) -> None:
        for w in list(self._workers):
            w.wake()

    def on_uncertain(self, error: PlatformError, psn_no: str, insuplc: str, omsgid: str, oinfno: str) -> bool:
        """SettlementService hook: queue the 2601 durably. True when queued (the service then only reports)."""
        try:
            self.queue.ensure_reversal(omsgid, oinfno, psn_no, insuplc)
        except sqlite3.Error as e:
            # Remembered in memory: the person stays blocked, and the worker queues it once the disk is back
            # (a restart finds the message unanswered in the journal and queues it anyway).
            log.critical("cannot queue the reversal of %s %s: %s", oinfno, omsgid, e)
            self._unqueued[omsgid] = (oinfno, psn_no, insuplc)
            return False
        self._wake()
        return True

    def flush_unqueued(self) -> int:
        """Queue the reversals that could not be written when they arose (called by the worker)."""
        n = 0
        for omsgid, (oinfno, psn_no, insuplc) in list(self._unqueued.items()):
            try:
                self.queue.ensure_reversal(omsgid, oinfno, psn_no, insuplc)
            except sqlite3.Error:
                break
            del self._unqueued[omsgid]
            n += 1
        return n

    def blocking_reversals(self, psn_no: str) -> list:
        """Reversals for this person not yet confirmed: a new settlement must wait for them."""
        return self.queue.blocking_reversals(psn_no)

    def reversal_pending_message(self, psn_no: str) -> str:
        if psn_no and any(p == psn_no for _, p, _ in self._unqueued.values()):
            return UNCERTAIN_MESSAGE
        items = self.blocking_reversals(psn_no)
        if not items:
            return ""
        if any(i.state == "failed" for i in items):
            return ("上一笔结算结果未知，冲正被平台拒绝（" + "；".join(i.last_error for i in items if i.last_error)
                    + "）：请联系医保经办机构核实后在队列中标记已处理，再重新结算")
        return UNCERTAIN_MESSAGE

    # deferred settlement -------------------------------------------------------------------------
    def park(self, credential: Credential, bill: Bill, **kw: Any) -> ParkSlip:
        return self.parking.park(credential, bill, **kw)

    def cancel_parked(self, park_id: str, operator: str = "") -> ParkedBill:
        return self.parking.cancel(park_id, operator)

    def parked(self, states: tuple[str, ...] | None = None) -> list[ParkedBill]:
        return self.parking.list(states)

    def refunds_due(self) -> list[Refund]:
        return self.parking.refunds_due()

    def mark_refund_paid(self, park_id: str, operator: str = "") -> ParkedBill:
        return self.parking.mark_refund_paid(park_id, operator)

    # queue ---------------------------------------------------------------------------------------
    def queue_status(self) -> QueueStatus:
        return self.queue.status()

    # restart recovery ----------------------------------------------------------------------------
    def recover(self, client: Any = None, *, forward: bool = True) -> RecoveryReport:
        """Resolve what a crash left open, before any new work.

        Messages journaled but never answered: a 2207/2208 (money-moving) is uncertain and its 2601 is
        queued; anything else is closed as failed. Queue items left 'working' are queued again (same
        msgid). With a ``client`` (and ``forward``), the reversals are tried at once.
        """
        rep = RecoveryReport()
        if not self.owner:
            # Another live process (the cashier app) may have messages in flight: they are not crashed.
            log.info("recovery skipped: the journal is owned by another process")
            rep.skipped = True
            return rep
        with self.sdb.tx() as db:
            rows = list(db.query("SELECT msgid, infno, psn_no, insuplc_admdvs, state FROM messages "
                                 "WHERE state IN ('pending','sent')"))
            now = now_text()
            for m in rows:
                if m["infno"][:4] in MONEY_MOVING:
                    db.execute("UPDATE messages SET state='uncertain', updated=?, err_kind='interrupted', "
                               "err_msg='程序中断，未收到应答' WHERE msgid=?", [now, m["msgid"]])
                    self.queue._ensure_reversal(db, m["msgid"], m["infno"], m["psn_no"] or "",
                                                m["insuplc_admdvs"] or "")
                    rep.uncertain.append(m["msgid"])
                else:
                    db.execute("UPDATE messages SET state='failed', updated=?, err_kind='interrupted', "
                               "err_msg='程序中断，未收到应答' WHERE msgid=?", [now, m["msgid"]])
                    rep.failed.append(m["msgid"])
            # uncertain messages whose reversal was never queued (a crash between the two)
            for m in db.query("SELECT msgid, infno, psn_no, insuplc_admdvs FROM messages WHERE state='uncertain' "
                              "AND COALESCE(resolution,'') IN ('','open')"):
                self.queue._ensure_reversal(db, m["msgid"], m["infno"], m["psn_no"] or "", m["insuplc_admdvs"] or "")
            rep.requeued = db.execute("UPDATE queue SET state='queued', next_at=0, updated=? WHERE state='working'",
                                      [now]).rowcount
            db.execute("UPDATE parked SET state='parked', updated=? WHERE state='settling'", [now])
        if rep.uncertain or rep.failed:
            log.warning("recovery: %s", rep.message)
        if client is not None and forward:
            w = self.worker(client)
            try:
                rep.forwarded = [o.as_dict() for o in w.run_once(ignore_backoff=True)]
            except Exception as e:  # the worker will try again
                log.warning("recovery forwarding failed: %s", e)
        return rep

    # reading the journal -------------------------------------------------------------------------
    def messages(self, day: str | None = None, *, states: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM messages WHERE day=?", [day or today()]
        if states:
            sql += f" AND state IN ({','.join('?' * len(states))})"
            params += list(states)
        return self.sdb.rows(sql + " ORDER BY created, rowid", params)

    def resolution(self, msgid: str) -> str:
        """How an uncertain settlement message ended: '' (not uncertain / unknown msgid), 'reversing',
        'reversed' or 'not_booked' (both mean: settle anew), or 'reversal_refused' (the cashier must act)."""
        m = self.message(msgid)
        if not m:
            return ""
        res = m["resolution"] or ""
        if res == "reversing" and any(i.state == "failed" for i in self.queue.items(kind="reversal")
                                      if i.omsgid == msgid):
            return "reversal_refused"
        return res

    def message(self, msgid: str) -> dict[str, Any] | None:
        return self.sdb.one("SELECT * FROM messages WHERE msgid=?", [msgid])

    def settlements(self, day: str | None = None, *, status: str | None = None) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM settlements WHERE 1=1", []
        if day:
            sql += " AND day=?"
            params.append(day)
        if status:
            sql += " AND status=?"
            params.append(status)
        return self.sdb.rows(sql + " ORDER BY created, msgid", params)

    def _resolve(self, db, omsgid: str, resolution: str, by_msgid: str) -> None:
        """A 2601 settled the fate of omsgid (inside the answer's transaction)."""
        if not omsgid:
            return
        now = now_text()
        db.execute("UPDATE messages SET resolution=?, resolved_by=?, updated=? WHERE msgid=?",
                   [resolution, by_msgid, now, omsgid])
        if resolution == "reversed":
            row = db.execute("SELECT kind, orig_setl_id FROM settlements WHERE msgid=?", [omsgid]).fetchone()
            db.execute("UPDATE settlements SET status='reversed', updated=? WHERE msgid=?", [now, omsgid])
            if row and row[0] == "cancel" and row[1]:
                db.execute("UPDATE settlements SET status='settled', updated=? WHERE setl_id=? AND kind='settle' "
                           "AND status='cancelled'", [now, row[1]])
        for (qid,) in db.execute("SELECT id FROM queue WHERE kind='reversal' AND omsgid=? AND state IN "
                                 "('queued','working','failed')", [omsgid]).fetchall():
            self.queue._finish(db, qid, "done", result={"resolution": resolution, "by": by_msgid})

    # reconciliation ------------------------------------------------------------------------------
    def reconcile(self, client: Any, day: str | None = None, **kw: Any) -> ReconcileReport:
        return self.reconciler.reconcile(client, day, **kw)


def _owner_lock(path: Path) -> int | None:
    """An exclusive, non-blocking lock held for the Store's life; the kernel drops it when the process dies."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; one terminal process per journal is assumed
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd
