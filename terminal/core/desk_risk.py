"""Fund supervision at the outpatient desk: 3101 事前分析 (trig_scen 7) before the pre-settlement uploads anything.

With no warning nothing changes for the cashier. With warnings the desk holds a :class:`RiskReview` and asks its
view to show it; per warning the cashier continues (a reason) or goes back to change the bill. The choices go out
with 3103 (journaled like every message); then, when every warning was continued, the pre-settlement goes on
(2201 … 2206) and 3101 is not asked again for the same patient and bill; when any went back, the bill stays open
for editing and nothing of it was uploaded. A part of the desk machine (core/desk.py), no Qt, no I/O.
"""
from __future__ import annotations

from collections.abc import Callable

from .billid import bill_digest, bill_number
from .desk_base import BillKey
from .desk_bill import DeskBill
from .desk_ports import RiskChecks, Task, Work
from .flow import State
from .models import Bill, Person
from .risk import GO_BACK, Decision, RiskReview

S = State
RiskKey = tuple[str, BillKey]


def encounter_id(bill: Bill) -> str:
    """The visit's id in 3101 before the platform gave one (mdtrt_id comes with 2201): the HIS charge number, or
    one taken from the bill's digest (the same bill, the same id)."""
    return bill_number(bill) or "MZ" + bill_digest(bill).split(":")[-1][:18].upper()


class DeskRisk(DeskBill):
    """The 3101 step of the pre-settlement and the cashier's decisions (3103)."""

    #: the platform's fund-supervision checks ([checks] risk_before); None: off
    risk: RiskChecks | None = None
    #: the warnings waiting for the cashier's decisions (the window shows them), or None
    risk_review: RiskReview | None = None
    _risk_for: RiskKey | None = None
    #: the patient and bill 3101 passed (no warning, or all continued): not asked again
    _risk_cleared: RiskKey | None = None

    def _risk_key(self) -> RiskKey:
        return (self.flow.person.psn_no if self.flow.person else "", self._key())

    def risk_step(self, person: Person, bill: Bill, insutype: str) -> Callable[[], RiskReview] | None:
        """On the desk's thread: the 3101 the preview's work runs first, or None (off, or already passed)."""
        risk = self.risk
        if risk is None or self._risk_cleared == self._risk_key():
            return None
        insuplc = person.insurance(insutype).insuplc_admdvs
        enc = encounter_id(bill)
        return lambda: risk.before_outpatient(person, bill, insutype, insuplc, enc)

    def risk_passed(self) -> None:
        """3101 found nothing for the bill on the screen."""
        self._risk_cleared = self._risk_key()

    def risk_found(self, review: RiskReview) -> None:
        """3101 found warnings: hold them for the cashier (nothing uploaded yet)."""
        self.risk_review, self._risk_for = review, self._risk_key()
        self.say("warn", self.tr("医保事前审核提示 %1 条违规：请逐条选择继续执行（须填写原因）或返回修改")
                 .replace("%1", str(len(review.violations))))
        self.view.show_risk(review)

    def risk_reset(self) -> None:
        """The next patient: nothing of the last one's review remains."""
        self.risk_review = self._risk_for = self._risk_cleared = None

    def risk_decide(self, decisions: list[Decision]) -> Task | None:
        """The cashier's choices: 3103, then the pre-settlement goes on (all continued) or the bill is open."""
        review, risk = self.risk_review, self.risk
        if review is None or risk is None:
            return None
        if self.busy:
            self.say("warn", self.tr("请等待当前操作完成"))
            return None
        if self._risk_for != self._risk_key():  # the patient or the bill changed since: ask again
            self.risk_review = None
            self.say("warn", self.tr("账单已变更，请重新按 F5 预结算"))
            return None
        try:
            review.decide(decisions)
        except ValueError as e:
            self.say("error", str(e))
            return None
        person = self.flow.person
        insuplc = person.insurance(self.flow.insutype).insuplc_admdvs if person is not None else ""
        key = self._risk_for

        def ok(_: None) -> None:
            self.risk_review = None
            if review.goes_back:
                back = [v for v in review.violations if review.decisions[v.warn_rslt_id].dspo_way == GO_BACK]
                what = "；".join(f"{review.where(v) or '—'} {v.rule_name or v.rule_id}" for v in back)
                self.say("warn", self.tr("已反馈医保（返回修改）：请修改账单后重新按 F5 预结算；本笔未上传、未结算")
                         + self.tr("。待修改：") + what)
                return
            self._risk_cleared = key
            if self._risk_key() == key and self.state in (S.BILLED, S.PREVIEWED, S.REVERSED):
                self.say("info", self.tr("已反馈医保（继续执行），继续预结算"))
                self.preview_now()

        def fail(err: BaseException) -> None:
            self.risk_review = None  # F5 asks 3101 again, with fresh warnings
            self.say("error", self.tr("事前审核反馈 (3103) 未成功：") + self.judge(err).text
                     + self.tr("；请重新按 F5"))

        return self._start(Work(self.tr("事前审核反馈 (3103)"), "risk", lambda: risk.feedback(review, insuplc),
                                ok, fail))

    def risk_go_back(self) -> Task | None:
        """Esc on the warnings: every one goes back to be changed (no reason needed)."""
        review = self.risk_review
        if review is None:
            return None
        return self.risk_decide([Decision.go_back(v.warn_rslt_id) for v in review.violations])

    def preview_now(self) -> Task | None:  # pragma: no cover - Desk's
        raise NotImplementedError
