"""The queue worker: forwards the offline queue when the platform answers again. Plain threading, no Qt.

The UI wraps it (listeners are called on the worker thread: hop to the GUI thread with a signal). Give the
worker its own PlatformClient (same configuration): requests sessions are not meant to be shared by threads.

Each round takes the first due item whose visit has nothing earlier open, sends it with its journaled
msgid, and files the outcome: answered -> done; refused -> failed (kept for the cashier); no answer ->
retried later with exponential backoff (the whole queue waits: the platform is down); a forwarded 2208
whose outcome is unknown -> its reversal and then a fresh 2208 are queued behind it.

Group commit (``batch`` > 1): when the first due items carry messages that move no money (2601 reversals, 2205,
3201, and any other such kind; not a park, a 2208 cancellation or a 9002 sign-out), up to ``batch`` of them are
claimed and their messages journaled as pending in ONE fsynced transaction (Outbox.claim_batch), sent one after
the other over the keep-alive session, and their answers recorded with their items done in ONE more transaction.
Every message is still durable before it is sent, and each state change commits with synchronous=FULL; only the
number of commits per message drops (two per batch instead of three per message). A failure is filed at once as
for a single item; a transport failure stops the batch and its unsent items are queued again as they were. A
crash in the middle leaves the answered messages pending and the items working under this process's owner token:
once the process is dead, any other worker (``Store.reclaim_dead``) or the next start queues them again with the
same msgids, which the platform answers once (a 2601 of a settlement already reversed counts as done).
"""
from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

from terminal.backend.errors import BusinessError, PlatformError, Verdict, is_sign_in_error, reversal_outcome, verdict
from terminal.core.errors import user_message_of
from terminal.core.privacy import mask_data
from terminal.core.protocol import CANCELLING, MONEY_MOVING

from .errors import DuplicateBill, DuplicateSuspected, InvalidState, JournalUnavailable
from .parked import Blocked

if TYPE_CHECKING:  # pragma: no cover
    from terminal.backend.client import Message, PlatformClient

    from .outbox import QueueItem
    from .parked import Settler
    from .worker_host import WorkerHost

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What happened to one item in one attempt (passed to listeners)."""

    item_id: int
    kind: str
    state: str  # done | failed | retry | uncertain | waiting
    message: str = ""
    park_id: str = ""
    omsgid: str = ""  # for a reversal: the settlement message it resolves
    #: for a reversal that is done: 'reversed' (the platform took the settlement back) or 'not_booked' (the
    #: platform never booked it: nothing was charged)
    resolution: str = ""
    warn_msg: str = ""  # the platform's warn_msg on the answer, '' when none

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _what(oinfno: str) -> str:
    return "撤销请求" if (oinfno or "")[:4] in CANCELLING else "结算"


def reversal_text(resolution: str, oinfno: str, err_msg: str = "") -> str:
    """What a finished reversal means for the cashier, by how it ended."""
    what = _what(oinfno)
    after = "原结算仍有效、未退款" if what == "撤销请求" else "未扣款，可重新结算"
    if resolution == "not_booked":
        return (f"平台答复从未记账此笔{what}（{err_msg or '原交易不存在'}）：未产生任何费用，无需冲正；{after}")
    if err_msg:  # refused as already reversed
        return f"平台答复此笔{what}此前已冲正（{err_msg}）：{after}"
    return f"已冲正（2601 成功）：平台已撤回此笔{what}，{after}"


def _cancel_text(output: Any) -> str:
    """A forwarded 2208's answer: what went back to the patient."""
    from terminal.core.models import Settlement
    from terminal.core.refunds import refund_text

    try:
        return "撤销完成：" + refund_text(Settlement.from_wire(output))
    except (ValueError, TypeError, AttributeError):
        return "撤销完成"


class QueueWorker:
    def __init__(self, store: WorkerHost, client: PlatformClient, service: Settler | None = None, *,
                 base_delay: float = 2.0, max_delay: float = 300.0, poll: float = 5.0, blocked_delay: float = 1.0,
                 batch: int = 16, reclaim_every: float = 5.0):
        self.store, self.client, self.service = store, client, service
        #: most items per group commit (1: one item at a time); how often (s) to look for a dead process's items
        self.batch, self.reclaim_every = batch, reclaim_every
        self._reclaimed_at = 0.0
        self.base_delay, self.max_delay, self.poll, self.blocked_delay = base_delay, max_delay, poll, blocked_delay
        self.listeners: list[Callable[[Outcome], None]] = []
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0  # consecutive transport failures (the platform is down)
        self.offline_until = 0.0
        self._lock = threading.Lock()  # one round at a time (thread and run_once callers)
        store.journal.attach(client)

    # life cycle ----------------------------------------------------------------------------------
    def start(self) -> QueueWorker:
        if self._thread and self._thread.is_alive():
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="yibao-queue-worker", daemon=True)
        self._thread.start()
        self.store._workers.add(self)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        self.store._workers.discard(self)

    @property
    def running(self) -> bool:
        return bool(self._thread and self._thread.is_alive())

    def wake(self, *, now: bool = False) -> None:
        """Look at the queue again; ``now`` also ends the current backoff (the cashier pressed retry)."""
        if now:
            self.offline_until = 0.0
        self._wake.set()

    @property
    def online(self) -> bool:
        return self._failures == 0

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if time.time() >= self.offline_until:
                    self.run_once()
            except Exception:  # keep the worker alive; the item stays queued
                log.exception("queue worker round failed")
            timeout = self.poll
            nxt = self.store.queue.next_due_at()
            now = time.time()
            if nxt is not None:
                timeout = min(timeout, max(0.05, nxt - now))
            if self.offline_until > now:
                timeout = max(0.05, self.offline_until - now)
            self._wake.wait(timeout)
            self._wake.clear()

    # rounds --------------------------------------------------------------------------------------
    def run_once(self, *, ignore_backoff: bool = False, max_items: int | None = None) -> list[Outcome]:
        """Process due items until none is due or the platform stops answering. Returns the outcomes."""
        out: list[Outcome] = []
        kinds = None if self.service is not None else ("reversal", "cancel", "fee_cancel", "sign_out", "reconcile",
                                                       "sales_upload")
        with self._lock:
            if self.store._unqueued:
                self.store.flush_unqueued()
            if time.time() - self._reclaimed_at >= self.reclaim_every:
                self._reclaimed_at = time.time()
                self.store.reclaim_dead()
            while not self._stop.is_set() or not self.running:
                if max_items is not None and len(out) >= max_items:
                    break
                limit = self.batch if max_items is None else min(self.batch, max_items - len(out))
                got = self._batch_round(kinds, ignore_backoff, limit)
                if got is not None:
                    out += got
                    if not got or got[-1].state == "retry":
                        break
                    continue
                item = self.store.queue.claim_next(kinds=kinds, ignore_backoff=ignore_backoff,
                                                   prepare=self._prepare)
                if item is None:
                    break
                o = self._process(item)
                out.append(o)
                self._notify(o)
                if o.state == "retry":
                    break  # the platform is not answering: the rest waits for the backoff
        return out

    # group commit ----------------------------------------------------------------------------------
    @staticmethod
    def _batchable(item: QueueItem) -> bool:
        return item.kind not in ("park", "sign_out") and item.infno[:4] not in MONEY_MOVING

    def _batch_round(self, kinds: tuple[str, ...] | None, ignore_backoff: bool, limit: int) -> list[Outcome] | None:
        """One group commit (see the module docstring); None when no batch could be claimed (nothing due, the first
        due item is not batchable, not signed in yet, the platform did not answer last time, or the claim could not
        be written): one item the usual way (while the platform is down, one message is journaled per try, not 16)."""
        if limit < 2 or not self.client.sign_no or self._failures:
            return None
        q, journal = self.store.queue, self.store.journal

        def stamp(db: Any, item: QueueItem, msg: Message) -> None:
            msg.envelope["sign_no"] = self.client.sign_no
            msg.envelope["inf_time"] = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
            journal.journal_in(db, msg)

        try:
            items = q.claim_batch(limit, kinds=kinds, ignore_backoff=ignore_backoff, batchable=self._batchable,
                                  prepare=self._prepare, journal=stamp)
        except (sqlite3.Error, PlatformError) as e:
            log.warning("queue batch not claimed (%s): one item at a time", e)
            return None
        if not items:
            return None
        outs: list[Outcome] = []
        done: list[tuple[QueueItem, Any]] = []
        tried: set[int] = set()
        with journal.batch({i.message.msgid for i in items if i.message is not None}) as b:
            try:
                held: set[str] = set()  # visits whose earlier item did not end done: their later items wait
                for item in items:
                    if self._stop.is_set() and self.running:
                        break
                    if item.visit_key in held:
                        continue
                    tried.add(item.id)
                    o = self._forward(item, answered=done)
                    outs.append(o)
                    if o.state == "retry":
                        break  # the platform is not answering: the rest waits for the backoff
                    if o.state != "done":
                        held.add(item.visit_key)
            finally:
                with self.store.sdb.tx() as db:  # the batch's closing transaction
                    journal.close_batch(db, b)
                    for item, answer in done:
                        self._file_answer(item, answer)
                        q._finish(db, item.id, "done", result=mask_data(answer.output))
                    q.release(db, [i.id for i in items if i.id not in tried])
        for o in outs:
            self._notify(o)
        return outs

    def run_item(self, qid: int) -> Outcome:
        """Process one given item now (ignoring its backoff); refused while an earlier item of its visit is open."""
        with self._lock:
            item = self.store.queue.claim(qid, prepare=self._prepare)
            o = self._process(item)
        self._notify(o)
        return o

    def drain(self, timeout: float = 60.0) -> list[Outcome]:
        """Run rounds (ignoring backoff) until nothing more can move now; for the CLI and tests."""
        out: list[Outcome] = []
        end = time.time() + timeout
        while time.time() < end:
            got = self.run_once(ignore_backoff=True)
            out += got
            if not got or got[-1].state == "retry":
                break
        return out

    def _notify(self, o: Outcome) -> None:
        if not o.omsgid and o.kind == "reversal":
            try:
                o.omsgid = self.store.queue.get(o.item_id).omsgid
            except Exception:
                pass
        for cb in list(self.listeners):
            try:
                cb(o)
            except Exception:
                log.exception("queue listener failed")

    def _backoff(self, attempts: int = 0) -> float:
        """A transport failure: the whole queue pauses (exponential in the consecutive failures) and the item
        waits exponentially in its own attempts; returns the item's delay."""
        self._failures += 1
        jitter = random.uniform(0.85, 1.15)
        pause = min(self.max_delay, self.base_delay * (2 ** min(self._failures - 1, 30))) * jitter
        self.offline_until = time.time() + pause
        return float(max(pause, min(self.max_delay, self.base_delay * (2 ** min(max(attempts, 1) - 1, 30))) * jitter))

    def _answered(self) -> None:
        self._failures = 0
        self.offline_until = 0.0

    # one item ------------------------------------------------------------------------------------
    def _process(self, item: QueueItem) -> Outcome:
        if item.kind == "park":
            return self._park(item)
        return self._forward(item)

    def _message(self, item: QueueItem, *, fresh: bool = False) -> Message:
        from terminal.backend.client import Message
        from terminal.core import wire

        q = self.store.queue
        if item.message is not None and not fresh:
            return item.message
        if item.msgid and not fresh:
            p = q.payload(item.msgid)
            if p:
                return Message(infno=p["infno"], msgid=item.msgid, envelope=wire.loads(p["envelope"]), url=p["url"])
        msg = self._new_message(item)
        q.attach_message(item.id, msg)  # the msgid is durable before the first attempt
        item.msgid, item.message = msg.msgid, msg
        return msg

    def _new_message(self, item: QueueItem) -> Message:
        prm = item.params
        if item.kind == "reversal":
            input_ = {"data": {"psn_no": prm["psn_no"], "omsgid": prm["omsgid"], "oinfno": prm["oinfno"]}}
            insuplc = prm.get("insuplc", "")
        elif "input" in prm:
            input_, insuplc = prm["input"], prm.get("insuplc", "")
        else:
            raise InvalidState(f"队列项目 {item.id} 缺少报文内容")
        return self.client.prepare(item.infno, input_, insuplc_admdvs=insuplc)

    def _prepare(self, item: QueueItem) -> Message | None:
        """The message of a claimed item without one, stored in the claim's transaction (Outbox.claim_next).
        None for a park item, or when it cannot be built here: the claim stands and :meth:`_forward` builds it
        again and reports the error as it does for any item."""
        if item.kind == "park":
            return None
        try:
            return self._new_message(item)
        except (InvalidState, LookupError, ValueError, OSError):
            return None

    def _ensure_signed_in(self, force: bool = False) -> None:
        if force or not self.client.sign_no:
            self.client.sign_in()

    def _forward(self, item: QueueItem, *, resigned: bool = False,
                 answered: list[tuple[QueueItem, Any]] | None = None) -> Outcome:
        """Send one item's message and file the outcome. ``answered`` (a batch): an answer is not filed here but
        appended, for the batch's closing transaction; failures are filed at once as always."""
        q = self.store.queue
        try:
            msg = self._message(item)
            if not self.store.journal.prejournaled(msg.msgid):  # (a batch's are stamped as journaled: as they are)
                if item.kind != "sign_out":
                    self._ensure_signed_in()
                    msg.envelope["sign_no"] = self.client.sign_no
                msg.envelope["inf_time"] = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
            answer = self.client.send(msg)
        except BusinessError as e:
            self._answered()
            if e.infno == "9001":  # our sign-in was refused, not the item: try again later
                delay = self._backoff(item.attempts)
                q.retry_later(item.id, f"签到失败：{e.err_msg}", delay)
                return Outcome(item.id, item.kind, "retry", f"签到失败：{e.err_msg}；{delay:.0f} 秒后重试")
            if item.kind == "reversal":
                outcome = reversal_outcome(e.err_msg)
                if outcome:
                    q.done(item.id, {"resolution": outcome, "err_msg": e.err_msg})
                    return Outcome(item.id, item.kind, "done",
                                   reversal_text(outcome, item.params.get("oinfno", ""), e.err_msg),
                                   omsgid=item.omsgid or "", resolution=outcome)
            if is_sign_in_error(e) and not resigned:
                self._ensure_signed_in(force=True)
                self._message(item, fresh=True)  # the refused msgid is closed; a new one carries the retry
                return self._forward(item, resigned=True, answered=answered)
            q.failed(item.id, e.err_msg)
            log.warning("queue item %s (%s) refused: %s", item.id, item.kind, e.err_msg)
            return Outcome(item.id, item.kind, "failed", f"平台拒绝：{e.err_msg}")
        except JournalUnavailable as e:
            delay = self._backoff(item.attempts)
            q.retry_later(item.id, e.user_message, delay)
            return Outcome(item.id, item.kind, "retry", e.user_message)
        except PlatformError as e:
            if verdict(e) is Verdict.UNKNOWN and item.infno[:4] in MONEY_MOVING:
                # the journal queued its reversal; the cancellation is asked for again after it
                q.uncertain(item.id, str(e))
                with self.store.sdb.tx() as db:
                    q._insert(db, kind=item.kind, visit_key=item.visit_key,
                              params={k: v for k, v in item.params.items()}, summary=item.summary,
                              psn_no=item.psn_no, infno=item.infno)
                return Outcome(item.id, item.kind, "uncertain", "结果未知：已排队冲正，冲正后重新提交")
            delay = self._backoff(item.attempts)
            q.retry_later(item.id, user_message_of(e), delay)
            return Outcome(item.id, item.kind, "retry", f"{e}；{delay:.0f} 秒后重试")
        self._answered()
        result = answer.output
        if answered is not None:
            answered.append((item, answer))  # filed by the batch's closing transaction
        else:
            self._file_answer(item, answer)
            # a reversal's item was finished in the answer's own transaction (Store._resolve): only the record remains
            q.done(item.id, result, record_only=item.kind == "reversal")
        warn = getattr(answer, "warn_msg", "") or ""
        if item.kind == "reversal":
            return Outcome(item.id, item.kind, "done", reversal_text("reversed", item.params.get("oinfno", "")),
                           omsgid=item.omsgid or "", resolution="reversed", warn_msg=warn)
        if item.kind == "cancel":
            return Outcome(item.id, item.kind, "done", _cancel_text(result), warn_msg=warn)
        return Outcome(item.id, item.kind, "done", "已完成", warn_msg=warn)

    def _file_answer(self, item: QueueItem, answer: Any) -> None:
        """What an answered item files besides being done (its kind's own record). Called for a single item and,
        inside the batch's closing transaction, for a batch's: a kind with a record of its own adds it here."""
        if item.kind == "reconcile":
            self.store.reconciler._record_answer(item, answer)

    def _park(self, item: QueueItem) -> Outcome:
        q, parking = self.store.queue, self.store.parking
        park_id = item.park_id or item.params.get("park_id", "")
        if self.service is None:  # only run_item claims a parked bill without the service: it waits for one
            text = "补结算须由收费程序的队列办理"
            q.retry_later(item.id, text, self.blocked_delay)
            return Outcome(item.id, item.kind, "waiting", text, park_id)
        try:
            p = parking.settle(park_id, self.service)
        except Blocked as e:
            parking.set_waiting(park_id, str(e))
            q.retry_later(item.id, str(e), self.blocked_delay, behind=True)
            return Outcome(item.id, item.kind, "waiting", str(e), park_id)
        except (DuplicateBill, DuplicateSuspected) as e:
            # the bill (or an identical one of this person) is settled already: only a person can decide
            parking.set_failed(park_id, e.user_message)
            q.failed(item.id, e.user_message)
            return Outcome(item.id, item.kind, "failed", f"补结算未发送：{e.user_message}", park_id)
        except BusinessError as e:
            self._answered()
            parking.set_failed(park_id, e.err_msg)
            q.failed(item.id, e.err_msg)
            return Outcome(item.id, item.kind, "failed", f"补结算被拒绝：{e.err_msg}", park_id)
        except PlatformError as e:
            if e.outcome_unknown or getattr(e, "reversal_pending", False):
                parking.set_waiting(park_id, e.user_message)
                q.retry_later(item.id, e.user_message, self.blocked_delay, behind=True)
                return Outcome(item.id, item.kind, "waiting", e.user_message, park_id)
            delay = self._backoff(item.attempts)
            parking.set_waiting(park_id, user_message_of(e))
            q.retry_later(item.id, user_message_of(e), delay)
            return Outcome(item.id, item.kind, "retry", str(e), park_id)
        except (LookupError, ValueError, InvalidState) as e:
            msg = e.args[0] if e.args else str(e)
            parking.set_failed(park_id, str(msg))
            q.failed(item.id, str(msg))
            return Outcome(item.id, item.kind, "failed", f"补结算失败：{msg}", park_id)
        self._answered()
        if p.state == "settled":
            q.done(item.id, {"setl_id": p.setl_id, "refund_due": f"{p.refund_due:.2f}"})
            warn = ""
            if p.settle_msgid:
                m = self.store.message(p.settle_msgid)
                warn = (m or {}).get("warn_msg") or ""
            return Outcome(item.id, item.kind, "done", f"补结算完成，应退 {p.refund_due:.2f}", park_id,
                           warn_msg=warn)
        q.done(item.id, {"state": p.state})
        return Outcome(item.id, item.kind, "done", p.state_name, park_id)
