"""The cashier flow's tables and the visit they move: no Qt, no I/O. The desk machine (core/desk.py) decides.

idle -> identified -> billed -> previewed -> settling -> settled | uncertain
settled -> tender -> done (the tender step, core/desk_tender.py: settled while the cash share is due, tender once
a line is taken, done when the lines cover it)
settled | tender | done -> cancelled (2208: what was collected goes back by the original tender)
uncertain -> reversed (2601) -> previewed (settle anew) | idle
Any state before settling may go back to idle (the patient leaves) or to an earlier step.

How a wait ends is a second table, OUTCOMES, over (state, phase): the phase is the uncertain state's
sub-state on the way back to a known outcome. The cashier may stop waiting on a 2207 (*abandoned*: the
2207 is out, its answer still to come), and that answer then arrives *late*: booked (recorded and shown),
refused (nothing booked) or unknown (reversed like any other).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from collections.abc import Callable

from .models import Bill, Credential, Person, Settlement


class State(str, Enum):
    IDLE = "idle"
    IDENTIFIED = "identified"
    BILLED = "billed"
    PREVIEWED = "previewed"
    SETTLING = "settling"
    SETTLED = "settled"
    TENDER = "tender"
    DONE = "done"
    UNCERTAIN = "uncertain"
    REVERSED = "reversed"
    CANCELLED = "cancelled"


S = State
TRANSITIONS: dict[State, frozenset[State]] = {
    S.IDLE: frozenset({S.IDENTIFIED}),
    S.IDENTIFIED: frozenset({S.IDLE, S.IDENTIFIED, S.BILLED}),
    S.BILLED: frozenset({S.IDLE, S.IDENTIFIED, S.BILLED, S.PREVIEWED}),
    S.PREVIEWED: frozenset({S.IDLE, S.IDENTIFIED, S.BILLED, S.PREVIEWED, S.SETTLING}),
    # settling ends only in an answer (settled), a refusal (back to previewed) or an unknown outcome
    S.SETTLING: frozenset({S.SETTLED, S.PREVIEWED, S.UNCERTAIN}),
    S.SETTLED: frozenset({S.IDLE, S.CANCELLED, S.UNCERTAIN, S.TENDER}),
    S.TENDER: frozenset({S.DONE, S.CANCELLED}),
    S.DONE: frozenset({S.IDLE, S.CANCELLED}),
    S.UNCERTAIN: frozenset({S.REVERSED, S.SETTLED}),
    S.REVERSED: frozenset({S.IDLE, S.PREVIEWED}),
    S.CANCELLED: frozenset({S.IDLE}),
}


class Phase(str, Enum):
    """The uncertain state's sub-states (and how the last one ended); the values are what the views read."""

    NONE = ""
    WAITING = "waiting"  # abandoned: the cashier stopped waiting, the 2207's answer is still to come
    QUEUED = "queued"  # the journal's durable queue sends the 2601
    RUNNING = "running"  # the desk sends the 2601 itself
    FAILED = "failed"  # the last 2601 did not get through or was refused: retried
    DONE = "done"  # resolved: reversed, never booked, or refused late


class Outcome(str, Enum):
    """What ends a wait at the desk."""

    SETTLED = "settled"  # the 2207's answer
    REFUSED = "refused"  # the platform said no (or the guard refused before sending): nothing booked
    UNKNOWN = "unknown"  # no valid answer: it may be booked, so it is reversed
    ABANDONED = "abandoned"  # the cashier stopped waiting on the 2207 (the patient left, the desk moved on)
    LATE_SETTLED = "late_settled"  # the answer came after the desk gave up: booked, recorded and shown
    LATE_REFUSED = "late_refused"  # refused after the desk gave up: nothing booked
    LATE_UNKNOWN = "late_unknown"  # no valid answer after the desk gave up either: reversed
    QUEUED = "queued"  # the 2601 went to the journal's queue
    REVERSING = "reversing"  # the desk sends the 2601
    REVERSAL_FAILED = "reversal_failed"  # the 2601 did not get through, or the platform refused it
    REVERSED = "reversed"  # the 2601 succeeded, or the platform never booked the 2207


P = Phase
OUTCOMES: dict[tuple[State, Phase, Outcome], tuple[State, Phase]] = {
    (S.SETTLING, P.NONE, Outcome.SETTLED): (S.SETTLED, P.NONE),
    (S.SETTLING, P.NONE, Outcome.REFUSED): (S.PREVIEWED, P.NONE),
    (S.SETTLING, P.NONE, Outcome.UNKNOWN): (S.UNCERTAIN, P.NONE),
    (S.SETTLING, P.NONE, Outcome.ABANDONED): (S.UNCERTAIN, P.WAITING),
    (S.UNCERTAIN, P.WAITING, Outcome.LATE_SETTLED): (S.SETTLED, P.NONE),
    (S.UNCERTAIN, P.WAITING, Outcome.LATE_REFUSED): (S.REVERSED, P.DONE),
    (S.UNCERTAIN, P.WAITING, Outcome.LATE_UNKNOWN): (S.UNCERTAIN, P.NONE),
    (S.UNCERTAIN, P.NONE, Outcome.QUEUED): (S.UNCERTAIN, P.QUEUED),
    (S.UNCERTAIN, P.NONE, Outcome.REVERSAL_FAILED): (S.UNCERTAIN, P.FAILED),
    (S.UNCERTAIN, P.NONE, Outcome.REVERSED): (S.REVERSED, P.DONE),
    (S.UNCERTAIN, P.QUEUED, Outcome.REVERSAL_FAILED): (S.UNCERTAIN, P.FAILED),
    (S.UNCERTAIN, P.QUEUED, Outcome.REVERSED): (S.REVERSED, P.DONE),
    (S.UNCERTAIN, P.FAILED, Outcome.REVERSING): (S.UNCERTAIN, P.RUNNING),
    (S.UNCERTAIN, P.RUNNING, Outcome.REVERSAL_FAILED): (S.UNCERTAIN, P.FAILED),
    (S.UNCERTAIN, P.RUNNING, Outcome.REVERSED): (S.REVERSED, P.DONE),
}


class IllegalTransition(RuntimeError):
    def __init__(self, src: State, dst: State | Outcome, phase: Phase = Phase.NONE):
        at = f"{src.value}/{phase.value}" if phase.value else src.value
        super().__init__(f"illegal transition {at} -> {dst.value}")
        self.src, self.dst = src, dst


HISTORY_LEN = 200  # transitions Flow.history keeps


@dataclass
class CashierFlow:
    """Holds the current patient's visit and enforces legal transitions.

    ``begin_settle`` is the only way into SETTLING and refuses when already settling or settled, so a
    double-pressed settle key can never send two settlements.
    """

    state: State = State.IDLE
    phase: Phase = Phase.NONE
    credential: Credential | None = None
    person: Person | None = None
    insutype: str = ""
    bill: Bill | None = None
    preview: Settlement | None = None
    settlement: Settlement | None = None
    # the last transitions (for tests and diagnostics), bounded: a day at the desk is thousands of them
    history: deque[tuple[State, State]] = field(default_factory=lambda: deque(maxlen=HISTORY_LEN))
    listeners: list[Callable[[State, State], None]] = field(default_factory=list)

    def can(self, dst: State) -> bool:
        return dst in TRANSITIONS[self.state]

    def _go(self, dst: State) -> None:
        if not self.can(dst):
            raise IllegalTransition(self.state, dst)
        src, self.state = self.state, dst
        self.phase = Phase.NONE
        self.history.append((src, dst))
        for cb in list(self.listeners):
            cb(src, dst)

    def outcome(self, o: Outcome) -> None:
        """Follow OUTCOMES from (state, phase); IllegalTransition when the table has no such entry."""
        dst = OUTCOMES.get((self.state, self.phase, o))
        if dst is None:
            raise IllegalTransition(self.state, o, self.phase)
        state, phase = dst
        if state != self.state:
            self._go(state)
        self.phase = phase

    # intents -----------------------------------------------------------------------------------
    def identified(self, credential: Credential | None, person: Person | None, insutype: str = "") -> None:
        if self.state not in (S.IDLE, S.IDENTIFIED, S.BILLED, S.PREVIEWED):
            raise IllegalTransition(self.state, S.IDENTIFIED)
        self.credential, self.person, self.insutype = credential, person, insutype
        self.bill = self.preview = self.settlement = None
        self._go(S.IDENTIFIED)

    def choose_insurance(self, insutype: str) -> None:
        if self.state not in (S.IDENTIFIED, S.BILLED, S.PREVIEWED):
            raise IllegalTransition(self.state, S.IDENTIFIED)
        self.insutype = insutype
        self.preview = None
        if self.state == S.PREVIEWED:
            self._go(S.BILLED)

    def billed(self, bill: Bill | None) -> None:
        self.bill = bill
        self.preview = None
        self._go(S.BILLED)

    def previewed(self, preview: Settlement) -> None:
        self.preview = preview
        self._go(S.PREVIEWED)

    def begin_settle(self) -> bool:
        """Enter SETTLING; returns False (and does nothing) when a settlement is already under way or done."""
        if self.state != S.PREVIEWED:
            return False
        self._go(S.SETTLING)
        return True

    def settled(self, settlement: Settlement, outcome: Outcome = Outcome.SETTLED) -> None:
        self.outcome(outcome)
        self.settlement = settlement

    def refused(self) -> None:
        """The platform refused the settlement (business error): nothing booked, back to the preview."""
        self.outcome(Outcome.REFUSED)

    def uncertain(self) -> None:
        self.outcome(Outcome.UNKNOWN)

    def reversed(self) -> None:
        self.outcome(Outcome.REVERSED)
        self.settlement = None

    def tender(self) -> None:
        """Issue 13: collect the patient's cash share after the settlement."""
        self._go(S.TENDER)

    def tendered(self) -> None:
        self._go(S.DONE)

    def cancelled(self) -> None:
        self._go(S.CANCELLED)

    def reset(self) -> None:
        """Next patient. Refused while a settlement is under way, its outcome unknown or its tender open."""
        if self.state in (S.SETTLING, S.UNCERTAIN, S.TENDER):
            raise IllegalTransition(self.state, S.IDLE)
        if self.state != S.IDLE:
            self._go(S.IDLE)
        self.credential = self.person = self.bill = self.preview = self.settlement = None
        self.insutype = ""
