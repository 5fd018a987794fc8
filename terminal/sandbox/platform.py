"""The sandbox settlement platform's front door: envelope checks, sign-in, idempotency by msgid, and the dispatch
table (HANDLERS) of the transactions, each a function in the module of its family (identity, outpatient,
inpatient, reversal, statements: the package docstring lists them).

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
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from terminal.core import wire
from terminal.core.protocol import INPUT_NODE, TRANSACTION_PATHS

from . import chronic, entitlement, identity, inpatient, outpatient, pharmacy, reversal, risk, statements
from .policy import SETL_AMOUNTS, Policies, PolicyError
from .state import Ctx, Refusal, Transaction, balance_of, text, ts17, ts19
from .store import Store

log = logging.getLogger(__name__)

#: infno -> the transaction: the one place that says what the sandbox simulates
HANDLERS: dict[str, Transaction] = {
    "9001": identity.t9001, "9002": identity.t9002, "1101": identity.t1101,
    "2001": entitlement.t2001, "5302": entitlement.t5302,
    "2201": outpatient.t2201, "2202": outpatient.t2202, "2203": outpatient.t2203, "2203A": outpatient.t2203,
    "2204": outpatient.t2204, "2205": outpatient.t2205, "2206": outpatient.t2206, "2207": outpatient.t2207,
    "2208": outpatient.t2208,
    "2401": inpatient.t2401, "2402": inpatient.t2402, "2301": inpatient.t2301, "2302": inpatient.t2302,
    "2303": inpatient.t2303, "2304": inpatient.t2304, "2305": inpatient.t2305,
    "2101": pharmacy.t2101, "2102": pharmacy.t2102, "2103": pharmacy.t2103, "3505": pharmacy.t3505,
    "2601": reversal.t2601,
    "5301": chronic.t5301, "2503": chronic.t2503,
    "3201": statements.t3201, "3202": statements.t3202, "9101": statements.t9101, "9102": statements.t9102,
    "3101": risk.t3101, "3102": risk.t3102, "3103": risk.t3103,
}
# 2403 (admission change), 2404 (admission cancel), 2405 (discharge cancel) are known but not simulated.
KNOWN_INFNOS = frozenset(TRANSACTION_PATHS) | {"2203A", "2403", "2404", "2405"}
SUPPORTED = frozenset(HANDLERS)
NEEDS_SIGN_IN = frozenset(i for i in SUPPORTED if i.startswith("2")
                          or i in ("3201", "3202", "3505", "5301", "5302", "3101", "3102", "3103"))
JSON_TYPE = "application/json;charset=UTF-8"
FILE_TYPE = "application/octet-stream"
#: fee lines per 2301 message (the platform's batch limit; upload more in several messages)
FEE_BATCH_MAX = 500
SIGN_IN_ERROR = "签到编号无效，请先签到(9001)"
ECTOKEN_TTL = timedelta(hours=24)
_ADMDVS = re.compile(r"\d{6}")


def _clean(obj: Any) -> Any:
    """Answers never show -0.00."""
    if isinstance(obj, Decimal):
        return obj.copy_abs() if obj.is_zero() else obj
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def _envelope_field(body: bytes, key: str) -> str:
    """A field of a request's envelope without validating anything ('' when there is none)."""
    try:
        env = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return ""
    return text(env.get(key)) if isinstance(env, dict) else ""


class Platform:
    """The platform over one store and set of policies; ``clock`` gives the platform's time (tests move it)."""

    def __init__(self, store: Store, policies: Policies | None = None, *, require_sign_in: bool = True,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.policies = policies or Policies()
        self.require_sign_in = require_sign_in
        self.clock = clock or datetime.now
        #: infno -> extra warn_msg text for a processed answer ('' for none): the server's warning board
        self.warn_hook: Callable[[str], str] | None = None

    # ============================================================================================
    # the front door
    def peek_infno(self, body: bytes, path_infno: str | None) -> str:
        """The infno a request is about (for matching armed faults), without validating anything."""
        return path_infno or _envelope_field(body, "infno")

    def handle(self, body: bytes, path_infno: str | None = None) -> bytes:
        now = self.clock()
        try:
            env = wire.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return self._error_answer(now, "", "请求报文不是合法的 JSON (UTF-8)")
        if not isinstance(env, dict):
            return self._error_answer(now, "", "请求报文应为 JSON 对象")
        area = text(env.get("mdtrtarea_admvs"))
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
                      store=self.store, policies=self.policies, psn_no=psn_no)
            if self.require_sign_in and infno in NEEDS_SIGN_IN:
                try:
                    self._check_sign_in(ctx)
                except Refusal as r:  # not processed, so not stored: the msgid may be sent again after 9001
                    return self._answer(conn, now, area, -1, r.err_msg)
            conn.execute("SAVEPOINT txn")
            try:
                output = HANDLERS[infno](ctx)
                infcode, err = 0, ""
                conn.execute("RELEASE txn")
            except (Refusal, PolicyError) as r:
                conn.execute("ROLLBACK TO txn")
                conn.execute("RELEASE txn")
                output, infcode, err = {}, -1, r.err_msg if isinstance(r, Refusal) else str(r)
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
                qury_no = str((a.get("output") or {}).get("file_qury_no") or "")
                return statements.file_bytes(self.store, qury_no), FILE_TYPE
        return answer, JSON_TYPE

    def inject(self, kind: str, **kw: Any) -> dict[str, Any]:
        """Ledger faults to train reconciliation with (statements.inject): settled_elsewhere,
        cancelled_elsewhere, reversed_elsewhere."""
        return statements.inject(self.store, self.policies, self.clock, kind, **kw)

    def refuse(self, body: bytes, err_msg: str) -> bytes:
        """An infcode -1 answer to a request, without processing or storing it (fault injection)."""
        return self._error_answer(self.clock(), _envelope_field(body, "mdtrtarea_admvs"), err_msg)

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

    def _check_envelope(self, env: dict[str, Any], path_infno: str | None
                        ) -> tuple[str, str, dict[str, Any], Any, dict[str, Any], str]:
        """(infno, msgid, facility, input node, input, psn_no) of a valid envelope, or Refusal."""
        body_infno = text(env.get("infno"))
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
        code = text(env.get("fixmedins_code"))
        if not code:
            raise Refusal("缺少定点医药机构编号 fixmedins_code")
        fac = self.policies.facilities.get(code)
        if fac is None:
            raise Refusal(f"定点医药机构编号 {code} 不存在（非沙箱定点机构，可用: "
                          + "、".join(self.policies.facilities) + "）")
        msgid = text(env.get("msgid"))
        if len(msgid) != 30 or not msgid.startswith(code):
            raise Refusal("报文ID msgid 格式错误：应为 30 位 = 定点机构编号(12) + 时间(14) + 顺序号(4)，"
                          f"实际为 {msgid!r}")
        area = text(env.get("mdtrtarea_admvs"))
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
        psn_nos = {text(r.get("psn_no")) for r in rows} - {""}
        psn_no = sorted(psn_nos)[0] if psn_nos else ""
        if psn_nos:
            insuplc = text(env.get("insuplc_admdvs"))
            if not insuplc:
                raise Refusal("输入含人员编号 psn_no 时参保地医保区划 insuplc_admdvs 必填"
                              "（取 1101 返回的 insuinfo.insuplc_admdvs）")
            if not _ADMDVS.fullmatch(insuplc):
                raise Refusal(f"参保地医保区划 insuplc_admdvs 应为 6 位数字，实际为 {insuplc!r}")
            for p in psn_nos:
                person = self.policies.by_psn_no.get(p)
                if person and insuplc not in {i["insuplc_admdvs"] for i in person["insuinfo"]}:
                    raise Refusal(f"参保地医保区划 insuplc_admdvs {insuplc} 与参保人的参保地不符，"
                                  "请使用 1101 返回的 insuplc_admdvs")
        return infno, msgid, fac, node, inp, psn_no

    def _check_sign_in(self, ctx: Ctx) -> None:
        sign_no = text(ctx.env.get("sign_no"))
        if not sign_no:
            raise Refusal(SIGN_IN_ERROR)
        row = ctx.conn.execute("SELECT * FROM signins WHERE sign_no = ?", (sign_no,)).fetchone()
        if (row is None or row["fixmedins_code"] != ctx.code or row["status"] != "in"
                or row["sign_date"] != ctx.now.strftime("%Y-%m-%d")):
            raise Refusal(SIGN_IN_ERROR)

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

    def risk_feedback(self) -> list[dict[str, Any]]:
        """Every 3103 warn the platform received, in order, with the rule it answers (tests, training)."""
        return risk.feedback_rows(self.store)

    def balance(self, person_key: str, insutype: str | None = None) -> Decimal:
        """The current personal-account balance of a sandbox person (for tests and the training UI)."""
        person = self.policies.persons[person_key]
        it = insutype or person["insuinfo"][0]["insutype"]
        with self.store.lock:
            return balance_of(self.store.conn, person, it)
