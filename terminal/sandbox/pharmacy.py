"""The designated retail pharmacy (定点零售药店, fixmedins_type 2): 2101 药店预结算, 2102 药店结算,
2103 药店结算撤销 and 3505 商品销售 (the sales upload with the traceability codes).
The pharmacy's catalogue and policy are data (data/pharmacy.json): which drugs are prescription-only (rx_flag 1:
the sale needs rxno) and which need one 20-digit traceability code per box (trace_required: the 2102's drug_trac_info).

A pharmacy has no registration: 2101 opens the visit (mdtrt_id in its setlinfo) with the sale's lines as
feedetail; 2101 again or 2102 with that mdtrt_id replaces the lines. The settlement itself is the shared engine
(settlement.py, med_type 41, the insured place's "pharmacy" benefit: usually only personal accounts pay, and
across provinces only where the insured place allows it, as in the southwest pilot). A code sold stays sold until
the sale is cancelled (2103) or reversed (2601). 3505 is idempotent by the sale (rtal_docno) and its line
(fixmedins_bchno): a repeated upload answers the first result and records nothing new.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from .outpatient import store_fees
from .settlement import cancel, compute, final
from .state import (Ctx, Refusal, cancel_unsettled_fees, check_active, insured, med_type_of, serial_id, text,
                    ts19)

_TRACE = re.compile(r"\d{20}")
_loaded: dict[Path, dict[str, Any]] = {}


def catalogue(ctx: Ctx) -> dict[str, dict[str, Any]]:
    """The pharmacy catalogue by national code (hilist_code) from the policies' data dir."""
    path = Path(ctx.policies.data_dir) / "pharmacy.json"
    if path not in _loaded:
        _loaded[path] = json.loads(path.read_text(encoding="utf-8"))
    return {d["hilist_code"]: d for d in _loaded[path].get("catalogue") or []}


def _pharmacy(ctx: Ctx, infno: str) -> None:
    if ctx.fac.get("fixmedins_type") != "2":
        raise Refusal(f"定点机构 {ctx.code} 不是定点零售药店，不能办理药店交易({infno})")


def _lines(ctx: Ctx) -> list[dict[str, Any]]:
    rows = ctx.inp.get("feedetail")
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise Refusal("input.feedetail 应为非空的销售明细列表")
    return rows


def _check_rx(ctx: Ctx, rows: list[dict[str, Any]]) -> None:
    cat = catalogue(ctx)
    for n, r in enumerate(rows, 1):
        drug = cat.get(text(r.get("med_list_codg")))
        if drug and drug.get("rx_flag") == "1" and not text(r.get("rxno")):
            raise Refusal(f"第 {n} 条明细 {drug['name']} 为处方药，缺少处方号 rxno，不能医保结算")


def _check_trace(ctx: Ctx, rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """drug_trac_info against the lines: every box of a drug that needs codes has one, 20 digits, each once and
    not sold before. Returns (code, med_list_codg) to record."""
    nodes = ctx.inp.get("drug_trac_info") or []
    if isinstance(nodes, dict):
        nodes = [nodes]
    if not isinstance(nodes, list):
        raise Refusal("drug_trac_info 应为追溯码列表")
    by_sn: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, nd in enumerate(nodes, 1):
        code = text((nd or {}).get("drug_trac_codg")) if isinstance(nd, dict) else ""
        sn = text(nd.get("feedetl_sn")) if isinstance(nd, dict) else ""
        if not code or not sn:
            raise Refusal(f"drug_trac_info 第 {i} 条缺少 feedetl_sn 或 drug_trac_codg")
        if not _TRACE.fullmatch(code):
            raise Refusal(f"drug_trac_info 第 {i} 条追溯码 {code[:24]} 不是 20 位数字")
        if code in seen:
            raise Refusal(f"追溯码 {code} 在本次结算中重复")
        seen.add(code)
        by_sn.setdefault(sn, []).append(code)
    cat = catalogue(ctx)
    out = []
    sns = set()
    for n, r in enumerate(rows, 1):
        sn, codg = text(r.get("feedetl_sn")), text(r.get("med_list_codg"))
        sns.add(sn)
        drug = cat.get(codg)
        codes = by_sn.get(sn, [])
        if drug and drug.get("trace_required"):
            cnt = Decimal(str(r.get("cnt") or "0"))
            if cnt != cnt.to_integral_value():
                raise Refusal(f"第 {n} 条明细 {drug['name']} 需追溯码，数量须为整盒（实际 {cnt}）")
            if len(codes) != int(cnt):
                raise Refusal(f"第 {n} 条明细 {drug['name']} 缺少药品追溯码(drug_trac_info)：应 {int(cnt)} 个，"
                              f"实际 {len(codes)} 个")
            prefix = str(drug.get("trace_prefix") or "")
            wrong = [c for c in codes if prefix and not c.startswith(prefix)]
            if wrong:
                raise Refusal(f"第 {n} 条明细 {drug['name']} 的追溯码 {wrong[0]} 不属于该药品")
        out += [(c, codg) for c in codes]
    stray = set(by_sn) - sns
    if stray:
        raise Refusal(f"drug_trac_info 的 feedetl_sn {sorted(stray)[0]} 不在本次销售明细中")
    for code, _ in out:
        row = ctx.conn.execute("SELECT * FROM trace_sold WHERE code = ? AND status = 'sold'", (code,)).fetchone()
        if row is not None:
            raise Refusal(f"追溯码 {code} 已于 {row['sold'][:16]} 销售(结算ID {row['setl_id']})，不能重复销售")
    return out


def _visit(ctx: Ctx, infno: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The visit of this sale (opened by the first 2101, or here) with the request's lines as its fees; the node
    compute() reads."""
    _pharmacy(ctx, infno)
    d = dict(ctx.node)
    rows = _lines(ctx)
    person, ins, insuplc = insured(ctx, d, "药店结算须指定险种 insutype")
    check_active(ins)
    med_type_of(ctx, text(d.get("med_type")) or "41")
    if text(d.get("med_type")) not in ("", "41"):
        raise Refusal(f"药店购药的医疗类别应为 41（实际 {text(d.get('med_type'))}）")
    _check_rx(ctx, rows)
    mdtrt_id = text(d.get("mdtrt_id"))
    v = ctx.conn.execute("SELECT * FROM visits WHERE mdtrt_id = ?", (mdtrt_id,)).fetchone() if mdtrt_id else None
    if v is not None and (v["fixmedins_code"] != ctx.code or v["psn_no"] != person["psn_no"]):
        raise Refusal(f"就诊ID {mdtrt_id} 不属于本药店的该参保人")
    if v is not None and v["status"] != "registered":
        raise Refusal(f"就诊ID {mdtrt_id} 已结算(setl_id={v['setl_id']})，请重新预结算(2101)")
    if v is None:
        mdtrt_id = serial_id(ctx, "mdtrt_id")
        ctx.conn.execute(
            "INSERT INTO visits (mdtrt_id, fixmedins_code, psn_no, insutype, insuplc_admdvs, mdtrtarea_admvs, "
            "med_type, begntime, ipt_otp_no, mdtrt_cert_type, status, reg_msgid, created) "
            "VALUES (?, ?, ?, ?, ?, ?, '41', ?, ?, ?, 'registered', ?, ?)",
            (mdtrt_id, ctx.code, person["psn_no"], ins["insutype"], insuplc, ctx.area,
             text(d.get("begntime")) or ts19(ctx.now), text(d.get("ipt_otp_no")), text(d.get("mdtrt_cert_type")),
             ctx.msgid, ts19(ctx.now)))
        v = ctx.conn.execute("SELECT * FROM visits WHERE mdtrt_id = ?", (mdtrt_id,)).fetchone()
    cancel_unsettled_fees(ctx, mdtrt_id)
    bch = text(d.get("chrg_bchno"))
    rows = [{**r, "mdtrt_id": mdtrt_id, "psn_no": person["psn_no"], "chrg_bchno": bch} for r in rows]
    store_fees(ctx, v, rows, "2103")
    d.update(mdtrt_id=mdtrt_id, med_type="41", chrg_bchno=bch)
    ctx.node = d
    return d, rows


def t2101(ctx: Ctx) -> dict[str, Any]:
    _visit(ctx, "2101")
    info, meta = compute(ctx, final=False)
    return {"setlinfo": info, "setldetail": meta["details"]}


def t2102(ctx: Ctx) -> dict[str, Any]:
    _, rows = _visit(ctx, "2102")
    codes = _check_trace(ctx, rows)
    out = final(ctx, "2102")
    setl_id = out["setlinfo"]["setl_id"]
    ctx.conn.executemany(
        "INSERT OR REPLACE INTO trace_sold (code, fixmedins_code, setl_id, msgid, med_list_codg, status, sold) "
        "VALUES (?, ?, ?, ?, ?, 'sold', ?)", [(c, ctx.code, setl_id, ctx.msgid, g, ts19(ctx.now)) for c, g in codes])
    return out


def t2103(ctx: Ctx) -> dict[str, Any]:
    _pharmacy(ctx, "2103")
    out = cancel(ctx, "2103", "2102")
    release(ctx, text(ctx.node.get("setl_id")))
    return out


def release(ctx: Ctx, setl_id: str, status: str = "released") -> None:
    """The codes of a sale go back (cancelled or reversed), or are sold again (status 'sold': a reversed 2103)."""
    ctx.conn.execute("UPDATE trace_sold SET status = ? WHERE setl_id = ?", (status, setl_id))


SALE_REQUIRED = ("med_list_codg", "fixmedins_hilist_id", "fixmedins_hilist_name", "fixmedins_bchno", "rx_flag",
                 "rtal_docno", "sel_retn_cnt", "sel_retn_time", "mdtrt_setl_type")


def t3505(ctx: Ctx) -> dict[str, Any]:
    """商品销售: one sold line with its traceability codes (drugtracinfo); idempotent by rtal_docno and
    fixmedins_bchno."""
    _pharmacy(ctx, "3505")
    d = ctx.node
    missing = [k for k in SALE_REQUIRED if not text(d.get(k))]
    if missing:
        raise Refusal("商品销售 selinfo 缺少: " + "、".join(missing))
    if text(d.get("mdtrt_setl_type")) == "1" and not text(d.get("setl_id")):
        raise Refusal("医保结算的销售(mdtrt_setl_type=1)须填写结算ID setl_id")
    key = (ctx.code, text(d.get("rtal_docno")), text(d.get("fixmedins_bchno")))
    done = ctx.conn.execute("SELECT output, msgid FROM sales WHERE fixmedins_code = ? AND rtal_docno = ? AND "
                            "fixmedins_bchno = ?", key).fetchone()
    if done is not None:
        ctx.warn.append(f"该销售明细已于报文 {done['msgid']} 上传，未重复记录")
        first: dict[str, Any] = json.loads(done["output"])
        return first
    setl_id = text(d.get("setl_id"))
    if setl_id and ctx.conn.execute("SELECT 1 FROM ledger WHERE setl_id = ? AND infno = '2102' AND "
                                    "fixmedins_code = ?", (setl_id, ctx.code)).fetchone() is None:
        raise Refusal(f"结算ID {setl_id} 不是本药店的药店结算(2102)")
    nodes = d.get("drugtracinfo") or []
    codes = [text(n.get("drug_trac_codg")) for n in nodes if isinstance(n, dict)]
    bad = [c for c in codes if not _TRACE.fullmatch(c)]
    if bad:
        raise Refusal(f"drugtracinfo 追溯码 {bad[0][:24]} 不是 20 位数字")
    output = {"result": {"retRslt": "1", "msgRslt": "受理成功", "rtal_docno": key[1], "fixmedins_bchno": key[2],
                         "trac_cnt": len(codes)}}
    ctx.conn.execute("INSERT INTO sales (fixmedins_code, rtal_docno, fixmedins_bchno, msgid, setl_id, med_list_codg, "
                     "cnt, codes, received, output) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (*key, ctx.msgid, setl_id, text(d.get("med_list_codg")), text(d.get("sel_retn_cnt")),
                      json.dumps(codes), ts19(ctx.now), json.dumps(output, ensure_ascii=False)))
    return output
