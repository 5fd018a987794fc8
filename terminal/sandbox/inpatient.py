"""Inpatient: 2401 admission (with the cross-province filing check), 2402 discharge, 2301 / 2302 fee details (upload,
cancel), 2303 pre-settlement, 2304 settlement, 2305 its cancellation. 2403 (admission change), 2404 (admission
cancel) and 2405 (discharge cancel) are known but not simulated."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from terminal.core.regions import is_cross_province, place_name

from .identity import cert_check
from .outpatient import fee_batch, store_fees
from .settlement import cancel, compute, final
from .state import (Ctx, Refusal, admission_of, cancel_unsettled_fees, check_active, diagnosis, insured, med_type_of,
                    serial_id, stay_of, text, ts19)

#: dscg_way 离院方式
DSCG_WAYS = {"1": "医嘱离院", "2": "医嘱转院", "3": "医嘱转社区卫生服务机构/乡镇卫生院", "4": "非医嘱离院", "5": "死亡",
             "9": "其他"}


def _check_filing(ctx: Ctx, person: dict[str, Any], ins: dict[str, Any], begntime: str) -> str:
    """A cross-province admission needs a filing (异地就医备案) valid on the day of admission: its filing_no
    ('' within the province)."""
    if not is_cross_province(ins["insuplc_admdvs"], ctx.area):
        return ""
    filing, why = ctx.policies.filing(person["psn_no"], ins["insutype"], ctx.area, begntime[:10])
    there = f"参保地 {place_name(ins['insuplc_admdvs'])}，就医地 {place_name(ctx.area)}"
    if filing is None:  # why "none"
        raise Refusal(f"参保人未办理异地就医备案（{there}），不能跨省直接结算住院费用：请参保人通过国家医保服务平台"
                      "APP、微信小程序或参保地医保经办机构办理异地就医备案后再办理入院；未备案可按自费入院，"
                      "出院后回参保地报销")
    if why:
        when = f"{filing.get('begndate') or '…'} 至 {filing.get('enddate') or '长期'}"
        raise Refusal(f"参保人的异地就医备案({filing.get('filing_no', '')}，有效期 {when})"
                      f"{'已过期' if why == 'expired' else '尚未生效'}（{there}）：请参保人办理备案续期后再办理入院")
    return str(filing.get("filing_no") or "")


def t2401(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    if ctx.fac.get("fixmedins_type") != "1":
        raise Refusal(f"定点机构 {ctx.code} 不是定点医疗机构，不能办理住院")
    person, ins, insuplc = insured(ctx, d, "入院办理须指定险种 insutype（参保人有多个险种时由收费员选择）")
    insutype = ins["insutype"]
    if not text(d.get("mdtrt_cert_type")) or not text(d.get("mdtrt_cert_no")):
        raise Refusal("入院办理须提供就诊凭证类型 mdtrt_cert_type 和凭证编号 mdtrt_cert_no")
    cert_type = cert_check(ctx, person, d)
    check_active(ins)
    med_type = med_type_of(ctx, text(d.get("med_type")) or "21")
    if ctx.policies.benefit_of(med_type) != "inpatient":
        raise Refusal(f"医疗类别 med_type {med_type} 不是住院类别（普通住院为 21）")
    ipt_no = text(d.get("ipt_no")) or text(d.get("ipt_otp_no"))
    missing = [name for name, val in (("住院号 ipt_no", ipt_no),
                                      ("入院科室编码 adm_dept_codg", text(d.get("adm_dept_codg"))),
                                      ("主治医生编码 atddr_no", text(d.get("atddr_no"))),
                                      ("入院诊断 adm_diag_dscr 或 dise_codg",
                                       text(d.get("adm_diag_dscr")) or text(d.get("dise_codg"))))
               if not val]
    if missing:
        raise Refusal("入院办理缺少: " + "、".join(missing))
    begntime = text(d.get("begntime")) or ts19(ctx.now)
    try:
        datetime.strptime(begntime[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise Refusal(f"入院时间 begntime 格式应为 yyyy-MM-dd HH:mm:ss，实际为 {begntime!r}") from None
    filing_no = _check_filing(ctx, person, ins, begntime)
    cur = ctx.conn.execute(
        "SELECT a.mdtrt_id, a.fixmedins_code, a.ipt_no FROM admissions a JOIN visits v ON v.mdtrt_id = a.mdtrt_id "
        "WHERE a.psn_no = ? AND a.status = 'admitted' AND v.status != 'cancelled'", (person["psn_no"],)).fetchone()
    if cur is not None:
        where = "本院" if cur["fixmedins_code"] == ctx.code else f"定点医疗机构 {cur['fixmedins_code']}"
        raise Refusal(f"参保人已在{where}住院(住院号 {cur['ipt_no']}，就诊ID {cur['mdtrt_id']})，"
                      "未办理出院前不能重复办理入院")
    dup = ctx.conn.execute("SELECT mdtrt_id FROM admissions WHERE fixmedins_code = ? AND ipt_no = ? AND "
                           "status != 'cancelled'", (ctx.code, ipt_no)).fetchone()
    if dup is not None:
        raise Refusal(f"住院号 {ipt_no} 已被就诊 {dup['mdtrt_id']} 使用，请使用新的住院号")
    dise_codg, dise_name = diagnosis(ctx, d)
    mdtrt_id = serial_id(ctx, "mdtrt_id")
    ctx.conn.execute(
        "INSERT INTO visits (mdtrt_id, fixmedins_code, psn_no, insutype, insuplc_admdvs, mdtrtarea_admvs, med_type, "
        "begntime, ipt_otp_no, dise_codg, dise_name, mdtrt_cert_type, status, reg_msgid, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'registered', ?, ?)",
        (mdtrt_id, ctx.code, person["psn_no"], insutype, insuplc, ctx.area, med_type, begntime, ipt_no, dise_codg,
         dise_name, cert_type, ctx.msgid, ts19(ctx.now)))
    ctx.conn.execute(
        "INSERT INTO admissions (mdtrt_id, fixmedins_code, psn_no, ipt_no, begntime, adm_dept_codg, adm_dept_name, "
        "atddr_no, dr_name, adm_bed, adm_diag_dscr, filing_no, status, adm_msgid) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'admitted', ?)",
        (mdtrt_id, ctx.code, person["psn_no"], ipt_no, begntime, text(d.get("adm_dept_codg")),
         text(d.get("adm_dept_name")), text(d.get("atddr_no")), text(d.get("chfpdr_name")) or text(d.get("dr_name")),
         text(d.get("adm_bed")), text(d.get("adm_diag_dscr")) or dise_name, filing_no, ctx.msgid))
    return {"result": {"mdtrt_id": mdtrt_id, "psn_no": person["psn_no"], "ipt_otp_no": ipt_no}}


def t2402(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    v, a = stay_of(ctx, d)
    if a["status"] == "discharged":
        raise Refusal(f"住院就诊(mdtrt_id={v['mdtrt_id']})已于 {a['endtime']} 办理出院，不能重复办理")
    if v["status"] == "settled":
        raise Refusal("该住院就诊已结算，不能办理出院")
    insutype = text(d.get("insutype"))
    if insutype and insutype != v["insutype"]:
        raise Refusal(f"出院险种 {insutype} 与入院险种 {v['insutype']} 不符")
    endtime = text(d.get("endtime"))
    if not endtime:
        raise Refusal("出院办理缺少出院时间 endtime")
    try:
        end = datetime.strptime(endtime[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise Refusal(f"出院时间 endtime 格式应为 yyyy-MM-dd HH:mm:ss，实际为 {endtime!r}") from None
    if end < datetime.strptime(a["begntime"][:19], "%Y-%m-%d %H:%M:%S"):
        raise Refusal(f"出院时间 {endtime} 早于入院时间 {a['begntime']}")
    way = text(d.get("dscg_way")) or "1"
    if way not in DSCG_WAYS:
        raise Refusal(f"离院方式 dscg_way {way!r} 无效（" + "、".join(f"{k} {n}" for k, n in DSCG_WAYS.items()) + "）")
    dise_codg, dise_name = diagnosis(ctx, d)
    ctx.conn.execute("UPDATE admissions SET status = 'discharged', endtime = ?, dscg_way = ?, dscg_dept_codg = ?, "
                     "dscg_dise_codg = ?, dscg_dise_name = ?, dscg_msgid = ? WHERE mdtrt_id = ?",
                     (endtime, way, text(d.get("dscg_dept_codg")), dise_codg, dise_name, ctx.msgid, v["mdtrt_id"]))
    if dise_codg:
        ctx.conn.execute("UPDATE visits SET dise_codg = ?, dise_name = ? WHERE mdtrt_id = ?",
                         (dise_codg, dise_name, v["mdtrt_id"]))
    return {}


def t2301(ctx: Ctx) -> dict[str, Any]:
    rows: list[dict[str, Any]] = ctx.node
    v, _a = stay_of(ctx, fee_batch(rows, "住院"))
    if v["status"] == "settled":
        raise Refusal(f"该住院就诊已结算(setl_id={v['setl_id']})，不能再上传费用明细；如需补传请先撤销结算(2305)")
    return {"result": store_fees(ctx, v, rows, "2302")}


def t2302(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    v, _a = stay_of(ctx, d)
    sn = text(d.get("feedetl_sn"))
    if not sn:
        raise Refusal("缺少费用明细流水号 feedetl_sn（撤销全部未结算明细时传 0000）")
    if sn == "0000":
        if cancel_unsettled_fees(ctx, v["mdtrt_id"]) == 0:
            ctx.warn.append("没有未结算的费用明细")
        return {}
    row = ctx.conn.execute("SELECT status FROM fees WHERE mdtrt_id = ? AND feedetl_sn = ? AND status != 'cancelled'",
                           (v["mdtrt_id"], sn)).fetchone()
    if row is None:
        raise Refusal(f"未找到费用明细 {sn}（或已撤销）")
    if row["status"] == "settled":
        raise Refusal(f"费用明细 {sn} 已结算，不能撤销；请先撤销结算(2305)")
    ctx.conn.execute("UPDATE fees SET status = 'cancelled' WHERE mdtrt_id = ? AND feedetl_sn = ? AND "
                     "status = 'uploaded'", (v["mdtrt_id"], sn))
    return {}


def t2303(ctx: Ctx) -> dict[str, Any]:
    info, meta = compute(ctx, final=False, inpatient=True)
    adm = admission_of(ctx.conn, info["mdtrt_id"])
    if adm is None or adm["status"] != "discharged":
        ctx.warn.append("参保人尚在院（未办理出院），本次为在院预结算，仅供参考")
    return {"setlinfo": info, "setldetail": meta["details"]}


def t2304(ctx: Ctx) -> dict[str, Any]:
    return final(ctx, "2304")


def t2305(ctx: Ctx) -> dict[str, Any]:
    return cancel(ctx, "2305", "2304")
