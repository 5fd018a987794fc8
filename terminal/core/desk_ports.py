"""What the desk machine (core/desk.py) talks to, as Protocols, and the values that cross those lines.

* ``OutpatientService``: the platform conversation (1101, 2201..2207, 2208, parking); ``ReversalBook``: the
  session's reversals and the journal's queue. The real ones are terminal.services.outpatient.SettlementService and the
  app session; tests hand in a fake.
* ``Runner`` runs ``Work`` off the desk's thread and calls its continuations back on it: the Qt adapter runs
  it on its OpRunner, tests step through it synchronously. ``DeskView`` is told what to show and record.
* ``Fault`` is an exception as the desk judges it; the front-end's ``judge`` maps the services' error types
  onto it (core imports none of them).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Generic, Protocol, TypeVar
from collections.abc import Callable

from .chronic import ChronicFiling
from .models import Bill, Credential, Person, Settlement, Visit
from .risk import RiskReview

T = TypeVar("T")


class Task(Protocol):
    """Work the runner started (the Qt adapter's Op)."""

    kind: str
    label: str

    @property
    def elapsed(self) -> float: ...

    def abandon(self) -> None: ...


@dataclass
class Work(Generic[T]):
    """``fn`` runs off the desk's thread; ``ok``/``fail`` are called back on it. Once abandoned, ``late``
    (when given) is called instead, so work whose outcome matters is resolved even when nobody waits."""

    label: str
    kind: str
    fn: Callable[[], T]
    ok: Callable[[T], None]
    fail: Callable[[BaseException], None]
    late: Callable[[T | None, BaseException | None], None] | None = None


class Runner(Protocol):
    def run(self, work: Work[T]) -> Task:
        """Start ``work`` and return at once; its continuations come later, never from inside ``run``."""
        ...


class Override(Protocol):
    """A supervisor's permission to settle a bill already settled (terminal.store.duplicates)."""

    @property
    def supervisor(self) -> str: ...

    @property
    def reason(self) -> str: ...

    def tags(self) -> dict[str, str]:
        """What the journal records with the 2207 it lets through."""
        ...


class Slip(Protocol):
    """A parked bill's slip (terminal.store.ParkSlip)."""

    @property
    def park_id(self) -> str: ...

    @property
    def message(self) -> str: ...

    @property
    def total(self) -> Decimal: ...


class CancelTarget(Protocol):
    """A settlement to cancel (the journal's record of it)."""

    setl_id: str
    mdtrt_id: str
    psn_no: str
    insuplc: str
    status: str


class OutpatientService(Protocol):
    @property
    def on_uncertain(self) -> Callable[..., bool] | None:
        """Set when the journal's durable queue takes over the 2601 of an uncertain settlement."""
        ...

    def identify(self, cred: Credential) -> Person: ...

    def chronic_filings(self, person: Person, insutype: str = "") -> list[ChronicFiling]: ...

    def check_duplicate(self, bill: Bill, psn_no: str = "", *, confirm_duplicate: bool = False,
                        override: Override | None = None) -> None: ...

    def open_visit(self, cred: Credential, person: Person, bill: Bill, insutype: str | None = None) -> Visit: ...

    def preview(self, visit: Visit, acct_used: bool | None = None) -> Settlement: ...

    def settle(self, visit: Visit, msgid: str | None = None, *, confirm_duplicate: bool = False,
               override: Override | None = None) -> Settlement: ...

    def cancel(self, setl_id: str, mdtrt_id: str, psn_no: str, insuplc: str) -> Settlement: ...

    def park(self, cred: Credential, bill: Bill, *, person: Person | None = None, insutype: str = "",
             operator: str = "") -> Slip: ...


class RiskChecks(Protocol):
    """The platform's fund-supervision analysis (terminal.services.risk.RiskService): 3101 and its 3103."""

    def before_outpatient(self, person: Person, bill: Bill, insutype: str, insuplc: str, encounter_id: str
                          ) -> RiskReview: ...

    def feedback(self, review: RiskReview, insuplc: str = "") -> None: ...


@dataclass
class PendingReversal:
    """An uncertain 2207/2208 waiting for its 2601."""

    psn_no: str
    insuplc: str
    omsgid: str
    oinfno: str
    since: float = field(default_factory=time.time)
    attempts: int = 0
    last_error: str = ""
    done: bool = False
    queued: bool = False  # the store's queue owns it
    #: how it ended: 'reversed' (the platform took it back) or 'not_booked' (the platform never booked it)
    outcome: str = ""


class ReversalBook(Protocol):
    """The session's open reversals and the journal's queue (ui/session.AppSession)."""

    reversals: list[PendingReversal]

    def reverse(self, pr: PendingReversal) -> str:
        """2601 now (blocking): 'reversed' / 'not_booked', '' when not done; raises when refused."""
        ...

    def reversal_resolved(self, omsgid: str) -> str:
        """A queued reversal: 'reversed' / 'not_booked' when done, 'failed: why' when refused, '' open."""
        ...

    def wake_queue(self) -> None: ...


class DeskView(Protocol):
    """What the desk tells its front-end."""

    def show(self, level: str, text: str) -> None:
        """A message for the cashier; level: info | ok | warn | error."""

    def redraw(self) -> None: ...

    def waiting(self, task: Task | None) -> None:
        """The work the cashier waits on now (None: nothing)."""

    def refused_duplicate(self, err: BaseException) -> None:
        """The duplicate-bill guard refused (nothing sent): show the earlier settlement."""

    def book(self, settlement: Settlement) -> None:
        """A settlement was booked: record it (receipt, journal) and print it."""

    def booked_cancel(self, target: CancelTarget) -> None:
        """``target`` was cancelled (2208): mark it in the journal and print it again."""

    def parked(self, slip: Slip) -> None:
        """A bill was parked: print the patient's slip."""

    def confirm_same_card(self, person: Person) -> None:
        """The previous patient's card, still in the reader, was read again: ask the cashier whether it is this
        patient's; the answer goes to Desk.same_card_answer."""

    def retry_reversal_in(self, ms: int) -> None:
        """Call Desk.retry_reversal after ``ms`` (replacing any earlier request)."""

    def stop_reversal_retry(self) -> None: ...

    def recount_queue(self) -> None:
        """The queue changed (a reversal added or done): count it again."""

    def show_risk(self, review: RiskReview) -> None:
        """3101 found warnings: show them per bill line; the cashier's choices go to Desk.risk_decide (Esc:
        Desk.risk_go_back)."""


class FaultKind(str, Enum):
    REFUSED = "refused"  # the platform answered no: nothing booked
    UNREACHABLE = "unreachable"  # the platform could not be reached, or nothing was sent: nothing booked
    DUPLICATE = "duplicate"  # the duplicate-bill guard refused before anything was sent
    UNKNOWN = "unknown"  # sent without a valid answer: it may be booked
    UNCERTAIN = "uncertain"  # the service's verdict on an unknown outcome, its reversal already begun
    QUEUED = "queued"  # a cancellation that waits in the offline queue
    OTHER = "other"  # not the platform's: the local machine or a bug


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    text: str  # what the cashier reads
    error: BaseException
    omsgid: str = ""  # UNCERTAIN: the request to reverse
    reversal: str = ""  # UNCERTAIN: '' still open, 'reversed', 'not_booked'
    reversal_error: str | None = None  # UNCERTAIN: why the immediate 2601 failed (None: it did not)

    @property
    def nothing_booked(self) -> bool:
        return self.kind in (FaultKind.REFUSED, FaultKind.UNREACHABLE, FaultKind.DUPLICATE)
