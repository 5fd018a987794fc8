"""Reversal: 2601 undoes the message omsgid of a reversible transaction (oinfno) as if it had never been booked.
A settlement (2207 / 2304) is reversed in the ledger, a cancellation (2208 / 2305) books its settlement again;
registration, fee uploads, admission and discharge go back to what they were. Reversing twice answers the first
reversal again; a message the platform never booked is refused with "原交易不存在 ...：平台未记账，无需冲正"."""
from __future__ import annotations

from typing import Any

from terminal.core import wire

from .pharmacy import release
from .settlement import book_negation, redo, undo
from .state import Ctx, Refusal, cancel_unsettled_fees, text, ts19

REVERSIBLE = frozenset({"2201", "2204", "2207", "2208", "2401", "2402", "2301", "2304", "2305", "2102", "2103"})
#: a cancellation -> the settlement it cancels
CANCELS = {"2208": "2207", "2305": "2304", "2103": "2102"}


def t2601(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    omsgid, oinfno, psn_no = text(d.get("omsgid")), text(d.get("oinfno")), text(d.get("psn_no"))
    if not omsgid or not oinfno:
        raise Refusal("冲正须提供原报文ID omsgid 和原交易编号 oinfno")
    if oinfno not in REVERSIBLE:
        raise Refusal(f"交易 {oinfno} 不支持冲正（可冲正: {'、'.join(sorted(REVERSIBLE))}）")
    conn = ctx.conn
    done = conn.execute("SELECT * FROM reversals WHERE omsgid = ?", (omsgid,)).fetchone()
    if done is not None and done["oinfno"] == oinfno:
        ctx.warn.append(f"原交易已于报文 {done['msgid']} 冲正")
        out: dict[str, Any] = wire.loads(done["output"])
        return out
    msg = conn.execute("SELECT * FROM messages WHERE msgid = ?", (omsgid,)).fetchone()
    missing = f"原交易不存在(omsgid={omsgid}, oinfno={oinfno})：平台未记账，无需冲正"
    if msg is None or msg["fixmedins_code"] != ctx.code or msg["infno"][:4] != oinfno or msg["infcode"] != 0:
        raise Refusal(missing)
    if psn_no and msg["psn_no"] and psn_no != msg["psn_no"]:
        raise Refusal(f"人员编号 {psn_no} 与原交易的人员编号不符")
    setl_id = ""
    if oinfno in ("2207", "2304", "2102") or oinfno in CANCELS:
        row = conn.execute("SELECT * FROM ledger WHERE msgid = ? AND infno = ?", (omsgid, oinfno)).fetchone()
        if row is None:
            raise Refusal(missing)
        if oinfno not in CANCELS:
            if row["status"] == "cancelled":
                cancel = {v: k for k, v in CANCELS.items()}[oinfno]
                raise Refusal(f"原结算(setl_id={row['setl_id']})已撤销({cancel})，不能冲正")
            balc = undo(ctx, row)
            if oinfno == "2102":
                release(ctx, row["setl_id"])
        else:
            orig = conn.execute("SELECT * FROM ledger WHERE setl_id = ? AND infno = ?",
                                (row["orig_setl_id"], CANCELS[oinfno])).fetchone()
            balc = redo(ctx, orig)
            if oinfno == "2103":
                release(ctx, orig["setl_id"], "sold")
            conn.execute("UPDATE ledger SET status = 'booked' WHERE id = ?", (orig["id"],))
        conn.execute("UPDATE ledger SET status = 'reversed' WHERE id = ?", (row["id"],))
        book_negation(ctx, "2601", row, balc, row["setl_id"], orig_setl_id=row["orig_setl_id"], omsgid=omsgid,
                      oinfno=oinfno)
        setl_id = row["setl_id"]
    elif oinfno == "2201":
        v = conn.execute("SELECT * FROM visits WHERE reg_msgid = ?", (omsgid,)).fetchone()
        if v is None:
            raise Refusal(missing)
        if v["status"] == "settled":
            raise Refusal("该就诊已结算，不能冲正挂号；请先撤销结算(2208)")
        conn.execute("UPDATE visits SET status = 'cancelled' WHERE mdtrt_id = ?", (v["mdtrt_id"],))
        cancel_unsettled_fees(ctx, v["mdtrt_id"])
    elif oinfno in ("2204", "2301"):
        rows = conn.execute("SELECT status FROM fees WHERE msgid = ?", (omsgid,)).fetchall()
        if not rows:
            raise Refusal(missing)
        if any(r["status"] == "settled" for r in rows):
            raise Refusal(f"该批费用明细已结算，不能冲正；请先撤销结算({'2305' if oinfno == '2301' else '2208'})")
        conn.execute("UPDATE fees SET status = 'cancelled' WHERE msgid = ? AND status = 'uploaded'", (omsgid,))
    elif oinfno in ("2401", "2402"):
        column, what = ("adm_msgid", "入院") if oinfno == "2401" else ("dscg_msgid", "出院")
        a = conn.execute(f"SELECT * FROM admissions WHERE {column} = ?", (omsgid,)).fetchone()
        if a is None:
            raise Refusal(missing)
        v = conn.execute("SELECT status FROM visits WHERE mdtrt_id = ?", (a["mdtrt_id"],)).fetchone()
        if v is not None and v["status"] == "settled":
            raise Refusal(f"该住院就诊已结算，不能冲正{what}；请先撤销结算(2305)")
        if oinfno == "2401":
            conn.execute("UPDATE admissions SET status = 'cancelled' WHERE mdtrt_id = ?", (a["mdtrt_id"],))
            conn.execute("UPDATE visits SET status = 'cancelled' WHERE mdtrt_id = ?", (a["mdtrt_id"],))
            cancel_unsettled_fees(ctx, a["mdtrt_id"])
        else:
            conn.execute("UPDATE admissions SET status = 'admitted', endtime = '', dscg_way = '', dscg_msgid = '' "
                         "WHERE mdtrt_id = ?", (a["mdtrt_id"],))
    output = {"data": {"omsgid": omsgid, "oinfno": oinfno, "psn_no": msg["psn_no"], "setl_id": setl_id,
                       "rvs_time": ts19(ctx.now), "rvs_rslt": "1", "memo": "冲正成功"}}
    conn.execute("INSERT INTO reversals (omsgid, oinfno, msgid, output) VALUES (?, ?, ?, ?)",
                 (omsgid, oinfno, ctx.msgid, wire.dumps(output)))
    return output
