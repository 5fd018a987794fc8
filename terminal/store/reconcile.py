"""Daily total reconciliation (3201): the journal's settlements of a day against the platform's.

Groups as 3201 wants them: insutype x clr_type x clearing agency (setl_optins = the settlement's clr_optins).
Sent with ``refd_setl_flag = "1"``: the totals include cancellations (2208, negative amounts) and every
settlement of the day that was not reversed, counted one each. A group the platform finds unbalanced lists
the settlements to look at, and so does every settlement message of that day whose outcome is still open.
"""
from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terminal.backend.errors import BusinessError, PlatformError
from terminal.core.money import ZERO, money

from .db import now_text, today
from .errors import StoreError

log = logging.getLogger(__name__)

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


class GroupFieldsMissing(StoreError, ValueError):
    """A settlement whose 3201 group cannot be told (insutype, clr_type or setl_optins unknown everywhere):
    nothing is sent with an empty field. ``missing``: [(settlement row, [field names])]."""

    def __init__(self, missing: list[tuple[dict[str, Any], list[str]]]):
        self.missing = missing
        names = {"insutype": "险种 insutype", "clr_type": "清算类别 clr_type（可配置 reconcile.default_clr_type）",
                 "setl_optins": "清算经办机构 setl_optins（可配置 reconcile.default_setl_optins）"}
        parts = [f"{'撤销' if r.get('kind') == 'cancel' else '结算'} {r.get('setl_id') or '?'}（报文 {r.get('msgid')}）缺少 "
                 + "、".join(names[k] for k in keys) for r, keys in missing[:5]]
        more = f" 等 {len(missing)} 笔" if len(missing) > 5 else ""
        super().__init__("对总账无法分组，未发送：" + "；".join(parts) + more +
                         "。平台应答与 1101 参保信息均未提供这些字段，请信息科在配置 [reconcile] 中补充后重新对账")


class _GroupFields:
    """insutype, clr_type and setl_optins of each settlement row, never empty: the row itself; for a
    cancellation its original settlement (orig_setl_id); then the journal's messages (the settlement request's
    insutype, the insured place insuplc_admdvs it was sent with: the clearing agency is the insured place, as
    the platform books it), the 1101 answers (insuinfo.insutype / insuplc_admdvs of that psn_no); then the
    configuration ([reconcile] default_clr_type, default_setl_optins)."""

    def __init__(self, rec: "Reconciler"):
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


class Reconciler:
    #: used when neither the settlement rows nor the messages tell ([reconcile] in the configuration)
    default_clr_type = ""
    default_setl_optins = ""

    def __init__(self, store: "Store"):
        self.store = store
        self.sdb = store.sdb

    def configure(self, reconcile_cfg: Any) -> "Reconciler":
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

    # detail reconciliation (3202) ---------------------------------------------------------------
    def reconcile_detail(self, client: Any, day: str | None = None, *, operator: str = "") -> "DetailReport":
        """The day's detail file (9101), 3202 per clr_type x setl_optins group, each result file (9102):
        every settlement that does not agree, with a suggested action. Stored in the run history."""
        return _DetailRun(self, day or today(), operator).run(client)

    def apply_fix(self, diff_id: int, action: str, *, supervisor: str, reason: str,
                  operator: str = "") -> "FixResult":
        """Carry out (or record) ``action`` for the difference ``diff_id``. The supervisor was verified by
        the caller (CLI or window) against the operators; the fix is journaled in the same transaction."""
        return _apply_fix(self, int(diff_id), action, supervisor=supervisor, reason=reason, operator=operator)

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

    def detail_report(self, run_id: int | None = None, day: str | None = None) -> "DetailReport | None":
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
        _mark_done(self, rep.day, rep.differences)
        return rep

    @staticmethod
    def export(report: "DetailReport", path: str | Path, fmt: str | None = None) -> Path:
        """The report for the finance office: CSV (UTF-8 with BOM, opens in Excel) or XLSX (openpyxl)."""
        return _export(report, Path(path), fmt)


# ---------------------------------------------------------------------------------------------------
# Detail reconciliation: what a difference means and what to do about it
#
# The platform's ledger is what the fund pays the hospital by; the journal is what the cashier collected
# by. Every action that moves money goes through the platform (2601 / 2208 through the offline queue, so
# it is journaled, retried and never sent twice); every other action only records what happened outside
# the terminal, with the supervisor and the reason. A 2207 is never re-sent to close a difference: a new
# settlement of a visit is a new transaction at the desk, after checking.
#
# kind           situation (terminal / platform)             suggested          other allowed   effect of the fix
# -------------  ------------------------------------------  -----------------  --------------  ----------------------------
# only_terminal  settled here, platform never booked it or   none (check with   record_cancel   record_cancel: our row marked
#  (rslt 1)      reversed it: the fund will not pay; the     the agency first;                  reversed with the note; the
#                patient paid only the cash share            never resend)                      visit is to be settled anew
# only_terminal  our cancellation (2208) unknown to the      cancel             none            2208 of the original queued;
#  cancel line   platform: the settlement is still booked                                       the stale cancel row voided
# only_platform  booked there; the journal has the 2207      reverse            none            2601 of that msgid queued
#  (rslt 2)      message (answer lost / judged failed):                                         (the patient was not charged)
#                the patient was not charged for it
# only_platform  a cancellation made outside the terminal    record_cancel      none            our settlement marked
#  cancel line   of a settlement we have                                                        cancelled, the platform's
#                                                                                               2208 recorded
# only_platform  booked by another system (HIS, another      settled_elsewhere  none            recorded; in the detail file
#                desk): no message in the journal                                               from now on
# amount         both booked, amounts differ                 none               -               acknowledged with the detail
#  (rslt 3)                                                  (insurance office)                 for the insurance office
# status         platform cancelled / reversed, settled      record_cancel      none            our row cancelled / reversed
#  (rslt 4)      here (cancelled outside, a reversal the                                        with a note; the linked
#                terminal never saw): check the patient's                                       platform 2208 recorded
#                cash refund
# status         platform settled, cancelled here (our 2208  cancel             none            2208 again through the queue;
#                never booked or reversed)                                                      stale cancel row voided
#
# 'none' always records an acknowledgement (supervisor, reason); an acknowledged difference is shown as
# done on later runs while it stays the same. A re-run after the queued messages went through is clean.
# ---------------------------------------------------------------------------------------------------

DETAIL_FIELDS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")
STMT_KINDS = {"1": "only_terminal", "2": "only_platform", "3": "amount", "4": "status"}
KIND_NAMES = {"only_terminal": "仅终端有", "only_platform": "仅平台有", "amount": "金额不符", "status": "状态不符"}
ACTIONS = ("reverse", "cancel", "settled_elsewhere", "record_cancel", "resend", "none")
ACTION_NAMES = {
    "reverse": "冲正 (2601)", "cancel": "撤销结算 (2208)", "settled_elsewhere": "登记为其他系统结算",
    "record_cancel": "登记为平台已撤销/冲正", "resend": "重新发送", "none": "登记知悉（交医保经办机构核实）",
}
QUEUED_ACTIONS = ("reverse", "cancel")


class FixRefused(StoreError):
    """A fix that cannot be done (unknown difference, action not allowed for it)."""


@dataclass
class Difference:
    id: int
    kind: str
    setl_id: str
    msgid: str = ""
    mdtrt_id: str = ""
    psn_no: str = ""
    refd_setl_flag: str = "0"
    terminal: dict[str, str] | None = None  # medfee_sumamt / fund_pay_sumamt / acct_pay (2 decimals)
    platform: dict[str, str] | None = None
    plat_status: str = ""
    terminal_status: str = ""
    memo: str = ""
    clr_type: str = ""
    setl_optins: str = ""
    suggested: str = "none"
    allowed: list[str] = field(default_factory=list)
    advice: str = ""
    key: str = ""
    done_by: str = ""
    done_at: str = ""
    done_action: str = ""
    done_result: str = ""

    @property
    def open(self) -> bool:
        return not self.done_by

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d.update(kind_name=self.kind_name, suggested_name=ACTION_NAMES.get(self.suggested, self.suggested),
                 open=self.open)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Difference":
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


@dataclass
class DetailGroup:
    """A 3202 group (clr_type x setl_optins): the terminal's totals, and the platform's as the result file
    implies them (the terminal's totals less what only the terminal has, plus what only the platform has)."""

    clr_type: str
    setl_optins: str
    insutypes: list[str] = field(default_factory=list)
    count: int = 0
    terminal: dict[str, str] = field(default_factory=dict)  # medfee_sumamt, fund_pay_sumamt, acct_pay, cash_payamt
    platform: dict[str, str] = field(default_factory=dict)
    platform_count: int = 0
    state: str = ""  # agreed | differences | refused
    message: str = ""
    file_qury_no: str = ""
    result_filename: str = ""
    result_bytes: int = 0
    verdict_3201: list[dict[str, str]] = field(default_factory=list)  # per insutype: state, stmt_rslt_dscr

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class DetailReport:
    day: str
    run_id: int = 0
    groups: list[DetailGroup] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)  # uncertain messages, refused groups
    filename: str = ""
    file_bytes: int = 0
    file_qury_no: str = ""
    lines: int = 0
    result_bytes: int = 0
    elapsed_ms: int = 0
    created: str = ""
    operator: str = ""

    @property
    def open_differences(self) -> list[Difference]:
        return [d for d in self.differences if d.open]

    @property
    def clean(self) -> bool:
        return not self.open_differences and not self.problems and all(g.state != "refused" for g in self.groups)

    @property
    def state(self) -> str:
        if any(g.state == "refused" for g in self.groups):
            return "refused"
        if self.open_differences:
            return "differences"
        return "problems" if self.problems else "clean"

    @property
    def summary(self) -> str:
        if not self.lines and not self.differences and not self.groups:
            return f"{self.day} 没有结算记录，无需对明细账"
        parts = []
        if self.open_differences:
            parts.append(f"{len(self.open_differences)} 笔差异待处理")
        done = len(self.differences) - len(self.open_differences)
        if done:
            parts.append(f"{done} 笔差异已处理")
        refused = [g for g in self.groups if g.state == "refused"]
        if refused:
            parts.append(f"{len(refused)} 组被平台拒绝")
        if self.problems:
            parts.append(f"{len(self.problems)} 笔结算结果未知（冲正中），未计入明细")
        if not parts:
            return f"{self.day} 明细对账一致（{self.lines} 笔，{len(self.groups)} 组）"
        return f"{self.day} 明细对账：" + "，".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {"day": self.day, "run_id": self.run_id, "clean": self.clean, "state": self.state,
                "summary": self.summary, "created": self.created, "operator": self.operator,
                "filename": self.filename, "file_bytes": self.file_bytes, "file_qury_no": self.file_qury_no,
                "lines": self.lines, "result_bytes": self.result_bytes, "elapsed_ms": self.elapsed_ms,
                "groups": [g.as_dict() for g in self.groups],
                "differences": [d.as_dict() for d in self.differences], "problems": self.problems}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "DetailReport":
        rep = cls(**{k: d[k] for k in ("day", "run_id", "problems", "filename", "file_bytes", "file_qury_no",
                                         "lines", "result_bytes", "elapsed_ms", "created", "operator") if k in d})
        rep.groups = [DetailGroup(**g) for g in d.get("groups", [])]
        rep.differences = [Difference.from_dict(x) for x in d.get("differences", [])]
        return rep


@dataclass
class FixResult:
    fix_id: int
    diff_id: int
    action: str
    message: str
    queue_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _amounts(row: dict[str, Any] | None, prefix: str = "") -> dict[str, str] | None:
    if row is None:
        return None
    vals = [row.get(prefix + k) for k in DETAIL_FIELDS]
    if all(v in (None, "") for v in vals):
        return None
    return {k: f"{money(v or 0):.2f}" for k, v in zip(DETAIL_FIELDS, vals)}


def _key(d: Difference) -> str:
    k = f"{d.kind}|{d.setl_id}|{d.refd_setl_flag}"
    if d.kind == "amount":  # an acknowledgement holds for these figures only
        k += "|" + ",".join((d.terminal or {}).get(f, "") for f in DETAIL_FIELDS)
        k += "|" + ",".join((d.platform or {}).get(f, "") for f in DETAIL_FIELDS)
    return k


class _DetailRun:
    def __init__(self, rec: Reconciler, day: str, operator: str):
        self.rec, self.sdb, self.day, self.operator = rec, rec.sdb, day, operator

    def file_rows(self) -> list[dict[str, Any]]:
        """The day's detail lines: settlements and cancellations the journal holds as booked (reversed ones
        left out), and the platform's settlements recorded by earlier fixes."""
        out = []
        for r in self.sdb.rows("SELECT kind, setl_id, mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt, acct_pay, "
                               "psn_cash_pay, insutype, clr_type, clr_optins, msgid, status FROM settlements "
                               "WHERE day=? AND status != 'reversed' ORDER BY created, msgid", [self.day]):
            out.append({**r, "refd_setl_flag": "1" if r["kind"] == "cancel" else "0"})
        for r in self.sdb.rows("SELECT * FROM recon_records WHERE day=? ORDER BY id", [self.day]):
            out.append({**r, "kind": "cancel" if r["refd_setl_flag"] == "1" else "settle", "msgid": "",
                        "insutype": "", "clr_optins": r["setl_optins"], "psn_cash_pay": "0", "status": "recorded"})
        return out

    def run(self, client: Any) -> DetailReport:
        from terminal.core import reconfiles

        t0 = time.perf_counter()
        rep = DetailReport(self.day, created=now_text(), operator=self.operator)
        if self.rec.groups(self.day):
            self.rec.reconcile(client, self.day, queue_if_offline=False)  # 3201 verdicts, shown side by side
        rep.problems = [dict(m, problem="uncertain") for m in self.rec.open_messages(self.day)]
        rows = self.file_rows()
        groups = self._groups(rows)
        self._message_groups(groups)
        rep.groups = list(groups.values())
        rep.lines = len(rows)
        if rows:
            if not client.sign_no:
                client.sign_in()
            file_rows = [{k: (f"{money(r[k]):.2f}" if k in DETAIL_FIELDS else str(r[k] or ""))
                          for k in ("setl_id", "mdtrt_id", "psn_no", *DETAIL_FIELDS, "refd_setl_flag")}
                         for r in rows]
            rep.filename, data = reconfiles.build_detail_file(file_rows, fixmedins_code=client.identity.fixmedins_code,
                                                              day=self.day)
            rep.file_bytes = len(data)
            up = client.upload_file(rep.filename, data)
            rep.file_qury_no = str(up.get("file_qury_no") or "")
            lines: dict[str, dict[str, Any]] = {}
            for g in rep.groups:
                self._stmt(client, g, rep, lines)
            rep.result_bytes = sum(g.result_bytes for g in rep.groups)
            by_setl = {(r["setl_id"], r["refd_setl_flag"]): r for r in rows}
            rep.differences = [self._difference(line, by_setl) for line in lines.values()]
            self._platform_totals(rep, rows)
        self._verdicts_3201(rep)
        rep.elapsed_ms = int((time.perf_counter() - t0) * 1000)
        self._save(rep)
        _mark_done(self.rec, self.day, rep.differences)
        return rep

    def _groups(self, rows: list[dict[str, Any]]) -> dict[tuple[str, str], DetailGroup]:
        groups: dict[tuple[str, str], DetailGroup] = {}
        sums: dict[tuple[str, str], dict[str, Decimal]] = {}
        for r in rows:
            key = (r["clr_type"] or "", r["clr_optins"] or "")
            if not all(key) and r.get("status") != "recorded":
                # an answer that left the clearing fields out: filled as the 3201 groups are (never sent empty)
                full = self.sdb.one("SELECT * FROM settlements WHERE msgid=?", [r["msgid"]]) or r
                key = self.rec.group_key(full)[1:]
            g = groups.setdefault(key, DetailGroup(*key))
            s = sums.setdefault(key, {k: ZERO for k in (*DETAIL_FIELDS, "cash_payamt")})
            if r["insutype"] and r["insutype"] not in g.insutypes:
                g.insutypes.append(r["insutype"])
            for k in DETAIL_FIELDS:
                s[k] += money(r[k] or 0)
            s["cash_payamt"] += money(r["psn_cash_pay"] or 0)
            g.count += 1
        for key, g in groups.items():
            g.terminal = {k: f"{v:.2f}" for k, v in sums[key].items()}
        return groups

    def _message_groups(self, groups: dict[tuple[str, str], DetailGroup]) -> None:
        """A 2207 of the day that left no booked row here (answer lost, judged failed) may be booked on the
        platform in a group the journal has no settlement in: its insured place (the clearing agency) is asked
        too, with the day's clearing types (a statement of zero)."""
        clr_types = sorted({k[0] for k in groups if k[0]})
        for m in self.sdb.rows("SELECT DISTINCT m.insuplc_admdvs FROM messages m LEFT JOIN settlements s ON "
                               "s.msgid = m.msgid WHERE m.day=? AND substr(m.infno,1,4) IN ('2207','2208') AND "
                               "(s.msgid IS NULL OR s.status='reversed') AND COALESCE(m.insuplc_admdvs,'') != ''",
                               [self.day]):
            for ct in clr_types:
                key = (ct, m["insuplc_admdvs"])
                if key not in groups:
                    groups[key] = DetailGroup(*key, terminal={k: "0.00" for k in (*DETAIL_FIELDS, "cash_payamt")})

    def _stmt(self, client: Any, g: DetailGroup, rep: DetailReport, lines: dict[str, dict[str, Any]]) -> None:
        from terminal.core import reconfiles

        t = g.terminal
        data = {"setl_optins": g.setl_optins, "file_qury_no": rep.file_qury_no, "stmt_begndate": self.day,
                "stmt_enddate": self.day, "medfee_sumamt": Decimal(t["medfee_sumamt"]),
                "fund_pay_sumamt": Decimal(t["fund_pay_sumamt"]), "cash_payamt": Decimal(t["cash_payamt"]),
                "fixmedins_setl_cnt": g.count, "refd_setl_flag": "1", "clr_type": g.clr_type}
        try:
            a = client.reconcile_detail(data)
        except BusinessError as e:
            g.state, g.message = "refused", e.err_msg
            rep.problems.append({"problem": "refused", "clr_type": g.clr_type, "setl_optins": g.setl_optins,
                                 "reason": f"3202 被平台拒绝：{e.err_msg}"})
            return
        info = (a.output or {}).get("fileinfo") or {}
        g.file_qury_no, g.result_filename = str(info.get("file_qury_no") or ""), str(info.get("filename") or "")
        found = 0
        if g.file_qury_no:
            body = client.download_file(g.file_qury_no, g.result_filename)
            g.result_bytes = len(body)
            for line in reconfiles.parse_result_file(body):
                k = f"{line.get('stmt_rslt')}|{line.get('setl_id')}|{line.get('refd_setl_flag')}"
                if k not in lines:
                    lines[k] = {**line, "_clr_type": g.clr_type, "_setl_optins": g.setl_optins}
                found += 1
        g.state = "differences" if found else "agreed"
        g.message = f"{found} 笔不符" if found else "明细一致"

    def _difference(self, line: dict[str, Any], by_setl: dict[tuple[str, str], dict[str, Any]]) -> Difference:
        kind = STMT_KINDS.get(str(line.get("stmt_rslt")), "status")
        refd = str(line.get("refd_setl_flag") or "0")
        setl_id = str(line.get("setl_id") or "")
        row = by_setl.get((setl_id, refd))
        d = Difference(0, kind, setl_id, mdtrt_id=str(line.get("mdtrt_id") or ""),
                       psn_no=str(line.get("psn_no") or ""), refd_setl_flag=refd,
                       terminal=_amounts(line), platform=_amounts(line, "plat_"),
                       plat_status=str(line.get("plat_status") or ""), memo=str(line.get("memo") or ""),
                       clr_type=(row or {}).get("clr_type") or line["_clr_type"],
                       setl_optins=(row or {}).get("clr_optins") or line["_setl_optins"])
        if kind == "only_platform":
            d.terminal = None
        if kind == "only_terminal":
            d.platform = None
        if row is not None:
            d.msgid, d.terminal_status = row.get("msgid") or "", row.get("status") or ""
            d.terminal = d.terminal or _amounts(row)
        _judge(self.rec, d)
        d.key = _key(d)
        return d

    def _platform_totals(self, rep: DetailReport, rows: list[dict[str, Any]]) -> None:
        for g in rep.groups:
            if g.state == "refused":
                continue
            tot = {k: Decimal(g.terminal[k]) for k in DETAIL_FIELDS}
            cnt = g.count
            for d in rep.differences:
                if (d.clr_type, d.setl_optins) != (g.clr_type, g.setl_optins):
                    continue
                term = d.terminal if d.kind != "only_platform" else None
                plat = d.platform if d.kind != "only_terminal" else None
                if d.kind == "status" and d.plat_status in ("reversed",):
                    plat = None  # a reversed settlement counts nowhere on the platform
                if d.kind == "status" and d.terminal_status == "reversed":
                    term = None
                for k in DETAIL_FIELDS:
                    tot[k] += (Decimal(plat[k]) if plat else ZERO) - (Decimal(term[k]) if term else ZERO)
                cnt += (1 if plat else 0) - (1 if term else 0)
            g.platform = {k: f"{v:.2f}" for k, v in tot.items()}
            g.platform_count = cnt

    def _verdicts_3201(self, rep: DetailReport) -> None:
        """The latest 3201 verdict stored per insutype x clr_type x setl_optins (shown side by side)."""
        for g in rep.groups:
            seen = set()
            for r in self.sdb.rows("SELECT insutype, state, stmt_rslt_dscr FROM reconciliations WHERE day=? AND "
                                   "clr_type=? AND setl_optins=? ORDER BY id DESC", [self.day, g.clr_type,
                                                                                     g.setl_optins]):
                if r["insutype"] not in seen:
                    seen.add(r["insutype"])
                    g.verdict_3201.append(dict(r))

    def _save(self, rep: DetailReport) -> None:
        with self.sdb.tx() as db:
            rid = db["recon_runs"].insert({
                "day": rep.day, "created": rep.created, "operator": self.operator, "state": "", "summary": "",
                "file_qury_no": rep.file_qury_no, "filename": rep.filename, "file_bytes": rep.file_bytes,
                "result_bytes": rep.result_bytes, "lines": rep.lines, "differences": len(rep.differences),
                "open": 0, "elapsed_ms": rep.elapsed_ms, "report": "{}"}).last_pk
            rep.run_id = int(rid)
            for d in rep.differences:
                d.id = int(db["recon_diffs"].insert({
                    "run_id": rid, "day": rep.day, "key": d.key, "kind": d.kind, "setl_id": d.setl_id,
                    "msgid": d.msgid, "mdtrt_id": d.mdtrt_id, "psn_no": d.psn_no, "refd_setl_flag": d.refd_setl_flag,
                    "clr_type": d.clr_type, "setl_optins": d.setl_optins,
                    "data": json.dumps(d.as_dict(), ensure_ascii=False), "suggested": d.suggested}).last_pk)
            _mark_done(self.rec, rep.day, rep.differences, db=db)
            db.execute("UPDATE recon_runs SET state=?, summary=?, open=?, report=? WHERE id=?",
                       [rep.state, rep.summary, len(rep.open_differences),
                        json.dumps(rep.as_dict(), ensure_ascii=False, default=str), rid])


def _journal_message(rec: Reconciler, d: Difference) -> dict[str, Any] | None:
    """The journal's settlement message behind a platform-only line: a 2207 (2208 for a cancellation) of the
    same visit that left no booked row here (answer lost, judged failed, uncertain)."""
    infno = "2208" if d.refd_setl_flag == "1" else "2207"
    for m in rec.sdb.rows("SELECT m.msgid, m.infno, m.state, m.resolution, m.psn_no, m.insuplc_admdvs, s.status "
                          "FROM messages m LEFT JOIN settlements s ON s.msgid = m.msgid WHERE m.mdtrt_id=? AND "
                          "substr(m.infno,1,4)=? ORDER BY m.created DESC", [d.mdtrt_id, infno]):
        if m["status"] in (None, "reversed"):
            return m
    return None


def _judge(rec: Reconciler, d: Difference) -> None:
    """The suggested action, the other allowed ones, and what to tell the supervisor (see the table above)."""
    plat = d.platform or {}
    term = d.terminal or {}
    if d.kind == "only_terminal":
        if d.refd_setl_flag == "1":
            d.suggested, d.allowed = "cancel", ["cancel", "none"]
            d.advice = (f"本终端已撤销结算 {d.setl_id}，但平台没有该撤销记录，原结算在平台仍有效（基金照付）："
                        "建议主管授权重新撤销（2208，经离线队列发送）；若已退款给患者，撤销后账目一致")
        else:
            d.suggested, d.allowed = "none", ["none", "record_cancel"]
            d.advice = (f"本终端记为已结算（总额 {term.get('medfee_sumamt', '')}，基金 {term.get('fund_pay_sumamt', '')}），"
                        "平台没有这笔结算（未记账或已被冲正），基金不会支付：请先向医保经办机构核实，切勿重复发送结算；"
                        "核实后选择“登记为平台已撤销/冲正”，并按新就诊重新结算或向患者补收")
    elif d.kind == "only_platform":
        m = _journal_message(rec, d)
        if m is not None:
            d.msgid = m["msgid"]
            d.suggested, d.allowed = "reverse", ["reverse", "none"]
            d.advice = (f"平台已记账 {d.setl_id}（总额 {plat.get('medfee_sumamt', '')}），本终端报文 {m['msgid']} "
                        "未得到结果、患者未按此结算付费：建议主管授权冲正（2601，经离线队列发送）")
        elif d.refd_setl_flag == "1" and _settle_row(rec, d.mdtrt_id) is not None:
            d.suggested, d.allowed = "record_cancel", ["record_cancel", "none"]
            d.advice = (f"平台有一笔在本终端之外办理的撤销结算 {d.setl_id}（退回 {plat.get('medfee_sumamt', '')}）："
                        "请核实患者现金部分是否已在别处退还，然后登记为平台已撤销")
        else:
            d.suggested, d.allowed = "settled_elsewhere", ["settled_elsewhere", "none"]
            d.advice = (f"平台有一笔本终端没有的{'撤销' if d.refd_setl_flag == '1' else '结算'} {d.setl_id}"
                        f"（总额 {plat.get('medfee_sumamt', '')}），应为其他系统（HIS、其他收费台）办理："
                        "请核实该系统已收费后登记为其他系统结算")
    elif d.kind == "amount":
        d.suggested, d.allowed = "none", ["none"]
        diffs = [f"{n} 终端 {term.get(k, '')} / 平台 {plat.get(k, '')}"
                 for k, n in (("medfee_sumamt", "总额"), ("fund_pay_sumamt", "基金"), ("acct_pay", "个账"))
                 if term.get(k) != plat.get(k)]
        d.advice = f"结算 {d.setl_id} 金额不符（{'；'.join(diffs)}）：请将明细提交医保经办机构核实，核实后登记知悉"
    else:  # status
        if d.refd_setl_flag == "1":  # our cancellation undone on the platform: the settlement is booked again
            d.suggested, d.allowed = "cancel", ["cancel", "none"]
            d.advice = (f"本终端的撤销结算 {d.setl_id} 在平台已被{'冲正' if d.plat_status == 'reversed' else '撤回'}，"
                        "原结算在平台重新有效（基金照付）：建议主管授权重新撤销（2208，经离线队列发送）")
        elif d.plat_status in ("cancelled", "reversed"):
            d.suggested, d.allowed = "record_cancel", ["record_cancel", "settled_elsewhere", "none"]
            how = "冲正" if d.plat_status == "reversed" else "撤销"
            d.advice = (f"平台已{how}结算 {d.setl_id}，本终端仍记为已结算：可能在本终端之外办理了撤销，或本终端未收到冲正结果。"
                        "请核实患者现金部分是否已退还，然后登记为平台已撤销/冲正")
        else:
            d.suggested, d.allowed = "cancel", ["cancel", "none"]
            d.advice = (f"本终端已撤销结算 {d.setl_id}，平台仍记为已结算（撤销未到达或被冲正）："
                        "建议主管授权重新撤销（2208，经离线队列发送）")


def _settle_row(rec: Reconciler, mdtrt_id: str, setl_id: str = "") -> dict[str, Any] | None:
    if setl_id:
        return rec.sdb.one("SELECT * FROM settlements WHERE setl_id=? AND kind='settle' ORDER BY created DESC",
                           [setl_id])
    return rec.sdb.one("SELECT * FROM settlements WHERE mdtrt_id=? AND kind='settle' AND status != 'reversed' "
                       "ORDER BY created DESC", [mdtrt_id]) if mdtrt_id else None


def _mark_done(rec: Reconciler, day: str, diffs: list[Difference], db: Any = None) -> None:
    """Fill done_by/done_at from earlier fixes of the same difference: an acknowledgement ('none') holds while
    the difference stays the same; a queued 2601/2208 while its queue item is still open. A recorded fix whose
    difference comes back is shown open again."""
    if not diffs:
        return
    fixes: dict[str, dict[str, Any]] = {}
    for f in rec.sdb.rows("SELECT * FROM recon_fixes WHERE day=? ORDER BY id", [day]):
        fixes[f["key"]] = f
    open_q = {i.id: i for i in rec.store.queue.items(("queued", "working"))}
    for d in diffs:
        f = fixes.get(d.key)
        if f is None:
            continue
        if f["diff_id"] == d.id or f["action"] == "none" or (f["queue_id"] and f["queue_id"] in open_q):
            d.done_by, d.done_at, d.done_action, d.done_result = f["supervisor"], f["created"], f["action"], f["result"]


def _apply_fix(rec: Reconciler, diff_id: int, action: str, *, supervisor: str, reason: str,
               operator: str) -> FixResult:
    sdb, queue = rec.sdb, rec.store.queue
    row = sdb.one("SELECT * FROM recon_diffs WHERE id=?", [diff_id])
    if row is None:
        raise FixRefused(f"没有编号为 {diff_id} 的对账差异：请先运行明细对账（reconcile --detail）并使用其中的差异编号")
    d = Difference.from_dict(json.loads(row["data"]))
    d.id = diff_id
    if action not in ACTIONS:
        raise FixRefused(f"未知的处理方式 {action!r}：可选 {' / '.join(d.allowed)}")
    if action == "resend":
        raise FixRefused("结算不能直接重新发送（可能重复扣款）：请核实后在收费台按新就诊重新结算")
    if action not in d.allowed:
        raise FixRefused(f"差异 {diff_id}（{d.kind_name}）不能用“{ACTION_NAMES[action]}”处理：可选 "
                         + " / ".join(f"{a}（{ACTION_NAMES[a]}）" for a in d.allowed))
    if not supervisor:
        raise FixRefused("对账差异的处理须主管授权")
    if len((reason or "").strip()) < 2:
        raise FixRefused("请填写处理原因（至少 2 个字）")
    later = sdb.one("SELECT id FROM recon_runs WHERE day=? AND id > ? ORDER BY id DESC LIMIT 1",
                    [row["day"], row["run_id"]])
    if later is not None:
        raise FixRefused(f"差异 {diff_id} 来自较早的对账（之后已重新对账）：请使用最新一次对账的差异编号")
    done = sdb.one("SELECT id, action FROM recon_fixes WHERE diff_id=?", [diff_id])
    if done is not None:
        raise FixRefused(f"差异 {diff_id} 已处理（{ACTION_NAMES.get(done['action'], done['action'])}），请重新对账查看结果")
    now = now_text()
    note = f"{now} 对账处理（主管 {supervisor}）：{ACTION_NAMES[action]}，{reason.strip()}"
    qid: int | None = None
    with sdb.tx() as db:
        if action == "reverse":
            m = db.execute("SELECT infno, psn_no, insuplc_admdvs FROM messages WHERE msgid=?", [d.msgid]).fetchone()
            if m is None:
                raise FixRefused(f"交易日志中没有报文 {d.msgid}，不能冲正：请登记为其他系统结算")
            qid = queue._ensure_reversal(db, d.msgid, m[0], m[1] or "", m[2] or "", again=True)
            msg = f"已排队冲正报文 {d.msgid}（队列 {qid}）"
        elif action == "cancel":
            qid, msg = _queue_cancel(rec, db, d, now, note)
        elif action == "record_cancel":
            msg = _record_cancel(rec, db, d, now, note, diff_id)
        elif action == "settled_elsewhere":
            msg = "已登记为其他系统办理的结算，以后的明细对账包含该笔"
        else:
            msg = "已登记知悉"
        fid = int(db["recon_fixes"].insert({
            "diff_id": diff_id, "day": row["day"], "key": row["key"], "created": now, "action": action,
            "supervisor": supervisor, "operator": operator, "reason": reason.strip(), "setl_id": d.setl_id,
            "msgid": d.msgid, "queue_id": qid, "result": msg}).last_pk)
        if action == "settled_elsewhere":
            _record_line(db, row["day"], d, fid, note)
        if action == "record_cancel":
            db.execute("UPDATE recon_records SET fix_id=? WHERE fix_id=-1", [fid])
    rec.store._wake()
    return FixResult(fid, diff_id, action, msg, qid)


def _record_line(db: Any, day: str, d: Difference, fid: int, note: str) -> None:
    p = d.platform or {}
    db["recon_records"].insert({"day": day, "fix_id": fid, "setl_id": d.setl_id, "mdtrt_id": d.mdtrt_id,
                                "psn_no": d.psn_no, **{k: p.get(k, "0.00") for k in DETAIL_FIELDS},
                                "refd_setl_flag": d.refd_setl_flag, "clr_type": d.clr_type,
                                "setl_optins": d.setl_optins, "note": note, "created": now_text()})


def _queue_cancel(rec: Reconciler, db: Any, d: Difference, now: str, note: str) -> tuple[int, str]:
    """2208 again: the original settlement of the difference (through the queue); the cancellation the
    platform never booked is voided here, and the original is settled again until the new 2208 lands."""
    if d.refd_setl_flag == "1":
        stale = db.execute("SELECT orig_setl_id FROM settlements WHERE setl_id=? AND kind='cancel'",
                           [d.setl_id]).fetchone()
        orig_setl = stale[0] if stale else ""
    else:
        orig_setl = d.setl_id
    orig = _settle_row(rec, d.mdtrt_id, orig_setl) if orig_setl else None
    if orig is None:
        raise FixRefused(f"交易日志中找不到原结算（{orig_setl or d.setl_id}），不能重新撤销")
    m = db.execute("SELECT insuplc_admdvs FROM messages WHERE msgid=?", [orig["msgid"]]).fetchone()
    insuplc = (m[0] if m else "") or ""
    db.execute("UPDATE settlements SET status='reversed', recon_note=?, updated=? WHERE kind='cancel' AND "
               "orig_setl_id=? AND status != 'reversed'", [note + "（平台未记账此撤销）", now, orig["setl_id"]])
    db.execute("UPDATE settlements SET status='settled', recon_note=?, updated=? WHERE msgid=?",
               [note, now, orig["msgid"]])
    qid = rec.store.queue.enqueue_call(
        "cancel", {"data": {"setl_id": orig["setl_id"], "mdtrt_id": orig["mdtrt_id"], "psn_no": orig["psn_no"]}},
        insuplc=insuplc, summary=f"对账：重新撤销结算 {orig['setl_id']}", required=True)
    return qid, f"已排队重新撤销结算 {orig['setl_id']}（队列 {qid}）"


_CANCEL_ID = re.compile(r"撤销结算\s*ID\s*[:：]?\s*([0-9A-Za-z_-]+)")


def _record_cancel(rec: Reconciler, db: Any, d: Difference, now: str, note: str, diff_id: int) -> str:
    """The platform undid the settlement outside the terminal: our row follows it (with the note), and the
    platform's cancellation lines of the same visit found by this run are recorded for later detail files."""
    if d.kind == "only_platform":  # the platform's 2208 of a settlement we have
        orig = _settle_row(rec, d.mdtrt_id)
    else:
        orig = _settle_row(rec, d.mdtrt_id, d.setl_id)
    if orig is None:
        raise FixRefused(f"交易日志中找不到结算 {d.setl_id}")
    status = "reversed" if (d.kind == "only_terminal" or d.plat_status == "reversed") else "cancelled"
    db.execute("UPDATE settlements SET status=?, recon_note=?, updated=? WHERE msgid=?",
               [status, note, now, orig["msgid"]])
    recorded = 0
    if status == "cancelled":
        run_id = db.execute("SELECT run_id, day FROM recon_diffs WHERE id=?", [diff_id]).fetchone()
        lines = [Difference.from_dict(json.loads(data)) for (data,) in db.execute(
            "SELECT data FROM recon_diffs WHERE run_id=? AND kind='only_platform' AND refd_setl_flag='1' AND "
            "mdtrt_id=?", [run_id[0], orig["mdtrt_id"]]).fetchall()]
        if d.kind == "only_platform":
            lines.append(d)
        m = _CANCEL_ID.search(d.memo or "")
        if not lines and m and d.platform:  # the platform names its 2208 in the memo of the status line
            lines.append(Difference(0, "only_platform", m.group(1), mdtrt_id=d.mdtrt_id, psn_no=d.psn_no,
                                    refd_setl_flag="1", clr_type=d.clr_type, setl_optins=d.setl_optins,
                                    platform={k: f"{-Decimal(v):.2f}" for k, v in d.platform.items()}))
        for line in lines:
            if not db.execute("SELECT 1 FROM recon_records WHERE day=? AND setl_id=? AND refd_setl_flag='1'",
                              [run_id[1], line.setl_id]).fetchone():
                _record_line(db, run_id[1], line, -1, note)
                recorded += 1
    what = "冲正" if status == "reversed" else "撤销"
    return (f"结算 {orig['setl_id']} 已登记为平台已{what}" + (f"，并登记平台撤销记录 {recorded} 笔" if recorded else ""))


_EXPORT_COLUMNS = (
    ("id", "差异编号"), ("kind_name", "差异类型"), ("setl_id", "结算ID"), ("msgid", "报文ID"), ("mdtrt_id", "就诊ID"),
    ("psn_no", "人员编号"), ("refd_setl_flag", "退费标志"), ("clr_type", "清算类别"), ("setl_optins", "清算经办机构"),
    ("t_medfee_sumamt", "终端医疗费总额"), ("t_fund_pay_sumamt", "终端基金支付"), ("t_acct_pay", "终端个人账户"),
    ("p_medfee_sumamt", "平台医疗费总额"), ("p_fund_pay_sumamt", "平台基金支付"), ("p_acct_pay", "平台个人账户"),
    ("plat_status", "平台状态"), ("terminal_status", "终端状态"), ("memo", "平台说明"), ("suggested_name", "建议处理"),
    ("advice", "说明"), ("done_by", "处理主管"), ("done_at", "处理时间"), ("done_action", "处理方式"),
)
_GROUP_COLUMNS = (
    ("clr_type", "清算类别"), ("setl_optins", "清算经办机构"), ("insutypes", "险种"), ("count", "终端笔数"),
    ("t_medfee_sumamt", "终端医疗费总额"), ("t_fund_pay_sumamt", "终端基金支付"), ("t_acct_pay", "终端个人账户"),
    ("t_cash_payamt", "终端现金支付"), ("platform_count", "平台笔数"), ("p_medfee_sumamt", "平台医疗费总额"),
    ("p_fund_pay_sumamt", "平台基金支付"), ("p_acct_pay", "平台个人账户"), ("state", "结果"), ("message", "说明"),
)
_MONEY_COLS = {k for k, _ in _EXPORT_COLUMNS + _GROUP_COLUMNS if k[:2] in ("t_", "p_")}


def _diff_row(d: Difference) -> dict[str, Any]:
    r = d.as_dict()
    for k in DETAIL_FIELDS:
        r["t_" + k] = (d.terminal or {}).get(k, "")
        r["p_" + k] = (d.platform or {}).get(k, "")
    r["done_action"] = ACTION_NAMES.get(d.done_action, d.done_action)
    return r


def _group_row(g: DetailGroup) -> dict[str, Any]:
    r = g.as_dict()
    r["insutypes"] = "/".join(g.insutypes)
    for k in (*DETAIL_FIELDS, "cash_payamt"):
        r["t_" + k] = g.terminal.get(k, "")
        r["p_" + k] = g.platform.get(k, "")
    return r


def _export(report: DetailReport, path: Path, fmt: str | None) -> Path:
    fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"导出格式应为 csv 或 xlsx，实际为 {fmt!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    head = [("对账日期", report.day), ("对账时间", report.created), ("结果", report.summary),
            ("明细文件", f"{report.filename}（{report.file_bytes} 字节，{report.lines} 笔）")]
    if fmt == "csv":
        import csv

        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            for row in head:
                w.writerow(row)
            w.writerow([])
            w.writerow([n for _, n in _GROUP_COLUMNS])
            for g in report.groups:
                r = _group_row(g)
                w.writerow([r.get(k, "") for k, _ in _GROUP_COLUMNS])
            w.writerow([])
            w.writerow([n for _, n in _EXPORT_COLUMNS])
            for d in report.differences:
                r = _diff_row(d)
                w.writerow([r.get(k, "") for k, _ in _EXPORT_COLUMNS])
        return path
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    for row in head:
        ws.append(list(row))
    ws.append([])
    ws.append([n for _, n in _GROUP_COLUMNS])
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    for g in report.groups:
        _xl_row(ws, _group_row(g), _GROUP_COLUMNS)
    wd = wb.create_sheet("差异明细")
    wd.append([n for _, n in _EXPORT_COLUMNS])
    for c in wd[1]:
        c.font = Font(bold=True)
    for d in report.differences:
        _xl_row(wd, _diff_row(d), _EXPORT_COLUMNS)
    wd.freeze_panes = "A2"
    wb.save(path)
    return path


def _xl_row(ws: Any, r: dict[str, Any], cols: tuple[tuple[str, str], ...]) -> None:
    vals = []
    for k, _ in cols:
        v = r.get(k, "")
        vals.append(Decimal(v) if k in _MONEY_COLS and v not in ("", None) else v)
    ws.append(vals)
    for c, (k, _) in zip(ws[ws.max_row], cols):
        if k in _MONEY_COLS:
            c.number_format = "#,##0.00"


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
    def for_store(cls, at: str, store: "Store", now: Any = None) -> "ReconcileSchedule":
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

    def due(self, now: Any) -> bool:
        """True once a day, from the configured time on, until ``ran`` is called for that day."""
        if not self.at:
            return False
        day = now.strftime("%Y-%m-%d")
        return day != self.last_day and (now.hour, now.minute) >= self._hm

    def ran(self, day: str) -> None:
        self.last_day = day
