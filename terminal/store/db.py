"""The store's SQLite database through sqlite-utils: WAL, synchronous=FULL, one schema.

One connection per Store, shared by the UI thread and the queue worker under a lock; several processes
(the app and a CLI command) may open the same file: WAL plus a busy timeout serialise their writes.
Write transactions are ``BEGIN IMMEDIATE`` so two processes never deadlock upgrading a read lock:
:func:`write_tx`, the one transaction helper of every SQLite file of the project (the journal, the ward book,
the sandbox's ledger).
"""
from __future__ import annotations

import itertools
import sqlite3
import threading
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator

from terminal import fsperm
from terminal.core.models import SETL_AMOUNT_FIELDS

from .errors import JournalOpenError, JournalTooNew


def _import_sqlite_utils() -> ModuleType:
    """sqlite_utils imports numpy and pandas at import time, when present, only to map their types (the store
    never writes them): about 150 ms of the app's cold start. Import it with both hidden, unless already loaded."""
    import sys

    hidden = [m for m in ("numpy", "pandas") if m not in sys.modules]
    for m in hidden:
        sys.modules[m] = None  # type: ignore[assignment]  # makes `import m` raise ImportError
    try:
        import sqlite_utils as su
    finally:
        for m in hidden:
            if sys.modules.get(m, 0) is None:
                del sys.modules[m]
    return su


if TYPE_CHECKING:
    import sqlite_utils
else:
    sqlite_utils = _import_sqlite_utils()


_TEXT, _INT, _REAL = str, int, float

MESSAGES = {
    "msgid": _TEXT, "infno": _TEXT, "day": _TEXT, "created": _TEXT, "updated": _TEXT, "state": _TEXT,
    "attempts": _INT, "operator": _TEXT, "url": _TEXT, "psn_no": _TEXT, "insuplc_admdvs": _TEXT,
    "mdtrt_id": _TEXT, "setl_id": _TEXT, "omsgid": _TEXT, "oinfno": _TEXT, "park_id": _TEXT,
    "request": _TEXT, "answer": _TEXT, "infcode": _TEXT, "err_kind": _TEXT, "err_msg": _TEXT, "sent": _INT,
    "elapsed_ms": _INT, "inf_refmsgid": _TEXT, "resolution": _TEXT, "resolved_by": _TEXT,
}
SETTLEMENTS = {
    "msgid": _TEXT, "kind": _TEXT, "setl_id": _TEXT, "orig_setl_id": _TEXT, "mdtrt_id": _TEXT, "psn_no": _TEXT,
    "psn_name": _TEXT, "insutype": _TEXT, "clr_type": _TEXT, "clr_optins": _TEXT, "clr_way": _TEXT,
    "setl_time": _TEXT, "day": _TEXT, "status": _TEXT, "park_id": _TEXT, "created": _TEXT, "updated": _TEXT,
    **{k: _TEXT for k in SETL_AMOUNT_FIELDS},
}
QUEUE = {
    "id": _INT, "seq": _INT, "kind": _TEXT, "infno": _TEXT, "visit_key": _TEXT, "state": _TEXT, "msgid": _TEXT,
    "params": _TEXT, "summary": _TEXT, "attempts": _INT, "next_at": _REAL, "last_error": _TEXT, "result": _TEXT,
    "created": _TEXT, "created_ts": _REAL, "updated": _TEXT, "done_at": _TEXT, "park_id": _TEXT, "omsgid": _TEXT,
    "psn_no": _TEXT,
}
PAYLOADS = {"msgid": _TEXT, "queue_id": _INT, "infno": _TEXT, "url": _TEXT, "envelope": _TEXT, "created": _TEXT}
PARKED = {
    "park_id": _TEXT, "created": _TEXT, "updated": _TEXT, "state": _TEXT, "step": _TEXT, "operator": _TEXT,
    "cert_type": _TEXT, "cert_masked": _TEXT, "name_masked": _TEXT, "psn_no": _TEXT, "insutype": _TEXT,
    "insuplc_admdvs": _TEXT, "bill": _TEXT, "total": _TEXT, "queue_id": _INT, "mdtrt_id": _TEXT,
    "settle_msgid": _TEXT, "setl_id": _TEXT, "settlement": _TEXT, "medfee_sumamt": _TEXT, "psn_cash_pay": _TEXT,
    "fund_pay_sumamt": _TEXT, "acct_pay": _TEXT, "hosp_part_amt": _TEXT, "refund_due": _TEXT,
    "refund_paid_at": _TEXT, "refund_paid_by": _TEXT, "error": _TEXT, "settled_at": _TEXT,
}
PARKED_SECRETS = {"park_id": _TEXT, "cert_no": _TEXT, "card_sn": _TEXT}
RECONCILIATIONS = {
    "id": _INT, "day": _TEXT, "created": _TEXT, "insutype": _TEXT, "clr_type": _TEXT, "setl_optins": _TEXT,
    "data": _TEXT, "msgid": _TEXT, "state": _TEXT, "stmt_rslt": _TEXT, "stmt_rslt_dscr": _TEXT,
    "settlements": _TEXT, "queue_id": _INT,
}


# Migrations (sqlite-utils' Migrations, recorded in _sqlite_migrations). Append only: never edit or reorder a
# released one; a journal of a newer program (a migration this one does not know) is refused at open.
MIGRATIONS = sqlite_utils.Migrations("yibao-journal")


@MIGRATIONS(name="0001_initial")
def _m0001_initial(db: sqlite_utils.Database) -> None:
    """The schema of 0.1.0 (journals made then already have it: every statement is if-not-exists)."""
    db.table("messages").create(MESSAGES, pk="msgid", if_not_exists=True)
    db.table("settlements").create(SETTLEMENTS, pk="msgid", if_not_exists=True)
    db.table("queue").create(QUEUE, pk="id", if_not_exists=True)
    db.table("payloads").create(PAYLOADS, pk="msgid", if_not_exists=True)
    db.table("parked").create(PARKED, pk="park_id", if_not_exists=True)
    db.table("parked_secrets").create(PARKED_SECRETS, pk="park_id", if_not_exists=True)
    db.table("reconciliations").create(RECONCILIATIONS, pk="id", if_not_exists=True)
    db.table("meta").create({"key": str, "value": str}, pk="key", if_not_exists=True)
    for table, cols in (("messages", ["day"]), ("messages", ["state"]), ("messages", ["psn_no"]),
                        ("messages", ["omsgid"]), ("messages", ["park_id"]), ("settlements", ["day"]),
                        ("settlements", ["setl_id"]), ("queue", ["state", "seq"]),
                        ("queue", ["visit_key"]), ("queue", ["omsgid"]), ("parked", ["state"])):
        db.table(table).create_index(cols, if_not_exists=True)


@MIGRATIONS(name="0002_owners")
def _m0002_owners(db: sqlite_utils.Database) -> None:
    """Who owns a message or queue item in flight (terminal.store.owners): recovery skips live owners."""
    _add_columns(db, "messages", {"owner": _TEXT})
    _add_columns(db, "queue", {"owner": _TEXT})


@MIGRATIONS(name="0003_settlement_context")
def _m0003_settlement_context(db: sqlite_utils.Database) -> None:
    """The bill a settlement paid (HIS charge number and a digest of its lines), who settled it, and the
    platform's warn_msg kept with the message and the settlement."""
    _add_columns(db, "messages", {"warn_msg": _TEXT, "bill_no": _TEXT, "bill_digest": _TEXT})
    _add_columns(db, "settlements", {"bill_no": _TEXT, "bill_digest": _TEXT, "operator": _TEXT,
                                     "warn_msg": _TEXT, "shown_at": _TEXT})
    db.table("settlements").create_index(["bill_no"], if_not_exists=True)
    db.table("settlements").create_index(["psn_no", "bill_digest"], if_not_exists=True)


OVERRIDES = {
    "id": _INT, "created": _TEXT, "kind": _TEXT, "bill_no": _TEXT, "psn_no": _TEXT, "earlier_setl_id": _TEXT,
    "earlier_msgid": _TEXT, "supervisor": _TEXT, "operator": _TEXT, "reason": _TEXT, "token": _TEXT, "msgid": _TEXT,
}


@MIGRATIONS(name="0004_overrides")
def _m0004_overrides(db: sqlite_utils.Database) -> None:
    """Supervisor overrides of the duplicate-bill guard (terminal.store.duplicates): who allowed which second
    settlement of a bill, why, and the 2207 it let through; and the indexes the guard reads by."""
    db.table("overrides").create(OVERRIDES, pk="id", if_not_exists=True)
    db.table("overrides").create_index(["token"], if_not_exists=True)
    db.table("overrides").create_index(["bill_no"], if_not_exists=True)
    db.table("messages").create_index(["bill_no"], if_not_exists=True)
    db.table("messages").create_index(["psn_no", "bill_digest"], if_not_exists=True)


RECON_RUNS = {
    "id": _INT, "day": _TEXT, "created": _TEXT, "operator": _TEXT, "state": _TEXT, "summary": _TEXT,
    "file_qury_no": _TEXT, "filename": _TEXT, "file_bytes": _INT, "result_bytes": _INT, "lines": _INT,
    "differences": _INT, "open": _INT, "elapsed_ms": _INT, "report": _TEXT,
}
RECON_DIFFS = {
    "id": _INT, "run_id": _INT, "day": _TEXT, "key": _TEXT, "kind": _TEXT, "setl_id": _TEXT, "msgid": _TEXT,
    "mdtrt_id": _TEXT, "psn_no": _TEXT, "refd_setl_flag": _TEXT, "clr_type": _TEXT, "setl_optins": _TEXT,
    "data": _TEXT, "suggested": _TEXT,
}
RECON_FIXES = {
    "id": _INT, "diff_id": _INT, "day": _TEXT, "key": _TEXT, "created": _TEXT, "action": _TEXT,
    "supervisor": _TEXT, "operator": _TEXT, "reason": _TEXT, "setl_id": _TEXT, "msgid": _TEXT,
    "queue_id": _INT, "result": _TEXT,
}
RECON_RECORDS = {
    "id": _INT, "day": _TEXT, "fix_id": _INT, "setl_id": _TEXT, "mdtrt_id": _TEXT, "psn_no": _TEXT,
    "medfee_sumamt": _TEXT, "fund_pay_sumamt": _TEXT, "acct_pay": _TEXT, "refd_setl_flag": _TEXT,
    "clr_type": _TEXT, "setl_optins": _TEXT, "note": _TEXT, "created": _TEXT,
}


@MIGRATIONS(name="0005_reconciliation_detail")
def _m0005_reconciliation_detail(db: sqlite_utils.Database) -> None:
    """Detail reconciliation (3202, terminal.store.reconcile): each run of a day, the differences it found,
    the supervisor's fixes, and the platform's settlements recorded as booked elsewhere / cancelled outside
    (they go into the day's detail file from then on); a note on a settlement row a fix changed."""
    db.table("recon_runs").create(RECON_RUNS, pk="id", if_not_exists=True)
    db.table("recon_diffs").create(RECON_DIFFS, pk="id", if_not_exists=True)
    db.table("recon_fixes").create(RECON_FIXES, pk="id", if_not_exists=True)
    db.table("recon_records").create(RECON_RECORDS, pk="id", if_not_exists=True)
    db.table("recon_runs").create_index(["day"], if_not_exists=True)
    db.table("recon_diffs").create_index(["run_id"], if_not_exists=True)
    db.table("recon_fixes").create_index(["day", "key"], if_not_exists=True)
    db.table("recon_records").create_index(["day"], if_not_exists=True)
    _add_columns(db, "settlements", {"recon_note": _TEXT})


TENDERS = {
    "id": _INT, "created": _TEXT, "day": _TEXT, "operator": _TEXT, "kind": _TEXT, "msgid": _TEXT, "setl_id": _TEXT,
    "method": _TEXT, "amount": _TEXT, "tendered": _TEXT, "change": _TEXT, "reference": _TEXT, "note": _TEXT,
}
SHIFTS = {
    "id": _INT, "operator": _TEXT, "day": _TEXT, "opened": _TEXT, "closed": _TEXT, "closed_by": _TEXT,
    "kind": _TEXT, "report": _TEXT, "counted_cash": _TEXT, "note": _TEXT,
}


@MIGRATIONS(name="0006_tenders_and_shifts")
def _m0006_tenders_and_shifts(db: sqlite_utils.Database) -> None:
    """The tender of each settlement (terminal.core.tender: method, amount, tendered, change, the provider's
    reference; kind 'pay', or 'refund' paid back on a cancellation) keyed by the settlement's msgid; and the
    cashiers' shift closes (交班) and the supervisor's day closes (日结, kind 'day') with the report signed off."""
    db.table("tenders").create(TENDERS, pk="id", if_not_exists=True)
    db.table("tenders").create_index(["msgid"], if_not_exists=True)
    db.table("tenders").create_index(["day", "operator"], if_not_exists=True)
    db.table("shifts").create(SHIFTS, pk="id", if_not_exists=True)
    db.table("shifts").create_index(["operator", "day"], if_not_exists=True)


HIS_BILLS = {
    "bill_no": _TEXT, "created": _TEXT, "updated": _TEXT, "state": _TEXT, "source": _TEXT, "digest": _TEXT,
    "version": _INT, "bill": _TEXT, "total": _TEXT, "hint_name": _TEXT, "hint_id_no": _TEXT, "hint_card_no": _TEXT,
    "history": _TEXT,
}
HIS_EVENTS = {
    "event_id": _TEXT, "bill_no": _TEXT, "kind": _TEXT, "ref": _TEXT, "created": _TEXT, "created_ts": _REAL,
    "body": _TEXT, "state": _TEXT, "attempts": _INT, "next_at": _REAL, "last_error": _TEXT, "delivered_at": _TEXT,
}


@MIGRATIONS(name="0007_his")
def _m0007_his(db: sqlite_utils.Database) -> None:
    """The hospital system's link (terminal.his): the bills the HIS pushed (state pending / withdrawn; what
    became of them is read from the settlements, messages, parked and tenders by bill_no) with the patient hint
    they came with (``history``: the settlement / reversal msgids of the bill_no already cancelled or reversed when
    it was (re)pushed), and the outgoing callback events (one row per event id, delivered at least once)."""
    db.table("his_bills").create(HIS_BILLS, pk="bill_no", if_not_exists=True)
    db.table("his_bills").create_index(["state"], if_not_exists=True)
    db.table("his_events").create(HIS_EVENTS, pk="event_id", if_not_exists=True)
    db.table("his_events").create_index(["state", "next_at"], if_not_exists=True)
    db.table("his_events").create_index(["bill_no"], if_not_exists=True)


@MIGRATIONS(name="0008_open_queue_index")
def _m0008_open_queue_index(db: sqlite_utils.Database) -> None:
    """The queue's open items by visit (claiming an item asks whether an earlier one of its visit is open): a
    partial index, so a claim does not read the visit's whole history; the payloads by item (removed when it
    ends)."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_queue_open_visit ON queue (visit_key, seq) "
               "WHERE state IN ('queued', 'working', 'failed')")
    db.table("payloads").create_index(["queue_id"], if_not_exists=True)


TRACE_CODES = {
    "code": _TEXT, "status": _TEXT, "setl_id": _TEXT, "msgid": _TEXT, "sale_no": _TEXT, "feedetl_sn": _TEXT,
    "hilist_code": _TEXT, "name": _TEXT, "psn_no": _TEXT, "operator": _TEXT, "day": _TEXT, "sold": _TEXT,
    "released": _TEXT, "released_by": _TEXT,
}


@MIGRATIONS(name="0009_trace_codes")
def _m0009_trace_codes(db: sqlite_utils.Database) -> None:
    """The drug traceability codes (药品追溯码) this terminal sold: one row per code, written in the transaction
    that records the pharmacy settlement (2102) and marked 'released' by its cancellation (2103) or reversal
    (2601) (terminal.store.pharmacy)."""
    db.table("trace_codes").create(TRACE_CODES, pk="code", if_not_exists=True)
    db.table("trace_codes").create_index(["setl_id"], if_not_exists=True)
    db.table("trace_codes").create_index(["msgid"], if_not_exists=True)


SCHEMA_VERSION = len(MIGRATIONS._migrations)
KNOWN_MIGRATIONS = frozenset(m.name for m in MIGRATIONS._migrations)


def _add_columns(db: sqlite_utils.Database, table: str, cols: dict[str, type]) -> None:
    have = set(db.table(table).columns_dict)
    for name, typ in cols.items():
        if name not in have:
            db.table(table).add_column(name, typ)


def _applied(db: sqlite_utils.Database) -> set[str]:
    return {m.name for m in MIGRATIONS.applied(db)}


def _refuse_newer(path: Path, applied: set[str]) -> None:
    unknown = sorted(applied - KNOWN_MIGRATIONS)
    if unknown:
        raise JournalTooNew(str(path), unknown)


_savepoints = itertools.count(1)


@contextmanager
def write_tx(conn: sqlite3.Connection, lock: AbstractContextManager[object]) -> Iterator[sqlite3.Connection]:
    """A write transaction on ``conn`` (opened with ``isolation_level=None``): ``BEGIN IMMEDIATE`` under
    ``lock`` (the threads sharing the connection) and SQLite's write lock (other processes); committed when the
    block ends, rolled back when it raises (the exception goes on).

    Nested use is supported: inside a transaction of the same connection the block is a savepoint. When it
    raises, only its own writes are undone; the outer transaction goes on if the caller catches the error."""
    if conn.isolation_level is not None:
        raise ValueError("write_tx needs a connection opened with isolation_level=None")
    with lock:
        if conn.in_transaction:
            name = f"write_tx_{next(_savepoints)}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:  # an error such as SQLITE_FULL may have ended the whole transaction
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                raise
            conn.execute(f"RELEASE {name}")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def insert_row(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> int:
    """Insert ``row`` into ``table`` (an integer primary key): the new row's id."""
    pk = db.table(table).insert(row).last_pk
    if pk is None:  # sqlite-utils sets it after every single-row insert
        raise sqlite3.DatabaseError(f"no id for the row inserted into {table}")
    return int(pk)


def now_text() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def today() -> str:
    return datetime.now().strftime("%Y-%m-%d")


class StoreDB:
    """A sqlite-utils Database with the store's pragmas, schema and a re-entrant write lock."""

    def __init__(self, path: str | Path, *, timeout: float = 10.0):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None, check_same_thread=False)
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            fsperm.secure_sqlite(self.path, directory=True)  # 0600 (-wal/-shm take its mode), the dir 0700
        except (OSError, sqlite3.Error) as e:
            from .errors import sqlite_reason

            reason = sqlite_reason(e) if isinstance(e, sqlite3.Error) else (e.strerror or str(e))
            raise JournalOpenError(str(self.path), reason) from e
        self.db = sqlite_utils.Database(conn)
        self.lock = threading.RLock()
        self.read_only = False
        with self.lock:
            self.db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            try:
                if self.db.journal_mode != "wal":
                    self.db.enable_wal()
            except sqlite3.OperationalError:
                self.read_only = True  # opened anyway so that the journal can be read; writes will fail
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            try:
                if self.read_only:
                    _refuse_newer(self.path, _applied(self.db))
                else:
                    self._schema()
            except JournalTooNew:
                self.db.close()
                raise
            except sqlite3.OperationalError:
                self.read_only = True

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def _schema(self) -> None:
        """Bring the journal to this program's schema: pending migrations run in one write transaction
        (BEGIN IMMEDIATE, the store lock across processes); a journal made by a newer program is refused."""
        applied = _applied(self.db)
        _refuse_newer(self.path, applied)
        if all(m.name in applied for m in MIGRATIONS._migrations):
            return
        with self.tx():
            applied = _applied(self.db)  # another process may have migrated while we waited for the lock
            _refuse_newer(self.path, applied)
            MIGRATIONS.apply(self.db)
            self.db.table("meta").upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")

    @contextmanager
    def tx(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction (:func:`write_tx`: BEGIN IMMEDIATE under the lock; nested calls are savepoints)."""
        with write_tx(self.conn, self.lock):
            yield self.db

    def rows(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.db.query(sql, params))

    def one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        r = self.rows(sql, params)
        return r[0] if r else None
