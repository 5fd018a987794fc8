"""Deferred settlement (补结算): a bill parked while the platform is unreachable, settled later by the queue.

The patient pays the whole bill now and takes a slip. When the platform answers again the queue worker
runs 1101, 2201, 2204, 2206 and 2207 through the SettlementService and the bill shows up in
:meth:`Parking.refunds_due` with what the cashier pays back (everything but the patient's cash share).

Never more than once: every message of the attempt is tagged with the park_id in the journal, and the
2207's msgid is recorded in the parked row before it is sent. Resuming looks at the journal first: an
answered 2207 finishes the park, a 2207 whose outcome is unknown is reversed before anything else.
The credential (ID number / card number) is the one personal datum kept in full, in ``parked_secrets``,
and deleted as soon as the bill is settled or cancelled.
"""
from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from terminal.core import wire
from terminal.core.models import Bill, CertType, Credential, Person, SETL_AMOUNT_FIELDS, Settlement, Visit
from terminal.core.money import ZERO, fmt_yuan, money
from terminal.core.privacy import mask_card, mask_id, mask_name

from .crash import crash_point
from .db import now_text
from .errors import InvalidState, NotFound, ParkRefused

if TYPE_CHECKING:  # pragma: no cover
    from terminal.backend.client import PlatformClient

    from .db import StoreDB
    from .journal import Journal
    from .outbox import Outbox

PARK_STATES = {"parked": "待补结算", "settling": "补结算中", "settled": "已补结算", "cancelled": "已取消",
               "failed": "补结算失败"}


class Blocked(Exception):
    """The parked bill must wait (a reversal for this person is not confirmed yet)."""


@dataclass
class ParkSlip:
    """What the patient takes home: proof of full payment and the number to settle later."""

    park_id: str
    created: str
    total: Decimal
    name_masked: str
    cert_masked: str
    cert_type: str
    item_count: int
    #: the bill's lines as (name, quantity, amount): printed on the slip
    items: tuple[tuple[str, Decimal, Decimal], ...] = ()

    @property
    def message(self) -> str:
        return (f"医保平台暂不可用，本次按全额 {fmt_yuan(self.total)} 收费并登记补结算（编号 {self.park_id}）；"
                "平台恢复后自动补结算，医保应支付部分退还给患者")

    def lines(self) -> list[str]:
        return ["医保补结算凭条", f"编号: {self.park_id}", f"时间: {self.created}", f"患者: {self.name_masked}",
                f"证件: {self.cert_masked}", f"费用明细: {self.item_count} 项", f"已全额收费: {fmt_yuan(self.total)}",
                "平台恢复后补结算，医保支付部分凭此条退还"]

    def as_dict(self) -> dict[str, Any]:
        return {"park_id": self.park_id, "created": self.created, "total": f"{self.total:.2f}",
                "name_masked": self.name_masked, "cert_masked": self.cert_masked, "cert_type": self.cert_type,
                "item_count": self.item_count, "message": self.message}


@dataclass
class ParkedBill:
    park_id: str
    state: str
    created: str
    total: Decimal
    name_masked: str
    cert_masked: str
    cert_type: str
    insutype: str
    psn_no: str
    step: str
    setl_id: str
    settle_msgid: str
    refund_due: Decimal | None
    psn_cash_pay: Decimal | None
    fund_pay_sumamt: Decimal | None
    acct_pay: Decimal | None
    hosp_part_amt: Decimal | None
    refund_paid_at: str
    error: str
    settled_at: str
    queue_id: int | None

    @property
    def state_name(self) -> str:
        return PARK_STATES.get(self.state, self.state)

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> ParkedBill:
        def m(k: str) -> Decimal | None:
            return money(r[k]) if r.get(k) not in (None, "") else None

        return cls(park_id=r["park_id"], state=r["state"], created=r["created"], total=money(r["total"]),
                   name_masked=r["name_masked"] or "", cert_masked=r["cert_masked"] or "",
                   cert_type=r["cert_type"] or "", insutype=r["insutype"] or "", psn_no=r["psn_no"] or "",
                   step=r["step"] or "", setl_id=r["setl_id"] or "", settle_msgid=r["settle_msgid"] or "",
                   refund_due=m("refund_due"), psn_cash_pay=m("psn_cash_pay"), fund_pay_sumamt=m("fund_pay_sumamt"),
                   acct_pay=m("acct_pay"), hosp_part_amt=m("hosp_part_amt"), refund_paid_at=r["refund_paid_at"] or "",
                   error=r["error"] or "", settled_at=r["settled_at"] or "", queue_id=r["queue_id"])

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for k, v in d.items():
            if isinstance(v, Decimal):
                d[k] = f"{v:.2f}"
        d["state_name"] = self.state_name
        return d


@dataclass
class Refund:
    """A settled parked bill whose insurance share is still to be paid back to the patient."""

    park_id: str
    name_masked: str
    setl_id: str
    paid: Decimal
    psn_cash_pay: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    hosp_part_amt: Decimal
    refund_due: Decimal
    settled_at: str

    def as_dict(self) -> dict[str, Any]:
        return {k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in self.__dict__.items()}


def _masked_cert(cert_type: str, cert_no: str) -> str:
    return mask_id(cert_no) if cert_type == CertType.ID_CARD else mask_card(cert_no)


def bill_to_dict(bill: Bill) -> dict[str, Any]:
    d: dict[str, Any] = {k: getattr(bill, k) for k in ("med_type", "dept_code", "dept_name", "dr_code", "dr_name",
                                                       "dise_codg", "dise_name", "bill_no")}
    if bill.opsp_dise_code:  # 门诊慢特病: the parked bill settles later as the same disease
        d.update(opsp_dise_code=bill.opsp_dise_code, opsp_dise_name=bill.opsp_dise_name)
    d["items"] = [{"hosp_code": i.hosp_code, "national_code": i.national_code, "name": i.name,
                   "price": str(i.price), "qty": str(i.qty), "dept_code": i.dept_code, "dr_code": i.dr_code,
                   "rxno": i.rxno, "spec": i.spec, "unit": i.unit} for i in bill.items]
    return d


class ParkingHost(Protocol):
    """What Parking needs of the Store that holds it: the file, the journal (tags), the queue, the workers' wake-up."""

    @property
    def sdb(self) -> StoreDB: ...

    @property
    def journal(self) -> Journal: ...

    @property
    def queue(self) -> Outbox: ...

    def _wake(self) -> None: ...


class Settler(Protocol):
    """What settling a parked bill needs of the SettlementService (terminal.services.outpatient): its client
    for the 2207's msgid, and the steps of a visit."""

    @property
    def client(self) -> PlatformClient: ...

    def identify(self, cred: Credential) -> Person: ...

    def open_visit(self, cred: Credential, person: Person, bill: Bill, insutype: str | None = None) -> Visit: ...

    def preview(self, visit: Visit, acct_used: bool | None = None) -> Settlement: ...

    def settle(self, visit: Visit, msgid: str | None = None) -> Settlement: ...


class Parking:
    def __init__(self, store: ParkingHost):
        self.store = store
        self.sdb = store.sdb

    # the cashier's side --------------------------------------------------------------------------
    def park(self, credential: Credential, bill: Bill, *, name: str = "", psn_no: str = "", insutype: str = "",
             operator: str = "") -> ParkSlip:
        """Park a bill for deferred settlement; the patient pays ``bill.total`` now.

        E-code tokens expire within minutes, so an e-code visit is parked with the ID number the e-voucher
        service returned (``credential.ec_id_no``); without it the park is refused.
        """
        cert_type, cert_no, card_sn = credential.cert_type, credential.cert_no, credential.card_sn
        if cert_type == CertType.ECODE:
            if not credential.ec_id_no:
                raise ParkRefused("医保电子凭证（医保码）会过期，不能登记补结算；请患者出示身份证或社保卡后再登记")
            cert_type, cert_no, card_sn = CertType.ID_CARD, credential.ec_id_no, ""
            name = name or credential.ec_name
        if cert_type not in (CertType.ID_CARD, CertType.SS_CARD):
            raise ParkRefused(f"凭证类型 {cert_type} 不能用于补结算")
        if not bill.items:
            raise ParkRefused("账单没有费用明细，不能登记补结算")
        self.store.queue.check_accepts()
        now = now_text()
        total = bill.total
        with self.sdb.tx() as db:
            n = int((db.execute("SELECT value FROM meta WHERE key='park_seq'").fetchone() or ["0"])[0]) + 1
            db.table("meta").upsert({"key": "park_seq", "value": str(n)}, pk="key")
            park_id = f"P{now[:10].replace('-', '')}{n:05d}"
            qid = self.store.queue._insert(db, kind="park", visit_key=psn_no or f"park:{park_id}",
                                           params={"park_id": park_id}, summary=f"补结算 {park_id} {fmt_yuan(total)}",
                                           park_id=park_id, psn_no=psn_no)
            db.table("parked").insert({
                "park_id": park_id, "created": now, "updated": now, "state": "parked", "step": "",
                "operator": operator, "cert_type": cert_type, "cert_masked": _masked_cert(cert_type, cert_no),
                "name_masked": mask_name(name), "psn_no": psn_no or None, "insutype": insutype or None,
                "bill": wire.dumps(bill_to_dict(bill)), "total": f"{total:.2f}", "queue_id": qid})
            db.table("parked_secrets").insert({"park_id": park_id, "cert_no": cert_no, "card_sn": card_sn})
        self.store._wake()
        return ParkSlip(park_id, now, total, mask_name(name), _masked_cert(cert_type, cert_no), cert_type,
                        len(bill.items), tuple((it.name, it.qty, it.amount) for it in bill.items))

    def cancel(self, park_id: str, operator: str = "") -> ParkedBill:
        """Cancel a bill still waiting (the patient keeps the full-payment receipt; nothing is claimed)."""
        with self.sdb.tx() as db:
            r = db.execute("SELECT state, queue_id FROM parked WHERE park_id=?", [park_id]).fetchone()
            if not r:
                raise NotFound(f"没有补结算编号 {park_id}")
            if r[0] not in ("parked", "failed"):
                raise InvalidState(f"补结算 {park_id} 状态为{PARK_STATES.get(r[0], r[0])}，不能取消")
            now = now_text()
            db.execute("UPDATE parked SET state='cancelled', updated=?, error=? WHERE park_id=?",
                       [now, f"收费员 {operator} 取消".strip() if operator else "已取消", park_id])
            db.execute("DELETE FROM parked_secrets WHERE park_id=?", [park_id])
            if r[1]:
                self.store.queue._finish(db, r[1], "cancelled", error="补结算已取消")
        return self.get(park_id)

    def get(self, park_id: str) -> ParkedBill:
        r = self.sdb.one("SELECT * FROM parked WHERE park_id=?", [park_id])
        if not r:
            raise NotFound(f"没有补结算编号 {park_id}")
        return ParkedBill.from_row(r)

    def list(self, states: tuple[str, ...] | None = None) -> list[ParkedBill]:
        if states:
            rows = self.sdb.rows(f"SELECT * FROM parked WHERE state IN ({','.join('?' * len(states))}) "
                                 "ORDER BY created, park_id", list(states))
        else:
            rows = self.sdb.rows("SELECT * FROM parked ORDER BY created, park_id")
        return [ParkedBill.from_row(r) for r in rows]

    def refunds_due(self) -> builtins.list[Refund]:  # `list` here is the method above
        out = []
        for p in self.list(("settled",)):
            if p.refund_paid_at:
                continue
            out.append(Refund(p.park_id, p.name_masked, p.setl_id, p.total, p.psn_cash_pay or ZERO,
                              p.fund_pay_sumamt or ZERO, p.acct_pay or ZERO, p.hosp_part_amt or ZERO,
                              p.refund_due or ZERO, p.settled_at))
        return out

    def mark_refund_paid(self, park_id: str, operator: str = "") -> ParkedBill:
        with self.sdb.tx() as db:
            n = db.execute("UPDATE parked SET refund_paid_at=?, refund_paid_by=?, updated=? WHERE park_id=? AND "
                           "state='settled' AND refund_paid_at IS NULL", [now_text(), operator, now_text(),
                                                                          park_id]).rowcount
        if not n:
            p = self.get(park_id)
            raise InvalidState(f"补结算 {park_id} 状态为{p.state_name}" + ("，退款已支付" if p.refund_paid_at else ""))
        return self.get(park_id)

    # the worker's side ---------------------------------------------------------------------------
    def _set(self, park_id: str, **values: Any) -> None:
        with self.sdb.tx() as db:
            db.table("parked").update(park_id, {**values, "updated": now_text()})

    def set_waiting(self, park_id: str, error: str) -> None:
        """Back to 'parked' (cancellable) until the next attempt."""
        with self.sdb.tx() as db:
            db.execute("UPDATE parked SET state='parked', error=?, updated=? WHERE park_id=? AND state='settling'",
                       [error[:500], now_text(), park_id])

    def set_failed(self, park_id: str, error: str) -> None:
        with self.sdb.tx() as db:
            db.execute("UPDATE parked SET state='failed', error=?, updated=? WHERE park_id=? AND "
                       "state IN ('parked','settling')", [error[:500], now_text(), park_id])

    def settle(self, park_id: str, service: Settler) -> ParkedBill:
        """Settle one parked bill through ``service`` (a SettlementService). Crash-safe, never twice.

        Raises Blocked while a reversal for this person is open; platform errors propagate (the worker
        decides between retry and failure).
        """
        with self.sdb.tx() as db:
            r = db.execute("SELECT state FROM parked WHERE park_id=?", [park_id]).fetchone()
            if not r:
                raise NotFound(f"没有补结算编号 {park_id}")
            if r[0] in ("settled", "cancelled"):
                return self.get(park_id)
            # 'failed' too: the cashier asked for another try (queue replay)
            db.execute("UPDATE parked SET state='settling', updated=? WHERE park_id=?", [now_text(), park_id])
        done = self._resume(park_id)
        if done is not None:
            return done
        row = self.sdb.one("SELECT * FROM parked WHERE park_id=?", [park_id])
        if not row:
            raise NotFound(f"没有补结算编号 {park_id}")
        p = ParkedBill.from_row(row)
        secret = self.sdb.one("SELECT * FROM parked_secrets WHERE park_id=?", [park_id])
        if not secret:
            raise InvalidState(f"补结算 {park_id} 缺少凭证信息")
        cred = Credential(p.cert_type, secret["cert_no"], card_sn=secret["card_sn"] or "")
        bill = Bill.from_dict(wire.loads(row["bill"]), limits=None)  # checked against the caps when parked
        journal = self.store.journal
        with journal.tagged(park_id=park_id):
            if p.psn_no:
                self._gate(p.psn_no)
            person = service.identify(cred)
            with self.sdb.tx() as db:  # from now on the queue orders this bill with the person's other work
                db.execute("UPDATE queue SET visit_key=?, psn_no=? WHERE park_id=? AND kind='park'",
                           [person.psn_no, person.psn_no, park_id])
            self._gate(person.psn_no)
            self._set(park_id, psn_no=person.psn_no, step="identified",
                      name_masked=p.name_masked or person.masked_name)
            visit = service.open_visit(cred, person, bill, p.insutype or None)
            self._set(park_id, mdtrt_id=visit.mdtrt_id, insuplc_admdvs=visit.insuplc_admdvs,
                      insutype=visit.insutype, step="registered")
            service.preview(visit)
            msgid = service.client.msgids.next()
            self._set(park_id, settle_msgid=msgid, step="settle_prepared")
            crash_point("park_before_settle", "2207")
            service.settle(visit, msgid=msgid)
        srow = self.sdb.one("SELECT * FROM settlements WHERE msgid=?", [visit.settle_msgid])
        if not srow:  # the journal missed the answer (should not happen: it raises then)
            raise InvalidState(f"补结算 {park_id} 的结算未记入日志")
        return self._finish(park_id, srow)

    def _gate(self, psn_no: str) -> None:
        rev = self.store.queue.blocking_reversals(psn_no)
        if rev:
            raise Blocked(f"参保人有未完成的冲正（队列 {', '.join(str(r.id) for r in rev)}），冲正完成后再补结算")

    def _resume(self, park_id: str) -> ParkedBill | None:
        """Look at earlier 2207 attempts of this park in the journal: finish, wait for a reversal, or go on."""
        prior = self.sdb.rows("SELECT msgid, infno, state, resolution, psn_no, insuplc_admdvs FROM messages "
                              "WHERE park_id=? AND substr(infno,1,4)='2207' ORDER BY created", [park_id])
        for m in prior:
            res = m["resolution"] or ""
            if res in ("reversed", "not_booked"):
                continue
            if res in ("reversing", "open"):
                raise Blocked(f"补结算 {park_id} 上次结算 {m['msgid']} 结果未知，正在冲正")
            if m["state"] == "answered":
                srow = self.sdb.one("SELECT * FROM settlements WHERE msgid=? AND status='settled'", [m["msgid"]])
                if srow:
                    return self._finish(park_id, srow)
                self.store.queue.ensure_reversal(m["msgid"], "2207", m["psn_no"] or "", m["insuplc_admdvs"] or "")
                raise Blocked(f"补结算 {park_id} 上次结算应答不可用，正在冲正")
            if m["state"] in ("pending", "sent", "uncertain"):
                self.store.queue.ensure_reversal(m["msgid"], "2207", m["psn_no"] or "", m["insuplc_admdvs"] or "")
                raise Blocked(f"补结算 {park_id} 上次结算 {m['msgid']} 结果未知，正在冲正")
        return None

    def _finish(self, park_id: str, srow: dict[str, Any]) -> ParkedBill:
        a = {k: money(srow.get(k)) for k in SETL_AMOUNT_FIELDS}
        refund = a["medfee_sumamt"] - a["psn_cash_pay"]
        now = now_text()
        with self.sdb.tx() as db:
            db.execute("UPDATE settlements SET park_id=? WHERE msgid=?", [park_id, srow["msgid"]])
            db.table("parked").update(park_id, {
                "state": "settled", "step": "settled", "setl_id": srow["setl_id"], "settle_msgid": srow["msgid"],
                "settlement": json.dumps({k: f"{v:.2f}" for k, v in a.items()}),
                "medfee_sumamt": f"{a['medfee_sumamt']:.2f}", "psn_cash_pay": f"{a['psn_cash_pay']:.2f}",
                "fund_pay_sumamt": f"{a['fund_pay_sumamt']:.2f}", "acct_pay": f"{a['acct_pay']:.2f}",
                "hosp_part_amt": f"{a['hosp_part_amt']:.2f}", "refund_due": f"{refund:.2f}", "settled_at": now,
                "updated": now, "error": None})
            db.execute("DELETE FROM parked_secrets WHERE park_id=?", [park_id])
        return self.get(park_id)
