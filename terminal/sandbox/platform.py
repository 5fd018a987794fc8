"""The sandbox settlement platform: envelope checks, idempotency by msgid, and the transactions.

Transport-free: :meth:`Platform.handle` takes the request body (and the infno implied by the URL path, if
any) and returns the answer body. The HTTP server (server.py) adds transport, faults and the gateway check.

Every answer of a processed message (success or business refusal) is stored under its msgid, in the same
SQLite transaction as what the message booked: a repeated msgid gets the first answer byte for byte and
never books twice. Not stored (so the same msgid may be sent again): answers to an invalid envelope, to a
missing/invalid sign_no, and to injected faults that do not process the request.
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Callable

from terminal.core import wire
from terminal.core.money import ZERO, money
from terminal.core.protocol import INPUT_NODE, TRANSACTION_PATHS
from terminal.core.regions import is_cross_province, place_name

from . import statements
from .policy import (ITEM_AMOUNTS, SETL_AMOUNTS, Policies, PolicyError, Usage, classify_item, identity_errors,
                     line_amount, settle, to_decimal)
from .store import Store

log = logging.getLogger("terminal.sandbox")

# 2403 (admission change), 2404 (admission cancel), 2405 (discharge cancel) are known but not simulated.
KNOWN_INFNOS = frozenset(TRANSACTION_PATHS) | {"2203A", "2403", "2404", "2405"}
INPATIENT = frozenset({"2401", "2402", "2301", "2302", "2303", "2304", "2305"})
SUPPORTED = frozenset({"9001", "9002", "1101", "2201", "2202", "2203", "2203A", "2204", "2205", "2206", "2207",
                       "2208", "2601", "3201", "3202", "9101", "9102"}) | INPATIENT
NEEDS_SIGN_IN = frozenset(i for i in SUPPORTED if i.startswith("2") or i in ("3201", "3202"))
JSON_TYPE = "application/json;charset=UTF-8"
FILE_TYPE = "application/octet-stream"
REVERSIBLE = frozenset({"2201", "2204", "2207", "2208", "2401", "2402", "2301", "2304", "2305"})
#: fee lines per 2301 message (the platform's batch limit; upload more in several messages)
FEE_BATCH_MAX = 500
#: dscg_way 离院方式
DSCG_WAYS = {"1": "医嘱离院", "2": "医嘱转院", "3": "医嘱转社区卫生服务机构/乡镇卫生院", "4": "非医嘱离院", "5": "死亡",
             "9": "其他"}
SIGN_IN_ERROR = "签到编号无效，请先签到(9001)"
ECTOKEN_TTL = timedelta(hours=24)
_ADMDVS = re.compile(r"\d{6}")
_INSU_STATUS = {"1": "正常参保", "2": "暂停参保", "4": "终止参保", "0": "未参保"}


class Refusal(Exception):
    """A business refusal: infcode -1 with err_msg (Chinese, says what to do)."""

    def __init__(self, err_msg: str):
        super().__init__(err_msg)
        self.err_msg = err_msg


def ts17(t: datetime) -> str:
    return t.strftime("%Y%m%d%H%M%S") + f"{t.microsecond // 1000:03d}"


def ts19(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def neg(d: Decimal) -> Decimal:
    return money(-d) if d else ZERO


def _clean(obj: Any) -> Any:
    """Answers never show -0.00."""
    if isinstance(obj, Decimal):
        return obj.copy_abs() if obj.is_zero() else obj
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def _s(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _amount(v: Any, what: str) -> Decimal:
    return money(to_decimal(v, what))


@dataclass
class Ctx:
    env: dict[str, Any]
    infno: str
    msgid: str
    fac: dict[str, Any]
    node: Any
    inp: dict[str, Any]
    now: datetime
    conn: sqlite3.Connection
    warn: list[str] = field(default_factory=list)
    psn_no: str = ""

    @property
    def code(self) -> str:
        return self.fac["fixmedins_code"]

    @property
    def area(self) -> str:
        return self.fac["admdvs"]


class Platform:
    def __init__(self, store: Store, policies: Policies | None = None, *, require_sign_in: bool = True,
                 clock: Callable[[], datetime] | None = None):
        self.store = store
        self.policies = policies or Policies()
        self.require_sign_in = require_sign_in
        self.clock = clock or datetime.now
        #: infno -> extra warn_msg text for a processed answer ('' for none): the server's warning board
        self.warn_hook: Callable[[str], str] | None = None
        self._handlers = {
            "9001": self._t9001, "9002": self._t9002, "1101": self._t1101, "2201": self._t2201,
            "2202": self._t2202, "2203": self._t2203, "2203A": self._t2203, "2204": self._t2204,
            "2205": self._t2205, "2206": self._t2206, "2207": self._t2207, "2208": self._t2208,
            "2601": self._t2601, "3201": self._t3201,
            "2401": self._t2401, "2402": self._t2402, "2301": self._t2301, "2302": self._t2302,
            "2303": self._t2303, "2304": self._t2304, "2305": self._t2305,
            # files and the detail statement: terminal/sandbox/statements.py
            "9101": lambda ctx: statements.t9101(self, ctx), "9102": lambda ctx: statements.t9102(self, ctx),
            "3202": lambda ctx: statements.t3202(self, ctx),
        }

    # ============================================================================================
    # the front door
    def peek_infno(self, body: bytes, path_infno: str | None) -> str:
        """The infno a request is about (for matching armed faults), without validating anything."""
        if path_infno:
            return path_infno
        try:
            env = json.loads(body.decode("utf-8"))
            return _s(env.get("infno")) if isinstance(env, dict) else ""
        except (ValueError, UnicodeDecodeError):
            return ""

    def handle(self, body: bytes, path_infno: str | None = None) -> bytes:
        now = self.clock()
        try:
            env = wire.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return self._error_answer(now, "", "请求报文不是合法的 JSON (UTF-8)")
        if not isinstance(env, dict):
            return self._error_answer(now, "", "请求报文应为 JSON 对象")
        area = _s(env.get("mdtrtarea_admvs"))
        try:
            ctx_parts = self._check_envelope(env, path_infno)
        except Refusal as r:
            return self._error_answer(now, area, r.err_msg)
        infno, msgid, fac, node, inp, psn_no = ctx_parts
        with self.store.tx() as conn:
            row = conn.execute("SELECT infno, response FROM messages WHERE msgid = ?", (msgid,)).fetchone()
            if row is not None:
                if row["infno"] == infno:
                    log.info("msgid %s repeated: returning the first answer", msgid)
                    return bytes(row["response"])
                return self._answer(conn, now, area, -1, f"报文ID(msgid) {msgid} 已被交易 {row['infno']} 使用，"
                                                         "每条报文须使用新的 msgid")
            ctx = Ctx(env=env, infno=infno, msgid=msgid, fac=fac, node=node, inp=inp, now=now, conn=conn,
                      psn_no=psn_no)
            if self.require_sign_in and infno in NEEDS_SIGN_IN:
                try:
                    self._check_sign_in(ctx)
                except Refusal as r:  # not processed, so not stored: the msgid may be sent again after 9001
                    return self._answer(conn, now, area, -1, r.err_msg)
            conn.execute("SAVEPOINT txn")
            try:
                output = self._handlers[infno](ctx)
                infcode, err = 0, ""
                conn.execute("RELEASE txn")
            except (Refusal, PolicyError) as r:
                conn.execute("ROLLBACK TO txn")
                conn.execute("RELEASE txn")
                output, infcode, err = {}, -1, getattr(r, "err_msg", str(r))
                ctx.warn.clear()
            except Exception as e:  # a sandbox bug: answer it, do not store it
                log.exception("sandbox error in %s %s", infno, msgid)
                conn.execute("ROLLBACK TO txn")
                conn.execute("RELEASE txn")
                return self._answer(conn, now, area, -1, f"沙箱平台内部错误: {type(e).__name__}: {e}")
            if infcode == 0 and self.warn_hook is not None:
                extra = self.warn_hook(infno)
                if extra:
                    ctx.warn.append(extra)
            body_out = self._answer(conn, now, area, infcode, err, output, "；".join(ctx.warn))
            conn.execute("INSERT INTO messages (msgid, infno, fixmedins_code, psn_no, infcode, received, response) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", (msgid, infno, ctx.code, psn_no, infcode, ts19(now), body_out))
            return body_out

    def respond(self, body: bytes, path_infno: str | None = None) -> tuple[bytes, str]:
        """(answer body, Content-Type): :meth:`handle`'s JSON, except a 9102 that succeeded: the file's bytes."""
        answer = self.handle(body, path_infno)
        if self.peek_infno(body, path_infno)[:4] == "9102":
            try:
                a = json.loads(answer)
            except ValueError:
                return answer, JSON_TYPE
            if a.get("infcode") == 0:
                return statements.file_bytes(self, str((a.get("output") or {}).get("file_qury_no") or "")), FILE_TYPE
        return answer, JSON_TYPE

    def inject(self, kind: str, **kw: Any) -> dict[str, Any]:
        """Ledger faults to train reconciliation with (statements.inject): settled_elsewhere,
        cancelled_elsewhere, reversed_elsewhere."""
        return statements.inject(self, kind, **kw)

    def refuse(self, body: bytes, err_msg: str) -> bytes:
        """An infcode -1 answer to a request, without processing or storing it (fault injection)."""
        area = ""
        try:
            env = json.loads(body.decode("utf-8"))
            if isinstance(env, dict):
                area = _s(env.get("mdtrtarea_admvs"))
        except (ValueError, UnicodeDecodeError):
            pass
        return self._error_answer(self.clock(), area, err_msg)

    def _error_answer(self, now: datetime, area: str, err: str) -> bytes:
        with self.store.tx() as conn:
            return self._answer(conn, now, area, -1, err)

    def _answer(self, conn: sqlite3.Connection, received: datetime, area: str, infcode: int, err: str,
                output: dict[str, Any] | None = None, warn: str = "") -> bytes:
        serial = self.store.next_serial(conn, "inf_refmsgid")
        now = self.clock()
        region = area if _ADMDVS.fullmatch(area or "") else "000000"
        ans = {"infcode": infcode, "inf_refmsgid": f"{region}{now:%Y%m%d%H%M%S}{serial % 10**10:010d}",
               "refmsg_time": ts17(received), "respond_time": ts17(now), "err_msg": err, "warn_msg": warn,
               "output": _clean(output or {})}
        return wire.dumps(ans).encode("utf-8")

    def _check_envelope(self, env: dict[str, Any], path_infno: str | None):
        body_infno = _s(env.get("infno"))
        if path_infno:
            # a variant (2207X) may go to its base's path, but a transaction with a path of its own (2203A) only there
            if body_infno and body_infno != path_infno and (body_infno[:4] != path_infno
                                                             or body_infno in TRANSACTION_PATHS):
                raise Refusal(f"报文交易编号 infno {body_infno} 与请求路径对应的交易 {path_infno} 不符")
            infno = body_infno or path_infno
        else:
            if not body_infno:
                raise Refusal("缺少交易编号 infno")
            infno = body_infno
        if infno not in KNOWN_INFNOS:
            raise Refusal(f"交易编号 infno {infno} 无效")
        if infno not in SUPPORTED:
            raise Refusal(f"沙箱平台暂不支持交易 {infno}（沙箱模拟门诊结算与住院入院、出院、费用上传、结算相关交易）")
        code = _s(env.get("fixmedins_code"))
        if not code:
            raise Refusal("缺少定点医药机构编号 fixmedins_code")
        fac = self.policies.facilities.get(code)
        if fac is None:
            raise Refusal(f"定点医药机构编号 {code} 不存在（非沙箱定点机构，可用: "
                          + "、".join(self.policies.facilities) + "）")
        msgid = _s(env.get("msgid"))
        if len(msgid) != 30 or not msgid.startswith(code):
            raise Refusal(f"报文ID msgid 格式错误：应为 30 位 = 定点机构编号(12) + 时间(14) + 顺序号(4)，实际为 {msgid!r}")
        area = _s(env.get("mdtrtarea_admvs"))
        if not _ADMDVS.fullmatch(area):
            raise Refusal(f"就医地医保区划 mdtrtarea_admvs 应为 6 位数字，实际为 {area!r}")
        if area != fac["admdvs"]:
            raise Refusal(f"就医地医保区划 {area} 与定点机构 {code} 所在统筹区 {fac['admdvs']} 不符")
        inp = env.get("input")
        if not isinstance(inp, dict):
            raise Refusal("缺少输入 input（应为 JSON 对象）")
        node_name = INPUT_NODE[infno[:4]]
        node = inp.get(node_name)
        if infno[:4] in ("2204", "2301"):
            if isinstance(node, dict):
                node = [node]
            if not isinstance(node, list) or not node or not all(isinstance(x, dict) for x in node):
                raise Refusal("input.feedetail 应为非空的费用明细列表")
            if infno[:4] == "2301" and len(node) > FEE_BATCH_MAX:
                raise Refusal(f"一次上传的住院费用明细为 {len(node)} 条，超过每次 {FEE_BATCH_MAX} 条的上限，请分批上传")
        elif not isinstance(node, dict):
            raise Refusal(f"input 缺少节点 {node_name}")
        rows = node if isinstance(node, list) else [node]
        psn_nos = {_s(r.get("psn_no")) for r in rows} - {""}
        psn_no = sorted(psn_nos)[0] if psn_nos else ""
        if psn_nos:
            insuplc = _s(env.get("insuplc_admdvs"))
            if not insuplc:
                raise Refusal("输入含人员编号 psn_no 时参保地医保区划 insuplc_admdvs 必填（取 1101 返回的 insuinfo.insuplc_admdvs）")
            if not _ADMDVS.fullmatch(insuplc):
                raise Refusal(f"参保地医保区划 insuplc_admdvs 应为 6 位数字，实际为 {insuplc!r}")
            for p in psn_nos:
                person = self.policies.by_psn_no.get(p)
                if person and insuplc not in {i["insuplc_admdvs"] for i in person["insuinfo"]}:
                    raise Refusal(f"参保地医保区划 insuplc_admdvs {insuplc} 与参保人的参保地不符，请使用 1101 返回的 insuplc_admdvs")
        return infno, msgid, fac, node, inp, psn_no

    def _check_sign_in(self, ctx: Ctx) -> None:
        sign_no = _s(ctx.env.get("sign_no"))
        if not sign_no:
            raise Refusal(SIGN_IN_ERROR)
        row = ctx.conn.execute("SELECT * FROM signins WHERE sign_no = ?", (sign_no,)).fetchone()
        if (row is None or row["fixmedins_code"] != ctx.code or row["status"] != "in"
                or row["sign_date"] != ctx.now.strftime("%Y-%m-%d")):
            raise Refusal(SIGN_IN_ERROR)

    # ============================================================================================
    # helpers
    def _serial_id(self, ctx: Ctx, name: str) -> str:
        n = self.store.next_serial(ctx.conn, name)
        return f"{ctx.area}{ctx.now:%Y%m%d%H%M%S}{n % 10**6:06d}"

    def _person(self, psn_no: str) -> dict[str, Any]:
        p = self.policies.by_psn_no.get(psn_no)
        if p is None:
            raise Refusal(f"未查询到参保人信息(人员编号 {psn_no})")
        return p

    @staticmethod
    def _insurance(person: dict[str, Any], insutype: str) -> dict[str, Any]:
        for ins in person["insuinfo"]:
            if ins["insutype"] == insutype:
                return ins
        have = "、".join(i["insutype"] for i in person["insuinfo"])
        raise Refusal(f"参保人没有险种 {insutype} 的参保信息（可用险种: {have}）")

    def _check_active(self, ins: dict[str, Any]) -> None:
        st = ins.get("psn_insu_stas", "1")
        if st != "1":
            since = f"(自 {ins['paus_insu_date']} 起)" if ins.get("paus_insu_date") else ""
            raise Refusal(f"参保人险种 {ins['insutype']} 参保状态为{_INSU_STATUS.get(st, st)}{since}，不能享受医保待遇，"
                          "请按自费结算或请参保人联系参保地医保经办机构")

    def _balance(self, conn: sqlite3.Connection, person: dict[str, Any], insutype: str) -> Decimal:
        row = conn.execute("SELECT balc FROM accounts WHERE psn_no = ? AND insutype = ?",
                           (person["psn_no"], insutype)).fetchone()
        if row is not None:
            return Decimal(row["balc"])
        for ins in person["insuinfo"]:
            if ins["insutype"] == insutype:
                return money(ins.get("balc") or "0")
        return ZERO

    def _set_balance(self, conn: sqlite3.Connection, psn_no: str, insutype: str, balc: Decimal) -> None:
        conn.execute("INSERT OR REPLACE INTO accounts (psn_no, insutype, balc) VALUES (?, ?, ?)",
                     (psn_no, insutype, str(money(balc))))

    def _usage(self, conn: sqlite3.Connection, psn_no: str, insutype: str, year: int, benefit: str) -> Usage:
        row = conn.execute("SELECT * FROM usage WHERE psn_no = ? AND insutype = ? AND year = ? AND benefit = ?",
                           (psn_no, insutype, year, benefit)).fetchone()
        if row is None:
            return Usage()
        return Usage(Decimal(row["ded_used"]), Decimal(row["pool_paid"]), Decimal(row["big_paid"]))

    def _add_usage(self, conn: sqlite3.Connection, psn_no: str, insutype: str, year: int, benefit: str,
                   delta: Usage, sign: int) -> None:
        u = self._usage(conn, psn_no, insutype, year, benefit)
        vals = [money(u.ded_used + sign * delta.ded_used), money(u.pool_paid + sign * delta.pool_paid),
                money(u.big_paid + sign * delta.big_paid)]
        vals = [v if v > 0 else ZERO for v in vals]
        conn.execute("INSERT OR REPLACE INTO usage (psn_no, insutype, year, benefit, ded_used, pool_paid, big_paid) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", (psn_no, insutype, year, benefit, *map(str, vals)))

    def _cert_check(self, person: dict[str, Any], cert_type: str, cert_no: str, card_sn: str, ctx: Ctx) -> None:
        """When a credential is given with a psn_no, it must be this person's."""
        if not cert_type or not cert_no:
            return
        try:
            other = self._identify(ctx, cert_type, cert_no, card_sn if cert_type == "03" else None, quiet_sn=True)
        except Refusal as r:
            raise Refusal(f"就诊凭证校验失败：{r.err_msg}") from None
        if other["psn_no"] != person["psn_no"]:
            raise Refusal("就诊凭证(mdtrt_cert_no)与人员编号 psn_no 不是同一参保人")

    def _identify(self, ctx: Ctx, cert_type: str, cert_no: str, card_sn: str | None, *, quiet_sn: bool = False
                  ) -> dict[str, Any]:
        p = self.policies
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
                    raise Refusal("社会保障卡识别码(card_sn)与卡号不符：卡片可能已补换或信息被篡改，请重新读卡或改用医保电子凭证")
            expiry = card.get("expiry_date") or ""
            if expiry and expiry < ctx.now.strftime("%Y%m%d"):
                raise Refusal(f"社会保障卡已过有效期({expiry[:4]}-{expiry[4:6]}-{expiry[6:]})，请改用医保电子凭证或身份证就诊，并到社保卡服务网点换卡")
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

    def _visit(self, ctx: Ctx, mdtrt_id: str, psn_no: str) -> sqlite3.Row:
        if not mdtrt_id:
            raise Refusal("缺少就诊ID mdtrt_id")
        v = ctx.conn.execute("SELECT * FROM visits WHERE mdtrt_id = ?", (mdtrt_id,)).fetchone()
        if v is None or v["fixmedins_code"] != ctx.code:
            raise Refusal(f"就诊信息不存在(mdtrt_id={mdtrt_id})，请先办理挂号(2201)")
        if psn_no and v["psn_no"] != psn_no:
            raise Refusal(f"就诊ID {mdtrt_id} 与人员编号 {psn_no} 不符")
        if v["status"] == "cancelled":
            raise Refusal(f"就诊(mdtrt_id={mdtrt_id})已撤销")
        return v

    @staticmethod
    def _admission(conn: sqlite3.Connection, mdtrt_id: str) -> sqlite3.Row | None:
        return conn.execute("SELECT * FROM admissions WHERE mdtrt_id = ?", (mdtrt_id,)).fetchone()

    def _not_inpatient(self, ctx: Ctx, v: sqlite3.Row, instead: str) -> None:
        """Outpatient transactions refuse a stay admitted with 2401."""
        if self._admission(ctx.conn, v["mdtrt_id"]) is not None:
            raise Refusal(f"就诊ID {v['mdtrt_id']} 为住院就诊(2401 入院办理)，请使用住院交易 {instead}")

    def _inpatient(self, ctx: Ctx, mdtrt_id: str, psn_no: str) -> tuple[sqlite3.Row, sqlite3.Row]:
        """The visit and admission rows of an inpatient stay (refuses an outpatient visit)."""
        if not mdtrt_id:
            raise Refusal("缺少就诊ID mdtrt_id")
        v = ctx.conn.execute("SELECT * FROM visits WHERE mdtrt_id = ?", (mdtrt_id,)).fetchone()
        a = self._admission(ctx.conn, mdtrt_id)
        if v is None or a is None or v["fixmedins_code"] != ctx.code:
            raise Refusal(f"住院就诊信息不存在(mdtrt_id={mdtrt_id})，请先办理入院(2401)")
        if psn_no and v["psn_no"] != psn_no:
            raise Refusal(f"就诊ID {mdtrt_id} 与人员编号 {psn_no} 不符")
        if v["status"] == "cancelled" or a["status"] == "cancelled":
            raise Refusal(f"住院就诊(mdtrt_id={mdtrt_id})已撤销")
        return v, a

    def _med_type(self, ctx: Ctx, med_type: str) -> str:
        self.policies.benefit_of(med_type)  # validates
        allowed = self.policies.facility_med_types.get(ctx.fac.get("fixmedins_type", "1"), [])
        if med_type not in allowed:
            kind = "定点零售药店" if ctx.fac.get("fixmedins_type") == "2" else "定点医疗机构"
            raise Refusal(f"医疗类别 {med_type} 不适用于{kind} {ctx.code}（可用: {'、'.join(allowed)}）")
        return med_type

    # ============================================================================================
    # 9001 / 9002 sign-in and sign-out
    def _t9001(self, ctx: Ctx) -> dict[str, Any]:
        opter = _s(ctx.node.get("opter_no")) or _s(ctx.env.get("opter"))
        if not opter:
            raise Refusal("签到须提供操作员编号 opter_no")
        today = ctx.now.strftime("%Y-%m-%d")
        row = ctx.conn.execute("SELECT * FROM signins WHERE fixmedins_code = ? AND opter_no = ? AND sign_date = ? "
                               "AND status = 'in' ORDER BY sign_time DESC LIMIT 1", (ctx.code, opter, today)).fetchone()
        if row is not None:
            return {"signinoutb": {"sign_no": row["sign_no"], "sign_time": row["sign_time"]}}
        n = self.store.next_serial(ctx.conn, "sign_no")
        sign_no = f"{ctx.now:%Y%m%d%H%M%S}{n % 10**6:06d}"
        ctx.conn.execute("INSERT INTO signins (sign_no, fixmedins_code, opter_no, sign_date, sign_time, status) "
                         "VALUES (?, ?, ?, ?, ?, 'in')", (sign_no, ctx.code, opter, today, ts19(ctx.now)))
        return {"signinoutb": {"sign_no": sign_no, "sign_time": ts19(ctx.now)}}

    def _t9002(self, ctx: Ctx) -> dict[str, Any]:
        sign_no = _s(ctx.node.get("sign_no")) or _s(ctx.env.get("sign_no"))
        row = ctx.conn.execute("SELECT * FROM signins WHERE sign_no = ?", (sign_no,)).fetchone()
        if row is None or row["fixmedins_code"] != ctx.code or row["status"] != "in":
            raise Refusal("签到编号不存在或已签退")
        ctx.conn.execute("UPDATE signins SET status = 'out', signout_time = ? WHERE sign_no = ?",
                         (ts19(ctx.now), sign_no))
        return {"signoutoutb": {"sign_time": ts19(ctx.now), "sign_no": sign_no}}

    # ============================================================================================
    # 1101 person info
    def _t1101(self, ctx: Ctx) -> dict[str, Any]:
        d = ctx.node
        cert_type = _s(d.get("mdtrt_cert_type"))
        cert_no = _s(d.get("mdtrt_cert_no"))
        if cert_type == "02" and not cert_no:
            cert_no = _s(d.get("certno"))
        if not cert_no:
            raise Refusal("缺少就诊凭证编号 mdtrt_cert_no")
        person = self._identify(ctx, cert_type, cert_no, _s(d.get("card_sn")))
        brdy = date.fromisoformat(person["brdy"])
        today = ctx.now.date()
        age = today.year - brdy.year - ((today.month, today.day) < (brdy.month, brdy.day))
        base = {k: person.get(k, "") for k in ("psn_no", "psn_cert_type", "certno", "psn_name", "gend", "naty", "brdy")}
        base["age"] = age
        insuinfo = []
        for ins in person["insuinfo"]:
            i = {k: ins.get(k, "") for k in ("insutype", "psn_type", "psn_insu_stas", "psn_insu_date",
                                              "paus_insu_date", "cvlserv_flag", "insuplc_admdvs", "emp_name")}
            i["balc"] = self._balance(ctx.conn, person, ins["insutype"])
            insuinfo.append(i)
        return {"baseinfo": base, "insuinfo": insuinfo, "idetinfo": list(person.get("idetinfo") or [])}

    # ============================================================================================
    # 2201 / 2202 / 2203 registration and visit info
    def _t2201(self, ctx: Ctx) -> dict[str, Any]:
        d = ctx.node
        person = self._person(_s(d.get("psn_no")))
        insutype = _s(d.get("insutype"))
        if not insutype:
            raise Refusal("挂号须指定险种 insutype（参保人有多个险种时由收费员选择）")
        ins = self._insurance(person, insutype)
        insuplc = _s(ctx.env.get("insuplc_admdvs"))
        if insuplc != ins["insuplc_admdvs"]:
            raise Refusal(f"参保地医保区划 {insuplc} 与险种 {insutype} 的参保地 {ins['insuplc_admdvs']} 不符")
        cert_type = _s(d.get("mdtrt_cert_type"))
        self._cert_check(person, cert_type, _s(d.get("mdtrt_cert_no")), _s(d.get("card_sn")) or None, ctx)
        if ins.get("psn_insu_stas", "1") != "1":
            ctx.warn.append(f"险种 {insutype} 参保状态为{_INSU_STATUS.get(ins['psn_insu_stas'], ins['psn_insu_stas'])}，"
                            "结算时将不能享受医保待遇")
        default_mt = "41" if ctx.fac.get("fixmedins_type") == "2" else "11"
        mdtrt_id = self._serial_id(ctx, "mdtrt_id")
        ipt_otp_no = _s(d.get("ipt_otp_no"))
        ctx.conn.execute(
            "INSERT INTO visits (mdtrt_id, fixmedins_code, psn_no, insutype, insuplc_admdvs, mdtrtarea_admvs, med_type, "
            "begntime, ipt_otp_no, mdtrt_cert_type, status, reg_msgid, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'registered', ?, ?)",
            (mdtrt_id, ctx.code, person["psn_no"], insutype, insuplc, ctx.area, default_mt,
             _s(d.get("begntime")) or ts19(ctx.now), ipt_otp_no, cert_type, ctx.msgid, ts19(ctx.now)))
        return {"data": {"mdtrt_id": mdtrt_id, "psn_no": person["psn_no"], "ipt_otp_no": ipt_otp_no}}

    def _t2202(self, ctx: Ctx) -> dict[str, Any]:
        d = ctx.node
        v = self._visit(ctx, _s(d.get("mdtrt_id")), _s(d.get("psn_no")))
        self._not_inpatient(ctx, v, "2601 冲正入院(2401)")
        if v["status"] == "settled":
            raise Refusal(f"该就诊已结算(setl_id={v['setl_id']})，请先撤销结算(2208)再撤销挂号")
        ctx.conn.execute("UPDATE visits SET status = 'cancelled' WHERE mdtrt_id = ?", (v["mdtrt_id"],))
        ctx.conn.execute("UPDATE fees SET status = 'cancelled' WHERE mdtrt_id = ? AND status = 'uploaded'",
                         (v["mdtrt_id"],))
        return {}

    def _t2203(self, ctx: Ctx) -> dict[str, Any]:
        d = ctx.node
        v = self._visit(ctx, _s(d.get("mdtrt_id")), _s(d.get("psn_no")))
        self._not_inpatient(ctx, v, "2402 出院办理")
        if v["status"] == "settled":
            raise Refusal("该就诊已结算，不能修改就诊信息")
        med_type = self._med_type(ctx, _s(d.get("med_type")) or v["med_type"])
        dise_codg, dise_name = _s(d.get("dise_codg")), _s(d.get("dise_name"))
        dise = ctx.inp.get("diseinfo")
        if not dise_codg and isinstance(dise, list) and dise and isinstance(dise[0], dict):
            dise_codg, dise_name = _s(dise[0].get("diag_code")), _s(dise[0].get("diag_name"))
        ctx.conn.execute("UPDATE visits SET med_type = ?, dise_codg = ?, dise_name = ?, begntime = ? WHERE mdtrt_id = ?",
                         (med_type, dise_codg, dise_name, _s(d.get("begntime")) or v["begntime"], v["mdtrt_id"]))
        return {}

    # ============================================================================================
    # 2204 / 2205 fee details
    def _t2204(self, ctx: Ctx) -> dict[str, Any]:
        rows: list[dict[str, Any]] = ctx.node
        mdtrt_ids = {_s(r.get("mdtrt_id")) for r in rows}
        if len(mdtrt_ids) != 1:
            raise Refusal("一次上传的费用明细须属于同一就诊(mdtrt_id)")
        psn_nos = {_s(r.get("psn_no")) for r in rows}
        if len(psn_nos) != 1:
            raise Refusal("一次上传的费用明细须属于同一参保人(psn_no)")
        v = self._visit(ctx, mdtrt_ids.pop(), psn_nos.pop())
        self._not_inpatient(ctx, v, "2301 住院费用明细上传")
        if v["status"] == "settled":
            raise Refusal(f"该就诊已结算(setl_id={v['setl_id']})，不能再上传费用明细")
        return {"result": self._store_fees(ctx, v, rows, "2205")}

    def _store_fees(self, ctx: Ctx, v: sqlite3.Row, rows: list[dict[str, Any]], cancel_infno: str
                    ) -> list[dict[str, Any]]:
        """Classify and store fee lines of one message (2204 / 2301); the per-line results."""
        existing = {r["feedetl_sn"] for r in ctx.conn.execute(
            "SELECT feedetl_sn FROM fees WHERE mdtrt_id = ? AND status != 'cancelled'", (v["mdtrt_id"],))}
        seen: set[str] = set()
        results = []
        for n, r in enumerate(rows, 1):
            sn = _s(r.get("feedetl_sn"))
            if not sn:
                raise Refusal(f"第 {n} 条费用明细缺少费用明细流水号 feedetl_sn")
            if sn in seen:
                raise Refusal(f"第 {n} 条费用明细流水号 feedetl_sn {sn} 在本次上传中重复")
            if sn in existing:
                raise Refusal(f"费用明细流水号 feedetl_sn {sn} 在本次就诊中已上传(重复)，请勿重复上传；如需修改请先撤销({cancel_infno})")
            seen.add(sn)
            code = _s(r.get("med_list_codg"))
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
            item = self.policies.catalogue_item(ctx.area, code)
            c = classify_item(item, pric, cnt, total)
            memo = ("医保目录外项目，全自费" if item is None else
                    "丙类，全自费" if c["chrgitm_lv"] == "03" else
                    f"超限价 {c['overlmt_amt']}" if c["overlmt_amt"] > 0 else "")
            name = _s(r.get("med_list_name")) or (item.name if item else code)
            ctx.conn.execute(
                "INSERT INTO fees (mdtrt_id, feedetl_sn, chrg_bchno, msgid, med_list_codg, medins_list_codg, name, pric, "
                "cnt, det_item_fee_sumamt, fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt, chrgitm_lv, "
                "status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'uploaded')",
                (v["mdtrt_id"], sn, _s(r.get("chrg_bchno")), ctx.msgid, code, _s(r.get("medins_list_codg")), name,
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

    def _t2205(self, ctx: Ctx) -> dict[str, Any]:
        d = ctx.node
        v = self._visit(ctx, _s(d.get("mdtrt_id")), _s(d.get("psn_no")))
        self._not_inpatient(ctx, v, "2302 住院费用明细撤销")
        bch = _s(d.get("chrg_bchno"))
        if not bch:
            raise Refusal("缺少收费批次号 chrg_bchno（撤销全部未结算明细时传 0000）")
        if bch == "0000":
            cur = ctx.conn.execute("UPDATE fees SET status = 'cancelled' WHERE mdtrt_id = ? AND status = 'uploaded'",
                                   (v["mdtrt_id"],))
            if cur.rowcount == 0:
                ctx.warn.append("没有未结算的费用明细")
        else:
            cur = ctx.conn.execute("UPDATE fees SET status = 'cancelled' WHERE mdtrt_id = ? AND chrg_bchno = ? "
                                   "AND status = 'uploaded'", (v["mdtrt_id"], bch))
            if cur.rowcount == 0:
                raise Refusal(f"未找到收费批次 {bch} 的未结算费用明细")
        return {}

    # ============================================================================================
    # 2206 / 2207 / 2208 settlement
    def _compute(self, ctx: Ctx, final: bool, inpatient: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
        d = ctx.node
        adm = None
        if inpatient:
            v, adm = self._inpatient(ctx, _s(d.get("mdtrt_id")), _s(d.get("psn_no")))
            if _s(d.get("mid_setl_flag")) == "1":
                raise Refusal("沙箱平台暂不支持中途结算(mid_setl_flag=1)，请在出院时结算")
            if final and adm["status"] != "discharged":
                raise Refusal(f"住院就诊(mdtrt_id={v['mdtrt_id']})尚未办理出院，请先办理出院(2402)再结算")
        else:
            v = self._visit(ctx, _s(d.get("mdtrt_id")), _s(d.get("psn_no")))
            self._not_inpatient(ctx, v, "2303 / 2304 住院结算")
        pre_infno, cancel_infno, upload_infno = ("2303", "2305", "2301") if inpatient else ("2206", "2208", "2204")
        if v["status"] == "settled":
            raise Refusal(f"该就诊已结算(setl_id={v['setl_id']})，不能重复结算；如需重新结算请先撤销({cancel_infno})")
        person = self._person(v["psn_no"])
        insutype = _s(d.get("insutype")) or v["insutype"]
        if insutype != v["insutype"]:
            raise Refusal(f"结算险种 {insutype} 与挂号险种 {v['insutype']} 不符")
        ins = self._insurance(person, insutype)
        self._check_active(ins)
        med_type = self._med_type(ctx, _s(d.get("med_type")) or v["med_type"])
        cert_type = _s(d.get("mdtrt_cert_type"))
        self._cert_check(person, cert_type, _s(d.get("mdtrt_cert_no")), _s(d.get("card_sn")) or None, ctx)
        setlway = _s(d.get("psn_setlway")) or "01"
        if setlway not in ("01", "02"):
            raise Refusal(f"个人结算方式 psn_setlway {setlway!r} 无效（01 按项目结算, 02 按定额结算）")
        bch = "" if inpatient else _s(d.get("chrg_bchno"))
        sql = "SELECT * FROM fees WHERE mdtrt_id = ? AND status = 'uploaded'"
        args: tuple = (v["mdtrt_id"],)
        if bch and bch != "0000":
            sql += " AND chrg_bchno = ?"
            args += (bch,)
        fees = ctx.conn.execute(sql + " ORDER BY id", args).fetchall()
        if not fees:
            raise Refusal(f"没有待结算的费用明细，请先上传费用明细({upload_infno})")
        total = money(sum((Decimal(f["det_item_fee_sumamt"]) for f in fees), ZERO))
        if d.get("medfee_sumamt") in (None, ""):
            raise Refusal("缺少医疗费总额 medfee_sumamt")
        sent = _amount(d.get("medfee_sumamt"), "医疗费总额 medfee_sumamt")
        if sent != total:
            raise Refusal(f"医疗费总额 medfee_sumamt {sent} 与已上传未结算费用明细合计 {total} 不符，请核对明细后重新上传")
        parts = {
            "fulamt_ownpay_amt": money(sum((Decimal(f["fulamt_ownpay_amt"]) for f in fees), ZERO)),
            "overlmt_selfpay": money(sum((Decimal(f["overlmt_amt"]) for f in fees), ZERO)),
            "preselfpay_amt": money(sum((Decimal(f["preselfpay_amt"]) for f in fees), ZERO)),
            "inscp_scp_amt": money(sum((Decimal(f["inscp_scp_amt"]) for f in fees), ZERO)),
        }
        if final:
            for k, v_ in parts.items():
                if d.get(k) not in (None, "") and _amount(d.get(k), k) != v_:
                    raise Refusal(f"{k} {_amount(d.get(k), k)} 与平台按明细计算的 {v_} 不符，请重新预结算({pre_infno})")
        rule = self.policies.rule(ins["insuplc_admdvs"], insutype, med_type, str(ctx.fac.get("hosp_lv", "1")))
        year = ctx.now.year
        usage = self._usage(ctx.conn, person["psn_no"], insutype, year, rule.benefit)
        balance = self._balance(ctx.conn, person, insutype)
        acct_flag = _s(d.get("acct_used_flag")) == "1"
        allowed = self.policies.account_allowed(ins["insuplc_admdvs"], ctx.area, med_type)
        if acct_flag and not allowed and rule.has_account and balance > 0:
            ctx.warn.append(f"参保地({ins['insuplc_admdvs']})政策不允许个人账户跨省支付此类费用，个人账户未支付")
        bd = settle(parts, rule, usage, balance=balance, use_account=acct_flag and allowed,
                    retiree=self.policies.is_retiree(ins.get("psn_type", "")),
                    cvlserv_flag=_s(ins.get("cvlserv_flag")) == "1",
                    overlmt_hosp_prop=self.policies.overlmt_hosp_prop(ctx.area) if inpatient else ZERO)
        errs = identity_errors(bd.amounts, bd.details)
        if errs or any(bd.amounts[k] < 0 for k in SETL_AMOUNTS):  # never answer an inconsistent breakdown
            raise RuntimeError(f"breakdown does not add up: {errs} {bd.amounts}")
        setl_id = self._serial_id(ctx, "setl_id") if final else ""
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
        info.update(clr_optins=ins["insuplc_admdvs"], clr_way=self.policies.clr_way,
                    clr_type=self.policies.clr_type_of(med_type), medins_setl_id=ctx.msgid)
        meta = {"visit": v, "person": person, "ins": ins, "rule": rule, "year": year, "fees": fees,
                "usage_delta": bd.usage_delta, "details": bd.details, "med_type": med_type}
        return info, meta

    def _t2206(self, ctx: Ctx) -> dict[str, Any]:
        info, meta = self._compute(ctx, final=False)
        return {"setlinfo": info, "setldetail": meta["details"]}

    def _t2207(self, ctx: Ctx) -> dict[str, Any]:
        return self._final(ctx, "2207")

    def _final(self, ctx: Ctx, infno: str) -> dict[str, Any]:
        """2207 / 2304: book a settlement."""
        info, meta = self._compute(ctx, final=True, inpatient=infno == "2304")
        conn, person, ins = ctx.conn, meta["person"], meta["ins"]
        setl_id = info["setl_id"]
        delta: Usage = meta["usage_delta"]
        self._add_usage(conn, person["psn_no"], ins["insutype"], meta["year"], meta["rule"].benefit, delta, +1)
        self._set_balance(conn, person["psn_no"], ins["insutype"], info["balc"])
        conn.executemany("UPDATE fees SET status = 'settled', setl_id = ? WHERE id = ?",
                         [(setl_id, f["id"]) for f in meta["fees"]])
        conn.execute("UPDATE visits SET status = 'settled', setl_id = ?, med_type = ? WHERE mdtrt_id = ?",
                     (setl_id, meta["med_type"], info["mdtrt_id"]))
        output = {"setlinfo": info, "setldetail": meta["details"]}
        self._book(ctx, infno, setl_id, info, meta["details"], benefit=meta["rule"].benefit, year=meta["year"],
                   usage=delta, fee_ids=[f["id"] for f in meta["fees"]])
        return output

    def _book(self, ctx: Ctx, infno: str, setl_id: str, info: dict[str, Any], details: list[dict[str, Any]], *,
              benefit: str, year: int, usage: Usage, fee_ids: list[int], orig_setl_id: str = "", omsgid: str = "",
              oinfno: str = "") -> None:
        amounts = {k: str(info[k]) for k in SETL_AMOUNTS}
        extra = {"usage": [str(usage.ded_used), str(usage.pool_paid), str(usage.big_paid)], "fee_ids": fee_ids}
        ctx.conn.execute(
            "INSERT INTO ledger (msgid, infno, setl_id, orig_setl_id, omsgid, oinfno, mdtrt_id, psn_no, insutype, "
            "fixmedins_code, med_type, clr_type, clr_way, clr_optins, benefit, year, setl_time, setl_date, status, "
            "amounts, setldetail, setlinfo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?)",
            (ctx.msgid, infno, setl_id, orig_setl_id, omsgid, oinfno, info["mdtrt_id"], info["psn_no"], info["insutype"],
             ctx.code, info["med_type"], info["clr_type"], info["clr_way"], info["clr_optins"], benefit, year,
             ts19(ctx.now), ctx.now.strftime("%Y-%m-%d"), json.dumps({**amounts, **extra}),
             wire.dumps(details), wire.dumps(info)))

    def _undo(self, conn: sqlite3.Connection, row: sqlite3.Row) -> Decimal:
        """Undo what a booked 2207 did to state (usage, balance, fee and visit status). Returns the new balance."""
        a = json.loads(row["amounts"])
        u = a["usage"]
        self._add_usage(conn, row["psn_no"], row["insutype"], row["year"], row["benefit"],
                        Usage(Decimal(u[0]), Decimal(u[1]), Decimal(u[2])), -1)
        person = self._person(row["psn_no"])
        balc = self._balance(conn, person, row["insutype"]) + Decimal(a["acct_pay"])
        self._set_balance(conn, row["psn_no"], row["insutype"], balc)
        conn.executemany("UPDATE fees SET status = 'uploaded', setl_id = '' WHERE id = ?", [(i,) for i in a["fee_ids"]])
        conn.execute("UPDATE visits SET status = 'registered', setl_id = '' WHERE mdtrt_id = ?", (row["mdtrt_id"],))
        return money(balc)

    def _redo(self, conn: sqlite3.Connection, row: sqlite3.Row) -> Decimal:
        """Book a cancelled 2207 again (reversal of its 2208). Refuses when its details were settled anew."""
        a = json.loads(row["amounts"])
        v = conn.execute("SELECT * FROM visits WHERE mdtrt_id = ?", (row["mdtrt_id"],)).fetchone()
        if v is None or v["status"] != "registered":
            raise Refusal("原结算的就诊已重新结算或已撤销，不能冲正该撤销结算交易")
        ids = a["fee_ids"]
        st = conn.execute(f"SELECT COUNT(*) AS n FROM fees WHERE status = 'uploaded' AND id IN ({','.join('?' * len(ids))})",
                          ids).fetchone()["n"]
        if st != len(ids):
            raise Refusal("原结算的费用明细已变更，不能冲正该撤销结算交易")
        person = self._person(row["psn_no"])
        balc = self._balance(conn, person, row["insutype"]) - Decimal(a["acct_pay"])
        if balc < 0:
            raise Refusal("个人账户余额不足，不能冲正该撤销结算交易")
        u = a["usage"]
        self._add_usage(conn, row["psn_no"], row["insutype"], row["year"], row["benefit"],
                        Usage(Decimal(u[0]), Decimal(u[1]), Decimal(u[2])), +1)
        self._set_balance(conn, row["psn_no"], row["insutype"], balc)
        conn.executemany("UPDATE fees SET status = 'settled', setl_id = ? WHERE id = ?", [(row["setl_id"], i) for i in ids])
        conn.execute("UPDATE visits SET status = 'settled', setl_id = ? WHERE mdtrt_id = ?", (row["setl_id"], row["mdtrt_id"]))
        return money(balc)

    @staticmethod
    def _negated(row: sqlite3.Row, balc: Decimal) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        info = wire.loads(row["setlinfo"])
        for k in SETL_AMOUNTS:
            info[k] = neg(money(info[k]))
        info["balc"] = balc
        details = wire.loads(row["setldetail"])
        for dd in details:
            dd["fund_payamt"] = neg(money(dd["fund_payamt"]))
            dd["inscp_scp_amt"] = neg(money(dd["inscp_scp_amt"]))
        return info, details

    def _t2208(self, ctx: Ctx) -> dict[str, Any]:
        return self._cancel(ctx, "2208", "2207")

    def _cancel(self, ctx: Ctx, infno: str, orig_infno: str) -> dict[str, Any]:
        """2208 / 2305: cancel a booked 2207 / 2304."""
        d = ctx.node
        setl_id, mdtrt_id, psn_no = _s(d.get("setl_id")), _s(d.get("mdtrt_id")), _s(d.get("psn_no"))
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
        balc = self._undo(ctx.conn, row)
        ctx.conn.execute("UPDATE ledger SET status = 'cancelled' WHERE id = ?", (row["id"],))
        info, details = self._negated(row, balc)
        new_id = self._serial_id(ctx, "setl_id")
        info.update(setl_id=new_id, setl_time=ts19(ctx.now), medins_setl_id=ctx.msgid, init_setl_id=setl_id)
        u = json.loads(row["amounts"])["usage"]
        self._book(ctx, infno, new_id, info, details, benefit=row["benefit"], year=row["year"],
                   usage=Usage(-Decimal(u[0]), -Decimal(u[1]), -Decimal(u[2])), fee_ids=[], orig_setl_id=setl_id)
        return {"setlinfo": info, "setldetail": details}

    # ============================================================================================
    # inpatient: 2401 admission, 2402 discharge, 2301 / 2302 fee details, 2303 / 2304 / 2305 settlement
    def _t2401(self, ctx: Ctx) -> dict[str, Any]:
        d = ctx.node
        if ctx.fac.get("fixmedins_type") != "1":
            raise Refusal(f"定点机构 {ctx.code} 不是定点医疗机构，不能办理住院")
        person = self._person(_s(d.get("psn_no")))
        insutype = _s(d.get("insutype"))
        if not insutype:
            raise Refusal("入院办理须指定险种 insutype（参保人有多个险种时由收费员选择）")
        ins = self._insurance(person, insutype)
        insuplc = _s(ctx.env.get("insuplc_admdvs"))
        if insuplc != ins["insuplc_admdvs"]:
            raise Refusal(f"参保地医保区划 {insuplc} 与险种 {insutype} 的参保地 {ins['insuplc_admdvs']} 不符")
        cert_type = _s(d.get("mdtrt_cert_type"))
        if not cert_type or not _s(d.get("mdtrt_cert_no")):
            raise Refusal("入院办理须提供就诊凭证类型 mdtrt_cert_type 和凭证编号 mdtrt_cert_no")
        self._cert_check(person, cert_type, _s(d.get("mdtrt_cert_no")), _s(d.get("card_sn")) or None, ctx)
        self._check_active(ins)
        med_type = self._med_type(ctx, _s(d.get("med_type")) or "21")
        if self.policies.benefit_of(med_type) != "inpatient":
            raise Refusal(f"医疗类别 med_type {med_type} 不是住院类别（普通住院为 21）")
        ipt_no = _s(d.get("ipt_no")) or _s(d.get("ipt_otp_no"))
        missing = [name for name, val in (("住院号 ipt_no", ipt_no), ("入院科室编码 adm_dept_codg", _s(d.get("adm_dept_codg"))),
                                          ("主治医生编码 atddr_no", _s(d.get("atddr_no"))),
                                          ("入院诊断 adm_diag_dscr 或 dise_codg",
                                           _s(d.get("adm_diag_dscr")) or _s(d.get("dise_codg"))))
                   if not val]
        if missing:
            raise Refusal("入院办理缺少: " + "、".join(missing))
        begntime = _s(d.get("begntime")) or ts19(ctx.now)
        try:
            datetime.strptime(begntime[:19], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise Refusal(f"入院时间 begntime 格式应为 yyyy-MM-dd HH:mm:ss，实际为 {begntime!r}") from None
        filing_no = ""
        if is_cross_province(ins["insuplc_admdvs"], ctx.area):
            filing, why = self.policies.filing(person["psn_no"], insutype, ctx.area, begntime[:10])
            there = f"参保地 {place_name(ins['insuplc_admdvs'])}，就医地 {place_name(ctx.area)}"
            if why == "none":
                raise Refusal(f"参保人未办理异地就医备案（{there}），不能跨省直接结算住院费用：请参保人通过国家医保服务平台"
                              "APP、微信小程序或参保地医保经办机构办理异地就医备案后再办理入院；未备案可按自费入院，"
                              "出院后回参保地报销")
            if why:
                when = f"{filing.get('begndate') or '…'} 至 {filing.get('enddate') or '长期'}"
                raise Refusal(f"参保人的异地就医备案({filing.get('filing_no', '')}，有效期 {when})"
                              f"{'已过期' if why == 'expired' else '尚未生效'}（{there}）：请参保人办理备案续期后再办理入院")
            filing_no = str(filing.get("filing_no") or "")
        cur = ctx.conn.execute(
            "SELECT a.mdtrt_id, a.fixmedins_code, a.ipt_no FROM admissions a JOIN visits v ON v.mdtrt_id = a.mdtrt_id "
            "WHERE a.psn_no = ? AND a.status = 'admitted' AND v.status != 'cancelled'", (person["psn_no"],)).fetchone()
        if cur is not None:
            where = "本院" if cur["fixmedins_code"] == ctx.code else f"定点医疗机构 {cur['fixmedins_code']}"
            raise Refusal(f"参保人已在{where}住院(住院号 {cur['ipt_no']}，就诊ID {cur['mdtrt_id']})，未办理出院前不能重复办理入院")
        dup = ctx.conn.execute("SELECT mdtrt_id FROM admissions WHERE fixmedins_code = ? AND ipt_no = ? AND "
                               "status != 'cancelled'", (ctx.code, ipt_no)).fetchone()
        if dup is not None:
            raise Refusal(f"住院号 {ipt_no} 已被就诊 {dup['mdtrt_id']} 使用，请使用新的住院号")
        dise = ctx.inp.get("diseinfo")
        dise_codg, dise_name = _s(d.get("dise_codg")), _s(d.get("dise_name"))
        if not dise_codg and isinstance(dise, list) and dise and isinstance(dise[0], dict):
            dise_codg, dise_name = _s(dise[0].get("diag_code")), _s(dise[0].get("diag_name"))
        mdtrt_id = self._serial_id(ctx, "mdtrt_id")
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
            (mdtrt_id, ctx.code, person["psn_no"], ipt_no, begntime, _s(d.get("adm_dept_codg")),
             _s(d.get("adm_dept_name")), _s(d.get("atddr_no")), _s(d.get("chfpdr_name")) or _s(d.get("dr_name")),
             _s(d.get("adm_bed")), _s(d.get("adm_diag_dscr")) or dise_name, filing_no, ctx.msgid))
        return {"result": {"mdtrt_id": mdtrt_id, "psn_no": person["psn_no"], "ipt_otp_no": ipt_no}}

    def _t2402(self, ctx: Ctx) -> dict[str, Any]:
        d = ctx.node
        v, a = self._inpatient(ctx, _s(d.get("mdtrt_id")), _s(d.get("psn_no")))
        if a["status"] == "discharged":
            raise Refusal(f"住院就诊(mdtrt_id={v['mdtrt_id']})已于 {a['endtime']} 办理出院，不能重复办理")
        if v["status"] == "settled":
            raise Refusal("该住院就诊已结算，不能办理出院")
        insutype = _s(d.get("insutype"))
        if insutype and insutype != v["insutype"]:
            raise Refusal(f"出院险种 {insutype} 与入院险种 {v['insutype']} 不符")
        endtime = _s(d.get("endtime"))
        if not endtime:
            raise Refusal("出院办理缺少出院时间 endtime")
        try:
            end = datetime.strptime(endtime[:19], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise Refusal(f"出院时间 endtime 格式应为 yyyy-MM-dd HH:mm:ss，实际为 {endtime!r}") from None
        if end < datetime.strptime(a["begntime"][:19], "%Y-%m-%d %H:%M:%S"):
            raise Refusal(f"出院时间 {endtime} 早于入院时间 {a['begntime']}")
        way = _s(d.get("dscg_way")) or "1"
        if way not in DSCG_WAYS:
            raise Refusal(f"离院方式 dscg_way {way!r} 无效（" + "、".join(f"{k} {n}" for k, n in DSCG_WAYS.items()) + "）")
        dise = ctx.inp.get("diseinfo")
        dise_codg, dise_name = _s(d.get("dise_codg")), _s(d.get("dise_name"))
        if not dise_codg and isinstance(dise, list) and dise and isinstance(dise[0], dict):
            dise_codg, dise_name = _s(dise[0].get("diag_code")), _s(dise[0].get("diag_name"))
        ctx.conn.execute("UPDATE admissions SET status = 'discharged', endtime = ?, dscg_way = ?, dscg_dept_codg = ?, "
                         "dscg_dise_codg = ?, dscg_dise_name = ?, dscg_msgid = ? WHERE mdtrt_id = ?",
                         (endtime, way, _s(d.get("dscg_dept_codg")), dise_codg, dise_name, ctx.msgid, v["mdtrt_id"]))
        if dise_codg:
            ctx.conn.execute("UPDATE visits SET dise_codg = ?, dise_name = ? WHERE mdtrt_id = ?",
                             (dise_codg, dise_name, v["mdtrt_id"]))
        return {}

    def _t2301(self, ctx: Ctx) -> dict[str, Any]:
        rows: list[dict[str, Any]] = ctx.node
        mdtrt_ids = {_s(r.get("mdtrt_id")) for r in rows}
        if len(mdtrt_ids) != 1:
            raise Refusal("一次上传的住院费用明细须属于同一住院就诊(mdtrt_id)")
        psn_nos = {_s(r.get("psn_no")) for r in rows}
        if len(psn_nos) != 1:
            raise Refusal("一次上传的住院费用明细须属于同一参保人(psn_no)")
        v, _a = self._inpatient(ctx, mdtrt_ids.pop(), psn_nos.pop())
        if v["status"] == "settled":
            raise Refusal(f"该住院就诊已结算(setl_id={v['setl_id']})，不能再上传费用明细；如需补传请先撤销结算(2305)")
        return {"result": self._store_fees(ctx, v, rows, "2302")}

    def _t2302(self, ctx: Ctx) -> dict[str, Any]:
        d = ctx.node
        v, _a = self._inpatient(ctx, _s(d.get("mdtrt_id")), _s(d.get("psn_no")))
        sn = _s(d.get("feedetl_sn"))
        if not sn:
            raise Refusal("缺少费用明细流水号 feedetl_sn（撤销全部未结算明细时传 0000）")
        if sn == "0000":
            cur = ctx.conn.execute("UPDATE fees SET status = 'cancelled' WHERE mdtrt_id = ? AND status = 'uploaded'",
                                   (v["mdtrt_id"],))
            if cur.rowcount == 0:
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

    def _t2303(self, ctx: Ctx) -> dict[str, Any]:
        info, meta = self._compute(ctx, final=False, inpatient=True)
        if self._admission(ctx.conn, info["mdtrt_id"])["status"] != "discharged":
            ctx.warn.append("参保人尚在院（未办理出院），本次为在院预结算，仅供参考")
        return {"setlinfo": info, "setldetail": meta["details"]}

    def _t2304(self, ctx: Ctx) -> dict[str, Any]:
        return self._final(ctx, "2304")

    def _t2305(self, ctx: Ctx) -> dict[str, Any]:
        return self._cancel(ctx, "2305", "2304")

    # ============================================================================================
    # 2601 reversal
    def _t2601(self, ctx: Ctx) -> dict[str, Any]:
        d = ctx.node
        omsgid, oinfno, psn_no = _s(d.get("omsgid")), _s(d.get("oinfno")), _s(d.get("psn_no"))
        if not omsgid or not oinfno:
            raise Refusal("冲正须提供原报文ID omsgid 和原交易编号 oinfno")
        if oinfno not in REVERSIBLE:
            raise Refusal(f"交易 {oinfno} 不支持冲正（可冲正: {'、'.join(sorted(REVERSIBLE))}）")
        conn = ctx.conn
        done = conn.execute("SELECT * FROM reversals WHERE omsgid = ?", (omsgid,)).fetchone()
        if done is not None and done["oinfno"] == oinfno:
            ctx.warn.append(f"原交易已于报文 {done['msgid']} 冲正")
            return wire.loads(done["output"])
        msg = conn.execute("SELECT * FROM messages WHERE msgid = ?", (omsgid,)).fetchone()
        missing = f"原交易不存在(omsgid={omsgid}, oinfno={oinfno})：平台未记账，无需冲正"
        if msg is None or msg["fixmedins_code"] != ctx.code or msg["infno"][:4] != oinfno or msg["infcode"] != 0:
            raise Refusal(missing)
        if psn_no and msg["psn_no"] and psn_no != msg["psn_no"]:
            raise Refusal(f"人员编号 {psn_no} 与原交易的人员编号不符")
        setl_id = ""
        if oinfno in ("2207", "2304"):
            row = conn.execute("SELECT * FROM ledger WHERE msgid = ? AND infno = ?", (omsgid, oinfno)).fetchone()
            if row is None:
                raise Refusal(missing)
            if row["status"] == "cancelled":
                raise Refusal(f"原结算(setl_id={row['setl_id']})已撤销({'2305' if oinfno == '2304' else '2208'})，不能冲正")
            balc = self._undo(conn, row)
            conn.execute("UPDATE ledger SET status = 'reversed' WHERE id = ?", (row["id"],))
            self._book_reversal(ctx, row, balc, omsgid, oinfno)
            setl_id = row["setl_id"]
        elif oinfno in ("2208", "2305"):
            row = conn.execute("SELECT * FROM ledger WHERE msgid = ? AND infno = ?", (omsgid, oinfno)).fetchone()
            if row is None:
                raise Refusal(missing)
            orig = conn.execute("SELECT * FROM ledger WHERE setl_id = ? AND infno = ?",
                                (row["orig_setl_id"], "2304" if oinfno == "2305" else "2207")).fetchone()
            balc = self._redo(conn, orig)
            conn.execute("UPDATE ledger SET status = 'booked' WHERE id = ?", (orig["id"],))
            conn.execute("UPDATE ledger SET status = 'reversed' WHERE id = ?", (row["id"],))
            self._book_reversal(ctx, row, balc, omsgid, oinfno)
            setl_id = row["setl_id"]
        elif oinfno == "2201":
            v = conn.execute("SELECT * FROM visits WHERE reg_msgid = ?", (omsgid,)).fetchone()
            if v is None:
                raise Refusal(missing)
            if v["status"] == "settled":
                raise Refusal("该就诊已结算，不能冲正挂号；请先撤销结算(2208)")
            conn.execute("UPDATE visits SET status = 'cancelled' WHERE mdtrt_id = ?", (v["mdtrt_id"],))
            conn.execute("UPDATE fees SET status = 'cancelled' WHERE mdtrt_id = ? AND status = 'uploaded'",
                         (v["mdtrt_id"],))
        elif oinfno in ("2204", "2301"):
            rows = conn.execute("SELECT status FROM fees WHERE msgid = ?", (omsgid,)).fetchall()
            if not rows:
                raise Refusal(missing)
            if any(r["status"] == "settled" for r in rows):
                raise Refusal(f"该批费用明细已结算，不能冲正；请先撤销结算({'2305' if oinfno == '2301' else '2208'})")
            conn.execute("UPDATE fees SET status = 'cancelled' WHERE msgid = ? AND status = 'uploaded'", (omsgid,))
        elif oinfno == "2401":
            a = conn.execute("SELECT * FROM admissions WHERE adm_msgid = ?", (omsgid,)).fetchone()
            if a is None:
                raise Refusal(missing)
            v = conn.execute("SELECT status FROM visits WHERE mdtrt_id = ?", (a["mdtrt_id"],)).fetchone()
            if v is not None and v["status"] == "settled":
                raise Refusal("该住院就诊已结算，不能冲正入院；请先撤销结算(2305)")
            conn.execute("UPDATE admissions SET status = 'cancelled' WHERE mdtrt_id = ?", (a["mdtrt_id"],))
            conn.execute("UPDATE visits SET status = 'cancelled' WHERE mdtrt_id = ?", (a["mdtrt_id"],))
            conn.execute("UPDATE fees SET status = 'cancelled' WHERE mdtrt_id = ? AND status = 'uploaded'",
                         (a["mdtrt_id"],))
        elif oinfno == "2402":
            a = conn.execute("SELECT * FROM admissions WHERE dscg_msgid = ?", (omsgid,)).fetchone()
            if a is None:
                raise Refusal(missing)
            v = conn.execute("SELECT status FROM visits WHERE mdtrt_id = ?", (a["mdtrt_id"],)).fetchone()
            if v is not None and v["status"] == "settled":
                raise Refusal("该住院就诊已结算，不能冲正出院；请先撤销结算(2305)")
            conn.execute("UPDATE admissions SET status = 'admitted', endtime = '', dscg_way = '', dscg_msgid = '' "
                         "WHERE mdtrt_id = ?", (a["mdtrt_id"],))
        output = {"data": {"omsgid": omsgid, "oinfno": oinfno, "psn_no": msg["psn_no"], "setl_id": setl_id,
                           "rvs_time": ts19(ctx.now), "rvs_rslt": "1", "memo": "冲正成功"}}
        conn.execute("INSERT INTO reversals (omsgid, oinfno, msgid, output) VALUES (?, ?, ?, ?)",
                     (omsgid, oinfno, ctx.msgid, wire.dumps(output)))
        return output

    def _book_reversal(self, ctx: Ctx, row: sqlite3.Row, balc: Decimal, omsgid: str, oinfno: str) -> None:
        info, details = self._negated(row, balc)
        info.update(setl_time=ts19(ctx.now), medins_setl_id=ctx.msgid)
        u = json.loads(row["amounts"])["usage"]
        self._book(ctx, "2601", row["setl_id"], info, details, benefit=row["benefit"], year=row["year"],
                   usage=Usage(-Decimal(u[0]), -Decimal(u[1]), -Decimal(u[2])), fee_ids=[],
                   orig_setl_id=row["orig_setl_id"], omsgid=omsgid, oinfno=oinfno)

    # ============================================================================================
    # 3201 daily totals
    def _t3201(self, ctx: Ctx) -> dict[str, Any]:
        d = ctx.node
        need = ("insutype", "clr_type", "setl_optins", "stmt_begndate", "stmt_enddate")
        missing = [k for k in need if not _s(d.get(k))]
        if missing:
            raise Refusal("对账缺少字段: " + "、".join(missing))
        try:
            begin = date.fromisoformat(_s(d["stmt_begndate"])[:10])
            end = date.fromisoformat(_s(d["stmt_enddate"])[:10])
        except ValueError:
            raise Refusal("对账日期格式应为 yyyy-MM-dd") from None
        if begin > end:
            raise Refusal("对账开始日期晚于结束日期")
        sent = {k: _amount(d.get(k) if d.get(k) not in (None, "") else "0", k)
                for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")}
        try:
            sent_cnt = int(to_decimal(d.get("fixmedins_setl_cnt", 0), "fixmedins_setl_cnt"))
        except (PolicyError, ValueError):
            raise Refusal("结算笔数 fixmedins_setl_cnt 应为整数") from None
        refd = _s(d.get("refd_setl_flag")) == "1"
        rows = ctx.conn.execute(
            "SELECT infno, status, amounts FROM ledger WHERE fixmedins_code = ? AND insutype = ? AND clr_type = ? AND "
            "clr_optins = ? AND setl_date BETWEEN ? AND ? AND infno IN ('2207', '2208', '2304', '2305') "
            "AND status != 'reversed'",
            (ctx.code, _s(d["insutype"]), _s(d["clr_type"]), _s(d["setl_optins"]), begin.isoformat(),
             end.isoformat())).fetchall()
        if not refd:
            rows = [r for r in rows if r["infno"] in ("2207", "2304") and r["status"] == "booked"]
        mine = {k: money(sum((Decimal(json.loads(r["amounts"])[k]) for r in rows), ZERO)) for k in sent}
        cnt = len(rows)
        names = {"medfee_sumamt": "医疗费总额", "fund_pay_sumamt": "基金支付总额", "acct_pay": "个人账户支付总额"}
        diffs = [f"{names[k]} 平台 {mine[k]} / 机构 {sent[k]}" for k in sent if mine[k] != sent[k]]
        if cnt != sent_cnt:
            diffs.append(f"结算笔数 平台 {cnt} / 机构 {sent_cnt}")
        if diffs:
            return {"data": {"setl_optins": _s(d["setl_optins"]), "stmt_rslt": "1",
                             "stmt_rslt_dscr": "对账不平：" + "；".join(diffs)}}
        return {"data": {"setl_optins": _s(d["setl_optins"]), "stmt_rslt": "0",
                         "stmt_rslt_dscr": f"对账一致：{cnt} 笔，医疗费总额 {mine['medfee_sumamt']}，基金支付 "
                                           f"{mine['fund_pay_sumamt']}，个人账户 {mine['acct_pay']}"}}

    # ============================================================================================
    # for the server and tests
    def issue_ectoken(self, person_key: str, ttl: timedelta = ECTOKEN_TTL) -> str:
        person = self.policies.persons.get(person_key)
        if person is None:
            raise KeyError(f"unknown sandbox person {person_key!r}")
        now = self.clock()
        token = person["insuinfo"][0]["insuplc_admdvs"] + secrets.token_hex(17)  # 40 chars
        with self.store.tx() as conn:
            conn.execute("INSERT INTO ectokens (token, person_key, psn_no, issued, expires) VALUES (?, ?, ?, ?, ?)",
                         (token, person_key, person["psn_no"], ts19(now), ts19(now + ttl)))
        return token

    def ledger(self) -> list[dict[str, Any]]:
        out = []
        for r in self.store.read("SELECT * FROM ledger ORDER BY id"):
            a = json.loads(r["amounts"])
            row = {k: r[k] for k in ("msgid", "infno", "setl_id", "orig_setl_id", "omsgid", "oinfno", "mdtrt_id",
                                     "psn_no", "insutype", "fixmedins_code", "med_type", "clr_type", "clr_way",
                                     "clr_optins", "setl_time", "status")}
            row.update({k: a[k] for k in SETL_AMOUNTS})
            out.append(row)
        return out

    def balance(self, person_key: str, insutype: str | None = None) -> Decimal:
        """The current personal-account balance of a sandbox person (for tests and the training UI)."""
        person = self.policies.persons[person_key]
        it = insutype or person["insuinfo"][0]["insutype"]
        with self.store.lock:
            return self._balance(self.store.conn, person, it)

    def usage(self, person_key: str, insutype: str, year: int, benefit: str) -> Usage:
        person = self.policies.persons[person_key]
        with self.store.lock:
            return self._usage(self.store.conn, person["psn_no"], insutype, year, benefit)
