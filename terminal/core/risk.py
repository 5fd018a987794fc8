"""Fund supervision (基金监管明细审核) as the desk sees it: the violations 3101 (事前) / 3102 (事中) found, and the
cashier's decision on each, which goes back with 3103. No Qt, no I/O (docs/protocol-risk.md).

A warning is continued (dspo_way 1 继续执行, a reason required) or sent back (2 返回修改: the bill goes back to
editing, nothing uploaded or settled).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .money import ZERO, answer_amount

#: trig_scen 触发场景
TRIG_SCEN = {"1": "门诊挂号", "2": "门诊收费登记", "3": "住院登记", "4": "住院收费登记", "5": "住院执行医嘱",
             "6": "门诊结算", "7": "门诊预结算", "8": "住院结算", "9": "住院预结算"}
OUTPATIENT_PRESETTLE, INPATIENT_FEES, INPATIENT_PRESETTLE = "7", "4", "9"
#: sev_deg 严重程度 (as the sandbox codes it; a platform's own text is shown as sent when it sends a name)
SEV_DEG = {"1": "明确违规", "2": "高度可疑", "3": "轻度可疑"}
#: warn_type: 1 事前 (3101), 2 事中 (3102)
BEFORE, DURING = "1", "2"
CONTINUE, GO_BACK = "1", "2"
#: the longest reason the desk takes (the platform's dspo_way_rea is a text field; a long essay helps nobody)
REASON_MAX = 200


@dataclass(frozen=True)
class Violation:
    """One warning of 3101 / 3102 (``result[]``): which rule, how serious, which bill lines (by rx_id)."""

    warn_rslt_id: str  # jr_id
    rule_id: str
    rule_name: str
    text: str  # vola_cont, as sent
    sev_deg: str
    rx_ids: tuple[str, ...] = ()
    amount: Decimal = ZERO  # vola_amt
    evidence: str = ""  # vola_evid
    behaviour: str = ""  # vola_bhvr_type

    @property
    def severity(self) -> str:
        return SEV_DEG.get(self.sev_deg, self.sev_deg)

    @classmethod
    def from_wire(cls, r: dict[str, Any]) -> Violation:
        jr_id = str(r.get("jr_id") or "").strip()
        if not jr_id:
            raise ValueError("违规信息缺少违规标识 jr_id")
        details = r.get("judge_result_detail_dtos") or []
        rx = tuple(str(d.get("rx_id") or "") for d in details if isinstance(d, dict) and d.get("rx_id"))
        return cls(warn_rslt_id=jr_id, rule_id=str(r.get("rule_id") or ""), rule_name=str(r.get("rule_name") or ""),
                   text=str(r.get("vola_cont") or ""), sev_deg=str(r.get("sev_deg") or ""), rx_ids=rx,
                   amount=answer_amount(r.get("vola_amt"), "vola_amt"),
                   evidence=str(r.get("vola_evid") or ""), behaviour=str(r.get("vola_bhvr_type") or ""))


@dataclass(frozen=True)
class Decision:
    """The cashier's choice on one warning (3103 warns[])."""

    warn_rslt_id: str
    dspo_way: str  # 1 continue, 2 go back and change
    dspo_way_rea: str = ""

    def __post_init__(self) -> None:
        if self.dspo_way not in (CONTINUE, GO_BACK):
            raise ValueError(f"处理方式 dspo_way 应为 1 或 2，实际为 {self.dspo_way!r}")
        if self.dspo_way == CONTINUE and not self.dspo_way_rea.strip():
            raise ValueError("继续执行须填写处理原因 (dspo_way_rea)")
        if len(self.dspo_way_rea) > REASON_MAX:
            raise ValueError(f"处理原因 (dspo_way_rea) 不能超过 {REASON_MAX} 字")

    @classmethod
    def go_on(cls, warn_rslt_id: str, reason: str) -> Decision:
        return cls(warn_rslt_id, CONTINUE, reason.strip())

    @classmethod
    def go_back(cls, warn_rslt_id: str, reason: str = "") -> Decision:
        return cls(warn_rslt_id, GO_BACK, reason.strip())

    def wire(self) -> dict[str, str]:
        return {"warn_rslt_id": self.warn_rslt_id, "dspo_way": self.dspo_way, "dspo_way_rea": self.dspo_way_rea}


@dataclass
class RiskReview:
    """The warnings of one analysis, and the decisions taken on them so far."""

    warn_type: str  # BEFORE (3101) | DURING (3102)
    trig_scen: str
    violations: list[Violation]
    #: rx_id -> (line number, name) of the bill analysed, for showing each warning on its line
    lines: dict[str, tuple[int, str]] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)

    @property
    def infno(self) -> str:
        return "3101" if self.warn_type == BEFORE else "3102"

    def decide(self, decisions: list[Decision]) -> None:
        """Every warning decided exactly once (ValueError otherwise)."""
        ids = [v.warn_rslt_id for v in self.violations]
        got = {d.warn_rslt_id: d for d in decisions}
        if len(got) != len(decisions) or set(got) != set(ids):
            raise ValueError("每条违规提醒须且只须选择一次处理方式")
        self.decisions = got

    @property
    def decided(self) -> bool:
        return bool(self.decisions) and len(self.decisions) == len(self.violations)

    @property
    def goes_back(self) -> bool:
        """Some warning was sent back: the bill returns to editing."""
        return any(d.dspo_way == GO_BACK for d in self.decisions.values())

    def feedback(self) -> dict[str, Any]:
        """3103's data node."""
        return {"warn_type": self.warn_type,
                "warns": [self.decisions[v.warn_rslt_id].wire() for v in self.violations]}

    def where(self, v: Violation) -> str:
        """The bill lines a warning is about: '第2行 奥美拉唑肠溶胶囊'."""
        parts = [f"第{self.lines[rx][0]}行 {self.lines[rx][1]}" for rx in v.rx_ids if rx in self.lines]
        return "；".join(dict.fromkeys(parts))


@dataclass(frozen=True)
class OrderLine:
    """A bill line as the analysis sees it (fsi_order_dtos[]): rx_id names it in the answer."""

    rx_id: str
    hilist_code: str  # 医保目录编码
    hosplist_code: str  # 医院目录编码
    name: str
    cnt: Decimal
    pric: Decimal
    sumamt: Decimal
    rxno: str = ""
    dr_code: str = ""
    dept_code: str = ""

    def wire(self) -> dict[str, Any]:
        return {"rx_id": self.rx_id, "rxno": self.rxno, "hilist_code": self.hilist_code,
                "hilist_name": self.name, "hosplist_code": self.hosplist_code, "hosplist_name": self.name,
                "cnt": self.cnt, "pric": self.pric, "sumamt": self.sumamt, "drord_dr_codg": self.dr_code,
                "drord_dept_codg": self.dept_code, "long_drord_flag": "0", "sin_dos_dscr": "", "used_frqu_dscr": "",
                "prd_days": "", "medc_way_dscr": "", "ownpay_amt": ZERO, "selfpay_amt": ZERO}


def order_lines(items: list[Any], encounter_id: str, *, dr_code: str = "", dept_code: str = "") -> list[OrderLine]:
    """The fee items of a bill (core.models.FeeItem or anything with its fields) as order lines, numbered from 1:
    rx_id ``<encounter>-<n>`` so an answer's rx_id finds its line."""
    return [OrderLine(rx_id=f"{encounter_id}-{n:03d}", hilist_code=i.national_code, hosplist_code=i.hosp_code,
                      name=i.name, cnt=i.qty, pric=i.price, sumamt=i.amount, rxno=i.rxno or "",
                      dr_code=i.dr_code or dr_code, dept_code=i.dept_code or dept_code)
            for n, i in enumerate(items, 1)]
