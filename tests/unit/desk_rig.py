"""The desk machine's test rig: a fake outpatient service and reversal book, a view that records, and a runner
that keeps each piece of work until the test lets it finish (no threads, no Qt), so a test can press keys while a
2207 is "out", stop waiting on it, and let its answer arrive late."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from collections.abc import Callable

from terminal.core.chronic import ChronicFiling
from terminal.core.desk import Desk
from terminal.core.desk_ports import Fault, FaultKind, PendingReversal, Work
from terminal.core.flow import State
from terminal.core.models import Bill, Credential, FeeItem, Insurance, Person, Settlement, Visit
from terminal.core.money import Limits

CRED = Credential("02", "460100194603120132")


class FakeTask:
    def __init__(self, work: Work[Any]):
        self.work, self.kind, self.label = work, work.kind, work.label
        self.abandoned = False

    @property
    def elapsed(self) -> float:
        return 0.0

    def abandon(self) -> None:
        self.abandoned = True

    def complete(self) -> None:
        """Like ui.ops.Op: the continuation, or once abandoned the late one (or nothing)."""
        try:
            result, err = self.work.fn(), None
        except Exception as e:  # every outcome goes to a continuation, as in ui.ops.Op
            result, err = None, e
        if self.abandoned:
            if self.work.late is not None:
                self.work.late(result, err)
        elif err is not None:
            self.work.fail(err)
        else:
            self.work.ok(result)


class StepRunner:
    """The desk's Runner for tests: work waits until ``finish`` runs it, synchronously."""

    def __init__(self) -> None:
        self.pending: list[FakeTask] = []

    def run(self, work: Work[Any]) -> FakeTask:
        task = FakeTask(work)
        self.pending.append(task)
        return task

    def finish(self, kind: str = "") -> FakeTask:
        task = next(t for t in self.pending if not kind or t.kind == kind)
        self.pending.remove(task)
        task.complete()
        return task


class Boom(Exception):
    """A service error that says how the desk should judge it."""

    def __init__(self, kind: FaultKind, text: str = "平台拒绝", **kw: Any):
        super().__init__(text)
        self.kind, self.text, self.kw = kind, text, kw


def judge(err: BaseException) -> Fault:
    if isinstance(err, Boom):
        return Fault(err.kind, err.text, err, **err.kw)
    return Fault(FaultKind.OTHER, str(err), err)


def settlement(setl_id: str = "S1", cash: str = "12.50", sign: int = 1) -> Settlement:
    amounts = {"medfee_sumamt": Decimal("30.00"), "fund_pay_sumamt": Decimal("10.00"), "acct_pay": Decimal("7.50"),
               "psn_cash_pay": Decimal(cash)}
    return Settlement(amounts={k: v * sign for k, v in amounts.items()}, info={"setl_id": setl_id})


@dataclass
class FakeService:
    settles: list[Settlement | Exception] = field(default_factory=list)
    cancels: list[Settlement | Exception] = field(default_factory=list)
    identify_error: Exception | None = None
    duplicate: Exception | None = None  # what the guard raises without a confirmation or an override
    on_uncertain: Callable[..., bool] | None = None
    calls: list[str] = field(default_factory=list)
    guard_args: list[tuple[bool, object]] = field(default_factory=list)
    filings: list[ChronicFiling] | Exception = field(default_factory=list)  # what 5301 answers

    def identify(self, cred: Credential) -> Person:
        self.calls.append("1101")
        if self.identify_error is not None:
            raise self.identify_error
        return Person(psn_no="P1", psn_name="张三", insurances=[Insurance("310")])

    def chronic_filings(self, person: Person, insutype: str = "") -> list[ChronicFiling]:
        self.calls.append("5301")
        if isinstance(self.filings, Exception):
            raise self.filings
        return list(self.filings)

    def check_duplicate(self, bill: Bill, psn_no: str = "", *, confirm_duplicate: bool = False,
                        override: object = None) -> None:
        self.guard_args.append((confirm_duplicate, override))
        if self.duplicate is not None and not confirm_duplicate and override is None:
            raise self.duplicate

    def open_visit(self, cred: Credential, person: Person, bill: Bill, insutype: str | None = None) -> Visit:
        self.calls.append("2201")
        return Visit(credential=cred, person=person, insutype=insutype or "", insuplc_admdvs="460100", bill=bill)

    def preview(self, visit: Visit, acct_used: bool | None = None) -> Settlement:
        self.calls.append("2206")
        return settlement()

    def settle(self, visit: Visit, msgid: str | None = None, *, confirm_duplicate: bool = False,
               override: object = None) -> Settlement:
        self.calls.append("2207")
        self.guard_args.append((confirm_duplicate, override))
        visit.settle_msgid = f"M{self.calls.count('2207')}"
        out = self.settles.pop(0) if self.settles else settlement()
        if isinstance(out, Exception):
            raise out
        return out

    def cancel(self, setl_id: str, mdtrt_id: str, psn_no: str, insuplc: str) -> Settlement:
        self.calls.append("2208")
        out = self.cancels.pop(0) if self.cancels else settlement(setl_id, sign=-1)
        if isinstance(out, Exception):
            raise out
        return out

    def park(self, cred: Credential, bill: Bill, *, person: Person | None = None, insutype: str = "",
             operator: str = "") -> FakeSlip:
        self.calls.append("park")
        return FakeSlip(park_id="K1", by=operator, total=bill.total)


@dataclass
class FakeSlip:
    park_id: str
    by: str
    total: Decimal = Decimal("0.00")

    @property
    def message(self) -> str:
        return f"已登记补结算 {self.park_id}"


@dataclass
class FakeBook:
    reverses: list[str | Exception] = field(default_factory=list)
    resolution: str = ""
    reversals: list[PendingReversal] = field(default_factory=list)
    woken: int = 0

    def reverse(self, pr: PendingReversal) -> str:
        pr.attempts += 1
        out = self.reverses.pop(0)
        if isinstance(out, Exception):
            raise out
        return out

    def reversal_resolved(self, omsgid: str) -> str:
        return self.resolution

    def wake_queue(self) -> None:
        self.woken += 1


@dataclass
class FakeView:
    messages: list[tuple[str, str]] = field(default_factory=list)
    booked: list[Settlement] = field(default_factory=list)
    duplicates: list[BaseException] = field(default_factory=list)
    cancelled: list[object] = field(default_factory=list)
    parked_slips: list[object] = field(default_factory=list)
    retry_ms: int | None = None
    waiting_on: object = None
    same_cards: list[object] = field(default_factory=list)
    reviews: list[object] = field(default_factory=list)

    def confirm_same_card(self, person: object) -> None:
        self.same_cards.append(person)

    def show(self, level: str, text: str) -> None:
        self.messages.append((level, text))

    def redraw(self) -> None:
        pass

    def waiting(self, task: object) -> None:
        self.waiting_on = task

    def refused_duplicate(self, err: BaseException) -> None:
        self.duplicates.append(err)

    def book(self, s: Settlement) -> None:
        self.booked.append(s)

    def booked_cancel(self, target: object) -> None:
        self.cancelled.append(target)

    def parked(self, slip: object) -> None:
        self.parked_slips.append(slip)

    def retry_reversal_in(self, ms: int) -> None:
        self.retry_ms = ms

    def stop_reversal_retry(self) -> None:
        self.retry_ms = None

    def recount_queue(self) -> None:
        pass

    def show_risk(self, review: object) -> None:
        self.reviews.append(review)

    @property
    def last(self) -> str:
        return self.messages[-1][1] if self.messages else ""


@dataclass(frozen=True)
class FakeOverride:
    supervisor: str
    reason: str

    def tags(self) -> dict[str, str]:
        return {"override_supervisor": self.supervisor, "override_reason": self.reason}


@dataclass
class Target:
    setl_id: str
    mdtrt_id: str = "MD1"
    psn_no: str = "P1"
    insuplc: str = "460100"
    status: str = "settled"


class Rig:
    def __init__(self, *, journal: bool = False, chronic: bool = False) -> None:
        self.svc, self.book, self.runner, self.view = FakeService(), FakeBook(), StepRunner(), FakeView()
        self.desk = Desk(self.svc, self.book, self.runner, self.view, judge, limits=Limits(), journal=journal)
        # the 5301 lookup on identification is background work of its own (test_desk_chronic.py); off here so
        # that the settlement tests' runner steps stay as they were
        self.desk.chronic.enabled = chronic

    def identified(self) -> Desk:
        self.desk.identify(CRED)
        self.runner.finish("identify")
        return self.desk

    def previewed(self) -> Desk:
        d = self.identified()
        assert d.add_item(FeeItem("H1", "N1", "阿莫西林胶囊", Decimal("15.00"), Decimal("2")))
        d.preview_now()
        self.runner.finish("preview")
        assert d.state == State.PREVIEWED
        return d
