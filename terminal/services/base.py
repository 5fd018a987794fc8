"""The conversation with the platform that every desk speaks (outpatient, inpatient, and later pharmacy).

    conv = Conversation(client, store=store)     # the journal becomes the client's observer
    conv.ensure_signed_in()                      # 9001 once a day (again when a message is refused for it)
    a = conv.signed(lambda: client.person_info(...))       # a query, signed in, retried once on a sign-in refusal
    msg, a = conv.send_money(prepare, uncertain=...)       # a money-moving message: unknown -> UncertainSettlement

With a ``store`` (terminal.store.Store) every message is journaled before it is sent (the journal is the
client's MessageObserver), and an unknown outcome's 2601 is queued durably in the same transaction
(``on_uncertain``); without one the 2601 is tried at once. Errors are classified once, in
:mod:`terminal.backend.errors` (refusal, outcome unknown, failure; sign-in refusals; "nothing booked").
"""
from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta
from datetime import time as dtime
from time import time as _clock
from typing import TYPE_CHECKING, Any, TypeVar
from collections.abc import Callable

from terminal.backend.answers import settlement_of
from terminal.backend.client import Answer, Message, PlatformClient
from terminal.backend.errors import (BusinessError, MalformedAnswer, PlatformError, Verdict, is_sign_in_error,
                                     reversal_outcome, verdict)
from terminal.core.models import Credential, Person, Settlement, Visit

from .errors import ReversalPending, UncertainSettlement

def note_warn(visit: Visit, warn: str) -> None:
    """Keep a platform warn_msg with the visit (shown to the cashier; the journal keeps it per message)."""
    warn = (warn or "").strip()
    if warn and warn not in visit.warn_msgs:
        visit.warn_msgs.append(warn)


def who(visit: Visit) -> dict[str, str]:
    """Whose reversal an unknown outcome of this visit needs (Conversation.uncertain's keywords)."""
    return {"psn_no": visit.person.psn_no, "insuplc": visit.insuplc_admdvs}


_day: tuple[float, float, str] = (0.0, 0.0, "")  # (local midnight, the next one, "YYYYmmdd") as epoch seconds


def _today() -> str:
    """Today's local date "YYYYmmdd", asked before every message: worked out once a day, then one clock read and
    two comparisons (a clock set back or forward past midnight is noticed too)."""
    global _day
    now = _clock()
    start, end, text = _day
    if not start <= now < end:
        day = date.fromtimestamp(now)
        start = datetime.combine(day, dtime()).timestamp()
        end = datetime.combine(day + timedelta(days=1), dtime()).timestamp()
        text = day.strftime("%Y%m%d")
        _day = (start, end, text)
    return text


if TYPE_CHECKING:  # pragma: no cover
    from terminal.store.store import Store

log = logging.getLogger(__name__)

#: (error, psn_no, insuplc, omsgid, oinfno) -> True when the journal/queue takes the reversal over (durably queued)
OnUncertain = Callable[[PlatformError, str, str, str, str], bool]
#: what a message that failed means to its caller (book it as refused or failed, queue it): may raise instead
OnFailure = Callable[[Message, PlatformError], None]
T = TypeVar("T")


class Conversation:
    """Sign-in, identification, the reversal of an unknown outcome: what every service shares.

    One Conversation may serve several desks (the window's outpatient service is the inpatient desk's ``base``),
    so that they sign in once and share the journal and the queue."""

    def __init__(self, client: PlatformClient, *, store: Store | None = None,
                 on_uncertain: OnUncertain | None = None):
        self.client = client
        #: The journal/queue (terminal.store.Store) or None.
        self.store = store
        if store is not None:
            store.attach(client)
            if on_uncertain is None:
                on_uncertain = store.on_uncertain
        #: Hook for the journal/queue: (error, psn_no, insuplc, omsgid, oinfno) -> True when it takes over
        #: the reversal (durably queued). Without it the conversation tries one immediate 2601.
        self.on_uncertain = on_uncertain
        self._sign_lock = threading.Lock()
        self._sign_date = ""

    # sign-in -----------------------------------------------------------------------------------
    def ensure_signed_in(self, force: bool = False) -> str:
        """9001 when not signed in today (or ``force``); the sign_no."""
        with self._sign_lock:
            today = _today()
            if force or not self.client.sign_no or self._sign_date != today:
                self.client.sign_in()
                self._sign_date = today
            return self.client.sign_no

    def signed(self, fn: Callable[[], T]) -> T:
        """``fn`` (a message that moves no money), signed in; once more after signing in again when the platform
        refuses it for the sign-in."""
        self.ensure_signed_in()
        try:
            return fn()
        except BusinessError as e:
            if not is_sign_in_error(e):
                raise
            log.info("sign_no refused (%s); signing in again", e.err_msg)
            self.ensure_signed_in(force=True)
            return fn()

    def send_money(self, prepare: Callable[[], Message], *, uncertain: Callable[[PlatformError, Message], Exception],
                   send: Callable[[Message], Answer] | None = None, on_failure: OnFailure | None = None,
                   retry_sign_in: bool = True) -> tuple[Message, Answer]:
        """A money-moving message (2207/2208/2304/2305), journaled before it leaves (the client's observer).

        ``prepare`` makes the message (its msgid known before sending); an unknown outcome raises what
        ``uncertain(error, msg)`` returns (the reversal path), never a resend; any other failure goes to
        ``on_failure(msg, error)`` and is raised. A refusal for the sign-in signs in again and sends a fresh
        message once (when ``retry_sign_in``)."""
        resigned = False
        while True:
            self.ensure_signed_in()
            msg = prepare()
            try:
                return msg, (send or self.client.send)(msg)
            except PlatformError as e:
                if verdict(e) is Verdict.UNKNOWN:
                    raise uncertain(e, msg) from e
                if on_failure is not None:
                    on_failure(msg, e)
                if retry_sign_in and not resigned and is_sign_in_error(e):
                    resigned = True
                    log.info("%s refused for the sign-in (%s); signing in again", msg.infno, e)
                    self.ensure_signed_in(force=True)
                    continue
                raise

    # identification ---------------------------------------------------------------------------------
    def identify(self, cred: Credential) -> Person:
        """1101: the person and their insurances (card, e-code or ID number)."""
        a = self.signed(lambda: self.client.person_info(cred.cert_type, cred.cert_no, card_sn=cred.card_sn))
        try:
            person = Person.from_wire(a.output)
        except ValueError as e:  # e.g. a balance with three decimals: never rounded
            raise MalformedAnswer(f"1101 应答无效: {e}", infno="1101", msgid=a.msgid) from e
        if not person.insurances:
            raise BusinessError("平台未返回参保信息（insuinfo 为空）", infno="1101", msgid=a.msgid)
        person.warn_msg = a.warn_msg
        return person

    # unknown outcomes ---------------------------------------------------------------------------------
    def check_no_reversal_pending(self, psn_no: str) -> None:
        """Raise ReversalPending while an earlier uncertain settlement of this person is being reversed."""
        if self.store is not None:
            why = self.store.reversal_pending_message(psn_no)
            if why:
                raise ReversalPending(why, psn_no)

    def reverse(self, psn_no: str, insuplc: str, omsgid: str, oinfno: str) -> str:
        """2601. 'reversed' when the platform reversed it (or had already), 'not_booked' when it says nothing
        was ever booked under omsgid (nothing charged, nothing to reverse). Both are true values; any other
        refusal raises. The journal closes the original message by the same rule (backend.errors)."""
        self.ensure_signed_in()
        try:
            self.client.reverse(psn_no, omsgid, oinfno, insuplc)
            return "reversed"
        except BusinessError as e:
            outcome = reversal_outcome(e.err_msg)
            if outcome:
                return outcome
            raise

    def settle_visit(self, infno: str, body: dict[str, Any], visit: Visit, *, msgid: str | None = None,
                     tags: dict[str, str] | None = None) -> Settlement:
        """A visit's settlement (2207, a pharmacy's 2102): journaled with ``tags`` (the duplicate guard's bill
        number and digest) before it leaves, sent once; an unknown outcome, or a booked answer whose amounts are
        unusable (never rounded), goes to the reversal path and raises UncertainSettlement."""
        first = [msgid] if msgid else []

        def prepare() -> Message:
            m = self.client.prepare(infno, body, insuplc_admdvs=visit.insuplc_admdvs,
                                    msgid=first.pop() if first else None)
            visit.settle_msgid = m.msgid
            return m

        def send(m: Message) -> Answer:
            if self.store is None or not tags:
                return self.client.send(m)
            with self.store.journal.tagged(**tags):
                return self.client.send(m)

        msg, a = self.send_money(prepare, send=send,
                                 uncertain=lambda e, m: self.uncertain(e, m.msgid, infno, visit=visit, **who(visit)))
        try:
            # parsed and checked once, by the client before the journal recorded the answer
            s = a.settlement if a.settlement is not None else settlement_of(a.output, infno=infno, msgid=msg.msgid)
        except MalformedAnswer as err:
            raise self.uncertain(err, msg.msgid, infno, visit=visit, **who(visit)) from err
        s.warn_msg = a.warn_msg
        note_warn(visit, a.warn_msg)
        visit.settlement = s
        if self.store is not None:
            self.store.settlement_shown(msg.msgid)
        return s

    def uncertain(self, err: PlatformError, omsgid: str, oinfno: str, *, psn_no: str, insuplc: str,
                  visit: Visit | None = None) -> UncertainSettlement:
        """Hand an unknown outcome to the reversal path: the journal's queue (``on_uncertain``) or one immediate
        2601. Returns the UncertainSettlement to raise."""
        log.error("%s %s outcome unknown (%s); reversing", oinfno, omsgid, err)
        if self.on_uncertain and self.on_uncertain(err, psn_no, insuplc, omsgid, oinfno):
            return UncertainSettlement(err, visit, omsgid, oinfno, reversed_ok=False, queued=True)
        try:
            ok = self.reverse(psn_no, insuplc, omsgid, oinfno)
        except PlatformError as rev_err:
            return UncertainSettlement(err, visit, omsgid, oinfno, reversed_ok=False, reversal_error=rev_err)
        return UncertainSettlement(err, visit, omsgid, oinfno, reversed_ok=ok)
