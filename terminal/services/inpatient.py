"""Inpatient discharge settlement: the platform conversation of one stay, its settlement and cancellation.

    (the stay: terminal.services.ward) -> preview (2303) -> settle (2304: breakdown + deposit reconciliation:
    collect or refund) ; cancel (2305)

An uncertain 2304/2305 (sent, no valid answer) is reversed like 2207/2208, by the conversation base
(terminal.services.base): with a store the 2601 is queued durably, without one it is tried at once; a new
settlement for the person waits until the reversal is confirmed.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from terminal.backend.answers import settlement_of
from terminal.backend.client import Message, PlatformClient
from terminal.backend.errors import BusinessError, MalformedAnswer, PlatformError
from terminal.core import wire
from terminal.core.idcard import sex_and_birth
from terminal.core.inpatient import DepositReconciliation, FeeTotals, Stay, receipt_lines
from terminal.core.models import Credential, CertType, Person, Settlement
from terminal.core.money import ZERO, money
from terminal.core.risk import DURING, INPATIENT_FEES, INPATIENT_PRESETTLE, OrderLine, RiskReview
from terminal.store.db import now_text as _now
from terminal.store.wardbook import WardBook

from .base import Conversation
from .errors import InpatientError, ReversalPending, StayNotFound, UncertainSettlement, WrongState
from .ward import WardDesk

if TYPE_CHECKING:  # pragma: no cover
    from terminal.config import Config
    from terminal.store.store import Store

    from .risk import RiskService

log = logging.getLogger(__name__)


def wire_decimal(v: Any) -> Decimal:
    """A number of a stored fee line as an exact Decimal (never through a float)."""
    return v if isinstance(v, Decimal) else Decimal(str(v))


@dataclass
class DischargeResult:
    """A pre-settlement (2303) or settlement (2304) / cancellation (2305) of a stay, with the deposit balance."""

    stay: Stay
    settlement: Settlement
    reconciliation: DepositReconciliation | None
    totals: FeeTotals | None
    preview: bool = False
    msgid: str = ""
    warn: str = ""
    kind: str = "settle"  # settle | cancel

    def receipt_lines(self, facility_name: str = "", width: int = 36) -> list[str]:
        return receipt_lines(self.stay, self.settlement, self.reconciliation, self.totals,
                             facility_name=facility_name, preview=self.preview, width=width)

    def as_dict(self) -> dict[str, Any]:
        s = self.settlement
        return {"ok": True, "kind": self.kind, "preview": self.preview, "msgid": self.msgid, "warn_msg": self.warn,
                "stay": self.stay.as_dict(), "settlement": s.as_dict(),
                "identities_hold": not s.identity_errors(),
                "deposit": self.reconciliation.as_dict() if self.reconciliation else None,
                "fees": self.totals.as_dict() if self.totals else None}


class DischargeService(WardDesk):
    """One terminal's inpatient desk: the stay (:class:`WardDesk`) and its settlement (2303/2304/2305)."""

    #: fund supervision ([checks], set by the wiring): the service, and which analyses are on (core.risk BEFORE
    #: = 3101 on the pre-settlement, DURING = 3102 on the fees going up)
    risk: RiskService | None = None
    risk_types: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, cfg: Config, client: PlatformClient, *, store: Store | None = None,
                    base: Conversation | None = None, book: WardBook | None = None) -> DischargeService:
        return cls(client, treatment_admdvs=cfg.facility.admdvs, book=book or WardBook.from_config(cfg), store=store,
                   base=base)

    # fund supervision --------------------------------------------------------------------------------
    def risk_check(self, adm_no: str, warn_type: str) -> RiskReview:
        """3102 (DURING, trig_scen 4 住院收费登记) on the fee lines not uploaded yet, or 3101 (BEFORE, trig_scen 9
        住院预结算) on those uploaded: the warnings, each line named by its feedetl_sn (rx_id)."""
        if self.risk is None:
            raise RuntimeError("fund supervision is off")
        st = self._ready(adm_no)
        lines = [OrderLine(rx_id=str(ln["feedetl_sn"]), hilist_code=str(ln["med_list_codg"]),
                           hosplist_code=str(ln.get("medins_list_codg") or ""), name=str(ln.get("med_list_name") or ""),
                           cnt=wire_decimal(ln["cnt"]), pric=wire_decimal(ln["pric"]),
                           sumamt=money(wire_decimal(ln["det_item_fee_sumamt"])), rxno=str(ln.get("drord_no") or ""),
                           dr_code=str(ln.get("bilg_dr_codg") or ""), dept_code=str(ln.get("bilg_dept_codg") or ""))
                 for ln in self.book.lines(adm_no, ("new",) if warn_type == DURING else ("uploaded",))]
        sec = self.book.secret(adm_no)
        gend, brdy = sex_and_birth(str(sec["certno"] or "") if sec is not None else "")
        person = Person(psn_no=st.psn_no, psn_name=st.name_masked, gend=gend, brdy=brdy)  # no plain name is kept
        return self.risk.analyze(warn_type, INPATIENT_FEES if warn_type == DURING else INPATIENT_PRESETTLE,
                                 person=person, insutype=st.insutype, insuplc=st.insuplc_admdvs,
                                 encounter_id=st.mdtrt_id or st.adm_no, med_type="21",
                                 diagnoses=[(st.dise_codg, st.dise_name)] if st.dise_codg else [], lines=lines,
                                 begntime=st.begntime)

    def risk_feedback(self, review: RiskReview, adm_no: str) -> None:
        """3103: the cashier's decisions on the warnings of :meth:`risk_check`."""
        if self.risk is None:
            raise RuntimeError("fund supervision is off")
        self.risk.feedback(review, self.stay(adm_no).insuplc_admdvs)

    # settlement ----------------------------------------------------------------------------------------
    def _credential(self, st: Stay) -> Credential:
        cred = self._creds.get(st.adm_no)
        if cred is not None:
            return cred
        sec = self.book.secret(st.adm_no)
        if sec is None:
            raise InpatientError(f"住院号 {st.adm_no} 没有就诊凭证记录，请读卡或扫码后结算")
        if sec["cert_type"] == CertType.ECODE and sec["certno"]:
            return Credential(CertType.ID_CARD, sec["certno"])  # the e-code token has expired by discharge
        return Credential(sec["cert_type"], sec["cert_no"], card_sn=sec["card_sn"])

    def _setl_input(self, st: Stay, acct_used: bool) -> dict[str, Any]:
        n, total = self.book.line_total(st.adm_no, ("uploaded",))
        if not n:
            raise WrongState(f"住院号 {st.adm_no} 没有已上传的费用明细，不能结算")
        cred = self._credential(st)
        return {"psn_no": st.psn_no, "mdtrt_cert_type": cred.cert_type, "mdtrt_cert_no": cred.cert_no,
                "medfee_sumamt": total, "psn_setlway": "01", "mdtrt_id": st.mdtrt_id, "insutype": st.insutype,
                "acct_used_flag": "1" if acct_used else "0", "mid_setl_flag": "0", "invono": "",
                **({"card_sn": cred.card_sn} if cred.cert_type == CertType.SS_CARD else {})}

    def preview(self, adm_no: str, *, acct_used: bool = True) -> DischargeResult:
        """Upload what is pending, then 2303 (nothing booked): breakdown, deposit balance, fee totals."""
        st = self._ready(adm_no)
        if st.state == "settled":
            raise WrongState(f"住院号 {adm_no} 已结算(结算ID {st.setl_id})")
        if self.book.count_lines(adm_no, ("new", "sending")):
            self.upload_fees(adm_no)
        data = self._setl_input(st, acct_used)
        a = self.base.signed(lambda: self.ipt.pre_settle(data, st.insuplc_admdvs))
        s = settlement_of(a.output, infno="2303", msgid=a.msgid, preview=True)
        if s.medfee_sumamt != data["medfee_sumamt"]:
            raise BusinessError(f"预结算总额 {s.medfee_sumamt} 与已上传费用合计 {data['medfee_sumamt']} 不一致，"
                                "请核对明细")
        self._previews[adm_no] = (s, acct_used)
        return DischargeResult(st, s, DepositReconciliation(s.psn_cash_pay, st.held), self.fee_totals(adm_no),
                               preview=True, warn=a.warn_msg)

    def settle(self, adm_no: str, *, acct_used: bool | None = None, endtime: str = "", dscg_way: str = "1",
               receipt_no: str = "", method: str = "现金") -> DischargeResult:
        """Discharge (2402) if still in hospital, then 2304 with the figures of the last preview (a fresh 2303 when
        there is none or the fees changed). Books the collect/refund entry that balances the deposits.
        On an unknown outcome: reversal (queued or immediate) and UncertainSettlement."""
        with self._lock:
            st = self._ready(adm_no)
            if st.state == "settled":
                raise WrongState(f"住院号 {adm_no} 已结算(结算ID {st.setl_id})，不能重复结算")
            recovered = self._resolve_open(st)
            if recovered is not None:
                return recovered
            self.base.check_no_reversal_pending(st.psn_no)
            if self.book.count_lines(adm_no, ("new", "sending")):
                self.upload_fees(adm_no)
            if st.state == "admitted":
                st = self.discharge(adm_no, endtime=endtime, dscg_way=dscg_way)
            last = self._previews.get(adm_no)
            want_acct = acct_used if acct_used is not None else (last[1] if last else True)
            _n, total = self.book.line_total(adm_no, ("uploaded",))
            if last is None or last[0].medfee_sumamt != total or last[1] != want_acct:
                p = self.preview(adm_no, acct_used=want_acct).settlement
            else:
                p = last[0]
            data = {**self._setl_input(st, want_acct), "fulamt_ownpay_amt": p.fulamt_ownpay_amt,
                    "overlmt_selfpay": p.overlmt_selfpay, "preselfpay_amt": p.preselfpay_amt,
                    "inscp_scp_amt": p.inscp_scp_amt}
            return self._settle_once(st, data, receipt_no, method)

    def _settle_once(self, st: Stay, data: dict[str, Any], receipt_no: str, method: str) -> DischargeResult:
        def prepare() -> Message:
            m = self.ipt.prepare_settle(data, st.insuplc_admdvs)
            self.book.add_setl(m.msgid, st.adm_no, "settle", mdtrt_id=st.mdtrt_id, psn_no=st.psn_no,
                               insuplc=st.insuplc_admdvs)
            return m

        msg, a = self.base.send_money(
            prepare, send=self.ipt.send_setl, on_failure=self._failed_setl,
            uncertain=lambda e, m: self._uncertain(e, st.adm_no, st.psn_no, st.insuplc_admdvs, m.msgid, "2304"))
        return self._book_settlement(st, msg.msgid, a.output, receipt_no, method, warn=a.warn_msg)

    def _failed_setl(self, msg: Message, e: PlatformError) -> None:
        """A 2304/2305 of the ward book certainly not booked: refused, or failed before it could be."""
        if isinstance(e, BusinessError):
            self.book.update_setl(msg.msgid, state="refused", error=e.err_msg[:500])
        else:
            self.book.update_setl(msg.msgid, state="failed", error=str(e)[:500])

    def _book_settlement(self, st: Stay, msgid: str, output: dict[str, Any], receipt_no: str, method: str, *,
                         warn: str = "") -> DischargeResult:
        try:
            s = settlement_of(output, infno="2304", msgid=msgid)
        except MalformedAnswer as err:  # booked, but the amounts are unusable (never rounded): reverse it
            raise self._uncertain(err, st.adm_no, st.psn_no, st.insuplc_admdvs, msgid, "2304") from err
        rec = DepositReconciliation(s.psn_cash_pay, st.held)
        with self.book.tx() as conn:
            self.book.update_setl(msgid, conn, state="settled", setl_id=s.setl_id, output=wire.dumps(output),
                                  reconciliation=json.dumps(rec.as_dict(), ensure_ascii=False))
            self.book.update_stay(st.adm_no, conn, state="settled", setl_id=s.setl_id)
            entry = rec.entry(receipt_no or self._receipt_no("JS"), paid_at=_now(), method=method,
                              operator=self.operator, setl_id=s.setl_id)
            if entry is not None:
                self.book.add_deposit(st.adm_no, entry, conn)
        self._previews.pop(st.adm_no, None)
        log.info("settled %s setl_id %s psn_cash_pay %s deposits %s -> %s", st.adm_no, s.setl_id, s.psn_cash_pay,
                 rec.held, rec.text)
        return DischargeResult(self.stay(st.adm_no), s, rec, self.fee_totals(st.adm_no), msgid=msgid, warn=warn)

    def cancel(self, setl_id: str, *, mdtrt_id: str = "", psn_no: str = "", insuplc: str = ""
               ) -> DischargeResult | Settlement:
        """2305 撤销住院结算. For a settlement in the ward book only setl_id is needed (the stay returns to
        discharged; the hospital keeps what the patient paid as deposit, balanced at the next settlement).
        For one not in the book, mdtrt_id, psn_no and insuplc are needed and the bare Settlement is returned."""
        with self._lock:
            row = self.book.setl_by_id(setl_id)
            if row is not None:
                if row["state"] == "cancelled":
                    raise WrongState(f"结算 {setl_id} 已撤销")
                mdtrt_id, psn_no, insuplc = row["mdtrt_id"], row["psn_no"], row["insuplc_admdvs"]
                self._resolve_open(self.stay(row["adm_no"]))
            elif not (mdtrt_id and psn_no and insuplc):
                raise StayNotFound(f"本机没有结算ID {setl_id} 的住院结算记录：请同时给出就诊ID、人员编号和参保地")
            return self._cancel_once(setl_id, row, mdtrt_id, psn_no, insuplc)

    def _cancel_once(self, setl_id: str, row: sqlite3.Row | None, mdtrt_id: str, psn_no: str,
                     insuplc: str) -> DischargeResult | Settlement:
        adm_no = row["adm_no"] if row is not None else ""

        def prepare() -> Message:
            m = self.ipt.prepare_cancel(setl_id, mdtrt_id, psn_no, insuplc)
            if adm_no:
                self.book.add_setl(m.msgid, adm_no, "cancel", mdtrt_id=mdtrt_id, psn_no=psn_no, insuplc=insuplc,
                                   orig_setl_id=setl_id)
            return m

        msg, a = self.base.send_money(
            prepare, send=self.ipt.send_setl, on_failure=self._failed_setl if adm_no else None,
            uncertain=lambda e, m: self._uncertain(e, adm_no, psn_no, insuplc, m.msgid, "2305"))
        try:
            s = settlement_of(a.output, infno="2305", msgid=msg.msgid, cancel=True)
        except MalformedAnswer as err:  # the cancellation may be booked, its amounts are unusable: reverse it
            raise self._uncertain(err, adm_no, psn_no, insuplc, msg.msgid, "2305") from err
        if row is None:  # not in the ward book: the bare settlement
            return s
        with self.book.tx() as conn:
            self.book.update_setl(msg.msgid, conn, state="settled", setl_id=s.setl_id, output=wire.dumps(a.output))
            self.book.update_setl(row["msgid"], conn, state="cancelled")
            self.book.update_stay(adm_no, conn, state="discharged", setl_id="")
        st = self.stay(adm_no)
        self._previews.pop(adm_no, None)
        return DischargeResult(st, s, DepositReconciliation(ZERO, st.held), self.fee_totals(adm_no), msgid=msg.msgid,
                               warn=a.warn_msg, kind="cancel")

    # uncertain outcomes ----------------------------------------------------------------------------------
    def _uncertain(self, err: PlatformError, adm_no: str, psn_no: str, insuplc: str, omsgid: str,
                   oinfno: str) -> UncertainSettlement:
        """The conversation's reversal path, recorded in the ward book for a stay of the book."""
        if adm_no:
            self.book.update_setl(omsgid, state="uncertain", error=str(err)[:500])
        u = self.base.uncertain(err, omsgid, oinfno, psn_no=psn_no, insuplc=insuplc)
        if adm_no and (u.queued or u.reversal):
            self.book.update_setl(omsgid, state="reversing" if u.queued else "reversed")
        return u

    def _resolve_open(self, st: Stay) -> DischargeResult | None:
        """Settlements of this stay whose outcome is still open (a crash, a queued reversal): find out how they
        ended before anything new is sent. Raises ReversalPending while a reversal is outstanding; returns the
        settlement when the journal shows it was answered (booked) before a crash kept it out of the ward book."""
        for row in self.book.open_setls(st.adm_no):
            msgid = row["msgid"]
            if self.store is not None:
                if self.store.in_flight_elsewhere(msgid):
                    raise WrongState(f"住院号 {st.adm_no} 的结算正在另一个收费程序中进行（报文 {msgid}），"
                                     "请等它完成后再操作，不要重复结算")
                m = self.store.message(msgid)
                res = self.store.resolution(msgid)
                if res in ("reversed", "not_booked"):
                    self.book.update_setl(msgid, state="reversed")
                    continue
                if m is not None and m.get("state") == "answered" and m.get("answer") and row["kind"] == "settle":
                    # answered before a crash, booked here never: book it now from the journal
                    out = wire.loads(m["answer"]).get("output") or {}
                    if isinstance(out.get("setlinfo"), dict):
                        return self._book_settlement(st, msgid, out, "", "现金",
                                                     warn="结算已于程序中断前完成，结果从交易日志恢复")
                if m is None and row["state"] == "sending":
                    self.book.update_setl(msgid, state="failed", error="未发送（程序中断）")
                    continue
                if res in ("", "open"):
                    self.store.on_uncertain(PlatformError("程序中断，结算结果未知"), row["psn_no"],
                                            row["insuplc_admdvs"], msgid, "2304" if row["kind"] == "settle" else "2305")
                self.book.update_setl(msgid, state="reversing")
                raise ReversalPending(self.store.reversal_pending_message(row["psn_no"]) or
                                      "上一笔结算结果未知，正在冲正；冲正完成后请重新结算", row["psn_no"])
            try:
                ok = self.base.reverse(row["psn_no"], row["insuplc_admdvs"], msgid,
                                       "2304" if row["kind"] == "settle" else "2305")
            except PlatformError as e:
                raise ReversalPending(f"上一笔结算结果未知，冲正未完成（{e.user_message}）；请稍后重试",
                                      row["psn_no"]) from e
            self.book.update_setl(msgid, state="reversed" if ok else "uncertain")
        return None

    def resolve(self, adm_no: str) -> Stay:
        """Settle the fate of open settlements of a stay now (e.g. after the queue confirmed a reversal)."""
        st = self.stay(adm_no)
        self._resolve_open(st)
        return self.stay(adm_no)
