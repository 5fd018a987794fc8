"""The offline queue (outbox): work that waits for the platform, forwarded in order per visit.

Kinds: ``reversal`` (2601 of an uncertain 2207/2208), ``cancel`` (2208 requested while offline),
``fee_cancel`` (2205), ``sign_out`` (9002), ``reconcile`` (3201), ``park`` (a deferred settlement).
Item states: ``queued`` -> ``working`` -> ``done`` | ``failed`` (refused by the platform; kept for the cashier)
| ``uncertain`` (a forwarded 2208 whose outcome is unknown: its reversal and a fresh request follow) |
``cancelled`` | ``dismissed`` (a failed item the cashier has dealt with).

Each message item keeps one msgid for all its attempts: the envelope is stored in ``payloads`` before the
first attempt and resent as is (sign_no refreshed), so the platform sees one message however often it is
retried. Within a visit (``visit_key``, the psn_no where known) an item waits for every earlier item still
queued or working, and for an earlier reversal the platform refused (the original's outcome is still open).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from terminal.core import wire

from .db import insert_row, now_text
from .errors import InvalidState, NotFound, QueueFull

if TYPE_CHECKING:  # pragma: no cover
    import sqlite_utils

    from terminal.backend.client import Message

    from .ports import Owner

OPEN_STATES = ("queued", "working")
ATTENTION_STATES = ("queued", "working", "failed")
KIND_INFNO = {"reversal": "2601", "cancel": "2208", "fee_cancel": "2205", "sign_out": "9002", "reconcile": "3201",
              "park": "", "sales_upload": "3505"}
KIND_NAMES = {"reversal": "冲正", "cancel": "撤销结算", "fee_cancel": "撤销费用明细", "sign_out": "签退",
              "reconcile": "对总账", "park": "补结算",
              "sales_upload": "商品销售上传/3505"}
# An earlier item of the visit that holds a later one back: queued or working, or a reversal the platform refused.
# Written with the partial index's own condition (state IN ...) so that SQLite reads only open items.
_EARLIER_OPEN = ("p.state IN ('queued','working','failed') AND "
                 "(p.state <> 'failed' OR p.kind = 'reversal')")
STATE_NAMES = {"queued": "排队中", "working": "处理中", "done": "已完成", "failed": "平台拒绝", "uncertain": "结果未知",
               "cancelled": "已取消", "dismissed": "已处理"}


@dataclass
class QueueItem:
    id: int
    seq: int
    kind: str
    infno: str
    visit_key: str
    state: str
    msgid: str
    params: dict[str, Any]
    summary: str
    attempts: int
    next_at: float
    last_error: str
    result: Any
    created: str
    created_ts: float
    updated: str
    done_at: str
    park_id: str
    omsgid: str
    psn_no: str
    #: the message prepared and stored when the item was claimed (not a column): sent without reading it back
    message: Message | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> QueueItem:
        return cls(id=r["id"], seq=r["seq"] or r["id"], kind=r["kind"], infno=r["infno"] or "",
                   visit_key=r["visit_key"] or "", state=r["state"], msgid=r["msgid"] or "",
                   params=json.loads(r["params"] or "{}"), summary=r["summary"] or "", attempts=r["attempts"] or 0,
                   next_at=r["next_at"] or 0.0, last_error=r["last_error"] or "",
                   result=json.loads(r["result"]) if r["result"] else None, created=r["created"] or "",
                   created_ts=r["created_ts"] or 0.0, updated=r["updated"] or "", done_at=r["done_at"] or "",
                   park_id=r["park_id"] or "", omsgid=r["omsgid"] or "", psn_no=r["psn_no"] or "")

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        del d["message"]
        d["kind_name"], d["state_name"] = self.kind_name, self.state_name
        return d


@dataclass
class QueueStatus:
    """How full the queue is. ``level``: ok, warning (at ``warn_ratio`` of a limit), full (limit reached)."""

    open_items: int
    max_items: int
    oldest_age_hours: float
    max_age_hours: float
    level: str
    message: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def accepts_new_work(self) -> bool:
        return self.level != "full"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Outbox:
    def __init__(self, store: Owner, *, max_items: int = 500, max_age_hours: float = 72.0,
                 warn_ratio: float = 0.8):
        self.store = store
        self.sdb = store.sdb
        self.max_items, self.max_age_hours, self.warn_ratio = max_items, max_age_hours, warn_ratio

    # limits --------------------------------------------------------------------------------------
    def status(self) -> QueueStatus:
        counts = {r["state"]: r["n"] for r in self.sdb.rows("SELECT state, COUNT(*) n FROM queue GROUP BY state")}
        open_n = sum(counts.get(s, 0) for s in ATTENTION_STATES)
        r = self.sdb.one("SELECT MIN(created_ts) t FROM queue WHERE state IN ('queued','working')")
        age = (time.time() - r["t"]) / 3600.0 if r and r["t"] else 0.0
        item_ratio = open_n / self.max_items if self.max_items else 0.0
        age_ratio = age / self.max_age_hours if self.max_age_hours else 0.0
        if item_ratio >= 1.0 or age_ratio >= 1.0:
            level = "full"
            why = (f"待处理 {open_n} 项已达上限 {self.max_items}" if item_ratio >= 1.0
                   else f"最早一项已等待 {age:.0f} 小时，达到上限 {self.max_age_hours:g} 小时")
            message = f"离线队列已满（{why}）：不再接受新的挂账/离线业务，请恢复网络连接或处理失败项"
        elif item_ratio >= self.warn_ratio or age_ratio >= self.warn_ratio:
            level = "warning"
            message = (f"离线队列接近上限：待处理 {open_n}/{self.max_items} 项，最早已等待 {age:.1f}/"
                       f"{self.max_age_hours:g} 小时；请尽快恢复与医保平台的连接")
        else:
            level = "ok"
            message = f"离线队列待处理 {open_n} 项" if open_n else "离线队列为空"
        return QueueStatus(open_n, self.max_items, round(age, 2), self.max_age_hours, level, message, counts)

    def check_accepts(self) -> QueueStatus:
        st = self.status()
        if not st.accepts_new_work:
            raise QueueFull(st.message)
        return st

    # enqueue -------------------------------------------------------------------------------------
    def _insert(self, db: sqlite_utils.Database, *, kind: str, visit_key: str, params: dict[str, Any], summary: str,
                msg: Message | None = None, park_id: str = "", omsgid: str = "", psn_no: str = "",
                infno: str = "") -> int:
        now = now_text()
        seq = (db.execute("SELECT COALESCE(MAX(seq), 0) FROM queue").fetchone()[0] or 0) + 1
        row = {"seq": seq, "kind": kind, "infno": infno or (msg.infno if msg else KIND_INFNO.get(kind, "")),
               "visit_key": visit_key, "state": "queued", "msgid": msg.msgid if msg else None,
               "params": json.dumps(params, ensure_ascii=False, default=str), "summary": summary, "attempts": 0,
               "next_at": 0.0, "created": now, "created_ts": time.time(), "updated": now,
               "park_id": park_id or None, "omsgid": omsgid or None, "psn_no": psn_no or None}
        qid = insert_row(db, "queue", row)
        if msg is not None:
            self._save_payload(db, qid, msg)
        return qid

    def _save_payload(self, db: sqlite_utils.Database, qid: int, msg: Message) -> None:
        db.execute("INSERT OR REPLACE INTO payloads (msgid, queue_id, infno, url, envelope, created) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
                   [msg.msgid, qid, msg.infno, msg.url, wire.dumps(msg.envelope), now_text()])
        db.execute("UPDATE queue SET msgid=? WHERE id=?", [msg.msgid, qid])

    def _ensure_reversal(self, db: sqlite_utils.Database, omsgid: str, oinfno: str, psn_no: str, insuplc: str, *,
                         again: bool = False) -> int:
        """Queue one 2601 for omsgid (idempotent: an open or done reversal is reused). Inside a transaction.
        ``again``: the earlier reversal's verdict no longer holds (the original was booked after it): a new one."""
        r = db.execute("SELECT id FROM queue WHERE kind='reversal' AND omsgid=? AND state NOT IN "
                       "('cancelled','dismissed'" + (",'done'" if again else "") + ") ORDER BY id DESC LIMIT 1",
                       [omsgid]).fetchone()
        db.execute("UPDATE messages SET resolution='reversing', updated=? WHERE msgid=? AND "
                   "(resolution IS NULL OR resolution=''" + (" OR resolution='not_booked'" if again else "") + ")",
                   [now_text(), omsgid])
        if r:
            return int(r[0])
        return self._insert(db, kind="reversal", visit_key=psn_no or f"msg:{omsgid}",
                            params={"psn_no": psn_no, "omsgid": omsgid, "oinfno": oinfno[:4], "insuplc": insuplc},
                            summary=f"冲正 {oinfno[:4]} {omsgid}", omsgid=omsgid, psn_no=psn_no)

    def ensure_reversal(self, omsgid: str, oinfno: str, psn_no: str, insuplc: str) -> int:
        with self.sdb.tx() as db:
            return self._ensure_reversal(db, omsgid, oinfno, psn_no, insuplc)

    def enqueue_message(self, kind: str, msg: Message, *, summary: str = "", visit_key: str = "",
                        required: bool = False) -> int:
        """Queue an already prepared (and possibly journaled, not sent) message, keeping its msgid."""
        if not required:
            self.check_accepts()
        from .journal import request_fields

        f = request_fields(msg.infno, msg.envelope)
        params = {"input": msg.envelope.get("input") or {}, "insuplc": f["insuplc_admdvs"]}
        with self.sdb.tx() as db:
            return self._insert(db, kind=kind, visit_key=visit_key or f["psn_no"] or kind, params=params,
                                summary=summary or f"{KIND_NAMES.get(kind, kind)} {msg.infno}", msg=msg,
                                psn_no=f["psn_no"])

    def enqueue_call(self, kind: str, input_: dict[str, Any], *, insuplc: str = "", visit_key: str = "",
                     summary: str = "", required: bool = False) -> int:
        """Queue a transaction to be prepared (msgid assigned, envelope stored) at its first attempt."""
        if not required:
            self.check_accepts()
        infno = KIND_INFNO[kind]
        from .journal import request_fields

        f = request_fields(infno, {"input": input_, "insuplc_admdvs": insuplc})
        with self.sdb.tx() as db:
            return self._insert(db, kind=kind, visit_key=visit_key or f["psn_no"] or kind,
                                params={"input": input_, "insuplc": insuplc}, summary=summary or KIND_NAMES[kind],
                                psn_no=f["psn_no"], infno=infno)

    def cancel_settlement(self, setl_id: str, mdtrt_id: str, psn_no: str, insuplc: str) -> int:
        """2208 to be forwarded when the platform answers again."""
        return self.enqueue_call("cancel", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no}},
                                 insuplc=insuplc, summary=f"撤销结算 {setl_id}")

    def cancel_fees(self, mdtrt_id: str, chrg_bchno: str, psn_no: str, insuplc: str) -> int:
        return self.enqueue_call("fee_cancel", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": chrg_bchno,
                                                         "psn_no": psn_no}},
                                 insuplc=insuplc, summary=f"撤销费用明细 {mdtrt_id}/{chrg_bchno}")

    def sign_out(self, sign_no: str, opter_no: str) -> int:
        return self.enqueue_call("sign_out", {"signOut": {"sign_no": sign_no, "opter_no": opter_no}},
                                 visit_key="sign_out", summary=f"签退 {sign_no}")

    # reading -------------------------------------------------------------------------------------
    def items(self, states: tuple[str, ...] | None = None, kind: str | None = None) -> list[QueueItem]:
        where, params = [], []
        if states:
            where.append(f"state IN ({','.join('?' * len(states))})")
            params += list(states)
        if kind:
            where.append("kind = ?")
            params.append(kind)
        sql = "SELECT * FROM queue" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq"
        return [QueueItem.from_row(r) for r in self.sdb.rows(sql, params)]

    def open_items(self) -> list[QueueItem]:
        return self.items(ATTENTION_STATES)

    def get(self, qid: int) -> QueueItem:
        r = self.sdb.one("SELECT * FROM queue WHERE id=?", [qid])
        if not r:
            raise NotFound(f"队列中没有编号 {qid} 的项目")
        return QueueItem.from_row(r)

    def blocking_reversals(self, psn_no: str) -> list[QueueItem]:
        """Reversals not yet confirmed for this person: no new settlement until they are."""
        if not psn_no:
            return []
        rows = self.sdb.rows("SELECT * FROM queue WHERE kind='reversal' AND state IN ('queued','working','failed') "
                             "AND (psn_no=? OR visit_key=?) ORDER BY seq", [psn_no, psn_no])
        return [QueueItem.from_row(r) for r in rows]

    # worker side ---------------------------------------------------------------------------------
    def claim_next(self, *, now: float | None = None, kinds: tuple[str, ...] | None = None,
                   ignore_backoff: bool = False,
                   prepare: Callable[[QueueItem], Message | None] | None = None) -> QueueItem | None:
        """Take the first due item whose visit has nothing earlier still open; marks it working.

        ``prepare`` builds the message of an item that has none yet: it is stored (its msgid durable before the
        first attempt) in the claim's own transaction, one commit instead of two, and set on ``item.message``."""
        now = time.time() if now is None else now
        kind_sql = f" AND q.kind IN ({','.join('?' * len(kinds))})" if kinds else ""
        with self.sdb.tx() as db:
            r = db.execute(
                "SELECT q.id FROM queue q WHERE q.state='queued'" + ("" if ignore_backoff else " AND q.next_at <= ?")
                + kind_sql + " AND NOT EXISTS (SELECT 1 FROM queue p WHERE p.visit_key = q.visit_key AND "
                "p.seq < q.seq AND " + _EARLIER_OPEN + ") ORDER BY q.seq LIMIT 1",
                ([] if ignore_backoff else [now]) + list(kinds or ())).fetchone()
            if not r:
                return None
            return self._take(db, r[0], prepare)

    def claim_batch(self, limit: int, *, kinds: tuple[str, ...] | None = None, ignore_backoff: bool = False,
                    batchable: Callable[[QueueItem], bool],
                    prepare: Callable[[QueueItem], Message | None],
                    journal: Callable[[sqlite_utils.Database, QueueItem, Message], None]) -> list[QueueItem]:
        """Group commit: take up to ``limit`` due items at once and journal their messages, in ONE transaction.

        The due items are taken in queue order while ``batchable`` holds for them (the first one that may go and
        does not hold ends the batch: it is left for :meth:`claim_next`). An item whose visit has an earlier item
        open is taken only when every such earlier item is in this batch (it is sent after them, and not at all if
        one of them does not end done: the worker's business). Each item is marked working with this Store's
        owner token (its lease: it lasts as long as this process, whose lock file proves it alive; a dead
        owner's items are taken back by Store.reclaim_dead), gets its message (stored payload, or ``prepare``),
        and ``journal`` records that message as pending in this same transaction, so that every message is
        durable before it is sent. ``item.message`` is set; an item whose message cannot be had here is still
        taken, without one (the worker reports it as for a single item)."""
        now = time.time()
        kind_sql = f" AND q.kind IN ({','.join('?' * len(kinds))})" if kinds else ""
        with self.sdb.tx() as db:
            candidates = [r[0] for r in db.execute(
                "SELECT q.id FROM queue q WHERE q.state='queued'" + ("" if ignore_backoff else " AND q.next_at <= ?")
                + kind_sql + " ORDER BY q.seq LIMIT ?",
                ([] if ignore_backoff else [now]) + list(kinds or ()) + [4 * limit]).fetchall()]
            ids: list[int] = []
            for qid in candidates:
                if len(ids) >= limit:
                    break
                earlier = {r[0] for r in db.execute(
                    "SELECT p.id FROM queue p, queue q WHERE q.id=? AND p.visit_key=q.visit_key AND p.seq<q.seq AND "
                    + _EARLIER_OPEN, [qid]).fetchall()}
                if earlier - set(ids):
                    continue  # waits for an earlier item of its visit that is not in this batch
                if not batchable(QueueItem.from_row(next(db.query("SELECT * FROM queue WHERE id=?", [qid])))):
                    break
                ids.append(qid)
            out: list[QueueItem] = []
            for qid in ids:
                item = self._take(db, qid, prepare)
                if item.message is None and item.msgid:
                    p = db.execute("SELECT infno, url, envelope FROM payloads WHERE msgid=?", [item.msgid]).fetchone()
                    if p:
                        from terminal.backend.client import Message as Msg

                        item.message = Msg(infno=p[0], msgid=item.msgid, envelope=wire.loads(p[2]), url=p[1])
                if item.message is not None:
                    journal(db, item, item.message)
                out.append(item)
            return out

    def release(self, db: sqlite_utils.Database, qids: list[int]) -> None:
        """Items a batch claimed and did not send (it stopped): queued again as they were, msgid kept, the
        attempt not counted. Inside the caller's transaction."""
        for qid in qids:
            db.execute("UPDATE queue SET state='queued', attempts=MAX(attempts-1, 0), owner=NULL, updated=? "
                       "WHERE id=? AND state='working'", [now_text(), qid])

    def claim(self, qid: int, *, prepare: Callable[[QueueItem], Message | None] | None = None) -> QueueItem:
        """Take one given item now (the cashier asked for it), unless an earlier item of its visit is open.
        ``prepare``: as for :meth:`claim_next`."""
        with self.sdb.tx() as db:
            r = db.execute("SELECT state FROM queue WHERE id=?", [qid]).fetchone()
            if not r:
                raise NotFound(f"队列中没有编号 {qid} 的项目")
            if r[0] not in ("queued", "failed"):
                raise InvalidState(f"项目 {qid} 状态为 {STATE_NAMES.get(r[0], r[0])}，不能处理")
            earlier = db.execute(
                "SELECT p.id FROM queue p, queue q WHERE q.id=? AND p.visit_key=q.visit_key AND p.seq<q.seq AND "
                + _EARLIER_OPEN + " ORDER BY p.seq",
                [qid]).fetchall()
            if earlier:
                raise InvalidState(f"项目 {qid} 须等同一就诊的前序项目 {', '.join(str(e[0]) for e in earlier)} 完成")
            if r[0] == "failed":
                self._reopen(db, qid)
            return self._take(db, qid, prepare)

    def _take(self, db: sqlite_utils.Database, qid: int,
              prepare: Callable[[QueueItem], Message | None] | None) -> QueueItem:
        """Mark the item working (inside the claim's transaction) and attach its prepared message if it has none."""
        db.execute("UPDATE queue SET state='working', attempts=attempts+1, updated=?, owner=? WHERE id=?",
                   [now_text(), self.store.token, qid])
        item = QueueItem.from_row(next(db.query("SELECT * FROM queue WHERE id=?", [qid])))
        msg = prepare(item) if prepare is not None and not item.msgid else None
        if msg is not None:
            self._save_payload(db, qid, msg)
            item.msgid, item.message = msg.msgid, msg
        return item

    def next_due_at(self) -> float | None:
        r = self.sdb.one("SELECT MIN(next_at) t FROM queue WHERE state='queued'")
        return r["t"] if r and r["t"] is not None else None

    def payload(self, msgid: str) -> dict[str, Any] | None:
        return self.sdb.one("SELECT * FROM payloads WHERE msgid=?", [msgid])

    def attach_message(self, qid: int, msg: Message) -> None:
        with self.sdb.tx() as db:
            self._save_payload(db, qid, msg)

    def done(self, qid: int, result: Any = None, *, record_only: bool = False) -> None:
        """The item is done. ``record_only``: it is already done durably (a reversal is finished in its 2601's
        answer transaction), this only adds the answer to the record, so the commit has no fsync of its own."""
        from terminal.core.privacy import mask_data

        from .journal import light_tx

        with (light_tx(self.sdb) if record_only else self.sdb.tx()) as db:
            self._finish(db, qid, "done", result=mask_data(result) if result is not None else None)

    def _finish(self, db: sqlite_utils.Database, qid: int, state: str, *, result: Any = None, error: str = "") -> None:
        now = now_text()
        db.execute("UPDATE queue SET state=?, updated=?, done_at=?, result=COALESCE(?, result), "
                   "last_error=CASE WHEN ?='' THEN last_error ELSE ? END WHERE id=?",
                   [state, now, now, json.dumps(result, ensure_ascii=False, default=str) if result is not None
                    else None, error, error, qid])
        if state in ("done", "cancelled", "dismissed", "uncertain"):
            db.execute("DELETE FROM payloads WHERE queue_id=?", [qid])

    def failed(self, qid: int, error: str) -> None:
        with self.sdb.tx() as db:
            self._finish(db, qid, "failed", error=error)

    def uncertain(self, qid: int, error: str) -> None:
        with self.sdb.tx() as db:
            self._finish(db, qid, "uncertain", error=error)

    def retry_later(self, qid: int, error: str, delay: float, *, behind: bool = False) -> None:
        """Back to queued, due after ``delay`` s; ``behind`` moves it after everything queued so far."""
        with self.sdb.tx() as db:
            if behind:
                seq = (db.execute("SELECT COALESCE(MAX(seq), 0) FROM queue").fetchone()[0] or 0) + 1
                db.execute("UPDATE queue SET seq=? WHERE id=?", [seq, qid])
            db.execute("UPDATE queue SET state='queued', next_at=?, last_error=?, updated=? WHERE id=?",
                       [time.time() + delay, error[:500], now_text(), qid])

    # the cashier's side --------------------------------------------------------------------------
    def replay(self, qid: int | None = None) -> int:
        """Make items due now: one (a failed one is queued again with its msgid) or all queued ones."""
        with self.sdb.tx() as db:
            if qid is None:
                return db.execute("UPDATE queue SET next_at=0 WHERE state='queued'").rowcount
            r = db.execute("SELECT state FROM queue WHERE id=?", [qid]).fetchone()
            if not r:
                raise NotFound(f"队列中没有编号 {qid} 的项目")
            if r[0] not in ("queued", "failed"):
                raise InvalidState(f"项目 {qid} 状态为 {STATE_NAMES.get(r[0], r[0])}，不能重发")
            if r[0] == "failed":
                self._reopen(db, qid)
            return db.execute("UPDATE queue SET state='queued', next_at=0, updated=? WHERE id=?",
                              [now_text(), qid]).rowcount

    @staticmethod
    def _reopen(db: sqlite_utils.Database, qid: int) -> None:
        """A refused message is closed at the platform (a repeated msgid gets the same refusal): the retry of
        a failed item goes out as a new message."""
        db.execute("DELETE FROM payloads WHERE queue_id=?", [qid])
        db.execute("UPDATE queue SET msgid=NULL WHERE id=?", [qid])

    def dismiss(self, qid: int, note: str = "") -> None:
        """The cashier has dealt with a failed item (e.g. by phone with the insurance office)."""
        with self.sdb.tx() as db:
            r = db.execute("SELECT state FROM queue WHERE id=?", [qid]).fetchone()
            if not r:
                raise NotFound(f"队列中没有编号 {qid} 的项目")
            if r[0] != "failed":
                raise InvalidState(f"只有平台拒绝的项目可以标记为已处理（项目 {qid} 为 {STATE_NAMES.get(r[0], r[0])}）")
            self._finish(db, qid, "dismissed", error=f"已人工处理 {note}".strip())

