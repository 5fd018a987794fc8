"""The discharge desk's stay as a plain state machine. No Qt, no I/O: the window renders it and forwards intents.

    empty -> finding -> found -> previewing -> previewed -> settling -> settled -> cancelling -> found
                                                                      settling | cancelling -> uncertain -> found
    a stay found settled shows as settled (cancel possible); one whose admission was cancelled as closed.

Every service call runs in a function handed to ``run`` (the UI's background runner, or a synchronous one in
tests); its answer comes back to the machine on the caller's thread. The machine never touches the service
itself: the work functions do, on the runner's thread, with what the intent captured.

* ``find(text)`` takes an admission number (the ward book), an ID number or an e-code (1101 -> the person's open
  stay); ``read_card()`` the card. Both show the stay with its fee totals and deposits.
* ``preview()`` uploads the fee lines not yet uploaded (2301, progress shown) and pre-settles (2303).
* ``settle()`` (2402 + 2304) only right after a pre-settlement with the same personal-account choice; a
  double-pressed settle key sends once. An unknown outcome (the service reverses it, 2601) leaves the machine
  ``uncertain`` until the stay has been read again; then pre-settle again before settling.
* ``cancel()`` (2305) a settled stay; the stay is open again, what the patient paid stays as deposit.
* A refusal puts the machine back where it was, with the platform's words in ``status``.
"""
from __future__ import annotations

import threading
from collections import deque
from enum import Enum
from typing import Protocol, TypeVar
from collections.abc import Callable

from .errors import UserFacingError, user_message_of
from .idcard import id_number_problem
from .inpatient import DepositReconciliation, FeeTotals, Stay
from .models import CardData, CertType, Credential, Person, Settlement
from .money import fmt_yuan
from .refunds import refund_text
from .risk import RiskReview
from .stay_display import Due, StayDisplay, due_of, settle_question, stay_display
from .stay_risk import StayRisk

__all__ = ["Phase", "TRANSITIONS", "IllegalTransition", "StayMachine", "StayQueryUnrecognised", "StayBook",
           "StayResult", "DischargeDeskService", "StayView", "Runner", "CardReader", "AMOUNT_KEYS", "is_unexpected",
           "StayDisplay", "Due"]

_T = TypeVar("_T")


class Phase(str, Enum):
    EMPTY = "empty"  # no stay on the desk
    FINDING = "finding"  # looking the stay up (ward book, 1101, card)
    FOUND = "found"  # an open stay shown: pre-settle next
    PREVIEWING = "previewing"  # uploading fees and pre-settling (2301, 2303)
    PREVIEWED = "previewed"  # pre-settled with the current account choice: settle next
    SETTLING = "settling"  # 2402 + 2304 under way
    SETTLED = "settled"  # the stay shown is settled: cancel possible
    CANCELLING = "cancelling"  # 2305 under way
    UNCERTAIN = "uncertain"  # a 2304 / 2305 without a valid answer: reversed by the service; the stay is read again
    CLOSED = "closed"  # a stay whose admission was cancelled: nothing to settle


P = Phase
BUSY = frozenset({P.FINDING, P.PREVIEWING, P.SETTLING, P.CANCELLING})
#: where each phase may go; a busy phase also goes back where it came from when its work is refused
TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    P.EMPTY: frozenset({P.FINDING, P.EMPTY}),
    P.FINDING: frozenset({P.FOUND, P.SETTLED, P.CLOSED, P.EMPTY, P.PREVIEWED, P.UNCERTAIN}),
    P.FOUND: frozenset({P.FINDING, P.PREVIEWING, P.EMPTY}),
    P.PREVIEWING: frozenset({P.PREVIEWED, P.FOUND, P.UNCERTAIN}),
    P.PREVIEWED: frozenset({P.FINDING, P.PREVIEWING, P.SETTLING, P.FOUND, P.EMPTY}),
    # settling ends in an answer (settled), a refusal (back to the pre-settlement) or an unknown outcome
    P.SETTLING: frozenset({P.SETTLED, P.PREVIEWED, P.UNCERTAIN}),
    P.SETTLED: frozenset({P.FINDING, P.CANCELLING, P.EMPTY}),
    P.CANCELLING: frozenset({P.FOUND, P.SETTLED, P.UNCERTAIN}),
    P.UNCERTAIN: frozenset({P.FOUND, P.SETTLED, P.CLOSED, P.FINDING, P.PREVIEWING, P.CANCELLING, P.EMPTY}),
    P.CLOSED: frozenset({P.FINDING, P.EMPTY}),
}
#: the amounts the desk shows beside the fee totals (``held``: the deposits the hospital holds)
AMOUNT_KEYS = ("medfee_sumamt", "fund_pay_sumamt", "hosp_part_amt", "psn_part_amt", "acct_pay", "psn_cash_pay",
               "held")
PENDING_LINES = ("new", "sending")  # fee lines not uploaded yet
HISTORY_LEN = 200


class IllegalTransition(RuntimeError):
    def __init__(self, src: Phase, dst: Phase):
        super().__init__(f"illegal stay transition {src.value} -> {dst.value}")
        self.src, self.dst = src, dst


class StayQueryUnrecognised(UserFacingError, LookupError):
    """What was typed is no admission number in the ward book, and no ID number or e-code either."""


# what the desk needs from the world -----------------------------------------------------------------------
class StayBook(Protocol):
    def stay(self, adm_no: str) -> Stay | None: ...

    def count_lines(self, adm_no: str, states: tuple[str, ...]) -> int: ...


class StayResult(Protocol):
    """A pre-settlement, settlement or cancellation of a stay (terminal.services.inpatient.DischargeResult)."""

    @property
    def stay(self) -> Stay: ...

    @property
    def settlement(self) -> Settlement: ...

    @property
    def reconciliation(self) -> DepositReconciliation | None: ...

    @property
    def totals(self) -> FeeTotals | None: ...

    @property
    def warn(self) -> str: ...

    def receipt_lines(self, facility_name: str = "", width: int = 36) -> list[str]: ...


class DischargeDeskService(Protocol):
    """What the discharge desk calls (terminal.services.inpatient.DischargeService). Every call may block."""

    @property
    def book(self) -> StayBook: ...

    def find(self, cred: Credential) -> tuple[Person, Stay]: ...

    def stay(self, adm_no: str) -> Stay: ...

    def fee_totals(self, adm_no: str) -> FeeTotals: ...

    def upload_fees(self, adm_no: str, progress: Callable[[int, int], None] | None = None) -> object: ...

    def preview(self, adm_no: str, *, acct_used: bool = True) -> StayResult: ...

    def settle(self, adm_no: str, *, acct_used: bool | None = None) -> StayResult: ...

    def cancel(self, setl_id: str) -> StayResult | Settlement: ...


class CardReader(Protocol):
    def read(self) -> CardData: ...


class Runner(Protocol):
    """Runs ``fn`` (off the UI thread) and then calls ``ok`` with its result or ``fail`` with its error, on the
    caller's thread. One job at a time, in order."""

    def __call__(self, label: str, fn: Callable[[], _T], ok: Callable[[_T], None],
                 fail: Callable[[BaseException], None]) -> None: ...


class StayView(Protocol):
    """What the machine tells its front-end."""

    def changed(self) -> None:
        """Something shown changed: render the machine again."""

    def settlement_made(self, result: StayResult) -> None: ...

    def settlement_cancelled(self, result: StayResult) -> None: ...

    def unexpected(self, label: str, err: BaseException) -> None:
        """An error that is no refusal the cashier can act on (a bug, a broken disk): worth a log entry."""


def is_unexpected(err: BaseException) -> bool:
    return not (isinstance(err, (UserFacingError, LookupError, ValueError)) or hasattr(err, "user_message"))


# the machine ----------------------------------------------------------------------------------------------
class StayMachine(StayRisk):
    """One stay on the discharge desk: what is shown, what may be done next, and the service calls behind it."""

    def __init__(self, service: Callable[[], DischargeDeskService], run: Runner, view: StayView, *,
                 is_uncertain: Callable[[BaseException], bool], facility_name: str = "",
                 card_reader: CardReader | None = None, ecode: Callable[[str], Credential] | None = None,
                 report_progress: Callable[[int, int], None] | None = None):
        """``service``: returns the service (called once, on the runner's thread: it may block).
        ``is_uncertain``: whether a settle/cancel error is an unknown outcome (then reversed by the service).
        ``report_progress(done, total)``: called on the runner's thread while fees upload; it must bring the
        figures to :meth:`progressed` on the machine's thread (default: calls it directly)."""
        self._factory = service
        self._service: DischargeDeskService | None = None
        self._lock = threading.Lock()
        self._run = run
        self.view = view
        self.is_uncertain = is_uncertain
        self.facility_name = facility_name
        self.card_reader = card_reader
        self.ecode = ecode
        self._report = report_progress or self.progressed
        self.phase = P.EMPTY
        self._before = P.EMPTY  # where a busy phase returns on a refusal
        self.stay: Stay | None = None
        self.totals: FeeTotals | None = None
        self.result: StayResult | None = None  # the last pre-settlement or settlement shown
        self.acct_used = True
        self.status = ""
        self.level = ""  # the status's colour: info | ok | warn | error ('' nothing said)
        self.notice = ""  # the platform's warn_msg on the answer shown
        self.receipt = ""
        self.history: deque[tuple[Phase, Phase]] = deque(maxlen=HISTORY_LEN)  # the last transitions
        self.risk_init()  # fund supervision: 3102 / 3101 before 2303 (core/stay_risk.py)

    # what may be done ---------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.phase in BUSY

    @property
    def previewed(self) -> bool:
        """A pre-settlement stands for the stay shown (while it settles, too)."""
        return self.phase in (P.PREVIEWED, P.SETTLING)

    @property
    def stay_open(self) -> bool:
        return self.stay is not None and self.stay.state not in ("settled", "cancelled")

    @property
    def can_read_card(self) -> bool:
        return not self.busy and self.card_reader is not None

    @property
    def can_preview(self) -> bool:
        return not self.busy and self.stay_open

    @property
    def can_settle(self) -> bool:
        return self.phase == P.PREVIEWED and self.stay_open

    @property
    def can_cancel(self) -> bool:
        st = self.stay
        return not self.busy and st is not None and st.state == "settled" and bool(st.setl_id)

    @property
    def can_choose_account(self) -> bool:
        return self.can_preview

    def can(self, dst: Phase) -> bool:
        return dst in TRANSITIONS[self.phase]

    def _go(self, dst: Phase) -> None:
        if not self.can(dst):
            raise IllegalTransition(self.phase, dst)
        self.history.append((self.phase, dst))
        self.phase = dst

    def _shown(self, st: Stay) -> Phase:
        return P.SETTLED if st.state == "settled" else P.CLOSED if st.state == "cancelled" else P.FOUND

    # what is shown ---------------------------------------------------------------------------------------------
    def amounts(self) -> dict[str, str]:
        """The amount column: the settlement's figures, and the deposits held (also before a pre-settlement)."""
        r = self.result
        if r is None:
            out = dict.fromkeys(AMOUNT_KEYS, "")
            out["held"] = fmt_yuan(self.stay.held) if self.stay is not None else ""
            return out
        s = r.settlement
        out = {k: fmt_yuan(getattr(s, k)) for k in AMOUNT_KEYS if k != "held"}
        out["held"] = fmt_yuan(r.reconciliation.held) if r.reconciliation else ""
        return out

    def due(self) -> tuple[str, str]:
        """(caption, amount) of the deposit balance: 应补缴 / 应退款 ¥x, or 预交金正好结清 with no amount."""
        rec = self.result.reconciliation if self.result is not None else None
        if rec is None:
            return "", ""
        return rec.label, fmt_yuan(rec.collect or rec.refund) if rec.kind != "even" else ""

    def due_now(self) -> Due | None:
        """What is to collect or refund against the deposits, from the pre-settlement or settlement shown."""
        return due_of(self.result)

    def settle_question(self) -> str:
        """The confirmation F9 asks before 2402 + 2304: who, the total, the cash share, and what changes hands."""
        return settle_question(self.stay, self.result)

    def display(self) -> StayDisplay | None:
        """The customer display's content for the stay shown (None: nothing on the desk)."""
        shown = self.phase.value if self.phase in (P.PREVIEWED, P.SETTLING, P.SETTLED) else ""
        return stay_display(self.stay, self.result, shown)

    # intents -----------------------------------------------------------------------------------------------------
    def find(self, text: str) -> bool:
        """Find the stay: admission number in the ward book, else an ID number or a scanned e-code (1101)."""
        q = text.strip()
        if not q:
            self._say("请输入住院号、身份证号，或扫描医保码", "warn")
            return False
        ecode = self.ecode

        def work() -> tuple[Stay, FeeTotals]:
            svc = self._svc()
            st = svc.book.stay(q.upper())
            if st is not None:
                return st, svc.fee_totals(st.adm_no)
            if not id_number_problem(q):
                cred = Credential(CertType.ID_CARD, q.upper())
            elif ecode is not None and len(q) >= 16:
                cred = ecode(q)
            else:
                raise StayQueryUnrecognised(f"没有住院号为 {q} 的住院记录（身份证号或医保码也无法识别）")
            _person, st = svc.find(cred)
            return st, svc.fee_totals(st.adm_no)

        return self._start(P.FINDING, "查找住院记录", work, self._found)

    def read_card(self) -> bool:
        reader = self.card_reader
        if reader is None:
            self._say("未配置读卡器", "error")
            return False

        def work() -> tuple[Stay, FeeTotals]:
            card = reader.read()
            svc = self._svc()
            _person, st = svc.find(card.credential())
            return st, svc.fee_totals(st.adm_no)

        return self._start(P.FINDING, "读社保卡", work, self._found)

    def preview(self) -> bool:
        st = self.stay
        if st is None or not self.can_preview:
            return False
        acct, report = self.acct_used, self._report
        return self._start(P.PREVIEWING, "预结算", lambda: self.preview_work(st.adm_no, acct, report), self._previewed)

    def settle(self) -> bool:
        """Settle the stay pre-settled last; False (nothing sent) unless a pre-settlement is waiting."""
        st = self.stay
        if st is None or not self.can_settle:
            return False
        acct = self.acct_used
        return self._start(P.SETTLING, "出院结算", lambda: self._svc().settle(st.adm_no, acct_used=acct),
                           self._settled)

    def cancel(self) -> bool:
        """Cancel the settlement of the stay shown (2305); the view asks the cashier first."""
        st = self.stay
        if st is None or not self.can_cancel:
            return False
        setl_id = st.setl_id

        def work() -> StayResult:
            r = self._svc().cancel(setl_id)
            if isinstance(r, Settlement):  # only for settlements the ward book does not know
                raise StayQueryUnrecognised(f"本机没有结算ID {setl_id} 的住院结算记录")
            return r

        return self._start(P.CANCELLING, "撤销结算", work, self._cancelled)

    def choose_account(self, acct_used: bool) -> bool:
        """Use the personal account or not; the figures change with it, so a pre-settlement no longer stands."""
        if acct_used == self.acct_used:
            return True
        if not self.can_choose_account:
            return False
        self.acct_used = acct_used
        if self.phase == P.PREVIEWED:
            self._go(P.FOUND)
            self._say("个人账户选择已改变，请重新预结算 (F5)", "warn")
        return True

    def clear(self) -> bool:
        """Next patient: refused while a call is under way."""
        if self.busy:
            return False
        self._go(P.EMPTY)
        self.stay = self.totals = self.result = self.risk_review = None
        self.receipt = self.notice = ""
        self._say("")
        return True

    def progressed(self, done: int, total: int) -> None:
        """Fee lines uploaded so far (on the machine's thread)."""
        if self.phase == P.PREVIEWING:
            self._say(f"上传费用明细 {done} / {total} 条…")

    # running ---------------------------------------------------------------------------------------------------
    def _svc(self) -> DischargeDeskService:
        """The service (runner's thread: the factory may block)."""
        with self._lock:
            if self._service is None:
                self._service = self._factory()
            return self._service

    def _start(self, phase: Phase, label: str, fn: Callable[[], _T], ok: Callable[[_T], None]) -> bool:
        if self.busy:
            return False
        before = self.phase
        self._go(phase)
        self._before = before
        self._say(label + "…")

        def fail(err: BaseException) -> None:
            self._failed(label, err)

        self._run(label, fn, ok, fail)
        return True

    def _say(self, status: str, level: str = "info") -> None:
        self.status = status
        self.level = level if status else ""
        self.view.changed()

    def hint(self, text: str, level: str = "warn", append: bool = False) -> None:
        """A word for the cashier from the front-end (why a key did nothing, where the slip went); ``append``
        keeps what is said already (the settlement's outcome) in front."""
        if append and self.status:
            self._say(self.status + "；" + text, self.level or level)
        else:
            self._say(text, level)

    # results ---------------------------------------------------------------------------------------------------
    def _found(self, res: tuple[Stay, FeeTotals]) -> None:
        st, totals = res
        self._go(self._shown(st))
        self.stay, self.totals, self.result = st, totals, None
        self.receipt = self.notice = ""
        if st.state == "settled":
            self._say(f"该住院已结算（结算ID {st.setl_id}）", "warn")
        else:
            self._say(f"已找到住院记录：{totals.count} 条费用，合计 {fmt_yuan(totals.total)}；按 F5 预结算", "ok")

    def _show(self, r: StayResult) -> None:
        self.stay, self.result, self.totals = r.stay, r, r.totals
        self.receipt = "\n".join(r.receipt_lines(self.facility_name))
        self.notice = r.warn

    def _previewed(self, r: StayResult | RiskReview) -> None:
        if isinstance(r, RiskReview):
            return self.risk_found(r)
        self._go(P.PREVIEWED)
        self._show(r)
        rec = r.reconciliation.text if r.reconciliation else ""
        self._say(f"预结算完成（未记账）：{rec}。确认后按 F9 出院结算" + (f"  [{r.warn}]" if r.warn else ""), "ok")

    def _settled(self, r: StayResult) -> None:
        self._go(P.SETTLED)
        self._show(r)
        rec = r.reconciliation.text if r.reconciliation else ""
        self._say(f"结算成功（结算ID {r.settlement.setl_id}）：{rec}", "ok")
        self.view.settlement_made(r)

    def _cancelled(self, r: StayResult) -> None:
        self._go(self._shown(r.stay))
        self.stay, self.result = r.stay, None
        self.receipt = (f"已撤销结算 {r.settlement.setl_id}；医院持有预交金 {fmt_yuan(r.stay.held)}，"
                        "重新结算时补缴或退款")
        self.notice = r.warn
        self._say("结算已撤销，住院恢复为待结算：" + refund_text(r.settlement), "warn")
        self.view.settlement_cancelled(r)

    def _failed(self, label: str, err: BaseException) -> None:
        if self.phase in (P.SETTLING, P.CANCELLING) and self.is_uncertain(err):
            self._go(P.UNCERTAIN)  # the service reversed it (or queued the reversal); pre-settle anew
            self._say(f"结算结果未知：{user_message_of(err)}", "error")
            self._refresh()
            return
        self._go(self._before)
        if is_unexpected(err):
            self.view.unexpected(label, err)
        self._say(f"{label}失败：{user_message_of(err)}", "error")

    def _refresh(self) -> None:
        """Read the stay again after an unknown outcome (not busy: the cashier may go on meanwhile)."""
        st = self.stay
        if st is None:
            return

        def work() -> tuple[Stay, FeeTotals]:
            svc = self._svc()
            s = svc.stay(st.adm_no)
            return s, svc.fee_totals(s.adm_no)

        def ok(res: tuple[Stay, FeeTotals]) -> None:
            if self.phase != P.UNCERTAIN or self.stay is not st:
                return  # the cashier went on (another stay, a pre-settlement): that shows the stay already
            self._go(self._shown(res[0]))
            self.stay, self.totals = res
            self.view.changed()

        self._run("刷新", work, ok, lambda _err: None)
