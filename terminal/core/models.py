"""Domain models: person, insurance, card, bill, fee item, settlement. Pure data, no I/O."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from .money import (DEFAULT_LIMITS, MAX_AMOUNT, MISSING, ZERO, AnswerAmountError, FieldError, Limits, answer_amount,
                    line_amount, msum, parse_price, parse_quantity)
from .chronic import bill_fields
from .privacy import mask_card, mask_id, mask_name, mask_token
from .regions import is_cross_province

INSUTYPE_NAMES = {
    "310": "职工基本医疗保险", "320": "公务员医疗补助", "330": "大额医疗费用补助", "340": "离休人员医疗保障",
    "390": "城乡居民基本医疗保险", "392": "城乡居民大病医疗保险", "510": "生育保险",
}
INSU_STATUS = {"1": "正常参保", "2": "暂停参保", "4": "终止参保", "0": "未参保"}
CERT_TYPES = {"01": "医保电子凭证", "02": "居民身份证", "03": "社会保障卡"}
MED_TYPES = {"11": "普通门诊", "12": "门诊挂号", "13": "急诊", "14": "门诊慢特病", "21": "普通住院",
             "41": "定点药店购药"}


class CertType:
    ECODE = "01"
    ID_CARD = "02"
    SS_CARD = "03"


@dataclass(frozen=True)
class Credential:
    """How the patient identified: mdtrt_cert_type and mdtrt_cert_no (+ card_sn for cards)."""

    cert_type: str
    cert_no: str
    card_sn: str = ""
    # For e-codes: the insured region and person fields the e-voucher service returned.
    ec_id_no: str = ""
    ec_name: str = ""

    def __post_init__(self) -> None:
        if self.cert_type not in CERT_TYPES:
            raise ValueError(f"unknown mdtrt_cert_type {self.cert_type!r} (01 e-code, 02 ID number, 03 card)")
        if not self.cert_no:
            raise ValueError("credential number is empty")
        if self.cert_type == CertType.SS_CARD and not self.card_sn:
            raise ValueError("a social security card credential needs card_sn (card identification code)")

    def masked(self) -> str:
        if self.cert_type == CertType.ID_CARD:
            return mask_id(self.cert_no)
        if self.cert_type == CertType.SS_CARD:
            return mask_card(self.cert_no)
        return mask_token(self.cert_no)

    def __repr__(self) -> str:  # never leak the number into logs through repr
        return f"Credential({self.cert_type}, {self.masked()})"


@dataclass
class Insurance:
    insutype: str
    balc: Decimal = ZERO
    psn_type: str = ""
    psn_insu_stas: str = "1"
    psn_insu_date: str = ""
    paus_insu_date: str = ""
    cvlserv_flag: str = "0"
    insuplc_admdvs: str = ""
    emp_name: str = ""

    @property
    def name(self) -> str:
        return INSUTYPE_NAMES.get(self.insutype, self.insutype)

    @property
    def active(self) -> bool:
        return self.psn_insu_stas == "1"

    @property
    def status_name(self) -> str:
        return INSU_STATUS.get(self.psn_insu_stas, self.psn_insu_stas)

    @classmethod
    def from_wire(cls, d: dict[str, Any]) -> Insurance:
        return cls(
            insutype=str(d.get("insutype") or ""),
            balc=answer_amount(d.get("balc"), "insuinfo.balc"),
            psn_type=str(d.get("psn_type") or ""),
            psn_insu_stas=str(d.get("psn_insu_stas") or "1"),
            psn_insu_date=str(d.get("psn_insu_date") or ""),
            paus_insu_date=str(d.get("paus_insu_date") or ""),
            cvlserv_flag=str(d.get("cvlserv_flag") or "0"),
            insuplc_admdvs=str(d.get("insuplc_admdvs") or ""),
            emp_name=str(d.get("emp_name") or ""),
        )


@dataclass
class Person:
    psn_no: str
    psn_name: str
    certno: str = ""
    psn_cert_type: str = "01"
    gend: str = ""
    naty: str = ""
    brdy: str = ""
    age: str = ""
    insurances: list[Insurance] = field(default_factory=list)
    #: the platform's warn_msg on the 1101 answer, '' when none
    warn_msg: str = ""

    @property
    def masked_certno(self) -> str:
        return mask_id(self.certno)

    @property
    def masked_name(self) -> str:
        return mask_name(self.psn_name)

    @property
    def gender_name(self) -> str:
        return {"1": "男", "2": "女"}.get(self.gend, "")

    def insurance(self, insutype: str | None = None) -> Insurance:
        """The chosen insurance; without a choice, the only active one (error if ambiguous or none)."""
        if insutype:
            for ins in self.insurances:
                if ins.insutype == insutype:
                    return ins
            raise LookupError(f"参保人没有险种 {insutype}")
        active = [i for i in self.insurances if i.active]
        if not active:
            if len(self.insurances) == 1:
                return self.insurances[0]  # the caller reports its status (e.g. suspended)
            raise LookupError("参保人没有正常参保的险种")
        if len(active) > 1:
            raise LookupError("参保人有多个险种，请选择: " + ", ".join(f"{i.insutype} {i.name}" for i in active))
        return active[0]

    def is_cross_province(self, treatment_admdvs: str, insutype: str | None = None) -> bool:
        ins: Insurance | None
        try:
            ins = self.insurance(insutype)
        except LookupError:
            ins = self.insurances[0] if self.insurances else None
        return bool(ins and is_cross_province(ins.insuplc_admdvs, treatment_admdvs))

    @classmethod
    def from_wire(cls, output: dict[str, Any]) -> Person:
        base = output.get("baseinfo") or {}
        ins = output.get("insuinfo") or []
        if isinstance(ins, dict):
            ins = [ins]
        return cls(
            psn_no=str(base.get("psn_no") or ""),
            psn_name=str(base.get("psn_name") or ""),
            certno=str(base.get("certno") or ""),
            psn_cert_type=str(base.get("psn_cert_type") or "01"),
            gend=str(base.get("gend") or ""),
            naty=str(base.get("naty") or ""),
            brdy=str(base.get("brdy") or ""),
            age=str(base.get("age") or ""),
            insurances=[Insurance.from_wire(i) for i in ins if isinstance(i, dict)],
        )

    def __repr__(self) -> str:
        insutypes = [i.insutype for i in self.insurances]
        return f"Person({self.psn_no}, {self.masked_name}, {self.masked_certno}, {insutypes})"


@dataclass(frozen=True)
class CardData:
    """What a social security card yields (EF05/EF06). Third-generation cards leave holder data empty."""

    card_sn: str
    card_no: str
    version: str = ""
    card_type: str = ""
    issuer: str = ""
    issue_date: str = ""
    expiry_date: str = ""
    ssn: str = ""
    name: str = ""
    sex: str = ""
    nation: str = ""
    birth_date: str = ""
    atr: str = ""

    @property
    def region(self) -> str:
        return self.card_sn[:6]

    @property
    def generation(self) -> int:
        try:
            return int(self.version.split(".")[0]) if self.version else 0
        except ValueError:
            return 0

    def is_expired(self, today: str) -> bool:
        """today as YYYYMMDD."""
        return bool(self.expiry_date) and self.expiry_date < today

    def credential(self) -> Credential:
        return Credential(CertType.SS_CARD, self.card_no, card_sn=self.card_sn)

    def masked(self) -> dict[str, str]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["card_sn"] = mask_card(self.card_sn)
        d["card_no"] = mask_card(self.card_no)
        d["ssn"] = mask_id(self.ssn)
        d["name"] = mask_name(self.name)
        d["region"] = self.region
        return d

    def as_dict(self) -> dict[str, str]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["region"] = self.region
        return d

    def __repr__(self) -> str:
        return f"CardData(region={self.region}, v{self.version}, no={mask_card(self.card_no)})"


@dataclass
class FeeItem:
    """One bill line: hospital code, national code, name, unit price (pric 16,6), quantity (cnt 16,4).

    Price and quantity keep their exact values (0.125 stays 0.125); the line amount is pric x cnt rounded
    half-up to the cent (det_item_fee_sumamt 16,2). Input (bill files, the keyboard) should come through
    :meth:`from_input`, which names the line in its messages and applies the configured caps.
    """

    hosp_code: str
    national_code: str
    name: str
    price: Decimal
    qty: Decimal
    dept_code: str = ""
    dr_code: str = ""
    rxno: str = ""
    spec: str = ""
    unit: str = ""
    #: pharmacy (2102 drug_trac_info, 3505): the 20-digit traceability code of each box sold on this line
    trace_codes: list[str] = field(default_factory=list)
    #: pharmacy: "1" prescription drug (the sale needs rxno), "0" over the counter, "" not a pharmacy line
    rx_flag: str = ""

    def __post_init__(self) -> None:
        self.price = parse_price(self.price, item=self.name)
        self.qty = parse_quantity(self.qty, item=self.name)
        _check_amount_digits(line_amount(self.price, self.qty), None, self.name)

    @property
    def amount(self) -> Decimal:
        return line_amount(self.price, self.qty)

    @classmethod
    def from_input(cls, *, line: int | None = None, limits: Limits | None = DEFAULT_LIMITS, **kw: Any) -> FeeItem:
        """A line typed or read from a file: price and qty parsed strictly (kw without them: 缺少), the line
        named in every message (``第2行 普拉洛芬滴眼液 单价(price)：…``), the line amount against ``limits``
        (None: only the interface's precisions)."""
        name = str(kw.get("name") or "")
        kw["price"] = parse_price(kw.get("price", MISSING), line=line, item=name)
        kw["qty"] = parse_quantity(kw.get("qty", MISSING), line=line, item=name)
        amount = line_amount(kw["price"], kw["qty"])
        _check_amount_digits(amount, line, name)
        if limits is not None:
            limits.check_line(amount, line=line, item=name)
        return cls(**kw)


def _check_amount_digits(amount: Decimal, line: int | None, name: str) -> None:
    if amount > MAX_AMOUNT:
        raise FieldError(f"单价×数量 = {amount:.2f}，超过金额精度 16,2", field="det_item_fee_sumamt", label="金额",
                         line=line, item=name)


@dataclass
class Bill:
    items: list[FeeItem]
    med_type: str = "11"
    dept_code: str = "A03"
    dept_name: str = "内科"
    dr_code: str = "D0001"
    dr_name: str = "王医生"
    dise_codg: str = ""
    dise_name: str = ""
    bill_no: str = ""
    #: 门诊慢特病 (med_type 14): the filed disease the bill is settled as (core/chronic.py)
    opsp_dise_code: str = ""
    opsp_dise_name: str = ""

    @property
    def total(self) -> Decimal:
        return msum(i.amount for i in self.items)

    def check_limits(self, limits: Limits = DEFAULT_LIMITS) -> Bill:
        """Every line and the total against the configured caps (FieldError naming the line)."""
        for n, it in enumerate(self.items, 1):
            limits.check_line(it.amount, line=n, item=it.name)
        limits.check_bill(self.total)
        return self

    @classmethod
    def from_dict(cls, d: dict[str, Any], limits: Limits | None = DEFAULT_LIMITS) -> Bill:
        """Parse the bill file format (see README): {"med_type", "dept_code", ..., "items": [...]}.

        Prices, quantities and caps are checked strictly (ValueError naming the line and field); ``limits`` are
        the configured caps ([bill] in the configuration), None for the interface's precisions only."""
        if not isinstance(d, dict):
            raise ValueError("账单文件应为 JSON 对象")
        raw = d.get("items")
        if not isinstance(raw, list) or not raw:
            raise ValueError("账单没有费用明细 (items)")
        items = []
        for n, it in enumerate(raw, 1):
            if not isinstance(it, dict):
                raise ValueError(f"第 {n} 条明细不是对象")
            missing = [k for k in ("hosp_code", "national_code", "name") if k not in it]
            if missing:
                raise ValueError(f"第 {n} 条明细缺少字段: {', '.join(missing)}")
            items.append(FeeItem.from_input(
                line=n, limits=limits,
                hosp_code=str(it["hosp_code"]), national_code=str(it["national_code"]), name=str(it["name"]),
                price=it.get("price", MISSING), qty=it.get("qty", MISSING),
                dept_code=str(it.get("dept_code", d.get("dept_code", "A03"))),
                dr_code=str(it.get("dr_code", d.get("dr_code", "D0001"))), rxno=str(it.get("rxno", "")),
                spec=str(it.get("spec", "")), unit=str(it.get("unit", "")),
                trace_codes=[str(c) for c in it.get("trace_codes") or []], rx_flag=str(it.get("rx_flag", "")),
            ))
        kw = {k: str(d[k]) for k in ("med_type", "dept_code", "dept_name", "dr_code", "dr_name", "dise_codg",
                                        "dise_name", "bill_no") if k in d}
        bill = cls(items=items, **bill_fields(d, kw))
        if bill.total > MAX_AMOUNT:
            raise FieldError(f"{bill.total:.2f}，超过金额精度 16,2", field="medfee_sumamt", label="账单合计")
        if limits is not None:
            limits.check_bill(bill.total)
        return bill


SETL_AMOUNT_FIELDS = (
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc",
    "hifp_pay", "pool_prop_selfpay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay",
    "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "hosp_part_amt", "balc", "acct_mulaid_pay",
)
SETL_TEXT_FIELDS = ("setl_id", "mdtrt_id", "psn_no", "psn_name", "insutype", "medins_setl_id", "clr_optins",
                    "clr_way", "clr_type", "setl_time", "psn_type", "mdtrt_cert_type", "certno", "gend", "brdy")

#: the shares paid by a fund or the personal account: >= 0 in a settlement (2206/2207/2303/2304), <= 0 in a
#: cancellation (2208/2305, negative by design)
FUND_SHARE_FIELDS = ("hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay",
                     "fund_pay_sumamt", "acct_pay", "acct_mulaid_pay")

FUND_NAMES = {"310100": "统筹基金", "310200": "个人账户", "320100": "公务员医疗补助", "330100": "大额医疗费用补助",
              "390100": "居民基本医疗保险基金", "390200": "城乡居民大病保险", "610100": "医疗救助基金",
              "340100": "离休人员医疗保障基金", "999996": "医院负担"}


@dataclass
class FundDetail:
    fund_pay_type: str
    fund_payamt: Decimal
    fund_pay_type_name: str = ""
    inscp_scp_amt: Decimal = ZERO
    setl_proc_info: str = ""

    @classmethod
    def from_wire(cls, d: dict[str, Any], n: int = 0) -> FundDetail:
        t = str(d.get("fund_pay_type") or "")
        where = f"setldetail[{n}]"
        return cls(fund_pay_type=t, fund_payamt=answer_amount(d.get("fund_payamt"), f"{where}.fund_payamt"),
                   fund_pay_type_name=str(d.get("fund_pay_type_name") or FUND_NAMES.get(t, t)),
                   inscp_scp_amt=answer_amount(d.get("inscp_scp_amt"), f"{where}.inscp_scp_amt"),
                   setl_proc_info=str(d.get("setl_proc_info") or ""))


class IdentityError(ValueError):
    """A settlement breakdown whose amounts do not add up, or a fund share with the wrong sign."""


@dataclass
class Settlement:
    """setlinfo of 2206/2207/2208 with all amounts as Decimal."""

    amounts: dict[str, Decimal]
    info: dict[str, str]
    details: list[FundDetail] = field(default_factory=list)
    preview: bool = False
    #: the platform's warn_msg on the answer that gave this breakdown (2206/2207/2208), '' when none
    warn_msg: str = ""

    def __getattr__(self, name: str) -> Any:
        if name in SETL_AMOUNT_FIELDS:
            return self.amounts.get(name, ZERO)
        if name in SETL_TEXT_FIELDS:
            return self.info.get(name, "")
        raise AttributeError(name)

    @classmethod
    def from_wire(cls, output: dict[str, Any], preview: bool = False) -> Settlement:
        """setlinfo/setldetail of an answer. An amount that is not a 16,2 amount (three decimals, text, a float)
        raises AnswerAmountError (a ValueError), never rounded; an amount the platform left out is 0.00."""
        s = output.get("setlinfo") if isinstance(output, dict) else None
        if not isinstance(s, dict):
            raise ValueError("answer has no setlinfo")
        amounts = {k: answer_amount(s.get(k), k) for k in SETL_AMOUNT_FIELDS}
        info = {k: str(s.get(k) or "") for k in SETL_TEXT_FIELDS}
        det = output.get("setldetail") or []
        if isinstance(det, dict):
            det = [det]
        if not isinstance(det, list):
            raise AnswerAmountError("setldetail", "不是列表")
        return cls(amounts=amounts, info=info,
                   details=[FundDetail.from_wire(d, n) for n, d in enumerate(det) if isinstance(d, dict)],
                   preview=preview)

    def sign_errors(self, cancel: bool = False) -> list[str]:
        """Fund shares with the wrong sign: negative in a settlement, positive in a cancellation."""
        def bad(v: Decimal) -> bool:
            return v > 0 if cancel else v < 0

        what = "撤销应答中为正" if cancel else "为负"
        errs = [f"{k} {self.amounts[k]} {what}" for k in FUND_SHARE_FIELDS if bad(self.amounts.get(k, ZERO))]
        errs += [f"基金明细 {d.fund_pay_type} fund_payamt {d.fund_payamt} {what}" for d in self.details
                 if bad(d.fund_payamt)]
        return errs

    def identity_errors(self) -> list[str]:
        """The identities of the protocol; an empty list when the breakdown adds up to the cent."""
        a = self.amounts
        def g(k: str) -> Decimal:
            return a.get(k, ZERO)

        errs = []
        parts = g("fulamt_ownpay_amt") + g("overlmt_selfpay") + g("preselfpay_amt") + g("inscp_scp_amt")
        if g("medfee_sumamt") != parts:
            errs.append(f"medfee_sumamt {g('medfee_sumamt')} != 全自费+超限价+先行自付+符合范围 {parts}")
        psn = g("medfee_sumamt") - g("fund_pay_sumamt") - g("hosp_part_amt")
        if g("psn_part_amt") != psn:
            errs.append(f"psn_part_amt {g('psn_part_amt')} != 总额-基金-医院负担 {psn}")
        if g("psn_part_amt") != g("acct_pay") + g("psn_cash_pay"):
            errs.append(f"psn_part_amt {g('psn_part_amt')} != 个人账户+现金 {g('acct_pay') + g('psn_cash_pay')}")
        if self.details:
            fund_total = msum(d.fund_payamt for d in self.details if d.fund_pay_type not in ("310200", "999996"))
            if fund_total != g("fund_pay_sumamt"):
                errs.append(f"fund_pay_sumamt {g('fund_pay_sumamt')} != 基金明细合计 {fund_total}")
        return errs

    def check(self, cancel: bool | None = None) -> Settlement:
        """Raise IdentityError when the breakdown does not add up or a fund share has the wrong sign.

        ``cancel``: True for a 2208/2305 answer (amounts negative by design), False for 2206/2207/2303/2304;
        None infers it from the sign of medfee_sumamt (the service always says which it expects)."""
        if cancel is None:
            cancel = self.amounts.get("medfee_sumamt", ZERO) < 0
        errs = self.sign_errors(cancel) + self.identity_errors()
        if errs:
            raise IdentityError("; ".join(errs))
        return self

    def as_dict(self, unmask: bool = False) -> dict[str, Any]:
        info = dict(self.info)
        if not unmask:
            info["certno"] = mask_id(info.get("certno", ""))
            info["psn_name"] = mask_name(info.get("psn_name", ""))
        d: dict[str, Any] = {**info, **{k: f"{v:.2f}" for k, v in self.amounts.items()}}
        d["setldetail"] = [{"fund_pay_type": x.fund_pay_type, "fund_pay_type_name": x.fund_pay_type_name,
                            "fund_payamt": f"{x.fund_payamt:.2f}"} for x in self.details]
        return d


@dataclass
class Visit:
    """One outpatient visit being settled: what the platform gave back at each step."""

    credential: Credential
    person: Person
    insutype: str
    insuplc_admdvs: str
    bill: Bill
    med_type: str = "11"
    mdtrt_id: str = ""
    ipt_otp_no: str = ""
    chrg_bchno: str = ""
    fee_results: list[dict[str, Any]] = field(default_factory=list)
    preview: Settlement | None = None
    settlement: Settlement | None = None
    settle_msgid: str = ""
    acct_used: bool = True
    #: every warn_msg the platform gave during this visit (1101 to 2207), in order, without repeats
    warn_msgs: list[str] = field(default_factory=list)

    def cross_province(self, treatment_admdvs: str) -> bool:
        return is_cross_province(self.insuplc_admdvs, treatment_admdvs)
