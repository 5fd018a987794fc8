"""The pharmacy's side of the journal: the drug traceability codes (药品追溯码) this terminal sold, and the 3505
商品销售 upload queued after each pharmacy settlement.

* ``TraceBook.sold_by(code)`` is what the counter asks before it accepts a scanned code: '' when this terminal has
  not sold it (or sold it and the sale was cancelled / reversed), else a short description of the sale.
* When the journal records a 2102 answer (``booked``), in that same transaction: every code of the request's
  ``drug_trac_info`` is recorded as sold under the settlement, and one 3505 per sale line goes into the durable
  queue (kind ``sales_upload``; its msgid is stored before its first attempt, so a retry after a crash is the
  same message and the platform books it once; the sandbox also keys it by rtal_docno + fixmedins_bchno).
* A 2103 answer (the sale cancelled) or a 2601 that reversed the 2102 releases its codes (``released``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .db import now_text, today

if TYPE_CHECKING:  # pragma: no cover
    import sqlite_utils

    from terminal.backend.client import Answer, Message

    from .ports import HasDB, ReversalBook

SALES_UPLOAD = "sales_upload"  # the queue kind of a 3505


def _node(msg: Message, key: str) -> Any:
    inp = msg.envelope.get("input") if isinstance(msg.envelope, dict) else None
    return inp.get(key) if isinstance(inp, dict) else None


class TraceBook:
    def __init__(self, store: HasDB):
        self.sdb = store.sdb

    # the counter's question ----------------------------------------------------------------------
    def sold_by(self, code: str) -> str:
        """'' when this terminal has not sold ``code`` (or its sale was cancelled or reversed); otherwise what
        sold it: ``2026-12-03 10:15 阿莫西林胶囊 结算号 S…``."""
        r = self.sdb.one("SELECT * FROM trace_codes WHERE code=? AND status='sold'", [(code or "").strip()])
        if not r:
            return ""
        return f"{(r['sold'] or '')[:16]} {r['name']} 结算号 {r['setl_id']}".strip()

    def codes_of(self, setl_id: str) -> list[dict[str, Any]]:
        """The codes a settlement sold (any status), in the order they were sent."""
        return self.sdb.rows("SELECT * FROM trace_codes WHERE setl_id=? ORDER BY rowid", [setl_id])

    def uploads(self, setl_id: str = "") -> list[dict[str, Any]]:
        """The 3505 queue items (of one settlement, or all), oldest first."""
        sql = "SELECT id, state, msgid, summary, attempts, last_error, params FROM queue WHERE kind=?"
        args: list[Any] = [SALES_UPLOAD]
        if setl_id:
            sql += " AND params LIKE ?"
            args.append(f'%"setl_id": "{setl_id}"%')
        return self.sdb.rows(sql + " ORDER BY seq", args)

    # written by the journal, inside the answer's transaction --------------------------------------
    @staticmethod
    def booked(db: sqlite_utils.Database, queue: ReversalBook, msg: Message, answer: Answer, setl_id: str,
               operator: str) -> None:
        """A 2102 was answered: record its codes as sold and queue its 3505 uploads (one per sale line)."""
        data = _node(msg, "data") or {}
        lines = _node(msg, "feedetail") or []
        codes = _node(msg, "drug_trac_info") or []
        setl = (answer.output or {}).get("setlinfo") or {}
        psn_no = str(data.get("psn_no") or setl.get("psn_no") or "")
        sale_no = str(data.get("ipt_otp_no") or msg.msgid)
        by_sn = {str(ln.get("feedetl_sn")): ln for ln in lines if isinstance(ln, dict)}
        now, day = now_text(), today()
        per_line: dict[str, list[str]] = {}
        for c in codes:
            if not isinstance(c, dict):
                continue
            code, sn = str(c.get("drug_trac_codg") or ""), str(c.get("feedetl_sn") or "")
            if not code:
                continue
            per_line.setdefault(sn, []).append(code)
            ln = by_sn.get(sn) or {}
            db.execute(
                "INSERT OR REPLACE INTO trace_codes (code, status, setl_id, msgid, sale_no, feedetl_sn, hilist_code, "
                "name, psn_no, operator, day, sold, released, released_by) "
                "VALUES (?, 'sold', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                [code, setl_id, msg.msgid, sale_no, sn, str(ln.get("med_list_codg") or ""),
                 str(ln.get("med_list_name") or ln.get("medins_list_codg") or ""), psn_no, operator, day, now])
        sel_time = str(setl.get("setl_time") or now)
        for n, (sn, ln) in enumerate(by_sn.items(), 1):
            selinfo = {
                "med_list_codg": ln.get("med_list_codg"), "fixmedins_hilist_id": ln.get("medins_list_codg"),
                "fixmedins_hilist_name": ln.get("med_list_name"), "fixmedins_bchno": sn,
                "prsc_dr_certno": "", "prsc_dr_name": str(data.get("dr_name") or "-"),
                "phar_certno": "", "phar_name": operator, "phar_prac_cert_no": "",
                "hi_feesetl_type": "1", "setl_id": setl_id, "mdtrt_sn": sale_no, "psn_no": psn_no,
                "psn_cert_type": "01", "certno": "", "psn_name": "", "manu_lotnum": "", "manu_date": "",
                "expy_end": "", "rx_flag": str(ln.get("rx_flag") or "0"),
                "trdn_flag": "0", "finl_trns_pric": ln.get("pric"), "rxno": str(ln.get("rxno") or ""),
                "rx_circ_flag": "0", "rtal_docno": sale_no, "stoout_no": "", "bchno": "", "drug_prod_barc": "",
                "shelf_posi": "", "sel_retn_cnt": ln.get("cnt"), "sel_retn_time": sel_time,
                "sel_retn_opter_name": operator, "mdtrt_setl_type": "1", "memo": "",
                "drugtracinfo": [{"drug_trac_codg": c} for c in per_line.get(sn, [])],
            }
            queue._insert(db, kind=SALES_UPLOAD, visit_key=f"3505:{sale_no}",
                          params={"input": {"selinfo": selinfo}, "insuplc": str(msg.envelope.get("insuplc_admdvs")
                                                                               or ""), "setl_id": setl_id},
                          summary=f"商品销售上传/3505 {sale_no} 第{n}行 {ln.get('med_list_name') or ''}".strip(),
                          psn_no=psn_no, infno="3505")

    @staticmethod
    def released(db: sqlite_utils.Database, *, setl_id: str = "", msgid: str = "", by_msgid: str) -> int:
        """The sale of ``setl_id`` (cancelled, 2103) or of the 2102 ``msgid`` (reversed, 2601) gave its codes back;
        how many codes were released."""
        col, val = ("setl_id", setl_id) if setl_id else ("msgid", msgid)
        if not val:
            return 0
        return db.execute(f"UPDATE trace_codes SET status='released', released=?, released_by=? "
                          f"WHERE {col}=? AND status='sold'", [now_text(), by_msgid, val]).rowcount

    @staticmethod
    def restored(db: sqlite_utils.Database, by_msgid: str) -> int:
        """The cancellation ``by_msgid`` was itself reversed (2601): its codes are sold again."""
        return db.execute("UPDATE trace_codes SET status='sold', released=NULL, released_by=NULL "
                          "WHERE released_by=? AND status='released'", [by_msgid]).rowcount
