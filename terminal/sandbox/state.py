"""The sandbox platform's shared core: the request context, business refusals, and the state every transaction
family reads and writes (people and their insurance, personal accounts, yearly usage, visits and stays, serials).

A transaction is a function ``t<infno>(ctx) -> output``; it raises :class:`Refusal` for a business refusal.
Everything it books goes through ``ctx.conn``, inside the transaction the platform opened for the message.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from terminal.core.money import ZERO, money

from .policy import Policies, Usage, to_decimal
from .store import Store

#: psn_insu_stas 参保状态
INSU_STATUS = {"1": "正常参保", "2": "暂停参保", "4": "终止参保", "0": "未参保"}


class Refusal(Exception):
    """A business refusal: infcode -1 with err_msg (Chinese, says what to do)."""

    def __init__(self, err_msg: str) -> None:
        super().__init__(err_msg)
        self.err_msg = err_msg


def ts17(t: datetime) -> str:
    return t.strftime("%Y%m%d%H%M%S") + f"{t.microsecond // 1000:03d}"


def ts19(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def neg(d: Decimal) -> Decimal:
    return money(-d) if d else ZERO


def text(v: Any) -> str:
    """A field of a message as text ('' for a missing one)."""
    return "" if v is None else str(v).strip()


def amount(v: Any, what: str) -> Decimal:
    return money(to_decimal(v, what))


@dataclass
class Ctx:
    """One message being processed: its envelope, its input node and the connection it books through."""

    env: dict[str, Any]
    infno: str
    msgid: str
    fac: dict[str, Any]
    #: the input node of the transaction: a dict, or a list of dicts for the fee uploads (2204, 2301)
    node: Any
    inp: dict[str, Any]
    now: datetime
    conn: sqlite3.Connection
    store: Store
    policies: Policies
    warn: list[str] = field(default_factory=list)
    psn_no: str = ""

    @property
    def code(self) -> str:
        return str(self.fac["fixmedins_code"])

    @property
    def area(self) -> str:
        return str(self.fac["admdvs"])


#: a transaction of one family: the output node of its answer, or Refusal
Transaction = Callable[[Ctx], dict[str, Any]]


def serial_id(ctx: Ctx, name: str) -> str:
    """A platform id (mdtrt_id, setl_id, file_qury_no): the area, the time and a serial."""
    n = ctx.store.next_serial(ctx.conn, name)
    return f"{ctx.area}{ctx.now:%Y%m%d%H%M%S}{n % 10**6:06d}"


# people and their insurance ------------------------------------------------------------------------
def person_of(ctx: Ctx, psn_no: str) -> dict[str, Any]:
    p = ctx.policies.by_psn_no.get(psn_no)
    if p is None:
        raise Refusal(f"未查询到参保人信息(人员编号 {psn_no})")
    return p


def insurance(person: dict[str, Any], insutype: str) -> dict[str, Any]:
    for ins in person["insuinfo"]:
        if ins["insutype"] == insutype:
            return ins
    have = "、".join(i["insutype"] for i in person["insuinfo"])
    raise Refusal(f"参保人没有险种 {insutype} 的参保信息（可用险种: {have}）")


def insured(ctx: Ctx, d: dict[str, Any], missing_insutype: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(person, insurance, insuplc_admdvs) of a registration (2201) or an admission (2401): the chosen insutype,
    insured where the envelope says."""
    person = person_of(ctx, text(d.get("psn_no")))
    insutype = text(d.get("insutype"))
    if not insutype:
        raise Refusal(missing_insutype)
    ins = insurance(person, insutype)
    insuplc = text(ctx.env.get("insuplc_admdvs"))
    if insuplc != ins["insuplc_admdvs"]:
        raise Refusal(f"参保地医保区划 {insuplc} 与险种 {insutype} 的参保地 {ins['insuplc_admdvs']} 不符")
    return person, ins, insuplc


def check_active(ins: dict[str, Any]) -> None:
    st = ins.get("psn_insu_stas", "1")
    if st != "1":
        since = f"(自 {ins['paus_insu_date']} 起)" if ins.get("paus_insu_date") else ""
        raise Refusal(f"参保人险种 {ins['insutype']} 参保状态为{INSU_STATUS.get(st, st)}{since}，不能享受医保待遇，"
                      "请按自费结算或请参保人联系参保地医保经办机构")


def med_type_of(ctx: Ctx, med_type: str) -> str:
    """A med_type this facility may use (the policies know it)."""
    ctx.policies.benefit_of(med_type)  # validates
    allowed = ctx.policies.facility_med_types.get(ctx.fac.get("fixmedins_type", "1"), [])
    if med_type not in allowed:
        kind = "定点零售药店" if ctx.fac.get("fixmedins_type") == "2" else "定点医疗机构"
        raise Refusal(f"医疗类别 {med_type} 不适用于{kind} {ctx.code}（可用: {'、'.join(allowed)}）")
    return med_type


def diagnosis(ctx: Ctx, d: dict[str, Any]) -> tuple[str, str]:
    """(dise_codg, dise_name) of the node, or else of the first diseinfo row."""
    dise_codg, dise_name = text(d.get("dise_codg")), text(d.get("dise_name"))
    dise = ctx.inp.get("diseinfo")
    if not dise_codg and isinstance(dise, list) and dise and isinstance(dise[0], dict):
        dise_codg, dise_name = text(dise[0].get("diag_code")), text(dise[0].get("diag_name"))
    return dise_codg, dise_name


# personal accounts and yearly usage ----------------------------------------------------------------
def balance_of(conn: sqlite3.Connection, person: dict[str, Any], insutype: str) -> Decimal:
    row = conn.execute("SELECT balc FROM accounts WHERE psn_no = ? AND insutype = ?",
                       (person["psn_no"], insutype)).fetchone()
    if row is not None:
        return Decimal(row["balc"])
    for ins in person["insuinfo"]:
        if ins["insutype"] == insutype:
            return money(ins.get("balc") or "0")
    return ZERO


def set_balance(conn: sqlite3.Connection, psn_no: str, insutype: str, balc: Decimal) -> None:
    conn.execute("INSERT OR REPLACE INTO accounts (psn_no, insutype, balc) VALUES (?, ?, ?)",
                 (psn_no, insutype, str(money(balc))))


def usage_of(conn: sqlite3.Connection, psn_no: str, insutype: str, year: int, benefit: str) -> Usage:
    row = conn.execute("SELECT * FROM usage WHERE psn_no = ? AND insutype = ? AND year = ? AND benefit = ?",
                       (psn_no, insutype, year, benefit)).fetchone()
    if row is None:
        return Usage()
    return Usage(Decimal(row["ded_used"]), Decimal(row["pool_paid"]), Decimal(row["big_paid"]))


def add_usage(conn: sqlite3.Connection, psn_no: str, insutype: str, year: int, benefit: str, delta: Usage,
              sign: int) -> None:
    u = usage_of(conn, psn_no, insutype, year, benefit)
    vals = [money(u.ded_used + sign * delta.ded_used), money(u.pool_paid + sign * delta.pool_paid),
            money(u.big_paid + sign * delta.big_paid)]
    vals = [v if v > 0 else ZERO for v in vals]
    conn.execute("INSERT OR REPLACE INTO usage (psn_no, insutype, year, benefit, ded_used, pool_paid, big_paid) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)", (psn_no, insutype, year, benefit, *map(str, vals)))


# visits and stays ----------------------------------------------------------------------------------
def admission_of(conn: sqlite3.Connection, mdtrt_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute("SELECT * FROM admissions WHERE mdtrt_id = ?", (mdtrt_id,)).fetchone()
    return row


def _named_visit(ctx: Ctx, d: dict[str, Any], stay: bool) -> tuple[sqlite3.Row, sqlite3.Row | None]:
    """The visit row (this facility's, this psn_no's) the node ``d`` names and its admission row; with ``stay``
    one without an admission counts as not found."""
    mdtrt_id, psn_no = text(d.get("mdtrt_id")), text(d.get("psn_no"))
    if not mdtrt_id:
        raise Refusal("缺少就诊ID mdtrt_id")
    v = ctx.conn.execute("SELECT * FROM visits WHERE mdtrt_id = ?", (mdtrt_id,)).fetchone()
    a = admission_of(ctx.conn, mdtrt_id)
    if v is None or v["fixmedins_code"] != ctx.code or (stay and a is None):
        raise Refusal(f"住院就诊信息不存在(mdtrt_id={mdtrt_id})，请先办理入院(2401)" if stay else
                      f"就诊信息不存在(mdtrt_id={mdtrt_id})，请先办理挂号(2201)")
    if psn_no and v["psn_no"] != psn_no:
        raise Refusal(f"就诊ID {mdtrt_id} 与人员编号 {psn_no} 不符")
    return v, a


def visit_of(ctx: Ctx, d: dict[str, Any], instead: str) -> sqlite3.Row:
    """The outpatient visit the node ``d`` names (mdtrt_id, psn_no). A stay admitted with 2401 is refused: use the
    inpatient transaction ``instead``."""
    v, a = _named_visit(ctx, d, stay=False)
    if v["status"] == "cancelled":
        raise Refusal(f"就诊(mdtrt_id={v['mdtrt_id']})已撤销")
    if a is not None:
        raise Refusal(f"就诊ID {v['mdtrt_id']} 为住院就诊(2401 入院办理)，请使用住院交易 {instead}")
    return v


def stay_of(ctx: Ctx, d: dict[str, Any]) -> tuple[sqlite3.Row, sqlite3.Row]:
    """The visit and admission rows of the inpatient stay the node ``d`` names (refuses an outpatient visit)."""
    v, a = _named_visit(ctx, d, stay=True)
    if a is None or v["status"] == "cancelled" or a["status"] == "cancelled":  # a is None: not found above
        raise Refusal(f"住院就诊(mdtrt_id={v['mdtrt_id']})已撤销")
    return v, a


def cancel_unsettled_fees(ctx: Ctx, mdtrt_id: str) -> int:
    """Cancel every uploaded, unsettled fee line of a visit; how many there were."""
    cur = ctx.conn.execute("UPDATE fees SET status = 'cancelled' WHERE mdtrt_id = ? AND status = 'uploaded'",
                           (mdtrt_id,))
    return int(cur.rowcount)
