"""The duplicate-settlement guard: a bill settles once.

A settlement message (2207, and 2304 for a stay) sent inside ``journal.tagged(bill_no=..., bill_digest=...)``
is checked by :func:`guard` inside the journal's write transaction that records it (``Journal.before_send``,
BEGIN IMMEDIATE: the check and the pending row are one step for every process on the journal), so two
windows, or a window and the command line, pressing settle on the same bill at the same moment settle it once.

* With a ``bill_no`` (the HIS charge number): refused (:class:`DuplicateBill`) while another settlement message
  of that bill is settled (settlement row 'settled'), in flight (pending/sent) or uncertain and not yet
  resolved. A cancelled (2208) or reversed (2601) one does not count. Only a settled one can be overridden,
  by a supervisor with a reason (:class:`DuplicateOverride`): the override is journaled in ``overrides`` with
  the message it let through, and lets exactly one settlement through (a grant whose settlement the platform
  refused may be used again).
* Without one: the same person's identical bill (:func:`terminal.core.billid.bill_digest`) settled, or in
  flight, within the last :data:`WINDOW_MINUTES` asks for confirmation (:class:`DuplicateSuspected`) unless
  the tag ``confirm_duplicate`` is set.

The same reads, outside a transaction, give the early check (:func:`early_check`) that the service runs before
any platform work: it tells the cashier sooner; the guard in the transaction is the guarantee.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

from .db import now_text
from .errors import DuplicateBill, DuplicateSuspected

if TYPE_CHECKING:  # pragma: no cover
    import sqlite_utils

log = logging.getLogger(__name__)

#: transactions the guard applies to (settlements of a bill)
GUARDED = ("2207", "2304", "2102")
#: without a bill_no, an identical bill of the same person within this many minutes asks for confirmation
WINDOW_MINUTES = 30

Query = Callable[[str, list[Any]], list[dict[str, Any]]]

_SELECT = (
    "SELECT m.msgid, m.infno, m.state, m.resolution, m.created AS m_created, m.operator AS m_operator, m.bill_no, "
    "s.status, s.setl_id, s.setl_time, s.created AS s_created, s.operator AS s_operator, s.medfee_sumamt, "
    "s.fund_pay_sumamt, s.acct_pay, s.psn_cash_pay "
    "FROM messages m LEFT JOIN settlements s ON s.msgid = m.msgid AND s.kind = 'settle' ")


@dataclass(frozen=True)
class DuplicateOverride:
    """A supervisor's permission to settle a bill that is already settled, once, with a reason."""

    supervisor: str
    reason: str
    operator: str = ""
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        if not str(self.supervisor or "").strip():
            raise ValueError("重复结算须由主管授权（缺少主管编号）")
        reason = str(self.reason or "").strip()
        if len(reason) < 2:
            raise ValueError("请填写重复结算的原因（至少 2 个字）")
        object.__setattr__(self, "reason", reason[:200])

    def tags(self) -> dict[str, str]:
        return {"override_token": self.token, "override_supervisor": str(self.supervisor).strip(),
                "override_reason": self.reason, "override_operator": str(self.operator or "")}


def classify(row: dict[str, Any]) -> str:
    """'settled' | 'in_flight' | 'uncertain' for an earlier settlement message that blocks, '' when it does not."""
    res = row.get("resolution") or ""
    if res in ("reversed", "not_booked"):
        return ""  # reversed, or the platform never booked it
    if res == "reversing" or row.get("state") == "uncertain":
        return "uncertain"
    status = row.get("status")
    if status == "settled":
        return "settled"
    if status in ("cancelled", "reversed"):
        return ""
    if row.get("state") in ("pending", "sent"):
        return "in_flight"
    if row.get("state") == "answered":
        return "uncertain"  # answered but not booked (an unusable breakdown): its reversal is on the way
    return ""  # refused by the platform / never sent


def earlier_info(row: dict[str, Any], kind: str) -> dict[str, Any]:
    """What the cashier is shown of an earlier settlement."""
    return {
        "msgid": row.get("msgid"), "infno": (row.get("infno") or "")[:4], "kind": kind,
        "time": row.get("setl_time") or row.get("s_created") or row.get("m_created") or "",
        "setl_id": row.get("setl_id") or "", "medfee_sumamt": row.get("medfee_sumamt"),
        "fund_pay_sumamt": row.get("fund_pay_sumamt"), "acct_pay": row.get("acct_pay"),
        "psn_cash_pay": row.get("psn_cash_pay"), "operator": row.get("s_operator") or row.get("m_operator") or "",
        "bill_no": row.get("bill_no") or "",
    }


def blocking(query: Query, bill_no: str, infno: str = "2207", *, exclude_msgid: str = "") -> list[dict[str, Any]]:
    """Earlier settlement messages of this bill_no that forbid another one, latest first."""
    rows = query(_SELECT + "WHERE m.bill_no = ? AND substr(m.infno, 1, 4) = ? AND m.msgid != ? "
                 "ORDER BY m.created DESC, m.rowid DESC", [bill_no, infno[:4], exclude_msgid or ""])
    out = []
    for r in rows:
        kind = classify(r)
        if kind:
            out.append(earlier_info(r, kind))
    return out


def recent_identical(query: Query, psn_no: str, digest: str, infno: str = "2207", *, minutes: int = WINDOW_MINUTES,
                     exclude_msgid: str = "", now: datetime | None = None) -> list[dict[str, Any]]:
    """The same person's settlements of an identical bill within ``minutes`` (settled or not yet resolved)."""
    cutoff = ((now or datetime.now()) - timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")
    rows = query(_SELECT + "WHERE m.psn_no = ? AND m.bill_digest = ? AND substr(m.infno, 1, 4) = ? AND m.msgid != ? "
                 "AND COALESCE(s.created, m.created) >= ? ORDER BY m.created DESC, m.rowid DESC",
                 [psn_no, digest, infno[:4], exclude_msgid or "", cutoff])
    out = []
    for r in rows:
        kind = classify(r)
        if kind:
            out.append(earlier_info(r, kind))
    return out


def _window(tags: dict[str, str]) -> int:
    try:
        return max(1, int(tags.get("duplicate_minutes") or WINDOW_MINUTES))
    except ValueError:
        return WINDOW_MINUTES


def early_check(query: Query, *, bill_no: str, digest: str, psn_no: str = "", infno: str = "2207",
                confirm_duplicate: bool = False, overridden: bool = False, minutes: int = WINDOW_MINUTES) -> None:
    """The guard's verdict read without a transaction (before any platform work). Raises like :func:`guard`;
    ``overridden`` (a supervisor's override comes with the bill) is accepted here when every blocking settlement
    is a settled one (the override itself is checked and used at the 2207)."""
    if bill_no:
        found = blocking(query, bill_no, infno)
        if found:
            err = DuplicateBill(bill_no, found, infno=infno)
            if overridden and err.overridable:
                return
            if overridden:
                err.override_refused = _NOT_OVERRIDABLE
            raise err
        return
    if digest and psn_no and not confirm_duplicate:
        found = recent_identical(query, psn_no, digest, infno, minutes=minutes)
        if found:
            raise DuplicateSuspected(psn_no, found, minutes, infno=infno)


_NOT_OVERRIDABLE = "在途或结果未知的结算不能授权重复结算：请等待其结果（冲正完成后可正常结算）"


def guard(db: sqlite_utils.Database, *, infno: str, msgid: str, psn_no: str, tags: dict[str, str]) -> None:
    """Inside the journal's write transaction, before the settlement message is recorded as pending.
    Raises DuplicateBill / DuplicateSuspected (the transaction rolls back: nothing journaled, nothing sent);
    records the override row when an override lets the message through."""
    infno4 = (infno or "")[:4]
    if infno4 not in GUARDED:
        return

    def query(sql: str, params: list[Any]) -> list[dict[str, Any]]:
        return list(db.query(sql, params))

    bill_no = (tags.get("bill_no") or "").strip()
    if bill_no:
        found = blocking(query, bill_no, infno4, exclude_msgid=msgid)
        if not found:
            return
        err = DuplicateBill(bill_no, found, infno=infno, msgid=msgid)
        token = tags.get("override_token") or ""
        if not token:
            log.warning("duplicate settlement of bill %s refused (%s, earlier %s)", bill_no, err.reason,
                        err.latest.get("msgid"))
            raise err
        if not err.overridable:
            err.override_refused = _NOT_OVERRIDABLE
            raise err
        used = [r for r in query("SELECT o.msgid, m.state FROM overrides o LEFT JOIN messages m ON m.msgid = o.msgid "
                                 "WHERE o.token = ?", [token]) if r.get("state") != "failed"]
        if used:
            err.override_refused = "此授权已使用过（已放行一笔结算）；再次结算须重新授权"
            raise err
        supervisor = (tags.get("override_supervisor") or "").strip()
        reason = (tags.get("override_reason") or "").strip()
        if not supervisor or not reason:
            err.override_refused = "授权缺少主管或原因"
            raise err
        latest = err.latest
        db.table("overrides").insert({
            "created": now_text(), "kind": "duplicate_bill", "bill_no": bill_no, "psn_no": psn_no,
            "earlier_setl_id": latest.get("setl_id") or "", "earlier_msgid": latest.get("msgid") or "",
            "supervisor": supervisor, "operator": tags.get("override_operator") or "", "reason": reason,
            "token": token, "msgid": msgid})
        log.warning("duplicate settlement of bill %s let through by supervisor %s (earlier setl_id %s, msgid %s)",
                    bill_no, supervisor, latest.get("setl_id"), msgid)
        return
    digest = tags.get("bill_digest") or ""
    if digest and psn_no and not tags.get("confirm_duplicate"):
        minutes = _window(tags)
        found = recent_identical(query, psn_no, digest, infno4, minutes=minutes, exclude_msgid=msgid)
        if found:
            log.warning("identical bill of the same person within %s minutes: confirmation needed (earlier %s)",
                        minutes, found[0].get("msgid"))
            raise DuplicateSuspected(psn_no, found, minutes, infno=infno, msgid=msgid)


def overrides(query: Query, bill_no: str | None = None) -> list[dict[str, Any]]:
    """The journaled overrides (all, or of one bill), oldest first."""
    if bill_no:
        return query("SELECT * FROM overrides WHERE bill_no = ? ORDER BY id", [bill_no])
    return query("SELECT * FROM overrides ORDER BY id", [])
