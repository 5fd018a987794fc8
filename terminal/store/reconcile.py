"""Daily total reconciliation (3201): the journal's settlements of a day against the platform's.

Groups as 3201 wants them: insutype x clr_type x clearing agency (setl_optins = the settlement's clr_optins).
Sent with ``refd_setl_flag = "1"``: the totals include cancellations (2208, negative amounts) and every
settlement of the day that was not reversed, counted one each. A group the platform finds unbalanced lists
the settlements to look at, and so does every settlement message of that day whose outcome is still open.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from terminal.backend.errors import BusinessError, PlatformError
from terminal.core.money import ZERO, money

from .db import now_text, today

if TYPE_CHECKING:  # pragma: no cover
    from .outbox import QueueItem
    from .store import Store

SUM_FIELDS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")


@dataclass
class Group:
    insutype: str
    clr_type: str
    setl_optins: str
    medfee_sumamt: Decimal = ZERO
    fund_pay_sumamt: Decimal = ZERO
    acct_pay: Decimal = ZERO
    count: int = 0
    settlements: list[dict[str, Any]] = field(default_factory=list)
    # filled in by the platform's answer
    state: str = ""  # balanced | mismatch | refused | queued
    stmt_rslt: str = ""
    stmt_rslt_dscr: str = ""
    msgid: str = ""

    def data(self, day: str) -> dict[str, Any]:
        return {"insutype": self.insutype, "clr_type": self.clr_type, "setl_optins": self.setl_optins,
                "stmt_begndate": day, "stmt_enddate": day, "medfee_sumamt": self.medfee_sumamt,
                "fund_pay_sumamt": self.fund_pay_sumamt, "acct_pay": self.acct_pay,
                "fixmedins_setl_cnt": self.count, "refd_setl_flag": "1"}

    def as_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items()}
        for k in SUM_FIELDS:
            d[k] = f"{d[k]:.2f}"
        return d


@dataclass
class ReconcileReport:
    day: str
    groups: list[Group]
    open_messages: list[dict[str, Any]]

    @property
    def balanced(self) -> bool:
        return bool(self.groups) and all(g.state == "balanced" for g in self.groups) and not self.open_messages

    @property
    def to_check(self) -> list[dict[str, Any]]:
        """The settlements to look at: those of unbalanced groups, and open (uncertain) messages."""
        out = [s for g in self.groups if g.state == "mismatch" for s in g.settlements]
        return out + self.open_messages

    @property
    def summary(self) -> str:
        if not self.groups:
            return f"{self.day} 没有结算记录，无需对账"
        states = [g.state for g in self.groups]
        if self.balanced:
            return f"{self.day} 对账一致（{len(self.groups)} 组）"
        parts = []
        if "mismatch" in states:
            parts.append(f"{states.count('mismatch')} 组不平")
        if "queued" in states:
            parts.append(f"{states.count('queued')} 组待平台恢复后发送")
        if "refused" in states:
            parts.append(f"{states.count('refused')} 组被平台拒绝")
        if self.open_messages:
            parts.append(f"{len(self.open_messages)} 笔结算结果未知（冲正中）")
        return f"{self.day} 对账：" + "，".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {"day": self.day, "balanced": self.balanced, "summary": self.summary,
                "groups": [g.as_dict() for g in self.groups], "open_messages": self.open_messages,
                "to_check": self.to_check}


class Reconciler:
    def __init__(self, store: "Store"):
        self.store = store
        self.sdb = store.sdb

    def groups(self, day: str | None = None) -> list[Group]:
        day = day or today()
        rows = self.sdb.rows("SELECT * FROM settlements WHERE day=? AND status != 'reversed' ORDER BY created, msgid",
                             [day])
        groups: dict[tuple[str, str, str], Group] = {}
        for r in rows:
            key = (r["insutype"] or "", r["clr_type"] or "", r["clr_optins"] or "")
            g = groups.setdefault(key, Group(*key))
            for k in SUM_FIELDS:
                setattr(g, k, money(getattr(g, k) + money(r[k])))
            g.count += 1
            g.settlements.append({"msgid": r["msgid"], "kind": r["kind"], "setl_id": r["setl_id"],
                                  "mdtrt_id": r["mdtrt_id"], "psn_no": r["psn_no"], "status": r["status"],
                                  "setl_time": r["setl_time"], **{k: r[k] for k in SUM_FIELDS},
                                  "psn_cash_pay": r["psn_cash_pay"]})
        return list(groups.values())

    def open_messages(self, day: str) -> list[dict[str, Any]]:
        rows = self.sdb.rows("SELECT msgid, infno, state, resolution, psn_no, mdtrt_id, setl_id, created FROM messages "
                             "WHERE day=? AND substr(infno,1,4) IN ('2207','2208') AND state IN "
                             "('pending','sent','uncertain') AND COALESCE(resolution,'') NOT IN "
                             "('reversed','not_booked')", [day])
        return [dict(r, reason="结算结果未知，冲正完成前不计入对账") for r in rows]

    def reconcile(self, client: Any, day: str | None = None, *, queue_if_offline: bool = True) -> ReconcileReport:
        """Send 3201 for each group of ``day`` (default today); store and return the results.

        When the platform does not answer, the remaining groups are queued (forwarded by the worker) if
        ``queue_if_offline``; otherwise the transport error propagates.
        """
        day = day or today()
        groups = self.groups(day)
        offline: PlatformError | None = None
        for g in groups:
            data = g.data(day)
            if offline is None:
                try:
                    if not client.sign_no:
                        client.sign_in()
                    a = client.reconcile(data)
                    self._apply(g, a.output, a.msgid)
                except BusinessError as e:
                    g.state, g.stmt_rslt_dscr, g.msgid = "refused", e.err_msg, e.msgid
                except PlatformError as e:
                    if not queue_if_offline:
                        raise
                    offline = e
            if offline is not None:
                qid = self.store.queue.enqueue_call("reconcile", {"data": data}, visit_key=f"reconcile:{day}",
                                                    summary=f"对总账 {day} {g.insutype}/{g.clr_type}/{g.setl_optins}",
                                                    required=True)
                g.state, g.stmt_rslt_dscr = "queued", f"医保平台暂不可达（{offline}），已排队（队列 {qid}）"
                self._save(day, g, queue_id=qid)
            else:
                self._save(day, g)
        return ReconcileReport(day, groups, self.open_messages(day))

    @staticmethod
    def _apply(g: Group, output: dict[str, Any], msgid: str) -> None:
        d = output.get("data") if isinstance(output, dict) else None
        d = d[0] if isinstance(d, list) and d else d
        d = d if isinstance(d, dict) else {}
        g.msgid = msgid
        g.stmt_rslt = str(d.get("stmt_rslt", ""))
        g.stmt_rslt_dscr = str(d.get("stmt_rslt_dscr") or "")
        g.state = "balanced" if g.stmt_rslt == "0" else "mismatch"

    def _save(self, day: str, g: Group, queue_id: int | None = None) -> None:
        with self.sdb.tx() as db:
            db["reconciliations"].insert({
                "day": day, "created": now_text(), "insutype": g.insutype, "clr_type": g.clr_type,
                "setl_optins": g.setl_optins, "data": json.dumps(g.as_dict() | {"settlements": None},
                                                                 ensure_ascii=False),
                "msgid": g.msgid or None, "state": g.state, "stmt_rslt": g.stmt_rslt,
                "stmt_rslt_dscr": g.stmt_rslt_dscr, "queue_id": queue_id,
                "settlements": json.dumps([s["msgid"] for s in g.settlements])})

    def _record_answer(self, item: "QueueItem", answer: Any) -> None:
        """A queued 3201 was answered by the worker: fill in its stored result."""
        g = Group("", "", "")
        self._apply(g, answer.output, answer.msgid)
        with self.sdb.tx() as db:
            db.execute("UPDATE reconciliations SET state=?, stmt_rslt=?, stmt_rslt_dscr=?, msgid=? WHERE queue_id=?",
                       [g.state, g.stmt_rslt, g.stmt_rslt_dscr, answer.msgid, item.id])

    def results(self, day: str | None = None) -> list[dict[str, Any]]:
        """The stored results of ``day`` (latest per group first)."""
        return self.sdb.rows("SELECT * FROM reconciliations WHERE day=? ORDER BY id DESC", [day or today()])
