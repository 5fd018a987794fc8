"""The tender of each settlement in the journal (table ``tenders``, migration 0006): how the cash share was paid
(kind ``pay``) or paid back on a cancellation (kind ``refund``), one row per line, keyed by the settlement's 2207
msgid and setl_id. A self-pay checkout (自费, no platform call) has a local msgid (``SELF…``).

``record_tender`` writes a whole tender in one transaction; the shift report (terminal.store.shifts) sums the rows.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal.core.money import ZERO, money
from terminal.core.tender import PAY, REFUND, TenderLine

from .db import StoreDB, now_text


@dataclass(frozen=True)
class TenderRow:
    id: int
    created: str
    day: str
    operator: str
    kind: str
    msgid: str
    setl_id: str
    line: TenderLine
    note: str = ""


class TenderBook:
    def __init__(self, sdb: StoreDB):
        self.sdb = sdb

    def record_tender(self, msgid: str, setl_id: str, lines: Iterable[TenderLine], *, kind: str = PAY,
                      operator: str = "", note: str = "") -> list[int]:
        """Every line of one tender (or refund) in one transaction; returns the row ids."""
        if kind not in (PAY, REFUND):
            raise ValueError(f"tender kind {kind!r}")
        lines = list(lines)
        now = now_text()
        ids: list[int] = []
        with self.sdb.tx() as db:
            for ln in lines:
                cur = db.execute(
                    "INSERT INTO tenders (created, day, operator, kind, msgid, setl_id, method, amount, tendered, "
                    '"change", reference, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)',
                    [now, now[:10], operator, kind, msgid, setl_id, ln.method, f"{ln.amount:.2f}",
                     f"{ln.tendered:.2f}", f"{ln.change:.2f}", ln.reference, note])
                ids.append(int(cur.lastrowid or 0))
        return ids

    def tenders_for(self, msgid: str, kind: str | None = PAY) -> list[TenderRow]:
        """The rows of one settlement (by its 2207 msgid), oldest first; ``kind`` None: pay and refund."""
        sql, params = "SELECT * FROM tenders WHERE msgid=?", [msgid]
        if kind is not None:
            sql += " AND kind=?"
            params.append(kind)
        return [_row(r) for r in self.sdb.rows(sql + " ORDER BY id", params)]

    def lines_for(self, msgid: str, kind: str = PAY) -> list[TenderLine]:
        return [r.line for r in self.tenders_for(msgid, kind)]

    def refunded(self, msgid: str) -> bool:
        return bool(self.sdb.one("SELECT 1 AS x FROM tenders WHERE msgid=? AND kind=?", [msgid, REFUND]))

    def sums(self, *, day: str | None = None, operator: str | None = None,
             by: tuple[str, ...] = ("kind", "method")) -> dict[tuple[str, ...], Decimal]:
        """Σ amount grouped by any of kind, method, operator, day (amounts are summed as Decimal, never float)."""
        allowed = {"kind", "method", "operator", "day"}
        if not set(by) <= allowed:
            raise ValueError(f"group by {by}")
        where, params = [], []
        if day is not None:
            where.append("day=?")
            params.append(day)
        if operator is not None:
            where.append("operator=?")
            params.append(operator)
        sql = "SELECT * FROM tenders" + (" WHERE " + " AND ".join(where) if where else "")
        out: dict[tuple[str, ...], Decimal] = {}
        for r in self.sdb.rows(sql, params):
            key = tuple(str(r[k] or "") for k in by)
            out[key] = out.get(key, ZERO) + money(r["amount"])
        return out


def _row(r: dict[str, Any]) -> TenderRow:
    line = TenderLine(r["method"], money(r["amount"]), money(r["tendered"] or r["amount"]),
                      money(r["change"] or "0"), r["reference"] or "")
    return TenderRow(int(r["id"]), r["created"], r["day"], r["operator"] or "", r["kind"], r["msgid"] or "",
                     r["setl_id"] or "", line, r["note"] or "")
