"""Identity and sign-in: 9001 sign-in, 9002 sign-out, 1101 person info, and the credential check (ID card, social
security card with its card_sn, e-voucher token) the registration, admission and settlement transactions share."""
from __future__ import annotations

from datetime import date
from typing import Any

from .state import Ctx, Refusal, balance_of, text, ts19


def identify(ctx: Ctx, cert_type: str, cert_no: str, card_sn: str | None, *, quiet_sn: bool = False
             ) -> dict[str, Any]:
    """The person a credential names: 01 e-voucher token, 02 ID number, 03 social security card (with card_sn,
    unless quiet_sn and none is given)."""
    p = ctx.policies
    if cert_type == "02":
        person = p.by_certno.get(cert_no.upper())
        if person is None:
            raise Refusal("未查询到参保人信息，请核对身份证号码")
        return person
    if cert_type == "03":
        person = p.by_card_no.get(cert_no)
        if person is None:
            raise Refusal("未查询到参保人信息，请核对社会保障卡卡号")
        card = person["card"]
        if card_sn is not None or not quiet_sn:
            if not card_sn:
                raise Refusal("社保卡就诊须上传卡识别码 card_sn（读卡获得），请重新读卡")
            if card_sn.upper() != card["card_sn"].upper():
                raise Refusal("社会保障卡识别码(card_sn)与卡号不符：卡片可能已补换或信息被篡改，"
                              "请重新读卡或改用医保电子凭证")
        expiry = card.get("expiry_date") or ""
        if expiry and expiry < ctx.now.strftime("%Y%m%d"):
            raise Refusal(f"社会保障卡已过有效期({expiry[:4]}-{expiry[4:6]}-{expiry[6:]})，"
                          "请改用医保电子凭证或身份证就诊，并到社保卡服务网点换卡")
        return person
    if cert_type == "01":
        row = ctx.conn.execute("SELECT * FROM ectokens WHERE token = ?", (cert_no,)).fetchone()
        if row is None or row["expires"] < ts19(ctx.now):
            raise Refusal("医保电子凭证令牌(ecToken)无效或已过期，请患者刷新医保码后重新扫码")
        person = p.persons.get(row["person_key"])
        if person is None:
            raise Refusal("未查询到参保人信息")
        return person
    raise Refusal(f"就诊凭证类型 mdtrt_cert_type {cert_type!r} 无效（01 电子凭证, 02 身份证, 03 社保卡）")


def cert_check(ctx: Ctx, person: dict[str, Any], d: dict[str, Any]) -> str:
    """When the node gives a credential with its psn_no, it must be this person's. Returns the mdtrt_cert_type."""
    cert_type, cert_no = text(d.get("mdtrt_cert_type")), text(d.get("mdtrt_cert_no"))
    card_sn = text(d.get("card_sn")) or None
    if not cert_type or not cert_no:
        return cert_type
    try:
        other = identify(ctx, cert_type, cert_no, card_sn if cert_type == "03" else None, quiet_sn=True)
    except Refusal as r:
        raise Refusal(f"就诊凭证校验失败：{r.err_msg}") from None
    if other["psn_no"] != person["psn_no"]:
        raise Refusal("就诊凭证(mdtrt_cert_no)与人员编号 psn_no 不是同一参保人")
    return cert_type


# 9001 / 9002 sign-in and sign-out ------------------------------------------------------------------
def t9001(ctx: Ctx) -> dict[str, Any]:
    opter = text(ctx.node.get("opter_no")) or text(ctx.env.get("opter"))
    if not opter:
        raise Refusal("签到须提供操作员编号 opter_no")
    today = ctx.now.strftime("%Y-%m-%d")
    row = ctx.conn.execute("SELECT * FROM signins WHERE fixmedins_code = ? AND opter_no = ? AND sign_date = ? "
                           "AND status = 'in' ORDER BY sign_time DESC LIMIT 1", (ctx.code, opter, today)).fetchone()
    if row is not None:
        return {"signinoutb": {"sign_no": row["sign_no"], "sign_time": row["sign_time"]}}
    n = ctx.store.next_serial(ctx.conn, "sign_no")
    sign_no = f"{ctx.now:%Y%m%d%H%M%S}{n % 10**6:06d}"
    ctx.conn.execute("INSERT INTO signins (sign_no, fixmedins_code, opter_no, sign_date, sign_time, status) "
                     "VALUES (?, ?, ?, ?, ?, 'in')", (sign_no, ctx.code, opter, today, ts19(ctx.now)))
    return {"signinoutb": {"sign_no": sign_no, "sign_time": ts19(ctx.now)}}


def t9002(ctx: Ctx) -> dict[str, Any]:
    sign_no = text(ctx.node.get("sign_no")) or text(ctx.env.get("sign_no"))
    row = ctx.conn.execute("SELECT * FROM signins WHERE sign_no = ?", (sign_no,)).fetchone()
    if row is None or row["fixmedins_code"] != ctx.code or row["status"] != "in":
        raise Refusal("签到编号不存在或已签退")
    ctx.conn.execute("UPDATE signins SET status = 'out', signout_time = ? WHERE sign_no = ?",
                     (ts19(ctx.now), sign_no))
    return {"signoutoutb": {"sign_time": ts19(ctx.now), "sign_no": sign_no}}


# 1101 person info ---------------------------------------------------------------------------------
def t1101(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    cert_type = text(d.get("mdtrt_cert_type"))
    cert_no = text(d.get("mdtrt_cert_no"))
    if cert_type == "02" and not cert_no:
        cert_no = text(d.get("certno"))
    if not cert_no:
        raise Refusal("缺少就诊凭证编号 mdtrt_cert_no")
    person = identify(ctx, cert_type, cert_no, text(d.get("card_sn")))
    brdy = date.fromisoformat(person["brdy"])
    today = ctx.now.date()
    age = today.year - brdy.year - ((today.month, today.day) < (brdy.month, brdy.day))
    base = {k: person.get(k, "") for k in ("psn_no", "psn_cert_type", "certno", "psn_name", "gend", "naty", "brdy")}
    base["age"] = age
    insuinfo = []
    for ins in person["insuinfo"]:
        i = {k: ins.get(k, "") for k in ("insutype", "psn_type", "psn_insu_stas", "psn_insu_date",
                                          "paus_insu_date", "cvlserv_flag", "insuplc_admdvs", "emp_name")}
        i["balc"] = balance_of(ctx.conn, person, ins["insutype"])
        insuinfo.append(i)
    return {"baseinfo": base, "insuinfo": insuinfo, "idetinfo": list(person.get("idetinfo") or [])}
