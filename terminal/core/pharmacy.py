"""The pharmacy counter's sale, Qt-free: the catalogue (EAN-13 to a drug), the sale's lines, the drug traceability
codes (药品追溯码) and the prescription number, and the bill the desk settles (2101 / 2102, med_type 41).

    cat = PharmacyCatalogue.from_dict(json.load(open("terminal/sandbox/data/pharmacy.json")))
    sale = Sale(cat)
    line = sale.scan("6901234000016")            # a box's barcode: a new line, or one more box on its line
    line = sale.add_trace("81001011234567890123", sold=store.trace_codes.sold_by)  # one box's 20-digit code
    sale.rxno = "RX20261203001"                  # needed when a prescription drug (rx_flag 1) is on the sale
    sale.problems()                              # what still keeps the sale from 2101, each naming its line
    bill = sale.bill()                           # raises SaleIncomplete(problems) unless complete

Rules (the platform's, checked here first so the cashier hears them before anything is sent):

* a traceability code is exactly 20 digits (:func:`check_trace_code`); one code per box; a code appears once
  in a sale (:class:`TraceCodeError` names the line that already has it), and is refused when this terminal
  already sold it (``sold`` callback: the store's record, released again by a cancellation 2103);
* a code goes to the line of its drug: by the drug's 7-digit product prefix (``trace_prefix``) when the catalogue
  has one, else to the last scanned line that still needs codes;
* a line of a drug with ``trace_required`` needs as many codes as boxes; a prescription drug needs the sale's
  ``rxno``; both are refused naming the line (``第2行 阿莫西林胶囊 …``).

The bill carries everything the service sends: per line :class:`~terminal.core.models.FeeItem` with
``trace_codes`` (the drug_trac_info of 2102 and the 3505 upload), ``rx_flag`` and ``rxno``.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import UserFacingError
from .models import Bill, FeeItem
from .money import parse_price

PHARMACY_MED_TYPE = "41"  # 定点药店购药
TRACE_DIGITS = 20
TRACE_PREFIX_DIGITS = 7
_TRACE = re.compile(r"\d{20}")
_EAN13 = re.compile(r"\d{13}")

__all__ = ["PHARMACY_MED_TYPE", "TRACE_DIGITS", "Drug", "PharmacyCatalogue", "SaleLine", "Sale", "TraceCodeError",
           "UnknownBarcode", "SaleIncomplete", "check_trace_code", "check_ean13", "looks_like_trace_code"]


class TraceCodeError(UserFacingError, ValueError):
    """A traceability code refused: not 20 digits, repeated within the sale, already sold here, for no drug of the
    sale, or more codes than boxes. ``line`` is the 1-based line it concerns (0 when none)."""

    step_zh = "请扫描药盒上的 20 位药品追溯码"
    step_en = "scan the 20-digit traceability code on the box"

    def __init__(self, message: str, *, code: str = "", line: int = 0, message_en: str = ""):
        self.code, self.line = code, line
        super().__init__(message, message_en=message_en)


class UnknownBarcode(UserFacingError, LookupError):
    """A scanned barcode that is no EAN-13 or no drug of the catalogue."""

    step_zh = "请核对条码，或按药店自编码录入"
    step_en = "check the barcode or enter the pharmacy's own code"


class SaleIncomplete(UserFacingError, ValueError):
    """The sale cannot go to the platform yet: ``problems`` lists why, each naming its line."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("；".join(problems), message_en="; ".join(problems))


def check_ean13(ean: str) -> str:
    """The 13-digit barcode with a valid check digit, stripped; ValueError otherwise."""
    e = (ean or "").strip()
    if not _EAN13.fullmatch(e):
        raise ValueError(f"条码应为 13 位数字（EAN-13）：{e[:20]!r}")
    s = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(e[:12]))
    if (10 - s % 10) % 10 != int(e[12]):
        raise ValueError(f"条码 {e} 校验位错误")
    return e


def looks_like_trace_code(text: str) -> bool:
    """True for 20 digits: a scan the counter takes as a traceability code rather than a barcode (13 digits)."""
    return bool(_TRACE.fullmatch((text or "").strip()))


def check_trace_code(code: str, *, line: int = 0, item: str = "") -> str:
    """The code stripped when it is 20 digits; TraceCodeError naming the line otherwise."""
    c = (code or "").strip()
    if not _TRACE.fullmatch(c):
        where = " ".join(x for x in (f"第{line}行" if line else "", item) if x)
        got = f"{len(c)} 位" if c.isdigit() else "含非数字字符"
        raise TraceCodeError(f"{where + ' ' if where else ''}药品追溯码应为 20 位数字（实际 {got}：{c[:24]}）",
                             code=c, line=line,
                             message_en=f"a traceability code is 20 digits (got {len(c)} characters)")
    return c


@dataclass(frozen=True)
class Drug:
    """One catalogue entry of the pharmacy (terminal/sandbox/data/pharmacy.json ``catalogue``)."""

    ean: str
    hilist_code: str  # 国家医保目录编码 (med_list_codg)
    code: str  # 药店自编码 (medins_list_codg)
    name: str
    spec: str
    unit: str
    price: Decimal  # pric 16,6
    rx: bool  # 处方药: the sale needs rxno
    trace_required: bool  # one traceability code per box
    trace_prefix: str = ""  # the 7-digit product prefix of its codes ('' unknown)

    @property
    def rx_flag(self) -> str:
        return "1" if self.rx else "0"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Drug:
        name = str(d.get("name") or "")
        return cls(ean=check_ean13(str(d.get("ean") or "")), hilist_code=str(d["hilist_code"]),
                   code=str(d.get("medins_list_codg") or d.get("code") or ""), name=name,
                   spec=str(d.get("spec") or ""), unit=str(d.get("unit") or ""),
                   price=parse_price(d.get("price"), item=name), rx=str(d.get("rx_flag") or "0") == "1",
                   trace_required=bool(d.get("trace_required")), trace_prefix=str(d.get("trace_prefix") or ""))


@dataclass
class PharmacyCatalogue:
    drugs: list[Drug]
    rx_needs_rxno: bool = True

    def __post_init__(self) -> None:
        self._by_ean = {d.ean: d for d in self.drugs}
        self._by_code = {d.code: d for d in self.drugs if d.code}
        self._by_hilist = {d.hilist_code: d for d in self.drugs}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PharmacyCatalogue:
        """The pharmacy.json format: {"policy": {...}, "catalogue": [{ean, hilist_code, medins_list_codg, ...}]}."""
        pol = data.get("policy") or {}
        return cls([Drug.from_dict(d) for d in data.get("catalogue") or []],
                   rx_needs_rxno=bool(pol.get("rx_needs_rxno", True)))

    def by_ean(self, ean: str) -> Drug:
        """The drug of a scanned barcode (or of the pharmacy's own code, typed); UnknownBarcode otherwise."""
        e = (ean or "").strip()
        d = self._by_ean.get(e) or self._by_code.get(e)
        if d is None:
            raise UnknownBarcode(f"条码 {e[:24]} 不在本药店商品目录中", message_en=f"barcode {e[:24]} is not in the "
                                 "pharmacy's catalogue")
        return d

    def by_hilist(self, hilist_code: str) -> Drug | None:
        return self._by_hilist.get(hilist_code)

    def by_trace(self, code: str) -> Drug | None:
        """The drug whose product prefix the code starts with (None when no drug has a matching prefix)."""
        for d in self.drugs:
            if d.trace_prefix and code.startswith(d.trace_prefix):
                return d
        return None


@dataclass
class SaleLine:
    drug: Drug
    qty: int = 1  # boxes
    trace_codes: list[str] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return self.fee_item().amount

    @property
    def codes_missing(self) -> int:
        """Codes still to scan for this line (0 when the drug needs none)."""
        return max(0, self.qty - len(self.trace_codes)) if self.drug.trace_required else 0

    def fee_item(self, rxno: str = "") -> FeeItem:
        d = self.drug
        return FeeItem(hosp_code=d.code, national_code=d.hilist_code, name=d.name, price=d.price,
                       qty=Decimal(self.qty), rxno=rxno if d.rx else "", spec=d.spec, unit=d.unit,
                       trace_codes=list(self.trace_codes), rx_flag=d.rx_flag)


@dataclass
class Sale:
    """The counter's sale being built. Every method is local (no I/O); ``sold`` callbacks reach the store."""

    catalogue: PharmacyCatalogue
    lines: list[SaleLine] = field(default_factory=list)
    rxno: str = ""
    #: the pharmacy's sale number (its 3505 rtal_docno and the bill_no the duplicate guard reads); '' new
    sale_no: str = ""
    last: int = 0  # 1-based index of the last scanned line (0 none)

    def scan(self, ean: str) -> SaleLine:
        """A box's barcode: one more box on the drug's line, or a new line. UnknownBarcode when not sold here."""
        drug = self.catalogue.by_ean(ean)
        for n, ln in enumerate(self.lines, 1):
            if ln.drug.ean == drug.ean:
                ln.qty += 1
                self.last = n
                return ln
        self.lines.append(SaleLine(drug))
        self.last = len(self.lines)
        return self.lines[-1]

    def set_qty(self, line: int, qty: int) -> SaleLine:
        """Set a line's boxes (1-based line); codes beyond the new count are dropped from its end."""
        ln = self.lines[line - 1]
        if qty < 1:
            raise ValueError(f"第{line}行 {ln.drug.name} 数量须至少 1 {ln.drug.unit}")
        ln.qty = qty
        del ln.trace_codes[qty:]
        return ln

    def remove(self, line: int) -> SaleLine:
        ln = self.lines.pop(line - 1)
        self.last = min(self.last, len(self.lines))
        return ln

    def line_of_code(self, code: str) -> int:
        """1-based line holding ``code`` (0 none)."""
        for n, ln in enumerate(self.lines, 1):
            if code in ln.trace_codes:
                return n
        return 0

    def add_trace(self, code: str, *, sold: Callable[[str], str] | None = None) -> SaleLine:
        """One box's traceability code, checked and put on its line.

        Refused (TraceCodeError) when not 20 digits, already on a line of this sale (naming it), already sold by
        this terminal (``sold(code)`` returns a description of that sale, '' when not sold), for no drug of the
        sale (its product prefix), or when its line already has a code for every box."""
        c = check_trace_code(code)
        have = self.line_of_code(c)
        if have:
            ln = self.lines[have - 1]
            raise TraceCodeError(f"第{have}行 {ln.drug.name} 追溯码 {c} 在本单中重复（每盒一个追溯码）", code=c,
                                 line=have, message_en=f"line {have} {ln.drug.name}: traceability code {c} "
                                 "repeated in this sale (one code per box)")
        if sold is not None:
            earlier = sold(c)
            if earlier:
                raise TraceCodeError(f"追溯码 {c} 已由本终端售出（{earlier}），不能重复销售", code=c,
                                     message_en=f"traceability code {c} was already sold by this terminal "
                                     f"({earlier})")
        n = self._line_for(c)
        ln = self.lines[n - 1]
        ln.trace_codes.append(c)
        return ln

    def remove_trace(self, code: str) -> SaleLine | None:
        n = self.line_of_code(code.strip())
        if not n:
            return None
        ln = self.lines[n - 1]
        ln.trace_codes.remove(code.strip())
        return ln

    def _line_for(self, code: str) -> int:
        drug = self.catalogue.by_trace(code)
        needing = [n for n, ln in enumerate(self.lines, 1) if ln.drug.trace_required]
        if drug is not None:
            mine = [n for n in needing if self.lines[n - 1].drug.ean == drug.ean]
            if not mine:
                raise TraceCodeError(f"追溯码 {code} 属于 {drug.name}，本单没有该药品", code=code,
                                     message_en=f"traceability code {code} is of {drug.name}, not on this sale")
            candidates = mine
        else:
            candidates = [n for n in needing if not self.lines[n - 1].drug.trace_prefix]
            if not candidates:
                raise TraceCodeError(f"追溯码 {code} 不属于本单任何需追溯码的药品", code=code,
                                     message_en=f"traceability code {code} belongs to no drug of this sale")
        open_ = [n for n in candidates if self.lines[n - 1].codes_missing > 0]
        if not open_:
            n = candidates[0]
            ln = self.lines[n - 1]
            raise TraceCodeError(f"第{n}行 {ln.drug.name} 共 {ln.qty}{ln.drug.unit}，追溯码已扫满（多扫了一盒？）",
                                 code=code, line=n, message_en=f"line {n} {ln.drug.name}: every box has its code")
        return self.last if self.last in open_ else open_[0]

    # what keeps the sale from the platform ------------------------------------------------------
    @property
    def needs_rxno(self) -> bool:
        return self.catalogue.rx_needs_rxno and any(ln.drug.rx for ln in self.lines)

    @property
    def codes_missing(self) -> int:
        return sum(ln.codes_missing for ln in self.lines)

    def problems(self) -> list[str]:
        """Why the sale cannot be settled yet, each naming its line ([] when it can)."""
        out = [] if self.lines else ["本单没有药品"]
        for n, ln in enumerate(self.lines, 1):
            if ln.codes_missing:
                out.append(f"第{n}行 {ln.drug.name} 缺少药品追溯码 {ln.codes_missing} 个"
                           f"（{ln.qty}{ln.drug.unit}，已扫 {len(ln.trace_codes)}）")
            if ln.drug.rx and self.catalogue.rx_needs_rxno and not self.rxno.strip():
                out.append(f"第{n}行 {ln.drug.name} 为处方药，须录入处方号(rxno)")
        return out

    @property
    def total(self) -> Decimal:
        return self.bill(check=False).total if self.lines else Decimal("0.00")

    def bill(self, *, check: bool = True) -> Bill:
        """The bill the desk settles (med_type 41, bill_no = sale_no); SaleIncomplete unless complete."""
        if check:
            why = self.problems()
            if why:
                raise SaleIncomplete(why)
        return Bill(items=[ln.fee_item(self.rxno.strip()) for ln in self.lines], med_type=PHARMACY_MED_TYPE,
                    dept_code="", dept_name="药店", dr_code="", dr_name="", bill_no=self.sale_no)
