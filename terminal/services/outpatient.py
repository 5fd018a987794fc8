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
import threading
from datetime import datetime
from typing import Any, Callable

from terminal.backend.answers import settlement_of
from terminal.backend.client import Answer, PlatformClient
from terminal.backend.errors import BusinessError, MalformedAnswer, PlatformError, TransportError
from terminal.core.billid import bill_digest, bill_number
from terminal.core.models import Bill, Credential, CertType, Person, Settlement, Visit
from terminal.store import duplicates
from terminal.store.duplicates import DuplicateOverride
from terminal.store.errors import DuplicateBill, DuplicateSuspected  # noqa: F401 (raised through settle)
from terminal.store.journal import LateAnswer, reversal_outcome

log = logging.getLogger(__name__)


class UncertainSettlement(PlatformError):
    """A 2207/2208 went out and no valid answer came back: the outcome is unknown."""

    outcome_unknown = True

    def __init__(self, cause: PlatformError, visit: Visit | None, omsgid: str, oinfno: str,
                 reversed_ok: bool | str, reversal_error: PlatformError | None = None):
        """``reversed_ok``: what the immediate 2601 found, as :meth:`SettlementService.reverse` returns it
        ('reversed' / 'not_booked'), or False while the reversal is still open (True is read as 'reversed')."""
        self.cause, self.visit, self.omsgid, self.oinfno = cause, visit, omsgid, oinfno
        #: '' (reversal still open), 'reversed' (2601 answered) or 'not_booked' (the platform never booked it)
        self.reversal = reversed_ok if isinstance(reversed_ok, str) else ("reversed" if reversed_ok else "")
        self.reversed_ok, self.reversal_error = bool(self.reversal), reversal_error
        super().__init__(self.user_message, infno=oinfno, msgid=omsgid)

    @property
    def cancelling(self) -> bool:
        return self.oinfno[:4] in ("2208", "2305")

    @property
    def user_message(self) -> str:
        if isinstance(self.cause, LateAnswer):  # the journal had judged it already: say what it says
            return self.cause.user_message
        if self.cancelling:
            if self.reversal == "not_booked":
                return ("撤销结果未知；医保平台答复从未记账此撤销请求（2601：原交易不存在），原结算仍有效、"
                        "未退款；如仍需撤销请重新撤销")
            if self.reversal:
                return "撤销结果未知，已冲正撤销请求（2601 成功），原结算仍有效、未退款；如仍需撤销请重新撤销"
            return "撤销结果未知，正在冲正撤销请求；冲正完成前不要退款，也不要重复撤销"
        if self.reversal == "not_booked":
            return ("结算结果未知；医保平台答复从未记账此笔结算（2601：原交易不存在），未产生任何费用、"
                    "未扣款，无需冲正；请重新结算")
        if self.reversal:
            return "结算结果未知，已自动冲正（2601 成功），基金与个人账户均未扣款；请重新结算"
        return "结算结果未知，正在冲正；冲正完成后请重新结算"


class ReversalPending(PlatformError):
    """A new settlement for a person whose earlier uncertain settlement is still being reversed."""

    reversal_pending = True

    def __init__(self, message: str, psn_no: str = ""):
        super().__init__(message, infno="2207")
        self.psn_no = psn_no


class CancelQueued(PlatformError):
    """A 2208 that could not reach the platform (certainly not sent) and waits in the offline queue."""

    def __init__(self, queue_id: int, setl_id: str, cause: PlatformError):
        self.queue_id, self.setl_id, self.cause = queue_id, setl_id, cause
        super().__init__(self.user_message, infno="2208", msgid=cause.msgid)

    @property
    def user_message(self) -> str:
        return (f"医保平台暂不可达，撤销结算 {self.setl_id} 已登记（队列 {self.queue_id}），"
                "平台恢复后自动提交；提交成功前请勿退款")


def is_sign_in_error(err: BusinessError) -> bool:
    return "签到" in (err.err_msg or "")


def note_warn(visit: Visit, warn: str) -> None:
    """Keep a platform warn_msg with the visit (shown to the cashier; the journal keeps it per message)."""
    warn = (warn or "").strip()
    if warn and warn not in visit.warn_msgs:
        visit.warn_msgs.append(warn)


class SettlementService:
    def __init__(self, client: PlatformClient, *, treatment_admdvs: str, dept_code: str = "A03",
                 on_uncertain: Callable[[PlatformError, str, str, str, str], bool] | None = None,
                 store: Any = None):
        self.client = client
        self.treatment_admdvs = treatment_admdvs
        self.dept_code = dept_code
        #: The journal/queue (terminal.store.Store) or None.
        self.store = store
        if store is not None:
            store.attach(client)
            if on_uncertain is None:
                on_uncertain = store.on_uncertain
        #: Hook for the journal/queue: (error, psn_no, insuplc, omsgid, oinfno) -> True when it takes over
        #: the reversal (durably queued). Without it the service tries one immediate 2601.
        self.on_uncertain = on_uncertain
        self._sign_lock = threading.Lock()
        self._sign_date = ""
        #: without a bill_no, the same person's identical bill within this many minutes asks for confirmation
        self.duplicate_window_minutes = duplicates.WINDOW_MINUTES

    # sign-in -----------------------------------------------------------------------------------
    def ensure_signed_in(self, force: bool = False) -> str:
        with self._sign_lock:
            today = datetime.now().strftime("%Y%m%d")
            if force or not self.client.sign_no or self._sign_date != today:
                self.client.sign_in()
                self._sign_date = today
            return self.client.sign_no

    def _with_sign_in(self, fn: Callable[[], Answer]) -> Answer:
        self.ensure_signed_in()
        try:
            return fn()
        except BusinessError as e:
            if not is_sign_in_error(e):
                raise
            log.info("sign_no refused (%s); signing in again", e.err_msg)
            self.ensure_signed_in(force=True)
            return fn()

    # steps ---------------------------------------------------------------------------------------
    def identify(self, cred: Credential) -> Person:
        a = self._with_sign_in(lambda: self.client.person_info(cred.cert_type, cred.cert_no, card_sn=cred.card_sn))
        try:
            person = Person.from_wire(a.output)
        except ValueError as e:  # e.g. a balance with three decimals: never rounded
            raise MalformedAnswer(f"1101 应答无效: {e}", infno="1101", msgid=a.msgid) from e
        if not person.insurances:
            raise BusinessError("平台未返回参保信息（insuinfo 为空）", infno="1101", msgid=a.msgid)
        person.warn_msg = a.warn_msg
        return person

    def open_visit(self, cred: Credential, person: Person, bill: Bill, insutype: str | None = None) -> Visit:
        ins = person.insurance(insutype)
        if not ins.active:
            raise BusinessError(f"险种 {ins.insutype} {ins.name} 状态为{ins.status_name}，不能直接结算")
        insuplc = ins.insuplc_admdvs
        now = datetime.now()
        ipt_otp_no = bill.bill_no or f"MZ{now.strftime('%y%m%d%H%M%S%f')[:16]}"
        visit = Visit(credential=cred, person=person, insutype=ins.insutype, insuplc_admdvs=insuplc, bill=bill,
                      med_type=bill.med_type, ipt_otp_no=ipt_otp_no)
        note_warn(visit, person.warn_msg)
        begntime = now.strftime("%Y-%m-%d %H:%M:%S")
        reg = self._with_sign_in(lambda: self.client.register({
            "psn_no": person.psn_no, "insutype": ins.insutype, "begntime": begntime,
            "mdtrt_cert_type": cred.cert_type, "mdtrt_cert_no": cred.cert_no, "ipt_otp_no": ipt_otp_no,
            "atddr_no": bill.dr_code, "dr_name": bill.dr_name, "dept_code": bill.dept_code,
            "dept_name": bill.dept_name, "caty": bill.dept_code}, insuplc))
        visit.mdtrt_id = str(reg.output["data"]["mdtrt_id"])
        note_warn(visit, reg.warn_msg)
        if bill.dise_codg:
            info = self.client.visit_info({"mdtrt_id": visit.mdtrt_id, "psn_no": person.psn_no, "med_type": bill.med_type,
                                    "begntime": begntime, "dise_codg": bill.dise_codg, "dise_name": bill.dise_name},
                                   [{"diag_type": "1", "diag_srt_no": "1", "diag_code": bill.dise_codg,
                                     "diag_name": bill.dise_name}], insuplc)
            note_warn(visit, info.warn_msg)
        visit.chrg_bchno = now.strftime("%Y%m%d%H%M%S")
        self.upload(visit)
        return visit

    def upload(self, visit: Visit) -> list[dict[str, Any]]:
        now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        details = []
        for n, item in enumerate(visit.bill.items, 1):
            details.append({
                "feedetl_sn": f"{visit.chrg_bchno}{n:04d}", "mdtrt_id": visit.mdtrt_id,
                "psn_no": visit.person.psn_no, "chrg_bchno": visit.chrg_bchno, "rxno": item.rxno,
                "fee_ocur_time": now, "med_list_codg": item.national_code, "medins_list_codg": item.hosp_code,
                "det_item_fee_sumamt": item.amount, "cnt": item.qty, "pric": item.price,
                "bilg_dept_codg": item.dept_code or visit.bill.dept_code, "bilg_dr_codg": item.dr_code or visit.bill.dr_code,
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
        a = self._with_sign_in(lambda: self.client.pre_settle(self._setl_input(visit), visit.insuplc_admdvs))
        s = settlement_of(a.output, infno="2206", msgid=a.msgid, preview=True)
        s.warn_msg = a.warn_msg
        note_warn(visit, a.warn_msg)
        if s.medfee_sumamt != visit.bill.total:
            raise BusinessError(f"预结算总额 {s.medfee_sumamt} 与账单合计 {visit.bill.total} 不一致，请核对明细")
        visit.preview = s
        return s

    def settle_input(self, visit: Visit) -> dict[str, Any]:
        if visit.preview is None:
            raise RuntimeError("settle before preview")
        p = visit.preview
        return {**self._setl_input(visit), "invono": "", "fulamt_ownpay_amt": p.fulamt_ownpay_amt,
                "overlmt_selfpay": p.overlmt_selfpay, "preselfpay_amt": p.preselfpay_amt,
                "inscp_scp_amt": p.inscp_scp_amt}

    def check_no_reversal_pending(self, psn_no: str) -> None:
        """Raise ReversalPending while an earlier uncertain settlement of this person is being reversed."""
        if self.store is not None:
            why = self.store.reversal_pending_message(psn_no)
            if why:
                raise ReversalPending(why, psn_no)

    def check_duplicate(self, bill: Bill, psn_no: str = "", *, confirm_duplicate: bool = False,
                        override: DuplicateOverride | None = None) -> None:
        """The duplicate-bill guard read early, before any platform work (before 1101 for a bill_no, before
        2201 with the person): raises DuplicateBill (this bill_no is settled / in flight / uncertain) or
        DuplicateSuspected (the same person's identical bill within the window). The 2207 is checked again,
        atomically, in the journal (terminal.store.duplicates)."""
        if self.store is None:
            return
        duplicates.early_check(self.store.sdb.rows, bill_no=bill_number(bill), digest=bill_digest(bill),
                               psn_no=psn_no, confirm_duplicate=confirm_duplicate, override=override,
                               minutes=self.duplicate_window_minutes)

    def _bill_tags(self, bill: Bill, confirm_duplicate: bool, override: DuplicateOverride | None) -> dict[str, str]:
        tags = {"bill_no": bill_number(bill), "bill_digest": bill_digest(bill),
                "duplicate_minutes": str(self.duplicate_window_minutes)}
        if confirm_duplicate:
            tags["confirm_duplicate"] = "1"
        if override is not None:
            tags.update(override.tags())
        return tags

    def settle(self, visit: Visit, msgid: str | None = None, *, confirm_duplicate: bool = False,
               override: DuplicateOverride | None = None) -> Settlement:
        """2207. On an unknown outcome, hands over to the reversal path and raises UncertainSettlement.

        With a store a bill settles once (terminal.store.duplicates): DuplicateBill when its bill_no is already
        settled (unless a supervisor's ``override``), in flight or uncertain; DuplicateSuspected when the same
        person's identical bill was settled within the window (unless ``confirm_duplicate``). Nothing is sent."""
        self.check_no_reversal_pending(visit.person.psn_no)
        self.ensure_signed_in()
        data = self.settle_input(visit)
        msg = self.client.prepare("2207", {"data": data}, insuplc_admdvs=visit.insuplc_admdvs, msgid=msgid)
        visit.settle_msgid = msg.msgid
        try:
            if self.store is not None:
                with self.store.journal.tagged(**self._bill_tags(visit.bill, confirm_duplicate, override)):
                    a = self.client.send(msg)
            else:
                a = self.client.send(msg)
        except BusinessError as e:
            if is_sign_in_error(e):
                self.ensure_signed_in(force=True)
                return self.settle(visit, confirm_duplicate=confirm_duplicate, override=override)
            raise
        except PlatformError as e:
            if e.outcome_unknown:
                raise self._uncertain(e, visit, msg.msgid, "2207") from e
            raise
        try:
            s = settlement_of(a.output, infno="2207", msgid=msg.msgid)
        except MalformedAnswer as err:  # booked, but the amounts are unusable (never rounded): reverse it
            raise self._uncertain(err, visit, msg.msgid, "2207") from err
        s.warn_msg = a.warn_msg
        note_warn(visit, a.warn_msg)
        visit.settlement = s
        if self.store is not None:
            self.store.settlement_shown(msg.msgid)
        return s

    def cancel(self, setl_id: str, mdtrt_id: str, psn_no: str, insuplc: str) -> Settlement:
        """2208: cancel a settlement (negative amounts come back)."""
        self.ensure_signed_in()
        msg = self.client.prepare("2208", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no}},
                                  insuplc_admdvs=insuplc)
        try:
            a = self.client.send(msg)
        except PlatformError as e:
            if e.outcome_unknown:
                raise self._uncertain(e, None, msg.msgid, "2208", psn_no=psn_no, insuplc=insuplc) from e
            if self.store is not None and isinstance(e, TransportError) and not e.sent:
                qid = self.store.queue.enqueue_message("cancel", msg, summary=f"撤销结算 {setl_id}")
                raise CancelQueued(qid, setl_id, e) from e
            raise
        try:
            s = settlement_of(a.output, infno="2208", msgid=msg.msgid, cancel=True)
        except MalformedAnswer as err:  # the cancellation may be booked, its amounts are unusable: reverse it
            raise self._uncertain(err, None, msg.msgid, "2208", psn_no=psn_no, insuplc=insuplc) from err
        s.warn_msg = a.warn_msg
        return s

    def park(self, cred: Credential, bill: Bill, *, person: Person | None = None, insutype: str = "",
             operator: str = ""):
        """Park a bill for deferred settlement (platform unreachable): the patient pays in full now and
        gets the returned slip (terminal.store.ParkSlip); the queue settles it later and lists the refund."""
        if self.store is None:
            raise RuntimeError("park needs a store")
        name = person.psn_name if person else (cred.ec_name or "")
        return self.store.park(cred, bill, name=name, psn_no=person.psn_no if person else "", insutype=insutype,
                               operator=operator or self.client.identity.opter)

    def reverse(self, psn_no: str, insuplc: str, omsgid: str, oinfno: str) -> str:
        """2601. 'reversed' when the platform reversed it (or had already), 'not_booked' when it says nothing
        was ever booked under omsgid (nothing charged, nothing to reverse). Both are true values; any other
        refusal raises."""
        self.ensure_signed_in()
        try:
            self.client.reverse(psn_no, omsgid, oinfno, insuplc)
            return "reversed"
        except BusinessError as e:
            outcome = reversal_outcome(e.err_msg)
            if outcome:
                return outcome
            raise

    def _uncertain(self, err: PlatformError, visit: Visit | None, omsgid: str, oinfno: str, *,
                   psn_no: str = "", insuplc: str = "") -> UncertainSettlement:
        psn_no = psn_no or (visit.person.psn_no if visit else "")
        insuplc = insuplc or (visit.insuplc_admdvs if visit else "")
        log.error("%s %s outcome unknown (%s); reversing", oinfno, omsgid, err)
        if self.on_uncertain and self.on_uncertain(err, psn_no, insuplc, omsgid, oinfno):
            return UncertainSettlement(err, visit, omsgid, oinfno, reversed_ok=False)
        try:
            ok = self.reverse(psn_no, insuplc, omsgid, oinfno)
            return UncertainSettlement(err, visit, omsgid, oinfno, reversed_ok=ok)
        except PlatformError as rev_err:
            return UncertainSettlement(err, visit, omsgid, oinfno, reversed_ok=False, reversal_error=rev_err)
