"""The settlement receipt's data: what the journal keeps to reprint.

``ReceiptData`` carries the masked name and ID only (never the full numbers; the full name only where the
configuration asks for it, [printer] mask_name = false), plus what a 2208 cancellation needs (setl_id, mdtrt_id,
psn_no, insured place). Its amounts are the platform's setlinfo (terminal.core.models.Settlement.amounts), its funds
the setldetail rows; the tender (how the cash share was paid, the change) is filled by the tender step. What is
printed from it is composed in :mod:`drivers.printer.compose`.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from terminal.core.models import FUND_NAMES, INSUTYPE_NAMES, Person, Settlement, Visit
from terminal.core.money import ZERO, money
from terminal.core.privacy import mask_id, mask_name
from terminal.core.tender import TenderLine


class FacilitySettings(Protocol):
    """The [facility] section of terminal.config.Config that a receipt names."""

    code: str
    name: str
    admdvs: str


class ReceiptSettings(Protocol):
    """What a receipt reads from terminal.config.Config (and, when it has one, [printer] mask_name)."""

    @property
    def facility(self) -> FacilitySettings: ...


#: chrgitm_lv of the 2204 answer (收费项目等级) -> the class printed beside the item
ITEM_LEVELS = {"01": "甲", "1": "甲", "02": "乙", "2": "乙", "03": "丙", "3": "丙"}


@dataclass(slots=True)  # the session journal keeps a day of these (terminal/app/session.py)
class ReceiptLine:
    name: str
    qty: str
    amount: Decimal
    level: str = ""  # chrgitm_lv of the 2204 answer: 01 甲 / 02 乙 / 03 丙, '' when the platform did not say
    #: a pharmacy sale's drug: its spec (规格), unit (盒), unit price (pric, as sent) and traceability codes (追溯码)
    spec: str = ""
    unit: str = ""
    price: str = ""
    trace: tuple[str, ...] = ()

    @property
    def level_name(self) -> str:
        return ITEM_LEVELS.get(self.level, self.level)


@dataclass
class ReceiptData:
    facility_code: str
    facility_name: str
    operator_id: str
    operator_name: str
    time: str
    name_masked: str
    certno_masked: str
    psn_no: str
    insutype: str
    insuplc: str
    cross_province: bool
    setl_id: str
    mdtrt_id: str
    msgid: str
    amounts: dict[str, Decimal]
    funds: list[tuple[str, Decimal]] = field(default_factory=list)  # setldetail: (fund name, amount)
    lines: list[ReceiptLine] = field(default_factory=list)
    cert_type: str = ""
    training: bool = False
    status: str = "settled"  # settled | cancelled
    cancelled_time: str = ""
    reprints: int = 0
    clr_type: str = ""
    clr_optins: str = ""
    med_type: str = ""  # 医疗类别 (11 普通门诊 ...)
    psn_type: str = ""  # 人员类别 (the platform's code)
    mdtrt_admdvs: str = ""  # 就医地: the facility's area
    dept_name: str = ""
    diagnosis: str = ""  # "code name" when the bill names one
    chronic_disease: str = ""  # 门诊慢特病 (med_type 14): "opsp_dise_code name" of the filed disease settled as
    #: the full name, only when the configuration prints names unmasked ([printer] mask_name = false); else ''
    name_full: str = ""
    #: how the cash share was paid (the tender step fills them) and the change handed back
    tender_lines: list[TenderLine] = field(default_factory=list)
    change: Decimal = ZERO
    #: setldetail: (fund_pay_type, amount), for the funds the platform left out of setlinfo
    fund_codes: list[tuple[str, Decimal]] = field(default_factory=list)
    #: the facility's kind ([facility] kind): "pharmacy" prints the pharmacy layout (drivers.printer.pharmacy)
    facility_kind: str = "hospital"

    @property
    def name_printed(self) -> str:
        return self.name_full or self.name_masked

    @property
    def cash(self) -> Decimal:
        return self.amounts.get("psn_cash_pay", ZERO)

    def amount(self, key: str) -> Decimal:
        return self.amounts.get(key, ZERO)

    @property
    def insutype_name(self) -> str:
        return INSUTYPE_NAMES.get(self.insutype, self.insutype)

    @property
    def verify_text(self) -> str:
        """What the verification QR carries: settlement id and the amounts that matter."""
        return (f"YBSETL|{self.facility_code}|{self.setl_id}|{self.amount('medfee_sumamt'):.2f}"
                f"|{self.amount('fund_pay_sumamt'):.2f}|{self.cash:.2f}")

    @classmethod
    def build(cls, *, cfg: ReceiptSettings, operator: object, person: Person, visit: Visit, settlement: Settlement,
              training: bool, when: datetime | None = None) -> ReceiptData:
        when = when or datetime.now()
        # interned: the same catalogue names and quantities come back all day, one copy each is enough
        levels = {str(x.get("feedetl_sn")): str(x.get("chrgitm_lv") or "") for x in visit.fee_results
                  if isinstance(x, dict)}
        kind = str(getattr(cfg.facility, "kind", "hospital") or "hospital")
        lines = [ReceiptLine(sys.intern(i.name), sys.intern(f"{i.qty}"), i.amount,
                             levels.get(f"{visit.chrg_bchno}{n:04d}", ""))
                 for n, i in enumerate(visit.bill.items, 1)]
        if kind == "pharmacy":  # the drug's spec, unit, price and the boxes' traceability codes
            for ln, i in zip(lines, visit.bill.items, strict=True):
                ln.spec, ln.unit, ln.price = i.spec, i.unit, f"{i.price}"
                ln.trace = tuple(str(c) for c in getattr(i, "trace_codes", ()) or ())
        funds = [(d.fund_pay_type_name or FUND_NAMES.get(d.fund_pay_type, d.fund_pay_type), d.fund_payamt)
                 for d in settlement.details]
        try:
            psn_type = person.insurance(visit.insutype).psn_type
        except LookupError:
            psn_type = ""
        bill = visit.bill
        diagnosis = " ".join(x for x in (bill.dise_codg, bill.dise_name) if x)
        unmasked = getattr(getattr(cfg, "printer", None), "mask_name", True) is False
        return cls(
            facility_code=cfg.facility.code, facility_name=cfg.facility.name,
            operator_id=getattr(operator, "id", ""), operator_name=getattr(operator, "name", ""),
            time=(settlement.setl_time or when.strftime("%Y-%m-%d %H:%M:%S")),
            name_masked=mask_name(person.psn_name), certno_masked=mask_id(person.certno), psn_no=person.psn_no,
            insutype=visit.insutype, insuplc=visit.insuplc_admdvs,
            cross_province=visit.cross_province(cfg.facility.admdvs), setl_id=settlement.setl_id,
            clr_type=settlement.clr_type, clr_optins=settlement.clr_optins,
            mdtrt_id=settlement.mdtrt_id or visit.mdtrt_id, msgid=visit.settle_msgid,
            amounts=dict(settlement.amounts), funds=funds,
            fund_codes=[(d.fund_pay_type, d.fund_payamt) for d in settlement.details], lines=lines,
            cert_type=visit.credential.cert_type,
            training=training, med_type=visit.med_type or bill.med_type,
            psn_type=settlement.info.get("psn_type") or psn_type, mdtrt_admdvs=cfg.facility.admdvs,
            dept_name=bill.dept_name, diagnosis=diagnosis, name_full=person.psn_name if unmasked else "",
            facility_kind=kind,
            chronic_disease=" ".join(x for x in (bill.opsp_dise_code, bill.opsp_dise_name) if x))

    # journal round trip (plain JSON-able dict) --------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """What the journal keeps: never the full name (a reprint prints it masked)."""
        d = dict(self.__dict__)
        d.pop("name_full", None)
        d["amounts"] = {k: f"{v:.2f}" for k, v in self.amounts.items()}
        d["funds"] = [[n, f"{v:.2f}"] for n, v in self.funds]
        d["fund_codes"] = [[n, f"{v:.2f}"] for n, v in self.fund_codes]
        d["lines"] = [[ln.name, ln.qty, f"{ln.amount:.2f}", ln.level]
                      + ([ln.spec, ln.unit, ln.price, list(ln.trace)] if ln.spec or ln.unit or ln.price or ln.trace
                         else []) for ln in self.lines]
        d["tender_lines"] = [ln.as_dict() for ln in self.tender_lines]
        d["change"] = f"{self.change:.2f}"
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReceiptData:
        d = dict(d)
        d["amounts"] = {k: money(v) for k, v in (d.get("amounts") or {}).items()}
        d["funds"] = [(n, money(v)) for n, v in d.get("funds") or []]
        d["fund_codes"] = [(n, money(v)) for n, v in d.get("fund_codes") or []]
        d["lines"] = [ReceiptLine(x[0], x[1], money(x[2]), *(x[3:4]), *(x[4:7]), *(tuple(x[7]) for _ in x[7:8]))
                      for x in d.get("lines") or []]
        d["tender_lines"] = [TenderLine(t["method"], money(t["amount"]), money(t["tendered"]),
                                        money(t.get("change") or "0"), t.get("reference") or "")
                             for t in d.get("tender_lines") or []]
        d["change"] = money(d.get("change") or "0")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})
