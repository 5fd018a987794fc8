"""The cashier flow as a plain state machine. No Qt, no I/O: the window renders states and forwards intents.

idle -> identified -> billed -> previewed -> settling -> settled | uncertain
settled -> cancelled (2208);  uncertain -> reversed (2601) -> idle (settle anew)
Any state before settling may go back to idle (the patient leaves) or to an earlier step.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable


class State(str, Enum):
    IDLE = "idle"
    IDENTIFIED = "identified"
    BILLED = "billed"
    PREVIEWED = "previewed"
    SETTLING = "settling"
    SETTLED = "settled"
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
    S.SETTLED: frozenset({S.IDLE, S.CANCELLED, S.UNCERTAIN}),
    S.UNCERTAIN: frozenset({S.REVERSED, S.SETTLED}),
    S.REVERSED: frozenset({S.IDLE, S.PREVIEWED}),
    S.CANCELLED: frozenset({S.IDLE}),
}


class IllegalTransition(RuntimeError):
    def __init__(self, src: State, dst: State):
        super().__init__(f"illegal transition {src.value} -> {dst.value}")
        self.src, self.dst = src, dst


HISTORY_LEN = 200  # transitions Flow.history keeps


@dataclass
class CashierFlow:
    """Holds the current patient's visit and enforces legal transitions.

    ``begin_settle`` is the only way into SETTLING and refuses when already settling or settled, so a
    double-pressed settle key can never send two settlements.
    """

    state: State = State.IDLE
    credential: Any = None
    person: Any = None
    insutype: str = ""
    bill: Any = None
    preview: Any = None
    settlement: Any = None
    context: dict[str, Any] = field(default_factory=dict)
    # the last transitions (for tests and diagnostics), bounded: a day at the desk is thousands of them
    history: deque[tuple[State, State]] = field(default_factory=lambda: deque(maxlen=HISTORY_LEN))
    listeners: list[Callable[[State, State], None]] = field(default_factory=list)

    def can(self, dst: State) -> bool:
        return dst in TRANSITIONS[self.state]

    def _go(self, dst: State) -> None:
        if not self.can(dst):
            raise IllegalTransition(self.state, dst)
        src, self.state = self.state, dst
        self.history.append((src, dst))
        for cb in list(self.listeners):
            cb(src, dst)

    # intents -----------------------------------------------------------------------------------
    def identified(self, credential: Any, person: Any, insutype: str = "") -> None:
        if self.state not in (S.IDLE, S.IDENTIFIED, S.BILLED, S.PREVIEWED):
            raise IllegalTransition(self.state, S.IDENTIFIED)
        self.credential, self.person, self.insutype = credential, person, insutype
        self.bill = self.preview = self.settlement = None
        self.context.clear()
        self._go(S.IDENTIFIED)

    def choose_insurance(self, insutype: str) -> None:
        if self.state not in (S.IDENTIFIED, S.BILLED, S.PREVIEWED):
            raise IllegalTransition(self.state, S.IDENTIFIED)
        self.insutype = insutype
        self.preview = None
        if self.state == S.PREVIEWED:
            self._go(S.BILLED)

    def billed(self, bill: Any) -> None:
        self.bill = bill
        self.preview = None
        self._go(S.BILLED)

    def previewed(self, preview: Any) -> None:
        self.preview = preview
        self._go(S.PREVIEWED)

    def begin_settle(self) -> bool:
        """Enter SETTLING; returns False (and does nothing) when a settlement is already under way or done."""
        if self.state != S.PREVIEWED:
            return False
        self._go(S.SETTLING)
        return True

    def settled(self, settlement: Any) -> None:
        self.settlement = settlement
        self._go(S.SETTLED)

    def refused(self) -> None:
        """The platform refused the settlement (business error): nothing booked, back to the preview."""
        self._go(S.PREVIEWED)

    def uncertain(self) -> None:
        self._go(S.UNCERTAIN)

    def reversed(self) -> None:
        self.settlement = None
        self._go(S.REVERSED)

    def cancelled(self) -> None:
        self._go(S.CANCELLED)

    def reset(self) -> None:
        """Next patient. Refused while a settlement is under way or its outcome unknown."""
        if self.state in (S.SETTLING, S.UNCERTAIN):
            raise IllegalTransition(self.state, S.IDLE)
        if self.state != S.IDLE:
            self._go(S.IDLE)
        self.credential = self.person = self.bill = self.preview = self.settlement = None
        self.insutype = ""
        self.context.clear()
