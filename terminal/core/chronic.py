"""Outpatient chronic and special diseases (门诊慢特病, med_type 14): the person's filings (5301 人员慢特病备案查询
``feedetail[{opsp_dise_code, opsp_dise_name, begndate, enddate}]``) and what a bill carries to be settled as one
(med_type 14 with the disease's opsp_dise_code; the 2203 visit info sends it as dise_codg). Pure data, no I/O.

The five diseases settled across provinces since 2021 (national 门诊慢特病 codes, as public lists give them) are
named in ``CROSS_PROVINCE``; the platform's own names are shown as sent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .money import FieldError

MED_TYPE = "14"
CROSS_PROVINCE = {"M03900": "高血压", "M01600": "糖尿病", "M00500": "恶性肿瘤门诊治疗", "M07803": "尿毒症透析",
                  "M08300": "器官移植抗排异治疗"}


@dataclass(frozen=True)
class ChronicFiling:
    """One 人员慢特病备案: the disease (门慢门特病种目录代码 and name) and its dates (enddate '' = open-ended)."""

    code: str
    name: str
    begndate: str = ""
    enddate: str = ""

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}".strip()

    def in_force(self, day: str) -> bool:
        """Filed for ``day`` (yyyy-mm-dd)."""
        return (not self.begndate or self.begndate[:10] <= day) and (not self.enddate or day <= self.enddate[:10])

    def why_not(self, day: str) -> str:
        """'' when in force on ``day``; else the reason, in Chinese (expired / not yet begun)."""
        if self.enddate and day > self.enddate[:10]:
            return f"备案已于 {self.enddate[:10]} 到期"
        if self.begndate and day < self.begndate[:10]:
            return f"备案自 {self.begndate[:10]} 起生效"
        return ""

    @classmethod
    def from_wire(cls, d: dict[str, Any]) -> ChronicFiling:
        code = str(d.get("opsp_dise_code") or "").strip()
        if not code:
            raise ValueError("5301 应答 feedetail 缺少 opsp_dise_code")
        return cls(code=code, name=str(d.get("opsp_dise_name") or "").strip(),
                   begndate=str(d.get("begndate") or "").strip(), enddate=str(d.get("enddate") or "").strip())


def filings_from_wire(output: dict[str, Any]) -> list[ChronicFiling]:
    """The filings of a 5301 answer (feedetail a list, or one object; none: an empty list)."""
    rows = output.get("feedetail") if isinstance(output, dict) else None
    if isinstance(rows, dict):
        rows = [rows]
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise ValueError("5301 应答 feedetail 不是列表")
    return [ChronicFiling.from_wire(r) for r in rows if isinstance(r, dict)]


def summary(filings: list[ChronicFiling], day: str) -> str:
    """One line for the cashier: every filed disease with its dates or why it does not count today."""
    parts = []
    for f in filings:
        why = f.why_not(day)
        dates = why or f"{f.begndate[:10] or '—'} 至 {f.enddate[:10] or '长期'}"
        parts.append(f"{f.label}（{dates}）")
    return "；".join(parts)


def bill_fields(d: dict[str, Any], kw: dict[str, str]) -> dict[str, str]:
    """A bill file's chronic-disease fields checked (``kw`` the bill's text fields): a med_type 14 bill names its
    disease (opsp_dise_code, opsp_dise_name optional); a disease without med_type makes it a 14 bill; a disease on
    another med_type is refused, the field named."""
    code = str(d.get("opsp_dise_code") or "").strip()
    med_type = kw.get("med_type", "")
    if code and not med_type:
        kw["med_type"] = med_type = MED_TYPE
    label = "慢特病病种"
    if med_type == MED_TYPE and not code:
        raise FieldError("门诊慢特病账单(med_type 14)须填写门慢门特病种目录代码，如 M03900", field="opsp_dise_code",
                         label=label)
    if code and med_type != MED_TYPE:
        raise FieldError(f"只用于门诊慢特病账单(med_type 14)，账单 med_type 为 {med_type}", field="opsp_dise_code",
                         label=label, value=code)
    if code:
        if len(code) > 30:
            raise FieldError("超过 30 位", field="opsp_dise_code", label=label, value=code)
        kw["opsp_dise_code"] = code
        kw["opsp_dise_name"] = str(d.get("opsp_dise_name") or CROSS_PROVINCE.get(code, "")).strip()
    return kw
