"""The message journal: every platform message written durably before it is sent (a MessageObserver).

States of a message: ``pending`` (journaled, about to be posted: whether it left is unknown until more is
known) -> ``sent`` (an HTTP answer came back, not yet processed) -> ``answered`` | ``failed`` (refused by the
platform, or certainly not processed) | ``uncertain`` (a money-moving message sent without a valid answer:
its reversal is queued in the same transaction). ``resolution`` closes an uncertain message: ``reversed``
(2601 answered), ``not_booked`` (2601 says nothing was booked), ``reversing`` while the reversal is queued.

Requests and answers are stored masked (mask_data); what is needed to reverse or resend (psn_no,
insuplc_admdvs, mdtrt_id, setl_id, omsgid, amounts) is kept in plain columns. Full envelopes of queued
messages live in ``payloads`` only while the item is queued.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator

from terminal.backend.errors import BusinessError, MalformedAnswer, PlatformError, Verdict, reversal_outcome, verdict
from terminal.core import wire
from terminal.core.models import SETL_AMOUNT_FIELDS, Settlement
from terminal.core.privacy import mask_data, mask_name
from terminal.core.protocol import CANCELLING, INPUT_NODE, MONEY_MOVING
from terminal.core.reconfiles import summarise_upload

from . import duplicates
from .crash import crash_point
from .db import now_text, today
from .errors import JournalUnavailable, sqlite_reason
from .pharmacy import TraceBook

if TYPE_CHECKING:  # pragma: no cover
    import sqlite_utils

    from terminal.backend.client import Answer, Message, PlatformClient

    from .db import StoreDB

    from .ports import JournalHost

log = logging.getLogger(__name__)

@contextmanager
def light_tx(sdb: StoreDB) -> Iterator[sqlite_utils.Database]:
    """A write transaction whose commit is not fsynced (synchronous=NORMAL for this commit only, WAL).

    Only for marks that nothing depends on for money (a message's 'sent' mark, a settlement's shown_at): the
    commit survives a crash of the process (the WAL frame is written), and the next durable commit (the
    connection's synchronous=FULL) fsyncs the WAL and with it this frame. Lost only if the machine loses
    power before that next commit; then the mark is missing, which errs on the safe side (recovery treats a
    pending message like a sent one; an unshown settlement is shown again). Inside a transaction it is
    simply part of it.
    """
    with sdb.lock:
        conn = sdb.conn
        if conn.in_transaction:
            with sdb.tx() as db:
                yield db
            return
        conn.execute("PRAGMA synchronous=NORMAL")
        try:
            with sdb.tx() as db:
                yield db
        finally:
            conn.execute("PRAGMA synchronous=FULL")


class JournalWriteFailed(PlatformError):
    """The answer came but could not be journaled: for a settlement the outcome is treated as unknown."""

    def __init__(self, reason: str, *, infno: str, msgid: str, money_moving: bool):
        self.reason = reason
        super().__init__(f"交易日志无法记录平台应答（{reason}）", infno=infno, msgid=msgid)
        self.outcome_unknown = money_moving

    @property
    def user_message(self) -> str:
        if self.outcome_unknown:
            return (f"交易日志无法记录平台应答（{self.reason}）：结算结果按未知处理，系统将自动冲正；"
                    "请清理磁盘后重新结算")
        return f"交易日志无法记录平台应答（{self.reason}），请清理磁盘或联系管理员"


def request_fields(infno: str, envelope: dict[str, Any]) -> dict[str, str]:
    """The plain columns kept next to the masked request: what reversal and resending need."""
    inp = envelope.get("input") if isinstance(envelope, dict) else None
    node = (inp or {}).get(INPUT_NODE.get(infno[:4], "data")) if isinstance(inp, dict) else None
    if isinstance(node, list):
        node = node[0] if node and isinstance(node[0], dict) else {}
    if not isinstance(node, dict):
        node = {}
    return {
        "psn_no": str(node.get("psn_no") or ""),
        "mdtrt_id": str(node.get("mdtrt_id") or ""),
        "setl_id": str(node.get("setl_id") or ""),
        "omsgid": str(node.get("omsgid") or ""),
        "oinfno": str(node.get("oinfno") or ""),
        "insuplc_admdvs": str(envelope.get("insuplc_admdvs") or ""),
    }


class Journal:
    """The MessageObserver of the platform client. ``attach(client)`` installs it."""

    def __init__(self, store: JournalHost, *, mark_sent: bool = True):
        self.store = store
        self.sdb = store.sdb
        self.mark_sent = mark_sent
        self._local = threading.local()

    # context tags ------------------------------------------------------------------------------
    @contextmanager
    def tagged(self, **tags: str) -> Iterator[None]:
        """Messages sent inside the block carry these tags (park_id) in the journal."""
        old = dict(getattr(self._local, "tags", {}) or {})
        self._local.tags = {**old, **tags}
        try:
            yield
        finally:
            self._local.tags = old

    def _tags(self) -> dict[str, str]:
        return dict(getattr(self._local, "tags", {}) or {})

    def attach(self, client: PlatformClient) -> PlatformClient:
        """Make the journal the client's observer and watch its HTTP answers (the ``after_send`` point)."""
        client.observer = self
        hooks = client.session.hooks.setdefault("response", [])
        if self._on_response not in hooks:
            hooks.append(self._on_response)
        return client

    # MessageObserver ---------------------------------------------------------------------------
    def before_send(self, msg: Message) -> None:
        pre = getattr(self._local, "prejournaled", None)
        if pre and msg.msgid in pre:  # journaled in the worker's claim transaction (:meth:`journal_in`)
            pre.discard(msg.msgid)
            crash_point("before_send", msg.infno)
            return
        crash_point("before_journal", msg.infno)
        try:
            with self.sdb.tx() as db:
                self.journal_in(db, msg)
        except sqlite3.Error as e:
            log.critical("journal write failed before sending %s %s: %s", msg.infno, msg.msgid, e)
            raise JournalUnavailable(sqlite_reason(e), infno=msg.infno, msgid=msg.msgid, cause=e) from e
        crash_point("before_send", msg.infno)

    def journal_in(self, db: sqlite_utils.Database, msg: Message) -> None:
        """Record ``msg`` as pending inside the caller's write transaction (what :meth:`before_send` commits on its
        own). PlatformError when the msgid is a money-moving message already sent (it must be reversed, not resent)."""
        f = request_fields(msg.infno, msg.envelope)
        tags = self._tags()
        now = now_text()
        row = db.execute("SELECT state, infno, sent FROM messages WHERE msgid = ?", [msg.msgid]).fetchone()
        if row is not None:
            state, infno, sent = row
            if (infno or msg.infno)[:4] in MONEY_MOVING and not (state == "failed" and sent == 0):
                raise PlatformError(f"{msg.infno} {msg.msgid} 已发送过（状态 {state}），结果未知的结算不能原样重发，"
                                    "须先冲正", infno=msg.infno, msgid=msg.msgid)
        # a bill settles once: checked and recorded in this one transaction (terminal.store.duplicates)
        duplicates.guard(db, infno=msg.infno, msgid=msg.msgid, psn_no=f["psn_no"], tags=tags)
        request = wire.dumps(mask_data(summarise_upload(msg.envelope)))
        if row is not None:
            db.execute("UPDATE messages SET state='pending', attempts=attempts+1, updated=?, url=?, "
                       "request=?, err_kind=NULL, err_msg=NULL, sent=NULL, owner=?, "
                       "bill_no=COALESCE(?, bill_no), bill_digest=COALESCE(?, bill_digest) WHERE msgid=?",
                       [now, msg.url, request, self.store.token, tags.get("bill_no") or None,
                        tags.get("bill_digest") or None, msg.msgid])
        else:
            new = {
                "msgid": msg.msgid, "infno": msg.infno, "day": today(), "created": now, "updated": now,
                "state": "pending", "attempts": 1, "operator": str(msg.envelope.get("opter") or ""),
                "url": msg.url, "request": request, "park_id": tags.get("park_id") or None,
                "owner": self.store.token, "bill_no": tags.get("bill_no") or None,
                "bill_digest": tags.get("bill_digest") or None, **f}
            # plain SQL: sqlite-utils' insert reads the table's schema on every call
            db.execute(f"INSERT INTO messages ({', '.join(new)}) VALUES ({', '.join('?' * len(new))})",
                       list(new.values()))

    # group commit (the queue worker's batches) ---------------------------------------------------
    @contextmanager
    def batch(self, prejournaled: set[str]) -> Iterator[Batch]:
        """For this thread, while the block runs: the messages in ``prejournaled`` were journaled as pending by the
        caller's claim transaction (:meth:`journal_in`), so :meth:`before_send` does not write them again; and the
        answers to messages that move no money are not recorded one by one but collected in the yielded list, for
        the caller to record with :meth:`record_answers` in one transaction of its own (with its queue items).
        Failures are recorded at once, as always. A crash before that transaction leaves the answered messages
        pending: recovery closes them (nothing that moves money) and their queue items are sent again with the
        same msgid."""
        b = Batch(set(prejournaled), [])
        old = (getattr(self._local, "prejournaled", None), getattr(self._local, "collected", None))
        self._local.prejournaled, self._local.collected = b.unsent, b.answers
        try:
            yield b
        finally:
            self._local.prejournaled, self._local.collected = old

    def prejournaled(self, msgid: str) -> bool:
        """True while ``msgid`` was journaled by this thread's batch claim and not yet sent."""
        pre: set[str] | None = getattr(self._local, "prejournaled", None)
        return pre is not None and msgid in pre

    def close_batch(self, db: sqlite_utils.Database, b: Batch) -> None:
        """Inside the caller's write transaction: record the answers a batch collected, and close the messages it
        journaled and did not send (it stopped) as certainly not sent, their attempt not counted (their queue items
        send the same msgids later)."""
        for msg, answer in b.answers:
            self._answered(db, msg, answer)
            crash_point("after_answer", msg.infno)
        for msgid in sorted(b.unsent):
            db.execute("UPDATE messages SET state='failed', sent=0, attempts=MAX(attempts-1, 0), updated=?, "
                       "err_kind='not_sent', err_msg='批量发送中止，此报文未发出' WHERE msgid=? AND state='pending'",
                       [now_text(), msgid])

    def _on_response(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        """requests response hook: the platform answered (not yet looked at).

        The 'sent' mark is a record for people (the answer arrived), not a fact recovery acts on: recovery
        treats 'pending' and 'sent' alike (a money-moving message is uncertain and reversed, anything else
        closed as failed). So it is written only for money-moving messages, and without an fsync of its own
        (:func:`light_tx`): it survives a crash of the process, and the next durable commit carries it to disk.
        """
        try:
            msgid = _msgid_of(response)
            if msgid:
                infno = _infno_of(response)
                if self.mark_sent and infno[:4] in MONEY_MOVING:
                    try:
                        with light_tx(self.sdb) as db:
                            db.execute("UPDATE messages SET state='sent', sent=1, updated=? WHERE msgid=? "
                                       "AND state='pending'", [now_text(), msgid])
                    except sqlite3.Error as e:  # the answer handling will try again and decide
                        log.error("journal: cannot mark %s sent: %s", msgid, e)
                crash_point("after_send", infno)
        except Exception:  # never break the HTTP call from a hook
            log.exception("journal response hook")
        return response

    def after_answer(self, msg: Message, answer: Answer) -> None:
        collected = getattr(self._local, "collected", None)
        if collected is not None and not msg.money_moving:  # recorded by the batch's own transaction
            collected.append((msg, answer))
            return
        late: LateAnswer | None = None
        try:
            with self.sdb.tx() as db:
                late = self._late(db, msg, answer) if msg.money_moving else None
                if late is None:
                    self._answered(db, msg, answer)
                    crash_point("after_answer", msg.infno)
        except sqlite3.Error as e:
            log.critical("journal cannot record the answer to %s %s: %s", msg.infno, msg.msgid, e)
            raise JournalWriteFailed(sqlite_reason(e), infno=msg.infno, msgid=msg.msgid,
                                     money_moving=msg.money_moving) from e
        if late is not None:  # committed: the answer is kept for the record, the verdict stands
            raise late
        crash_point("after_commit", msg.infno)

    def _answered(self, db: sqlite_utils.Database, msg: Message, answer: Answer) -> None:
        setl = (answer.output or {}).get("setlinfo") if isinstance(answer.output, dict) else None
        db.execute(
            "UPDATE messages SET state='answered', sent=1, updated=?, answer=?, infcode='0', "
            "inf_refmsgid=?, elapsed_ms=?, warn_msg=NULLIF(?, ''), "
            "setl_id=COALESCE(NULLIF(?, ''), setl_id) WHERE msgid=?",
            [now_text(), wire.dumps(mask_data(answer.raw or {"output": answer.output})),
             answer.inf_refmsgid, int(answer.elapsed * 1000), answer.warn_msg or "",
             str((setl or {}).get("setl_id") or "") if isinstance(setl, dict) else "", msg.msgid])
        infno = msg.infno[:4]
        if infno in MONEY_MOVING and isinstance(setl, dict):
            self._book(db, msg, answer)
        elif infno == "2601":
            f = request_fields(msg.infno, msg.envelope)
            self.store._resolve(db, f["omsgid"], "reversed", msg.msgid)

    def _late(self, db: sqlite_utils.Database, msg: Message, answer: Answer) -> LateAnswer | None:
        """A money-moving message that someone else (recovery in another process) already judged: its answer
        comes too late to count. It is kept for the record; the caller reports what the journal says."""
        row = db.execute("SELECT state, resolution FROM messages WHERE msgid=?", [msg.msgid]).fetchone()
        if row is None or row[0] in ("pending", "sent"):
            return None
        db.execute("UPDATE messages SET answer=?, updated=?, err_msg=? WHERE msgid=?",
                   [wire.dumps(mask_data(answer.raw or {"output": answer.output})), now_text(),
                    "应答迟到：此前已按结果未知处理", msg.msgid])
        resolution = row[1] or ""
        if resolution == "not_booked":
            # the 2601 reached the platform before this message was processed: the answer proves it is booked
            # now, so "not booked" no longer holds: reverse it again
            f = request_fields(msg.infno, msg.envelope)
            self.store.queue._ensure_reversal(db, msg.msgid, msg.infno, f["psn_no"], f["insuplc_admdvs"], again=True)
            resolution = "reversing"
        return LateAnswer(msg.infno, msg.msgid, row[0], resolution)

    def after_failure(self, msg: Message, error: PlatformError) -> None:
        now = now_text()
        try:
            with self.sdb.tx() as db:
                if isinstance(error, BusinessError):
                    db.execute("UPDATE messages SET state='failed', sent=1, updated=?, err_kind='business', "
                               "err_msg=?, infcode=?, answer=? WHERE msgid=?",
                               [now, error.err_msg, str(error.infcode), wire.dumps(mask_data(error.answer or {})),
                                msg.msgid])
                    if msg.infno[:4] == "2601":
                        outcome = reversal_outcome(error.err_msg)
                        if outcome:
                            f = request_fields(msg.infno, msg.envelope)
                            self.store._resolve(db, f["omsgid"], outcome, msg.msgid)
                    return
                kind = getattr(error, "kind", "malformed" if isinstance(error, MalformedAnswer) else "error")
                sent = 1 if (isinstance(error, MalformedAnswer) or getattr(error, "sent", True)) else 0
                if verdict(error) is Verdict.UNKNOWN:
                    db.execute("UPDATE messages SET state='uncertain', sent=?, updated=?, err_kind=?, err_msg=? "
                               "WHERE msgid=?", [sent, now, kind, str(error)[:500], msg.msgid])
                    f = request_fields(msg.infno, msg.envelope)
                    self.store.queue._ensure_reversal(db, msg.msgid, msg.infno, f["psn_no"], f["insuplc_admdvs"])
                else:
                    db.execute("UPDATE messages SET state='failed', sent=?, updated=?, err_kind=?, err_msg=? "
                               "WHERE msgid=?", [sent, now, kind, str(error)[:500], msg.msgid])
        except sqlite3.Error as e:  # recovery will find the message pending and resolve it
            log.critical("journal cannot record the failure of %s %s: %s", msg.infno, msg.msgid, e)

    # the day's book ------------------------------------------------------------------------------
    def _book(self, db: sqlite_utils.Database, msg: Message, answer: Answer) -> None:
        try:
            s = Settlement.from_wire(answer.output)
        except ValueError as e:
            log.error("answer to %s %s has an unusable setlinfo: %s", msg.infno, msg.msgid, e)
            return
        req = request_fields(msg.infno, msg.envelope)
        now = now_text()
        cancel = msg.infno[:4] in CANCELLING
        day = (s.setl_time or "")[:10] or today()
        row = {
            "msgid": msg.msgid, "kind": "cancel" if cancel else "settle", "setl_id": s.setl_id,
            "orig_setl_id": req["setl_id"] if cancel else "", "mdtrt_id": s.mdtrt_id or req["mdtrt_id"],
            "psn_no": s.psn_no or req["psn_no"], "psn_name": mask_name(s.psn_name), "insutype": s.insutype,
            "clr_type": s.clr_type, "clr_optins": s.clr_optins, "clr_way": s.clr_way, "setl_time": s.setl_time,
            "day": day, "status": "settled", "created": now, "updated": now, "warn_msg": answer.warn_msg or None,
            **self._context_of(db, msg.msgid), **{k: f"{s.amounts[k]:.2f}" for k in SETL_AMOUNT_FIELDS},
        }
        db.table("settlements").upsert(row, pk="msgid")
        if msg.infno[:4] == "2102":  # a pharmacy sale: its traceability codes sold, its 3505 uploads queued
            TraceBook.booked(db, self.store.queue, msg, answer, s.setl_id, str(row.get("operator") or ""))
        elif msg.infno[:4] == "2103" and req["setl_id"]:
            TraceBook.released(db, setl_id=req["setl_id"], by_msgid=msg.msgid)
        if cancel and req["setl_id"]:
            db.execute("UPDATE settlements SET status='cancelled', updated=? WHERE setl_id=? AND kind='settle' "
                       "AND status='settled'", [now, req["setl_id"]])

    @staticmethod
    def _context_of(db: sqlite_utils.Database, msgid: str) -> dict[str, Any]:
        r = db.execute("SELECT park_id, bill_no, bill_digest, operator FROM messages WHERE msgid=?",
                       [msgid]).fetchone()
        return dict(zip(("park_id", "bill_no", "bill_digest", "operator"), r or (None,) * 4, strict=True))


@dataclass
class Batch:
    """A worker batch as the journal sees it (:meth:`Journal.batch`)."""

    unsent: set[str]  # journaled by the claim, not yet handed to the client
    answers: list[tuple[Message, Answer]]  # answered, to be recorded by the batch's closing transaction


class LateAnswer(PlatformError):
    """The platform answered a settlement message that was already judged (uncertain, reversal queued) by
    recovery in another process: the answer does not count. What the journal says is what happened."""

    def __init__(self, infno: str, msgid: str, state: str, resolution: str):
        self.state, self.resolution = state, resolution
        super().__init__(f"{infno} {msgid} 的应答迟到，交易日志已按结果未知处理（{state}/{resolution or '-'}）",
                         infno=infno, msgid=msgid)
        self.outcome_unknown = True

    @property
    def user_message(self) -> str:
        if self.resolution == "reversed":
            return "结算应答迟到，此笔结算已被冲正，平台已撤回（未扣费）：不要收取现金，请重新结算"
        if self.resolution == "not_booked":
            return "结算应答迟到，冲正查明平台未记账（未扣费）：不要收取现金，请重新结算"
        return "结算应答迟到，此笔结算已按结果未知处理并正在冲正：不要收取现金，冲正完成后请重新结算"


def _msgid_of(response: Any) -> str:
    try:
        body = response.request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        i = body.find('"msgid":"')
        return body[i + 9:i + 39] if i >= 0 else ""
    except Exception:
        return ""


def _infno_of(response: Any) -> str:
    try:
        body = response.request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        i = body.find('"infno":"')
        return body[i + 9:i + 13] if i >= 0 else ""
    except Exception:
        return ""
