"""Inpatient stays at discharge: the stay, its deposits (预交金), fee totals by category and the discharge
receipt. Pure data, no I/O; money is Decimal with two places throughout.

Deposit reconciliation: the patient paid deposits while in hospital; at discharge the platform's
psn_cash_pay (never recomputed here) is compared with what the hospital holds:

    due = psn_cash_pay - held        due > 0: collect (补缴) due;  due < 0: refund (退款) -due
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from collections.abc import Iterable

from .money import ZERO, answer_amount, fmt_yuan, money, msum, parse_amount
from .regions import is_cross_province, place_name

#: med_chrgitm_type 医疗收费项目类别
FEE_TYPES = {
    "01": "床位费", "02": "诊察费", "03": "检查费", "04": "化验费", "05": "治疗费", "06": "手术费", "07": "护理费",
    "08": "卫生材料费", "09": "西药费", "10": "中药饮片费", "11": "中成药费", "12": "一般诊疗费", "13": "挂号费",
    "14": "其他费",
}
#: chrgitm_lv 收费项目等级
ITEM_LEVELS = {"01": "甲类", "02": "乙类", "03": "丙类"}
#: dscg_way 离院方式
DSCG_WAYS = {"1": "医嘱离院", "2": "医嘱转院", "3": "医嘱转社区卫生服务机构/乡镇卫生院", "4": "非医嘱离院", "5": "死亡",
             "9": "其他"}

#: stay states as kept locally
STAY_STATES = {"admitting": "入院办理中", "admitted": "在院", "discharging": "出院办理中", "discharged": "已出院待结算",
               "settled": "已结算", "cancelled": "已撤销入院"}
#: deposit ledger kinds: what the hospital received (+) or paid back (-)
DEPOSIT_KINDS = {"deposit": "预交金", "collect": "出院补缴", "refund": "出院退款"}

LINE_AMOUNTS = ("det_item_fee_sumamt", "fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")


# deposits ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Deposit:
    """One entry of a stay's deposit ledger: a deposit paid, or the balance collected / refunded at discharge."""

    receipt_no: str
    amount: Decimal
    kind: str = "deposit"
    paid_at: str = ""
    method: str = "现金"
    operator: str = ""
    setl_id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", money(self.amount))
        if self.kind not in DEPOSIT_KINDS:
            raise ValueError(f"unknown deposit kind {self.kind!r}")
        if self.amount < 0:
            raise ValueError(f"{DEPOSIT_KINDS[self.kind]}金额不能为负 ({self.amount})")

    @property
    def signed(self) -> Decimal:
        """What this entry changes in the money the hospital holds for the stay."""
        return -self.amount if self.kind == "refund" else self.amount

    @property
    def kind_name(self) -> str:
        return DEPOSIT_KINDS[self.kind]

    def as_dict(self) -> dict[str, Any]:
        return {"receipt_no": self.receipt_no, "amount": f"{self.amount:.2f}", "kind": self.kind,
                "kind_name": self.kind_name, "paid_at": self.paid_at, "method": self.method,
                "operator": self.operator, "setl_id": self.setl_id}


def parse_deposit_amount(text: object) -> Decimal:
    """A deposit typed by the cashier: positive, two places at most, no thousands separator or decimal comma
    ("5,00" is refused, never read as 500.00); a leading ¥ is allowed."""
    raw = text.strip().lstrip("¥￥").strip() if isinstance(text, str) else text
    return parse_amount(raw, field="amount", label="预交金金额", allow_zero=False)


def held(entries: Iterable[Deposit]) -> Decimal:
    """What the hospital holds for the stay: deposits and collections minus refunds."""
    return msum(e.signed for e in entries)


@dataclass(frozen=True)
class DepositReconciliation:
    """The patient's cash share (psn_cash_pay, the platform's figure) against the deposits held."""

    cash_share: Decimal
    held: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "cash_share", money(self.cash_share))
        object.__setattr__(self, "held", money(self.held))

    @property
    def due(self) -> Decimal:
        """Positive: the patient pays this much more; negative: the hospital pays this much back."""
        return money(self.cash_share - self.held)

    @property
    def kind(self) -> str:
        d = self.due
        return "collect" if d > 0 else "refund" if d < 0 else "even"

    @property
    def collect(self) -> Decimal:
        return max(self.due, ZERO)

    @property
    def refund(self) -> Decimal:
        return max(-self.due, ZERO)

    @property
    def label(self) -> str:
        return {"collect": "应补缴", "refund": "应退款", "even": "预交金正好结清"}[self.kind]

    @property
    def text(self) -> str:
        """The line the cashier acts on: 应补缴 ¥12.34 / 应退款 ¥12.34 / 预交金正好结清."""
        if self.kind == "even":
            return self.label
        return f"{self.label} {fmt_yuan(self.collect or self.refund)}"

    def entry(self, receipt_no: str, *, paid_at: str = "", method: str = "现金", operator: str = "",
              setl_id: str = "") -> Deposit | None:
        """The ledger entry that settles the balance (None when even)."""
        if self.kind == "even":
            return None
        return Deposit(receipt_no=receipt_no, amount=self.collect or self.refund, kind=self.kind, paid_at=paid_at,
                       method=method, operator=operator, setl_id=setl_id)

    def as_dict(self) -> dict[str, Any]:
        return {"cash_share": f"{self.cash_share:.2f}", "deposits_held": f"{self.held:.2f}",
                "due": f"{self.due:.2f}", "kind": self.kind, "collect": f"{self.collect:.2f}",
                "refund": f"{self.refund:.2f}", "text": self.text}


# fee totals --------------------------------------------------------------------------------------
def _amount(v: Any, k: str = "amount") -> Decimal:
    """A line amount as the platform's 2301 result gives it: missing is 0.00 (the platform leaves empty amounts
    out), more than two decimals is refused (AnswerAmountError), never rounded. Fast for Decimals with 2 places."""
    if type(v) is Decimal and v.as_tuple().exponent == -2:
        return v
    return answer_amount(v, k)


@dataclass
class FeeGroup:
    code: str
    name: str
    count: int = 0
    amounts: dict[str, Decimal] = field(default_factory=lambda: {k: ZERO for k in LINE_AMOUNTS})

    @property
    def total(self) -> Decimal:
        return self.amounts["det_item_fee_sumamt"]

    def add(self, line: dict[str, Any]) -> None:
        self.count += 1
        a = self.amounts
        for k in LINE_AMOUNTS:
            a[k] = a[k] + _amount(line.get(k), k)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "count": self.count,
                **{k: f"{v:.2f}" for k, v in self.amounts.items()}}


@dataclass
class FeeTotals:
    """Fee lines summed by category (med_chrgitm_type) and by item class (chrgitm_lv)."""

    by_type: list[FeeGroup]
    by_level: list[FeeGroup]
    all: FeeGroup
    unclassified: int = 0  # lines without a platform result (not uploaded yet)
    errors: list[str] = field(default_factory=list)  # classified lines whose split does not add up

    @property
    def total(self) -> Decimal:
        return self.all.total

    @property
    def count(self) -> int:
        return self.all.count

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "total": f"{self.total:.2f}", "unclassified": self.unclassified,
                "by_type": [g.as_dict() for g in self.by_type], "by_level": [g.as_dict() for g in self.by_level],
                "all": self.all.as_dict()}


def fee_totals(lines: Iterable[dict[str, Any]]) -> FeeTotals:
    """Sum fee lines; a line is a dict with det_item_fee_sumamt and, once uploaded, the platform's split
    (fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt, chrgitm_lv, med_chrgitm_type).
    Lines not yet classified count under 未分类 with their full amount and no split."""
    types: dict[str, FeeGroup] = {}
    levels: dict[str, FeeGroup] = {}
    all_ = FeeGroup("*", "合计")
    errors: list[str] = []
    unclassified = 0
    for ln in lines:
        t = str(ln.get("med_chrgitm_type") or "")
        lv = str(ln.get("chrgitm_lv") or "")
        if not lv:
            unclassified += 1
        types.setdefault(t, FeeGroup(t, FEE_TYPES.get(t, "未分类" if not t else f"类别{t}"))).add(ln)
        levels.setdefault(lv, FeeGroup(lv, ITEM_LEVELS.get(lv, "未分类" if not lv else f"等级{lv}"))).add(ln)
        all_.add(ln)
        if lv:
            parts = sum((_amount(ln.get(k)) for k in LINE_AMOUNTS[1:]), ZERO)
            if _amount(ln.get("det_item_fee_sumamt")) != parts:
                errors.append(f"{ln.get('feedetl_sn', '?')}: {ln.get('det_item_fee_sumamt')} != {parts}")
    order = lambda g: (g.code == "", g.code)  # noqa: E731
    return FeeTotals(by_type=sorted(types.values(), key=order), by_level=sorted(levels.values(), key=order),
                     all=all_, unclassified=unclassified, errors=errors)


# the stay ------------------------------------------------------------------------------------------
@dataclass
class AdmissionForm:
    """What the admission desk fills in for 2401 (besides the person and credential)."""

    dept_code: str = "A10"
    dept_name: str = "眼科"
    dr_code: str = "D0102"
    dr_name: str = "韦医生"
    bed: str = ""
    dise_codg: str = ""
    dise_name: str = ""
    diag_dscr: str = ""
    begntime: str = ""  # yyyy-MM-dd HH:mm:ss; empty: now
    med_type: str = "21"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AdmissionForm:
        keys = {f for f in cls.__dataclass_fields__}
        alias = {"adm_dept_codg": "dept_code", "adm_dept_name": "dept_name", "atddr_no": "dr_code",
                 "chfpdr_name": "dr_name", "adm_bed": "bed", "adm_diag_dscr": "diag_dscr"}
        out = {}
        for k, v in d.items():
            k = alias.get(k, k)
            if k in keys and v is not None:
                out[k] = str(v)
        return cls(**out)


@dataclass
class Stay:
    """One inpatient stay as the terminal keeps it (local book + what the platform answered)."""

    adm_no: str  # 住院号 = ipt_no sent with 2401
    psn_no: str
    insutype: str
    insuplc_admdvs: str
    treatment_admdvs: str
    state: str = "admitting"
    mdtrt_id: str = ""
    name_masked: str = ""
    cert_masked: str = ""
    cert_type: str = ""
    begntime: str = ""
    endtime: str = ""
    dscg_way: str = ""
    dept_code: str = ""
    dept_name: str = ""
    dr_code: str = ""
    dr_name: str = ""
    bed: str = ""
    dise_codg: str = ""
    dise_name: str = ""
    setl_id: str = ""
    adm_msgid: str = ""
    dscg_msgid: str = ""
    deposits: list[Deposit] = field(default_factory=list)
    created: str = ""
    operator: str = ""

    @property
    def state_name(self) -> str:
        return STAY_STATES.get(self.state, self.state)

    @property
    def cross_province(self) -> bool:
        return is_cross_province(self.insuplc_admdvs, self.treatment_admdvs)

    @property
    def held(self) -> Decimal:
        return held(self.deposits)

    @property
    def deposits_paid(self) -> Decimal:
        return msum(d.amount for d in self.deposits if d.kind == "deposit")

    def days(self, now: datetime | None = None) -> int:
        """Days in hospital (discharge date - admission date, at least 1)."""
        try:
            b = datetime.strptime(self.begntime[:10], "%Y-%m-%d")
            e = datetime.strptime(self.endtime[:10], "%Y-%m-%d") if self.endtime else (now or datetime.now())
        except ValueError:
            return 0
        return max(1, (e.date() - b.date()).days)

    def as_dict(self) -> dict[str, Any]:
        return {
            "adm_no": self.adm_no, "mdtrt_id": self.mdtrt_id, "state": self.state, "state_name": self.state_name,
            "psn_no": self.psn_no, "name": self.name_masked, "cert": self.cert_masked, "insutype": self.insutype,
            "insured_place": self.insuplc_admdvs, "insured_place_name": place_name(self.insuplc_admdvs),
            "treatment_place": self.treatment_admdvs, "cross_province": self.cross_province,
            "begntime": self.begntime, "endtime": self.endtime, "dscg_way": self.dscg_way,
            "dept": self.dept_name, "doctor": self.dr_name, "bed": self.bed, "dise_codg": self.dise_codg,
            "dise_name": self.dise_name, "setl_id": self.setl_id, "days": self.days(),
            "deposits": [d.as_dict() for d in self.deposits], "deposits_paid": f"{self.deposits_paid:.2f}",
            "held": f"{self.held:.2f}",
        }


# the receipt ----------------------------------------------------------------------------------------
def _w(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _row(label: str, value: Decimal | str, width: int = 36) -> str:
    v = value if isinstance(value, str) else fmt_yuan(value)
    return label + " " * max(1, width - _w(label) - _w(v)) + v


def receipt_lines(stay: Stay, s: Any, rec: DepositReconciliation | None, totals: FeeTotals | None = None, *,
                  facility_name: str = "", preview: bool = False, width: int = 36) -> list[str]:
    """The discharge settlement slip as text lines (for the screen, the CLI and the printer).

    ``s`` is a terminal.core.models.Settlement (duck-typed: attributes by field name)."""
    bar = "-" * width
    head = "住院费用预结算单（未记账）" if preview else "住院费用结算单"
    out = [head]
    if facility_name:
        out.append(facility_name)
    out += [bar,
            f"住院号 {stay.adm_no}  床号 {stay.bed or '-'}",
            f"姓名 {stay.name_masked}  {stay.cert_masked}",
            f"科室 {stay.dept_name}  医师 {stay.dr_name}",
            f"入院 {stay.begntime[:16]}  出院 {(stay.endtime or '-')[:16]}  {stay.days()}天",
            f"参保地 {place_name(stay.insuplc_admdvs)}  {'跨省异地就医' if stay.cross_province else '省内'}"]
    if getattr(s, "setl_id", ""):
        out.append(f"结算ID {s.setl_id}")
    if totals is not None and totals.count:
        out.append(bar)
        for g in totals.by_type:
            out.append(_row(f"{g.name}({g.count})", g.total, width))
    out.append(bar)
    out += [_row("医疗费总额", s.medfee_sumamt, width),
            _row("  全自费", s.fulamt_ownpay_amt, width), _row("  超限价自费", s.overlmt_selfpay, width),
            _row("  先行自付", s.preselfpay_amt, width), _row("  符合范围", s.inscp_scp_amt, width),
            _row("起付线", s.act_pay_dedc, width),
            _row("基金支付", s.fund_pay_sumamt, width)]
    for d in getattr(s, "details", []) or []:
        if d.fund_pay_type not in ("999996", "310200") and d.fund_payamt:
            out.append(_row(f"  {d.fund_pay_type_name or d.fund_pay_type}", d.fund_payamt, width))
    out += [_row("医院负担", s.hosp_part_amt, width),
            _row("个人负担", s.psn_part_amt, width),
            _row("  个人账户", s.acct_pay, width),
            _row("  个人现金", s.psn_cash_pay, width)]
    if rec is not None:
        out.append(bar)
        for d in stay.deposits:
            if d.kind == "deposit":
                out.append(_row(f"预交金 {d.receipt_no}", d.amount, width))
        out.append(_row("预交金合计(已收)", rec.held, width))
        out.append(_row("个人现金支付", rec.cash_share, width))
        out.append(_row(f"★ {rec.label}", rec.collect or rec.refund, width) if rec.kind != "even" else f"★ {rec.label}")
    return out


# the inpatient bill file ----------------------------------------------------------------------------
@dataclass
class InpatientBill:
    """An inpatient bill file: the outpatient bill format (terminal.core.models.Bill) plus the admission fields
    (bed, adm_diag_dscr), ``stay_days`` and, per item, ``day`` (days after admission the fee arose, from 0)."""

    bill: Any  # terminal.core.models.Bill
    form: AdmissionForm
    days: list[int]
    stay_days: int = 0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> InpatientBill:
        from .models import Bill

        bill = Bill.from_dict({"med_type": "21", **d})  # an inpatient bill is 普通住院 unless it says otherwise
        days = []
        for n, it in enumerate(d["items"], 1):
            try:
                day = int(it.get("day", 0))
            except (TypeError, ValueError):
                raise ValueError(f"第 {n} 条明细的 day 应为整数") from None
            if day < 0:
                raise ValueError(f"第 {n} 条明细的 day 不能为负")
            days.append(day)
        try:
            stay_days = int(d.get("stay_days", max(days, default=0) + 1 if days else 0))
        except (TypeError, ValueError):
            raise ValueError("stay_days 应为整数") from None
        form = AdmissionForm(dept_code=bill.dept_code, dept_name=bill.dept_name, dr_code=bill.dr_code,
                             dr_name=bill.dr_name, bed=str(d.get("bed", "")), dise_codg=bill.dise_codg,
                             dise_name=bill.dise_name, diag_dscr=str(d.get("adm_diag_dscr", "")),
                             med_type=bill.med_type)
        return cls(bill=bill, form=form, days=days, stay_days=stay_days)

    def fee_times(self, begntime: str) -> list[str]:
        """fee_ocur_time per item: admission day + ``day``, at 09:00 (the admission time itself for day 0
        when that is later), never after now."""
        from datetime import timedelta

        b = datetime.strptime(begntime[:19], "%Y-%m-%d %H:%M:%S")
        now = datetime.now()
        out = []
        for day in self.days:
            t = (b + timedelta(days=day)).replace(hour=9, minute=0, second=0)
            t = max(t, b)
            out.append(min(t, max(now, b)).strftime("%Y-%m-%d %H:%M:%S"))
        return out
