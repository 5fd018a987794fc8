"""门诊慢特病 at the outpatient desk: the identified person's chronic-disease filings (5301, looked up in the
background: the cashier never waits on it) and the bill made a chronic-disease bill (med_type 14 with one of the
filed diseases in force today) or back to an ordinary one. A part of the desk machine (core/desk.py); no Qt, no I/O.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from .chronic import MED_TYPE, ChronicFiling
from .desk_ports import Work

if TYPE_CHECKING:  # pragma: no cover
    from .desk_bill import DeskBill

ORDINARY = "11"


class ChronicDesk:
    """What the desk knows of the patient's chronic diseases. ``state``: '' (nothing asked: no patient, or the
    check is off), 'looking', 'found' (``filings``, maybe none) or 'failed' (``error``)."""

    def __init__(self, desk: DeskBill, today: Callable[[], str] = lambda: date.today().isoformat()):
        self.desk = desk
        self.today = today
        #: [checks] chronic: the deployment's platform offers 5301 and med_type 14; never at a pharmacy's counter
        #: (its service, terminal.services.pharmacy, settles med_type 41 and looks up no filings)
        self.enabled = callable(getattr(desk.service, "chronic_filings", None))
        self.filings: list[ChronicFiling] = []
        self.state = ""
        self.error = ""
        self._token: object | None = None

    def tr(self, text: str) -> str:
        return self.desk.translate("ChronicDesk", text)

    def reset(self) -> None:
        self.filings, self.state, self.error, self._token = [], "", "", None

    # the lookup ------------------------------------------------------------------------------------------
    def lookup(self) -> None:
        """5301 for the person just identified, off the desk's thread; the answer comes back to the view."""
        d = self.desk
        self.reset()
        person = d.person
        if not self.enabled or person is None:
            return
        token = self._token = object()
        self.state = "looking"

        def ok(filings: list[ChronicFiling]) -> None:
            if self._token is token:
                self.filings, self.state = list(filings), "found"
                self._check_bill()
                d.view.redraw()

        def fail(err: BaseException) -> None:
            if self._token is token:
                self.state, self.error = "failed", d.judge(err).text
                d.view.redraw()

        d.runner.run(Work(self.tr("查询门诊慢特病备案 (5301)"), "poll",
                          lambda: d.service.chronic_filings(person, d.flow.insutype), ok, fail))

    def _check_bill(self) -> None:
        """A bill that came as a chronic one (the HIS, a bill file) names a disease this person cannot settle as
        today: say so now, before the platform refuses it."""
        chosen = self.chosen
        if chosen is None:
            return
        f = next((x for x in self.filings if x.code == chosen.code and x.in_force(self.today())), None)
        if f is None:
            self.desk.say("warn", self.tr(
                "本单为门诊慢特病 %1，但该参保人没有此病种的有效备案；请按 Ctrl+M 改为普通门诊或其他已备案病种")
                .replace("%1", chosen.label))

    def in_force(self) -> list[ChronicFiling]:
        day = self.today()
        return [f for f in self.filings if f.in_force(day)]

    @property
    def chosen(self) -> ChronicFiling | None:
        """The disease the bill on the desk is settled as (None: an ordinary bill)."""
        m = self.desk.bill_meta
        if m.get("med_type") != MED_TYPE or not m.get("opsp_dise_code"):
            return None
        return ChronicFiling(m["opsp_dise_code"], m.get("opsp_dise_name", ""))

    # the cashier's choice ------------------------------------------------------------------------------------
    def choose(self, code: str) -> bool:
        """Make the bill a chronic-disease bill of the filed disease ``code`` ('' = back to ordinary outpatient).
        A change voids the preview (F5 again)."""
        d = self.desk
        if not self.enabled:
            d.say("warn", self.tr("本机构未开通门诊慢特病结算（[checks] chronic）"))
            return False
        if d.person is None:
            d.say("warn", self.tr("请先识别参保人（F1 读卡 / F2 医保码 / F3 身份证号）"))
            return False
        if not d.check_editable():
            return False
        meta = d.bill_meta
        if not code:
            if meta.get("med_type") == MED_TYPE:
                meta["med_type"] = ORDINARY
            meta.pop("opsp_dise_code", None)
            meta.pop("opsp_dise_name", None)
            d._bill_changed()
            d.say("ok", self.tr("本单按普通门诊结算"))
            return True
        f = next((x for x in self.filings if x.code == code), None)
        if f is None:
            d.say("error", self.tr("该参保人未备案此门诊慢特病：") + code)
            return False
        why = f.why_not(self.today())
        if why:
            d.say("error", self.tr("不能按门诊慢特病结算：") + f"{f.label} {why}")
            return False
        meta.update(med_type=MED_TYPE, opsp_dise_code=f.code, opsp_dise_name=f.name)
        d._bill_changed()
        d.say("ok", self.tr("本单按门诊慢特病结算：") + f.label + self.tr("（按 F5 预结算）"))
        return True
