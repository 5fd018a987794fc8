"""What the outpatient desk holds and its guards; the decisions are in core/desk.py and core/desk_reversal.py
(the Desk builds its Reversal: this module does not import it, so the two stay out of a circle).

No Qt, no I/O: work goes out through the ``Runner`` and comes back through its continuations.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TypeVar

from .desk_ports import DeskView, Fault, OutpatientService, Override, ReversalBook, Runner, Slip, Task, Work
from .flow import CashierFlow, Phase, State
from .models import Bill, Credential, FeeItem, Person, Settlement, Visit
from .money import ZERO, Limits

log = logging.getLogger(__name__)

S = State
T = TypeVar("T")
#: the bill may still change
OPEN = (S.IDLE, S.IDENTIFIED, S.BILLED, S.PREVIEWED)
#: the visit is over: the next identification starts the next patient
FINISHED = (S.SETTLED, S.DONE, S.CANCELLED, S.REVERSED)
BillKey = tuple[object, ...]


def untranslated(context: str, text: str) -> str:
    return text


class DeskCore:
    """The patient, the bill on the screen, the visit and its preview, the work the cashier waits on.

    ``translate(context, text)`` is the front-end's translator (Qt's QCoreApplication.translate); each class
    with texts translates in its own context (its class name), which is what pyside6-lupdate extracts.
    """

    def __init__(self, service: OutpatientService, book: ReversalBook, runner: Runner, view: DeskView,
                 judge: Callable[[BaseException], Fault], *, limits: Limits, journal: bool,
                 translate: Callable[[str, str], str] = untranslated, retry_interval_ms: int = 15000):
        self.service, self.book, self.runner, self.view, self.judge = service, book, runner, view, judge
        self.limits = limits
        self.journal = journal  # a local journal (terminal.store): parking is possible
        self.translate = translate
        self.retry_interval_ms = retry_interval_ms
        self.flow = CashierFlow()
        self.flow.listeners.append(lambda src, dst: log.info("flow %s -> %s", src.value, dst.value))
        self.items: list[FeeItem] = []
        self.bill_meta: dict[str, str] = {}
        self.visit: Visit | None = None
        self._visit_key: BillKey | None = None
        self.acct_used = True
        self.current: Task | None = None  # the work the cashier waits on
        self._waited: object | None = None  # the Work behind ``current``
        self.settle_op: Task | None = None  # the 2207 in flight (also after the cashier stopped waiting)
        #: the platform's warn_msg texts for what is on the screen (1101 … 2207, 2208): the window's notice
        self.platform_warns: list[str] = []
        self.cancel_result: Settlement | None = None  # the last 2208 answer (negative amounts)
        self.last_message = ("", "")
        self.last_cred: Credential | None = None  # the last credential tried (parking needs it offline)
        self.slip: Slip | None = None  # the last park slip
        self.settle_requests = 0  # how many times settle was asked for (tests, diagnostics)
        self.settle_sends = 0  # how many 2207s were actually started
        # the duplicate-bill guard for the bill on the screen: a supervisor's override, the cashier's confirmation
        # of an identical bill, and the step the guard refused ('preview' | 'settle')
        self.dup_override: Override | None = None
        self.dup_confirmed = False
        self.dup_refused_at = ""

    # what the views read -------------------------------------------------------------------------
    @property
    def state(self) -> State:
        return self.flow.state

    @property
    def reversal_state(self) -> Phase:
        """The uncertain state's sub-state: waiting | queued | running | failed | done ('' otherwise)."""
        return self.flow.phase

    @property
    def person(self) -> Person | None:
        return self.flow.person

    @property
    def preview(self) -> Settlement | None:
        return self.flow.preview

    @property
    def settlement(self) -> Settlement | None:
        return self.flow.settlement

    @property
    def busy(self) -> bool:
        return self.current is not None

    def bill(self) -> Bill | None:
        return Bill(items=list(self.items), **self.bill_meta) if self.items else None

    @property
    def bill_total(self) -> Decimal:
        b = self.bill()
        return b.total if b else ZERO

    def can_identify(self) -> bool:
        return self.state not in (S.SETTLING, S.UNCERTAIN) and not self.busy

    def can_edit_bill(self) -> bool:
        return self.state in OPEN and not self.busy

    def can_preview(self) -> bool:
        return self.state in (S.BILLED, S.PREVIEWED, S.REVERSED) and not self.busy and bool(self.items)

    def can_settle(self) -> bool:
        return self.state == S.PREVIEWED and not self.busy

    def can_cancel(self) -> bool:
        return self.state in (S.SETTLED, S.TENDER, S.DONE) and not self.busy

    def can_park(self, offline: bool) -> bool:
        return (self.journal and offline and not self.busy and self.state in OPEN and bool(self.items)
                and (self.flow.credential or self.last_cred) is not None)

    # helpers ---------------------------------------------------------------------------------------
    #: the translation contexts of the desk's texts: lupdate files a text under the class it is written in
    TR_CONTEXTS = ("Desk", "DeskBill", "DeskPatient", "DeskRisk")

    def tr(self, text: str) -> str:
        """The front-end's translation of a desk text, whichever part of the desk (Desk, DeskBill, DeskPatient)
        it is written in."""
        for context in self.TR_CONTEXTS:
            out = self.translate(context, text)
            if out != text:
                return out
        return text

    def say(self, level: str, text: str) -> None:
        self.last_message = (level, text)
        self.view.show(level, text)

    def _set_warns(self, warns: Iterable[str | None]) -> None:
        """The platform's warnings for what the cashier now sees (shown until the next patient)."""
        out: list[str] = []
        for w in warns:
            w = (w or "").strip()
            if w and w not in out:
                out.append(w)
        self.platform_warns = out

    def _key(self) -> BillKey:
        """What a preview was for: the insurance type and the bill as it is (a pharmacy line's traceability codes
        and prescription number too: what 2102 sends must be what the cashier has now)."""
        return (self.flow.insutype, tuple((i.hosp_code, i.price, i.qty, i.rxno, tuple(i.trace_codes))
                                          for i in self.items),
                tuple(sorted(self.bill_meta.items())))

    def _reset_duplicate(self) -> None:
        self.dup_override, self.dup_confirmed, self.dup_refused_at = None, False, ""

    def _sent(self) -> bool:
        """Did the 2207 leave (a message id was taken for it)?"""
        return self.visit is not None and bool(self.visit.settle_msgid)

    def _start(self, work: Work[T]) -> Task:
        """Run ``work`` as what the cashier waits on: busy until its continuation (or an abandon)."""
        ok, fail = work.ok, work.fail

        def ended() -> None:
            if self._waited is work:
                self._waited = self.current = None
                self.view.waiting(None)

        def on_ok(result: T) -> None:
            ended()
            ok(result)
            self.view.redraw()

        def on_fail(err: BaseException) -> None:
            ended()
            fail(err)
            self.view.redraw()

        work.ok, work.fail = on_ok, on_fail
        self._waited = work
        self.current = task = self.runner.run(work)
        self.view.waiting(task)
        self.view.redraw()
        return task
