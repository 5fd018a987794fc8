"""Inpatient discharge settlement: the platform conversation of one stay, and the local ward book.

    admit (2401, deposit recorded) -> add fees -> upload (2301 in batches of <= 500) -> discharge (2402)
    -> preview (2303) -> settle (2304: breakdown + deposit reconciliation: collect or refund) ; cancel (2305)

An uncertain 2304/2305 (sent, no valid answer) is reversed like 2207/2208 in terminal.services.outpatient: with a store the
2601 is queued durably (``on_uncertain``), without one it is tried at once; a new settlement for the person waits
until the reversal is confirmed. 2401, 2402 and the 2301 batches are recorded in the ward book with their msgid
before they are sent: an answer lost on the line is asked for again with the same msgid (the platform answers a
repeated msgid once, with its first answer), so nothing is admitted or uploaded twice, even across restarts.

The ward book (``data_dir/inpatient.sqlite``, stdlib sqlite3, WAL) keeps stays, deposits, fee lines, upload
batches and settlements. Names and credential numbers are stored masked; the credential needed to settle
(and the 2401/2402 input for resending) is kept in a separate table of the same file (mode 0600).
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from terminal.backend.client import Answer, Message, PlatformClient
from terminal.backend.errors import BusinessError, MalformedAnswer, PlatformError, TransportError
from terminal.backend.inpatient import BATCH_MAX, InpatientClient, batches, fee_results, mdtrt_id_of
from terminal.core import wire
from terminal.core.inpatient import (AdmissionForm, Deposit, DepositReconciliation, FeeTotals, Stay, fee_totals,
                                     receipt_lines)
from terminal.core.models import Credential, CertType, FeeItem, Person, Settlement
from terminal.core.money import ZERO, money, msum, parse_amount
from terminal.backend.answers import settlement_of
from terminal.services.outpatient import ReversalPending, SettlementService, UncertainSettlement, is_sign_in_error

log = logging.getLogger(__name__)


class InpatientError(Exception):
    """A local refusal (no such stay, wrong state): ``user_message`` says what to do."""

    @property
    def user_message(self) -> str:
        return str(self)


class StayNotFound(InpatientError, LookupError):
    pass


class WrongState(InpatientError):
    pass


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


# ==================================================================================================
# the ward book
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

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        self.lock = threading.RLock()
        self._depth = 0
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
    def from_config(cls, cfg: Any) -> "WardBook":
        return cls(Path(cfg.data_dir) / "inpatient.sqlite")

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def __enter__(self) -> "WardBook":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction under the lock (BEGIN IMMEDIATE); a nested call joins the outer one."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0

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
        now = _now()
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
            conn.execute(sql, (*cols.values(), _now(), adm_no))
            return
        with self.tx() as c:
            c.execute(sql, (*cols.values(), _now(), adm_no))

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
        args = (adm_no, d.receipt_no, d.kind, f"{d.amount:.2f}", d.method, d.paid_at or _now(), d.operator, d.setl_id)
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
            row = conn.execute("SELECT COALESCE(MAX(seq), 0) AS n FROM fee_lines WHERE adm_no = ?", (adm_no,)).fetchone()
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

    def line_total(self, adm_no: str, states: tuple[str, ...]) -> tuple[int, Any]:
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
        now = _now()
        with self.tx() as conn:
            conn.execute("INSERT INTO settlements (msgid, adm_no, kind, state, orig_setl_id, mdtrt_id, psn_no, "
                         "insuplc_admdvs, created, updated) VALUES (?, ?, ?, 'sending', ?, ?, ?, ?, ?, ?)",
                         (msgid, adm_no, kind, orig_setl_id, mdtrt_id, psn_no, insuplc, now, now))

    def update_setl(self, msgid: str, conn: sqlite3.Connection | None = None, **cols: Any) -> None:
        sql = f"UPDATE settlements SET {', '.join(f'{k} = ?' for k in cols)}, updated = ? WHERE msgid = ?"
        if conn is not None:
            conn.execute(sql, (*cols.values(), _now(), msgid))
            return
        with self.tx() as c:
            c.execute(sql, (*cols.values(), _now(), msgid))

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

    def setls(self, adm_no: str) -> list[sqlite3.Row]:
        return self._rows("SELECT * FROM settlements WHERE adm_no = ? ORDER BY created", (adm_no,))


# ==================================================================================================
# results
@dataclass
class UploadReport:
    batches: int = 0
    lines: int = 0
    resent: int = 0  # batches asked for again with their msgid (answer lost earlier)
    seconds: float = 0.0
    msgids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"batches": self.batches, "lines": self.lines, "resent": self.resent,
                "seconds": round(self.seconds, 3), "msgids": self.msgids}


@dataclass
class DischargeResult:
    """A pre-settlement (2303) or settlement (2304) / cancellation (2305) of a stay, with the deposit balance."""

    stay: Stay
    settlement: Settlement
    reconciliation: DepositReconciliation | None
    totals: FeeTotals | None
    preview: bool = False
    msgid: str = ""
    warn: str = ""
    kind: str = "settle"  # settle | cancel

    def receipt_lines(self, facility_name: str = "", width: int = 36) -> list[str]:
        return receipt_lines(self.stay, self.settlement, self.reconciliation, self.totals,
                             facility_name=facility_name, preview=self.preview, width=width)

    def as_dict(self) -> dict[str, Any]:
        s = self.settlement
        return {"ok": True, "kind": self.kind, "preview": self.preview, "msgid": self.msgid, "warn_msg": self.warn,
                "stay": self.stay.as_dict(), "settlement": s.as_dict(),
                "identities_hold": not s.identity_errors(),
                "deposit": self.reconciliation.as_dict() if self.reconciliation else None,
                "fees": self.totals.as_dict() if self.totals else None}


# ==================================================================================================
# the service
class DischargeService:
    """One terminal's inpatient desk. Every method may block (network, disk): the UI calls them off its thread."""

    def __init__(self, client: PlatformClient, *, treatment_admdvs: str, book: WardBook, store: Any = None,
                 on_uncertain: Callable[[PlatformError, str, str, str, str], bool] | None = None,
                 base: SettlementService | None = None, batch_size: int = BATCH_MAX, operator: str = ""):
        if not 1 <= batch_size <= BATCH_MAX:
            raise ValueError(f"batch_size must be 1..{BATCH_MAX}")
        self.client = client
        self.treatment_admdvs = treatment_admdvs
        self.book = book
        self.store = store
        self.base = base or SettlementService(client, treatment_admdvs=treatment_admdvs, store=store,
                                              on_uncertain=on_uncertain)
        if on_uncertain is None:
            on_uncertain = getattr(self.base, "on_uncertain", None) or (store.on_uncertain if store is not None else None)
        #: (error, psn_no, insuplc, omsgid, oinfno) -> True when the journal/queue takes the reversal over
        self.on_uncertain = on_uncertain
        self.ipt = InpatientClient(client)
        self.batch_size = batch_size
        self.operator = operator or client.identity.opter
        self._previews: dict[str, tuple[Settlement, bool]] = {}  # adm_no -> (last 2303, acct_used)
        self._creds: dict[str, Credential] = {}  # the credential shown at the discharge desk, per stay
        self._lock = threading.RLock()

    @classmethod
    def from_config(cls, cfg: Any, client: PlatformClient, *, store: Any = None, base: SettlementService | None = None,
                    book: WardBook | None = None) -> "DischargeService":
        return cls(client, treatment_admdvs=cfg.facility.admdvs, book=book or WardBook.from_config(cfg), store=store,
                   base=base)

    @classmethod
    def for_session(cls, session: Any) -> "DischargeService":
        """For the cashier app: shares the session's client, sign-in, journal and queue (terminal.ui.session)."""
        return cls.from_config(session.cfg, session.client, store=session.store, base=session.service)

    # sign-in and sending ---------------------------------------------------------------------------
    def _signed(self, fn: Callable[[], Answer]) -> Answer:
        self.base.ensure_signed_in()
        try:
            return fn()
        except BusinessError as e:
            if not is_sign_in_error(e):
                raise
            self.base.ensure_signed_in(force=True)
            return fn()

    def _send_same(self, msg: Message, *, retries: int = 1) -> Answer:
        """Send a non-money-moving message; when its answer is lost, ask again with the same msgid (the platform
        answers a repeated msgid with its first answer, so nothing is done twice)."""
        self.base.ensure_signed_in()
        attempt, resigned = 0, False
        while True:
            msg.envelope["sign_no"] = self.client.sign_no
            try:
                return self.client.send(msg)
            except BusinessError as e:
                if is_sign_in_error(e) and not resigned:
                    resigned = True
                    self.base.ensure_signed_in(force=True)
                    continue
                raise
            except (TransportError, MalformedAnswer) as e:
                if attempt >= retries or (isinstance(e, TransportError) and not e.sent):
                    raise
                attempt += 1
                log.warning("%s %s: no valid answer (%s); asking again with the same msgid", msg.infno, msg.msgid, e)

    # finding -----------------------------------------------------------------------------------------
    def identify(self, cred: Credential) -> Person:
        return self.base.identify(cred)

    def stay(self, adm_no: str) -> Stay:
        st = self.book.stay(adm_no)
        if st is None:
            raise StayNotFound(f"没有住院号为 {adm_no} 的住院记录")
        return st

    def stays(self, states: tuple[str, ...] | None = None) -> list[Stay]:
        return self.book.stays(states=states)

    def find_for_person(self, psn_no: str) -> Stay:
        """The person's stay to settle (in hospital or discharged, newest first)."""
        open_ = self.book.stays(psn_no=psn_no, states=("admitting", "admitted", "discharging", "discharged"))
        if not open_:
            raise StayNotFound("该参保人在本院没有在院或待结算的住院记录（请核对，或先办理入院）")
        return open_[0]

    def find(self, cred: Credential) -> tuple[Person, Stay]:
        """Identify the patient (card, e-code, ID: 1101) and find their open stay; the credential is used to settle."""
        person = self.identify(cred)
        st = self.find_for_person(person.psn_no)
        self._creds[st.adm_no] = cred
        return person, st

    # admission -----------------------------------------------------------------------------------------
    def admit(self, cred: Credential, person: Person, form: AdmissionForm | None = None, *, insutype: str | None = None,
              deposit: Any = None, receipt_no: str = "", method: str = "现金", adm_no: str = "") -> Stay:
        """2401 and the admission deposit. The stay is in the book (state admitting, msgid known) before 2401 is
        sent; an unknown outcome leaves it there to be resumed (same msgid) by any later call for the stay."""
        form = form or AdmissionForm()
        ins = person.insurance(insutype)
        if not ins.active:
            raise BusinessError(f"险种 {ins.insutype} {ins.name} 状态为{ins.status_name}，不能办理医保住院（可按自费入院）")
        dep = parse_amount(deposit, label="预交金金额") if deposit not in (None, "") else ZERO
        if dep < 0:
            raise ValueError("预交金不能为负")
        adm_no = adm_no or self.book.next_number("ZY")
        begntime = form.begntime or _now()
        mdtrtinfo = {
            "psn_no": person.psn_no, "insutype": ins.insutype, "coner_name": "", "tel": "", "begntime": begntime,
            "mdtrt_cert_type": cred.cert_type, "mdtrt_cert_no": cred.cert_no, "med_type": form.med_type or "21",
            "ipt_no": adm_no, "medrcdno": adm_no, "atddr_no": form.dr_code, "chfpdr_name": form.dr_name,
            "adm_diag_dscr": form.diag_dscr or form.dise_name, "adm_dept_codg": form.dept_code,
            "adm_dept_name": form.dept_name, "adm_bed": form.bed, "dscg_maindiag_code": form.dise_codg,
            "dscg_maindiag_name": form.dise_name, "main_cond_dscr": "", "dise_codg": form.dise_codg,
            "dise_name": form.dise_name, "oprn_oprt_code": "", "oprn_oprt_name": "", "fpsc_no": "", "matn_type": "",
            "birctrl_type": "", "latechb_flag": "0", "geso_val": "", "fetts": "", "fetus_cnt": "", "pret_flag": "0",
            "birctrl_matn_date": "", "dise_type_code": "",
            **({"card_sn": cred.card_sn} if cred.cert_type == CertType.SS_CARD else {}),
        }
        diseinfo = ([{"psn_no": person.psn_no, "diag_type": "1", "maindiag_flag": "1", "diag_srt_no": "1",
                      "diag_code": form.dise_codg, "diag_name": form.dise_name, "adm_cond": "",
                      "diag_dept": form.dept_name, "dise_dor_no": form.dr_code, "dise_dor_name": form.dr_name,
                      "diag_time": begntime}] if form.dise_codg else [])
        self.base.ensure_signed_in()
        msg = self.ipt.prepare_admit(mdtrtinfo, diseinfo, ins.insuplc_admdvs)
        st = Stay(adm_no=adm_no, psn_no=person.psn_no, insutype=ins.insutype, insuplc_admdvs=ins.insuplc_admdvs,
                  treatment_admdvs=self.treatment_admdvs, state="admitting", name_masked=person.masked_name,
                  cert_masked=cred.masked(), cert_type=cred.cert_type, begntime=begntime, dept_code=form.dept_code,
                  dept_name=form.dept_name, dr_code=form.dr_code, dr_name=form.dr_name, bed=form.bed,
                  dise_codg=form.dise_codg, dise_name=form.dise_name, adm_msgid=msg.msgid, operator=self.operator)
        self.book.insert_stay(st, cred, person.certno, msg.envelope["input"])
        try:
            a = self._send_same(msg)
            mdtrt_id = mdtrt_id_of(a)
        except BusinessError:
            self.book.delete_stay(adm_no)  # refused: nothing was admitted
            raise
        with self.book.tx() as conn:
            self.book.update_stay(adm_no, conn, state="admitted", mdtrt_id=mdtrt_id)
            if dep > 0:
                self.book.add_deposit(adm_no, Deposit(receipt_no=receipt_no or self._receipt_no("YJ"), amount=dep,
                                                      paid_at=_now(), method=method, operator=self.operator), conn)
        self._creds[adm_no] = cred
        log.info("admitted %s mdtrt_id %s (deposit %s)", adm_no, mdtrt_id, dep)
        return self.stay(adm_no)

    def _receipt_no(self, prefix: str) -> str:
        return self.book.next_number(prefix)

    def add_deposit(self, adm_no: str, amount: Any, *, receipt_no: str = "", method: str = "现金") -> Deposit:
        """A further deposit (追加预交金) while the stay is not settled."""
        st = self.stay(adm_no)
        if st.state in ("settled", "cancelled"):
            raise WrongState(f"住院号 {adm_no} {st.state_name}，不能再收预交金")
        d = Deposit(receipt_no=receipt_no or self._receipt_no("YJ"), amount=parse_amount(amount, label="预交金金额"), paid_at=_now(),
                    method=method, operator=self.operator)
        if d.amount <= 0:
            raise ValueError("预交金金额须大于零")
        return self.book.add_deposit(adm_no, d)

    def _resume(self, st: Stay) -> Stay:
        """Finish a 2401 / 2402 whose answer was lost: ask again with its msgid and the same input."""
        sec = self.book.secret(st.adm_no)
        if st.state == "admitting" and sec is not None and sec["adm_input"]:
            msg = self.client.prepare("2401", wire.loads(sec["adm_input"]), insuplc_admdvs=st.insuplc_admdvs,
                                      msgid=st.adm_msgid)
            try:
                a = self._send_same(msg)
            except BusinessError:
                self.book.update_stay(st.adm_no, state="cancelled")
                raise
            self.book.update_stay(st.adm_no, state="admitted", mdtrt_id=mdtrt_id_of(a))
        elif st.state == "discharging" and sec is not None and sec["dscg_input"]:
            msg = self.client.prepare("2402", wire.loads(sec["dscg_input"]), insuplc_admdvs=st.insuplc_admdvs,
                                      msgid=st.dscg_msgid)
            try:
                self._send_same(msg)
            except BusinessError:
                self.book.update_stay(st.adm_no, state="admitted", endtime="", dscg_way="", dscg_msgid="")
                raise
            self.book.update_stay(st.adm_no, state="discharged")
        return self.stay(st.adm_no)

    def _ready(self, adm_no: str) -> Stay:
        st = self.stay(adm_no)
        if st.state in ("admitting", "discharging"):
            st = self._resume(st)
        if st.state == "cancelled":
            raise WrongState(f"住院号 {adm_no} 的入院已撤销")
        return st

    # fees --------------------------------------------------------------------------------------------
    def add_fees(self, adm_no: str, items: Iterable[FeeItem], *, fee_ocur_time: str | list[str] = "",
                 dept_name: str = "", dr_name: str = "") -> int:
        """Record fee lines for the stay (not sent yet: :meth:`upload_fees`). fee_ocur_time: one for all, or one
        per item; default now."""
        st = self.stay(adm_no)
        if st.state in ("settled", "cancelled"):
            raise WrongState(f"住院号 {adm_no} {st.state_name}，不能再记费用；如需补记请先撤销结算")
        items = list(items)
        times = fee_ocur_time if isinstance(fee_ocur_time, list) else [fee_ocur_time or _now()] * len(items)
        if len(times) != len(items):
            raise ValueError("fee_ocur_time list must have one entry per item")
        lines = []
        for it, t in zip(items, times):
            lines.append({
                "med_list_codg": it.national_code, "medins_list_codg": it.hosp_code, "med_list_name": it.name,
                "det_item_fee_sumamt": it.amount, "cnt": it.qty, "pric": it.price, "fee_ocur_time": t,
                "bilg_dept_codg": it.dept_code or st.dept_code, "bilg_dept_name": dept_name or st.dept_name,
                "bilg_dr_codg": it.dr_code or st.dr_code, "bilg_dr_name": dr_name or st.dr_name,
                "drord_no": it.rxno, "hosp_appr_flag": "1", "spec": it.spec, "unit": it.unit,
            })
        self.book.add_lines(adm_no, lines)
        self._previews.pop(adm_no, None)
        return len(lines)

    def _wire_line(self, st: Stay, ln: dict[str, Any]) -> dict[str, Any]:
        d = {k: v for k, v in ln.items() if not k.startswith("_") and k not in ("spec", "unit")}
        d.update(mdtrt_id=st.mdtrt_id, psn_no=st.psn_no, med_type="21", init_feedetl_sn="", etip_flag="0",
                 dscg_tkdrug_flag="0", matn_fee_flag="0")
        return d

    def upload_fees(self, adm_no: str, progress: Callable[[int, int], None] | None = None) -> UploadReport:
        """2301: every fee line not yet uploaded, in batches of at most ``batch_size`` lines per message.
        Batches whose answer was lost earlier are asked for again first, with their msgid."""
        t0 = time.perf_counter()
        st = self._ready(adm_no)
        if st.state == "settled":
            raise WrongState(f"住院号 {adm_no} 已结算，不能上传费用")
        rep = UploadReport()
        for msgid, lines in self.book.sending_batches(adm_no):
            msg = self.ipt.prepare_batch([self._wire_line(st, ln) for ln in lines], st.insuplc_admdvs, msgid)
            self._send_batch(st, msg, lines)
            rep.resent += 1
            rep.batches += 1
            rep.lines += len(lines)
            rep.msgids.append(msgid)
        new = self.book.lines(adm_no, ("new",))
        total = len(new)
        done = 0
        for chunk in batches(new, self.batch_size):
            msg = self.ipt.prepare_batch([self._wire_line(st, ln) for ln in chunk], st.insuplc_admdvs)
            self.book.mark_sending(adm_no, [ln["feedetl_sn"] for ln in chunk], msg.msgid)
            self._send_batch(st, msg, chunk)
            rep.batches += 1
            rep.lines += len(chunk)
            rep.msgids.append(msg.msgid)
            done += len(chunk)
            if progress:
                progress(done, total)
        if rep.batches:
            self._previews.pop(adm_no, None)
        rep.seconds = time.perf_counter() - t0
        return rep

    def _send_batch(self, st: Stay, msg: Message, lines: list[dict[str, Any]]) -> None:
        try:
            a = self._send_same(msg)
            res = fee_results(a, lines)
        except BusinessError:
            self.book.mark_new(st.adm_no, msg.msgid)  # refused: nothing uploaded; fix the lines and upload again
            raise
        self.book.mark_uploaded(st.adm_no, res)

    def cancel_fees(self, adm_no: str, feedetl_sn: str = "0000") -> int:
        """2302: withdraw one uploaded line, or ("0000") every uploaded line not settled."""
        st = self._ready(adm_no)
        if st.state == "settled":
            raise WrongState(f"住院号 {adm_no} 已结算，撤销费用前请先撤销结算(2305)")
        self._signed(lambda: self.ipt.cancel_fees(st.mdtrt_id, st.psn_no, st.insuplc_admdvs, feedetl_sn))
        self._previews.pop(adm_no, None)
        return self.book.mark_cancelled(adm_no, feedetl_sn)

    def fee_totals(self, adm_no: str) -> FeeTotals:
        return fee_totals(self.book.lines(adm_no, ("new", "sending", "uploaded")))

    # discharge -----------------------------------------------------------------------------------------
    def discharge(self, adm_no: str, *, endtime: str = "", dscg_way: str = "1", dise_codg: str = "",
                  dise_name: str = "", dept_code: str = "", dept_name: str = "") -> Stay:
        """2402 出院办理 (state discharging with its msgid before sending; resumed like 2401)."""
        st = self._ready(adm_no)
        if st.state != "admitted":
            if st.state in ("discharged", "settled"):
                return st
            raise WrongState(f"住院号 {adm_no} {st.state_name}，不能办理出院")
        endtime = endtime or _now()
        if endtime < st.begntime:
            raise ValueError(f"出院时间 {endtime} 早于入院时间 {st.begntime}")
        dise_codg, dise_name = dise_codg or st.dise_codg, dise_name or st.dise_name
        dscginfo = {"mdtrt_id": st.mdtrt_id, "psn_no": st.psn_no, "insutype": st.insutype, "endtime": endtime,
                    "dise_codg": dise_codg, "dise_name": dise_name, "oprn_oprt_code": "", "oprn_oprt_name": "",
                    "fpsc_no": "", "matn_type": "", "birctrl_type": "", "wk_days": "", "dscg_dept_codg":
                    dept_code or st.dept_code, "dscg_dept_name": dept_name or st.dept_name, "dscg_way": dscg_way,
                    "die_date": ""}
        diseinfo = ([{"psn_no": st.psn_no, "diag_type": "1", "maindiag_flag": "1", "diag_srt_no": "1",
                      "diag_code": dise_codg, "diag_name": dise_name, "diag_dept": dept_name or st.dept_name,
                      "dise_dor_no": st.dr_code, "dise_dor_name": st.dr_name, "diag_time": endtime}]
                    if dise_codg else [])
        self.base.ensure_signed_in()
        msg = self.ipt.prepare_discharge(dscginfo, diseinfo, st.insuplc_admdvs)
        self.book.update_stay(adm_no, state="discharging", endtime=endtime, dscg_way=dscg_way, dscg_msgid=msg.msgid,
                              dise_codg=dise_codg, dise_name=dise_name)
        self.book.set_secret(adm_no, dscg_input=wire.dumps(msg.envelope["input"]))
        try:
            self._send_same(msg)
        except BusinessError:
            self.book.update_stay(adm_no, state="admitted", endtime="", dscg_way="", dscg_msgid="")
            raise
        self.book.update_stay(adm_no, state="discharged")
        return self.stay(adm_no)

    # settlement ----------------------------------------------------------------------------------------
    def _credential(self, st: Stay) -> Credential:
        cred = self._creds.get(st.adm_no)
        if cred is not None:
            return cred
        sec = self.book.secret(st.adm_no)
        if sec is None:
            raise InpatientError(f"住院号 {st.adm_no} 没有就诊凭证记录，请读卡或扫码后结算")
        if sec["cert_type"] == CertType.ECODE and sec["certno"]:
            return Credential(CertType.ID_CARD, sec["certno"])  # the e-code token has expired by discharge
        return Credential(sec["cert_type"], sec["cert_no"], card_sn=sec["card_sn"])

    def _setl_input(self, st: Stay, acct_used: bool) -> dict[str, Any]:
        n, total = self.book.line_total(st.adm_no, ("uploaded",))
        if not n:
            raise WrongState(f"住院号 {st.adm_no} 没有已上传的费用明细，不能结算")
        cred = self._credential(st)
        return {"psn_no": st.psn_no, "mdtrt_cert_type": cred.cert_type, "mdtrt_cert_no": cred.cert_no,
                "medfee_sumamt": total, "psn_setlway": "01", "mdtrt_id": st.mdtrt_id, "insutype": st.insutype,
                "acct_used_flag": "1" if acct_used else "0", "mid_setl_flag": "0", "invono": "",
                **({"card_sn": cred.card_sn} if cred.cert_type == CertType.SS_CARD else {})}

    def preview(self, adm_no: str, *, acct_used: bool = True) -> DischargeResult:
        """Upload what is pending, then 2303 (nothing booked): breakdown, deposit balance, fee totals."""
        st = self._ready(adm_no)
        if st.state == "settled":
            raise WrongState(f"住院号 {adm_no} 已结算(结算ID {st.setl_id})")
        if self.book.count_lines(adm_no, ("new", "sending")):
            self.upload_fees(adm_no)
        data = self._setl_input(st, acct_used)
        a = self._signed(lambda: self.ipt.pre_settle(data, st.insuplc_admdvs))
        s = settlement_of(a.output, infno="2303", msgid=a.msgid, preview=True)
        if s.medfee_sumamt != data["medfee_sumamt"]:
            raise BusinessError(f"预结算总额 {s.medfee_sumamt} 与已上传费用合计 {data['medfee_sumamt']} 不一致，请核对明细")
        self._previews[adm_no] = (s, acct_used)
        return DischargeResult(st, s, DepositReconciliation(s.psn_cash_pay, st.held), self.fee_totals(adm_no),
                               preview=True, warn=a.warn_msg)

    def settle(self, adm_no: str, *, acct_used: bool | None = None, endtime: str = "", dscg_way: str = "1",
               receipt_no: str = "", method: str = "现金") -> DischargeResult:
        """Discharge (2402) if still in hospital, then 2304 with the figures of the last preview (a fresh 2303 when
        there is none or the fees changed). Books the collect/refund entry that balances the deposits.
        On an unknown outcome: reversal (queued or immediate) and UncertainSettlement."""
        with self._lock:
            st = self._ready(adm_no)
            if st.state == "settled":
                raise WrongState(f"住院号 {adm_no} 已结算(结算ID {st.setl_id})，不能重复结算")
            recovered = self._resolve_open(st)
            if recovered is not None:
                return recovered
            self.base.check_no_reversal_pending(st.psn_no)
            if self.book.count_lines(adm_no, ("new", "sending")):
                self.upload_fees(adm_no)
            if st.state == "admitted":
                st = self.discharge(adm_no, endtime=endtime, dscg_way=dscg_way)
            last = self._previews.get(adm_no)
            want_acct = acct_used if acct_used is not None else (last[1] if last else True)
            _n, total = self.book.line_total(adm_no, ("uploaded",))
            if last is None or last[0].medfee_sumamt != total or last[1] != want_acct:
                p = self.preview(adm_no, acct_used=want_acct).settlement
            else:
                p = last[0]
            data = {**self._setl_input(st, want_acct), "fulamt_ownpay_amt": p.fulamt_ownpay_amt,
                    "overlmt_selfpay": p.overlmt_selfpay, "preselfpay_amt": p.preselfpay_amt,
                    "inscp_scp_amt": p.inscp_scp_amt}
            return self._settle_once(st, data, receipt_no, method)

    def _settle_once(self, st: Stay, data: dict[str, Any], receipt_no: str, method: str, *,
                     resigned: bool = False) -> DischargeResult:
        self.base.ensure_signed_in()
        msg = self.ipt.prepare_settle(data, st.insuplc_admdvs)
        self.book.add_setl(msg.msgid, st.adm_no, "settle", mdtrt_id=st.mdtrt_id, psn_no=st.psn_no,
                           insuplc=st.insuplc_admdvs)
        try:
            a = self.ipt.send_setl(msg)
        except BusinessError as e:
            self.book.update_setl(msg.msgid, state="refused", error=e.err_msg[:500])
            if is_sign_in_error(e) and not resigned:
                self.base.ensure_signed_in(force=True)
                return self._settle_once(st, data, receipt_no, method, resigned=True)
            raise
        except PlatformError as e:
            if e.outcome_unknown:
                raise self._uncertain(e, st.adm_no, st.psn_no, st.insuplc_admdvs, msg.msgid, "2304") from e
            self.book.update_setl(msg.msgid, state="failed", error=str(e)[:500])
            raise
        return self._book_settlement(st, msg.msgid, a.output, receipt_no, method, warn=a.warn_msg)

    def _book_settlement(self, st: Stay, msgid: str, output: dict[str, Any], receipt_no: str, method: str, *,
                         warn: str = "") -> DischargeResult:
        try:
            s = settlement_of(output, infno="2304", msgid=msgid)
        except MalformedAnswer as err:  # booked, but the amounts are unusable (never rounded): reverse it
            raise self._uncertain(err, st.adm_no, st.psn_no, st.insuplc_admdvs, msgid, "2304") from err
        rec = DepositReconciliation(s.psn_cash_pay, st.held)
        with self.book.tx() as conn:
            self.book.update_setl(msgid, conn, state="settled", setl_id=s.setl_id, output=wire.dumps(output),
                                  reconciliation=json.dumps(rec.as_dict(), ensure_ascii=False))
            self.book.update_stay(st.adm_no, conn, state="settled", setl_id=s.setl_id)
            entry = rec.entry(receipt_no or self._receipt_no("JS"), paid_at=_now(), method=method,
                              operator=self.operator, setl_id=s.setl_id)
            if entry is not None:
                self.book.add_deposit(st.adm_no, entry, conn)
        self._previews.pop(st.adm_no, None)
        log.info("settled %s setl_id %s psn_cash_pay %s deposits %s -> %s", st.adm_no, s.setl_id, s.psn_cash_pay,
                 rec.held, rec.text)
        return DischargeResult(self.stay(st.adm_no), s, rec, self.fee_totals(st.adm_no), msgid=msgid, warn=warn)

    def cancel(self, setl_id: str, *, mdtrt_id: str = "", psn_no: str = "", insuplc: str = ""
               ) -> DischargeResult | Settlement:
        """2305 撤销住院结算. For a settlement in the ward book only setl_id is needed (the stay returns to
        discharged; the hospital keeps what the patient paid as deposit, balanced at the next settlement).
        For one not in the book, mdtrt_id, psn_no and insuplc are needed and the bare Settlement is returned."""
        with self._lock:
            row = self.book.setl_by_id(setl_id)
            if row is not None:
                if row["state"] == "cancelled":
                    raise WrongState(f"结算 {setl_id} 已撤销")
                mdtrt_id, psn_no, insuplc = row["mdtrt_id"], row["psn_no"], row["insuplc_admdvs"]
                self._resolve_open(self.stay(row["adm_no"]))
            elif not (mdtrt_id and psn_no and insuplc):
                raise StayNotFound(f"本机没有结算ID {setl_id} 的住院结算记录：请同时给出就诊ID、人员编号和参保地")
            return self._cancel_once(setl_id, row, mdtrt_id, psn_no, insuplc)

    def _cancel_once(self, setl_id: str, row: sqlite3.Row | None, mdtrt_id: str, psn_no: str, insuplc: str, *,
                     resigned: bool = False) -> DischargeResult | Settlement:
        adm_no = row["adm_no"] if row is not None else ""
        self.base.ensure_signed_in()
        msg = self.ipt.prepare_cancel(setl_id, mdtrt_id, psn_no, insuplc)
        if adm_no:
            self.book.add_setl(msg.msgid, adm_no, "cancel", mdtrt_id=mdtrt_id, psn_no=psn_no, insuplc=insuplc,
                               orig_setl_id=setl_id)
        try:
            a = self.ipt.send_setl(msg)
        except BusinessError as e:
            if adm_no:
                self.book.update_setl(msg.msgid, state="refused", error=e.err_msg[:500])
            if is_sign_in_error(e) and not resigned:
                self.base.ensure_signed_in(force=True)
                return self._cancel_once(setl_id, row, mdtrt_id, psn_no, insuplc, resigned=True)
            raise
        except PlatformError as e:
            if e.outcome_unknown:
                raise self._uncertain(e, adm_no, psn_no, insuplc, msg.msgid, "2305") from e
            if adm_no:
                self.book.update_setl(msg.msgid, state="failed", error=str(e)[:500])
            raise
        try:
            s = settlement_of(a.output, infno="2305", msgid=msg.msgid, cancel=True)
        except MalformedAnswer as err:  # the cancellation may be booked, its amounts are unusable: reverse it
            raise self._uncertain(err, adm_no, psn_no, insuplc, msg.msgid, "2305") from err
        if not adm_no:
            return s
        with self.book.tx() as conn:
            self.book.update_setl(msg.msgid, conn, state="settled", setl_id=s.setl_id, output=wire.dumps(a.output))
            self.book.update_setl(row["msgid"], conn, state="cancelled")
            self.book.update_stay(adm_no, conn, state="discharged", setl_id="")
        st = self.stay(adm_no)
        self._previews.pop(adm_no, None)
        return DischargeResult(st, s, DepositReconciliation(ZERO, st.held), self.fee_totals(adm_no), msgid=msg.msgid,
                               warn=a.warn_msg, kind="cancel")

    # uncertain outcomes ----------------------------------------------------------------------------------
    def _uncertain(self, err: PlatformError, adm_no: str, psn_no: str, insuplc: str, omsgid: str,
                   oinfno: str) -> UncertainSettlement:
        log.error("%s %s outcome unknown (%s); reversing", oinfno, omsgid, err)
        if adm_no:
            self.book.update_setl(omsgid, state="uncertain", error=str(err)[:500])
        if self.on_uncertain and self.on_uncertain(err, psn_no, insuplc, omsgid, oinfno):
            if adm_no:
                self.book.update_setl(omsgid, state="reversing")
            return UncertainSettlement(err, None, omsgid, oinfno, reversed_ok=False)
        try:
            ok = self.base.reverse(psn_no, insuplc, omsgid, oinfno)
        except PlatformError as rev_err:
            return UncertainSettlement(err, None, omsgid, oinfno, reversed_ok=False, reversal_error=rev_err)
        if adm_no and ok:
            self.book.update_setl(omsgid, state="reversed")
        return UncertainSettlement(err, None, omsgid, oinfno, reversed_ok=ok)

    def _resolve_open(self, st: Stay) -> DischargeResult | None:
        """Settlements of this stay whose outcome is still open (a crash, a queued reversal): find out how they
        ended before anything new is sent. Raises ReversalPending while a reversal is outstanding; returns the
        settlement when the journal shows it was answered (booked) before a crash kept it out of the ward book."""
        for row in self.book.open_setls(st.adm_no):
            msgid = row["msgid"]
            if self.store is not None:
                if self.store.in_flight_elsewhere(msgid):
                    raise WrongState(f"住院号 {st.adm_no} 的结算正在另一个收费程序中进行（报文 {msgid}），"
                                     "请等它完成后再操作，不要重复结算")
                m = self.store.message(msgid)
                res = self.store.resolution(msgid)
                if res in ("reversed", "not_booked"):
                    self.book.update_setl(msgid, state="reversed")
                    continue
                if m is not None and m.get("state") == "answered" and m.get("answer") and row["kind"] == "settle":
                    # answered before a crash, booked here never: book it now from the journal
                    out = wire.loads(m["answer"]).get("output") or {}
                    if isinstance(out.get("setlinfo"), dict):
                        return self._book_settlement(st, msgid, out, "", "现金",
                                                     warn="结算已于程序中断前完成，结果从交易日志恢复")
                if m is None and row["state"] == "sending":
                    self.book.update_setl(msgid, state="failed", error="未发送（程序中断）")
                    continue
                if res in ("", "open"):
                    self.store.on_uncertain(PlatformError("程序中断，结算结果未知"), row["psn_no"],
                                            row["insuplc_admdvs"], msgid, "2304" if row["kind"] == "settle" else "2305")
                self.book.update_setl(msgid, state="reversing")
                raise ReversalPending(self.store.reversal_pending_message(row["psn_no"]) or
                                      "上一笔结算结果未知，正在冲正；冲正完成后请重新结算", row["psn_no"])
            try:
                ok = self.base.reverse(row["psn_no"], row["insuplc_admdvs"], msgid,
                                       "2304" if row["kind"] == "settle" else "2305")
            except PlatformError as e:
                raise ReversalPending(f"上一笔结算结果未知，冲正未完成（{e.user_message}）；请稍后重试",
                                      row["psn_no"]) from e
            self.book.update_setl(msgid, state="reversed" if ok else "uncertain")
        return None

    def resolve(self, adm_no: str) -> Stay:
        """Settle the fate of open settlements of a stay now (e.g. after the queue confirmed a reversal)."""
        st = self.stay(adm_no)
        self._resolve_open(st)
        return self.stay(adm_no)
