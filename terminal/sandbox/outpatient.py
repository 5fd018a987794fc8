"""Outpatient: 2201 registration (across provinces: a filing for the place of treatment, entitlement.py), 2202 its
cancellation, 2203 / 2203A visit info, 2204 / 2205 fee details (upload, cancel), 2206 pre-settlement, 2207
settlement, 2208 its cancellation. Fee classification (``store_fees``) serves the inpatient upload (2301) too."""
from __future__ import annotations

import sqlite3
from typing import Any

from terminal.core.money import money

from .entitlement import check_outpatient_filing
from .identity import cert_check
from .policy import ITEM_AMOUNTS, classify_item, line_amount, to_decimal
from .settlement import cancel, compute, final
from .state import (INSU_STATUS, Ctx, Refusal, cancel_unsettled_fees, diagnosis, insured, med_type_of, serial_id,
                    text, ts19, visit_of)


# 2201 / 2202 / 2203 registration and visit info ---------------------------------------------------
def t2201(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    person, ins, insuplc = insured(ctx, d, "挂号须指定险种 insutype（参保人有多个险种时由收费员选择）")
    insutype = ins["insutype"]
    cert_type = cert_check(ctx, person, d)
    check_outpatient_filing(ctx, person, ins, text(d.get("begntime")) or ts19(ctx.now))
    if ins.get("psn_insu_stas", "1") != "1":
        ctx.warn.append(f"险种 {insutype} 参保状态为{INSU_STATUS.get(ins['psn_insu_stas'], ins['psn_insu_stas'])}，"
                        "结算时将不能享受医保待遇")
    default_mt = "41" if ctx.fac.get("fixmedins_type") == "2" else "11"
    mdtrt_id = serial_id(ctx, "mdtrt_id")
    ipt_otp_no = text(d.get("ipt_otp_no"))
    ctx.conn.execute(
        "INSERT INTO visits (mdtrt_id, fixmedins_code, psn_no, insutype, insuplc_admdvs, mdtrtarea_admvs, med_type, "
        "begntime, ipt_otp_no, mdtrt_cert_type, status, reg_msgid, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'registered', ?, ?)",
        (mdtrt_id, ctx.code, person["psn_no"], insutype, insuplc, ctx.area, default_mt,
         text(d.get("begntime")) or ts19(ctx.now), ipt_otp_no, cert_type, ctx.msgid, ts19(ctx.now)))
    return {"data": {"mdtrt_id": mdtrt_id, "psn_no": person["psn_no"], "ipt_otp_no": ipt_otp_no}}


def t2202(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    v = visit_of(ctx, d, "2601 冲正入院(2401)")
    if v["status"] == "settled":
        raise Refusal(f"该就诊已结算(setl_id={v['setl_id']})，请先撤销结算(2208)再撤销挂号")
    ctx.conn.execute("UPDATE visits SET status = 'cancelled' WHERE mdtrt_id = ?", (v["mdtrt_id"],))
    cancel_unsettled_fees(ctx, v["mdtrt_id"])
    return {}


def t2203(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    v = visit_of(ctx, d, "2402 出院办理")
    if v["status"] == "settled":
        raise Refusal("该就诊已结算，不能修改就诊信息")
    med_type = med_type_of(ctx, text(d.get("med_type")) or v["med_type"])
    dise_codg, dise_name = diagnosis(ctx, d)
    ctx.conn.execute("UPDATE visits SET med_type = ?, dise_codg = ?, dise_name = ?, begntime = ? WHERE mdtrt_id = ?",
                     (med_type, dise_codg, dise_name, text(d.get("begntime")) or v["begntime"], v["mdtrt_id"]))
    return {}


# 2204 / 2205 fee details --------------------------------------------------------------------------
def fee_batch(rows: list[dict[str, Any]], kind: str = "") -> dict[str, Any]:
    """The lines of an upload (2204, or 2301 with kind 住院) are of one visit and one person: the first names them."""
    mdtrt_ids = {text(r.get("mdtrt_id")) for r in rows}
    if len(mdtrt_ids) != 1:
        raise Refusal(f"一次上传的{kind}费用明细须属于同一{kind}就诊(mdtrt_id)")
    psn_nos = {text(r.get("psn_no")) for r in rows}
    if len(psn_nos) != 1:
        raise Refusal(f"一次上传的{kind}费用明细须属于同一参保人(psn_no)")
    return rows[0]


def t2204(ctx: Ctx) -> dict[str, Any]:
    rows: list[dict[str, Any]] = ctx.node
    v = visit_of(ctx, fee_batch(rows), "2301 住院费用明细上传")
    if v["status"] == "settled":
        raise Refusal(f"该就诊已结算(setl_id={v['setl_id']})，不能再上传费用明细")
    return {"result": store_fees(ctx, v, rows, "2205")}


def store_fees(ctx: Ctx, v: sqlite3.Row, rows: list[dict[str, Any]], cancel_infno: str) -> list[dict[str, Any]]:
    """Classify and store fee lines of one message (2204 / 2301); the per-line results."""
    existing = {r["feedetl_sn"] for r in ctx.conn.execute(
        "SELECT feedetl_sn FROM fees WHERE mdtrt_id = ? AND status != 'cancelled'", (v["mdtrt_id"],))}
    seen: set[str] = set()
    results = []
    for n, r in enumerate(rows, 1):
        sn = text(r.get("feedetl_sn"))
        if not sn:
            raise Refusal(f"第 {n} 条费用明细缺少费用明细流水号 feedetl_sn")
        if sn in seen:
            raise Refusal(f"第 {n} 条费用明细流水号 feedetl_sn {sn} 在本次上传中重复")
        if sn in existing:
            raise Refusal(f"费用明细流水号 feedetl_sn {sn} 在本次就诊中已上传(重复)，"
                          f"请勿重复上传；如需修改请先撤销({cancel_infno})")
        seen.add(sn)
        code = text(r.get("med_list_codg"))
        if not code:
            raise Refusal(f"第 {n} 条费用明细缺少医保目录编码 med_list_codg")
        pric = to_decimal(r.get("pric"), f"第 {n} 条明细单价 pric")
        cnt = to_decimal(r.get("cnt"), f"第 {n} 条明细数量 cnt")
        total = to_decimal(r.get("det_item_fee_sumamt"), f"第 {n} 条明细金额 det_item_fee_sumamt")
        if cnt <= 0:
            raise Refusal(f"第 {n} 条费用明细数量 cnt 须大于 0（实际 {cnt}）")
        if pric < 0:
            raise Refusal(f"第 {n} 条费用明细单价 pric 不能为负（实际 {pric}）")
        if total != line_amount(pric, cnt):
            raise Refusal(f"第 {n} 条费用明细金额 {total} 与单价×数量 {line_amount(pric, cnt)} 不符")
        item = ctx.policies.catalogue_item(ctx.area, code)
        c = classify_item(item, pric, cnt, total)
        memo = ("医保目录外项目，全自费" if item is None else
                "丙类，全自费" if c["chrgitm_lv"] == "03" else
                f"超限价 {c['overlmt_amt']}" if c["overlmt_amt"] > 0 else "")
        name = text(r.get("med_list_name")) or (item.name if item else code)
        ctx.conn.execute(
            "INSERT INTO fees (mdtrt_id, feedetl_sn, chrg_bchno, msgid, med_list_codg, medins_list_codg, name, pric, "
            "cnt, det_item_fee_sumamt, fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt, chrgitm_lv, "
            "status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'uploaded')",
            (v["mdtrt_id"], sn, text(r.get("chrg_bchno")), ctx.msgid, code, text(r.get("medins_list_codg")), name,
             str(pric), str(cnt), *(str(c[k]) for k in ITEM_AMOUNTS), c["chrgitm_lv"]))
        results.append({
            "feedetl_sn": sn, "det_item_fee_sumamt": c["det_item_fee_sumamt"], "cnt": cnt,
            "pric": money(pric) if pric == money(pric) else pric,
            "pric_uplmt_amt": c["pric_uplmt_amt"], "selfpay_prop": c["selfpay_prop"],
            "fulamt_ownpay_amt": c["fulamt_ownpay_amt"], "overlmt_amt": c["overlmt_amt"],
            "preselfpay_amt": c["preselfpay_amt"], "inscp_scp_amt": c["inscp_scp_amt"],
            "chrgitm_lv": c["chrgitm_lv"], "med_chrgitm_type": c["med_chrgitm_type"],
            "bas_medn_flag": "0", "hi_nego_drug_flag": "0", "chld_medc_flag": "0", "list_sp_item_flag": "0",
            "lmt_used_flag": "0", "drt_reim_flag": "0", "memo": memo,
        })
    return results


def t2205(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    v = visit_of(ctx, d, "2302 住院费用明细撤销")
    bch = text(d.get("chrg_bchno"))
    if not bch:
        raise Refusal("缺少收费批次号 chrg_bchno（撤销全部未结算明细时传 0000）")
    if bch == "0000":
        if cancel_unsettled_fees(ctx, v["mdtrt_id"]) == 0:
            ctx.warn.append("没有未结算的费用明细")
    else:
        cur = ctx.conn.execute("UPDATE fees SET status = 'cancelled' WHERE mdtrt_id = ? AND chrg_bchno = ? "
                               "AND status = 'uploaded'", (v["mdtrt_id"], bch))
        if cur.rowcount == 0:
            raise Refusal(f"未找到收费批次 {bch} 的未结算费用明细")
    return {}


# 2206 / 2207 / 2208 settlement (terminal/sandbox/settlement.py) -----------------------------------
def t2206(ctx: Ctx) -> dict[str, Any]:
    info, meta = compute(ctx, final=False)
    return {"setlinfo": info, "setldetail": meta["details"]}


def t2207(ctx: Ctx) -> dict[str, Any]:
    return final(ctx, "2207")


def t2208(ctx: Ctx) -> dict[str, Any]:
    return cancel(ctx, "2208", "2207")
