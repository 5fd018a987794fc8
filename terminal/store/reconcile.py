"""Daily total reconciliation (3201): the journal's settlements of a day against the platform's.

Groups as 3201 wants them: insutype x clr_type x clearing agency (setl_optins = the settlement's clr_optins).
Sent with ``refd_setl_flag = "1"``: the totals include cancellations (2208, negative amounts) and every
settlement of the day that was not reversed, counted one each. A group the platform finds unbalanced lists
the settlements to look at, and so does every settlement message of that day whose outcome is still open.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from terminal.backend.errors import BusinessError, PlatformError
from terminal.core.money import ZERO, money

from .db import now_text, today
from .errors import StoreError
from .reconcile_detail import DetailRun
from .reconcile_differences import DetailReport, FixResult, mark_done
from .reconcile_export import export_report
from .reconcile_fixes import apply_fix

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # pragma: no cover
    from datetime import datetime

    from terminal.backend.client import Answer, PlatformClient
    from terminal.config.model import ReconcileConfig

    from .db import StoreDB
    from .outbox import Outbox, QueueItem
    from .ports import HasDB

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


class GroupFieldsMissing(StoreError, ValueError):
    """A settlement whose 3201 group cannot be told (insutype, clr_type or setl_optins unknown everywhere):
    nothing is sent with an empty field. ``missing``: [(settlement row, [field names])]."""

    def __init__(self, missing: list[tuple[dict[str, Any], list[str]]]):
        self.missing = missing
        names = {"insutype": "险种 insutype", "clr_type": "清算类别 clr_type（可配置 reconcile.default_clr_type）",
                 "setl_optins": "清算经办机构 setl_optins（可配置 reconcile.default_setl_optins）"}
        parts = [f"{'撤销' if r.get('kind') == 'cancel' else '结算'} {r.get('setl_id') or '?'}"
                 f"（报文 {r.get('msgid')}）缺少 " + "、".join(names[k] for k in keys) for r, keys in missing[:5]]
        more = f" 等 {len(missing)} 笔" if len(missing) > 5 else ""
        super().__init__("对总账无法分组，未发送：" + "；".join(parts) + more +
                         "。平台应答与 1101 参保信息均未提供这些字段，请信息科在配置 [reconcile] 中补充后重新对账")


class _GroupFields:
    """insutype, clr_type and setl_optins of each settlement row, never empty: the row itself; for a
    cancellation its original settlement (orig_setl_id); then the journal's messages (the settlement request's
    insutype, the insured place insuplc_admdvs it was sent with: the clearing agency is the insured place, as
    the platform books it), the 1101 answers (insuinfo.insutype / insuplc_admdvs of that psn_no); then the
    configuration ([reconcile] default_clr_type, default_setl_optins)."""

    def __init__(self, rec: Reconciler):
        self.rec, self.sdb = rec, rec.sdb
        self.missing: list[tuple[dict[str, Any], list[str]]] = []

    def key(self, r: dict[str, Any]) -> tuple[str, str, str]:
        f = {"insutype": r.get("insutype") or "", "clr_type": r.get("clr_type") or "",
             "setl_optins": r.get("clr_optins") or ""}
        sources = [r]
        if not all(f.values()) and r.get("kind") == "cancel" and r.get("orig_setl_id"):
            orig = self.sdb.rows("SELECT * FROM settlements WHERE setl_id=? AND kind='settle' LIMIT 1",
                                 [r["orig_setl_id"]])
            if orig:
                o = orig[0]
                sources.append(o)
                for k, col in (("insutype", "insutype"), ("clr_type", "clr_type"), ("setl_optins", "clr_optins")):
                    f[k] = f[k] or (o[col] or "")
        if not (f["insutype"] and f["setl_optins"]):
            for src in sources:
                insutype, insuplc = self._from_message(src.get("msgid") or "")
                f["insutype"] = f["insutype"] or insutype
                f["setl_optins"] = f["setl_optins"] or insuplc
        if not f["insutype"] or not f["setl_optins"]:
            insutype, insuplc = self._from_1101(r.get("psn_no") or "", f["insutype"], f["setl_optins"])
            f["insutype"] = f["insutype"] or insutype
            f["setl_optins"] = f["setl_optins"] or insuplc
        f["clr_type"] = f["clr_type"] or self.rec.default_clr_type
        f["setl_optins"] = f["setl_optins"] or self.rec.default_setl_optins
        empty = [k for k, v in f.items() if not v]
        if empty:
            self.missing.append((dict(r), empty))
        return f["insutype"], f["clr_type"], f["setl_optins"]

    def _from_message(self, msgid: str) -> tuple[str, str]:
        """(insutype of the request, insuplc_admdvs it was sent with) of a settlement message."""
        if not msgid:
            return "", ""
        rows = self.sdb.rows("SELECT request, insuplc_admdvs FROM messages WHERE msgid=?", [msgid])
        if not rows:
            return "", ""
        insutype = ""
        try:
            env = json.loads(rows[0]["request"] or "{}")
            node = (env.get("input") or {}).get("data") or {}
            insutype = str(node.get("insutype") or "") if isinstance(node, dict) else ""
        except (ValueError, AttributeError):
            pass
        return insutype, rows[0]["insuplc_admdvs"] or ""

    def _from_1101(self, psn_no: str, insutype: str, insuplc: str) -> tuple[str, str]:
        """From the latest 1101 answer for psn_no: the one insurance that fits what is known, if only one does."""
        if not psn_no:
            return "", ""
        for row in self.sdb.rows("SELECT answer FROM messages WHERE substr(infno,1,4)='1101' AND state='answered' "
                                 "AND answer LIKE ? ORDER BY created DESC LIMIT 5", [f'%"psn_no":"{psn_no}"%']):
            try:
                out = json.loads(row["answer"] or "{}").get("output") or {}
            except (ValueError, AttributeError):
                continue
            if str((out.get("baseinfo") or {}).get("psn_no") or "") != psn_no:
                continue
            fits = [i for i in out.get("insuinfo") or [] if isinstance(i, dict)
                    and (not insutype or str(i.get("insutype") or "") == insutype)
                    and (not insuplc or str(i.get("insuplc_admdvs") or "") == insuplc)]
            types = {str(i.get("insutype") or "") for i in fits} - {""}
            places = {str(i.get("insuplc_admdvs") or "") for i in fits} - {""}
            return (types.pop() if len(types) == 1 else "", places.pop() if len(places) == 1 else "")
        return "", ""


class ReconcilerHost(Protocol):
    """What the Reconciler needs of the Store that holds it: the file, the queue, the workers' wake-up."""

    @property
    def sdb(self) -> StoreDB: ...

    @property
    def queue(self) -> Outbox: ...

    def _wake(self) -> None: ...


class Reconciler:
    #: used when neither the settlement rows nor the messages tell ([reconcile] in the configuration)
    default_clr_type = ""
    default_setl_optins = ""

    def __init__(self, store: ReconcilerHost):
        self.store = store
        self.sdb = store.sdb

    def configure(self, reconcile_cfg: ReconcileConfig) -> Reconciler:
        """Take [reconcile] default_clr_type / default_setl_optins (terminal.config.ReconcileConfig)."""
        self.default_clr_type = str(getattr(reconcile_cfg, "default_clr_type", "") or "")
        self.default_setl_optins = str(getattr(reconcile_cfg, "default_setl_optins", "") or "")
        return self

    def group_key(self, row: dict[str, Any]) -> tuple[str, str, str]:
        """(insutype, clr_type, setl_optins) of one settlement row, filled as 3201 groups are; GroupFieldsMissing
        when one stays empty."""
        fill = _GroupFields(self)
        key = fill.key(row)
        if fill.missing:
            raise GroupFieldsMissing(fill.missing)
        return key

    def groups(self, day: str | None = None) -> list[Group]:
        """The day's 3201 groups, every field filled (GroupFieldsMissing names what cannot be)."""
        day = day or today()
        rows = self.sdb.rows("SELECT * FROM settlements WHERE day=? AND status != 'reversed' ORDER BY created, msgid",
                             [day])
        groups: dict[tuple[str, str, str], Group] = {}
        fill = _GroupFields(self)
        for r in rows:
            key = fill.key(r)
            g = groups.setdefault(key, Group(*key))
            for k in SUM_FIELDS:
                setattr(g, k, money(getattr(g, k) + money(r[k])))
            g.count += 1
            g.settlements.append({"msgid": r["msgid"], "kind": r["kind"], "setl_id": r["setl_id"],
                                  "mdtrt_id": r["mdtrt_id"], "psn_no": r["psn_no"], "status": r["status"],
                                  "setl_time": r["setl_time"], **{k: r[k] for k in SUM_FIELDS},
                                  "psn_cash_pay": r["psn_cash_pay"]})
        if fill.missing:
            raise GroupFieldsMissing(fill.missing)
        self._add_records(day, groups)
        return list(groups.values())

    def _add_records(self, day: str, groups: dict[tuple[str, str, str], Group]) -> None:
        """Platform settlements recorded by detail-reconciliation fixes (settled by another system, a cancellation
        made outside) count in the day's totals too, or 3201 would stay unbalanced after a clean detail run. The
        result file names no insurance type: a record joins the group of its clearing type and agency when that
        is one insurance type; otherwise it is left out of 3201 (and the detail run still shows it)."""
        for r in self.sdb.rows("SELECT * FROM recon_records WHERE day=? ORDER BY id", [day]):
            match = [g for g in groups.values() if (g.clr_type, g.setl_optins) == (r["clr_type"], r["setl_optins"])]
            if len(match) != 1:
                log.warning("recorded platform settlement %s: no single 3201 group for %s/%s", r["setl_id"],
                            r["clr_type"], r["setl_optins"])
                continue
            g = match[0]
            for k in SUM_FIELDS:
                setattr(g, k, money(getattr(g, k) + money(r[k] or "0")))
            g.count += 1
            g.settlements.append({"msgid": "", "kind": "recorded", "setl_id": r["setl_id"], "mdtrt_id": r["mdtrt_id"],
                                  "psn_no": r["psn_no"], "status": "recorded", "setl_time": "",
                                  **{k: r[k] for k in SUM_FIELDS}, "psn_cash_pay": ""})

    def open_messages(self, day: str) -> list[dict[str, Any]]:
        rows = self.sdb.rows("SELECT msgid, infno, state, resolution, psn_no, mdtrt_id, setl_id, created FROM messages "
                             "WHERE day=? AND substr(infno,1,4) IN ('2207','2208','2102','2103') AND state IN "
                             "('pending','sent','uncertain') AND COALESCE(resolution,'') NOT IN "
                             "('reversed','not_booked')", [day])
        return [dict(r, reason="结算结果未知，冲正完成前不计入对账") for r in rows]

    def reconcile(self, client: PlatformClient, day: str | None = None, *,
                  queue_if_offline: bool = True) -> ReconcileReport:
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
            db.table("reconciliations").insert({
                "day": day, "created": now_text(), "insutype": g.insutype, "clr_type": g.clr_type,
                "setl_optins": g.setl_optins, "data": json.dumps(g.as_dict() | {"settlements": None},
                                                                 ensure_ascii=False),
                "msgid": g.msgid or None, "state": g.state, "stmt_rslt": g.stmt_rslt,
                "stmt_rslt_dscr": g.stmt_rslt_dscr, "queue_id": queue_id,
                "settlements": json.dumps([s["msgid"] for s in g.settlements])})

    def _record_answer(self, item: QueueItem, answer: Answer) -> None:
        """A queued 3201 was answered by the worker: fill in its stored result."""
        g = Group("", "", "")
        self._apply(g, answer.output, answer.msgid)
        with self.sdb.tx() as db:
            db.execute("UPDATE reconciliations SET state=?, stmt_rslt=?, stmt_rslt_dscr=?, msgid=? WHERE queue_id=?",
                       [g.state, g.stmt_rslt, g.stmt_rslt_dscr, answer.msgid, item.id])

    def results(self, day: str | None = None) -> list[dict[str, Any]]:
        """The stored results of ``day`` (latest per group first)."""
        return self.sdb.rows("SELECT * FROM reconciliations WHERE day=? ORDER BY id DESC", [day or today()])

    # detail reconciliation (3202) ---------------------------------------------------------------
    def reconcile_detail(self, client: PlatformClient, day: str | None = None, *, operator: str = "") -> DetailReport:
        """The day's detail file (9101), 3202 per clr_type x setl_optins group, each result file (9102):
        every settlement that does not agree, with a suggested action. Stored in the run history."""
        return DetailRun(self, self.store.queue, day or today(), operator).run(client)

    def apply_fix(self, diff_id: int, action: str, *, supervisor: str, reason: str,
                  operator: str = "") -> FixResult:
        """Carry out (or record) ``action`` for the difference ``diff_id``. The supervisor was verified by
        the caller (CLI or window) against the operators; the fix is journaled in the same transaction."""
        fix = apply_fix(self.sdb, self.store.queue, int(diff_id), action, supervisor=supervisor, reason=reason,
                        operator=operator)
        self.store._wake()
        return fix

    def history(self, day: str | None = None) -> list[dict[str, Any]]:
        """Every detail run and fix of ``day`` (all days when None), oldest first."""
        where, params = ("WHERE day=?", [day]) if day else ("", [])
        runs = self.sdb.rows(f"SELECT id, day, created, operator, state, summary, differences, open, file_bytes, "
                             f"result_bytes, lines, elapsed_ms FROM recon_runs {where}", params)
        fwhere = where.replace("day", "f.day")
        fixes = self.sdb.rows(f"SELECT f.id, f.diff_id, f.day, f.created, f.action, f.supervisor, f.operator, "
                              f"f.reason, f.setl_id, f.msgid, f.queue_id, f.result, d.run_id FROM recon_fixes f "
                              f"LEFT JOIN recon_diffs d ON d.id = f.diff_id {fwhere}", params)
        out = [{"type": "run", **r} for r in runs] + [{"type": "fix", **f} for f in fixes]
        # a fix comes after the run that found its difference (timestamps have whole seconds)
        return sorted(out, key=lambda e: (e["created"], e["id"] if e["type"] == "run" else (e["run_id"] or 0),
                                          0 if e["type"] == "run" else 1, e["id"]))

    def last_detail(self) -> dict[str, Any] | None:
        """The latest detail run (for doctor and the window)."""
        return self.sdb.one("SELECT id, day, created, state, summary, differences, open FROM recon_runs "
                            "ORDER BY id DESC LIMIT 1")

    def detail_report(self, run_id: int | None = None, day: str | None = None) -> DetailReport | None:
        """A stored run (the latest of ``day`` when no id) with the fixes done since."""
        if run_id is None:
            r = self.sdb.one("SELECT id FROM recon_runs WHERE day=? ORDER BY id DESC LIMIT 1", [day or today()])
            if r is None:
                return None
            run_id = r["id"]
        row = self.sdb.one("SELECT report FROM recon_runs WHERE id=?", [run_id])
        if row is None:
            return None
        rep = DetailReport.from_dict(json.loads(row["report"]))
        mark_done(self.sdb, self.store.queue, rep.day, rep.differences)
        return rep

    @staticmethod
    def export(report: DetailReport, path: str | Path, fmt: str | None = None) -> Path:
        """The report for the finance office: CSV (UTF-8 with BOM, opens in Excel) or XLSX (openpyxl)."""
        return export_report(report, Path(path), fmt)



class ReconcileSchedule:
    """The optional daily detail reconciliation while the app runs (config ``[reconcile] schedule = "HH:MM"``,
    empty = off). Qt-free: the window's timer asks ``due(now)`` every minute and calls ``ran(day)`` after."""

    def __init__(self, at: str = "", last_day: str = ""):
        self.at = (at or "").strip()
        self.last_day = last_day
        if self.at:
            hh, mm = self.at.split(":")
            self._hm = (int(hh), int(mm))

    @classmethod
    def for_store(cls, at: str, store: HasDB, now: datetime | None = None) -> ReconcileSchedule:
        """A run of today's book made today after the configured time (by the schedule or by hand) counts:
        a restart does not run it twice."""
        from datetime import datetime

        sched = cls(at)
        if sched.enabled:
            now = now or datetime.now()
            day = now.strftime("%Y-%m-%d")
            since = f"{day} {sched._hm[0]:02d}:{sched._hm[1]:02d}:00"
            if store.sdb.one("SELECT id FROM recon_runs WHERE day=? AND created >= ?", [day, since]):
                sched.last_day = day
        return sched

    @property
    def enabled(self) -> bool:
        return bool(self.at)

    def due(self, now: datetime) -> bool:
        """True once a day, from the configured time on, until ``ran`` is called for that day."""
        if not self.at:
            return False
        day = now.strftime("%Y-%m-%d")
        return day != self.last_day and (now.hour, now.minute) >= self._hm

    def ran(self, day: str) -> None:
        self.last_day = day
