"""Outpatient chronic and special diseases (门诊慢特病): 5301 人员慢特病备案查询, 2503 人员慢特病备案, and the check a
med_type 14 settlement makes: the visit's disease (dise_codg of 2203, the opsp_dise_code) filed for the visit's
insutype and in date on the settlement day.

The filings are data (data/chronic.json) plus those 2503 booked (table chronic_filings)."""
from __future__ import annotations

import re
import sqlite3
from typing import Any

from .state import Ctx, Refusal, insurance, person_of, serial_id, text, ts19

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NEXT_STEP = ("请参保人先办理门诊慢特病备案（定点医疗机构 2503，或国家医保服务平台 APP / 参保地医保经办机构），"
             "或按普通门诊结算")


def filings_of(ctx: Ctx, psn_no: str, insutype: str = "") -> list[dict[str, Any]]:
    """The person's chronic-disease filings (data first, then 2503's), optionally of one insutype."""
    rows = [f for f in ctx.policies.chronic_filings if f.get("psn_no") == psn_no]
    rows += [dict(r) for r in ctx.conn.execute(
        "SELECT * FROM chronic_filings WHERE psn_no = ? AND status = 'filed' ORDER BY created", (psn_no,))]
    return [f for f in rows if not insutype or text(f.get("insutype")) == insutype]


def in_date(f: dict[str, Any], day: str) -> bool:
    return text(f.get("begndate")) <= day and (not text(f.get("enddate")) or day <= text(f["enddate"]))


def require_filing(ctx: Ctx, psn_no: str, insutype: str, code: str, name: str) -> dict[str, Any]:
    """The filing that lets this med_type 14 settlement apply the chronic policy of ``code``, or Refusal naming
    the disease and why (not filed, expired, not yet begun)."""
    if not code:
        raise Refusal("门诊慢特病(med_type 14)须在就诊信息(2203)中填写慢特病病种 dise_codg（门慢门特病种目录代码 "
                      "opsp_dise_code），请重新上传就诊信息")
    name = name or ctx.policies.chronic_diseases.get(code, "")
    day = ctx.now.strftime("%Y-%m-%d")
    same = [f for f in filings_of(ctx, psn_no, insutype) if text(f.get("opsp_dise_code")) == code]
    for f in same:
        if in_date(f, day):
            return f
    what = f"门诊慢特病 {code} {name}".rstrip()
    if not same:
        raise Refusal(f"参保人未备案{what}（险种 {insutype}），不能按门诊慢特病结算；{NEXT_STEP}")
    f = max(same, key=lambda x: text(x.get("enddate")) or "9999")
    if text(f.get("begndate")) > day:
        raise Refusal(f"参保人{what}备案自 {f['begndate']} 起生效，今日({day})不能按门诊慢特病结算")
    raise Refusal(f"参保人{what}备案已于 {f['enddate']} 到期，不能按门诊慢特病结算；请参保人续办备案后再结算，"
                  "或按普通门诊结算")


def t5301(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    person = person_of(ctx, text(d.get("psn_no")))
    insutype = text(d.get("insutype"))
    if insutype:
        insurance(person, insutype)  # refuses an insutype the person does not have
    return {"feedetail": [{"opsp_dise_code": text(f.get("opsp_dise_code")),
                           "opsp_dise_name": text(f.get("opsp_dise_name")),
                           "begndate": text(f.get("begndate")), "enddate": text(f.get("enddate"))}
                          for f in filings_of(ctx, person["psn_no"], insutype)]}


def t2503(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    person = person_of(ctx, text(d.get("psn_no")))
    insutype = text(d.get("insutype"))
    if not insutype:
        raise Refusal("缺少险种类型 insutype")
    insurance(person, insutype)
    code = text(d.get("opsp_dise_code"))
    known = ctx.policies.chronic_diseases
    if code not in known:
        raise Refusal(f"门慢门特病种目录代码 opsp_dise_code {code!r} 无效（可备案: "
                      + "、".join(f"{k} {v}" for k, v in known.items()) + "）")
    name = text(d.get("opsp_dise_name")) or known[code]
    begndate, enddate = text(d.get("begndate")), text(d.get("enddate"))
    if not _DATE.fullmatch(begndate):
        raise Refusal(f"开始日期 begndate 应为 yyyy-MM-dd，实际为 {begndate!r}")
    if enddate and (not _DATE.fullmatch(enddate) or enddate < begndate):
        raise Refusal(f"结束日期 enddate {enddate!r} 应为 yyyy-MM-dd 且不早于开始日期 {begndate}")
    for f in filings_of(ctx, person["psn_no"], insutype):
        if text(f.get("opsp_dise_code")) == code and _overlaps(f, begndate, enddate):
            raise Refusal(f"参保人已备案门诊慢特病 {code} {name}（{f['begndate']} 至 {f.get('enddate') or '长期'}），"
                          "不能重复备案")
    sn = serial_id(ctx, "trt_dcla_detl_sn")
    _insert(ctx.conn, sn, person["psn_no"], insutype, code, name, begndate, enddate, ctx.code, ctx.msgid,
            ts19(ctx.now))
    return {"result": {"trt_dcla_detl_sn": sn}}


def _overlaps(f: dict[str, Any], begndate: str, enddate: str) -> bool:
    fb, fe = text(f.get("begndate")), text(f.get("enddate")) or "9999-12-31"
    return fb <= (enddate or "9999-12-31") and begndate <= fe


def _insert(conn: sqlite3.Connection, *row: str) -> None:
    conn.execute("INSERT INTO chronic_filings (trt_dcla_detl_sn, psn_no, insutype, opsp_dise_code, opsp_dise_name, "
                 "begndate, enddate, fixmedins_code, msgid, created, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                 "'filed')", row)
