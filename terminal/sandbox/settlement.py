"""Settlement and the ledger, shared by the outpatient (2206 / 2207 / 2208) and inpatient (2303 / 2304 / 2305)
transactions and by reversal (2601): the breakdown of the uploaded fee lines, booking a settlement, cancelling one,
and undoing or redoing what a settlement did to the person's account and yearly usage.

The ledger keeps one row per settlement, cancellation and reversal (status booked / cancelled / reversed), its
amounts as Decimal strings with the usage it added and the fee lines it settled."""
from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from typing import Any

from terminal.core import wire
from terminal.core.money import ZERO, money

from .chronic import require_filing
from .identity import cert_check
from .policy import SETL_AMOUNTS, Usage, identity_errors, settle
from .state import (Ctx, Refusal, add_usage, amount, balance_of, check_active, insurance, med_type_of, neg,
                    person_of, serial_id, set_balance, stay_of, text, ts19, usage_of, visit_of)

#: the fee columns summed into the parts of a settlement (setlinfo name, fees column)
_PARTS = (("fulamt_ownpay_amt", "fulamt_ownpay_amt"), ("overlmt_selfpay", "overlmt_amt"),
          ("preselfpay_amt", "preselfpay_amt"), ("inscp_scp_amt", "inscp_scp_amt"))


def compute(ctx: Ctx, final: bool, inpatient: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """The setlinfo of a pre-settlement (final False: 2206 / 2303) or a settlement (2207 / 2304), and what booking
    it needs (visit, person, ins, rule, year, fees, usage_delta, details, med_type)."""
    d = ctx.node
    adm = None
    if inpatient:
        v, adm = stay_of(ctx, d)
        if text(d.get("mid_setl_flag")) == "1":
            raise Refusal("沙箱平台暂不支持中途结算(mid_setl_flag=1)，请在出院时结算")
        if final and adm["status"] != "discharged":
            raise Refusal(f"住院就诊(mdtrt_id={v['mdtrt_id']})尚未办理出院，请先办理出院(2402)再结算")
    else:
        v = visit_of(ctx, d, "2303 / 2304 住院结算")
    pre_infno, cancel_infno, upload_infno = ("2303", "2305", "2301") if inpatient else ("2206", "2208", "2204")
    if v["status"] == "settled":
        raise Refusal(f"该就诊已结算(setl_id={v['setl_id']})，不能重复结算；如需重新结算请先撤销({cancel_infno})")
    person = person_of(ctx, v["psn_no"])
    insutype = text(d.get("insutype")) or v["insutype"]
    if insutype != v["insutype"]:
        raise Refusal(f"结算险种 {insutype} 与挂号险种 {v['insutype']} 不符")
    ins = insurance(person, insutype)
    check_active(ins)
    med_type = med_type_of(ctx, text(d.get("med_type")) or v["med_type"])
    cert_type = cert_check(ctx, person, d)
    setlway = text(d.get("psn_setlway")) or "01"
    if setlway not in ("01", "02"):
        raise Refusal(f"个人结算方式 psn_setlway {setlway!r} 无效（01 按项目结算, 02 按定额结算）")
    bch = "" if inpatient else text(d.get("chrg_bchno"))
    sql = "SELECT * FROM fees WHERE mdtrt_id = ? AND status = 'uploaded'"
    args: tuple[str, ...] = (v["mdtrt_id"],)
    if bch and bch != "0000":
        sql += " AND chrg_bchno = ?"
        args += (bch,)
    fees = ctx.conn.execute(sql + " ORDER BY id", args).fetchall()
    if not fees:
        raise Refusal(f"没有待结算的费用明细，请先上传费用明细({upload_infno})")
    total = money(sum((Decimal(f["det_item_fee_sumamt"]) for f in fees), ZERO))
    if d.get("medfee_sumamt") in (None, ""):
        raise Refusal("缺少医疗费总额 medfee_sumamt")
    sent = amount(d.get("medfee_sumamt"), "医疗费总额 medfee_sumamt")
    if sent != total:
        raise Refusal(f"医疗费总额 medfee_sumamt {sent} 与已上传未结算费用明细合计 {total} 不符，请核对明细后重新上传")
    parts = {k: money(sum((Decimal(f[col]) for f in fees), ZERO)) for k, col in _PARTS}
    if final:
        for k, v_ in parts.items():
            if d.get(k) not in (None, "") and amount(d.get(k), k) != v_:
                raise Refusal(f"{k} {amount(d.get(k), k)} 与平台按明细计算的 {v_} 不符，请重新预结算({pre_infno})")
    p = ctx.policies
    dise = ""
    if p.benefit_of(med_type) == "chronic":  # med_type 14: the visit's disease filed and in date, its own policy
        dise = text(require_filing(ctx, person["psn_no"], insutype, text(v["dise_codg"]), text(v["dise_name"]))
                    .get("opsp_dise_code"))
    rule = p.rule(ins["insuplc_admdvs"], insutype, med_type, str(ctx.fac.get("hosp_lv", "1")), dise)
    year = ctx.now.year
    usage = usage_of(ctx.conn, person["psn_no"], insutype, year, rule.benefit)
    balance = balance_of(ctx.conn, person, insutype)
    acct_flag = text(d.get("acct_used_flag")) == "1"
    allowed = p.account_allowed(ins["insuplc_admdvs"], ctx.area, med_type)
    if acct_flag and not allowed and rule.has_account and balance > 0:
        ctx.warn.append(f"参保地({ins['insuplc_admdvs']})政策不允许个人账户跨省支付此类费用，个人账户未支付")
    bd = settle(parts, rule, usage, balance=balance, use_account=acct_flag and allowed,
                retiree=p.is_retiree(ins.get("psn_type", "")), cvlserv_flag=text(ins.get("cvlserv_flag")) == "1",
                overlmt_hosp_prop=p.overlmt_hosp_prop(ctx.area) if inpatient else ZERO)
    mulaid = family_share(ctx, person, insutype, bd.amounts) if acct_flag and allowed and rule.has_account else None
    errs = identity_errors(bd.amounts, bd.details)
    if errs or any(bd.amounts[k] < 0 for k in SETL_AMOUNTS):  # never answer an inconsistent breakdown
        raise RuntimeError(f"breakdown does not add up: {errs} {bd.amounts}")
    setl_id = serial_id(ctx, "setl_id") if final else ""
    info: dict[str, Any] = {
        "setl_id": setl_id, "mdtrt_id": v["mdtrt_id"], "psn_no": person["psn_no"],
        "psn_name": person["psn_name"], "psn_cert_type": person.get("psn_cert_type", "01"),
        "certno": person["certno"], "gend": person.get("gend", ""), "naty": person.get("naty", ""),
        "brdy": person.get("brdy", ""), "psn_type": ins.get("psn_type", ""), "insutype": insutype,
        "cvlserv_flag": ins.get("cvlserv_flag", "0"), "mdtrt_cert_type": cert_type, "med_type": med_type,
        "setl_time": ts19(ctx.now), "insuplc_admdvs": ins["insuplc_admdvs"], "mdtrtarea_admvs": ctx.area,
    }
    if adm is not None:
        info.update(ipt_otp_no=adm["ipt_no"], begndate=adm["begntime"][:10], enddate=adm["endtime"][:10],
                    dscg_way=adm["dscg_way"])
    info.update(bd.amounts)
    info.update(clr_optins=ins["insuplc_admdvs"], clr_way=p.clr_way, clr_type=p.clr_type_of(med_type),
                medins_setl_id=ctx.msgid)
    meta = {"visit": v, "person": person, "ins": ins, "rule": rule, "year": year, "fees": fees,
            "usage_delta": bd.usage_delta, "details": bd.details, "med_type": med_type, "mulaid": mulaid}
    return info, meta


def family_share(ctx: Ctx, person: dict[str, Any], insutype: str, a: dict[str, Decimal]) -> tuple[str, str] | None:
    """家庭共济: when the person's own account leaves a cash share and persons.json links a family member
    (``mulaid_from``, insured at the same place with the same insutype), that member's account pays it, up to
    its balance. It is part of acct_pay (personal accounts paid) and shown as acct_mulaid_pay; psn_cash_pay is
    what is left. Returns (the member's psn_no, the amount) or None."""
    fam = ctx.policies.persons.get(str(person.get("mulaid_from") or ""))
    cash = a["psn_cash_pay"]
    if fam is None or cash <= 0:
        return None
    own = insurance(person, insutype)
    if not any(i["insutype"] == insutype and i["insuplc_admdvs"] == own["insuplc_admdvs"] for i in fam["insuinfo"]):
        return None
    take = min(cash, balance_of(ctx.conn, fam, insutype))
    if take <= 0:
        return None
    a["acct_pay"] += take
    a["acct_mulaid_pay"] = take
    a["psn_cash_pay"] = cash - take
    return fam["psn_no"], str(money(take))


def final(ctx: Ctx, infno: str) -> dict[str, Any]:
    """2207 / 2304: book a settlement."""
    info, meta = compute(ctx, final=True, inpatient=infno == "2304")
    conn, person, ins = ctx.conn, meta["person"], meta["ins"]
    setl_id = info["setl_id"]
    delta: Usage = meta["usage_delta"]
    add_usage(conn, person["psn_no"], ins["insutype"], meta["year"], meta["rule"].benefit, delta, +1)
    set_balance(conn, person["psn_no"], ins["insutype"], info["balc"])
    if meta["mulaid"]:
        fam = person_of(ctx, meta["mulaid"][0])
        set_balance(conn, fam["psn_no"], ins["insutype"],
                    balance_of(conn, fam, ins["insutype"]) - Decimal(meta["mulaid"][1]))
    conn.executemany("UPDATE fees SET status = 'settled', setl_id = ? WHERE id = ?",
                     [(setl_id, f["id"]) for f in meta["fees"]])
    conn.execute("UPDATE visits SET status = 'settled', setl_id = ?, med_type = ? WHERE mdtrt_id = ?",
                 (setl_id, meta["med_type"], info["mdtrt_id"]))
    output = {"setlinfo": info, "setldetail": meta["details"]}
    book(ctx, infno, setl_id, info, meta["details"], benefit=meta["rule"].benefit, year=meta["year"],
         usage=delta, fee_ids=[f["id"] for f in meta["fees"]], mulaid=meta["mulaid"])
    return output


def cancel(ctx: Ctx, infno: str, orig_infno: str) -> dict[str, Any]:
    """2208 / 2305: cancel a booked 2207 / 2304."""
    d = ctx.node
    setl_id, mdtrt_id, psn_no = text(d.get("setl_id")), text(d.get("mdtrt_id")), text(d.get("psn_no"))
    if not setl_id:
        raise Refusal("缺少结算ID setl_id")
    row = ctx.conn.execute("SELECT * FROM ledger WHERE setl_id = ? AND infno = ?", (setl_id, orig_infno)).fetchone()
    if row is None or row["fixmedins_code"] != ctx.code:
        other = ctx.conn.execute("SELECT infno FROM ledger WHERE setl_id = ? AND infno IN ('2207', '2304') AND "
                                 "fixmedins_code = ?", (setl_id, ctx.code)).fetchone()
        if other is not None:
            kind, use = ("住院结算", "2305") if other["infno"] == "2304" else ("门诊结算", "2208")
            raise Refusal(f"结算ID {setl_id} 为{kind}，请使用 {use} 撤销")
        raise Refusal(f"结算记录不存在(setl_id={setl_id})")
    if (mdtrt_id and row["mdtrt_id"] != mdtrt_id) or (psn_no and row["psn_no"] != psn_no):
        raise Refusal(f"结算ID {setl_id} 与就诊ID/人员编号不符")
    if row["status"] == "cancelled":
        raise Refusal(f"该结算(setl_id={setl_id})已撤销，不能重复撤销")
    if row["status"] == "reversed":
        raise Refusal(f"该结算(setl_id={setl_id})已冲正，无需撤销")
    balc = undo(ctx, row)
    ctx.conn.execute("UPDATE ledger SET status = 'cancelled' WHERE id = ?", (row["id"],))
    new_id = serial_id(ctx, "setl_id")
    info, details = book_negation(ctx, infno, row, balc, new_id, orig_setl_id=setl_id, init_setl_id=setl_id)
    return {"setlinfo": info, "setldetail": details}


# the ledger ----------------------------------------------------------------------------------------
def book(ctx: Ctx, infno: str, setl_id: str, info: dict[str, Any], details: list[dict[str, Any]], *, benefit: str,
         year: int, usage: Usage, fee_ids: list[int], orig_setl_id: str = "", omsgid: str = "", oinfno: str = "",
         mulaid: tuple[str, str] | list[str] | None = None) -> None:
    amounts = {k: str(info[k]) for k in SETL_AMOUNTS}
    extra: dict[str, Any] = {"usage": [str(usage.ded_used), str(usage.pool_paid), str(usage.big_paid)],
                             "fee_ids": fee_ids}
    if mulaid:
        extra["mulaid"] = list(mulaid)  # [the family member's psn_no, what their account paid]
    ctx.conn.execute(
        "INSERT INTO ledger (msgid, infno, setl_id, orig_setl_id, omsgid, oinfno, mdtrt_id, psn_no, insutype, "
        "fixmedins_code, med_type, clr_type, clr_way, clr_optins, benefit, year, setl_time, setl_date, status, "
        "amounts, setldetail, setlinfo) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?)",
        (ctx.msgid, infno, setl_id, orig_setl_id, omsgid, oinfno, info["mdtrt_id"], info["psn_no"], info["insutype"],
         ctx.code, info["med_type"], info["clr_type"], info["clr_way"], info["clr_optins"], benefit, year,
         ts19(ctx.now), ctx.now.strftime("%Y-%m-%d"), json.dumps({**amounts, **extra}),
         wire.dumps(details), wire.dumps(info)))


def book_negation(ctx: Ctx, infno: str, row: sqlite3.Row, balc: Decimal, setl_id: str, *, orig_setl_id: str,
                  omsgid: str = "", oinfno: str = "", **changes: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Book the negation of a ledger row as ``setl_id`` (a 2208 / 2305 cancellation: a new one; a 2601 reversal:
    the row's own) with the account balance after it; its setlinfo (with ``changes``) and setldetail."""
    info, details = negated(row, balc)
    info.update(setl_id=setl_id, setl_time=ts19(ctx.now), medins_setl_id=ctx.msgid, **changes)
    book(ctx, infno, setl_id, info, details, benefit=row["benefit"], year=row["year"],
         usage=stored_usage(row, negate=True), fee_ids=[], orig_setl_id=orig_setl_id, omsgid=omsgid, oinfno=oinfno)
    return info, details


def stored_usage(row: sqlite3.Row, *, negate: bool = False) -> Usage:
    """The yearly usage a ledger row added (negated: what undoing it adds)."""
    u = json.loads(row["amounts"])["usage"]
    if negate:
        return Usage(-Decimal(u[0]), -Decimal(u[1]), -Decimal(u[2]))
    return Usage(Decimal(u[0]), Decimal(u[1]), Decimal(u[2]))


def undo(ctx: Ctx, row: sqlite3.Row) -> Decimal:
    """Undo what a booked 2207 did to state (usage, balance, fee and visit status). Returns the new balance."""
    conn = ctx.conn
    a = json.loads(row["amounts"])
    add_usage(conn, row["psn_no"], row["insutype"], row["year"], row["benefit"], stored_usage(row), -1)
    person = person_of(ctx, row["psn_no"])
    fam_paid = _family_back(ctx, row, a, +1)
    balc = balance_of(conn, person, row["insutype"]) + Decimal(a["acct_pay"]) - fam_paid
    set_balance(conn, row["psn_no"], row["insutype"], balc)
    conn.executemany("UPDATE fees SET status = 'uploaded', setl_id = '' WHERE id = ?", [(i,) for i in a["fee_ids"]])
    conn.execute("UPDATE visits SET status = 'registered', setl_id = '' WHERE mdtrt_id = ?", (row["mdtrt_id"],))
    return money(balc)


def redo(ctx: Ctx, row: sqlite3.Row) -> Decimal:
    """Book a cancelled 2207 again (reversal of its 2208). Refuses when its details were settled anew."""
    conn = ctx.conn
    a = json.loads(row["amounts"])
    v = conn.execute("SELECT * FROM visits WHERE mdtrt_id = ?", (row["mdtrt_id"],)).fetchone()
    if v is None or v["status"] != "registered":
        raise Refusal("原结算的就诊已重新结算或已撤销，不能冲正该撤销结算交易")
    ids = a["fee_ids"]
    marks = ",".join("?" * len(ids))
    st = conn.execute(f"SELECT COUNT(*) AS n FROM fees WHERE status = 'uploaded' AND id IN ({marks})",
                      ids).fetchone()["n"]
    if st != len(ids):
        raise Refusal("原结算的费用明细已变更，不能冲正该撤销结算交易")
    person = person_of(ctx, row["psn_no"])
    fam_paid = Decimal(a["mulaid"][1]) if a.get("mulaid") else ZERO
    balc = balance_of(conn, person, row["insutype"]) - Decimal(a["acct_pay"]) + fam_paid
    if balc < 0:
        raise Refusal("个人账户余额不足，不能冲正该撤销结算交易")
    _family_back(ctx, row, a, -1)
    add_usage(conn, row["psn_no"], row["insutype"], row["year"], row["benefit"], stored_usage(row), +1)
    set_balance(conn, row["psn_no"], row["insutype"], balc)
    conn.executemany("UPDATE fees SET status = 'settled', setl_id = ? WHERE id = ?", [(row["setl_id"], i) for i in ids])
    conn.execute("UPDATE visits SET status = 'settled', setl_id = ? WHERE mdtrt_id = ?",
                 (row["setl_id"], row["mdtrt_id"]))
    return money(balc)


def _family_back(ctx: Ctx, row: sqlite3.Row, a: dict[str, Any], sign: int) -> Decimal:
    """家庭共济 undone (sign +1: back to the family member's account) or done again (-1); what it paid."""
    if not a.get("mulaid"):
        return ZERO
    fam = person_of(ctx, a["mulaid"][0])
    paid = Decimal(a["mulaid"][1])
    set_balance(ctx.conn, fam["psn_no"], row["insutype"], balance_of(ctx.conn, fam, row["insutype"]) + sign * paid)
    return paid


def negated(row: sqlite3.Row, balc: Decimal) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    info = wire.loads(row["setlinfo"])
    for k in SETL_AMOUNTS:
        info[k] = neg(money(info[k]))
    info["balc"] = balc
    details = wire.loads(row["setldetail"])
    for dd in details:
        dd["fund_payamt"] = neg(money(dd["fund_payamt"]))
        dd["inscp_scp_amt"] = neg(money(dd["inscp_scp_amt"]))
    return info, details
