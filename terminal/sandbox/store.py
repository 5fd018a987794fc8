"""The sandbox platform's state in SQLite (stdlib sqlite3, WAL). Amounts are stored as Decimal strings, and
summed in Python, never with SQL SUM (which would go through binary floats)."""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

from terminal.store.db import write_tx

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- every answered message with a valid envelope: the idempotency store (a repeated msgid gets this answer)
CREATE TABLE IF NOT EXISTS messages (
    msgid TEXT PRIMARY KEY, infno TEXT NOT NULL, fixmedins_code TEXT NOT NULL, psn_no TEXT NOT NULL DEFAULT '',
    infcode INTEGER NOT NULL, received TEXT NOT NULL, response BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signins (
    sign_no TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, opter_no TEXT NOT NULL, sign_date TEXT NOT NULL,
    sign_time TEXT NOT NULL, status TEXT NOT NULL, signout_time TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS ectokens (
    token TEXT PRIMARY KEY, person_key TEXT NOT NULL, psn_no TEXT NOT NULL, issued TEXT NOT NULL,
    expires TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    psn_no TEXT NOT NULL, insutype TEXT NOT NULL, balc TEXT NOT NULL, PRIMARY KEY (psn_no, insutype));
CREATE TABLE IF NOT EXISTS usage (
    psn_no TEXT NOT NULL, insutype TEXT NOT NULL, year INTEGER NOT NULL, benefit TEXT NOT NULL,
    ded_used TEXT NOT NULL, pool_paid TEXT NOT NULL, big_paid TEXT NOT NULL,
    PRIMARY KEY (psn_no, insutype, year, benefit));
CREATE TABLE IF NOT EXISTS visits (
    mdtrt_id TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, psn_no TEXT NOT NULL, insutype TEXT NOT NULL,
    insuplc_admdvs TEXT NOT NULL, mdtrtarea_admvs TEXT NOT NULL, med_type TEXT NOT NULL DEFAULT '11',
    begntime TEXT NOT NULL DEFAULT '', ipt_otp_no TEXT NOT NULL DEFAULT '', dise_codg TEXT NOT NULL DEFAULT '',
    dise_name TEXT NOT NULL DEFAULT '', mdtrt_cert_type TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL, setl_id TEXT NOT NULL DEFAULT '', reg_msgid TEXT NOT NULL, created TEXT NOT NULL);
-- inpatient stays (2401 admission, 2402 discharge); the visit row of the same mdtrt_id carries status and fees
CREATE TABLE IF NOT EXISTS admissions (
    mdtrt_id TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, psn_no TEXT NOT NULL, ipt_no TEXT NOT NULL,
    begntime TEXT NOT NULL, endtime TEXT NOT NULL DEFAULT '', adm_dept_codg TEXT NOT NULL DEFAULT '',
    adm_dept_name TEXT NOT NULL DEFAULT '', atddr_no TEXT NOT NULL DEFAULT '', dr_name TEXT NOT NULL DEFAULT '',
    adm_bed TEXT NOT NULL DEFAULT '', adm_diag_dscr TEXT NOT NULL DEFAULT '', dscg_way TEXT NOT NULL DEFAULT '',
    dscg_dept_codg TEXT NOT NULL DEFAULT '', dscg_dise_codg TEXT NOT NULL DEFAULT '',
    dscg_dise_name TEXT NOT NULL DEFAULT '', filing_no TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
    adm_msgid TEXT NOT NULL, dscg_msgid TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS admissions_psn ON admissions (psn_no, status);
CREATE TABLE IF NOT EXISTS fees (
    id INTEGER PRIMARY KEY, mdtrt_id TEXT NOT NULL, feedetl_sn TEXT NOT NULL, chrg_bchno TEXT NOT NULL,
    msgid TEXT NOT NULL, med_list_codg TEXT NOT NULL, medins_list_codg TEXT NOT NULL, name TEXT NOT NULL,
    pric TEXT NOT NULL, cnt TEXT NOT NULL, det_item_fee_sumamt TEXT NOT NULL, fulamt_ownpay_amt TEXT NOT NULL,
    overlmt_amt TEXT NOT NULL, preselfpay_amt TEXT NOT NULL, inscp_scp_amt TEXT NOT NULL,
    chrgitm_lv TEXT NOT NULL, status TEXT NOT NULL, setl_id TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS fees_visit ON fees (mdtrt_id, status);
-- every booked settlement (2207), cancellation (2208) and reversal (2601)
CREATE TABLE IF NOT EXISTS ledger (
    id INTEGER PRIMARY KEY, msgid TEXT NOT NULL, infno TEXT NOT NULL, setl_id TEXT NOT NULL,
    orig_setl_id TEXT NOT NULL DEFAULT '', omsgid TEXT NOT NULL DEFAULT '', oinfno TEXT NOT NULL DEFAULT '',
    mdtrt_id TEXT NOT NULL, psn_no TEXT NOT NULL, insutype TEXT NOT NULL, fixmedins_code TEXT NOT NULL,
    med_type TEXT NOT NULL, clr_type TEXT NOT NULL, clr_way TEXT NOT NULL, clr_optins TEXT NOT NULL,
    benefit TEXT NOT NULL, year INTEGER NOT NULL, setl_time TEXT NOT NULL, setl_date TEXT NOT NULL,
    status TEXT NOT NULL, amounts TEXT NOT NULL, setldetail TEXT NOT NULL, setlinfo TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ledger_msgid ON ledger (msgid);
CREATE INDEX IF NOT EXISTS ledger_setl ON ledger (setl_id);
-- files uploaded with 9101 and the results of 3202, downloaded with 9102 (terminal/sandbox/statements.py)
CREATE TABLE IF NOT EXISTS files (
    file_qury_no TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, filename TEXT NOT NULL, kind TEXT NOT NULL,
    data BLOB NOT NULL, created TEXT NOT NULL, dld_endtime TEXT NOT NULL, msgid TEXT NOT NULL);
-- the pharmacy (pharmacy.py): traceability codes sold (2102; released by 2103 / 2601) and the 3505 sales uploads
CREATE TABLE IF NOT EXISTS trace_sold (
    code TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, setl_id TEXT NOT NULL, msgid TEXT NOT NULL,
    med_list_codg TEXT NOT NULL, status TEXT NOT NULL, sold TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sales (
    fixmedins_code TEXT NOT NULL, rtal_docno TEXT NOT NULL, fixmedins_bchno TEXT NOT NULL, msgid TEXT NOT NULL,
    setl_id TEXT NOT NULL, med_list_codg TEXT NOT NULL, cnt TEXT NOT NULL, codes TEXT NOT NULL,
    received TEXT NOT NULL, output TEXT NOT NULL, PRIMARY KEY (fixmedins_code, rtal_docno, fixmedins_bchno));
-- outpatient chronic-disease filings booked with 2503 (those of the data files are in data/chronic.json)
CREATE TABLE IF NOT EXISTS chronic_filings (
    trt_dcla_detl_sn TEXT PRIMARY KEY, psn_no TEXT NOT NULL, insutype TEXT NOT NULL, opsp_dise_code TEXT NOT NULL,
    opsp_dise_name TEXT NOT NULL, begndate TEXT NOT NULL, enddate TEXT NOT NULL DEFAULT '',
    fixmedins_code TEXT NOT NULL, msgid TEXT NOT NULL, created TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reversals (
    omsgid TEXT PRIMARY KEY, oinfno TEXT NOT NULL, msgid TEXT NOT NULL, output TEXT NOT NULL);
"""


class Store:
    """One connection shared by the handler threads, serialised by a lock (the sandbox is not about speed)."""

    def __init__(self, path: str | Path):
        from terminal import fsperm

        self.path = Path(path)
        fsperm.private_dir(self.path.parent, tighten=False)
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=10)
        fsperm.secure_sqlite(self.path)  # 0600 before the WAL files exist: they take the main file's mode
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        self.closed = False

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction under the lock (terminal.store.db.write_tx): commits on success, rolls back on any
        exception."""
        with self.lock:
            if self.closed:
                raise RuntimeError("sandbox store is closed")
            with write_tx(self.conn, self.lock) as conn:
                yield conn

    def read(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self.lock:
            if self.closed:
                raise RuntimeError("sandbox store is closed")
            return self.conn.execute(sql, params).fetchall()

    def next_serial(self, conn: sqlite3.Connection, name: str) -> int:
        """A counter that survives restarts (call inside tx)."""
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (name,)).fetchone()
        n = int(row["value"]) + 1 if row else 1
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (name, str(n)))
        return n

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.closed = True
                self.conn.close()
