"""F8 reconciliation view: a day's totals per insurance type x clearing type x clearing agency beside the
platform's verdict (3201), the detail reconciliation (9101 upload, 3202, 9102 download) listing each settlement
that does not agree with its suggested action, one-key fixes authorised by a supervisor, export for the finance
office (CSV / XLSX) and the history of runs for the day.

Everything that touches the platform or the journal runs in a background op (terminal.ui.ops); this module only
renders and forwards. The store side is terminal.store.reconcile.Reconciler.
"""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QDialog, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from terminal.core.errors import user_message_of
from terminal.core.models import INSUTYPE_NAMES
from terminal.core.money import ZERO, fmt_yuan
from terminal.core.privacy import mask_id
from terminal.core.regions import place_name

from .ops import Op
from .widgets import KeyButton, set_kind

log = logging.getLogger(__name__)

_CTX = "Reconcile"

#: clr_type (清算类别) as the national dictionary names it
CLR_TYPE_NAMES = {"11": QT_TRANSLATE_NOOP("Reconcile", "门诊"), "14": QT_TRANSLATE_NOOP("Reconcile", "门诊慢特病"),
                  "21": QT_TRANSLATE_NOOP("Reconcile", "住院"), "41": QT_TRANSLATE_NOOP("Reconcile", "定点药店购药"),
                  "99": QT_TRANSLATE_NOOP("Reconcile", "其他")}

STATES = {"balanced": QT_TRANSLATE_NOOP("Reconcile", "平"),
          "mismatch": QT_TRANSLATE_NOOP("Reconcile", "不平"),
          "refused": QT_TRANSLATE_NOOP("Reconcile", "平台拒绝"),
          "queued": QT_TRANSLATE_NOOP("Reconcile", "已排队（平台离线）"),
          "": QT_TRANSLATE_NOOP("Reconcile", "未对账")}

KINDS = {"only_terminal": QT_TRANSLATE_NOOP("Reconcile", "仅本机有"),
         "only_platform": QT_TRANSLATE_NOOP("Reconcile", "仅平台有"),
         "amount": QT_TRANSLATE_NOOP("Reconcile", "金额不符"),
         "status": QT_TRANSLATE_NOOP("Reconcile", "状态不符")}
CANCEL_LINE = QT_TRANSLATE_NOOP("Reconcile", "（撤销记录）")

ACTIONS = {"reverse": QT_TRANSLATE_NOOP("Reconcile", "冲正（2601），撤回平台上的这笔结算"),
           "cancel": QT_TRANSLATE_NOOP("Reconcile", "撤销结算（2208）"),
           "settled_elsewhere": QT_TRANSLATE_NOOP("Reconcile", "登记为其他系统结算"),
           "record_cancel": QT_TRANSLATE_NOOP("Reconcile", "登记为平台已撤销/冲正"),
           "resend": QT_TRANSLATE_NOOP("Reconcile", "重新发送"),
           "none": QT_TRANSLATE_NOOP("Reconcile", "登记知悉（交医保经办机构核实）")}

PLAT_STATUS = {"booked": QT_TRANSLATE_NOOP("Reconcile", "已记账"), "cancelled": QT_TRANSLATE_NOOP("Reconcile", "已撤销"),
               "reversed": QT_TRANSLATE_NOOP("Reconcile", "已冲正"), "": QT_TRANSLATE_NOOP("Reconcile", "无")}

DETAIL_STATES = {"agreed": QT_TRANSLATE_NOOP("Reconcile", "明细一致"), "differences": QT_TRANSLATE_NOOP("Reconcile", "有差异"),
                 "refused": QT_TRANSLATE_NOOP("Reconcile", "平台拒绝")}

AMOUNT_KEYS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def insutype_label(code: str) -> str:
    name = INSUTYPE_NAMES.get(code or "")
    return f"{code} {name}" if name else (code or "—")


def clr_type_label(code: str) -> str:
    name = CLR_TYPE_NAMES.get(code or "")
    return f"{code} {tr(name)}" if name else (code or "—")


def optins_label(code: str) -> str:
    name = place_name(code) if code else ""
    return f"{code} {name}" if name and name != code else (code or "—")


def action_label(action: str) -> str:
    return tr(ACTIONS[action]) if action in ACTIONS else action


def kind_label(d: Any) -> str:
    text = tr(KINDS[d.kind]) if d.kind in KINDS else d.kind
    return text + (tr(CANCEL_LINE) if getattr(d, "refd_setl_flag", "0") == "1" else "")


def _yuan(v: Any) -> str:
    if v in (None, ""):
        return "—"
    try:
        return fmt_yuan(v)
    except (ValueError, ArithmeticError):
        return str(v)


def side(d: Any, which: str) -> list[str]:
    """The three amounts of one side ('terminal' / 'platform') of a difference, '—' where it has none."""
    amounts = getattr(d, which, None) or {}
    return [_yuan(amounts.get(k)) for k in AMOUNT_KEYS]


def amounts_text(d: Any, which: str) -> str:
    """'¥480.20 / ¥0.00 / ¥480.20' (total / fund / personal account), '—' when that side has nothing."""
    vals = side(d, which)
    return "—" if all(v == "—" for v in vals) else " / ".join(vals)


def person_label(d: Any) -> str:
    """The person as the cashier may see it: the personnel number masked (region and last 4 digits)."""
    psn = getattr(d, "psn_no", "") or ""
    return mask_id(psn) if psn else "—"


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setTabKeyNavigation(False)  # Tab leaves the table (keyboard users move between the parts of the view)
    t.setWordWrap(False)
    h = t.horizontalHeader()
    h.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # the last column (words) takes what is left, elided, its full text in the tooltip: nothing pushed off-screen
    h.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    t.setTextElideMode(Qt.TextElideMode.ElideRight)
    return t


def _fill(t: QTableWidget, rows: list[list[str]], right: set[int] = frozenset()) -> None:
    t.setRowCount(len(rows))
    for r, vals in enumerate(rows):
        for c, v in enumerate(vals):
            cell = QTableWidgetItem(v)
            cell.setToolTip(v)
            if c in right:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            t.setItem(r, c, cell)


class _DayEdit(QDateEdit):
    """A date field where Up / Down move a day whichever way it got the focus."""

    def focusInEvent(self, ev) -> None:
        super().focusInEvent(ev)
        self.setCurrentSection(QDateEdit.Section.DaySection)


class FixDialog(QDialog):
    """One difference: what it is, what the journal advises, the action (the suggested one preselected, only
    those the store allows for it) and the reason. Then the window asks for the supervisor (ID + PIN)."""

    #: (action, reason)
    fix_requested = Signal(str, str)

    def __init__(self, diff: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reconcileFixDialog")
        self.setWindowTitle(self.tr("处理对账差异"))
        self.setModal(True)
        self.diff = diff
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 20)
        lay.setSpacing(10)
        head = QLabel(self.tr("结算 %1：%2").replace("%1", diff.setl_id or "—").replace("%2", kind_label(diff)))
        head.setObjectName("dialogTitle")
        head.setWordWrap(True)
        lay.addWidget(head)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow(self.tr("参保人"), QLabel(person_label(diff)))
        form.addRow(self.tr("本机 总额 / 基金 / 个人账户"), QLabel(amounts_text(diff, "terminal")))
        form.addRow(self.tr("平台 总额 / 基金 / 个人账户"), QLabel(amounts_text(diff, "platform")))
        lay.addLayout(form)
        if diff.advice:
            advice = QLabel(diff.advice)
            advice.setObjectName("fixAdvice")
            advice.setWordWrap(True)
            lay.addWidget(advice)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.action = QComboBox()
        self.action.setObjectName("fixAction")
        for key in (diff.allowed or [diff.suggested]):
            self.action.addItem(action_label(key) + (self.tr("（建议）") if key == diff.suggested else ""), key)
        self.action.setCurrentIndex(max(0, self.action.findData(diff.suggested)))
        form.addRow(self.tr("处理方式(&A)"), self.action)
        self.reason = QLineEdit()
        self.reason.setObjectName("fixReason")
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText(self.tr("原因（记入交易日志），例如：已与医保中心电话核实"))
        form.addRow(self.tr("原因(&R)"), self.reason)
        lay.addLayout(form)
        note = QLabel(self.tr("填写原因后按回车，由主管输入编号和 PIN 授权。"))
        note.setObjectName("dialogHint")
        note.setWordWrap(True)
        lay.addWidget(note)
        row = QHBoxLayout()
        self.ok_btn = QPushButton(self.tr("主管授权并处理…"))
        self.ok_btn.setObjectName("fixConfirm")
        self.ok_btn.setAutoDefault(False)
        self.ok_btn.setEnabled(False)
        cancel = QPushButton(self.tr("取消"))
        cancel.setObjectName("fixCancel")
        cancel.setAutoDefault(False)
        row.addWidget(self.ok_btn)
        row.addStretch(1)
        row.addWidget(cancel)
        lay.addLayout(row)
        self.reason.textChanged.connect(lambda t: self.ok_btn.setEnabled(len(t.strip()) >= 2))
        self.reason.returnPressed.connect(self._ok)
        self.ok_btn.clicked.connect(self._ok)
        cancel.clicked.connect(self.reject)
        self.setMinimumWidth(680)
        self.reason.setFocus()

    def keyPressEvent(self, ev) -> None:
        # Enter belongs to the reason field; the dialog must not close on it with the wrong button
        if ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            ev.accept()
            return
        super().keyPressEvent(ev)

    def _ok(self) -> None:
        reason = self.reason.text().strip()
        if len(reason) < 2:
            self.reason.setFocus()
            return
        self.fix_requested.emit(self.action.currentData(), reason)
        self.accept()


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
        self.table = _table([self.tr("险种"), self.tr("清算类别"), self.tr("清算机构"), self.tr("笔数"),
                             self.tr("医疗费总额"), self.tr("基金支付"), self.tr("个人账户"), self.tr("平台结果 (3201)"),
                             self.tr("平台笔数"), self.tr("平台总额"), self.tr("平台基金"),
                             self.tr("明细 (3202)")], "reconcileTable")
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
        self.diffs = _table([self.tr("差异"), self.tr("结算ID"), self.tr("参保人"),
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
        self.history = _table([self.tr("时间"), self.tr("类型"), self.tr("操作员 / 主管"), self.tr("结果"),
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
            except Exception as e:  # noqa: BLE001
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
            return self._session_groups()
        try:
            groups = rec.groups(self.day)
            stored = rec.results(self.day)  # latest first
        except Exception as e:  # noqa: BLE001
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

    def _session_groups(self) -> list[dict]:
        """No journal module (use_store off): the session's own settlements of today."""
        from .journal import journal_records

        if self.day != date.today().isoformat():
            return []
        g: dict[tuple, dict] = {}
        for r in journal_records(self.ctl.session):
            if r.status == "cancelled":
                continue
            k = (r.insutype, r.clr_type or "11", r.clr_optins or r.insuplc)
            x = g.setdefault(k, {"key": k, "n": 0, "medfee": ZERO, "fund": ZERO, "acct": ZERO, "state": "",
                                 "dscr": "", "detail": None})
            x["n"] += 1
            x["medfee"] += r.amount("medfee_sumamt")
            x["fund"] += r.amount("fund_pay_sumamt")
            x["acct"] += r.amount("acct_pay")
        return list(g.values())

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
                plat = [str(dg.platform_count) if p else "—", _yuan(p.get("medfee_sumamt")),
                        _yuan(p.get("fund_pay_sumamt")),
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
        _fill(self.table, rows, right={3, 4, 5, 6, 8, 9, 10})
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
        _fill(self.diffs, rows, right={3, 4})
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
            self.diff_label.setText(self.tr("明细差异：无，本机与平台逐笔一致（%1）").replace("%1", self.detail.created))
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
            except Exception as e:  # noqa: BLE001
                log.warning("reconciliation history unavailable: %s", e)
        rows = []
        for h in reversed(self.runs):  # the latest first
            if h.get("type") == "fix":
                rows.append([h.get("created") or "", self.tr("差异处理"), self.tr("主管 ") + (h.get("supervisor") or ""),
                             action_label(h.get("action") or "") + " " + (h.get("setl_id") or ""),
                             (h.get("reason") or "") + "；" + (h.get("result") or "")])
            else:
                n, open_n = int(h.get("differences") or 0), int(h.get("open") or 0)
                res = self.tr("一致") if n == 0 else self.tr("%1 笔差异（待处理 %2）").replace("%1", str(n)) \
                    .replace("%2", str(open_n))
                rows.append([h.get("created") or "", self.tr("明细对账"), h.get("operator") or "", res,
                             h.get("summary") or ""])
        _fill(self.history, rows)

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
                except Exception as e:  # noqa: BLE001
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
                text, kind = self.tr("明细对账完成：%1 笔差异待处理，请逐笔核对后按 F10 处理").replace("%1", str(n)), "warn"
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
    def export_dialog(self) -> QFileDialog | None:
        if self.detail is None:
            self.note.setText(self.tr("请先明细对账（F9），再导出"))
            return None
        csv_f, xlsx_f = self.tr("CSV 文件 (*.csv)"), self.tr("Excel 工作簿 (*.xlsx)")
        start = Path.home() / f"对账_{self.day}.csv"
        dlg = QFileDialog(self, self.tr("导出对账结果"), str(start), ";;".join([csv_f, xlsx_f]))
        dlg.setObjectName("reconcileExportDialog")
        dlg.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setFileMode(QFileDialog.FileMode.AnyFile)
        dlg.setLabelText(QFileDialog.DialogLabel.LookIn, self.tr("位置："))
        dlg.setLabelText(QFileDialog.DialogLabel.FileName, self.tr("文件名："))
        dlg.setLabelText(QFileDialog.DialogLabel.FileType, self.tr("文件类型："))
        dlg.setLabelText(QFileDialog.DialogLabel.Accept, self.tr("保存"))
        dlg.setLabelText(QFileDialog.DialogLabel.Reject, self.tr("取消"))
        dlg.selectNameFilter(csv_f)
        dlg.setDefaultSuffix("csv")
        dlg.filterSelected.connect(lambda f: dlg.setDefaultSuffix("xlsx" if f == xlsx_f else "csv"))
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
