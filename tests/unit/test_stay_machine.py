"""The discharge desk's stay machine (terminal.core.stay) against a fake discharge service and a synchronous runner:
no Qt, no network, no disk. The widget over it is tested against the sandbox in tests/ui/test_discharge_*.py."""
from __future__ import annotations

import dataclasses
from collections import deque
from decimal import Decimal
from typing import Any, Callable

import pytest
from hypothesis import given, settings, strategies as st

from terminal.core.errors import UserFacingError
from terminal.core.idnumber import id_number_problem
from terminal.core.inpatient import Deposit, DepositReconciliation, FeeTotals, Stay, fee_totals, receipt_lines
from terminal.core.models import CardData, CertType, Credential, Person, Settlement
from terminal.core.money import fmt_yuan
from terminal.core.stay import BUSY, TRANSITIONS, IllegalTransition, Phase, StayMachine

ID_NO = "11010519491231002x"  # a valid check digit (X typed in lower case)
ECODE = "E" + "7" * 20
CARD = CardData(card_sn="SN0001", card_no="H46010012")
UNCERTAIN_TEXT = "结算结果未知，已自动冲正（2601 成功），基金与个人账户均未扣款；请重新结算"


class Refused(UserFacingError):
    """A refusal as the platform words it (BusinessError in the real service)."""


class Unknown(Exception):
    """A 2304 / 2305 without a valid answer, reversed (UncertainSettlement in the real service)."""

    user_message = UNCERTAIN_TEXT


@dataclasses.dataclass
class Result:
    stay: Stay
    settlement: Settlement
    reconciliation: DepositReconciliation | None
    totals: FeeTotals | None
    preview: bool = False
    warn: str = ""

    def receipt_lines(self, facility_name: str = "", width: int = 36) -> list[str]:
        return receipt_lines(self.stay, self.settlement, self.reconciliation, self.totals,
                             facility_name=facility_name, preview=self.preview, width=width)


class Book:
    def __init__(self) -> None:
        self.stays: dict[str, Stay] = {}
        self.lines: dict[str, list[dict[str, Any]]] = {}

    def stay(self, adm_no: str) -> Stay | None:  # a fresh object per read, like the ward book
        s = self.stays.get(adm_no)
        return dataclasses.replace(s, deposits=list(s.deposits)) if s is not None else None

    def count_lines(self, adm_no: str, states: tuple[str, ...]) -> int:
        return sum(1 for ln in self.lines.get(adm_no, []) if ln["state"] in states)


class FakeService:
    """The ward book and the platform in memory; ``ledger`` is what the platform saw (infno, outcome)."""

    def __init__(self, batch: int = 2) -> None:
        self.book = Book()
        self.persons: dict[str, str] = {}  # cert_no -> psn_no
        self.calls: list[tuple[Any, ...]] = []
        self.ledger: list[tuple[str, str]] = []
        self.faults: dict[str, BaseException] = {}
        self.warn: dict[str, str] = {}
        self.batch = batch

    # the ward's side (admission, deposit, fees), as the admission office and the CLI do it
    def admit(self, cert_no: str, psn_no: str = "P001", *, deposit: str = "5000",
              fees: tuple[str, ...] = ("1200.00", "300.50", "99.50", "400.00", "1000.00"), state: str = "admitted"
              ) -> Stay:
        adm_no = f"ZY{len(self.book.stays) + 1:04d}"
        s = Stay(adm_no, psn_no, "310", "460100", "450100", state=state, name_masked="王*", cert_masked="1101****002X",
                 begntime="2026-11-30 09:00:00", dept_name="眼科", deposits=[Deposit("YJ0001", Decimal(deposit))])
        self.book.stays[adm_no] = s
        self.book.lines[adm_no] = [{"feedetl_sn": f"{n:04d}", "det_item_fee_sumamt": Decimal(a), "state": "new"}
                                   for n, a in enumerate(fees, 1)]
        self.persons[cert_no.upper()] = psn_no
        return s

    def add_deposit(self, adm_no: str, amount: str) -> None:
        self.book.stays[adm_no].deposits.append(Deposit(f"YJ{len(self.book.stays[adm_no].deposits) + 1:04d}",
                                                        Decimal(amount)))

    # what the desk calls
    def find(self, cred: Credential) -> tuple[Person, Stay]:
        self.calls.append(("find", cred))
        psn_no = self.persons.get(cred.cert_no)
        open_ = [s for s in self.book.stays.values() if s.psn_no == psn_no and s.state not in ("settled", "cancelled")]
        if not open_:
            raise Refused("该参保人在本院没有在院或待结算的住院记录（请核对，或先办理入院）")
        found = self.book.stay(open_[-1].adm_no)
        assert found is not None
        return Person(psn_no or "", "王五"), found

    def stay(self, adm_no: str) -> Stay:
        s = self.book.stay(adm_no)
        if s is None:
            raise Refused(f"没有住院号为 {adm_no} 的住院记录")
        return s

    def fee_totals(self, adm_no: str) -> FeeTotals:
        return fee_totals(self.book.lines[adm_no])

    def upload_fees(self, adm_no: str, progress: Callable[[int, int], None] | None = None) -> object:
        self.calls.append(("upload", adm_no))
        pending = [ln for ln in self.book.lines[adm_no] if ln["state"] in ("new", "sending")]
        for i in range(0, len(pending), self.batch):
            for ln in pending[i:i + self.batch]:
                ln.update(state="uploaded", chrgitm_lv="01", med_chrgitm_type="09", fulamt_ownpay_amt=Decimal("0.00"),
                          overlmt_amt=Decimal("0.00"), preselfpay_amt=Decimal("0.00"),
                          inscp_scp_amt=ln["det_item_fee_sumamt"])
            self.ledger.append(("2301", "uploaded"))
            if progress is not None:
                progress(min(i + self.batch, len(pending)), len(pending))
        return None

    def _settlement(self, adm_no: str, acct_used: bool, setl_id: str, sign: int = 1) -> Settlement:
        total = sum((ln["det_item_fee_sumamt"] for ln in self.book.lines[adm_no]), Decimal("0.00"))
        fund = (total * Decimal("0.7")).quantize(Decimal("0.01"))
        acct = Decimal("100.00") if acct_used else Decimal("0.00")
        amounts = {"medfee_sumamt": total, "fund_pay_sumamt": fund, "psn_part_amt": total - fund, "acct_pay": acct,
                   "psn_cash_pay": total - fund - acct, "inscp_scp_amt": total}
        return Settlement(amounts={k: sign * v for k, v in amounts.items()}, info={"setl_id": setl_id})

    def _fault(self, infno: str) -> None:
        err = self.faults.pop(infno, None)
        if err is not None:
            self.ledger.append((infno, "reversed" if isinstance(err, Unknown) else "refused"))
            raise err

    def preview(self, adm_no: str, *, acct_used: bool = True) -> Result:
        self.calls.append(("preview", adm_no, acct_used))
        self._fault("2303")
        s = self.stay(adm_no)
        setl = self._settlement(adm_no, acct_used, "")
        self.ledger.append(("2303", "answered"))
        return Result(s, setl, DepositReconciliation(setl.psn_cash_pay, s.held), self.fee_totals(adm_no),
                      preview=True, warn=self.warn.pop("2303", ""))

    def settle(self, adm_no: str, *, acct_used: bool | None = None) -> Result:
        self.calls.append(("settle", adm_no, acct_used))
        kept = self.book.stays[adm_no]
        kept.state = "discharged"  # 2402 went through before the 2304
        self._fault("2304")
        setl = self._settlement(adm_no, acct_used is not False, f"S{len(self.ledger):04d}")
        rec = DepositReconciliation(setl.psn_cash_pay, kept.held)
        entry = rec.entry("JS0001", setl_id=setl.setl_id)
        if entry is not None:
            kept.deposits.append(entry)
        kept.state, kept.setl_id = "settled", setl.setl_id
        self.ledger.append(("2304", "booked"))
        return Result(self.stay(adm_no), setl, rec, self.fee_totals(adm_no), warn=self.warn.pop("2304", ""))

    def cancel(self, setl_id: str) -> Result:
        self.calls.append(("cancel", setl_id))
        kept = next(s for s in self.book.stays.values() if s.setl_id == setl_id)
        self._fault("2305")
        setl = self._settlement(kept.adm_no, True, f"C{len(self.ledger):04d}", sign=-1)
        kept.state, kept.setl_id = "discharged", ""
        self.ledger.append(("2305", "booked"))
        return Result(self.stay(kept.adm_no), setl, DepositReconciliation(Decimal(0), kept.held),
                      self.fee_totals(kept.adm_no), warn=self.warn.pop("2305", ""))

    def sent(self, infno: str) -> list[str]:
        return [outcome for i, outcome in self.ledger if i == infno]


class View:
    def __init__(self) -> None:
        self.machine: StayMachine | None = None
        self.statuses: list[str] = []
        self.made: list[Any] = []
        self.cancels: list[Any] = []
        self.errors: list[tuple[str, BaseException]] = []

    def changed(self) -> None:
        m = self.machine
        if m is not None and (not self.statuses or self.statuses[-1] != m.status):
            self.statuses.append(m.status)

    def settlement_made(self, result: Any) -> None:
        self.made.append(result)

    def settlement_cancelled(self, result: Any) -> None:
        self.cancels.append(result)

    def unexpected(self, label: str, err: BaseException) -> None:
        self.errors.append((label, err))


class SyncRunner:
    """Runs each job at once, on the caller's thread."""

    def __init__(self) -> None:
        self.labels: list[str] = []

    def __call__(self, label: str, fn: Callable[[], Any], ok: Callable[[Any], None],
                 fail: Callable[[BaseException], None]) -> None:
        self.labels.append(label)
        try:
            res = fn()
        except Exception as e:
            fail(e)
            return
        ok(res)


class LaterRunner(SyncRunner):
    """Keeps the jobs until ``step``/``drain``: a worker that has not come back yet."""

    def __init__(self) -> None:
        super().__init__()
        self.jobs: deque[tuple[str, Callable[[], Any], Callable[[Any], None],
                               Callable[[BaseException], None]]] = deque()

    def __call__(self, label: str, fn: Callable[[], Any], ok: Callable[[Any], None],
                 fail: Callable[[BaseException], None]) -> None:
        self.jobs.append((label, fn, ok, fail))

    def step(self) -> None:
        super().__call__(*self.jobs.popleft())

    def drain(self) -> None:
        while self.jobs:
            self.step()


def make(runner: SyncRunner | None = None, **kw: Any) -> tuple[StayMachine, FakeService, View, SyncRunner]:
    svc, view, run = FakeService(), View(), runner or SyncRunner()
    kw.setdefault("card_reader", None)
    m = StayMachine(lambda: svc, run, view, is_uncertain=lambda e: isinstance(e, Unknown), facility_name="某医院", **kw)
    view.machine = m
    return m, svc, view, run


def previewed(m: StayMachine, svc: FakeService) -> Stay:
    s = svc.admit(ID_NO)
    assert m.find(s.adm_no) and m.preview()
    assert m.phase == Phase.PREVIEWED, m.status
    return s


# finding ---------------------------------------------------------------------------------------------------
def test_find_an_admitted_stay_by_admission_number_with_its_deposits_and_fees():
    m, svc, view, run = make()
    s = svc.admit(ID_NO, deposit="3000")
    svc.add_deposit(s.adm_no, "2000")  # paid while in hospital
    assert m.find(f"  {s.adm_no.lower()} ")  # typed loosely
    assert m.phase == Phase.FOUND and m.stay is not None and m.stay.adm_no == s.adm_no
    assert m.totals is not None and m.totals.count == 5 and m.totals.unclassified == 5  # not uploaded yet
    assert m.status == "已找到住院记录：5 条费用，合计 ¥3,000.00；按 F5 预结算"
    assert view.statuses == ["查找住院记录…", m.status] and run.labels == ["查找住院记录"]
    assert m.amounts()["held"] == "¥5,000.00" and m.amounts()["psn_cash_pay"] == "" and m.due() == ("", "")
    assert m.can_preview and m.can_choose_account and not m.can_settle and not m.can_cancel
    assert svc.calls == []  # the ward book answered: no 1101


def test_find_by_id_number_e_code_and_card():
    codes: list[str] = []

    def ecode(text: str) -> Credential:
        codes.append(text)
        return Credential(CertType.ECODE, ID_NO.upper())

    class Reader:
        def read(self) -> CardData:
            return CARD

    m, svc, view, run = make(ecode=ecode, card_reader=Reader())
    s = svc.admit(ID_NO)
    svc.persons[CARD.card_no] = s.psn_no
    assert m.find(ID_NO) and m.stay is not None and m.stay.adm_no == s.adm_no
    assert svc.calls[-1] == ("find", Credential(CertType.ID_CARD, ID_NO.upper()))
    assert m.clear() and m.find(ECODE) and codes == [ECODE] and m.phase == Phase.FOUND
    assert m.clear() and m.read_card() and m.phase == Phase.FOUND
    assert svc.calls[-1] == ("find", CARD.credential()) and run.labels[-1] == "读社保卡"


def test_what_cannot_be_found_is_said_and_nothing_changes():
    m, svc, view, run = make()
    assert not m.find("   ") and m.status == "请输入住院号、身份证号，或扫描医保码" and run.labels == []
    assert not m.read_card() and m.status == "未配置读卡器"
    assert m.find("ZY9999")
    assert m.phase == Phase.EMPTY and m.stay is None
    assert m.status == "查找住院记录失败：没有住院号为 ZY9999 的住院记录（身份证号或医保码也无法识别）"
    assert m.find(ID_NO) and m.status.endswith("该参保人在本院没有在院或待结算的住院记录（请核对，或先办理入院）")
    assert view.errors == []  # refusals, not faults
    assert "校验位" in id_number_problem(ID_NO[:-1] + "1") and id_number_problem(ID_NO) == ""


def test_a_settled_stay_shows_settled_and_a_cancelled_admission_closed():
    m, svc, view, run = make()
    s = previewed(m, svc)
    assert m.settle() and m.clear()
    assert m.find(s.adm_no) and m.phase == Phase.SETTLED
    assert m.status == f"该住院已结算（结算ID {m.stay.setl_id}）" and m.can_cancel and not m.can_preview
    gone = svc.admit("11010519491231002X", "P002", state="cancelled")
    assert m.find(gone.adm_no) and m.phase == Phase.CLOSED
    assert not (m.can_preview or m.can_settle or m.can_cancel or m.can_choose_account)


# pre-settling ---------------------------------------------------------------------------------------------
def test_preview_uploads_pending_fees_with_progress_then_pre_settles():
    m, svc, view, run = make()
    s = svc.admit(ID_NO)
    m.find(s.adm_no)
    assert m.preview()
    assert view.statuses[-5:-1] == ["预结算…", "上传费用明细 2 / 5 条…", "上传费用明细 4 / 5 条…",
                                     "上传费用明细 5 / 5 条…"]
    assert svc.sent("2301") == ["uploaded"] * 3 and svc.calls[-1] == ("preview", s.adm_no, True)
    r = m.result
    assert m.phase == Phase.PREVIEWED and m.previewed and m.can_settle and r is not None
    assert m.status == f"预结算完成（未记账）：{r.reconciliation.text}。确认后按 F9 出院结算"
    assert r.reconciliation.kind == "refund" and m.due() == ("应退款", fmt_yuan(r.reconciliation.refund))
    assert m.amounts()["psn_cash_pay"] == fmt_yuan(r.settlement.psn_cash_pay) and m.amounts()["held"] == "¥5,000.00"
    assert m.receipt.startswith("住院费用预结算单（未记账）\n某医院")
    assert m.totals is r.totals and not m.totals.unclassified
    # a second pre-settlement uploads nothing more
    assert m.preview() and svc.sent("2301") == ["uploaded"] * 3 and m.phase == Phase.PREVIEWED


def test_progress_from_the_worker_reaches_the_machine_through_the_view():
    hops: list[tuple[int, int]] = []
    m, svc, view, run = make(report_progress=lambda d, t: hops.append((d, t)))
    s = svc.admit(ID_NO)
    m.find(s.adm_no)
    m.preview()
    assert hops == [(2, 5), (4, 5), (5, 5)] and not any("上传" in x for x in view.statuses)
    before = m.status
    m.progressed(5, 5)  # delivered after the pre-settlement came back: too late to show
    assert m.status == before


def test_the_account_choice_voids_a_pre_settlement():
    m, svc, view, run = make()
    previewed(m, svc)
    assert m.choose_account(False) and m.phase == Phase.FOUND and not m.can_settle
    assert m.status == "个人账户选择已改变，请重新预结算 (F5)"
    assert m.preview() and svc.calls[-1][-1] is False
    assert m.settle() and svc.calls[-1][-1] is False and m.result.settlement.acct_pay == 0


# settling -------------------------------------------------------------------------------------------------
def test_settle_books_once_and_balances_the_deposits():
    m, svc, view, run = make()
    s = previewed(m, svc)
    svc.warn["2304"] = "请核对出院带药"
    assert m.settle()
    r = m.result
    assert m.phase == Phase.SETTLED and view.made == [r] and svc.sent("2304") == ["booked"]
    assert m.status == f"结算成功（结算ID {r.settlement.setl_id}）：{r.reconciliation.text}"
    assert m.notice == "请核对出院带药" and "住院费用结算单" in m.receipt and "★ 应退款" in m.receipt
    assert m.stay.state == "settled" and m.stay.held == r.settlement.psn_cash_pay  # refund booked in the ledger
    assert m.can_cancel and not (m.can_preview or m.can_settle or m.can_choose_account)
    assert not m.settle() and svc.sent("2304") == ["booked"]
    assert svc.calls[-1] == ("settle", s.adm_no, True)


def test_a_double_pressed_settle_key_sends_once():
    run = LaterRunner()
    m, svc, view, _ = make(run)
    s = svc.admit(ID_NO)
    m.find(s.adm_no)
    run.drain()
    m.preview()
    run.drain()
    assert m.settle() is True and m.phase == Phase.SETTLING and m.busy and m.previewed
    assert m.settle() is False and m.preview() is False and m.find(s.adm_no) is False and m.clear() is False
    assert not m.choose_account(False) and m.acct_used
    assert len(run.jobs) == 1
    run.drain()
    assert svc.sent("2304") == ["booked"] and m.phase == Phase.SETTLED and m.settle() is False


def test_an_uncertain_settlement_is_reversed_and_the_stay_read_again():
    m, svc, view, run = make()
    s = previewed(m, svc)
    svc.faults["2304"] = Unknown()
    assert m.settle()
    assert svc.sent("2304") == ["reversed"] and view.made == [] and view.errors == []
    assert m.status == f"结算结果未知：{UNCERTAIN_TEXT}" and m.status in view.statuses
    assert run.labels[-1] == "刷新" and m.phase == Phase.FOUND and m.stay.state == "discharged"
    assert not m.can_settle and not m.settle()  # pre-settle anew first
    assert m.preview() and m.settle()
    assert svc.sent("2304") == ["reversed", "booked"] and m.stay.state == "settled" and len(view.made) == 1
    assert [c[0] for c in svc.calls].count("settle") == 2 and s.adm_no == m.stay.adm_no


def test_while_the_stay_is_read_again_the_cashier_may_go_on():
    run = LaterRunner()
    m, svc, view, _ = make(run)
    s = svc.admit(ID_NO)
    other = svc.admit("11010519491231002X", "P002")
    m.find(s.adm_no)
    run.drain()
    m.preview()
    run.drain()
    svc.faults["2304"] = Unknown()
    m.settle()
    run.step()
    assert m.phase == Phase.UNCERTAIN and not m.busy and [j[0] for j in run.jobs] == ["刷新"]
    assert m.can_preview and not m.can_settle and not m.can_cancel
    assert m.find(other.adm_no)
    run.drain()  # the refresh of the first stay comes back late: the other stay stays shown
    assert m.phase == Phase.FOUND and m.stay.adm_no == other.adm_no


def test_refusals_put_the_machine_back_where_it_was():
    m, svc, view, run = make()
    s = previewed(m, svc)
    svc.faults["2304"] = Refused("该参保人存在未完成的结算，请稍后重试")
    assert m.settle()
    assert m.phase == Phase.PREVIEWED and m.can_settle and view.made == []
    assert m.status == "出院结算失败：该参保人存在未完成的结算，请稍后重试"
    svc.faults["2303"] = Refused("费用明细有误")
    assert m.preview() and m.phase == Phase.PREVIEWED and m.status == "预结算失败：费用明细有误"
    assert m.find("ZY0404") and m.phase == Phase.PREVIEWED and m.stay.adm_no == s.adm_no and m.can_settle
    assert view.errors == []
    svc.faults["2303"] = RuntimeError("disk I/O error")
    assert m.preview() and m.phase == Phase.PREVIEWED and m.status == "预结算失败：disk I/O error"
    assert [(label, str(e)) for label, e in view.errors] == [("预结算", "disk I/O error")]
    assert m.settle() and svc.sent("2304") == ["refused", "booked"]


# cancelling -----------------------------------------------------------------------------------------------
def test_cancel_of_a_discharge_settlement_leaves_the_money_as_deposit():
    m, svc, view, run = make()
    s = previewed(m, svc)
    m.settle()
    paid = m.result.settlement
    svc.warn["2305"] = "基金已退回"
    assert m.cancel()
    r = view.cancels[0]
    assert m.phase == Phase.FOUND and m.stay.state == "discharged" and m.result is None
    assert svc.sent("2305") == ["booked"]
    assert m.stay.held == paid.psn_cash_pay and m.notice == "基金已退回"
    assert m.receipt == (f"已撤销结算 {r.settlement.setl_id}；医院持有预交金 {fmt_yuan(paid.psn_cash_pay)}，"
                         "重新结算时补缴或退款")
    assert m.status == (f"结算已撤销，住院恢复为待结算：退回个人账户 {fmt_yuan(paid.acct_pay)}，"
                        f"退还现金 {fmt_yuan(paid.psn_cash_pay)}，基金 {fmt_yuan(paid.fund_pay_sumamt)}")
    assert m.can_preview and not m.can_settle and not m.can_cancel and not m.cancel()
    assert m.amounts()["held"] == fmt_yuan(paid.psn_cash_pay) and m.due() == ("", "")
    assert m.preview() and m.settle() and svc.sent("2304") == ["booked", "booked"] and s.adm_no == m.stay.adm_no


def test_an_uncertain_or_refused_cancel_keeps_the_settlement():
    m, svc, view, run = make()
    previewed(m, svc)
    m.settle()
    svc.faults["2305"] = Refused("已超过撤销时限")
    assert m.cancel() and m.phase == Phase.SETTLED and m.status == "撤销结算失败：已超过撤销时限"
    svc.faults["2305"] = Unknown()
    assert m.cancel()
    assert m.status.startswith("结算结果未知：") and m.phase == Phase.SETTLED and m.can_cancel  # read again: settled
    assert view.cancels == [] and svc.sent("2305") == ["refused", "reversed"]
    assert m.cancel() and m.phase == Phase.FOUND and svc.sent("2305")[-1] == "booked"


# the transition table ----------------------------------------------------------------------------------------
def test_illegal_transitions_are_refused():
    m, svc, view, run = make()
    assert not (m.preview() or m.settle() or m.cancel()) and run.labels == [] and svc.ledger == []
    with pytest.raises(IllegalTransition, match="empty -> settled"):
        m._go(Phase.SETTLED)
    s = svc.admit(ID_NO)
    m.find(s.adm_no)
    assert not m.settle() and not m.cancel() and svc.sent("2304") == []
    with pytest.raises(IllegalTransition):  # an answer nobody asked for
        m._settled(svc.preview(s.adm_no))
    # settling is entered only from a pre-settlement, and ends only in settled, the pre-settlement or uncertain
    assert {p for p, to in TRANSITIONS.items() if Phase.SETTLING in to} == {Phase.PREVIEWED}
    assert TRANSITIONS[Phase.SETTLING] == {Phase.SETTLED, Phase.PREVIEWED, Phase.UNCERTAIN}
    assert {p for p, to in TRANSITIONS.items() if Phase.UNCERTAIN in to} >= {Phase.SETTLING, Phase.CANCELLING}
    assert set(TRANSITIONS) == set(Phase) and not any(b in TRANSITIONS[b] for b in BUSY)


def test_clear_forgets_the_stay_but_not_while_a_call_is_under_way():
    run = LaterRunner()
    m, svc, view, _ = make(run)
    s = svc.admit(ID_NO)
    m.find(s.adm_no)
    assert not m.clear() and m.phase == Phase.FINDING
    run.drain()
    m.preview()
    run.drain()
    assert m.clear() and m.phase == Phase.EMPTY
    assert (m.stay, m.result, m.totals, m.receipt, m.notice, m.status) == (None, None, None, "", "", "")
    assert set(m.amounts().values()) == {""} and not m.can_preview


INTENTS = st.lists(st.sampled_from(["find", "find_bad", "preview", "settle", "cancel", "acct", "clear", "unknown",
                                    "refuse", "step", "step"]), max_size=40)


@settings(max_examples=150, deadline=None)
@given(INTENTS)
def test_any_sequence_of_keys_never_settles_twice_off_one_pre_settlement(keys):
    run = LaterRunner()
    m, svc, view, _ = make(run)
    s = svc.admit(ID_NO)
    for k in keys:
        if k == "find":
            m.find(s.adm_no)
        elif k == "find_bad":
            m.find("ZY0404")
        elif k == "acct":
            m.choose_account(not m.acct_used)
        elif k in ("unknown", "refuse"):
            svc.faults["2304" if m.phase != Phase.SETTLED else "2305"] = Unknown() if k == "unknown" else Refused("拒")
        elif k == "step":
            if run.jobs:
                run.step()
        else:
            getattr(m, k)()
        assert m.busy == any(label != "刷新" for label, *_ in run.jobs)
        assert not m.can_settle or m.phase == Phase.PREVIEWED
    run.drain()
    # a settlement goes out only off a pre-settlement: the first since the last 2303, or one after a refusal
    last = ""
    for infno, outcome in svc.ledger:
        if infno == "2304":
            assert last in ("2303", "2304 refused"), svc.ledger
        if infno in ("2303", "2304"):
            last = infno if infno == "2303" else f"2304 {outcome}"
    assert len(view.made) == svc.sent("2304").count("booked")
