"""The pre-flight of an identified person, before anything is uploaded: the entitlement check (2001 人员待遇享受检查,
one row per fund) and the cross-province filing (异地就医备案, from the filing query 5302) for the place of
treatment. Qt-free and I/O-free: services/precheck.py asks the platform and builds a :class:`Precheck`.

Reimbursable when every check that ran says yes: 2001 has a fund the person enjoys (``trt_enjymnt_flag`` 1) and
no row refuses, and, across provinces, a filing covers the place of treatment on the day. The platform's texts
(``trt_chk_rslt``) are kept as sent; the terminal's own texts are Chinese here and translated by the front-end.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .regions import is_cross_province, place_name


class FilingState(str, Enum):
    NOT_NEEDED = "not_needed"  # within the province
    FILED = "filed"  # a filing covers the place of treatment today
    EXPIRED = "expired"
    NOT_YET = "not_yet"
    ELSEWHERE = "elsewhere"  # filed, but for another place of treatment
    MISSING = "missing"  # no filing at all


FILING_TEXT = {
    FilingState.NOT_NEEDED: "省内就医，无需异地备案",
    FilingState.FILED: "已备案",
    FilingState.EXPIRED: "备案已过期",
    FilingState.NOT_YET: "备案尚未生效",
    FilingState.ELSEWHERE: "备案地不是本就医地",
    FilingState.MISSING: "未办理异地就医备案",
}
#: the next step for a missing / expired / elsewhere filing (the patient's, not the cashier's)
FILING_NEXT_STEP = ("请参保人通过国家医保服务平台APP或国家异地就医备案小程序、或参保地医保经办机构办理备案；"
                    "未备案可自费结算（Ctrl+F9）")


def _s(d: dict[str, Any], k: str) -> str:
    v = d.get(k)
    return "" if v is None else str(v).strip()


@dataclass(frozen=True)
class Benefit:
    """One row of 2001's trtinfo: a fund the person does or does not enjoy, and the platform's reason."""

    fund_pay_type: str
    enjoyed: bool
    begndate: str = ""
    enddate: str = ""
    result: str = ""  # trt_chk_rslt, as sent

    @classmethod
    def from_wire(cls, d: dict[str, Any]) -> Benefit:
        flag = _s(d, "trt_enjymnt_flag")
        if flag not in ("0", "1"):
            raise ValueError(f"trt_enjymnt_flag 应为 0 或 1，实际为 {flag!r}")
        return cls(fund_pay_type=_s(d, "fund_pay_type"), enjoyed=flag == "1", begndate=_s(d, "begndate"),
                   enddate=_s(d, "enddate"), result=_s(d, "trt_chk_rslt"))


@dataclass(frozen=True)
class FilingRecord:
    """One cross-province filing of the person (a 5302 psnfixmedin row)."""

    insutype: str
    mdtrtarea_admvs: str
    begndate: str = ""
    enddate: str = ""
    filing_no: str = ""
    filing_type: str = ""

    @classmethod
    def from_wire(cls, d: dict[str, Any]) -> FilingRecord:
        return cls(insutype=_s(d, "insutype"), mdtrtarea_admvs=_s(d, "mdtrtarea_admvs"), begndate=_s(d, "begndate"),
                   enddate=_s(d, "enddate"), filing_no=_s(d, "filing_no"), filing_type=_s(d, "filing_type"))

    def covers(self, area: str) -> bool:
        """The place of treatment itself, or its whole province (xx0000)."""
        a = self.mdtrtarea_admvs
        return a == area or (a.endswith("0000") and a[:2] == area[:2])

    def valid_on(self, day: str) -> bool:
        return (not self.begndate or self.begndate <= day) and (not self.enddate or day <= self.enddate)

    @property
    def place(self) -> str:
        return place_name(self.mdtrtarea_admvs)

    @property
    def period(self) -> str:
        return f"{self.begndate or '…'} 至 {self.enddate or '长期'}"


@dataclass(frozen=True)
class FilingVerdict:
    state: FilingState
    record: FilingRecord | None = None

    @property
    def ok(self) -> bool:
        return self.state in (FilingState.NOT_NEEDED, FilingState.FILED)


def judge_filing(records: list[FilingRecord], *, insutype: str, insuplc: str, area: str, day: str) -> FilingVerdict:
    """The filing for treatment at ``area`` on ``day`` (yyyy-mm-dd) of a person insured at ``insuplc``."""
    if not is_cross_province(insuplc, area):
        return FilingVerdict(FilingState.NOT_NEEDED)
    mine = [r for r in records if not r.insutype or r.insutype == insutype]
    here = [r for r in mine if r.covers(area)]
    for r in here:
        if r.valid_on(day):
            return FilingVerdict(FilingState.FILED, r)
    if here:
        r = here[-1]
        late = bool(r.enddate) and day > r.enddate
        return FilingVerdict(FilingState.EXPIRED if late else FilingState.NOT_YET, r)
    if mine:
        return FilingVerdict(FilingState.ELSEWHERE, mine[-1])
    return FilingVerdict(FilingState.MISSING)


@dataclass
class Precheck:
    """The pre-flight of one person and insurance type at one place of treatment."""

    psn_no: str
    insutype: str
    insuplc_admdvs: str
    mdtrtarea_admvs: str
    #: 2001's rows; None when the entitlement check is off ([checks] entitlement = false)
    benefits: list[Benefit] | None = None
    #: the filing verdict; None when the filing check is off ([checks] filing = false)
    filing: FilingVerdict | None = None
    #: a check that could not run (platform unreachable, refused): its text; the verdict is then unknown
    problems: list[str] = field(default_factory=list)

    @property
    def cross_province(self) -> bool:
        return is_cross_province(self.insuplc_admdvs, self.mdtrtarea_admvs)

    @property
    def reasons(self) -> list[str]:
        """Why not reimbursable: the platform's trt_chk_rslt as sent (once each), then the filing's verdict."""
        out: list[str] = []
        for b in self.benefits or ():
            if not b.enjoyed and b.result and b.result not in out:
                out.append(b.result)
        if self.benefits is not None and not any(b.enjoyed for b in self.benefits) and not out:
            out.append("平台未返回可享受的待遇")
        if self.filing is not None and not self.filing.ok and not any("备案" in r for r in out):
            out.append(self.filing_text)  # unless the platform's own reason already says it
        return out

    @property
    def reimbursable(self) -> bool | None:
        """True: 可报销; False: 不可报销 (``reasons``); None: not known (a check could not run, or none is on)."""
        if self.reasons:
            return False
        if self.problems or (self.benefits is None and self.filing is None):
            return None
        return True

    @property
    def filing_text(self) -> str:
        """The filing line: state, place and dates (Chinese; the front-end translates the fixed words)."""
        f = self.filing
        if f is None:
            return ""
        words = FILING_TEXT[f.state]
        r = f.record
        if r is None:
            if f.state is FilingState.MISSING:
                return f"{words}（就医地 {place_name(self.mdtrtarea_admvs)}）"
            return words
        return f"{words}：{r.place} {r.period}" + (f"（{r.filing_no}）" if r.filing_no else "")

    def summary(self) -> str:
        """One line: 可报销 / 不可报销：reasons / 待遇未核实：problem."""
        ok = self.reimbursable
        if ok is True:
            return "可报销" + (f"；{self.filing_text}" if self.filing is not None and self.cross_province else "")
        if ok is False:
            return "不可报销：" + "；".join(self.reasons)
        return "待遇未核实：" + "；".join(self.problems or ["未启用待遇检查"])

    def to_json(self) -> dict[str, Any]:
        f = self.filing
        return {
            "psn_no": self.psn_no, "insutype": self.insutype, "insuplc_admdvs": self.insuplc_admdvs,
            "mdtrtarea_admvs": self.mdtrtarea_admvs, "cross_province": self.cross_province,
            "reimbursable": self.reimbursable, "reasons": self.reasons, "problems": list(self.problems),
            "benefits": None if self.benefits is None else [
                {"fund_pay_type": b.fund_pay_type, "trt_enjymnt_flag": "1" if b.enjoyed else "0",
                 "begndate": b.begndate, "enddate": b.enddate, "trt_chk_rslt": b.result} for b in self.benefits],
            "filing": None if f is None else {
                "state": f.state.value, "text": self.filing_text,
                "mdtrtarea_admvs": f.record.mdtrtarea_admvs if f.record else "",
                "begndate": f.record.begndate if f.record else "", "enddate": f.record.enddate if f.record else "",
                "filing_no": f.record.filing_no if f.record else "",
                "filing_type": f.record.filing_type if f.record else ""},
        }
