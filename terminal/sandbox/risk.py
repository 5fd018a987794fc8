"""Fund supervision (基金监管明细审核): 3101 事前分析, 3102 事中分析, 3103 事前事中服务反馈.

3101 / 3102 take ``data{syscode, rule_ids, trig_scen, patient_dtos[{patn_id, gend, …, fsi_encounter_dtos[{mdtrt_id,
fsi_diagnose_dtos[], fsi_order_dtos[{rx_id, hilist_code, cnt, pric, sumamt, …}]}]}]}`` and answer
``result[{jr_id, rule_id, rule_name, vola_cont, patn_id, mdtrt_id, judge_result_detail_dtos[{jrd_id, rx_id, …}],
vola_amt, sev_deg, vola_evid, vola_bhvr_type}]``: one entry per violation, found by the rules of data/rules.json.
Each jr_id is remembered; 3103 answers them (``warn_rslt_id``) with the cashier's choice, and is recorded
(table risk_feedback) so tests can read exactly what arrived.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal.core.money import ZERO, money

from .policy import line_amount, to_decimal
from .state import Ctx, Refusal, text, ts19

SCHEMA = """
CREATE TABLE IF NOT EXISTS risk_warnings (
    jr_id TEXT PRIMARY KEY, msgid TEXT NOT NULL, infno TEXT NOT NULL, trig_scen TEXT NOT NULL,
    patn_id TEXT NOT NULL, mdtrt_id TEXT NOT NULL, rule_id TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS risk_feedback (
    id INTEGER PRIMARY KEY, msgid TEXT NOT NULL, warn_type TEXT NOT NULL, warn_rslt_id TEXT NOT NULL,
    dspo_way TEXT NOT NULL, dspo_way_rea TEXT NOT NULL, received TEXT NOT NULL);
"""
#: trig_scen 触发场景
TRIG_SCEN = {"1": "门诊挂号", "2": "门诊收费登记", "3": "住院登记", "4": "住院收费登记", "5": "住院执行医嘱",
             "6": "门诊结算", "7": "门诊预结算", "8": "住院结算", "9": "住院预结算"}
SEV_DEG = {"1": "明确违规", "2": "高度可疑", "3": "轻度可疑"}
KINDS = ("quantity", "diagnosis", "duplicate", "sex")
_RULES: dict[Path, list[dict[str, Any]]] = {}


def rules(data_dir: Path) -> list[dict[str, Any]]:
    """The rules of ``data_dir``/rules.json (none when the file is absent), checked once."""
    if data_dir not in _RULES:
        path = data_dir / "rules.json"
        loaded = json.loads(path.read_text(encoding="utf-8"))["rules"] if path.exists() else []
        for r in loaded:
            if r.get("kind") not in KINDS or not r.get("rule_id") or r.get("sev_deg") not in SEV_DEG:
                raise ValueError(f"rules.json: bad rule {r!r}")
        _RULES[data_dir] = loaded
    return _RULES[data_dir]


def _tables(ctx: Ctx) -> None:
    """The two tables, created inside the message's transaction (executescript would commit it)."""
    for stmt in SCHEMA.split(";"):
        if stmt.strip():
            ctx.conn.execute(stmt)


def _list(node: dict[str, Any], key: str, where: str, *, required: bool = True) -> list[dict[str, Any]]:
    v = node.get(key)
    if v in (None, "") and not required:
        return []
    if not isinstance(v, list) or (required and not v) or not all(isinstance(x, dict) for x in v):
        raise Refusal(f"{where}{key} 应为{'非空的' if required else ''}对象列表")
    return v


def _orders(enc: dict[str, Any], where: str) -> list[dict[str, Any]]:
    out = []
    for n, o in enumerate(_list(enc, "fsi_order_dtos", where), 1):
        at = f"{where}fsi_order_dtos 第 {n} 条"
        for key in ("rx_id", "hilist_code"):
            if not text(o.get(key)):
                raise Refusal(f"{at}缺少 {key}")
        cnt = to_decimal(o.get("cnt"), f"{at}数量 cnt")
        pric = to_decimal(o.get("pric"), f"{at}单价 pric")
        sumamt = to_decimal(o.get("sumamt"), f"{at}金额 sumamt")
        if cnt <= 0:
            raise Refusal(f"{at}数量 cnt 须大于 0（实际 {cnt}）")
        if sumamt != line_amount(pric, cnt):
            raise Refusal(f"{at}金额 sumamt {sumamt} 与单价×数量 {line_amount(pric, cnt)} 不符")
        out.append({**o, "rx_id": text(o["rx_id"]), "hilist_code": text(o["hilist_code"]), "cnt": cnt,
                    "pric": pric, "sumamt": money(sumamt)})
    return out


def _hits(rule: dict[str, Any], orders: list[dict[str, Any]], diagnoses: list[str], gend: str
          ) -> tuple[list[dict[str, Any]], Decimal, str] | None:
    """(the offending lines, the amount in question, the violation's text) or None."""
    kind = rule["kind"]
    if kind == "duplicate":
        for code in rule["hilist_codes"]:
            lines = [o for o in orders if o["hilist_code"] == code]
            cnt = sum((o["cnt"] for o in lines), ZERO)
            if cnt > 1:
                name = text(lines[0].get("hilist_name")) or code
                per_unit = lines[0]["pric"]
                return lines, money(per_unit * (cnt - 1)), (
                    f"{name} 同一就诊开具 {cnt.normalize():f} 次（{len(lines)} 条明细），该项目每次就诊限收费一次")
        return None
    lines = [o for o in orders if o["hilist_code"] == rule["hilist_code"]]
    if not lines:
        return None
    name = text(lines[0].get("hilist_name")) or rule.get("item_name") or rule["hilist_code"]
    total = money(sum((o["sumamt"] for o in lines), ZERO))
    if kind == "quantity":
        cnt, limit = sum((o["cnt"] for o in lines), ZERO), Decimal(str(rule["max_cnt"]))
        if cnt <= limit:
            return None
        return lines, money(lines[0]["pric"] * (cnt - limit)), (
            f"{name} 开具数量 {cnt.normalize():f} 超过限量 {limit.normalize():f}")
    if kind == "diagnosis":
        if any(d.upper().startswith(tuple(rule["dise_prefixes"])) for d in diagnoses):
            return None
        have = "、".join(diagnoses) or "无"
        return lines, total, f"{name} 限{rule.get('dise_text', '特定诊断')}使用，本次诊断（{have}）不符"
    if gend and gend != rule["gend"]:  # sex
        sex = {"1": "男", "2": "女"}
        return lines, total, f"{name} 限{sex.get(rule['gend'], '')}性，参保人性别为{sex.get(gend, gend)}"
    return None


def analyze(ctx: Ctx) -> dict[str, Any]:
    """3101 / 3102: the violations of every encounter of every patient in the request."""
    _tables(ctx)
    d = ctx.node
    if not text(d.get("syscode")):
        raise Refusal("缺少调用系统编码 syscode")
    trig = text(d.get("trig_scen"))
    if trig not in TRIG_SCEN:
        raise Refusal(f"触发场景 trig_scen {trig!r} 无效，可用: " + "、".join(f"{k} {v}" for k, v in TRIG_SCEN.items()))
    wanted = {r.strip() for r in text(d.get("rule_ids")).split(",") if r.strip()}
    active = [r for r in rules(ctx.policies.data_dir) if not wanted or r["rule_id"] in wanted]
    result = []
    for pn, patient in enumerate(_list(d, "patient_dtos", "data."), 1):
        where = f"patient_dtos 第 {pn} 条"
        patn_id = text(patient.get("patn_id"))
        if not patn_id:
            raise Refusal(f"{where}缺少参保人标识 patn_id")
        known = ctx.policies.by_psn_no.get(patn_id)
        gend = text(known.get("gend")) if known else text(patient.get("gend"))
        for en, enc in enumerate(_list(patient, "fsi_encounter_dtos", f"{where}的 "), 1):
            ewhere = f"{where}就诊 {en} 的 "
            mdtrt_id = text(enc.get("mdtrt_id"))
            if not mdtrt_id:
                raise Refusal(f"{ewhere}缺少就诊标识 mdtrt_id")
            diagnoses = [text(x.get("dise_codg")) for x in _list(enc, "fsi_diagnose_dtos", ewhere, required=False)
                         if text(x.get("dise_codg"))]
            orders = _orders(enc, ewhere)
            for rule in active:
                hit = _hits(rule, orders, diagnoses, gend)
                if hit is None:
                    continue
                lines, amt, cont = hit
                jr_id = f"JR{ctx.now:%Y%m%d}{ctx.store.next_serial(ctx.conn, 'jr_id'):08d}"
                ctx.conn.execute("INSERT INTO risk_warnings (jr_id, msgid, infno, trig_scen, patn_id, mdtrt_id, "
                                 "rule_id, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 (jr_id, ctx.msgid, ctx.infno[:4], trig, patn_id, mdtrt_id, rule["rule_id"],
                                  ts19(ctx.now)))
                result.append({
                    "jr_id": jr_id, "rule_id": rule["rule_id"], "rule_name": rule["rule_name"], "vola_cont": cont,
                    "patn_id": patn_id, "mdtrt_id": mdtrt_id,
                    "judge_result_detail_dtos": [
                        {"jrd_id": f"{jr_id}{n:03d}", "patn_id": patn_id, "mdtrt_id": mdtrt_id, "rx_id": o["rx_id"],
                         "vola_item_type": "1", "vola_amt": o["sumamt"]} for n, o in enumerate(lines, 1)],
                    "vola_amt": amt, "vola_amt_stas": "1", "sev_deg": rule["sev_deg"], "vola_evid": rule["vola_evid"],
                    "vola_bhvr_type": rule["vola_bhvr_type"], "task_id": ctx.msgid})
    return {"result": result}


def t3101(ctx: Ctx) -> dict[str, Any]:
    return analyze(ctx)


def t3102(ctx: Ctx) -> dict[str, Any]:
    return analyze(ctx)


def t3103(ctx: Ctx) -> dict[str, Any]:
    """The choices on warnings of 3101 (warn_type 1) or 3102 (warn_type 2): recorded as received."""
    _tables(ctx)
    d = ctx.node
    warn_type = text(d.get("warn_type"))
    if warn_type not in ("1", "2"):
        raise Refusal(f"反馈类型 warn_type 应为 1（事前）或 2（事中），实际为 {warn_type!r}")
    infno = "3101" if warn_type == "1" else "3102"
    for n, w in enumerate(_list(d, "warns", "data."), 1):
        at = f"warns 第 {n} 条"
        wid, way, rea = text(w.get("warn_rslt_id")), text(w.get("dspo_way")), text(w.get("dspo_way_rea"))
        row = ctx.conn.execute("SELECT infno FROM risk_warnings WHERE jr_id = ?", (wid,)).fetchone()
        if row is None:
            raise Refusal(f"{at}违规标识 warn_rslt_id {wid!r} 不存在（应取 {infno} 返回的 jr_id）")
        if row["infno"] != infno:
            raise Refusal(f"{at}违规标识 {wid} 来自 {row['infno']}，与反馈类型 warn_type {warn_type} 不符")
        if way not in ("1", "2"):
            raise Refusal(f"{at}处理方式 dspo_way 应为 1（继续执行）或 2（返回修改），实际为 {way!r}")
        if way == "1" and not rea:
            raise Refusal(f"{at}选择继续执行(dspo_way=1)时处理原因 dspo_way_rea 必填")
        ctx.conn.execute("INSERT INTO risk_feedback (msgid, warn_type, warn_rslt_id, dspo_way, dspo_way_rea, received) "
                         "VALUES (?, ?, ?, ?, ?, ?)", (ctx.msgid, warn_type, wid, way, rea, ts19(ctx.now)))
    return {}


def feedback_rows(store: Any) -> list[dict[str, Any]]:
    """Every 3103 warn received, in order (for tests and the training UI)."""
    try:
        rows = store.read("SELECT f.*, w.rule_id, w.mdtrt_id, w.patn_id FROM risk_feedback f "
                          "LEFT JOIN risk_warnings w ON w.jr_id = f.warn_rslt_id ORDER BY f.id")
    except Exception as e:  # no 3103 yet: the tables do not exist
        if "no such table" in str(e):
            return []
        raise
    return [dict(r) for r in rows]
