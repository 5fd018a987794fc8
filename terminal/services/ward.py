"""The inpatient ward desk: a stay before its settlement, on the conversation base.

    admit (2401, deposit recorded) -> add fees -> upload (2301 in batches of <= 500) -> discharge (2402)

2401, 2402 and the 2301 batches are recorded in the ward book (terminal.store.wardbook) with their msgid before
they are sent: an answer lost on the line is asked for again with the same msgid (the platform answers a repeated
msgid once, with its first answer), so nothing is admitted or uploaded twice, even across restarts. The
settlement of the stay (2303/2304/2305) is :class:`terminal.services.inpatient.DischargeService`.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Iterable

from terminal.backend.client import Answer, Message, PlatformClient
from terminal.backend.errors import BusinessError, MalformedAnswer, TransportError, is_sign_in_error
from terminal.backend.inpatient import BATCH_MAX, InpatientClient, batches, fee_results, mdtrt_id_of
from terminal.core import wire
from terminal.core.inpatient import AdmissionForm, Deposit, FeeTotals, Stay, fee_totals
from terminal.core.models import Credential, CertType, FeeItem, Person, Settlement
from terminal.core.money import ZERO, parse_amount
from terminal.store.db import now_text as _now
from terminal.store.wardbook import WardBook

from .base import Conversation, OnUncertain
from .errors import StayNotFound, WrongState
from .outpatient import SettlementService

if TYPE_CHECKING:  # pragma: no cover
    from terminal.store.store import Store

log = logging.getLogger(__name__)


@dataclass
class UploadReport:
    """What one upload_fees call sent (2301 batches)."""

    batches: int = 0
    lines: int = 0
    resent: int = 0  # batches asked for again with their msgid (answer lost earlier)
    seconds: float = 0.0
    msgids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"batches": self.batches, "lines": self.lines, "resent": self.resent,
                "seconds": round(self.seconds, 3), "msgids": self.msgids}


class WardDesk:
    """The stay before its settlement: admission (2401) and deposits, fee lines (2301/2302), discharge (2402).
    Every method may block (network, disk): the UI calls them off its thread."""

    def __init__(self, client: PlatformClient, *, treatment_admdvs: str, book: WardBook,
                 store: Store | None = None, on_uncertain: OnUncertain | None = None,
                 base: Conversation | None = None, batch_size: int = BATCH_MAX, operator: str = ""):
        """``base``: the conversation to share (sign-in, journal, queue), e.g. the window's outpatient service;
        without one an outpatient service of its own is made with ``store`` and ``on_uncertain`` (the CLI hands
        it to the queue worker, which settles parked bills with it)."""
        if not 1 <= batch_size <= BATCH_MAX:
            raise ValueError(f"batch_size must be 1..{BATCH_MAX}")
        self.client = client
        self.treatment_admdvs = treatment_admdvs
        self.book = book
        self.store = store
        self.base = base or SettlementService(client, treatment_admdvs=treatment_admdvs, store=store,
                                              on_uncertain=on_uncertain)
        self.ipt = InpatientClient(client)
        self.batch_size = batch_size
        self.operator = operator or client.identity.opter
        self._previews: dict[str, tuple[Settlement, bool]] = {}  # adm_no -> (last 2303, acct_used)
        self._creds: dict[str, Credential] = {}  # the credential shown at the discharge desk, per stay
        self._lock = threading.RLock()

    # sending -----------------------------------------------------------------------------------------
    def _send_same(self, msg: Message, *, retries: int = 1) -> Answer:
        """Send a non-money-moving message; when its answer is lost, ask again with the same msgid (the platform
        answers a repeated msgid with its first answer, so nothing is done twice)."""
        self.base.ensure_signed_in()
        attempt, resigned = 0, False
        while True:
            msg.envelope["sign_no"] = self.client.sign_no
            try:
                return self.client.send(msg)
            except BusinessError as e:
                if is_sign_in_error(e) and not resigned:
                    resigned = True
                    self.base.ensure_signed_in(force=True)
                    continue
                raise
            except (TransportError, MalformedAnswer) as e:
                if attempt >= retries or (isinstance(e, TransportError) and not e.sent):
                    raise
                attempt += 1
                log.warning("%s %s: no valid answer (%s); asking again with the same msgid", msg.infno, msg.msgid, e)

    # finding -----------------------------------------------------------------------------------------
    def identify(self, cred: Credential) -> Person:
        return self.base.identify(cred)

    def stay(self, adm_no: str) -> Stay:
        st = self.book.stay(adm_no)
        if st is None:
            raise StayNotFound(f"没有住院号为 {adm_no} 的住院记录")
        return st

    def stays(self, states: tuple[str, ...] | None = None) -> list[Stay]:
        return self.book.stays(states=states)

    def find_for_person(self, psn_no: str) -> Stay:
        """The person's stay to settle (in hospital or discharged, newest first)."""
        open_ = self.book.stays(psn_no=psn_no, states=("admitting", "admitted", "discharging", "discharged"))
        if not open_:
            raise StayNotFound("该参保人在本院没有在院或待结算的住院记录（请核对，或先办理入院）")
        return open_[0]

    def find(self, cred: Credential) -> tuple[Person, Stay]:
        """Identify the patient (card, e-code, ID: 1101) and find their open stay; the credential is used to settle."""
        person = self.identify(cred)
        st = self.find_for_person(person.psn_no)
        self._creds[st.adm_no] = cred
        return person, st

    # admission -----------------------------------------------------------------------------------------
    def admit(self, cred: Credential, person: Person, form: AdmissionForm | None = None, *, insutype: str | None = None,
              deposit: Decimal | str | None = None, receipt_no: str = "", method: str = "现金",
              adm_no: str = "") -> Stay:
        """2401 and the admission deposit. The stay is in the book (state admitting, msgid known) before 2401 is
        sent; an unknown outcome leaves it there to be resumed (same msgid) by any later call for the stay."""
        form = form or AdmissionForm()
        ins = person.insurance(insutype)
        if not ins.active:
            raise BusinessError(f"险种 {ins.insutype} {ins.name} 状态为{ins.status_name}，"
                                "不能办理医保住院（可按自费入院）")
        dep = parse_amount(deposit, label="预交金金额") if deposit not in (None, "") else ZERO
        if dep < 0:
            raise ValueError("预交金不能为负")
        adm_no = adm_no or self.book.next_number("ZY")
        begntime = form.begntime or _now()
        mdtrtinfo = {
            "psn_no": person.psn_no, "insutype": ins.insutype, "coner_name": "", "tel": "", "begntime": begntime,
            "mdtrt_cert_type": cred.cert_type, "mdtrt_cert_no": cred.cert_no, "med_type": form.med_type or "21",
            "ipt_no": adm_no, "medrcdno": adm_no, "atddr_no": form.dr_code, "chfpdr_name": form.dr_name,
            "adm_diag_dscr": form.diag_dscr or form.dise_name, "adm_dept_codg": form.dept_code,
            "adm_dept_name": form.dept_name, "adm_bed": form.bed, "dscg_maindiag_code": form.dise_codg,
            "dscg_maindiag_name": form.dise_name, "main_cond_dscr": "", "dise_codg": form.dise_codg,
            "dise_name": form.dise_name, "oprn_oprt_code": "", "oprn_oprt_name": "", "fpsc_no": "", "matn_type": "",
            "birctrl_type": "", "latechb_flag": "0", "geso_val": "", "fetts": "", "fetus_cnt": "", "pret_flag": "0",
            "birctrl_matn_date": "", "dise_type_code": "",
            **({"card_sn": cred.card_sn} if cred.cert_type == CertType.SS_CARD else {}),
        }
        diseinfo = ([{"psn_no": person.psn_no, "diag_type": "1", "maindiag_flag": "1", "diag_srt_no": "1",
                      "diag_code": form.dise_codg, "diag_name": form.dise_name, "adm_cond": "",
                      "diag_dept": form.dept_name, "dise_dor_no": form.dr_code, "dise_dor_name": form.dr_name,
                      "diag_time": begntime}] if form.dise_codg else [])
        self.base.ensure_signed_in()
        msg = self.ipt.prepare_admit(mdtrtinfo, diseinfo, ins.insuplc_admdvs)
        st = Stay(adm_no=adm_no, psn_no=person.psn_no, insutype=ins.insutype, insuplc_admdvs=ins.insuplc_admdvs,
                  treatment_admdvs=self.treatment_admdvs, state="admitting", name_masked=person.masked_name,
                  cert_masked=cred.masked(), cert_type=cred.cert_type, begntime=begntime, dept_code=form.dept_code,
                  dept_name=form.dept_name, dr_code=form.dr_code, dr_name=form.dr_name, bed=form.bed,
                  dise_codg=form.dise_codg, dise_name=form.dise_name, adm_msgid=msg.msgid, operator=self.operator)
        self.book.insert_stay(st, cred, person.certno, msg.envelope["input"])
        try:
            a = self._send_same(msg)
            mdtrt_id = mdtrt_id_of(a)
        except BusinessError:
            self.book.delete_stay(adm_no)  # refused: nothing was admitted
            raise
        with self.book.tx() as conn:
            self.book.update_stay(adm_no, conn, state="admitted", mdtrt_id=mdtrt_id)
            if dep > 0:
                self.book.add_deposit(adm_no, Deposit(receipt_no=receipt_no or self._receipt_no("YJ"), amount=dep,
                                                      paid_at=_now(), method=method, operator=self.operator), conn)
        self._creds[adm_no] = cred
        log.info("admitted %s mdtrt_id %s (deposit %s)", adm_no, mdtrt_id, dep)
        return self.stay(adm_no)

    def _receipt_no(self, prefix: str) -> str:
        return self.book.next_number(prefix)

    def add_deposit(self, adm_no: str, amount: Decimal | str, *, receipt_no: str = "", method: str = "现金") -> Deposit:
        """A further deposit (追加预交金) while the stay is not settled."""
        st = self.stay(adm_no)
        if st.state in ("settled", "cancelled"):
            raise WrongState(f"住院号 {adm_no} {st.state_name}，不能再收预交金")
        d = Deposit(receipt_no=receipt_no or self._receipt_no("YJ"), amount=parse_amount(amount, label="预交金金额"),
                    paid_at=_now(), method=method, operator=self.operator)
        if d.amount <= 0:
            raise ValueError("预交金金额须大于零")
        return self.book.add_deposit(adm_no, d)

    def _resume(self, st: Stay) -> Stay:
        """Finish a 2401 / 2402 whose answer was lost: ask again with its msgid and the same input."""
        sec = self.book.secret(st.adm_no)
        if st.state == "admitting" and sec is not None and sec["adm_input"]:
            msg = self.client.prepare("2401", wire.loads(sec["adm_input"]), insuplc_admdvs=st.insuplc_admdvs,
                                      msgid=st.adm_msgid)
            try:
                a = self._send_same(msg)
            except BusinessError:
                self.book.update_stay(st.adm_no, state="cancelled")
                raise
            self.book.update_stay(st.adm_no, state="admitted", mdtrt_id=mdtrt_id_of(a))
        elif st.state == "discharging" and sec is not None and sec["dscg_input"]:
            msg = self.client.prepare("2402", wire.loads(sec["dscg_input"]), insuplc_admdvs=st.insuplc_admdvs,
                                      msgid=st.dscg_msgid)
            try:
                self._send_same(msg)
            except BusinessError:
                self.book.update_stay(st.adm_no, state="admitted", endtime="", dscg_way="", dscg_msgid="")
                raise
            self.book.update_stay(st.adm_no, state="discharged")
        return self.stay(st.adm_no)

    def _ready(self, adm_no: str) -> Stay:
        st = self.stay(adm_no)
        if st.state in ("admitting", "discharging"):
            st = self._resume(st)
        if st.state == "cancelled":
            raise WrongState(f"住院号 {adm_no} 的入院已撤销")
        return st

    # fees --------------------------------------------------------------------------------------------
    def add_fees(self, adm_no: str, items: Iterable[FeeItem], *, fee_ocur_time: str | list[str] = "",
                 dept_name: str = "", dr_name: str = "") -> int:
        """Record fee lines for the stay (not sent yet: :meth:`upload_fees`). fee_ocur_time: one for all, or one
        per item; default now."""
        st = self.stay(adm_no)
        if st.state in ("settled", "cancelled"):
            raise WrongState(f"住院号 {adm_no} {st.state_name}，不能再记费用；如需补记请先撤销结算")
        items = list(items)
        times = fee_ocur_time if isinstance(fee_ocur_time, list) else [fee_ocur_time or _now()] * len(items)
        if len(times) != len(items):
            raise ValueError("fee_ocur_time list must have one entry per item")
        lines = []
        for it, t in zip(items, times, strict=True):
            lines.append({
                "med_list_codg": it.national_code, "medins_list_codg": it.hosp_code, "med_list_name": it.name,
                "det_item_fee_sumamt": it.amount, "cnt": it.qty, "pric": it.price, "fee_ocur_time": t,
                "bilg_dept_codg": it.dept_code or st.dept_code, "bilg_dept_name": dept_name or st.dept_name,
                "bilg_dr_codg": it.dr_code or st.dr_code, "bilg_dr_name": dr_name or st.dr_name,
                "drord_no": it.rxno, "hosp_appr_flag": "1", "spec": it.spec, "unit": it.unit,
            })
        self.book.add_lines(adm_no, lines)
        self._previews.pop(adm_no, None)
        return len(lines)

    def _wire_line(self, st: Stay, ln: dict[str, Any]) -> dict[str, Any]:
        d = {k: v for k, v in ln.items() if not k.startswith("_") and k not in ("spec", "unit")}
        d.update(mdtrt_id=st.mdtrt_id, psn_no=st.psn_no, med_type="21", init_feedetl_sn="", etip_flag="0",
                 dscg_tkdrug_flag="0", matn_fee_flag="0")
        return d

    def upload_fees(self, adm_no: str, progress: Callable[[int, int], None] | None = None) -> UploadReport:
        """2301: every fee line not yet uploaded, in batches of at most ``batch_size`` lines per message.
        Batches whose answer was lost earlier are asked for again first, with their msgid."""
        t0 = time.perf_counter()
        st = self._ready(adm_no)
        if st.state == "settled":
            raise WrongState(f"住院号 {adm_no} 已结算，不能上传费用")
        rep = UploadReport()
        for msgid, lines in self.book.sending_batches(adm_no):
            msg = self.ipt.prepare_batch([self._wire_line(st, ln) for ln in lines], st.insuplc_admdvs, msgid)
            self._send_batch(st, msg, lines)
            rep.resent += 1
            rep.batches += 1
            rep.lines += len(lines)
            rep.msgids.append(msgid)
        new = self.book.lines(adm_no, ("new",))
        total = len(new)
        done = 0
        for chunk in batches(new, self.batch_size):
            msg = self.ipt.prepare_batch([self._wire_line(st, ln) for ln in chunk], st.insuplc_admdvs)
            self.book.mark_sending(adm_no, [ln["feedetl_sn"] for ln in chunk], msg.msgid)
            self._send_batch(st, msg, chunk)
            rep.batches += 1
            rep.lines += len(chunk)
            rep.msgids.append(msg.msgid)
            done += len(chunk)
            if progress:
                progress(done, total)
        if rep.batches:
            self._previews.pop(adm_no, None)
        rep.seconds = time.perf_counter() - t0
        return rep

    def _send_batch(self, st: Stay, msg: Message, lines: list[dict[str, Any]]) -> None:
        try:
            a = self._send_same(msg)
            res = fee_results(a, lines)
        except BusinessError:
            self.book.mark_new(st.adm_no, msg.msgid)  # refused: nothing uploaded; fix the lines and upload again
            raise
        self.book.mark_uploaded(st.adm_no, res)

    def cancel_fees(self, adm_no: str, feedetl_sn: str = "0000") -> int:
        """2302: withdraw one uploaded line, or ("0000") every uploaded line not settled."""
        st = self._ready(adm_no)
        if st.state == "settled":
            raise WrongState(f"住院号 {adm_no} 已结算，撤销费用前请先撤销结算(2305)")
        self.base.signed(lambda: self.ipt.cancel_fees(st.mdtrt_id, st.psn_no, st.insuplc_admdvs, feedetl_sn))
        self._previews.pop(adm_no, None)
        return self.book.mark_cancelled(adm_no, feedetl_sn)

    def fee_totals(self, adm_no: str) -> FeeTotals:
        return fee_totals(self.book.lines(adm_no, ("new", "sending", "uploaded")))

    # discharge -----------------------------------------------------------------------------------------
    def discharge(self, adm_no: str, *, endtime: str = "", dscg_way: str = "1", dise_codg: str = "",
                  dise_name: str = "", dept_code: str = "", dept_name: str = "") -> Stay:
        """2402 出院办理 (state discharging with its msgid before sending; resumed like 2401)."""
        st = self._ready(adm_no)
        if st.state != "admitted":
            if st.state in ("discharged", "settled"):
                return st
            raise WrongState(f"住院号 {adm_no} {st.state_name}，不能办理出院")
        endtime = endtime or _now()
        if endtime < st.begntime:
            raise ValueError(f"出院时间 {endtime} 早于入院时间 {st.begntime}")
        dise_codg, dise_name = dise_codg or st.dise_codg, dise_name or st.dise_name
        dscginfo = {"mdtrt_id": st.mdtrt_id, "psn_no": st.psn_no, "insutype": st.insutype, "endtime": endtime,
                    "dise_codg": dise_codg, "dise_name": dise_name, "oprn_oprt_code": "", "oprn_oprt_name": "",
                    "fpsc_no": "", "matn_type": "", "birctrl_type": "", "wk_days": "", "dscg_dept_codg":
                    dept_code or st.dept_code, "dscg_dept_name": dept_name or st.dept_name, "dscg_way": dscg_way,
                    "die_date": ""}
        diseinfo = ([{"psn_no": st.psn_no, "diag_type": "1", "maindiag_flag": "1", "diag_srt_no": "1",
                      "diag_code": dise_codg, "diag_name": dise_name, "diag_dept": dept_name or st.dept_name,
                      "dise_dor_no": st.dr_code, "dise_dor_name": st.dr_name, "diag_time": endtime}]
                    if dise_codg else [])
        self.base.ensure_signed_in()
        msg = self.ipt.prepare_discharge(dscginfo, diseinfo, st.insuplc_admdvs)
        self.book.update_stay(adm_no, state="discharging", endtime=endtime, dscg_way=dscg_way, dscg_msgid=msg.msgid,
                              dise_codg=dise_codg, dise_name=dise_name)
        self.book.set_secret(adm_no, dscg_input=wire.dumps(msg.envelope["input"]))
        try:
            self._send_same(msg)
        except BusinessError:
            self.book.update_stay(adm_no, state="admitted", endtime="", dscg_way="", dscg_msgid="")
            raise
        self.book.update_stay(adm_no, state="discharged")
        return self.stay(adm_no)
