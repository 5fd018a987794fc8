"""Detail reconciliation (3202) of one day: the detail file (9101) of the journal's booked settlements, 3202 per
clr_type x setl_optins group, each result file (9102) read into differences with a suggested fix, the run stored
in the history."""
from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol
from collections.abc import Sequence

from terminal.backend.errors import BusinessError
from terminal.core.money import ZERO, money

from .db import StoreDB, insert_row, now_text
from .reconcile_differences import (DETAIL_FIELDS, STMT_KINDS, DetailGroup, DetailReport, Difference, amounts,
                                    diff_key, judge, mark_done)

if TYPE_CHECKING:  # pragma: no cover
    from terminal.backend.client import PlatformClient

    from .outbox import Outbox


class Totals(Protocol):
    """What a detail run needs of the day's totals (3201): terminal.store.reconcile.Reconciler."""

    @property
    def sdb(self) -> StoreDB: ...

    def groups(self, day: str | None = None) -> Sequence[object]: ...

    def reconcile(self, client: PlatformClient, day: str | None = None, *, queue_if_offline: bool = True) -> object: ...

    def open_messages(self, day: str) -> list[dict[str, Any]]: ...

    def group_key(self, row: dict[str, Any]) -> tuple[str, str, str]: ...


class DetailRun:
    def __init__(self, rec: Totals, queue: Outbox, day: str, operator: str):
        self.rec, self.sdb, self.queue, self.day, self.operator = rec, rec.sdb, queue, day, operator

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

    def run(self, client: PlatformClient) -> DetailReport:
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
        mark_done(self.sdb, self.queue, self.day, rep.differences)
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
                               "s.msgid = m.msgid WHERE m.day=? AND "
                               "substr(m.infno,1,4) IN ('2207','2208','2102','2103') AND "
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
                       terminal=amounts(line), platform=amounts(line, "plat_"),
                       plat_status=str(line.get("plat_status") or ""), memo=str(line.get("memo") or ""),
                       clr_type=(row or {}).get("clr_type") or line["_clr_type"],
                       setl_optins=(row or {}).get("clr_optins") or line["_setl_optins"])
        if kind == "only_platform":
            d.terminal = None
        if kind == "only_terminal":
            d.platform = None
        if row is not None:
            d.msgid, d.terminal_status = row.get("msgid") or "", row.get("status") or ""
            d.terminal = d.terminal or amounts(row)
        judge(self.sdb, d)
        d.key = diff_key(d)
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
            rid = insert_row(db, "recon_runs", {
                "day": rep.day, "created": rep.created, "operator": self.operator, "state": "", "summary": "",
                "file_qury_no": rep.file_qury_no, "filename": rep.filename, "file_bytes": rep.file_bytes,
                "result_bytes": rep.result_bytes, "lines": rep.lines, "differences": len(rep.differences),
                "open": 0, "elapsed_ms": rep.elapsed_ms, "report": "{}"})
            rep.run_id = rid
            for d in rep.differences:
                d.id = insert_row(db, "recon_diffs", {
                    "run_id": rid, "day": rep.day, "key": d.key, "kind": d.kind, "setl_id": d.setl_id,
                    "msgid": d.msgid, "mdtrt_id": d.mdtrt_id, "psn_no": d.psn_no, "refd_setl_flag": d.refd_setl_flag,
                    "clr_type": d.clr_type, "setl_optins": d.setl_optins,
                    "data": json.dumps(d.as_dict(), ensure_ascii=False), "suggested": d.suggested})
            mark_done(self.sdb, self.queue, rep.day, rep.differences)
            db.execute("UPDATE recon_runs SET state=?, summary=?, open=?, report=? WHERE id=?",
                       [rep.state, rep.summary, len(rep.open_differences),
                        json.dumps(rep.as_dict(), ensure_ascii=False, default=str), rid])
