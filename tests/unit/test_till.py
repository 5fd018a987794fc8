"""The desk's till (terminal.core.desk_tender) on its own: the tender's lines and guards, a cancellation while the
tender is open, refunds by the original tender and their cash fallback, against the desk rig (no Qt, no threads)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal as D
from typing import Any

import pytest

from terminal.core.flow import State
from terminal.core.tender import NEEDS_CODE, NEEDS_NOTHING, NEEDS_REFERENCE, PaymentDeclined, TenderLine

from .desk_rig import FakeView, Rig, Target


@dataclass
class Result:
    method: str
    amount: D
    reference: str


@dataclass
class FakeProvider:
    refunds: list[Exception | None] = field(default_factory=list)
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def needs(self, method: str) -> str:
        return {"cash": NEEDS_NOTHING, "wechat": NEEDS_CODE}.get(method, NEEDS_REFERENCE)

    def charge(self, method: str, amount: D, *, code: str = "", reference: str = "", order: str = "") -> Result:
        self.calls.append(("charge", method, str(amount), code or reference, order))
        return Result(method, amount, reference or "W1")

    def refund(self, method: str, amount: D, *, reference: str = "", order: str = "",
               refund_reference: str = "") -> Result:
        self.calls.append(("refund", method, str(amount), reference))
        err = self.refunds.pop(0) if self.refunds else None
        if err is not None:
            raise err
        return Result(method, amount, "R1")


@dataclass
class TillView(FakeView):
    tendered_: list[Any] = field(default_factory=list)
    partial: list[list[TenderLine]] = field(default_factory=list)
    refunded_: list[Any] = field(default_factory=list)
    originals: dict[str, list[TenderLine]] = field(default_factory=dict)
    saved_lines: list[TenderLine] = field(default_factory=list)

    def tendered(self, t: Any) -> None:
        self.tendered_.append(t)

    def record_partial_tender(self, t: Any) -> None:
        self.partial.append(list(t.lines))

    def record_tender_lines(self, lines: list[TenderLine], self_msgid: str = "") -> None:
        self.saved_lines.extend(lines)

    def original_tender(self, target: Any) -> list[TenderLine]:
        return self.originals.get(target.setl_id, [])

    def refunded(self, job: Any) -> None:
        self.refunded_.append(job)


@pytest.fixture
def rig() -> Rig:
    r = Rig()
    r.view = r.desk.view = TillView()
    r.desk.till.provider = FakeProvider()
    return r


def settled(rig: Rig):
    d = rig.previewed()
    d.settle_now()
    rig.runner.finish()
    assert d.state == State.SETTLED and d.till.tender.due == D("12.50")
    return d


def test_cash_lines_undo_and_completion(rig):
    d = settled(rig)
    assert d.till.take("5")  # part in cash
    assert d.state == State.TENDER and d.till.tender.remaining == D("7.50")
    assert d.till.undo() and d.till.tender.remaining == D("12.50")
    assert d.till.take("20")
    assert d.state == State.DONE and d.till.change == D("7.50") and rig.view.tendered_ == [d.till.tender]


def test_a_non_cash_line_cannot_exceed_what_is_due_nor_be_undone(rig):
    d = settled(rig)
    d.till.choose("card")
    assert not d.till.take("20", reference="POS1")
    assert "只能收取待收金额" in rig.view.last and rig.desk.till.provider.calls == []
    assert d.till.take("10", reference="POS1")
    rig.runner.finish("pay")
    assert d.till.tender.lines[-1].reference == "POS1" and d.state == State.TENDER
    assert rig.view.saved_lines == d.till.tender.lines  # recorded as soon as the money moved
    assert not d.till.undo() and "不能撤回" in rig.view.last
    d.till.choose("wechat")
    assert not d.till.take("")  # a wallet needs the patient's code
    assert "付款码" in rig.view.last


def test_cancel_while_the_tender_is_open_refunds_what_was_taken(rig):
    d = settled(rig)
    d.till.take("5")
    d.cancel_settlement(Target("S1"), "S01", "患者要求退费")
    rig.runner.finish("cancel")
    assert d.state == State.CANCELLED
    assert [(x.method, x.amount) for x in rig.view.partial[0]] == [("cash", D("5.00"))]  # recorded before
    job = d.till.refund
    assert job.amount == D("5.00") and job.reason == "患者要求退费" and job.supervisor == "S01"
    d.next_patient()
    assert d.state == State.CANCELLED and "退款未完成" in rig.view.last  # the money goes back first
    assert d.till.refund_next()
    assert job.complete and rig.view.refunded_ == [job]
    d.next_patient()
    assert d.state == State.IDLE


def test_cancel_before_anything_was_taken_refunds_nothing(rig):
    d = settled(rig)
    d.cancel_settlement(Target("S1"), "S01", "重复收费")
    rig.runner.finish("cancel")
    assert d.state == State.CANCELLED and d.till.refund is None and rig.view.partial == []
    d.next_patient()
    assert d.state == State.IDLE


def test_journal_cancel_refunds_by_the_stored_tender_and_falls_back_to_cash(rig):
    rig.desk.till.provider.refunds = [PaymentDeclined("原交易已超过退款期限")]
    rig.view.originals["S9"] = [TenderLine("wechat", D("30.00"), D("30.00"), reference="W9"),
                                TenderLine("cash", D("6.00"), D("10.00"), D("4.00"))]
    d = rig.desk
    d.cancel_settlement(Target("S9"), "S01", "收费项目或数量有误")
    rig.runner.finish("cancel")
    job = d.till.refund
    assert job.amount == D("36.00") and [(x.method, x.amount) for x in job.plan] == [("cash", D("6.00")),
                                                                                    ("wechat", D("30.00"))]
    d.till.refund_next()  # the cash
    d.till.refund_next()  # WeChat Pay: declined
    rig.runner.finish("refund")
    assert "退款未成功" in rig.view.last and not job.complete
    assert d.till.refund_in_cash()
    d.till.refund_next()
    assert job.complete and [(x.method, x.amount) for x in job.tender.lines] == [("cash", D("6.00")),
                                                                                ("cash", D("30.00"))]


def test_nothing_to_collect_goes_on_at_once(rig):
    from .desk_rig import settlement

    rig.svc.settles = [settlement(cash="0.00")]
    d = rig.previewed()
    d.settle_now()
    rig.runner.finish()
    assert d.state == State.SETTLED and not d.till.due_open and len(rig.view.tendered_) == 1
    d.next_patient()
    assert d.state == State.IDLE
