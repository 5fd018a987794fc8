"""The settlement service: the platform conversation of one visit, in order, for the CLI and the window.

identify (1101) -> open visit (2201 registration, 2203 visit info, 2204 fee upload) -> preview (2206)
-> settle (2207) ; cancel (2208) ; reverse an uncertain settlement (2601).

With a ``store`` (terminal.store.Store) every message is journaled before it is sent, an uncertain
settlement's 2601 is queued durably (``on_uncertain``), a new settlement for a person waits until that
reversal is confirmed, a cancellation asked for while the platform is unreachable is queued, and a bill
can be parked for deferred settlement (``park``).
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from terminal.backend.answers import settlement_of
from terminal.backend.client import Message, PlatformClient, now_text
from terminal.backend.errors import BusinessError, MalformedAnswer, PlatformError, TransportError
from terminal.core.billid import bill_digest, bill_number
from terminal.core.chronic import MED_TYPE as CHRONIC
from terminal.core.chronic import ChronicFiling, filings_from_wire
from terminal.core.desk_ports import Override
from terminal.core.models import Bill, Credential, CertType, Person, Settlement, Visit
from terminal.store import duplicates

from .base import Conversation, OnUncertain, note_warn
from .errors import CancelQueued

if TYPE_CHECKING:  # pragma: no cover
    from terminal.store.parked import ParkSlip
    from terminal.store.store import Store

log = logging.getLogger(__name__)


_DIGITS_ONLY = str.maketrans("", "", "- :")  # "2026-12-03 13:14:15" -> "20261203131415"


class SettlementService(Conversation):
    """One terminal's outpatient desk (a :class:`Conversation`). Every method may block (network, disk)."""

    #: the settlement message an uncertain outcome reverses (the desk's PendingReversal.oinfno)
    settle_infno = "2207"

    def __init__(self, client: PlatformClient, *, treatment_admdvs: str, dept_code: str = "A03",
                 on_uncertain: OnUncertain | None = None, store: Store | None = None):
        super().__init__(client, store=store, on_uncertain=on_uncertain)
        self.treatment_admdvs = treatment_admdvs
        self.dept_code = dept_code
        #: without a bill_no, the same person's identical bill within this many minutes asks for confirmation
        self.duplicate_window_minutes = duplicates.WINDOW_MINUTES

    # steps ---------------------------------------------------------------------------------------
    def open_visit(self, cred: Credential, person: Person, bill: Bill, insutype: str | None = None) -> Visit:
        ins = person.insurance(insutype)
        if not ins.active:
            raise BusinessError(f"险种 {ins.insutype} {ins.name} 状态为{ins.status_name}，不能直接结算")
        insuplc = ins.insuplc_admdvs
        ipt_otp_no = bill.bill_no or f"MZ{datetime.now().strftime('%y%m%d%H%M%S%f')[:16]}"
        visit = Visit(credential=cred, person=person, insutype=ins.insutype, insuplc_admdvs=insuplc, bill=bill,
                      med_type=bill.med_type, ipt_otp_no=ipt_otp_no)
        note_warn(visit, person.warn_msg)
        begntime = now_text()
        reg = self.signed(lambda: self.client.register({
            "psn_no": person.psn_no, "insutype": ins.insutype, "begntime": begntime,
            "mdtrt_cert_type": cred.cert_type, "mdtrt_cert_no": cred.cert_no, "ipt_otp_no": ipt_otp_no,
            "atddr_no": bill.dr_code, "dr_name": bill.dr_name, "dept_code": bill.dept_code,
            "dept_name": bill.dept_name, "caty": bill.dept_code}, insuplc))
        visit.mdtrt_id = str(reg.output["data"]["mdtrt_id"])
        note_warn(visit, reg.warn_msg)
        if bill.dise_codg or bill.opsp_dise_code:
            # 门诊慢特病 (med_type 14): the visit's disease is the filed one (opsp_dise_code sent as dise_codg, as
            # real clients do); the diagnosis row is the HIS's ICD code when the bill has one
            chronic = bill.med_type == CHRONIC and bool(bill.opsp_dise_code)
            code, name = (bill.opsp_dise_code, bill.opsp_dise_name) if chronic else (bill.dise_codg, bill.dise_name)
            diag = (bill.dise_codg, bill.dise_name) if bill.dise_codg else (code, name)
            info = self.client.visit_info({"mdtrt_id": visit.mdtrt_id, "psn_no": person.psn_no,
                                           "med_type": bill.med_type, "begntime": begntime,
                                           "dise_codg": code, "dise_name": name},
                                          [{"diag_type": "1", "diag_srt_no": "1", "diag_code": diag[0],
                                            "diag_name": diag[1]}], insuplc)
            note_warn(visit, info.warn_msg)
        visit.chrg_bchno = begntime.translate(_DIGITS_ONLY)  # YYYYmmddHHMMSS of begntime
        self.upload(visit)
        return visit

    def chronic_filings(self, person: Person, insutype: str = "") -> list[ChronicFiling]:
        """5301 人员慢特病备案查询: the person's outpatient chronic-disease filings (any insurance's)."""
        try:
            insuplc = person.insurance(insutype or None).insuplc_admdvs
        except LookupError:
            insuplc = person.insurances[0].insuplc_admdvs if person.insurances else ""
        a = self.signed(lambda: self.client.call("5301", {"data": {"psn_no": person.psn_no}}, insuplc_admdvs=insuplc))
        try:
            return filings_from_wire(a.output)
        except ValueError as e:
            raise MalformedAnswer(f"5301 应答无效: {e}", infno="5301", msgid=a.msgid) from e

    def upload(self, visit: Visit) -> list[dict[str, Any]]:
        now = now_text()
        details = []
        for n, item in enumerate(visit.bill.items, 1):
            details.append({
                "feedetl_sn": f"{visit.chrg_bchno}{n:04d}", "mdtrt_id": visit.mdtrt_id,
                "psn_no": visit.person.psn_no, "chrg_bchno": visit.chrg_bchno, "rxno": item.rxno,
                "fee_ocur_time": now, "med_list_codg": item.national_code, "medins_list_codg": item.hosp_code,
                "det_item_fee_sumamt": item.amount, "cnt": item.qty, "pric": item.price,
                "bilg_dept_codg": item.dept_code or visit.bill.dept_code,
                "bilg_dr_codg": item.dr_code or visit.bill.dr_code,
                "hosp_appr_flag": "1", "med_list_name": item.name,
            })
        a = self.client.upload_fees(details, visit.insuplc_admdvs)
        note_warn(visit, a.warn_msg)
        visit.fee_results = a.output["result"]
        return visit.fee_results

    def _setl_input(self, visit: Visit) -> dict[str, Any]:
        return {
            "psn_no": visit.person.psn_no, "mdtrt_cert_type": visit.credential.cert_type,
            "mdtrt_cert_no": visit.credential.cert_no, "med_type": visit.med_type,
            "medfee_sumamt": visit.bill.total, "psn_setlway": "01", "mdtrt_id": visit.mdtrt_id,
            "chrg_bchno": visit.chrg_bchno, "acct_used_flag": "1" if visit.acct_used else "0",
            "insutype": visit.insutype,
            **({"card_sn": visit.credential.card_sn} if visit.credential.cert_type == CertType.SS_CARD else {}),
        }

    def preview(self, visit: Visit, acct_used: bool | None = None) -> Settlement:
        if acct_used is not None:
            visit.acct_used = acct_used
        data = self._setl_input(visit)
        a = self.signed(lambda: self.client.pre_settle(data, visit.insuplc_admdvs))
        s = settlement_of(a.output, infno="2206", msgid=a.msgid, preview=True)
        s.warn_msg = a.warn_msg
        note_warn(visit, a.warn_msg)
        total = data["medfee_sumamt"]  # the bill's total as sent (not worked out again)
        if s.medfee_sumamt != total:
            raise BusinessError(f"预结算总额 {s.medfee_sumamt} 与账单合计 {total} 不一致，请核对明细")
        visit.preview = s
        return s

    def settle_input(self, visit: Visit) -> dict[str, Any]:
        if visit.preview is None:
            raise RuntimeError("settle before preview")
        p = visit.preview
        return {**self._setl_input(visit), "invono": "", "fulamt_ownpay_amt": p.fulamt_ownpay_amt,
                "overlmt_selfpay": p.overlmt_selfpay, "preselfpay_amt": p.preselfpay_amt,
                "inscp_scp_amt": p.inscp_scp_amt}

    def check_duplicate(self, bill: Bill, psn_no: str = "", *, confirm_duplicate: bool = False,
                        override: Override | None = None) -> None:
        """The duplicate-bill guard read early, before any platform work (before 1101 for a bill_no, before
        2201 with the person): raises DuplicateBill (this bill_no is settled / in flight / uncertain) or
        DuplicateSuspected (the same person's identical bill within the window). The 2207 is checked again,
        atomically, in the journal (terminal.store.duplicates)."""
        if self.store is None:
            return
        duplicates.early_check(self.store.sdb.rows, bill_no=bill_number(bill), digest=bill_digest(bill),
                               psn_no=psn_no, confirm_duplicate=confirm_duplicate, overridden=override is not None,
                               minutes=self.duplicate_window_minutes)

    def _bill_tags(self, bill: Bill, confirm_duplicate: bool, override: Override | None) -> dict[str, str]:
        tags = {"bill_no": bill_number(bill), "bill_digest": bill_digest(bill),
                "duplicate_minutes": str(self.duplicate_window_minutes)}
        if confirm_duplicate:
            tags["confirm_duplicate"] = "1"
        if override is not None:
            tags.update(override.tags())
        return tags

    def settle(self, visit: Visit, msgid: str | None = None, *, confirm_duplicate: bool = False,
               override: Override | None = None) -> Settlement:
        """2207. On an unknown outcome, hands over to the reversal path and raises UncertainSettlement.

        With a store a bill settles once (terminal.store.duplicates): DuplicateBill when its bill_no is already
        settled (unless a supervisor's ``override``), in flight or uncertain; DuplicateSuspected when the same
        person's identical bill was settled within the window (unless ``confirm_duplicate``). Nothing is sent."""
        self.check_no_reversal_pending(visit.person.psn_no)
        data = self.settle_input(visit)
        # the journal's tags (bill number, the bill's digest): only where a journal takes them
        tags = self._bill_tags(visit.bill, confirm_duplicate, override) if self.store is not None else {}
        return self.settle_visit("2207", {"data": data}, visit, msgid=msgid, tags=tags)

    def cancel(self, setl_id: str, mdtrt_id: str, psn_no: str, insuplc: str) -> Settlement:
        """2208: cancel a settlement (negative amounts come back)."""
        def queue_if_unsent(m: Message, e: PlatformError) -> None:
            if self.store is not None and isinstance(e, TransportError) and not e.sent:
                qid = self.store.queue.enqueue_message("cancel", m, summary=f"撤销结算 {setl_id}")
                raise CancelQueued(qid, setl_id, e) from e

        msg, a = self.send_money(
            lambda: self.client.prepare("2208", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no}},
                                        insuplc_admdvs=insuplc),
            uncertain=lambda e, m: self.uncertain(e, m.msgid, "2208", psn_no=psn_no, insuplc=insuplc),
            on_failure=queue_if_unsent, retry_sign_in=False)
        try:
            s = (a.settlement if a.settlement is not None
                 else settlement_of(a.output, infno="2208", msgid=msg.msgid, cancel=True))
        except MalformedAnswer as err:  # the cancellation may be booked, its amounts are unusable: reverse it
            raise self.uncertain(err, msg.msgid, "2208", psn_no=psn_no, insuplc=insuplc) from err
        s.warn_msg = a.warn_msg
        return s

    def park(self, cred: Credential, bill: Bill, *, person: Person | None = None, insutype: str = "",
             operator: str = "") -> ParkSlip:
        """Park a bill for deferred settlement (platform unreachable): the patient pays in full now and
        gets the returned slip (terminal.store.ParkSlip); the queue settles it later and lists the refund."""
        if self.store is None:
            raise RuntimeError("park needs a store")
        name = person.psn_name if person else (cred.ec_name or "")
        return self.store.park(cred, bill, name=name, psn_no=person.psn_no if person else "", insutype=insutype,
                               operator=operator or self.client.identity.opter)

