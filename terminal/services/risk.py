"""Fund supervision (基金监管明细审核) with the platform: 3101 事前分析, 3102 事中分析, 3103 the cashier's decisions.

    risk = RiskService(conv, fixmedins_code=..., treatment_admdvs=...)   # conv: the desk's Conversation
    review = risk.before_outpatient(person, bill, insutype, encounter_id)  # 3101, trig_scen 7
    review.decide([...]); risk.feedback(review)                           # 3103

Every message goes through the conversation's client, so the journal records it like any other (masked). The
analyses move no money: a lost answer is simply an error the cashier sees (F5 again asks again).
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from terminal.backend.errors import MalformedAnswer
from terminal.core.models import Bill, Person
from terminal.core.money import ZERO, money
from terminal.core.regions import is_cross_province
from terminal.core.risk import (BEFORE, DURING, OUTPATIENT_PRESETTLE, OrderLine, RiskReview, Violation,
                                order_lines)

from .base import Conversation

log = logging.getLogger(__name__)


class RiskService:
    """3101 / 3102 / 3103 over one conversation (signed in, journaled)."""

    def __init__(self, conv: Conversation, *, fixmedins_code: str, treatment_admdvs: str, syscode: str = "YBTERM"):
        self.conv = conv
        self.fixmedins_code = fixmedins_code
        self.treatment_admdvs = treatment_admdvs
        self.syscode = syscode

    def analyze(self, warn_type: str, trig_scen: str, *, person: Person, insutype: str, insuplc: str,
                encounter_id: str, med_type: str, diagnoses: list[tuple[str, str]], lines: list[OrderLine],
                begntime: str = "") -> RiskReview:
        """3101 (warn_type BEFORE) or 3102 (DURING) on one encounter; the review of what the platform found."""
        infno = "3101" if warn_type == BEFORE else "3102"
        when = begntime or datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        total = money(sum((ln.sumamt for ln in lines), ZERO))
        encounter = {
            "mdtrt_id": encounter_id, "medins_id": self.fixmedins_code, "medins_admdvs": self.treatment_admdvs,
            "med_type": med_type, "insutype": insutype, "adm_date": when, "medfee_sumamt": total,
            "out_setl_flag": "1" if is_cross_province(insuplc, self.treatment_admdvs) else "0",
            "fsi_diagnose_dtos": [{"dise_id": f"{encounter_id}-D{n}", "inout_dise_type": "1",
                                   "maindiag_flag": "1" if n == 1 else "0", "dias_srt_no": str(n),
                                   "dise_codg": code, "dise_name": name, "dise_date": when}
                                  for n, (code, name) in enumerate(diagnoses, 1)],
            "fsi_order_dtos": [ln.wire() for ln in lines], "fsi_operation_dtos": []}
        data = {"syscode": self.syscode, "rule_ids": "", "trig_scen": trig_scen, "patient_dtos": [{
            "patn_id": person.psn_no, "patn_name": person.psn_name, "gend": person.gend, "brdy": person.brdy,
            "poolarea": insuplc, "curr_mdtrt_id": encounter_id, "fsi_encounter_dtos": [encounter]}]}
        client = self.conv.client
        a = self.conv.signed(lambda: client.call(infno, {"data": data}, insuplc_admdvs=insuplc))
        rows = a.output.get("result") if isinstance(a.output, dict) else None
        if rows is None:
            rows = []
        if not isinstance(rows, list):
            raise MalformedAnswer(f"{infno} 应答的 result 应为列表", infno=infno, msgid=a.msgid)
        try:
            violations = [Violation.from_wire(r) for r in rows if isinstance(r, dict)]
        except (ValueError, ArithmeticError) as e:
            raise MalformedAnswer(f"{infno} 应答无效: {e}", infno=infno, msgid=a.msgid) from e
        log.info("%s %s: %d warning(s)", infno, a.msgid, len(violations))
        return RiskReview(warn_type, trig_scen, violations,
                          lines={ln.rx_id: (n, ln.name) for n, ln in enumerate(lines, 1)})

    def before_outpatient(self, person: Person, bill: Bill, insutype: str, insuplc: str, encounter_id: str
                          ) -> RiskReview:
        """3101 with trig_scen 7 (门诊预结算) on the bill as it is, before anything of it is uploaded."""
        diagnoses = [(bill.dise_codg, bill.dise_name)] if bill.dise_codg else []
        return self.analyze(BEFORE, OUTPATIENT_PRESETTLE, person=person, insutype=insutype, insuplc=insuplc,
                            encounter_id=encounter_id, med_type=bill.med_type, diagnoses=diagnoses,
                            lines=order_lines(bill.items, encounter_id, dr_code=bill.dr_code,
                                              dept_code=bill.dept_code))

    def feedback(self, review: RiskReview, insuplc: str = "") -> None:
        """3103: the decision on every warning of ``review`` (decided first)."""
        if not review.decided:
            raise ValueError("每条违规提醒须先选择处理方式")
        client = self.conv.client
        data: dict[str, Any] = review.feedback()
        self.conv.signed(lambda: client.call("3103", {"data": data}, insuplc_admdvs=insuplc))


__all__ = ["BEFORE", "DURING", "RiskService"]
