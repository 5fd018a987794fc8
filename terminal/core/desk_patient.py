"""The patient at the desk beyond the settlement itself (issue 13 §7): the card left in the reader, the patient
insurance refuses (and the self-pay checkout's hook), the parked bill shown until the next patient.

``DeskPatient`` is what core/desk.py's ``Desk`` builds on; no Qt, no I/O.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .desk_base import DeskCore, untranslated
from .desk_ports import DeskView, Fault, OutpatientService, ReversalBook, Runner, Slip
from .flow import State
from .models import CertType, Credential, Person
from .money import Limits

if TYPE_CHECKING:
    from .desk_tender import Till

S = State


class DeskPatient(DeskCore):
    """The card reader's card, the refused patient and the parked bill, as the desk holds them."""

    till: Till  # the tender (core/desk_tender.py), built by Desk

    def __init__(self, service: OutpatientService, book: ReversalBook, runner: Runner, view: DeskView,
                 judge: Callable[[BaseException], Fault], *, limits: Limits, journal: bool,
                 translate: Callable[[str, str], str] = untranslated, retry_interval_ms: int = 15000):
        super().__init__(service, book, runner, view, judge, limits=limits, journal=journal, translate=translate,
                         retry_interval_ms=retry_interval_ms)
        #: the slip of the bill just parked: the window and the customer display show the full amount until the
        #: next patient
        self.parked_shown: Slip | None = None
        #: why the patient on the desk cannot settle with insurance (suspended, no entitlement); '' when they can
        self.refused = ""
        #: the card reader: True a card is in, False none, None unknown (no events)
        self.card_present: bool | None = None
        #: the card of the patient just finished while it stays in the reader: reading it again asks first
        self.card_left: Credential | None = None
        self._same_card: tuple[Credential, Person] | None = None  # a read of card_left waiting for the cashier

    def _take_person(self, cred: Credential, person: Person) -> None:
        """The identified patient on the desk (core/desk.py)."""
        raise NotImplementedError

    # the card left in the reader --------------------------------------------------------------------------
    def _card_held(self, cred: Credential, person: Person) -> bool:
        """A card read: when it is the previous patient's card, still in the reader, hold the read and ask the
        cashier (True); otherwise forget the card left (False: go on)."""
        if cred.cert_type == CertType.SS_CARD:
            self.card_present = True  # it was just read
            left = self.card_left
            if left is not None and left.cert_no == cred.cert_no and self.state == S.IDLE:
                self._same_card = (cred, person)
                self.say("warn", self.tr("读卡器中仍是上一位患者的社保卡：请确认是否为该患者办理；"
                                         "否则请取回社保卡，插入新患者的卡"))
                self.view.confirm_same_card(person)
                return True
        self.card_left, self._same_card = None, None
        return False

    def _remind_card(self, cred: Credential | None) -> None:
        """Next patient: the one who leaves identified with the card, and the card is (as far as we know) still in."""
        if cred is not None and cred.cert_type == CertType.SS_CARD and self.card_present is not False:
            self.card_left = cred
            self.say("warn", self.tr("请取回社保卡（请提醒患者带走社保卡）"))

    def same_card_answer(self, reuse: bool) -> None:
        """The cashier's answer: the card left in the reader is this patient's (go on) or not (drop the read)."""
        held, self._same_card = self._same_card, None
        if held is None or self.busy or self.state != S.IDLE:
            return
        if reuse:
            self.card_left = None
            self._take_person(*held)
        else:
            self.say("warn", self.tr("请取回社保卡，并插入新患者的社保卡（或按 F2 医保码 / F3 身份证号）"))
        self.view.redraw()

    def card_removed(self) -> None:
        """The reader says the card is out: nothing to remind, nothing to confirm."""
        self.card_present = False
        self.card_left, self._same_card = None, None
        self.view.redraw()

    def card_inserted(self) -> None:
        self.card_present = True
        self.view.redraw()

    # the patient insurance refuses --------------------------------------------------------------------------
    def _refuse(self, why: str) -> None:
        """The patient cannot settle with insurance: the cashier reads why and the next step; the customer
        display tells the patient (terminal.ui.customer). The self-pay checkout is Ctrl+F9 (F11 too: self_pay_now)."""
        self.refused = why
        self.say("error", why + self.tr("，不能医保结算。下一步：告知患者；患者同意自费时按 Ctrl+F9 自费收款"
                                        "（全额，不经医保），否则请患者联系参保地医保经办机构核实"))

    def self_pay_now(self) -> bool:
        """F11 for a refused patient: the self-pay checkout (自费: no platform call, the tender, a receipt).
        The checkout is the till's (core/desk_tender.py), the same as Ctrl+F9."""
        if not self.refused or self.busy:
            return False
        if not self.items:
            self.say("warn", self.tr("请先录入费用（F4），再按 Ctrl+F9 自费收款"))
            return False
        return self.till.start_self_pay()
