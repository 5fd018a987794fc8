"""Sandbox policies as data, and the arithmetic of who pays what. Pure: no I/O besides reading the data files.

Data (terminal/sandbox/data/):
  facilities.json  the sandbox facilities (code, name, admdvs, level, hospital or pharmacy)
  catalogue.json   the treatment place's catalogue per admdvs (class 甲/乙/丙, 乙类 self-pay share, price caps)
  policies.json    the insured place's policy per admdvs and insutype (deductible, ratios, caps, funds)
  persons.json     the sandbox persons and their cards
  filings.json     cross-province treatment filings (异地就医备案), checked at admission (2401) and outpatient
                   registration (2201), answered by 5302 and counted by 2001 (entitlement.py)
  chronic.json     outpatient chronic-disease filings (门诊慢特病备案, 5301 / 2503) and the diseases' names

Cross-province rule: catalogue, classes and price caps come from the place of treatment (the facility's
admdvs = mdtrtarea_admvs); deductible, ratios and caps from the insured place (insuplc_admdvs).

Every amount is a Decimal with two places rounded half-up by :func:`terminal.core.money.money`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Context, Decimal
from pathlib import Path
from typing import Any

from terminal.core.money import ZERO, money
from terminal.core.money import line_amount as money_line_amount
from terminal.core.regions import is_cross_province

WIDE = Context(prec=60)

DATA_DIR = Path(__file__).resolve().parent / "data"
ONE = Decimal("1")

#: setlinfo amount fields, in the order the platform lists them.
SETL_AMOUNTS = (
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc",
    "hifp_pay", "pool_prop_selfpay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay",
    "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "hosp_part_amt", "balc", "acct_mulaid_pay",
)
#: setldetail rows that are not funds (not part of fund_pay_sumamt): personal account, hospital part.
NOT_FUND_TYPES = frozenset({"310200", "999996"})
HOSP_PART_TYPE = "999996"
FUND_FIELDS = ("hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay")
ITEM_AMOUNTS = ("det_item_fee_sumamt", "fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")


class PolicyError(ValueError):
    """A request the policies cannot serve (unknown place, insutype, med_type...). Message in Chinese."""


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def _ratio(value: Any) -> Decimal:
    if isinstance(value, float):
        raise TypeError("float ratio in policy data")
    d = Decimal(str(value))
    if d < 0 or d > 1:
        raise ValueError(f"ratio out of range: {value}")
    return d


def _by_level(value: Any, level: str) -> Any:
    """A policy value that is either scalar or a dict by hospital level ("1"/"2"/"3", "*" default)."""
    if isinstance(value, dict):
        if level in value:
            return value[level]
        if "*" in value:
            return value["*"]
        raise PolicyError(f"政策数据缺少医院等级 {level} 的取值")
    return value


# ------------------------------------------------------------------------------------------------
# per item
@dataclass(frozen=True)
class CatalogueItem:
    med_list_codg: str
    medins_list_codg: str
    name: str
    chrgitm_lv: str
    selfpay_prop: Decimal
    pric_uplmt_amt: Decimal | None
    med_chrgitm_type: str
    list_type: str = ""
    spec: str = ""
    unit: str = ""
    pric: Decimal = ZERO


def classify_item(item: CatalogueItem | None, pric: Decimal, cnt: Decimal, total: Decimal) -> dict[str, Any]:
    """Split one fee line: total = fulamt_ownpay_amt + overlmt_amt + preselfpay_amt + inscp_scp_amt.

    Not in the catalogue or 丙类: all self-paid. Above the price cap: (pric - cap) x cnt is overlmt_amt.
    乙类: selfpay_prop of the rest is preselfpay_amt. The rest is in scope (inscp_scp_amt).
    """
    for what, v, places in (("单价 pric", pric, 6), ("数量 cnt", cnt, 4), ("明细金额 det_item_fee_sumamt", total, 2)):
        if v != v.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN, context=WIDE):
            raise PolicyError(f"费用明细{what} {v} 超过 {places} 位小数（接口精度 16,{places}）")
    total = money(total)
    out = {"det_item_fee_sumamt": total, "fulamt_ownpay_amt": ZERO, "overlmt_amt": ZERO, "preselfpay_amt": ZERO,
           "inscp_scp_amt": ZERO}
    if item is None or item.chrgitm_lv == "03":
        out.update(fulamt_ownpay_amt=total, chrgitm_lv="03", selfpay_prop=Decimal("1.00"),
                   pric_uplmt_amt=item.pric_uplmt_amt if item and item.pric_uplmt_amt is not None else ZERO,
                   med_chrgitm_type=item.med_chrgitm_type if item else "14", in_catalogue=item is not None)
        return out
    over = ZERO
    if item.pric_uplmt_amt is not None and pric > item.pric_uplmt_amt:
        over = min(total, money((pric - item.pric_uplmt_amt) * cnt))
    base = total - over
    pre = money(base * item.selfpay_prop) if item.chrgitm_lv == "02" else ZERO
    out.update(overlmt_amt=over, preselfpay_amt=pre, inscp_scp_amt=money(base - pre), chrgitm_lv=item.chrgitm_lv,
               selfpay_prop=item.selfpay_prop if item.chrgitm_lv == "02" else Decimal("0.00"),
               pric_uplmt_amt=item.pric_uplmt_amt if item.pric_uplmt_amt is not None else ZERO,
               med_chrgitm_type=item.med_chrgitm_type, in_catalogue=True)
    return out


# ------------------------------------------------------------------------------------------------
# per settlement
@dataclass(frozen=True)
class Fund:
    field: str
    fund_pay_type: str
    name: str


@dataclass(frozen=True)
class Rule:
    """The insured place's policy for one insutype, benefit (med_type bucket) and hospital level."""

    insuplc_admdvs: str
    insutype: str
    benefit: str
    deductible: Decimal
    ratio: Decimal
    annual_cap: Decimal | None
    retiree_bonus: Decimal = ZERO
    max_ratio: Decimal = ONE
    cvlserv_ratio: Decimal = ZERO
    big_ratio: Decimal = ZERO
    big_cap: Decimal | None = ZERO
    pool: Fund | None = None
    big: Fund | None = None
    cvlserv: Fund | None = None
    has_account: bool = False

    def effective_ratio(self, retiree: bool) -> Decimal:
        r = self.ratio + (self.retiree_bonus if retiree else ZERO)
        return min(r, self.max_ratio) if r > self.ratio else r


@dataclass
class Usage:
    """Per person, insutype, year and benefit: what has already been used this year."""

    ded_used: Decimal = ZERO
    pool_paid: Decimal = ZERO
    big_paid: Decimal = ZERO


@dataclass
class Breakdown:
    amounts: dict[str, Decimal]
    details: list[dict[str, Any]] = field(default_factory=list)
    usage_delta: Usage = field(default_factory=Usage)


def _room(cap: Decimal | None, used: Decimal) -> Decimal | None:
    if cap is None:
        return None
    return max(ZERO, money(cap - used))


def settle(parts: dict[str, Decimal], rule: Rule, usage: Usage, *, balance: Decimal, use_account: bool,
           retiree: bool, cvlserv_flag: bool, overlmt_hosp_prop: Decimal = ZERO) -> Breakdown:
    """Who pays what for one settlement.

    parts: fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt (sums of the fee lines).
    In-scope spend goes: remaining deductible -> pool pays ratio up to the annual cap -> serious-illness
    fund pays big_ratio of what is above the cap (up to its own cap). cvlserv subsidises the pool co-pay.
    The personal account pays the personal part when allowed, never above the balance.
    overlmt_hosp_prop: the share of overlmt_selfpay the hospital bears (treatment-place inpatient management):
    hosp_part_amt, listed in setldetail as 999996 医院负担 (not a fund: not in fund_pay_sumamt).
    """
    f = money(parts.get("fulamt_ownpay_amt"))
    o = money(parts.get("overlmt_selfpay"))
    p = money(parts.get("preselfpay_amt"))
    i = money(parts.get("inscp_scp_amt"))
    for name, v in (("fulamt_ownpay_amt", f), ("overlmt_selfpay", o), ("preselfpay_amt", p), ("inscp_scp_amt", i)):
        if v < 0:
            raise PolicyError(f"{name} 不能为负 ({v})")
    medfee = f + o + p + i

    ded_left = max(ZERO, money(rule.deductible - usage.ded_used))
    dedc = min(i, ded_left)
    above = i - dedc
    r = rule.effective_ratio(retiree)
    room = _room(rule.annual_cap, usage.pool_paid)
    if r <= 0 or above == 0:
        hifp, pool_self, over_cap = ZERO, above, ZERO
    else:
        want = money(above * r)
        if room is None or want <= room:
            hifp, pool_self, over_cap = want, above - want, ZERO
        else:
            hifp = room
            base = min(above, max(hifp, money(room / r)))  # the in-scope amount the pool covered, co-pay incl.
            pool_self = base - hifp
            over_cap = above - base

    big = ZERO
    if over_cap > 0 and rule.big is not None and rule.big_ratio > 0:
        big = money(over_cap * rule.big_ratio)
        big_room = _room(rule.big_cap, usage.big_paid)
        if big_room is not None:
            big = min(big, big_room)
    cvl = ZERO
    if cvlserv_flag and rule.cvlserv is not None and rule.cvlserv_ratio > 0 and pool_self > 0:
        cvl = money(pool_self * rule.cvlserv_ratio)

    a: dict[str, Decimal] = {k: ZERO for k in SETL_AMOUNTS}
    a.update(medfee_sumamt=medfee, fulamt_ownpay_amt=f, overlmt_selfpay=o, preselfpay_amt=p, inscp_scp_amt=i,
             act_pay_dedc=dedc, pool_prop_selfpay=pool_self)
    details: list[dict[str, Any]] = []

    def pay(fund: Fund | None, amount: Decimal, info: str) -> None:
        if fund is None:
            return
        a[fund.field] = a[fund.field] + amount
        if amount > 0 or fund is rule.pool:
            details.append({"fund_pay_type": fund.fund_pay_type, "fund_pay_type_name": fund.name,
                            "inscp_scp_amt": i, "fund_payamt": amount, "setl_proc_info": info})

    pay(rule.pool, hifp, f"起付线{money(rule.deductible)}(本次{dedc}) 支付比例{r:.2f}")
    pay(rule.cvlserv, cvl, f"补助比例{rule.cvlserv_ratio:.2f}")
    pay(rule.big, big, f"封顶线以上 支付比例{rule.big_ratio:.2f}")

    fund = money(sum((a[k] for k in FUND_FIELDS), ZERO))
    a["fund_pay_sumamt"] = fund
    hosp = min(o, money(o * overlmt_hosp_prop)) if overlmt_hosp_prop > 0 else ZERO
    a["hosp_part_amt"] = hosp
    if hosp > 0:
        details.append({"fund_pay_type": HOSP_PART_TYPE, "fund_pay_type_name": "医院负担", "inscp_scp_amt": ZERO,
                        "fund_payamt": hosp, "setl_proc_info": f"超限价部分医院承担比例{overlmt_hosp_prop:.2f}"})
    psn = medfee - fund - a["hosp_part_amt"]
    a["psn_part_amt"] = psn
    acct = min(psn, max(ZERO, money(balance))) if use_account and rule.has_account else ZERO
    a["acct_pay"] = acct
    a["psn_cash_pay"] = psn - acct
    a["balc"] = money(balance) - acct
    return Breakdown(amounts=a, details=details, usage_delta=Usage(ded_used=dedc, pool_paid=hifp, big_paid=big))


def identity_errors(a: dict[str, Decimal], details: list[dict[str, Any]] | None = None) -> list[str]:
    """The protocol's identities (the same checks the terminal makes); empty when everything adds up."""
    errs = []

    def g(k: str) -> Decimal:
        return a.get(k, ZERO)

    if g("medfee_sumamt") != g("fulamt_ownpay_amt") + g("overlmt_selfpay") + g("preselfpay_amt") + g("inscp_scp_amt"):
        errs.append("medfee_sumamt")
    if g("fund_pay_sumamt") != sum((g(k) for k in FUND_FIELDS), ZERO):
        errs.append("fund_pay_sumamt")
    if g("psn_part_amt") != g("medfee_sumamt") - g("fund_pay_sumamt") - g("hosp_part_amt"):
        errs.append("psn_part_amt")
    if g("psn_part_amt") != g("acct_pay") + g("psn_cash_pay"):
        errs.append("acct_pay + psn_cash_pay")
    if details is not None and sum((d["fund_payamt"] for d in details if d["fund_pay_type"] not in NOT_FUND_TYPES),
                                   ZERO) != g("fund_pay_sumamt"):
        errs.append("setldetail")
    return errs


# ------------------------------------------------------------------------------------------------
# the data
class Policies:
    """All sandbox data files, loaded once."""

    def __init__(self, data_dir: str | Path | None = None):
        d = Path(data_dir) if data_dir else DATA_DIR
        self.data_dir = d
        self.facilities: dict[str, dict[str, Any]] = {f["fixmedins_code"]: f for f in
                                                      _load(d / "facilities.json")["facilities"]}
        self.catalogues: dict[str, dict[str, CatalogueItem]] = {}
        for admdvs, cat in _load(d / "catalogue.json")["catalogues"].items():
            items = {}
            for it in cat["items"]:
                ci = CatalogueItem(
                    med_list_codg=it["med_list_codg"], medins_list_codg=it.get("medins_list_codg", ""),
                    name=it["name"], chrgitm_lv=it["chrgitm_lv"], selfpay_prop=_ratio(it.get("selfpay_prop", "0")),
                    pric_uplmt_amt=money(it["pric_uplmt_amt"]) if it.get("pric_uplmt_amt") not in (None, "") else None,
                    med_chrgitm_type=it.get("med_chrgitm_type", "14"), list_type=it.get("list_type", ""),
                    spec=it.get("spec", ""), unit=it.get("unit", ""),
                    pric=to_decimal(it.get("pric"), f"catalogue {admdvs} {it['med_list_codg']} pric"))
                if ci.chrgitm_lv not in ("01", "02", "03"):
                    raise ValueError(f"catalogue {admdvs} {ci.med_list_codg}: chrgitm_lv {ci.chrgitm_lv}")
                items[ci.med_list_codg] = ci
            self.catalogues[admdvs] = items
        pol = _load(d / "policies.json")
        self.med_types: dict[str, dict[str, str]] = pol["med_types"]
        self.facility_med_types: dict[str, list[str]] = pol["facility_med_types"]
        self.clr_way: str = pol.get("clr_way", "1")
        self.retiree_psn_types = frozenset(pol.get("retiree_psn_types", ()))
        self.insutypes: dict[str, dict[str, Any]] = pol["insutypes"]
        self.regions: dict[str, dict[str, Any]] = pol["regions"]
        persons = _load(d / "persons.json")["persons"]
        self.persons: dict[str, dict[str, Any]] = {p["key"]: p for p in persons}
        self.by_psn_no = {p["psn_no"]: p for p in persons}
        self.by_certno = {p["certno"].upper(): p for p in persons}
        self.by_card_no = {p["card"]["card_no"]: p for p in persons if p.get("card")}
        #: treatment-place inpatient management per admdvs (catalogue.json "inpatient")
        self.inpatient_rules: dict[str, dict[str, Any]] = {
            admdvs: dict(cat.get("inpatient") or {})
            for admdvs, cat in _load(d / "catalogue.json")["catalogues"].items()}
        #: cross-province filings (None: no filings file in this data dir, so no filing check)
        fpath = d / "filings.json"
        self.filings: list[dict[str, Any]] | None = (
            [dict(f) for f in _load(fpath)["filings"]] if fpath.exists() else None)
        cpath = d / "chronic.json"
        chronic = _load(cpath) if cpath.exists() else {}
        #: opsp_dise_code -> name of the chronic diseases the sandbox knows; the persons' filings (static part)
        self.chronic_diseases: dict[str, str] = dict(chronic.get("diseases") or {})
        self.chronic_filings: list[dict[str, Any]] = [dict(f) for f in chronic.get("filings") or ()]

    # lookups ----------------------------------------------------------------------------------------
    def catalogue_item(self, admdvs: str, med_list_codg: str) -> CatalogueItem | None:
        return self.catalogues.get(admdvs, {}).get(med_list_codg)

    def benefit_of(self, med_type: str) -> str:
        mt = self.med_types.get(med_type)
        if not mt:
            raise PolicyError(f"医疗类别 med_type {med_type!r} 无效，可用: " + "、".join(
                f"{k} {v['name']}" for k, v in self.med_types.items()))
        return mt["benefit"]

    def clr_type_of(self, med_type: str) -> str:
        return self.med_types[med_type]["clr_type"]

    def rule(self, insuplc_admdvs: str, insutype: str, med_type: str, level: str, dise: str = "") -> Rule:
        """The insured place's rule. For the chronic benefit (med_type 14) ``dise`` (opsp_dise_code) picks that
        disease's own deductible, ratio and cap (benefits.chronic.diseases), and its own yearly usage
        (benefit ``chronic:<code>``)."""
        region = self.regions.get(insuplc_admdvs)
        if region is None:
            raise PolicyError(f"参保地 {insuplc_admdvs} 未开通沙箱待遇政策")
        p = region["insutypes"].get(insutype)
        if p is None:
            raise PolicyError(f"参保地 {insuplc_admdvs} 无险种 {insutype} 的待遇政策")
        benefit = self.benefit_of(med_type)
        b = p["benefits"].get(benefit)
        if b is None:
            raise PolicyError(f"参保地 {insuplc_admdvs} 险种 {insutype} 无 {benefit} 待遇")
        if benefit == "chronic" and dise:
            b = {**{k: v for k, v in b.items() if k != "diseases"}, **((b.get("diseases") or {}).get(dise) or {})}
            benefit = f"chronic:{dise}"
        it = self.insutypes.get(insutype) or {}
        funds = {k: Fund(v["field"], v["fund_pay_type"], v.get("name", "")) for k, v in (it.get("funds") or {}).items()}
        cap = _by_level(b.get("annual_cap"), level)
        big = b.get("big_illness") or {}
        big_cap = big.get("annual_cap")
        return Rule(
            insuplc_admdvs=insuplc_admdvs, insutype=insutype, benefit=benefit,
            deductible=money(_by_level(b.get("deductible", "0"), level)),
            ratio=_ratio(_by_level(b.get("ratio", "0"), level)),
            annual_cap=None if cap is None else money(cap),
            retiree_bonus=_ratio(p.get("retiree_bonus", "0")), max_ratio=_ratio(p.get("max_ratio", "1")),
            cvlserv_ratio=_ratio(p.get("cvlserv_ratio", "0")),
            big_ratio=_ratio(big.get("ratio", "0")) if big else ZERO,
            big_cap=(None if big_cap is None else money(big_cap)) if big else ZERO,
            pool=funds.get("pool"), big=funds.get("big") if big else None, cvlserv=funds.get("cvlserv"),
            has_account=bool(it.get("has_account")),
        )

    def account_allowed(self, insuplc_admdvs: str, mdtrtarea_admvs: str, med_type: str) -> bool:
        """The personal account pays within the province; across provinces only where the insured place allows."""
        if not is_cross_province(insuplc_admdvs, mdtrtarea_admvs):
            return True
        region = self.regions.get(insuplc_admdvs) or {}
        return med_type in (region.get("acct_cross_province_med_types") or ())

    def overlmt_hosp_prop(self, mdtrtarea_admvs: str) -> Decimal:
        """Inpatient: the share of over-cap amounts the hospital bears at this place of treatment."""
        return _ratio((self.inpatient_rules.get(mdtrtarea_admvs) or {}).get("overlmt_hosp_prop", "0"))

    def filing(self, psn_no: str, insutype: str, mdtrtarea_admvs: str, day: str) -> tuple[dict[str, Any] | None, str]:
        """The person's cross-province filing covering this place of treatment on ``day`` (yyyy-mm-dd).

        Returns (filing, "") when filed; otherwise a reason: (None, "none") never filed for this place, or
        (that filing, "expired" / "not_yet") when ``day`` is outside its dates. Always filed when the sandbox
        has no filings data."""
        if self.filings is None:
            return {"filing_no": "", "filing_type": "(沙箱未配置备案数据)"}, ""
        found: dict[str, Any] | None = None
        for f in self.filings:
            if f.get("psn_no") != psn_no or str(f.get("insutype") or insutype) != insutype:
                continue
            area = str(f.get("mdtrtarea_admvs") or "")
            covers = area == mdtrtarea_admvs or (area.endswith("0000") and area[:2] == mdtrtarea_admvs[:2])
            if not covers:
                continue
            if (f.get("begndate") or "") <= day and (not f.get("enddate") or day <= f["enddate"]):
                return f, ""
            found = f
        if found is None:
            return None, "none"
        return found, "expired" if found.get("enddate") and day > found["enddate"] else "not_yet"

    def is_retiree(self, psn_type: str) -> bool:
        return psn_type in self.retiree_psn_types


def to_decimal(value: Any, what: str) -> Decimal:
    """A number from the wire (Decimal, int or numeric string) as an exact Decimal; floats refused."""
    if isinstance(value, bool) or isinstance(value, float) or value is None or value == "":
        raise PolicyError(f"{what} 缺失或不是数值: {value!r}")
    try:
        d = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except Exception:
        raise PolicyError(f"{what} 不是数值: {value!r}") from None
    if not d.is_finite():
        raise PolicyError(f"{what} 不是有限数值: {value!r}")
    return d


def line_amount(pric: Decimal, cnt: Decimal) -> Decimal:
    """The amount of one fee line as the terminal computes it: price x quantity rounded half-up to the cent
    (pric 16,6 x cnt 16,4 without intermediate rounding: 12 x 0.125 = 1.50)."""
    return money_line_amount(pric, cnt)
