"""The outpatient desk's pre-flight: once the person and the insurance type are known (card, e-code, ID number;
Ctrl+I when they have several), 2001 and the cross-province filing are asked in the background — never what the
cashier waits on — and the result shows on the patient panel before anything is uploaded. A "不可报销" verdict
makes the desk's refused-patient path the next step (core/desk_patient.py ``_refuse``: self-pay by Ctrl+F9 / F11).

No Qt, no I/O: ``check`` (the front-end sets it from terminal.services.precheck) runs on the desk's Runner.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from .desk_ports import Work
from .flow import State
from .models import Person
from .precheck import Precheck

if TYPE_CHECKING:
    from .desk_patient import DeskPatient

log = logging.getLogger(__name__)

S = State
#: (person, insutype, med_type) -> the pre-flight (blocking: network)
Check = Callable[[Person, str, str], Precheck]


class Preflight:
    """The pre-flight of the person on the desk: ``result`` once answered, ``running`` while asked."""

    def __init__(self, desk: DeskPatient) -> None:
        self.desk = desk
        self.check: Check | None = None  # None: [checks] has nothing on, or no platform
        #: the med_type every check sends whatever the bill says ('' the bill's: the pharmacy's counter sets "41")
        self.med_type = ""
        self.result: Precheck | None = None
        self.running = False
        self.error = ""  # the check itself failed (its text)
        self._for: tuple[str, str, str] | None = None  # (psn_no, insutype, med_type) asked for
        #: the refusal this pre-flight put on the desk (``desk.refused``): a later verdict may lift it, never one
        #: the platform or the insurance status made
        self.refused = ""

    def tr(self, text: str) -> str:
        return self.desk.translate("Preflight", text)

    def reset(self) -> None:
        self.result, self.running, self.error, self._for = None, False, "", None
        self.refused = ""

    def _lift(self) -> None:
        """A new verdict for another (insurance type, med_type): the refusal the last one made no longer holds."""
        d = self.desk
        if self.refused and d.refused == self.refused:
            d.refused = ""
        self.refused = ""

    def start(self) -> None:
        """Ask for the person on the desk, unless already asked for them, this insurance type and this med_type
        (Ctrl+I, Ctrl+M or a bill of another med_type ask again)."""
        d = self.desk
        person, insutype = d.flow.person, d.flow.insutype
        if self.check is None or person is None or not insutype:
            return
        med_type = self.med_type or str(d.bill_meta.get("med_type") or "11")
        key = (person.psn_no, insutype, med_type)
        if key == self._for:
            return
        # the refusal of the earlier verdict, if it still stands: lifted (or replaced) by the new one
        made = self.refused if self.refused and d.refused == self.refused else ""
        self.reset()
        self.refused = made
        self._for, self.running = key, True
        check = self.check

        def ok(result: Precheck) -> None:
            if self._for != key:
                return  # another patient (or insurance type, or med_type) meanwhile
            self.running, self.result = False, result
            self._lift()
            if result.reimbursable is False and d.state in (S.IDENTIFIED, S.BILLED, S.PREVIEWED) and not d.refused:
                if d.state == S.PREVIEWED:  # the preview goes: Ctrl+F9 (self-pay) is for a bill not previewed
                    d.flow.billed(d.bill())
                d._refuse(self.tr("医保待遇检查不可报销：") + self.short_reason(result))
                self.refused = d.refused
            elif made and not d.refused:
                d.say("ok", self.tr("医保待遇检查：可按医保结算（F5 预结算）") if result.reimbursable else
                      self.tr("医保待遇未核实，可按 F5 预结算"))
            d.view.redraw()

        def fail(err: BaseException) -> None:
            if self._for != key:
                return
            log.info("pre-flight failed: %r", err)
            self.running, self.error = False, d.judge(err).text
            self._lift()
            d.view.redraw()

        d.runner.run(Work(self.tr("待遇检查 (2001/5302)"), "precheck", lambda: check(person, insutype, med_type),
                          ok, fail))

    def short_reason(self, r: Precheck) -> str:
        """For the message bar: the filing's verdict, or the platform's first reason when it is short (the panel
        line and the tooltip show every reason as sent)."""
        f = r.filing
        if f is not None and not f.ok:
            return self.filing_line(r).split(self.tr("："))[0]
        first = r.reasons[0] if r.reasons else ""
        return first if len(first) <= 40 else first[:38] + "…"

    def line(self) -> tuple[str, str]:
        """(kind, text) for the patient panel: '' nothing to show; ok 可报销; bad 不可报销; warn not known; wait."""
        r = self.result
        if self.running:
            return "wait", self.tr("正在检查医保待遇与异地备案…")
        if self.error:
            return "warn", self.tr("待遇未核实：") + self.error
        if r is None:
            return "", ""
        filing = self.filing_line(r)
        if r.reimbursable is True:
            return "ok", self.tr("可报销") + (f" · {filing}" if filing else "")
        if r.reimbursable is False:
            dated = filing and r.filing is not None and r.filing.record is not None  # the place and dates add to it
            return "bad", self.tr("不可报销：") + "；".join(r.reasons) + (f" · {filing}" if dated else "")
        return "warn", self.tr("待遇未核实：") + "；".join(r.problems or [self.tr("未启用待遇检查")])

    def filing_line(self, r: Precheck) -> str:
        words = {"filed": self.tr("已备案"), "expired": self.tr("备案已过期"), "not_yet": self.tr("备案尚未生效"),
                 "elsewhere": self.tr("备案地不是本就医地"), "missing": self.tr("未办理异地就医备案"),
                 "open": self.tr("长期"), "sep": self.tr("：")}
        return filing_line(r, words)


def filing_line(r: Precheck, words: dict[str, str]) -> str:
    """The filing with its place and dates: ``words`` are the front-end's (keys: the FilingState values and "open"
    for an open end); places, dates and numbers as they are. '' within the province or when the check is off."""
    f = r.filing
    if f is None or not r.cross_province:
        return ""
    text = words[f.state.value]
    if f.record is None:
        return text
    rec = f.record
    return f"{text}{words.get('sep', '：')}{rec.place} {rec.begndate or '…'} — {rec.enddate or words['open']}"
