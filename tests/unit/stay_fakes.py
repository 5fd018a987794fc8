"""A fake discharge service (the ward book and the platform in memory), a recording view and synchronous runners
for the stay machine's tests (terminal.core.stay)."""
from __future__ import annotations

import dataclasses
from collections import deque
from decimal import Decimal
from typing import Any
from collections.abc import Callable

from terminal.core.errors import UserFacingError
from terminal.core.inpatient import Deposit, DepositReconciliation, FeeTotals, Stay, fee_totals, receipt_lines
from terminal.core.models import CardData, Credential, Person, Settlement
from terminal.core.stay import Phase, StayMachine

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
