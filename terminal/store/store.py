"""The Store: journal, offline queue, deferred settlements and reconciliation over one SQLite file."""
from __future__ import annotations

import logging
import sqlite3
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terminal.backend.errors import PlatformError
from terminal.core.models import Bill, Credential
from terminal.core.protocol import MONEY_MOVING

from .db import StoreDB, now_text, today
from .errors import JournalOpenError
from .journal import Journal, light_tx
from .outbox import Outbox, QueueStatus
from .owners import Liveness, OwnerToken
from .parked import ParkedBill, ParkSlip, Parking, Refund
from .pharmacy import TraceBook
from .reconcile import Reconciler, ReconcileReport
from .shifts import Shifts
from .tenders import TenderBook

if TYPE_CHECKING:  # pragma: no cover
    import sqlite_utils

    from terminal.backend.client import PlatformClient
    from terminal.config.model import Config

    from .outbox import QueueItem
    from .parked import Settler
    from .worker import QueueWorker
    from .worker_host import Wakeable

log = logging.getLogger(__name__)

UNCERTAIN_MESSAGE = "结算结果未知，正在冲正；冲正完成后请重新结算"


@dataclass
class RecoveryReport:
    """What :meth:`Store.recover` found after a restart."""

    uncertain: list[str] = field(default_factory=list)   # money-moving msgids now being reversed
    failed: list[str] = field(default_factory=list)      # other interrupted messages, closed as failed
    requeued: int = 0                                     # queue items that were 'working'
    forwarded: list[dict[str, Any]] = field(default_factory=list)  # outcomes of the immediate forwarding
    live: int = 0  # messages and queue items in flight in another live process: left alone
    completed: list[dict[str, Any]] = field(default_factory=list)  # settled while nobody saw the result

    @property
    def message(self) -> str:
        parts = []
        if self.completed:
            parts.append("上次结算已完成：" + "；".join(_completed_text(c) for c in self.completed)
                         + "，请核对是否已收费")
        if not (self.uncertain or self.failed or self.requeued):
            if self.live and not parts:
                return f"交易日志正常；另一个运行中的程序有 {self.live} 笔交易正在进行，由它完成"
            return "；".join(parts) if parts else "交易日志正常，无未完成交易"
        if self.uncertain:
            parts.append(f"{len(self.uncertain)} 笔结算结果未知，已排队冲正")
        if self.failed:
            parts.append(f"{len(self.failed)} 笔中断的交易已关闭")
        if self.requeued:
            parts.append(f"{self.requeued} 项离线业务重新排队")
        head = "；".join(parts[:1]) + "；" if self.completed else ""
        rest = parts[1:] if self.completed else parts
        return head + "上次运行未正常结束：" + "，".join(rest) if rest else head.rstrip("；")

    def as_dict(self) -> dict[str, Any]:
        return {"uncertain": self.uncertain, "failed": self.failed, "requeued": self.requeued,
                "forwarded": self.forwarded, "live": self.live, "completed": self.completed,
                "message": self.message}


def _completed_text(c: dict[str, Any]) -> str:
    return (f"{c.get('setl_time') or c.get('created') or ''} 结算号 {c.get('setl_id')} 总额 {c.get('medfee_sumamt')} "
            f"现金 {c.get('psn_cash_pay')}（收费员 {c.get('operator') or '?'}）")


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
        self.shifts = Shifts(self.sdb)  # shift reports and closes (交班, 日结)
        self.tenders = TenderBook(self.sdb)  # how each settlement was paid (收款) and refunded
        self.trace_codes = TraceBook(self)  # the pharmacy's traceability codes sold (药品追溯码)
        self._workers: weakref.WeakSet[Wakeable] = weakref.WeakSet()
        # reversals the disk refused: omsgid -> (oinfno, psn, insuplc)
        self._unqueued: dict[str, tuple[str, str, str]] = {}
        try:
            self._token: OwnerToken | None = OwnerToken(self.path)
        except OSError as e:
            self.sdb.close()
            raise JournalOpenError(str(self.path), f"无法创建进程锁 {e}") from e

    @property
    def token(self) -> str:
        """This Store's owner token: messages it sends and queue items it works on carry it."""
        return self._token.token if self._token else ""

    @classmethod
    def from_config(cls, cfg: Config) -> Store:
        """The journal of a terminal.config.Config: ``cfg.data_dir / "journal.sqlite"`` with its queue limits."""
        store = cls(cfg.data_dir / "journal.sqlite", max_queue_items=cfg.store.max_queue_items,
                    max_queue_age_hours=cfg.store.max_queue_age_hours)
        store.reconciler.configure(cfg.reconcile)  # 3201 group defaults
        return store

    def close(self) -> None:
        for w in list(self._workers):
            w.stop()
        self.sdb.close()
        if self._token is not None:
            self._token.release()
            self._token = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # wiring --------------------------------------------------------------------------------------
    @property
    def observer(self) -> Journal:
        return self.journal

    def attach(self, client: PlatformClient) -> PlatformClient:
        return self.journal.attach(client)

    def worker(self, client: PlatformClient, service: Settler | None = None, **kw: Any) -> QueueWorker:
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

    def blocking_reversals(self, psn_no: str) -> list[QueueItem]:
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
    def recover(self, client: PlatformClient | None = None, *, forward: bool = True) -> RecoveryReport:
        """Resolve what a crash left open, before any new work.

        Messages journaled but never answered: a 2207/2208 (money-moving) is uncertain and its 2601 is
        queued; anything else is closed as failed. Queue items left 'working' are queued again (same
        msgid). With a ``client`` (and ``forward``), the reversals are tried at once.
        """
        rep = RecoveryReport()
        live = Liveness(self.path, self.token)
        done = False
        try:
            with self.sdb.tx() as db:
                self._recover_in(db, live, rep)
            done = True
        finally:
            live.close(remove_dead=done)  # a dead owner's file goes only once what it left is dealt with
        if rep.uncertain or rep.failed:
            log.warning("recovery: %s", rep.message)
        if client is not None and forward:
            w = self.worker(client)
            try:
                rep.forwarded = [o.as_dict() for o in w.run_once(ignore_backoff=True)]
            except Exception as e:  # the worker will try again
                log.warning("recovery forwarding failed: %s", e)
        return rep

    def reclaim_dead(self) -> int:
        """Queue items another process took (working) and that process has died since: queued again (same msgid),
        their messages judged as recovery judges them (a money-moving one uncertain with its reversal queued,
        any other closed as interrupted). The claim's lease is its owner's lock file (terminal.store.owners):
        held while the owner lives, dropped by the kernel when it dies; a live owner's items are never touched,
        however long they take. Parked bills and everything else a dead process left are for the next start's
        :meth:`recover` (which also tells the cashier). Called by the queue worker now and then. Returns how
        many items were queued again."""
        rows = self.sdb.rows("SELECT DISTINCT owner FROM queue WHERE state='working' AND kind<>'park' AND "
                             "COALESCE(owner, '') <> ?", [self.token])
        if not rows:
            return 0
        live = Liveness(self.path, self.token)
        n = 0
        try:
            dead = [r["owner"] for r in rows if not live.alive(r["owner"])]
            if not dead:
                return 0
            now = now_text()
            with self.sdb.tx() as db:
                for q in list(db.query("SELECT id, owner, msgid FROM queue WHERE state='working' AND kind<>'park' "
                                       f"AND COALESCE(owner, '') IN ({','.join('?' * len(dead))})",
                                       [d or "" for d in dead])):
                    m = db.execute("SELECT infno, psn_no, insuplc_admdvs FROM messages WHERE msgid=? AND "
                                   "state IN ('pending','sent')", [q["msgid"] or ""]).fetchone()
                    if m is not None:
                        mm = m[0][:4] in MONEY_MOVING
                        db.execute("UPDATE messages SET state=?, updated=?, err_kind='interrupted', "
                                   "err_msg='程序中断，未收到应答' WHERE msgid=?",
                                   ["uncertain" if mm else "failed", now, q["msgid"]])
                        if mm:
                            self.queue._ensure_reversal(db, q["msgid"], m[0], m[1] or "", m[2] or "")
                    db.execute("UPDATE queue SET state='queued', next_at=0, owner=NULL, updated=? WHERE id=? "
                               "AND state='working'", [now, q["id"]])
                    n += 1
        finally:
            live.close(remove_dead=False)  # the files stay for the next start's recovery (its notices)
        if n:
            log.warning("queue: %d item(s) of a process that died were queued again", n)
        return n

    def _recover_in(self, db: sqlite_utils.Database, live: Liveness, rep: RecoveryReport) -> None:
        rows = list(db.query("SELECT msgid, infno, psn_no, insuplc_admdvs, state, owner FROM messages "
                             "WHERE state IN ('pending','sent')"))
        now = now_text()
        for m in rows:
            if live.alive(m["owner"]):
                rep.live += 1  # another process still waits on it: not ours to judge
                continue
            if m["infno"][:4] in MONEY_MOVING:
                db.execute("UPDATE messages SET state='uncertain', updated=?, err_kind='interrupted', "
                           "err_msg='程序中断，未收到应答' WHERE msgid=? AND state IN ('pending','sent')",
                           [now, m["msgid"]])
                self.queue._ensure_reversal(db, m["msgid"], m["infno"], m["psn_no"] or "",
                                            m["insuplc_admdvs"] or "")
                rep.uncertain.append(m["msgid"])
            else:
                db.execute("UPDATE messages SET state='failed', updated=?, err_kind='interrupted', "
                           "err_msg='程序中断，未收到应答' WHERE msgid=? AND state IN ('pending','sent')",
                           [now, m["msgid"]])
                rep.failed.append(m["msgid"])
        # uncertain messages whose reversal was never queued (a crash between the two)
        for m in db.query("SELECT msgid, infno, psn_no, insuplc_admdvs FROM messages WHERE state='uncertain' "
                          "AND COALESCE(resolution,'') IN ('','open')"):
            self.queue._ensure_reversal(db, m["msgid"], m["infno"], m["psn_no"] or "", m["insuplc_admdvs"] or "")
        working = list(db.query("SELECT id, owner, park_id FROM queue WHERE state='working'"))
        busy_parks = set()
        for q in working:
            if live.alive(q["owner"]):
                rep.live += 1
                if q["park_id"]:
                    busy_parks.add(q["park_id"])
                continue
            db.execute("UPDATE queue SET state='queued', next_at=0, owner=NULL, updated=? WHERE id=? "
                       "AND state='working'", [now, q["id"]])
            rep.requeued += 1
        for (park_id,) in db.execute("SELECT park_id FROM parked WHERE state='settling'").fetchall():
            if park_id not in busy_parks:
                db.execute("UPDATE parked SET state='parked', updated=? WHERE park_id=?", [now, park_id])
        # settlements booked by a process that died before its caller had the result (the crash came
        # after the commit): nobody saw them, so the cashier is told once.
        for t in live.scan():
            for r in list(db.query("SELECT s.* FROM settlements s JOIN messages m ON m.msgid = s.msgid "
                                   "WHERE m.owner=? AND s.kind='settle' AND s.status='settled' AND "
                                   "s.shown_at IS NULL", [t])):
                rep.completed.append({k: r.get(k) for k in ("msgid", "setl_id", "setl_time", "created",
                                                            "medfee_sumamt", "fund_pay_sumamt", "acct_pay",
                                                            "psn_cash_pay", "operator", "bill_no")})
                db.execute("UPDATE settlements SET shown_at=? WHERE msgid=?", [f"recovery {now}", r["msgid"]])

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

    def in_flight_elsewhere(self, msgid: str) -> bool:
        """True while the message is pending or sent and its owner is another live process: nobody else may
        judge it (reverse it, resend it, close it) until that process has its answer or dies."""
        m = self.sdb.one("SELECT state, owner FROM messages WHERE msgid=?", [msgid])
        if not m or m["state"] not in ("pending", "sent") or m["owner"] == self.token:
            return False
        live = Liveness(self.path, self.token)
        try:
            return live.alive(m["owner"])
        finally:
            live.close(remove_dead=False)

    def settlement_shown(self, msgid: str) -> None:
        """The caller has the settlement's result (it is on the screen or printed by the CLI).

        Committed without an fsync of its own (``light_tx``): it survives a crash of this process and reaches
        the disk with the next durable commit; only a power loss before then loses it, and then the restart
        shows the settlement once more (the safe side)."""
        try:
            with light_tx(self.sdb) as db:
                db.execute("UPDATE settlements SET shown_at=? WHERE msgid=? AND shown_at IS NULL",
                           [now_text(), msgid])
        except sqlite3.Error as e:  # only a restart's notice depends on it
            log.error("cannot mark settlement %s shown: %s", msgid, e)

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

    def _resolve(self, db: sqlite_utils.Database, omsgid: str, resolution: str, by_msgid: str) -> None:
        """A 2601 settled the fate of omsgid (inside the answer's transaction)."""
        if not omsgid:
            return
        now = now_text()
        db.execute("UPDATE messages SET resolution=?, resolved_by=?, updated=? WHERE msgid=?",
                   [resolution, by_msgid, now, omsgid])
        if resolution == "reversed":
            row = db.execute("SELECT kind, orig_setl_id FROM settlements WHERE msgid=?", [omsgid]).fetchone()
            db.execute("UPDATE settlements SET status='reversed', updated=? WHERE msgid=?", [now, omsgid])
            if not TraceBook.released(db, msgid=omsgid, by_msgid=by_msgid):  # a reversed 2102 gives its codes back
                TraceBook.restored(db, omsgid)  # a reversed 2103: they are sold again
            if row and row[0] == "cancel" and row[1]:
                db.execute("UPDATE settlements SET status='settled', updated=? WHERE setl_id=? AND kind='settle' "
                           "AND status='cancelled'", [now, row[1]])
        for (qid,) in db.execute("SELECT id FROM queue WHERE kind='reversal' AND omsgid=? AND state IN "
                                 "('queued','working','failed')", [omsgid]).fetchall():
            self.queue._finish(db, qid, "done", result={"resolution": resolution, "by": by_msgid})

    # reconciliation ------------------------------------------------------------------------------
    def reconcile(self, client: PlatformClient, day: str | None = None, **kw: Any) -> ReconcileReport:
        return self.reconciler.reconcile(client, day, **kw)

