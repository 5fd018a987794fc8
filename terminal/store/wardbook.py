"""The ward book: the local inpatient state in one SQLite file (``data_dir/inpatient.sqlite``, WAL).

Stays, deposits, fee lines, upload batches and settlements of the inpatient desk
(terminal.services.inpatient). Names and credential numbers are stored masked; the credential needed to settle
(and the 2401/2402 input for resending) is kept in a separate table of the same file (mode 0600). Writes go
through :func:`terminal.store.db.write_tx`.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Iterable, Iterator

from terminal.core import wire
from terminal.core.inpatient import Deposit, Stay
from terminal.core.models import Credential
from terminal.core.money import money, msum

from .db import now_text, write_tx

if TYPE_CHECKING:  # pragma: no cover
    from decimal import Decimal

    from terminal.config import Config

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stays (
    adm_no TEXT PRIMARY KEY, mdtrt_id TEXT NOT NULL DEFAULT '', state TEXT NOT NULL, psn_no TEXT NOT NULL,
    name_masked TEXT NOT NULL DEFAULT '', cert_masked TEXT NOT NULL DEFAULT '', cert_type TEXT NOT NULL DEFAULT '',
    insutype TEXT NOT NULL, insuplc_admdvs TEXT NOT NULL, treatment_admdvs TEXT NOT NULL,
    begntime TEXT NOT NULL DEFAULT '', endtime TEXT NOT NULL DEFAULT '', dscg_way TEXT NOT NULL DEFAULT '',
    dept_code TEXT NOT NULL DEFAULT '', dept_name TEXT NOT NULL DEFAULT '', dr_code TEXT NOT NULL DEFAULT '',
    dr_name TEXT NOT NULL DEFAULT '', bed TEXT NOT NULL DEFAULT '', dise_codg TEXT NOT NULL DEFAULT '',
    dise_name TEXT NOT NULL DEFAULT '', setl_id TEXT NOT NULL DEFAULT '', adm_msgid TEXT NOT NULL DEFAULT '',
    dscg_msgid TEXT NOT NULL DEFAULT '', operator TEXT NOT NULL DEFAULT '', created TEXT NOT NULL,
    updated TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS stays_psn ON stays (psn_no, state);
CREATE TABLE IF NOT EXISTS stay_secrets (
    adm_no TEXT PRIMARY KEY, cert_type TEXT NOT NULL, cert_no TEXT NOT NULL, card_sn TEXT NOT NULL DEFAULT '',
    certno TEXT NOT NULL DEFAULT '', adm_input TEXT NOT NULL DEFAULT '', dscg_input TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS deposits (
    id INTEGER PRIMARY KEY, adm_no TEXT NOT NULL, receipt_no TEXT NOT NULL, kind TEXT NOT NULL, amount TEXT NOT NULL,
    method TEXT NOT NULL DEFAULT '', paid_at TEXT NOT NULL, operator TEXT NOT NULL DEFAULT '',
    setl_id TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS deposits_stay ON deposits (adm_no);
CREATE TABLE IF NOT EXISTS fee_lines (
    adm_no TEXT NOT NULL, seq INTEGER NOT NULL, feedetl_sn TEXT NOT NULL, line TEXT NOT NULL, amount TEXT NOT NULL,
    state TEXT NOT NULL, msgid TEXT NOT NULL DEFAULT '', result TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (adm_no, seq));
CREATE INDEX IF NOT EXISTS fee_lines_state ON fee_lines (adm_no, state);
CREATE INDEX IF NOT EXISTS fee_lines_msgid ON fee_lines (msgid);
CREATE UNIQUE INDEX IF NOT EXISTS fee_lines_sn ON fee_lines (adm_no, feedetl_sn);
CREATE TABLE IF NOT EXISTS settlements (
    msgid TEXT PRIMARY KEY, adm_no TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL,
    setl_id TEXT NOT NULL DEFAULT '', orig_setl_id TEXT NOT NULL DEFAULT '', mdtrt_id TEXT NOT NULL DEFAULT '',
    psn_no TEXT NOT NULL DEFAULT '', insuplc_admdvs TEXT NOT NULL DEFAULT '', output TEXT NOT NULL DEFAULT '',
    reconciliation TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '', created TEXT NOT NULL,
    updated TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS settlements_stay ON settlements (adm_no, state);
CREATE INDEX IF NOT EXISTS settlements_setl ON settlements (setl_id);
"""

STAY_COLS = ("adm_no", "mdtrt_id", "state", "psn_no", "name_masked", "cert_masked", "cert_type", "insutype",
             "insuplc_admdvs", "treatment_admdvs", "begntime", "endtime", "dscg_way", "dept_code", "dept_name",
             "dr_code", "dr_name", "bed", "dise_codg", "dise_name", "setl_id", "adm_msgid", "dscg_msgid", "operator",
             "created")
OPEN_SETL_STATES = ("sending", "uncertain", "reversing")


class WardBook:
    """The local inpatient state in one SQLite file. Thread-safe (one connection under a lock)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10)
        self.conn.row_factory = sqlite3.Row
        if new:
            try:
                os.chmod(self.path, 0o600)  # holds credential numbers for settlement
            except OSError:
                pass
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA busy_timeout=10000")
        self.conn.executescript(SCHEMA)

    @classmethod
    def from_config(cls, cfg: Config) -> WardBook:
        return cls(Path(cfg.data_dir) / "inpatient.sqlite")

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def __enter__(self) -> WardBook:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (:func:`write_tx`: BEGIN IMMEDIATE under the lock; nested calls are savepoints)."""
        with write_tx(self.conn, self.lock):
            yield self.conn

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, tuple(params)).fetchall()

    # numbers -------------------------------------------------------------------------------------
    def _next(self, conn: sqlite3.Connection, key: str) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        n = int(row["value"]) + 1 if row else 1
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, str(n)))
        return n

    def next_number(self, prefix: str) -> str:
        """ZY20260616 0001 (admissions), YJ... (deposit receipts), JS... (discharge collect/refund receipts)."""
        day = datetime.now().strftime("%Y%m%d")
        with self.tx() as conn:
            n = self._next(conn, f"{prefix}{day}")
        return f"{prefix}{day}{n:04d}"

    # stays ---------------------------------------------------------------------------------------
    def insert_stay(self, stay: Stay, cred: Credential, certno: str, adm_input: dict[str, Any]) -> None:
        now = now_text()
        vals = {c: getattr(stay, c) for c in STAY_COLS if c != "created"}
        with self.tx() as conn:
            conn.execute(f"INSERT INTO stays ({', '.join(vals)}, created, updated) VALUES "
                         f"({', '.join('?' * len(vals))}, ?, ?)", (*vals.values(), now, now))
            conn.execute("INSERT OR REPLACE INTO stay_secrets (adm_no, cert_type, cert_no, card_sn, certno, adm_input) "
                         "VALUES (?, ?, ?, ?, ?, ?)", (stay.adm_no, cred.cert_type, cred.cert_no, cred.card_sn,
                                                      certno, wire.dumps(adm_input)))

    def update_stay(self, adm_no: str, conn: sqlite3.Connection | None = None, **cols: Any) -> None:
        bad = set(cols) - set(STAY_COLS)
        if bad:
            raise KeyError(f"unknown stay columns {bad}")
        sql = f"UPDATE stays SET {', '.join(f'{k} = ?' for k in cols)}, updated = ? WHERE adm_no = ?"
        if conn is not None:
            conn.execute(sql, (*cols.values(), now_text(), adm_no))
            return
        with self.tx() as c:
            c.execute(sql, (*cols.values(), now_text(), adm_no))

    def delete_stay(self, adm_no: str) -> None:
        with self.tx() as conn:
            for t in ("stays", "stay_secrets", "deposits", "fee_lines"):
                conn.execute(f"DELETE FROM {t} WHERE adm_no = ?", (adm_no,))

    def set_secret(self, adm_no: str, **cols: str) -> None:
        with self.tx() as conn:
            conn.execute(f"UPDATE stay_secrets SET {', '.join(f'{k} = ?' for k in cols)} WHERE adm_no = ?",
                         (*cols.values(), adm_no))

    def secret(self, adm_no: str) -> sqlite3.Row | None:
        rows = self._rows("SELECT * FROM stay_secrets WHERE adm_no = ?", (adm_no,))
        return rows[0] if rows else None

    def _stay(self, row: sqlite3.Row) -> Stay:
        st = Stay(**{c: row[c] for c in STAY_COLS})
        st.deposits = self.deposits(st.adm_no)
        return st

    def stay(self, adm_no: str) -> Stay | None:
        rows = self._rows("SELECT * FROM stays WHERE adm_no = ?", (adm_no.strip(),))
        return self._stay(rows[0]) if rows else None

    def stays(self, *, states: tuple[str, ...] | None = None, psn_no: str | None = None) -> list[Stay]:
        sql, params = "SELECT * FROM stays WHERE 1 = 1", []
        if states:
            sql += f" AND state IN ({','.join('?' * len(states))})"
            params += list(states)
        if psn_no:
            sql += " AND psn_no = ?"
            params.append(psn_no)
        return [self._stay(r) for r in self._rows(sql + " ORDER BY created DESC, adm_no DESC", params)]

    # deposits ------------------------------------------------------------------------------------
    def add_deposit(self, adm_no: str, d: Deposit, conn: sqlite3.Connection | None = None) -> Deposit:
        sql = ("INSERT INTO deposits (adm_no, receipt_no, kind, amount, method, paid_at, operator, setl_id) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        args = (adm_no, d.receipt_no, d.kind, f"{d.amount:.2f}", d.method, d.paid_at or now_text(), d.operator,
                d.setl_id)
        if conn is not None:
            conn.execute(sql, args)
        else:
            with self.tx() as c:
                c.execute(sql, args)
        return d

    def deposits(self, adm_no: str) -> list[Deposit]:
        return [Deposit(receipt_no=r["receipt_no"], amount=money(r["amount"]), kind=r["kind"], paid_at=r["paid_at"],
                        method=r["method"], operator=r["operator"], setl_id=r["setl_id"])
                for r in self._rows("SELECT * FROM deposits WHERE adm_no = ? ORDER BY id", (adm_no,))]

    # fee lines -----------------------------------------------------------------------------------
    def add_lines(self, adm_no: str, lines: list[dict[str, Any]]) -> list[str]:
        """Append fee lines (state new); each gets the next feedetl_sn of the stay (adm_no + 5 digits)."""
        with self.tx() as conn:
            row = conn.execute("SELECT COALESCE(MAX(seq), 0) AS n FROM fee_lines WHERE adm_no = ?",
                               (adm_no,)).fetchone()
            n0 = int(row["n"])
            rows, sns = [], []
            for i, ln in enumerate(lines, n0 + 1):
                sn = f"{adm_no}{i:05d}"
                sns.append(sn)
                rows.append((adm_no, i, sn, wire.dumps({**ln, "feedetl_sn": sn}),
                             f"{money(ln['det_item_fee_sumamt']):.2f}", "new"))
            conn.executemany("INSERT INTO fee_lines (adm_no, seq, feedetl_sn, line, amount, state) "
                             "VALUES (?, ?, ?, ?, ?, ?)", rows)
        return sns

    def lines(self, adm_no: str, states: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """Fee lines with their platform result merged in (result fields win), oldest first."""
        sql, params = "SELECT * FROM fee_lines WHERE adm_no = ?", [adm_no]
        if states:
            sql += f" AND state IN ({','.join('?' * len(states))})"
            params += list(states)
        out = []
        for r in self._rows(sql + " ORDER BY seq", params):
            d = wire.loads(r["line"])
            if r["result"]:
                d.update(wire.loads(r["result"]))
            d["_state"], d["_msgid"] = r["state"], r["msgid"]
            out.append(d)
        return out

    def count_lines(self, adm_no: str, states: tuple[str, ...]) -> int:
        rows = self._rows(f"SELECT COUNT(*) AS n FROM fee_lines WHERE adm_no = ? AND state IN "
                          f"({','.join('?' * len(states))})", (adm_no, *states))
        return int(rows[0]["n"])

    def line_total(self, adm_no: str, states: tuple[str, ...]) -> tuple[int, Decimal]:
        rows = self._rows(f"SELECT amount FROM fee_lines WHERE adm_no = ? AND state IN ({','.join('?' * len(states))})",
                          (adm_no, *states))
        return len(rows), msum(r["amount"] for r in rows)

    def mark_sending(self, adm_no: str, sns: list[str], msgid: str) -> None:
        with self.tx() as conn:
            conn.executemany("UPDATE fee_lines SET state = 'sending', msgid = ? WHERE adm_no = ? AND feedetl_sn = ?",
                             [(msgid, adm_no, sn) for sn in sns])

    def mark_uploaded(self, adm_no: str, results: list[dict[str, Any]]) -> None:
        with self.tx() as conn:
            conn.executemany("UPDATE fee_lines SET state = 'uploaded', result = ? WHERE adm_no = ? AND feedetl_sn = ?",
                             [(wire.dumps(r), adm_no, str(r.get("feedetl_sn"))) for r in results])

    def mark_new(self, adm_no: str, msgid: str) -> None:
        with self.tx() as conn:
            conn.execute("UPDATE fee_lines SET state = 'new', msgid = '' WHERE adm_no = ? AND msgid = ? AND "
                         "state = 'sending'", (adm_no, msgid))

    def mark_cancelled(self, adm_no: str, feedetl_sn: str = "0000") -> int:
        with self.tx() as conn:
            if feedetl_sn == "0000":
                cur = conn.execute("UPDATE fee_lines SET state = 'cancelled' WHERE adm_no = ? AND state = 'uploaded'",
                                   (adm_no,))
            else:
                cur = conn.execute("UPDATE fee_lines SET state = 'cancelled' WHERE adm_no = ? AND feedetl_sn = ?",
                                   (adm_no, feedetl_sn))
            return cur.rowcount

    def sending_batches(self, adm_no: str) -> list[tuple[str, list[dict[str, Any]]]]:
        """Batches sent without a recorded answer: (msgid, lines), oldest first."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for r in self._rows("SELECT msgid, line FROM fee_lines WHERE adm_no = ? AND state = 'sending' ORDER BY seq",
                            (adm_no,)):
            groups.setdefault(r["msgid"], []).append(wire.loads(r["line"]))
        return list(groups.items())

    # settlements ---------------------------------------------------------------------------------
    def add_setl(self, msgid: str, adm_no: str, kind: str, *, mdtrt_id: str, psn_no: str, insuplc: str,
                 orig_setl_id: str = "") -> None:
        now = now_text()
        with self.tx() as conn:
            conn.execute("INSERT INTO settlements (msgid, adm_no, kind, state, orig_setl_id, mdtrt_id, psn_no, "
                         "insuplc_admdvs, created, updated) VALUES (?, ?, ?, 'sending', ?, ?, ?, ?, ?, ?)",
                         (msgid, adm_no, kind, orig_setl_id, mdtrt_id, psn_no, insuplc, now, now))

    def update_setl(self, msgid: str, conn: sqlite3.Connection | None = None, **cols: Any) -> None:
        sql = f"UPDATE settlements SET {', '.join(f'{k} = ?' for k in cols)}, updated = ? WHERE msgid = ?"
        if conn is not None:
            conn.execute(sql, (*cols.values(), now_text(), msgid))
            return
        with self.tx() as c:
            c.execute(sql, (*cols.values(), now_text(), msgid))

    def setl(self, msgid: str) -> sqlite3.Row | None:
        rows = self._rows("SELECT * FROM settlements WHERE msgid = ?", (msgid,))
        return rows[0] if rows else None

    def setl_by_id(self, setl_id: str) -> sqlite3.Row | None:
        rows = self._rows("SELECT * FROM settlements WHERE setl_id = ? AND kind = 'settle' ORDER BY created DESC",
                          (setl_id,))
        return rows[0] if rows else None

    def open_setls(self, adm_no: str) -> list[sqlite3.Row]:
        return self._rows(f"SELECT * FROM settlements WHERE adm_no = ? AND state IN "
                          f"({','.join('?' * len(OPEN_SETL_STATES))}) ORDER BY created", (adm_no, *OPEN_SETL_STATES))

