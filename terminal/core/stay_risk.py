"""Fund supervision on the discharge desk (F12), a part of the stay machine (core/stay.py). No Qt, no I/O.

F5 (pre-settle) runs, in the work: 3102 事中 (trig_scen 4 住院收费登记) on the fee lines about to go up (2301), then
3101 事前 (trig_scen 9 住院预结算) on every uploaded line, then 2303. Warnings stop the work there: the machine
goes back to the stay and shows them (through ``on_risk``, the front-end's dialog); the cashier continues (a
reason) or goes back per warning, 3103 takes the choices, and when all continued the same F5 goes on from where it
stopped (an analysis passed is not asked again for the same lines). Going back leaves the stay as it was: after
3102 nothing was uploaded; after 3101 the fees are uploaded but nothing is pre-settled (the ward corrects them).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .risk import BEFORE, DURING, Decision, RiskReview


class StayRisk:
    """The stay machine's fund-supervision steps (mixed into StayMachine, which provides the rest)."""

    def risk_init(self) -> None:
        #: the warnings waiting for the cashier's choices, or None
        self.risk_review: RiskReview | None = None
        #: the front-end shows a review (the discharge window's dialog); None: only the status line says it
        self.on_risk: Callable[[RiskReview], None] | None = None
        #: (adm_no, warn_type, fee lines counted) the cashier continued: not asked again for the same lines
        self._risk_passed: set[tuple[str, str, int]] = set()
        self._risk_key: tuple[str, str, int] | None = None

    # provided by StayMachine
    stay: Any
    phase: Any
    view: Any
    _svc: Callable[[], Any]
    _start: Callable[..., bool]
    _go: Callable[[Any], None]
    _say: Callable[..., None]
    _previewed: Callable[[Any], None]
    _report: Callable[[int, int], None]
    acct_used: bool

    def _risk_gate(self, svc: Any, adm_no: str, warn_type: str, states: tuple[str, ...]) -> RiskReview | None:
        """On the runner's thread: the analysis of ``warn_type`` when it is on and not passed for these lines; its
        review when it found something, else None. ``svc``: the discharge service (terminal.services.inpatient:
        ``risk_types``, ``risk_check``, ``risk_feedback``; one without ``risk_types`` runs no analysis)."""
        if warn_type not in getattr(svc, "risk_types", frozenset()):
            return None
        key = (adm_no, warn_type, svc.book.count_lines(adm_no, states))
        if key in self._risk_passed:
            return None
        review: RiskReview = svc.risk_check(adm_no, warn_type)
        if not review.violations:
            return None
        self._risk_key = key
        return review

    def preview_work(self, adm_no: str, acct: bool, report: Callable[[int, int], None] | None) -> Any:
        """On the runner's thread: (3102) upload (3101) 2303: a StayResult, or the RiskReview that stopped it."""
        svc = self._svc()
        if svc.book.count_lines(adm_no, ("new", "sending")):
            review = self._risk_gate(svc, adm_no, DURING, ("new",))
            if review is not None:
                return review
            svc.upload_fees(adm_no, progress=report)
        review = self._risk_gate(svc, adm_no, BEFORE, ("uploaded",))
        if review is not None:
            return review
        return svc.preview(adm_no, acct_used=acct)

    def risk_found(self, review: RiskReview) -> None:
        """The work stopped at warnings: back to the stay, the view shows them."""
        self._go(self._before_preview())
        self.risk_review = review
        what = "事中" if review.warn_type == DURING else "事前"
        self._say(f"医保{what}审核提示 {len(review.violations)} 条违规：请逐条选择继续执行（须填写原因）或返回修改",
                  "warn")
        if self.on_risk is not None:
            self.on_risk(review)

    def _phase(self, value: str) -> Any:
        """The stay machine's Phase of that value (core/stay.py imports this module: no import back)."""
        return type(self.phase)(value)

    def _before_preview(self) -> Any:
        return self._phase("found")

    def decide_risk(self, decisions: list[Decision]) -> bool:
        """3103 with the cashier's choices; all continued: the pre-settlement goes on from where it stopped."""
        review, st = self.risk_review, self.stay
        acct, report = self.acct_used, self._report
        if review is None or st is None:
            return False
        try:
            review.decide(decisions)
        except ValueError as e:
            self._say(str(e), "error")
            return False
        key = self._risk_key
        adm_no = st.adm_no

        def work() -> Any:
            svc = self._svc()
            svc.risk_feedback(review, adm_no)
            if review.goes_back:
                return None
            if key is not None:
                self._risk_passed.add(key)
            return self.preview_work(adm_no, acct, report)

        def ok(result: Any) -> None:
            self.risk_review = None
            if result is None:
                self._go(self._before_preview())
                self._say("已反馈医保（返回修改）：请病区核对、修改费用明细后再按 F5 预结算；未预结算、未结算", "warn")
                return
            self._previewed(result)

        return self._start(self._phase("previewing"), "医保审核反馈 (3103)", work, ok)

    def risk_go_back(self) -> bool:
        """Esc on the warnings: every one goes back."""
        review = self.risk_review
        if review is None:
            return False
        return self.decide_risk([Decision.go_back(v.warn_rslt_id) for v in review.violations])
