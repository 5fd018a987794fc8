"""The pre-flight a platform answers before anything is uploaded: 2001 人员待遇享受检查 (does the person enjoy each
benefit, and why not) and 5302 人员定点信息查询 (the person's filings, here the cross-province filings 异地就医备案
of data/filings.json); and the cross-province filing rule of outpatient registration (2201).

2001 input ``data{psn_no, insutype, fixmedins_code, med_type, begntime, endtime, dise_codg, dise_name,
oprn_oprt_code, oprn_oprt_name, matn_type, birctrl_type}``; output ``trtinfo[{psn_no, trt_chk_type, fund_pay_type,
trt_enjymnt_flag, begndate, enddate, trt_chk_rslt}]``: one row per fund of the insurance type. Not enjoyed (flag 0)
when the insurance is suspended or ended, when the insured place has no such benefit, and across provinces
without a filing valid for the place of treatment on the day.

5302 input ``data{psn_no, biz_appy_type}``; output ``psnfixmedin[{psn_no, insutype, biz_appy_type, filing_no,
filing_type, insuplc_admdvs, mdtrtarea_admvs, mdtrtarea_name, begndate, enddate}]``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from terminal.core.regions import is_cross_province, place_name

from .policy import PolicyError
from .state import INSU_STATUS, Ctx, Refusal, insured, person_of, text

#: biz_appy_type of a cross-province filing in 5302's answer (the sandbox's code; provinces use their own)
CROSS_PROVINCE_FILING = "异地就医备案"
NEXT_STEP = ("请参保人通过国家医保服务平台APP或国家异地就医备案小程序、或参保地医保经办机构办理异地就医备案"
             "（就医地选{place}）后再结算；也可按自费结算，回参保地报销")


def filing_problem(ctx: Ctx, person: dict[str, Any], ins: dict[str, Any], day: str, what: str) -> str:
    """'' when the person may settle across provinces here on ``day`` (or needs no filing); otherwise the refusal,
    naming the place and the next step. ``what``: 门诊 / 住院."""
    if not is_cross_province(ins["insuplc_admdvs"], ctx.area):
        return ""
    filing, why = ctx.policies.filing(person["psn_no"], ins["insutype"], ctx.area, day)
    if filing is not None and not why:
        return ""
    here = place_name(ctx.area)
    there = f"参保地 {place_name(ins['insuplc_admdvs'])}，就医地 {here}"
    step = NEXT_STEP.format(place=here)
    if filing is None:
        others = [f for f in ctx.policies.filings or ()
                  if f.get("psn_no") == person["psn_no"] and str(f.get("insutype") or "") == ins["insutype"]]
        if others:
            f = others[-1]
            return (f"参保人的异地就医备案({f.get('filing_no', '')})备案就医地为 "
                    f"{place_name(str(f.get('mdtrtarea_admvs') or ''))}，不含本次就医地 {here}，不能跨省直接结算"
                    f"{what}费用。下一步：" + step.replace("办理异地就医备案", "变更异地就医备案"))
        return f"参保人未办理异地就医备案（{there}），不能跨省直接结算{what}费用。下一步：{step}"
    when = f"{filing.get('begndate') or '…'} 至 {filing.get('enddate') or '长期'}"
    state = "已过期" if why == "expired" else "尚未生效"
    return (f"参保人的异地就医备案({filing.get('filing_no', '')}，有效期 {when}){state}（{there}），不能跨省直接结算"
            f"{what}费用。下一步：" + step.replace("办理异地就医备案", "办理备案续期或重新备案"))


def check_outpatient_filing(ctx: Ctx, person: dict[str, Any], ins: dict[str, Any], begntime: str) -> None:
    """2201: outpatient cross-province settlement needs a filing valid for the place of treatment."""
    problem = filing_problem(ctx, person, ins, begntime[:10], "门诊")
    if problem:
        raise Refusal(problem)


def _day(ctx: Ctx, begntime: str) -> str:
    if not begntime:
        return ctx.now.strftime("%Y-%m-%d")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(begntime, fmt).strftime("%Y-%m-%d")
        except ValueError:
            continue
    raise Refusal(f"开始时间 begntime 格式应为 yyyy-MM-dd HH:mm:ss，实际为 {begntime!r}")


def t2001(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    person, ins, _ = insured(ctx, d, "人员待遇享受检查须指定险种 insutype")
    fixmedins = text(d.get("fixmedins_code"))
    if fixmedins and fixmedins != ctx.code:
        raise Refusal(f"定点医药机构编号 fixmedins_code {fixmedins} 与报文的 {ctx.code} 不符")
    med_type = text(d.get("med_type"))
    if not med_type:
        raise Refusal("人员待遇享受检查须指定医疗类别 med_type")
    day = _day(ctx, text(d.get("begntime")))
    reasons: list[str] = []
    st = ins.get("psn_insu_stas", "1")
    if st != "1":
        since = f"(自 {ins['paus_insu_date']} 起)" if ins.get("paus_insu_date") else ""
        reasons.append(f"参保状态为{INSU_STATUS.get(st, st)}{since}，不享受医保待遇，请参保人联系参保地医保经办机构")
    level = str(ctx.fac.get("hosp_lv") or "1")
    try:
        ctx.policies.rule(ins["insuplc_admdvs"], ins["insutype"], med_type, level)
    except PolicyError as e:
        reasons.append(str(e))
    benefit = ctx.policies.med_types.get(med_type, {}).get("benefit", "")
    # a retail pharmacy's purchase (benefit "pharmacy", med_type 41) is paid from the personal account under the
    # insured place's rules (the southwest pilot): no cross-province filing is asked for it
    what = {"inpatient": "住院", "outpatient": "门诊", "chronic": "门诊"}.get(benefit, "")
    if what:
        problem = filing_problem(ctx, person, ins, day, what)
        if problem:
            reasons.append(problem)
    funds = (ctx.policies.insutypes.get(ins["insutype"]) or {}).get("funds") or {}
    rows = []
    for key, f in funds.items():
        if key == "cvlserv" and ins.get("cvlserv_flag") != "1":
            continue
        ok = not reasons
        rows.append({"psn_no": person["psn_no"], "trt_chk_type": "1", "fund_pay_type": f["fund_pay_type"],
                     "trt_enjymnt_flag": "1" if ok else "0",
                     "begndate": ins.get("psn_insu_date") or "",
                     "enddate": ins.get("paus_insu_date") or "",
                     "trt_chk_rslt": ("享受" + (f.get("name") or "")) if ok else "；".join(reasons)})
    return {"trtinfo": rows}


def t5302(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    person = person_of(ctx, text(d.get("psn_no")))
    kind = text(d.get("biz_appy_type"))
    rows = []
    if not kind or kind == CROSS_PROVINCE_FILING:
        for f in ctx.policies.filings or ():
            if f.get("psn_no") != person["psn_no"]:
                continue
            area = str(f.get("mdtrtarea_admvs") or "")
            rows.append({"psn_no": person["psn_no"], "insutype": str(f.get("insutype") or ""),
                         "biz_appy_type": CROSS_PROVINCE_FILING, "filing_no": str(f.get("filing_no") or ""),
                         "filing_type": str(f.get("filing_type") or ""),
                         "insuplc_admdvs": str(f.get("insuplc_admdvs") or ""), "mdtrtarea_admvs": area,
                         "mdtrtarea_name": place_name(area), "begndate": str(f.get("begndate") or ""),
                         "enddate": str(f.get("enddate") or "")})
    return {"psnfixmedin": rows}
