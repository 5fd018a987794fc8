"""Reconciliation and files: 3201 daily totals, 9101 upload, 9102 download, 3202 detail statement, and the
ledger faults to train reconciliation with (a settlement booked by another system, a cancellation made
outside the terminal, a reversal the terminal never saw).

3201 compares the totals the facility sends with the ledger's booked 2207/2304 rows of the group (insutype,
clr_type, clr_optins = setl_optins, the days stmt_begndate to stmt_enddate), with refd_setl_flag 1 their
cancellations too. 3202 compares the uploaded detail file (terminal.core.reconfiles) with the platform's ledger of
the facility: the 2207/2208/2304/2305 rows of the group (clr_type, clr_optins = setl_optins) booked between
stmt_begndate and stmt_enddate. A line whose setl_id the platform booked in another group (or on another day)
belongs to that group's statement and is skipped; so one file of the whole day may serve every group. The result
file lists each line that does not agree (stmt_rslt 1 only in the terminal, 2 only on the platform, 3 amounts
differ, 4 status differs: the platform cancelled or reversed what the terminal has as settled).
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from terminal.core import reconfiles
from terminal.core.money import ZERO, money

from .policy import SETL_AMOUNTS, Policies, PolicyError, Usage, to_decimal
from .reversal import t2601
from .settlement import book, cancel
from .state import Ctx, Refusal, amount, serial_id, text, ts19
from .store import Store

FILE_TTL = timedelta(days=1)
#: largest uploaded file kept (the request body limit of the server bounds it too)
MAX_FILE_BYTES = 8 * 1024 * 1024
SETTLE_INFNOS = ("2207", "2304", "2102")
CANCEL_INFNOS = ("2208", "2305", "2103")
AMOUNTS = reconfiles.AMOUNTS


def _period(d: dict[str, Any], need: tuple[str, ...], statement: str) -> tuple[date, date]:
    """The days a statement (3201 对账, 3202 对明细账) covers, once its fields ``need`` are all there."""
    missing = [k for k in need if not text(d.get(k))]
    if missing:
        raise Refusal(f"{statement}缺少字段: " + "、".join(missing))
    try:
        begin = date.fromisoformat(text(d["stmt_begndate"])[:10])
        end = date.fromisoformat(text(d["stmt_enddate"])[:10])
    except ValueError:
        raise Refusal("对账日期格式应为 yyyy-MM-dd") from None
    if begin > end:
        raise Refusal("对账开始日期晚于结束日期")
    return begin, end


# 3201 daily totals --------------------------------------------------------------------------------
def t3201(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    begin, end = _period(d, ("insutype", "clr_type", "setl_optins", "stmt_begndate", "stmt_enddate"), "对账")
    sent = {k: amount(d.get(k) if d.get(k) not in (None, "") else "0", k)
            for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")}
    try:
        sent_cnt = int(to_decimal(d.get("fixmedins_setl_cnt", 0), "fixmedins_setl_cnt"))
    except (PolicyError, ValueError):
        raise Refusal("结算笔数 fixmedins_setl_cnt 应为整数") from None
    refd = text(d.get("refd_setl_flag")) == "1"
    rows = ctx.conn.execute(
        "SELECT infno, status, amounts FROM ledger WHERE fixmedins_code = ? AND insutype = ? AND clr_type = ? AND "
        "clr_optins = ? AND setl_date BETWEEN ? AND ? AND infno IN ('2207', '2208', '2304', '2305', '2102', '2103') "
        "AND status != 'reversed'",
        (ctx.code, text(d["insutype"]), text(d["clr_type"]), text(d["setl_optins"]), begin.isoformat(),
         end.isoformat())).fetchall()
    if not refd:
        rows = [r for r in rows if r["infno"] in SETTLE_INFNOS and r["status"] == "booked"]
    mine = {k: money(sum((Decimal(json.loads(r["amounts"])[k]) for r in rows), ZERO)) for k in sent}
    cnt = len(rows)
    names = {"medfee_sumamt": "医疗费总额", "fund_pay_sumamt": "基金支付总额", "acct_pay": "个人账户支付总额"}
    diffs = [f"{names[k]} 平台 {mine[k]} / 机构 {sent[k]}" for k in sent if mine[k] != sent[k]]
    if cnt != sent_cnt:
        diffs.append(f"结算笔数 平台 {cnt} / 机构 {sent_cnt}")
    if diffs:
        return {"data": {"setl_optins": text(d["setl_optins"]), "stmt_rslt": "1",
                         "stmt_rslt_dscr": "对账不平：" + "；".join(diffs)}}
    return {"data": {"setl_optins": text(d["setl_optins"]), "stmt_rslt": "0",
                     "stmt_rslt_dscr": f"对账一致：{cnt} 笔，医疗费总额 {mine['medfee_sumamt']}，基金支付 "
                                       f"{mine['fund_pay_sumamt']}，个人账户 {mine['acct_pay']}"}}


def store_file(ctx: Ctx, filename: str, data: bytes, kind: str) -> dict[str, str]:
    no = serial_id(ctx, "file_qury_no")
    end = ts19(ctx.now + FILE_TTL)
    ctx.conn.execute("INSERT INTO files (file_qury_no, fixmedins_code, filename, kind, data, created, dld_endtime, "
                     "msgid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (no, ctx.code, filename, kind, data, ts19(ctx.now), end, ctx.msgid))
    return {"file_qury_no": no, "filename": filename, "dld_endtime": end}


# 9101 / 9102 ----------------------------------------------------------------------------------------
def t9101(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    raw = d.get("in")
    filename = text(d.get("filename"))
    if not filename or any(c in filename for c in "/\\\r\n\t"):
        raise Refusal(f"文件名 filename 无效：{filename!r}")
    if text(d.get("fixmedins_code")) and text(d.get("fixmedins_code")) != ctx.code:
        raise Refusal(f"fsUploadIn.fixmedins_code {text(d.get('fixmedins_code'))} 与报文的定点机构 {ctx.code} 不符")
    if not isinstance(raw, list) or not raw:
        raise Refusal("fsUploadIn.in 应为文件内容的字节数组（0-255 的整数），且不能为空")
    if len(raw) > MAX_FILE_BYTES:
        raise Refusal(f"上传文件 {len(raw)} 字节，超过沙箱上限 {MAX_FILE_BYTES} 字节")
    if not all(type(b) is int and 0 <= b <= 255 for b in raw):
        raise Refusal("fsUploadIn.in 含有 0-255 以外的值：文件内容应为字节数组")
    return store_file(ctx, filename, bytes(raw), "upload")


def _file_row(ctx: Ctx, file_qury_no: str) -> sqlite3.Row:
    row = ctx.conn.execute("SELECT * FROM files WHERE file_qury_no = ?", (file_qury_no,)).fetchone()
    if row is None or row["fixmedins_code"] != ctx.code:
        raise Refusal(f"文件查询号 {file_qury_no} 不存在（或不属于定点机构 {ctx.code}）")
    if row["dld_endtime"] < ts19(ctx.now):
        raise Refusal(f"文件 {row['filename']} 已过下载截止时间 {row['dld_endtime']}，请重新上传或重新对账")
    return row


def t9102(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    no = text(d.get("file_qury_no"))
    if not no:
        raise Refusal("缺少文件查询号 file_qury_no")
    row = _file_row(ctx, no)
    name = text(d.get("filename"))
    if name and name != row["filename"]:
        raise Refusal(f"文件名 {name} 与文件查询号 {no} 的文件 {row['filename']} 不符")
    return {"file_qury_no": no, "filename": row["filename"], "bytes": len(row["data"])}


def file_bytes(store: Store, file_qury_no: str) -> bytes:
    rows = store.read("SELECT data FROM files WHERE file_qury_no = ?", (file_qury_no,))
    return bytes(rows[0]["data"]) if rows else b""


# 3202 -----------------------------------------------------------------------------------------------
def _amounts(row: sqlite3.Row) -> dict[str, Decimal]:
    a = json.loads(row["amounts"])
    return {k: money(a[k]) for k in AMOUNTS}


def t3202(ctx: Ctx) -> dict[str, Any]:
    d = ctx.node
    begin, end = _period(d, ("setl_optins", "file_qury_no", "stmt_begndate", "stmt_enddate", "clr_type"), "对明细账")
    clr_type, optins = text(d["clr_type"]), text(d["setl_optins"])
    refd = text(d.get("refd_setl_flag")) != "0"
    f = _file_row(ctx, text(d["file_qury_no"]))
    try:
        lines = reconfiles.parse_detail_file(bytes(f["data"]))
    except reconfiles.ReconFileError as e:
        raise Refusal(f"明细文件 {f['filename']} 无法读取：{e}") from None
    if not refd:
        lines = [ln for ln in lines if ln["refd_setl_flag"] == "0"]
    infnos = SETTLE_INFNOS + (CANCEL_INFNOS if refd else ())
    every = ctx.conn.execute(
        f"SELECT * FROM ledger WHERE fixmedins_code = ? AND infno IN ({','.join('?' * len(infnos))}) ORDER BY id",
        (ctx.code, *infnos)).fetchall()
    by_setl = {r["setl_id"]: r for r in every}

    def in_group(r: sqlite3.Row) -> bool:
        return r["clr_type"] == clr_type and r["clr_optins"] == optins and begin.isoformat() <= r["setl_date"] <= \
            end.isoformat()

    cancel_of = {r["orig_setl_id"]: r for r in every if r["infno"] in CANCEL_INFNOS and r["status"] == "booked"}
    in_file = {ln["setl_id"] for ln in lines}
    diffs: list[dict[str, Any]] = []

    def diff(ln: dict[str, Any] | None, r: sqlite3.Row | None, rslt: str, memo: str) -> None:
        out: dict[str, Any] = {k: None for k in reconfiles.RESULT_FIELDS}
        out.update(stmt_rslt=rslt, memo=memo, plat_status="")
        if ln is not None:
            out.update({k: ln[k] for k in reconfiles.DETAIL_FIELDS})
        if r is not None:
            pa = _amounts(r)
            out.update(plat_status=r["status"], **{f"plat_{k}": pa[k] for k in AMOUNTS})
            if ln is None:
                out.update(setl_id=r["setl_id"], mdtrt_id=r["mdtrt_id"], psn_no=r["psn_no"],
                           refd_setl_flag="1" if r["infno"] in CANCEL_INFNOS else "0")
        diffs.append(out)

    names = {"medfee_sumamt": "医疗费总额", "fund_pay_sumamt": "基金支付", "acct_pay": "个人账户"}
    for ln in lines:
        r = by_setl.get(ln["setl_id"])
        if r is None:
            diff(ln, None, "1", "平台无此结算记录（未记账或已被撤回）")
            continue
        if not in_group(r):
            continue  # another group's (or day's) settlement: its own statement covers it
        is_cancel = r["infno"] in CANCEL_INFNOS
        if (ln["refd_setl_flag"] == "1") != is_cancel:
            diff(ln, r, "4", f"退费结算标志不符：平台为{'撤销' if is_cancel else '结算'}({r['infno']})")
            continue
        if r["status"] == "reversed":
            diff(ln, r, "4", f"平台已冲正（{r['infno']} 报文 {r['msgid']}），机构仍为已结算")
            continue
        if r["status"] == "cancelled":
            c = cancel_of.get(r["setl_id"])
            if c is not None and c["setl_id"] not in in_file:
                diff(ln, r, "4", f"平台已撤销（撤销结算ID {c['setl_id']}，{c['setl_time']}），机构仍为已结算")
                continue
        pa = _amounts(r)
        bad = [k for k in AMOUNTS if pa[k] != ln[k]]
        if bad:
            diff(ln, r, "3", "金额不符：" + "；".join(f"{names[k]} 平台 {pa[k]} / 机构 {ln[k]}" for k in bad))
    for r in every:
        if r["setl_id"] in in_file or not in_group(r) or r["status"] == "reversed":
            continue
        if r["infno"] in CANCEL_INFNOS and r["orig_setl_id"] in in_file:
            continue  # told as status differs on its original's line
        kind = "撤销" if r["infno"] in CANCEL_INFNOS else "结算"
        diff(None, r, "2", f"机构无此{kind}记录（平台 {r['infno']} {r['setl_time']}，报文 {r['msgid']}）")
    name = f"{ctx.code}_{begin:%Y%m%d}_3202_rslt.zip"
    info = store_file(ctx, name, reconfiles.build_result_file(diffs, filename=name), "result")
    group = [r for r in every if in_group(r) and r["status"] != "reversed"]
    mine = {k: money(sum((_amounts(r)[k] for r in group), ZERO)) for k in AMOUNTS}
    sent: dict[str, Decimal] = {}
    for k in ("medfee_sumamt", "fund_pay_sumamt"):
        try:
            sent[k] = money(Decimal(str(d.get(k) if d.get(k) not in (None, "") else "0")))
        except ArithmeticError:
            raise Refusal(f"{k} 不是金额：{d.get(k)!r}") from None
    cnt = text(d.get("fixmedins_setl_cnt"))
    totals_ok = all(sent[k] == mine[k] for k in sent) and (not cnt or cnt == str(len(group)))
    ok = not diffs and totals_ok
    dscr = (f"对账一致：{len(group)} 笔" if ok else
            f"对账不平：{len(diffs)} 笔明细不符；平台 {len(group)} 笔 医疗费总额 {mine['medfee_sumamt']} 基金支付 "
            f"{mine['fund_pay_sumamt']} / 机构申报 {cnt or '?'} 笔 {sent['medfee_sumamt']} {sent['fund_pay_sumamt']}")
    return {"fileinfo": info, "data": {"setl_optins": optins, "clr_type": clr_type, "stmt_rslt": "0" if ok else "1",
                                       "stmt_rslt_dscr": dscr, "diff_cnt": len(diffs)}}


# ledger faults --------------------------------------------------------------------------------------
INJECT_KINDS = ("settled_elsewhere", "cancelled_elsewhere", "reversed_elsewhere")


def _ctx(store: Store, policies: Policies, now: datetime, conn: sqlite3.Connection, fixmedins_code: str, infno: str,
         node: dict[str, Any]) -> Ctx:
    """The context of a message another system sent (its own msgid, no envelope)."""
    fac = policies.facilities.get(fixmedins_code)
    if fac is None:
        raise ValueError(f"unknown sandbox facility {fixmedins_code!r}")
    n = store.next_serial(conn, "outside_msgid")
    msgid = f"{fixmedins_code}{now:%Y%m%d%H%M%S}{n % 10000:04d}"
    return Ctx(env={}, infno=infno, msgid=msgid, fac=fac, node=node, inp={}, now=now, conn=conn, store=store,
               policies=policies)


def inject(store: Store, policies: Policies, clock: Callable[[], datetime], kind: str, **kw: Any) -> dict[str, Any]:
    """Change the ledger as another system would have, behind the terminal's back. kind:

    * ``settled_elsewhere``: a settlement booked by another system (fixmedins_code, person_key, medfee_sumamt,
      fund_pay_sumamt, acct_pay, med_type): on the platform only;
    * ``cancelled_elsewhere``: cancel the settlement ``setl_id`` (2208 / 2305) outside the terminal;
    * ``reversed_elsewhere``: reverse the settlement ``setl_id`` (2601) without the terminal knowing.
    Returns the ledger row booked (setl_id, msgid, ...)."""
    if kind not in INJECT_KINDS:
        raise ValueError(f"unknown ledger fault {kind!r}; kinds: {', '.join(INJECT_KINDS)}")
    try:
        with store.tx() as conn:
            if kind == "settled_elsewhere":
                return _book_elsewhere(store, policies, clock, conn, **kw)
            setl_id = text(kw.get("setl_id"))
            row = conn.execute("SELECT * FROM ledger WHERE setl_id = ? AND infno IN ('2207', '2304')",
                               (setl_id,)).fetchone()
            if row is None:
                raise ValueError(f"no settlement {setl_id!r} in the sandbox ledger")
            if kind == "cancelled_elsewhere":
                infno = "2305" if row["infno"] == "2304" else "2208"
                ctx = _ctx(store, policies, clock(), conn, row["fixmedins_code"], infno, {"setl_id": setl_id})
                out = cancel(ctx, infno, row["infno"])["setlinfo"]
                return {"setl_id": out["setl_id"], "orig_setl_id": setl_id, "msgid": ctx.msgid, "infno": infno}
            ctx = _ctx(store, policies, clock(), conn, row["fixmedins_code"], "2601",
                       {"omsgid": row["msgid"], "oinfno": row["infno"], "psn_no": row["psn_no"]})
            out = t2601(ctx)["data"]
            return {"setl_id": setl_id, "omsgid": row["msgid"], "msgid": ctx.msgid, "infno": "2601",
                    "rvs_rslt": out.get("rvs_rslt")}
    except Refusal as r:
        raise ValueError(r.err_msg) from None


def _book_elsewhere(store: Store, policies: Policies, clock: Callable[[], datetime], conn: sqlite3.Connection, *,
                    fixmedins_code: str = "H45010000001", person_key: str = "", medfee_sumamt: Any = "61.00",
                    fund_pay_sumamt: Any = "0.00", acct_pay: Any = "0.00", med_type: str = "11", insutype: str = ""
                    ) -> dict[str, Any]:
    persons = policies.persons
    person = persons[person_key] if person_key else next(iter(persons.values()))
    ins = next((i for i in person["insuinfo"] if insutype in ("", i["insutype"])), None)
    if ins is None:
        raise ValueError(f"person {person_key!r} has no insutype {insutype!r}")
    total, fund, acct = money(medfee_sumamt), money(fund_pay_sumamt), money(acct_pay)
    if total < 0 or fund < 0 or acct < 0 or fund + acct > total:
        raise ValueError("amounts must be >= 0 with fund_pay_sumamt + acct_pay <= medfee_sumamt")
    ctx = _ctx(store, policies, clock(), conn, fixmedins_code, "2207", {})
    mdtrt_id = serial_id(ctx, "mdtrt_id")
    setl_id = serial_id(ctx, "setl_id")
    info: dict[str, Any] = {k: ZERO for k in SETL_AMOUNTS}
    info.update(medfee_sumamt=total, fund_pay_sumamt=fund, hifp_pay=fund, acct_pay=acct,
                psn_part_amt=money(total - fund), psn_cash_pay=money(total - fund - acct),
                fulamt_ownpay_amt=ZERO, inscp_scp_amt=total)
    info.update(setl_id=setl_id, mdtrt_id=mdtrt_id, psn_no=person["psn_no"], insutype=ins["insutype"],
                med_type=med_type, setl_time=ts19(ctx.now), insuplc_admdvs=ins["insuplc_admdvs"],
                mdtrtarea_admvs=ctx.area, clr_optins=ins["insuplc_admdvs"], clr_way=policies.clr_way,
                clr_type=policies.clr_type_of(med_type), medins_setl_id=ctx.msgid)
    book(ctx, "2207", setl_id, info, [], benefit=policies.benefit_of(med_type), year=ctx.now.year,
         usage=Usage(ZERO, ZERO, ZERO), fee_ids=[])
    return {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": person["psn_no"], "msgid": ctx.msgid,
            "infno": "2207", "insutype": ins["insutype"], "clr_type": info["clr_type"],
            "clr_optins": info["clr_optins"], **{k: f"{info[k]:.2f}" for k in AMOUNTS}}
