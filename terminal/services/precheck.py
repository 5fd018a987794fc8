"""The pre-flight of an identified person (2001 人员待遇享受检查 and the filing query 5302), asked before anything is
uploaded, on the conversation of the desk that identified them (its sign-in and journal).

    pre = PrecheckService(conv, entitlement=True, filing=True)
    result = pre.run(person, insutype, med_type="11")     # terminal.core.precheck.Precheck

Neither message moves money: a failure (platform unreachable, a refusal of the query itself) is kept in
``Precheck.problems`` and the verdict is "not known"; the settlement path then decides as it always did.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from terminal.backend.errors import PlatformError
from terminal.core.models import Person
from terminal.core.precheck import Benefit, FilingRecord, Precheck, judge_filing
from terminal.core.regions import is_cross_province

from .base import Conversation

log = logging.getLogger(__name__)

#: the 5302 biz_appy_type asked for (empty: every filing of the person; the answer's rows say their kind)
FILING_BIZ_APPY_TYPE = ""


class PrecheckService:
    """2001 and 5302 for one person; every method may block (network)."""

    def __init__(self, conv: Conversation, *, entitlement: bool = True, filing: bool = True,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self.conv = conv
        self.entitlement = entitlement
        self.filing = filing
        self.clock = clock

    @property
    def enabled(self) -> bool:
        return self.entitlement or self.filing

    def run(self, person: Person, insutype: str | None = None, med_type: str = "11") -> Precheck:
        ins = person.insurance(insutype) if insutype else (person.insurances[0] if person.insurances else None)
        if ins is None:
            raise ValueError("参保人没有险种信息")
        return self.run_for(person.psn_no, ins.insutype, ins.insuplc_admdvs, med_type)

    def run_for(self, psn_no: str, insutype: str, insuplc: str, med_type: str = "11") -> Precheck:
        """The pre-flight of a person already known by psn_no (the discharge desk's stay: med_type 21)."""
        area = self.conv.client.identity.mdtrtarea_admvs
        result = Precheck(psn_no=psn_no, insutype=insutype, insuplc_admdvs=insuplc, mdtrtarea_admvs=area)
        now = self.clock()
        day = now.strftime("%Y-%m-%d")
        if self.entitlement:
            try:
                result.benefits = self.check_entitlement(psn_no, insutype, insuplc, med_type, now)
            except (PlatformError, ValueError) as e:
                log.info("2001 not answered: %s", e)
                result.problems.append(f"待遇检查(2001)未完成：{e}")
        if self.filing:
            if not is_cross_province(insuplc, area):
                result.filing = judge_filing([], insutype=insutype, insuplc=insuplc, area=area, day=day)
            else:
                try:
                    records = self.filings(psn_no, insuplc)
                    result.filing = judge_filing(records, insutype=insutype, insuplc=insuplc, area=area, day=day)
                except (PlatformError, ValueError) as e:
                    log.info("5302 not answered: %s", e)
                    result.problems.append(f"备案查询(5302)未完成：{e}")
        return result

    def check_entitlement(self, psn_no: str, insutype: str, insuplc: str, med_type: str,
                          now: datetime) -> list[Benefit]:
        """2001: one Benefit per fund (trtinfo)."""
        client = self.conv.client
        data = {"psn_no": psn_no, "insutype": insutype, "fixmedins_code": client.identity.fixmedins_code,
                "med_type": med_type, "begntime": now.strftime("%Y-%m-%d %H:%M:%S"), "endtime": "",
                "dise_codg": "", "dise_name": "", "oprn_oprt_code": "", "oprn_oprt_name": "", "matn_type": "",
                "birctrl_type": ""}
        a = self.conv.signed(lambda: client.call("2001", {"data": data}, insuplc_admdvs=insuplc))
        rows = a.output.get("trtinfo")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("2001 应答缺少 trtinfo 列表")
        return [Benefit.from_wire(r) for r in rows]

    def filings(self, psn_no: str, insuplc: str) -> list[FilingRecord]:
        """5302: the person's cross-province filings (psnfixmedin)."""
        client = self.conv.client
        data: dict[str, Any] = {"psn_no": psn_no, "biz_appy_type": FILING_BIZ_APPY_TYPE}
        a = self.conv.signed(lambda: client.call("5302", {"data": data}, insuplc_admdvs=insuplc))
        rows = a.output.get("psnfixmedin")
        if rows is None:
            rows = []
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("5302 应答 psnfixmedin 应为列表")
        return [FilingRecord.from_wire(r) for r in rows]
