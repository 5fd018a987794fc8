"""The designated retail pharmacy's conversation (定点零售药店): the outpatient desk, other messages.

    svc = PharmacyService(client, treatment_admdvs="450100", store=store)
    person = svc.identify(cred)                      # 1101 (card, e-code with businessType 02121, ID number)
    visit = svc.open_visit(cred, person, sale.bill())  # local: the sale's lines checked, nothing sent
    pre = svc.preview(visit)                         # 2101 药店预结算 (feedetail with the sale's lines): mdtrt_id
    s = svc.settle(visit)                            # 2102 药店结算 (+ drug_trac_info): journaled before it leaves
    svc.cancel(s.setl_id, s.mdtrt_id, psn_no, insuplc)   # 2103 药店结算撤销 (negative amounts: the refund)

It satisfies terminal.core.desk_ports.OutpatientService, so core/desk.py runs a pharmacy sale as it runs a visit:
tender, receipt, cancel, and an uncertain 2102 reversed with 2601 through the journal's durable queue (as 2207).

The bill is a pharmacy sale (terminal.core.pharmacy.Sale.bill()): med_type 41, each FeeItem with its
``trace_codes`` (one 20-digit code per box), ``rx_flag`` and ``rxno``; ``bill_no`` is the sale number (empty: one
is made, ``YD`` + time), sent as ipt_otp_no and used by the 3505 upload as rtal_docno.

What the store does with a 2102 answer (terminal.store.pharmacy): in the transaction that records it, the codes
are recorded as sold by this terminal (``store.trace_codes.sold_by(code)`` answers the counter) and one 3505
商品销售 upload per line is queued (kind ``sales_upload``, shown as 商品销售上传/3505); a 2103 or a 2601 of the 2102
releases the codes.

Personal account (acct_used_flag) and 家庭共济: the platform decides. acct_pay is what personal accounts paid, of it
acct_mulaid_pay from a family member's account (共济); psn_part_amt = acct_pay + psn_cash_pay stays the identity.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from terminal.backend.answers import settlement_of
from terminal.backend.client import Message, PlatformClient
from terminal.backend.errors import BusinessError, MalformedAnswer, PlatformError, TransportError
from terminal.core.billid import bill_digest, bill_number
from terminal.core.desk_ports import Override
from terminal.core.errors import UserFacingError
from terminal.core.models import Bill, CertType, Credential, Person, Settlement, Visit
from terminal.core.pharmacy import PHARMACY_MED_TYPE, TraceCodeError, check_trace_code
from terminal.store import duplicates

from .base import Conversation, OnUncertain, note_warn
from .errors import CancelQueued

if TYPE_CHECKING:  # pragma: no cover
    from terminal.store.parked import ParkSlip
    from terminal.store.store import Store

log = logging.getLogger(__name__)

__all__ = ["PharmacyService", "PharmacyError"]


class PharmacyError(UserFacingError, ValueError):
    """A sale refused here before anything is sent (a prescription drug without rxno, a code problem, parking)."""


class PharmacyService(Conversation):
    """One pharmacy counter (a :class:`Conversation`): 1101, 2101, 2102, 2103, 2601. Every method may block."""

    #: the settlement message an uncertain outcome reverses (the desk's PendingReversal.oinfno)
    settle_infno = "2102"
    cancel_infno = "2103"

    def __init__(self, client: PlatformClient, *, treatment_admdvs: str, on_uncertain: OnUncertain | None = None,
                 store: Store | None = None, rx_needs_rxno: bool = True):
        super().__init__(client, store=store, on_uncertain=on_uncertain)
        self.treatment_admdvs = treatment_admdvs
        self.rx_needs_rxno = rx_needs_rxno
        self.duplicate_window_minutes = duplicates.WINDOW_MINUTES

    # the sale, checked locally -------------------------------------------------------------------------
    def check_sale(self, bill: Bill) -> None:
        """What the platform would refuse, said first and naming the line: a prescription drug (rx_flag 1) without
        rxno, a traceability code not of 20 digits, one repeated within the sale, or one this terminal already
        sold (the store's record). PharmacyError / TraceCodeError."""
        if not bill.items:
            raise PharmacyError("本单没有药品")
        seen: dict[str, int] = {}
        for n, it in enumerate(bill.items, 1):
            if self.rx_needs_rxno and it.rx_flag == "1" and not it.rxno.strip():
                raise PharmacyError(f"第{n}行 {it.name} 为处方药，须录入处方号(rxno)",
                                    message_en=f"line {n} {it.name} is a prescription drug: enter the prescription "
                                    "number (rxno)")
            if len(it.trace_codes) > it.qty:
                k = len(it.trace_codes)
                raise TraceCodeError(f"第{n}行 {it.name} 追溯码 {k} 个，多于数量 {it.qty}（每盒一个）", line=n,
                                     message_en=f"line {n} {it.name}: {k} traceability codes for {it.qty} boxes")
            for c in it.trace_codes:
                code = check_trace_code(c, line=n, item=it.name)
                if code in seen:
                    raise TraceCodeError(f"第{n}行 {it.name} 追溯码 {code} 与第{seen[code]}行重复", code=code, line=n,
                                         message_en=f"line {n} {it.name}: traceability code {code} repeats line "
                                         f"{seen[code]}")
                seen[code] = n
                if self.store is not None:
                    earlier = self.store.trace_codes.sold_by(code)
                    if earlier:
                        raise TraceCodeError(f"第{n}行 {it.name} 追溯码 {code} 已由本终端售出（{earlier}）", code=code,
                                             line=n, message_en=f"line {n} {it.name}: traceability code {code} was "
                                             f"already sold by this terminal ({earlier})")

    def check_duplicate(self, bill: Bill, psn_no: str = "", *, confirm_duplicate: bool = False,
                        override: Override | None = None) -> None:
        """The duplicate guard read early (a sale number settles once; the same person's identical sale within the
        window asks for confirmation), as for 2207 (terminal.store.duplicates), here for 2102."""
        if self.store is None:
            return
        duplicates.early_check(self.store.sdb.rows, bill_no=bill_number(bill), digest=bill_digest(bill),
                               psn_no=psn_no, infno="2102", confirm_duplicate=confirm_duplicate,
                               overridden=override is not None, minutes=self.duplicate_window_minutes)

    def open_visit(self, cred: Credential, person: Person, bill: Bill, insutype: str | None = None) -> Visit:
        """No platform message (a pharmacy has no registration): the sale checked (:meth:`check_sale`) and given
        its sale number (ipt_otp_no) and batch (chrg_bchno). mdtrt_id comes with the 2101 answer."""
        ins = person.insurance(insutype)
        if not ins.active:
            raise BusinessError(f"险种 {ins.insutype} {ins.name} 状态为{ins.status_name}，不能直接结算")
        bill.med_type = PHARMACY_MED_TYPE
        self.check_sale(bill)
        now = datetime.now()
        sale_no = bill.bill_no or f"YD{now.strftime('%y%m%d%H%M%S%f')[:16]}"
        visit = Visit(credential=cred, person=person, insutype=ins.insutype, insuplc_admdvs=ins.insuplc_admdvs,
                      bill=bill, med_type=PHARMACY_MED_TYPE, ipt_otp_no=sale_no,
                      chrg_bchno=now.strftime("%Y%m%d%H%M%S"))
        note_warn(visit, person.warn_msg)
        return visit

    # the messages --------------------------------------------------------------------------------------
    def feedetail(self, visit: Visit) -> list[dict[str, Any]]:
        """The sale's lines as 2101/2102 feedetail (feedetl_sn = chrg_bchno + line number)."""
        now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        return [{
            "feedetl_sn": f"{visit.chrg_bchno}{n:04d}", "psn_no": visit.person.psn_no, "chrg_bchno": visit.chrg_bchno,
            "rxno": it.rxno, "rx_circ_flag": "0", "fee_ocur_time": now, "med_list_codg": it.national_code,
            "medins_list_codg": it.hosp_code, "det_item_fee_sumamt": it.amount, "cnt": it.qty, "pric": it.price,
            "med_list_name": it.name, "spec": it.spec, "unit": it.unit, "rx_flag": it.rx_flag or "0",
            "bilg_dept_codg": "", "bilg_dr_codg": "", "hosp_appr_flag": "1",
        } for n, it in enumerate(visit.bill.items, 1)]

    def drug_trac_info(self, visit: Visit) -> list[dict[str, str]]:
        """One node per box: the line's feedetl_sn, its 20-digit code, trdn_flag 0 (a whole box, not split)."""
        return [{"feedetl_sn": f"{visit.chrg_bchno}{n:04d}", "drug_trac_codg": c, "trdn_flag": "0",
                 "min_prcunt_type": "1", "med_list_codg": it.national_code}
                for n, it in enumerate(visit.bill.items, 1) for c in it.trace_codes]

    def _data(self, visit: Visit) -> dict[str, Any]:
        c = visit.credential
        return {
            "psn_no": visit.person.psn_no, "mdtrt_cert_type": c.cert_type, "mdtrt_cert_no": c.cert_no,
            "begntime": datetime.now().strftime("%Y-%m-%d %H:%M:%S"), "med_type": PHARMACY_MED_TYPE,
            "medfee_sumamt": visit.bill.total, "psn_setlway": "01", "insutype": visit.insutype,
            "acct_used_flag": "1" if visit.acct_used else "0", "ipt_otp_no": visit.ipt_otp_no,
            "chrg_bchno": visit.chrg_bchno, "mdtrt_id": visit.mdtrt_id, "insuplc_admdvs": visit.insuplc_admdvs,
            **({"card_sn": c.card_sn} if c.cert_type == CertType.SS_CARD else {}),
        }

    def preview(self, visit: Visit, acct_used: bool | None = None) -> Settlement:
        """2101 药店预结算: nothing booked; keeps the platform's mdtrt_id for the 2102."""
        if acct_used is not None:
            visit.acct_used = acct_used
        input_ = {"data": self._wire(self._data(visit)), "feedetail": self.feedetail(visit)}
        a = self.signed(lambda: self.client.call("2101", input_, insuplc_admdvs=visit.insuplc_admdvs))
        if not isinstance(a.output.get("setlinfo"), dict):
            raise MalformedAnswer("2101 应答缺少 setlinfo", infno="2101", msgid=a.msgid)
        s = settlement_of(a.output, infno="2101", msgid=a.msgid, preview=True)
        s.warn_msg = a.warn_msg
        note_warn(visit, a.warn_msg)
        if s.medfee_sumamt != visit.bill.total:
            raise BusinessError(f"预结算总额 {s.medfee_sumamt} 与销售合计 {visit.bill.total} 不一致，请核对明细")
        visit.mdtrt_id = s.mdtrt_id or visit.mdtrt_id
        visit.preview = s
        return s

    def settle_input(self, visit: Visit) -> dict[str, Any]:
        """2102's input: data (2101's plus the parts of the preview), feedetail and drug_trac_info."""
        if visit.preview is None:
            raise RuntimeError("settle before preview")
        p = visit.preview
        data = {**self._data(visit), "fulamt_ownpay_amt": p.fulamt_ownpay_amt, "overlmt_selfpay": p.overlmt_selfpay,
                "preselfpay_amt": p.preselfpay_amt, "inscp_scp_amt": p.inscp_scp_amt, "invono": ""}
        return {"data": self._wire(data), "feedetail": self.feedetail(visit),
                "drug_trac_info": self.drug_trac_info(visit)}

    def settle(self, visit: Visit, msgid: str | None = None, *, confirm_duplicate: bool = False,
               override: Override | None = None) -> Settlement:
        """2102 药店结算, journaled before it leaves. An unknown outcome hands over to the reversal path (2601 of
        the 2102 through the queue) and raises UncertainSettlement; never sent again. The duplicate guard as
        for 2207 (DuplicateBill / DuplicateSuspected, nothing sent)."""
        self.check_no_reversal_pending(visit.person.psn_no)
        self.check_sale(visit.bill)  # a code may have been sold at this terminal since the sale was opened
        input_ = self.settle_input(visit)
        tags = {"bill_no": visit.ipt_otp_no if visit.bill.bill_no else "", "bill_digest": bill_digest(visit.bill),
                "duplicate_minutes": str(self.duplicate_window_minutes)}
        if confirm_duplicate:
            tags["confirm_duplicate"] = "1"
        if override is not None:
            tags.update(override.tags())
        tags = tags if self.store is not None else {}  # the journal's tags: only where a journal takes them
        return self.settle_visit("2102", input_, visit, msgid=msgid, tags=tags)

    def cancel(self, setl_id: str, mdtrt_id: str, psn_no: str, insuplc: str) -> Settlement:
        """2103 药店结算撤销: negative amounts come back (acct_pay negative: back to the account). Queued when the
        platform cannot be reached and nothing was sent (CancelQueued); an unknown outcome is reversed (2601)."""
        def queue_if_unsent(m: Message, e: PlatformError) -> None:
            if self.store is not None and isinstance(e, TransportError) and not e.sent:
                qid = self.store.queue.enqueue_message("cancel", m, summary=f"药店结算撤销 {setl_id}")
                raise CancelQueued(qid, setl_id, e) from e

        data = {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no}
        msg, a = self.send_money(
            lambda: self.client.prepare("2103", {"data": data}, insuplc_admdvs=insuplc),
            uncertain=lambda e, m: self.uncertain(e, m.msgid, "2103", psn_no=psn_no, insuplc=insuplc),
            on_failure=queue_if_unsent, retry_sign_in=False)
        try:
            s = (a.settlement if a.settlement is not None
                 else settlement_of(a.output, infno="2103", msgid=msg.msgid, cancel=True))
        except MalformedAnswer as err:
            raise self.uncertain(err, msg.msgid, "2103", psn_no=psn_no, insuplc=insuplc) from err
        s.warn_msg = a.warn_msg
        return s

    def park(self, cred: Credential, bill: Bill, *, person: Person | None = None, insutype: str = "",
             operator: str = "") -> ParkSlip:
        """A pharmacy sale is not parked (no deferred settlement at a drugstore): PharmacyError."""
        raise PharmacyError("药店购药不能挂账补结算：医保平台恢复后再结算，或按自费销售",
                            message_en="a pharmacy sale cannot be parked: settle when the platform is back, or sell "
                            "as self-pay")

    @staticmethod
    def _wire(data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if v not in (None,)}

