"""The settlement receipt's data: what the journal keeps to reprint.

``ReceiptData`` carries the masked name and ID only (never the full numbers), plus what a 2208 cancellation
needs (setl_id, mdtrt_id, psn_no, insured place). What is printed from it is composed in
:mod:`drivers.printer.compose`.
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
    """What a receipt reads from terminal.config.Config."""

    @property
    def facility(self) -> FacilitySettings: ...


@dataclass(slots=True)  # the session journal keeps a day of these (terminal/app/session.py)
class ReceiptLine:
    name: str
    qty: str
    amount: Decimal


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
    funds: list[tuple[str, Decimal]] = field(default_factory=list)
    lines: list[ReceiptLine] = field(default_factory=list)
    cert_type: str = ""
    training: bool = False
    status: str = "settled"  # settled | cancelled
    cancelled_time: str = ""
    reprints: int = 0
    clr_type: str = ""
    clr_optins: str = ""
    #: how the cash share was paid (the tender step fills them) and the change handed back
    tender_lines: list[TenderLine] = field(default_factory=list)
    change: Decimal = ZERO

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
              training: bool, when: datetime | None = None) -> "ReceiptData":
        when = when or datetime.now()
        # interned: the same catalogue names and quantities come back all day, one copy each is enough
        lines = [ReceiptLine(sys.intern(i.name), sys.intern(f"{i.qty}"), i.amount) for i in visit.bill.items]
        funds = [(d.fund_pay_type_name or FUND_NAMES.get(d.fund_pay_type, d.fund_pay_type), d.fund_payamt)
                 for d in settlement.details]
        return cls(
            facility_code=cfg.facility.code, facility_name=cfg.facility.name,
            operator_id=getattr(operator, "id", ""), operator_name=getattr(operator, "name", ""),
            time=(settlement.setl_time or when.strftime("%Y-%m-%d %H:%M:%S")),
            name_masked=mask_name(person.psn_name), certno_masked=mask_id(person.certno), psn_no=person.psn_no,
            insutype=visit.insutype, insuplc=visit.insuplc_admdvs,
            cross_province=visit.cross_province(cfg.facility.admdvs), setl_id=settlement.setl_id,
            clr_type=settlement.clr_type, clr_optins=settlement.clr_optins,
            mdtrt_id=settlement.mdtrt_id or visit.mdtrt_id, msgid=visit.settle_msgid,
            amounts=dict(settlement.amounts), funds=funds, lines=lines, cert_type=visit.credential.cert_type,
            training=training)

    # journal round trip (plain JSON-able dict) --------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["amounts"] = {k: f"{v:.2f}" for k, v in self.amounts.items()}
        d["funds"] = [[n, f"{v:.2f}"] for n, v in self.funds]
        d["lines"] = [[ln.name, ln.qty, f"{ln.amount:.2f}"] for ln in self.lines]
        d["tender_lines"] = [ln.as_dict() for ln in self.tender_lines]
        d["change"] = f"{self.change:.2f}"
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ReceiptData":
        d = dict(d)
        d["amounts"] = {k: money(v) for k, v in (d.get("amounts") or {}).items()}
        d["funds"] = [(n, money(v)) for n, v in d.get("funds") or []]
        d["lines"] = [ReceiptLine(n, q, money(a)) for n, q, a in d.get("lines") or []]
        d["tender_lines"] = [TenderLine(t["method"], money(t["amount"]), money(t["tendered"]),
                                        money(t.get("change") or "0"), t.get("reference") or "")
                             for t in d.get("tender_lines") or []]
        d["change"] = money(d.get("change") or "0")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})
