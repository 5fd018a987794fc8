"""The HIS bills in the journal (``his_bills``, ``his_events``; migration 0007_his) and what became of them.

A pushed bill is ``pending`` until the HIS withdraws it; what the desk did with it is read, never copied, from
the journal by ``bill_no``: the settlements (settled, cancelled), the messages (a 2207 in flight, reversed or
never booked), the parked bills and the tenders (paid, refunded). So a settlement made by the window, by
``yibao-terminal settle`` or by a parked bill's later settlement is seen alike, and a process killed at any point
loses nothing: :meth:`HisBook.sync_events` turns each fact into one event row (its id derived from the fact, so
the same fact is always the same event id), delivered at least once by terminal.his.callbacks.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from terminal.core import wire
from terminal.core.models import SETL_AMOUNT_FIELDS, Bill
from terminal.core.money import FieldError, Limits
from terminal.core.privacy import mask_card, mask_id, mask_name
from terminal.store.db import now_text

from .schema import schema_error

if TYPE_CHECKING:  # pragma: no cover
    from terminal.store.db import StoreDB

log = logging.getLogger(__name__)

EVENT_NS = uuid.UUID("5b0c5f6e-7a43-4c1b-9a55-1f3a2b7c9d10")
EVENT_KINDS = ("settled", "cancelled", "parked", "reversed", "refunded")
#: the order of a bill's facts that share a timestamp
LIFECYCLE = ("parked", "settled", "reversed", "cancelled", "refunded")
#: what the cashier can charge: pushed and not settled, in flight, parked or cancelled
CHARGEABLE = ("pending", "reversed")
STATUS_NAMES = {"pending": "待收费", "in_progress": "结算中", "settled": "已结算", "cancelled": "已撤销",
                "reversed": "已冲正（未扣费）", "parked": "已挂账", "withdrawn": "已撤回"}


class HisError(Exception):
    """A refusal of the interface: HTTP status, a stable code, the field it names, a message."""

    def __init__(self, status: int, code: str, message: str, field: str = ""):
        super().__init__(message)
        self.status, self.code, self.field, self.message = status, code, field, message

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "field": self.field, "message": self.message}}


def canonical(body: dict[str, Any]) -> str:
    d = {k: v for k, v in body.items() if k != "replace"}
    return json.dumps(d, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def event_id(bill_no: str, kind: str, ref: str) -> str:
    return str(uuid.uuid5(EVENT_NS, f"{bill_no}|{kind}|{ref}"))


def parse_bill(body: Any, limits: Limits | None = None) -> Bill:
    """The pushed body as a Bill, or HisError 422 naming the field."""
    bad = schema_error(body)
    if bad:
        raise HisError(422, "invalid", bad[1], bad[0])
    try:
        return Bill.from_dict({k: v for k, v in body.items() if k not in ("patient", "replace")}, limits=limits)
    except FieldError as e:
        field = f"items[{e.line - 1}].{e.field}" if e.line else e.field
        raise HisError(422, "invalid", str(e), field) from e
    except (ValueError, ArithmeticError) as e:
        raise HisError(422, "invalid", str(e), "items") from e


class HisBook:
    def __init__(self, sdb: StoreDB, *, limits: Limits | None = None):
        self.sdb = sdb
        self.limits = limits
        #: called (from any thread) after a push, a replacement or a withdrawal, with the bill_no
        self.on_change: list[Callable[[str], None]] = []

    # the HIS's side -------------------------------------------------------------------------------
    def push(self, body: Any, source: str = "http") -> tuple[int, dict[str, Any]]:
        """Take a pushed bill: (201, view) new, (200, view) the same bill again or a replacement; HisError else."""
        bill = parse_bill(body, self.limits)
        bill_no = bill.bill_no
        dg = digest(body)
        hint = body.get("patient") or {}
        replace = bool(body.get("replace"))
        now = now_text()
        row = {"bill_no": bill_no, "updated": now, "state": "pending", "source": source, "digest": dg,
               "bill": canonical(body), "total": f"{bill.total:.2f}", "hint_name": hint.get("name") or None,
               "hint_id_no": (hint.get("id_no") or "").upper() or None, "hint_card_no": hint.get("card_no") or None}
        with self.sdb.tx() as db:
            old = db.execute("SELECT digest, state, version, created FROM his_bills WHERE bill_no=?",
                             [bill_no]).fetchone()
            status = self._status(db, bill_no)
            row["history"] = json.dumps([x["msgid"] for x in self._settles(db, bill_no)]
                                     + [x["msgid"] for x in self._reversals(db, bill_no)])
            if old and replace and status == "cancelled":  # charged again after a cancellation: pending anew
                db.table("his_bills").update(bill_no, {**row, "version": (old[2] or 1) + 1})
                code = 200
            elif old and old[0] == dg and old[1] == "pending":
                code = 200
            elif status in ("settled", "in_progress", "parked"):
                if old and old[0] == dg:
                    code = 200  # the same bill, already being charged: its state
                else:
                    raise HisError(409, "already_settled" if status != "in_progress" else "in_progress",
                                   f"单据 {bill_no} {STATUS_NAMES[status]}，不能再次推送或更改"
                                   f" (bill_no {bill_no} is {status})", "bill_no")
            elif old is None:
                db.table("his_bills").insert({**row, "created": now, "version": 1})
                code = 201
            elif old[1] == "withdrawn" or (old[0] != dg and replace) or old[0] == dg:
                db.table("his_bills").update(bill_no, {**row, "version": (old[2] or 1) + (old[0] != dg)})
                code = 200
            else:
                raise HisError(409, "conflict", f"单据 {bill_no} 已推送且内容不同；待收费的单据可用 \"replace\": true "
                               f"替换 (bill_no {bill_no} exists with other content)", "bill_no")
            view = self._view(db, bill_no)
        if code != 200 or old is None or old[0] != dg or old[1] != "pending" or view["version"] != old[2]:
            self._changed(bill_no)
        return code, view

    def withdraw(self, bill_no: str) -> dict[str, Any]:
        with self.sdb.tx() as db:
            old = db.execute("SELECT state FROM his_bills WHERE bill_no=?", [bill_no]).fetchone()
            if old is None:
                raise HisError(404, "not_found", f"没有单据 {bill_no} (no such bill)", "bill_no")
            status = self._status(db, bill_no)
            if status not in CHARGEABLE:
                raise HisError(409, "not_pending", f"单据 {bill_no} {STATUS_NAMES.get(status, status)}，不能撤回"
                               f" (bill_no {bill_no} is {status})", "bill_no")
            db.execute("UPDATE his_bills SET state='withdrawn', updated=? WHERE bill_no=?", [now_text(), bill_no])
            view = self._view(db, bill_no)
        self._changed(bill_no)
        return view

    def get(self, bill_no: str) -> dict[str, Any]:
        with self.sdb.lock:
            if not self.sdb.one("SELECT 1 FROM his_bills WHERE bill_no=?", [bill_no]):
                raise HisError(404, "not_found", f"没有单据 {bill_no} (no such bill)", "bill_no")
            return self._view(self.sdb.db, bill_no)

    def list_bills(self, status: str = "pending") -> list[dict[str, Any]]:
        """Views of the bills with this status ('pending': what the cashier can charge; 'all')."""
        with self.sdb.lock:
            rows = self.sdb.rows("SELECT bill_no FROM his_bills WHERE state='pending' OR ?='all' "
                                 "ORDER BY created, bill_no", ["all" if status != "pending" else ""])
            views = [self._view(self.sdb.db, r["bill_no"]) for r in rows]
        if status == "pending":
            return [v for v in views if v["status"] in CHARGEABLE]
        return views if status == "all" else [v for v in views if v["status"] == status]

    # the cashier's side ---------------------------------------------------------------------------
    def bill(self, bill_no: str) -> Bill | None:
        """The Bill of a chargeable pushed bill (None when there is none)."""
        r = self.sdb.one("SELECT bill FROM his_bills WHERE bill_no=? AND state='pending'", [bill_no])
        if not r or self.status(bill_no) not in CHARGEABLE:
            return None
        body = wire.loads(r["bill"])
        return Bill.from_dict({k: v for k, v in body.items() if k != "patient"}, limits=self.limits)

    def status(self, bill_no: str) -> str:
        with self.sdb.lock:
            return self._status(self.sdb.db, bill_no)

    def pending_for(self, *, id_no: str = "", card_no: str = "", name: str = "") -> list[dict[str, Any]]:
        """Chargeable bills whose patient hint matches the identified person (ID number, card number; the name
        only when the hint has neither)."""
        id_no, card_no, name = (id_no or "").upper(), card_no or "", name or ""
        rows = self.sdb.rows("SELECT bill_no, hint_name, hint_id_no, hint_card_no FROM his_bills "
                             "WHERE state='pending' ORDER BY created")
        hits = []
        for r in rows:
            if (id_no and r["hint_id_no"] == id_no) or (card_no and r["hint_card_no"] == card_no) or (
                    name and r["hint_name"] == name and not r["hint_id_no"] and not r["hint_card_no"]):
                hits.append(r["bill_no"])
        return [v for v in (self.get(b) for b in hits) if v["status"] in CHARGEABLE]

    def _changed(self, bill_no: str) -> None:
        for f in list(self.on_change):
            try:
                f(bill_no)
            except Exception:  # a listener's error never fails the HIS's request
                log.exception("HIS change listener failed")

    # what became of a bill --------------------------------------------------------------------------
    @staticmethod
    def _settles(db: Any, bill_no: str) -> list[dict[str, Any]]:
        cols = ("msgid", "setl_id", "mdtrt_id", "status", "setl_time", "created", *SETL_AMOUNT_FIELDS)
        cur = db.execute(f"SELECT {', '.join(cols)} FROM settlements WHERE kind='settle' AND bill_no=? "
                         "ORDER BY created, msgid", [bill_no])
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    @staticmethod
    def _parks(db: Any, bill_no: str) -> list[dict[str, Any]]:
        cols = ("park_id", "state", "created", "total", "setl_id", "settle_msgid", "refund_due", "refund_paid_at",
                "settled_at")
        cur = db.execute(f"SELECT {', '.join(cols)} FROM parked WHERE json_extract(bill, '$.bill_no')=? "
                         "ORDER BY created", [bill_no])
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    @staticmethod
    def _reversals(db: Any, bill_no: str) -> list[dict[str, Any]]:
        cur = db.execute("SELECT msgid, resolution, updated FROM messages WHERE bill_no=? AND infno LIKE '2207%' "
                         "AND resolution IN ('reversed', 'not_booked') ORDER BY created", [bill_no])
        return [dict(zip(("msgid", "resolution", "time"), r, strict=True)) for r in cur.fetchall()]

    def _status(self, db: Any, bill_no: str) -> str:
        settles = self._settles(db, bill_no)
        if any(s["status"] == "settled" for s in settles):
            return "settled"
        if db.execute("SELECT 1 FROM messages WHERE bill_no=? AND infno LIKE '2207%' AND state IN "
                      "('pending', 'sent', 'uncertain') AND COALESCE(resolution, '') NOT IN ('reversed', "
                      "'not_booked')", [bill_no]).fetchone():
            return "in_progress"
        parks = self._parks(db, bill_no)
        if any(p["state"] == "settled" for p in parks):
            return "settled"
        if any(p["state"] in ("parked", "settling") for p in parks):
            return "parked"
        h = db.execute("SELECT state, history FROM his_bills WHERE bill_no=?", [bill_no]).fetchone()
        if h and h[0] == "withdrawn":
            return "withdrawn"
        history = set(json.loads(h[1] or "[]")) if h else set()  # cancelled / reversed before the (re)push
        if any(x["msgid"] not in history for x in settles):
            return "cancelled"
        if any(x["msgid"] not in history for x in self._reversals(db, bill_no)):
            return "reversed"
        return "pending"

    def _view(self, db: Any, bill_no: str) -> dict[str, Any]:
        h = db.execute("SELECT created, updated, source, version, total, hint_name, hint_id_no, hint_card_no "
                       "FROM his_bills WHERE bill_no=?", [bill_no]).fetchone()
        settles = self._settles(db, bill_no)
        live = [s for s in settles if s["status"] == "settled"]
        s: dict[str, Any] | None = (live or settles)[-1] if (live or settles) else None
        view: dict[str, Any] = {
            "bill_no": bill_no, "status": self._status(db, bill_no), "pushed_at": h[0] if h else None,
            "updated": h[1] if h else None, "source": h[2] if h else None, "version": h[3] if h else None,
            "total": h[4] if h else None,
            "patient": {k: v for k, v in (("name", mask_name(h[5])), ("id_no", mask_id(h[6])),
                                          ("card_no", mask_card(h[7]))) if h and v} if h else {},
            "settlement": None, "tender": [], "cancellation": None, "reversal": None, "park": None,
        }
        view["status_name"] = STATUS_NAMES.get(view["status"], view["status"])
        msgids: list[str] = []
        if s:
            view["settlement"] = {"setl_id": s["setl_id"], "mdtrt_id": s["mdtrt_id"], "msgid": s["msgid"],
                                  "setl_time": s["setl_time"], "status": s["status"],
                                  "amounts": {k: s[k] for k in SETL_AMOUNT_FIELDS if s[k] is not None}}
            msgids.append(s["msgid"])
            c = db.execute("SELECT msgid, setl_id, setl_time FROM settlements WHERE kind='cancel' AND "
                           "orig_setl_id=? ORDER BY created DESC", [s["setl_id"]]).fetchone()
            if c:
                view["cancellation"] = {"msgid": c[0], "setl_id": c[1], "time": c[2]}
                msgids.append(c[0])
        parks = self._parks(db, bill_no)
        if parks:
            p = parks[-1]
            view["park"] = {k: p[k] for k in ("park_id", "state", "created", "total", "setl_id", "refund_due",
                                              "refund_paid_at")}
            if p["settle_msgid"]:
                msgids.append(p["settle_msgid"])
        revs = self._reversals(db, bill_no)
        if revs:
            view["reversal"] = revs[-1]
        if msgids:
            q = ",".join("?" * len(msgids))
            cols = ("kind", "method", "amount", "tendered", "change", "reference", "created")
            cur = db.execute(f"SELECT {', '.join(cols)} FROM tenders WHERE msgid IN ({q}) ORDER BY id", msgids)
            view["tender"] = [{k: v for k, v in zip(cols, r, strict=True) if v is not None} for r in cur.fetchall()]
        return view

    # events ---------------------------------------------------------------------------------------
    def _facts(self, db: Any) -> list[tuple[str, str, str, str]]:
        """(bill_no, kind, ref, when) of everything the journal says happened to a pushed bill."""
        facts: list[tuple[str, str, str, str]] = []
        q = db.execute
        for r in q("SELECT s.bill_no, s.msgid, s.created, s.setl_id, s.status FROM settlements s "
                   "JOIN his_bills h ON h.bill_no = s.bill_no WHERE s.kind='settle'").fetchall():
            facts.append((r[0], "settled", r[1], r[2]))
            if r[4] == "cancelled":
                c = q("SELECT msgid, created FROM settlements WHERE kind='cancel' AND orig_setl_id=? "
                      "ORDER BY created", [r[3]]).fetchone()
                facts.append((r[0], "cancelled", c[0] if c else f"setl:{r[3]}", c[1] if c else r[2]))
        for r in q("SELECT m.bill_no, m.msgid, m.updated FROM messages m JOIN his_bills h ON h.bill_no = m.bill_no "
                   "WHERE m.infno LIKE '2207%' AND m.resolution IN ('reversed', 'not_booked')").fetchall():
            facts.append((r[0], "reversed", r[1], r[2]))
        for r in q("SELECT h.bill_no, p.park_id, p.created, p.refund_paid_at, p.settle_msgid, p.settled_at, p.state "
                   "FROM parked p JOIN his_bills h ON h.bill_no = json_extract(p.bill, '$.bill_no')").fetchall():
            facts.append((r[0], "parked", r[1], r[2]))
            if r[6] == "settled" and r[4]:
                facts.append((r[0], "settled", r[4], r[5] or r[2]))
            if r[3]:
                facts.append((r[0], "refunded", f"park:{r[1]}", r[3]))
        # a refund paid back on a cancellation: keyed by the settlement's msgid or setl_id, or the cancel's msgid
        for r in q("SELECT DISTINCT s.bill_no, t.id, t.created FROM tenders t JOIN settlements s ON s.kind='settle' "
                   "AND (t.msgid = s.msgid OR (t.setl_id <> '' AND t.setl_id = s.setl_id) OR t.msgid IN (SELECT "
                   "c.msgid FROM settlements c WHERE c.kind='cancel' AND c.orig_setl_id = s.setl_id)) "
                   "JOIN his_bills h ON h.bill_no = s.bill_no WHERE t.kind='refund'").fetchall():
            facts.append((r[0], "refunded", f"tender:{r[1]}", r[2]))
        # within one timestamp (the journal's are to the second) the facts go in the order a bill lives them:
        # parked before its later settlement, a settlement before its cancellation or reversal, refunds last
        return sorted(facts, key=lambda f: (f[3] or "", LIFECYCLE.index(f[1])))

    def sync_events(self) -> int:
        """Record an event for every fact not yet recorded (same fact, same event id). The number recorded."""
        with self.sdb.lock:
            facts = self._facts(self.sdb.db)
            have = {r["event_id"] for r in self.sdb.rows("SELECT event_id FROM his_events")}
        new = [(f, event_id(f[0], f[1], f[2])) for f in facts]
        new = [(f, e) for f, e in new if e not in have]
        if not new:
            return 0
        n = 0
        with self.sdb.tx() as db:
            for (bill_no, kind, ref, when), eid in new:
                now, ts = now_text(), time.time()
                body = {"event_id": eid, "type": f"bill.{kind}", "bill_no": bill_no, "occurred": when,
                        "created": now, "bill": self._view(db, bill_no)}
                cur = db.execute("INSERT OR IGNORE INTO his_events (event_id, bill_no, kind, ref, created, "
                                 "created_ts, body, state, attempts, next_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                                 [eid, bill_no, kind, ref, now, ts + n * 1e-6,
                                  json.dumps(body, ensure_ascii=False, separators=(",", ":")), "queued", 0, 0.0])
                n += cur.rowcount
        return n

    def due_events(self, now: float | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """Queued events whose time has come, each after every earlier undelivered event of its bill."""
        return self.sdb.rows(
            "SELECT * FROM his_events e WHERE state='queued' AND next_at <= ? AND NOT EXISTS (SELECT 1 FROM "
            "his_events p WHERE p.bill_no = e.bill_no AND p.state='queued' AND p.created_ts < e.created_ts) "
            "ORDER BY created_ts LIMIT ?", [time.time() if now is None else now, limit])

    def delivered(self, eid: str) -> None:
        with self.sdb.tx() as db:
            db.execute("UPDATE his_events SET state='delivered', attempts=attempts+1, delivered_at=?, last_error=NULL "
                       "WHERE event_id=?", [now_text(), eid])

    def retry_later(self, eid: str, error: str, next_at: float) -> None:
        with self.sdb.tx() as db:
            db.execute("UPDATE his_events SET attempts=attempts+1, last_error=?, next_at=? WHERE event_id=?",
                       [error[:500], next_at, eid])

    def events(self, bill_no: str | None = None) -> list[dict[str, Any]]:
        if bill_no:
            return self.sdb.rows("SELECT * FROM his_events WHERE bill_no=? ORDER BY created_ts", [bill_no])
        return self.sdb.rows("SELECT * FROM his_events ORDER BY created_ts")

    def backlog(self) -> dict[str, Any]:
        r = self.sdb.one("SELECT COUNT(*) n, MIN(created) oldest, MAX(attempts) attempts FROM his_events "
                         "WHERE state='queued'")
        return dict(r or {})
