"""F8 reconciliation view: a day's totals per insurance type x clearing type x clearing agency beside the
platform's verdict (3201), the detail reconciliation (9101 upload, 3202, 9102 download) listing each settlement
that does not agree with its suggested action, one-key fixes authorised by a supervisor, export for the finance
office (CSV / XLSX) and the history of runs for the day.

Everything that touches the platform or the journal runs in a background op (terminal.ui.ops); this module only
renders and forwards. The store side is terminal.store.reconcile.Reconciler; the words and rows are in
terminal.ui.reconcile_labels, the fix and export dialogs in terminal.ui.reconcile_dialogs.
"""
from __future__ import annotations

import logging
from datetime import date
from typing import Any
from collections.abc import Callable

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QDateEdit, QDialog, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from terminal.core.errors import user_message_of
from terminal.core.money import fmt_yuan

from .journal import journal_records
from .ops import Op
from .reconcile_dialogs import ExportDialog, FixDialog
from .reconcile_labels import (DETAIL_STATES, PLAT_STATUS, STATES, action_label, amounts_text, clr_type_label,
                               insutype_label, kind_label, optins_label, person_label, session_groups, tr, yuan_text)
from .widgets import KeyButton, fill_table, report_table, set_kind

log = logging.getLogger(__name__)


class _DayEdit(QDateEdit):
    """A date field where Up / Down move a day whichever way it got the focus."""

    def focusInEvent(self, ev: QFocusEvent) -> None:
        super().focusInEvent(ev)
        self.setCurrentSection(QDateEdit.Section.DaySection)


class ReconcileDialog(QDialog):
    """F8: the day's reconciliation (see the module docstring)."""

    #: emitted after a run, a fix or an export finished (tests and the window listen)
    updated = Signal()

    def __init__(self, ctl, parent: QWidget | None = None, ask_supervisor: Callable | None = None):
        super().__init__(parent)
        self.setObjectName("reconcileDialog")
        self.setWindowTitle(self.tr("对账（总账与明细）"))
        self.ctl = ctl
        self.ask_supervisor = ask_supervisor
        self.results: dict[tuple, str] = {}  # 3201 without the journal module
        self.report: Any = None  # the last 3201 (ReconcileReport) of this view
        self.detail: Any = None  # the detail run shown (DetailReport): the latest of the day
        self.busy = False
        self.runs: list[dict] = []

        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 10, 12, 10)
        top = QHBoxLayout()
        lab = QLabel(self.tr("对账日期(&D)"))
        self.date = _DayEdit(QDate.currentDate())
        self.date.setObjectName("reconcileDate")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setMaximumDate(QDate.currentDate())
        lab.setBuddy(self.date)
        top.addWidget(lab)
        top.addWidget(self.date)
        top.addSpacing(12)
        self.summary = QLabel()
        self.summary.setObjectName("reconcileSummary")
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        lay.addLayout(top)

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setChildrenCollapsible(False)
        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(QLabel(self.tr("总账：本机合计与平台结果（险种 × 清算类别 × 清算机构）")))
        self.table = report_table([self.tr("险种"), self.tr("清算类别"), self.tr("清算机构"), self.tr("笔数"),
                                   self.tr("医疗费总额"), self.tr("基金支付"), self.tr("个人账户"),
                                   self.tr("平台结果 (3201)"), self.tr("平台笔数"), self.tr("平台总额"),
                                   self.tr("平台基金"), self.tr("明细 (3202)")], "reconcileTable")
        bl.addWidget(self.table)
        self.group_note = QLabel()  # the platform's words for the groups that do not agree
        self.group_note.setObjectName("reconcileGroupNote")
        self.group_note.setWordWrap(True)
        self.group_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bl.addWidget(self.group_note)
        split.addWidget(box)

        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        self.diff_label = QLabel()
        self.diff_label.setObjectName("reconcileDiffLabel")
        bl.addWidget(self.diff_label)
        self.diffs = report_table([self.tr("差异"), self.tr("结算ID"), self.tr("参保人"),
                             self.tr("本机 总额 / 基金 / 个人账户"), self.tr("平台 总额 / 基金 / 个人账户"),
                             self.tr("平台状态"), self.tr("建议处理"), self.tr("处理结果")], "reconcileDiffs")
        bl.addWidget(self.diffs, 1)
        self.advice = QLabel()
        self.advice.setObjectName("reconcileAdvice")
        self.advice.setWordWrap(True)
        self.advice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bl.addWidget(self.advice)
        split.addWidget(box)

        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(QLabel(self.tr("本日对账记录（明细对账与差异处理）")))
        self.history = report_table([self.tr("时间"), self.tr("类型"), self.tr("操作员 / 主管"), self.tr("结果"),
                               self.tr("说明")], "reconcileHistory")
        bl.addWidget(self.history)
        split.addWidget(box)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        split.setStretchFactor(2, 2)
        lay.addWidget(split, 1)

        self.note = QLabel()
        self.note.setObjectName("dialogHint")
        self.note.setWordWrap(True)
        lay.addWidget(self.note)

        brow = QHBoxLayout()
        self.run_btn = KeyButton("F5", self.tr("总账对账 (3201)"), self, object_name="reconcileRun")
        self.detail_btn = KeyButton("F9", self.tr("明细对账 (3202)"), self, object_name="reconcileDetail")
        self.fix_btn = KeyButton("F10", self.tr("处理所选差异（主管）"), self, object_name="reconcileFix")
        self.export_btn = KeyButton("Ctrl+E", self.tr("导出 CSV / Excel"), self, object_name="reconcileExport")
        self.close_btn = KeyButton("Esc", self.tr("关闭"), self, object_name="reconcileClose")
        for b in (self.run_btn, self.detail_btn, self.fix_btn, self.export_btn, self.close_btn):
            b.setMinimumHeight(44)
            brow.addWidget(b, 1)
        lay.addLayout(brow)

        self.run_btn.clicked.connect(self.run)
        self.detail_btn.clicked.connect(self.run_detail)
        self.fix_btn.clicked.connect(self.fix_selected)
        self.export_btn.clicked.connect(self.export_dialog)
        self.close_btn.clicked.connect(self.reject)
        self.date.dateChanged.connect(self._day_changed)
        self.diffs.itemSelectionChanged.connect(self._selection_changed)
        self.resize(1320, 740)
        self._load_day()
        self.diffs.setFocus()

    # state ---------------------------------------------------------------------------------------------
    @property
    def reconciler(self):
        s = self.ctl.session.store
        return getattr(s, "reconciler", None) if s is not None else None

    @property
    def day(self) -> str:
        return self.date.date().toString("yyyy-MM-dd")

    def _day_changed(self, *_a) -> None:
        self.results, self.report = {}, None
        self.note.clear()
        self._load_day()

    def _load_day(self) -> None:
        """The day's latest detail run (with the fixes since) from the journal: reopening F8 shows it again."""
        self.detail = None
        rec = self.reconciler
        if rec is not None:
            try:
                self.detail = rec.detail_report(day=self.day)
            except Exception as e:
                log.warning("stored detail reconciliation unavailable: %s", e)
        self.refresh()

    def differences(self) -> list[Any]:
        return list(self.detail.differences) if self.detail is not None else []

    def selected_diff(self) -> Any:
        r = self.diffs.currentRow()
        ds = self.differences()
        return ds[r] if 0 <= r < len(ds) else None

    # rendering --------------------------------------------------------------------------------------------
    def groups(self) -> list[dict]:
        """Per insutype x clr_type x setl_optins: the terminal's totals, the platform's 3201 verdict (the latest
        stored), and the detail group's platform totals (clr_type x setl_optins) when a detail run has them."""
        rec = self.reconciler
        if rec is None:
            today = self.day == date.today().isoformat()
            return session_groups(journal_records(self.ctl.session)) if today else []
        try:
            groups = rec.groups(self.day)
            stored = rec.results(self.day)  # latest first
        except Exception as e:
            self.note.setText(self.tr("读取本地日志失败：") + user_message_of(e))
            return []
        verdict: dict[tuple, dict] = {}
        for r in stored:
            verdict.setdefault((r["insutype"] or "", r["clr_type"] or "", r["setl_optins"] or ""), r)
        detail = {(g.clr_type, g.setl_optins): g for g in (self.detail.groups if self.detail is not None else [])}
        out = []
        for g in groups:
            key = (g.insutype, g.clr_type, g.setl_optins)
            v = verdict.get(key) or {}
            dg = detail.get((g.clr_type, g.setl_optins))
            out.append({"key": key, "n": g.count, "medfee": g.medfee_sumamt, "fund": g.fund_pay_sumamt,
                        "acct": g.acct_pay, "state": v.get("state") or "", "dscr": v.get("stmt_rslt_dscr") or "",
                        "detail": dg})
        return out

    def refresh(self) -> None:
        rows, bad, notes = [], [], []
        for n, x in enumerate(sorted(self.groups(), key=lambda x: x["key"])):
            k = x["key"]
            state = x["state"]
            res = self.results.get(k) or tr(STATES.get(state, state))
            why = x["dscr"] if state and state != "balanced" else ""
            dg = x["detail"]
            plat = ["", "", "", ""]
            if dg is not None:
                shared = len(dg.insutypes) > 1
                p = dg.platform or {}
                plat = [str(dg.platform_count) if p else "—", yuan_text(p.get("medfee_sumamt")),
                        yuan_text(p.get("fund_pay_sumamt")),
                        tr(DETAIL_STATES.get(dg.state, dg.state))
                        + (self.tr("（%1 个险种合计）").replace("%1", str(len(dg.insutypes))) if shared else "")]
                if dg.state != "agreed":
                    bad.append((n, 11))
                if dg.state == "refused" and dg.message:
                    why = (why + "；" if why else "") + dg.message
            rows.append([insutype_label(k[0]), clr_type_label(k[1]), optins_label(k[2]), str(x["n"]),
                         fmt_yuan(x["medfee"]), fmt_yuan(x["fund"]), fmt_yuan(x["acct"]), res, *plat])
            if state and state != "balanced":
                bad.append((n, 7))
            if why:
                notes.append(f"{k[0]} / {k[1]} / {k[2]}：{why}")
        fill_table(self.table, rows, right={3, 4, 5, 6, 8, 9, 10})
        for n, c in bad:
            self.table.item(n, c).setForeground(Qt.GlobalColor.darkRed)
        self.group_note.setText("\n".join(notes))
        self.group_note.setVisible(bool(notes))
        self._render_diffs()
        self._render_history()
        self._render_summary()
        self._render_buttons()

    def _render_diffs(self) -> None:
        rows, done_rows = [], []
        for n, d in enumerate(self.differences()):
            done = ""
            if d.done_by:
                done = self.tr("已处理：%1（主管 %2，%3）").replace("%1", action_label(d.done_action)) \
                    .replace("%2", d.done_by).replace("%3", d.done_at[11:16] or d.done_at)
                done_rows.append(n)
            rows.append([kind_label(d), d.setl_id or "—", person_label(d), amounts_text(d, "terminal"),
                         amounts_text(d, "platform"), tr(PLAT_STATUS[d.plat_status]) if d.plat_status in PLAT_STATUS
                         else d.plat_status, action_label(d.suggested), done])
        cur = self.diffs.currentRow()
        fill_table(self.diffs, rows, right={3, 4})
        for n in done_rows:
            for c in range(self.diffs.columnCount()):
                self.diffs.item(n, c).setForeground(Qt.GlobalColor.darkGray)
        if rows:
            self.diffs.selectRow(min(max(cur, 0), len(rows) - 1))
        n = len(rows)
        open_n = n - len(done_rows)
        if self.detail is None:
            self.diff_label.setText(self.tr("明细差异：本日尚未明细对账（按 F9）"))
        elif n == 0:
            self.diff_label.setText(self.tr("明细差异：无，本机与平台逐笔一致（%1）")
                                    .replace("%1", self.detail.created))
        else:
            self.diff_label.setText(self.tr("明细差异（%1）：%2 笔，待处理 %3 笔。用 ↑↓ 选择，F10 处理")
                                    .replace("%1", self.detail.created).replace("%2", str(n))
                                    .replace("%3", str(open_n)))
        self._selection_changed()

    def _selection_changed(self) -> None:
        d = self.selected_diff()
        self.advice.setText(d.advice if d is not None else "")
        self.advice.setVisible(d is not None and bool(d.advice))
        self._render_buttons()

    def _render_history(self) -> None:
        rec = self.reconciler
        self.runs = []
        if rec is not None:
            try:
                self.runs = rec.history(self.day)
            except Exception as e:
                log.warning("reconciliation history unavailable: %s", e)
        rows = []
        for h in reversed(self.runs):  # the latest first
            if h.get("type") == "fix":
                rows.append([h.get("created") or "", self.tr("差异处理"),
                             self.tr("主管 ") + (h.get("supervisor") or ""),
                             action_label(h.get("action") or "") + " " + (h.get("setl_id") or ""),
                             (h.get("reason") or "") + "；" + (h.get("result") or "")])
            else:
                n, open_n = int(h.get("differences") or 0), int(h.get("open") or 0)
                res = self.tr("一致") if n == 0 else self.tr("%1 笔差异（待处理 %2）").replace("%1", str(n)) \
                    .replace("%2", str(open_n))
                rows.append([h.get("created") or "", self.tr("明细对账"), h.get("operator") or "", res,
                             h.get("summary") or ""])
        fill_table(self.history, rows)

    def _render_summary(self) -> None:
        text, kind = "", ""
        if self.detail is not None:
            text, kind = self.detail.summary, ("ok" if self.detail.clean else "warn")
        elif self.report is not None:
            text, kind = self.report.summary, ("ok" if self.report.balanced else "warn")
        self.summary.setText(text)
        set_kind(self.summary, kind)

    def _render_buttons(self) -> None:
        rec = self.reconciler
        self.run_btn.setEnabled(not self.busy)
        self.detail_btn.setEnabled(not self.busy and rec is not None)
        d = self.selected_diff()
        self.fix_btn.setEnabled(not self.busy and d is not None and not d.done_by and self.ask_supervisor is not None)
        self.export_btn.setEnabled(not self.busy and self.detail is not None)
        self.date.setEnabled(not self.busy)

    def _start(self, text: str) -> None:
        self.busy = True
        self.note.setText(text)
        set_kind(self.note, "")
        self._render_buttons()

    def _stop(self, text: str = "", kind: str = "") -> None:
        self.busy = False
        if text:
            self.note.setText(text)
            set_kind(self.note, kind)
        self.refresh()
        self.updated.emit()

    def _fail(self, prefix: str) -> Callable[[BaseException], None]:
        def failed(e: BaseException) -> None:
            log.warning("%s %s", prefix, e)
            self._stop(prefix + user_message_of(e), "bad")
        return failed

    # 3201 --------------------------------------------------------------------------------------------------
    def run(self) -> None:
        """Totals with the platform (3201) per group, in the background."""
        if self.busy:
            return
        session = self.ctl.session
        store = session.store
        day = self.day
        groups = self.groups() if store is None else []

        def work():
            session.service.ensure_signed_in()
            if store is not None:
                return store.reconcile(session.client, day)
            out = {}
            for x in groups:
                k = x["key"]
                data = {"insutype": k[0], "clr_type": k[1], "setl_optins": k[2], "stmt_begndate": day,
                        "stmt_enddate": day, "medfee_sumamt": x["medfee"], "fund_pay_sumamt": x["fund"],
                        "acct_pay": x["acct"], "fixmedins_setl_cnt": x["n"], "refd_setl_flag": "1"}
                try:
                    d = session.client.reconcile(data).output.get("data") or {}
                    out[k] = "balanced" if str(d.get("stmt_rslt", "")) == "0" else "mismatch"
                except Exception as e:
                    out[k] = user_message_of(e)
            return out

        def done(result) -> None:
            if isinstance(result, dict):
                self.results = {k: tr(STATES.get(v, v)) for k, v in result.items()}
                self._stop(self.tr("总账对账完成"), "ok")
                return
            self.report, self.results = result, {}
            self._stop(result.summary, "ok" if result.balanced else "warn")

        self._start(self.tr("正在与医保平台对总账（3201）…"))
        Op(self.ctl.runner, self.tr("对账 (3201)"), work).success(done).failure(self._fail(self.tr("对账失败："))).run()

    # 3202 --------------------------------------------------------------------------------------------------
    def operator_id(self) -> str:
        op = self.ctl.operator
        return op.id if op is not None else ""

    def run_detail(self) -> None:
        """The detail reconciliation (3201 per group, upload 9101, 3202, download 9102) in the background."""
        rec = self.reconciler
        if self.busy or rec is None:
            return
        session = self.ctl.session
        day, operator = self.day, self.operator_id()

        def work():
            session.service.ensure_signed_in()
            return rec.reconcile_detail(session.client, day, operator=operator)

        def done(report) -> None:
            self.detail, self.report, self.results = report, None, {}
            n = len(report.open_differences)
            if report.clean:
                text, kind = self.tr("明细对账完成：本机与平台逐笔一致"), "ok"
            elif n:
                text, kind = self.tr("明细对账完成：%1 笔差异待处理，请逐笔核对后按 F10 处理") \
                    .replace("%1", str(n)), "warn"
            else:
                text, kind = report.summary, "warn"
            self._stop(text, kind)
            if self.differences():
                self.diffs.setFocus()
                first_open = next((i for i, d in enumerate(self.differences()) if not d.done_by), 0)
                self.diffs.selectRow(first_open)

        self._start(self.tr("正在明细对账：上传本机明细（9101）、平台逐笔比对（3202）、下载结果（9102）…"))
        Op(self.ctl.runner, self.tr("明细对账 (3202)"), work).success(done) \
            .failure(self._fail(self.tr("明细对账失败："))).run()

    # fixes -------------------------------------------------------------------------------------------------
    def fix_selected(self) -> FixDialog | None:
        d = self.selected_diff()
        if d is None or self.busy or d.done_by:
            self.note.setText(self.tr("请先用 ↑↓ 选择一笔待处理的差异"))
            return None
        dlg = FixDialog(d, self)
        dlg.fix_requested.connect(lambda action, reason: self._authorise(d, action, reason))
        self._fix_dialog = dlg
        dlg.open()
        dlg.activateWindow()  # the reason field has the keyboard at once
        return dlg

    def _authorise(self, d: Any, action: str, reason: str) -> None:
        what = (self.tr("处理对账差异：结算 %1").replace("%1", d.setl_id or "—") + "\n" + action_label(action)
                + "\n" + self.tr("原因：") + reason)
        self.ask_supervisor(what, lambda sup: self.apply_fix(d, action, reason, sup))

    def apply_fix(self, d: Any, action: str, reason: str, supervisor: Any) -> None:
        """The supervisor authorised: the store carries the fix out (2601 / 2208 through the queue) or records
        it, journaled with the supervisor and the reason; then the run is shown again with it done."""
        rec = self.reconciler
        run_id = self.detail.run_id
        sup_id = getattr(supervisor, "id", str(supervisor))
        operator = self.operator_id()

        def work():
            result = rec.apply_fix(d.id, action, supervisor=sup_id, reason=reason, operator=operator)
            return result, rec.detail_report(run_id)

        def done(out) -> None:
            result, report = out
            if report is not None:
                self.detail = report
            self._stop(result.message + self.tr("。按 F9 重新明细对账确认。"), "ok")

        self._start(self.tr("正在处理差异（%1）…").replace("%1", action_label(action)))
        Op(self.ctl.runner, self.tr("处理对账差异"), work).success(done) \
            .failure(self._fail(self.tr("处理未完成："))).run()

    # export ------------------------------------------------------------------------------------------------
    def export_dialog(self) -> ExportDialog | None:
        if self.detail is None:
            self.note.setText(self.tr("请先明细对账（F9），再导出"))
            return None
        dlg = ExportDialog(self.day, self)
        dlg.fileSelected.connect(self.export_to)
        self._export_dialog = dlg
        dlg.open()
        dlg.activateWindow()
        return dlg

    def export_to(self, path: str) -> None:
        rec, report = self.reconciler, self.detail
        if rec is None or report is None or self.busy:
            return
        fmt = "xlsx" if path.lower().endswith(".xlsx") else "csv"

        def work():
            return str(rec.export(report, path, fmt=fmt))

        self._start(self.tr("正在导出…"))
        Op(self.ctl.runner, self.tr("导出对账结果"), work) \
            .success(lambda p: self._stop(self.tr("已导出到 %1").replace("%1", p), "ok")) \
            .failure(self._fail(self.tr("导出失败（请换一个位置或文件名）："))).run()
