"""F8 reconciliation view: a day's totals per insurance type x clearing type x clearing agency beside the
platform's verdict (3201), the detail reconciliation (9101 upload, 3202, 9102 download) listing each settlement
that does not agree with its suggested action, one-key fixes authorised by a supervisor, export for the finance
office (CSV / XLSX) and the history of runs for the day.

Everything that touches the platform or the journal runs in a background op (terminal.ui.ops); this module only
renders and forwards. The store side is terminal.store.reconcile.Reconciler.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QDialog, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from terminal.core.models import INSUTYPE_NAMES
from terminal.core.money import ZERO, fmt_yuan
from terminal.core.privacy import mask_id, mask_name
from terminal.core.regions import place_name

from .ops import Op
from .widgets import KeyButton, set_kind

log = logging.getLogger("terminal.ui.reconcile")

_CTX = "Reconcile"

#: clr_type (清算类别) as the national dictionary names it
CLR_TYPE_NAMES = {"11": QT_TRANSLATE_NOOP(_CTX, "门诊"), "14": QT_TRANSLATE_NOOP(_CTX, "门诊慢特病"),
                  "21": QT_TRANSLATE_NOOP(_CTX, "住院"), "41": QT_TRANSLATE_NOOP(_CTX, "定点药店购药"),
                  "99": QT_TRANSLATE_NOOP(_CTX, "其他")}

STATES = {"balanced": QT_TRANSLATE_NOOP(_CTX, "平"),
          "mismatch": QT_TRANSLATE_NOOP(_CTX, "不平"),
          "refused": QT_TRANSLATE_NOOP(_CTX, "平台拒绝"),
          "queued": QT_TRANSLATE_NOOP(_CTX, "已排队（平台离线）"),
          "": QT_TRANSLATE_NOOP(_CTX, "未对账")}

KINDS = {"only_terminal": QT_TRANSLATE_NOOP(_CTX, "仅本机有（平台未记账或已冲正）"),
         "only_platform": QT_TRANSLATE_NOOP(_CTX, "仅平台有（本机无记录）"),
         "amount": QT_TRANSLATE_NOOP(_CTX, "金额不一致"),
         "status": QT_TRANSLATE_NOOP(_CTX, "状态不一致（一方已撤销/冲正）")}

ACTIONS = {"reverse": QT_TRANSLATE_NOOP(_CTX, "冲正（2601），撤回平台上的这笔结算"),
           "cancel": QT_TRANSLATE_NOOP(_CTX, "撤销结算（2208）"),
           "settled_elsewhere": QT_TRANSLATE_NOOP(_CTX, "记为在其他系统结算（本机补记，不发平台）"),
           "resend": QT_TRANSLATE_NOOP(_CTX, "重新发送本机记录"),
           "none": QT_TRANSLATE_NOOP(_CTX, "无需处理，仅记录已核对")}

PLAT_STATUS = {"booked": QT_TRANSLATE_NOOP(_CTX, "已记账"), "cancelled": QT_TRANSLATE_NOOP(_CTX, "已撤销"),
               "reversed": QT_TRANSLATE_NOOP(_CTX, "已冲正"), "": QT_TRANSLATE_NOOP(_CTX, "无")}

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


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    """A field of a dataclass or a dict, under the first of ``names`` it has."""
    for n in names:
        v = obj.get(n) if isinstance(obj, dict) else getattr(obj, n, None)
        if v is not None:
            return v
    return default


def side_amounts(diff: Any, side: str) -> dict[str, Any]:
    """{medfee_sumamt, fund_pay_sumamt, acct_pay} of one side ('terminal' / 'platform') of a difference;
    values None when that side has none (only on the other side)."""
    nested = _get(diff, side, f"{side}_amounts")
    out: dict[str, Any] = {}
    for k in AMOUNT_KEYS:
        if isinstance(nested, dict):
            v = nested.get(k)
        elif nested is not None:
            v = getattr(nested, k, None)
        else:
            v = _get(diff, ("plat_" + k) if side == "platform" else k)
        out[k] = None if v in (None, "") else v
    return out


def _yuan(v: Any) -> str:
    if v is None:
        return "—"
    try:
        return fmt_yuan(v)
    except (ValueError, ArithmeticError):
        return str(v)


def person_label(diff: Any) -> str:
    name = _get(diff, "psn_name", default="")
    psn = _get(diff, "psn_no", default="")
    parts = [mask_name(name) if name else "", mask_id(psn) if psn else ""]
    return " ".join(p for p in parts if p) or "—"


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
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
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


class FixDialog(QDialog):
    """One difference: what it is, the action (the suggested one preselected) and the reason. Then the
    window asks for the supervisor (ID + PIN) and the view applies the fix."""

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
        head = QLabel(self.tr("结算 %1：%2").replace("%1", str(_get(diff, "setl_id", default="") or "—"))
                      .replace("%2", tr(KINDS.get(_get(diff, "kind", default=""), _get(diff, "kind", default="")))))
        head.setObjectName("dialogTitle")
        head.setWordWrap(True)
        lay.addWidget(head)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        t, p = side_amounts(diff, "terminal"), side_amounts(diff, "platform")
        form.addRow(self.tr("参保人"), QLabel(person_label(diff)))
        form.addRow(self.tr("本机"), QLabel(" / ".join(_yuan(t[k]) for k in AMOUNT_KEYS)))
        form.addRow(self.tr("平台"), QLabel(" / ".join(_yuan(p[k]) for k in AMOUNT_KEYS)))
        self.action = QComboBox()
        self.action.setObjectName("fixAction")
        suggested = _get(diff, "action", "suggested", "suggested_action", default="none")
        for key in ACTIONS:
            self.action.addItem(tr(ACTIONS[key]) + (self.tr("（建议）") if key == suggested else ""), key)
        self.action.setCurrentIndex(max(0, self.action.findData(suggested)))
        form.addRow(self.tr("处理方式"), self.action)
        self.reason = QLineEdit()
        self.reason.setObjectName("fixReason")
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText(self.tr("原因（记入交易日志），例如：已与医保中心电话核实"))
        form.addRow(self.tr("原因"), self.reason)
        lay.addLayout(form)
        note = QLabel(self.tr("金额说明：医疗费总额 / 基金支付 / 个人账户。确认后需主管输入编号和 PIN 授权。"))
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
        self.reason.textChanged.connect(lambda s: self.ok_btn.setEnabled(len(s.strip()) >= 2))
        self.reason.returnPressed.connect(self._ok)
        self.ok_btn.clicked.connect(self._ok)
        cancel.clicked.connect(self.reject)
        self.setMinimumWidth(620)
        self.action.setFocus()

    def _ok(self) -> None:
        reason = self.reason.text().strip()
        if len(reason) < 2:
            self.reason.setFocus()
            return
        self.fix_requested.emit(self.action.currentData(), reason)
        self.accept()


class ReconcileDialog(QDialog):
    """F8: the day's reconciliation (see the module docstring)."""

    #: emitted after a detail run, a fix or an export finished (tests and the window listen)
    updated = Signal()

    def __init__(self, ctl, parent: QWidget | None = None, ask_supervisor: Callable | None = None):
        super().__init__(parent)
        self.setObjectName("reconcileDialog")
        self.setWindowTitle(self.tr("对账（总账与明细）"))
        self.ctl = ctl
        self.ask_supervisor = ask_supervisor
        self.results: dict[tuple, str] = {}
        self.report: Any = None  # the last 3201 (ReconcileReport)
        self.detail: Any = None  # the last detail run (DetailReport)
        self.busy = False
        self.fixing: set[Any] = set()
        self.fixed: dict[Any, str] = {}

        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 10, 12, 10)
        top = QHBoxLayout()
        lab = QLabel(self.tr("对账日期(&D)"))
        self.date = QDateEdit(QDate.currentDate())
        self.date.setObjectName("reconcileDate")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setMaximumDate(QDate.currentDate())
        lab.setBuddy(self.date)
        top.addWidget(lab)
        top.addWidget(self.date)
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
                             self.tr("医疗费总额"), self.tr("基金支付"), self.tr("个人账户"), self.tr("平台结果"),
                             self.tr("平台说明")], "reconcileTable")
        bl.addWidget(self.table)
        split.addWidget(box)

        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        self.diff_label = QLabel(self.tr("明细差异（按 F9 明细对账）"))
        bl.addWidget(self.diff_label)
        self.diffs = _table([self.tr("差异"), self.tr("结算ID"), self.tr("参保人"), self.tr("本机总额"),
                             self.tr("本机基金"), self.tr("本机个人账户"), self.tr("平台总额"), self.tr("平台基金"),
                             self.tr("平台个人账户"), self.tr("平台状态"), self.tr("建议处理"), self.tr("处理结果")],
                            "reconcileDiffs")
        bl.addWidget(self.diffs)
        split.addWidget(box)

        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(QLabel(self.tr("本日对账记录")))
        self.history = _table([self.tr("时间"), self.tr("类型"), self.tr("操作员"), self.tr("结果"), self.tr("说明")],
                              "reconcileHistory")
        bl.addWidget(self.history)
        split.addWidget(box)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 4)
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
        self.export_btn = KeyButton("Ctrl+E", self.tr("导出"), self, object_name="reconcileExport")
        self.close_btn = KeyButton("Esc", self.tr("关闭"), self, object_name="reconcileClose")
        for b in (self.run_btn, self.detail_btn, self.fix_btn, self.export_btn):
            b.setMinimumHeight(44)
            brow.addWidget(b, 1)
        brow.addStretch(0)
        brow.addWidget(self.close_btn)
        lay.addLayout(brow)

        self.run_btn.clicked.connect(self.run)
        self.detail_btn.clicked.connect(self.run_detail)
        self.fix_btn.clicked.connect(self.fix_selected)
        self.export_btn.clicked.connect(self.export_dialog)
        self.close_btn.clicked.connect(self.reject)
        self.date.dateChanged.connect(self._day_changed)
        self.diffs.itemSelectionChanged.connect(self._render_buttons)
        self.resize(1280, 720)
        self.refresh()
        self.diffs.setFocus()

    # state ---------------------------------------------------------------------------------------------
    @property
    def store(self):
        return self.ctl.session.store

    @property
    def reconciler(self):
        s = self.store
        return getattr(s, "reconciler", None) if s is not None else None

    @property
    def day(self) -> str:
        return self.date.date().toString("yyyy-MM-dd")

    def set_day(self, day: str | date) -> None:
        d = day if isinstance(day, date) else datetime.strptime(day, "%Y-%m-%d").date()
        self.date.setDate(QDate(d.year, d.month, d.day))

    def _day_changed(self, *_a) -> None:
        self.results, self.report, self.detail = {}, None, None
        self.fixed.clear()
        self.note.clear()
        self.refresh()

    def differences(self) -> list[Any]:
        return list(_get(self.detail, "differences", default=[]) or []) if self.detail is not None else []

    def selected_diff(self) -> Any:
        r = self.diffs.currentRow()
        ds = self.differences()
        return ds[r] if 0 <= r < len(ds) else None

    def _diff_done(self, d: Any) -> str:
        did = _get(d, "id")
        if did in self.fixed:
            return self.fixed[did]
        by = _get(d, "done_by", default="")
        if by:
            return self.tr("已处理：主管 %1 %2").replace("%1", str(by)).replace("%2", str(_get(d, "done_at", default="")))
        return ""

    # rendering --------------------------------------------------------------------------------------------
    def groups(self) -> list[dict]:
        """Per group: terminal totals and count, and the platform's verdict when there is one."""
        if self.detail is not None:
            src = list(_get(self.detail, "groups", default=[]) or [])
        elif self.report is not None and self.report.day == self.day:
            src = list(self.report.groups)
        else:
            src = []
            rec = self.reconciler
            if rec is not None:
                try:
                    src = rec.groups(self.day)
                except Exception as e:  # noqa: BLE001
                    self.note.setText(self.tr("读取本地日志失败：") + getattr(e, "user_message", str(e)))
            else:
                src = self._session_groups()
        out = []
        for g in src:
            key = (_get(g, "insutype", default=""), _get(g, "clr_type", default=""),
                   _get(g, "setl_optins", default=""))
            out.append({"key": key, "n": _get(g, "count", "fixmedins_setl_cnt", "n", default=0),
                        "medfee": _get(g, "medfee_sumamt", "medfee", default=ZERO),
                        "fund": _get(g, "fund_pay_sumamt", "fund", default=ZERO),
                        "acct": _get(g, "acct_pay", "acct", default=ZERO),
                        "state": _get(g, "state", default=""), "dscr": _get(g, "stmt_rslt_dscr", default="")})
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
            x = g.setdefault(k, {"insutype": k[0], "clr_type": k[1], "setl_optins": k[2], "count": 0,
                                 "medfee_sumamt": ZERO, "fund_pay_sumamt": ZERO, "acct_pay": ZERO, "state": ""})
            x["count"] += 1
            x["medfee_sumamt"] += r.amount("medfee_sumamt")
            x["fund_pay_sumamt"] += r.amount("fund_pay_sumamt")
            x["acct_pay"] += r.amount("acct_pay")
        return list(g.values())

    def refresh(self) -> None:
        rows = []
        bad = []
        for n, x in enumerate(sorted(self.groups(), key=lambda x: x["key"])):
            k = x["key"]
            state = x.get("state") or ""
            res = self.results.get(k) or tr(STATES.get(state, state))
            rows.append([insutype_label(k[0]), clr_type_label(k[1]), optins_label(k[2]), str(x["n"]),
                         fmt_yuan(x["medfee"]), fmt_yuan(x["fund"]), fmt_yuan(x["acct"]), res,
                         "" if state == "balanced" else str(x.get("dscr") or "")])
            if state and state != "balanced":
                bad.append(n)
        _fill(self.table, rows, right={3, 4, 5, 6})
        for n in bad:
            self.table.item(n, 7).setForeground(Qt.GlobalColor.darkRed)
        self._render_diffs()
        self._render_history()
        self._render_summary()
        self._render_buttons()

    def _render_diffs(self) -> None:
        rows = []
        for d in self.differences():
            kind = _get(d, "kind", default="")
            t, p = side_amounts(d, "terminal"), side_amounts(d, "platform")
            act = _get(d, "action", "suggested", "suggested_action", default="none")
            pst = _get(d, "plat_status", "platform_status", default="")
            rows.append([tr(KINDS.get(kind, kind)), str(_get(d, "setl_id", default="") or "—"), person_label(d),
                         *(_yuan(t[k]) for k in AMOUNT_KEYS), *(_yuan(p[k]) for k in AMOUNT_KEYS),
                         tr(PLAT_STATUS.get(pst, pst)), tr(ACTIONS.get(act, act)), self._diff_done(d)])
        cur = self.diffs.currentRow()
        _fill(self.diffs, rows, right={3, 4, 5, 6, 7, 8})
        if rows:
            self.diffs.selectRow(min(max(cur, 0), len(rows) - 1))
        n = len(rows)
        open_n = sum(1 for d in self.differences() if not self._diff_done(d))
        if self.detail is None:
            self.diff_label.setText(self.tr("明细差异（按 F9 明细对账）"))
        elif n == 0:
            self.diff_label.setText(self.tr("明细差异：无，本机与平台逐笔一致"))
        else:
            self.diff_label.setText(self.tr("明细差异：%1 笔，待处理 %2 笔（选中后按 F10 处理）")
                                    .replace("%1", str(n)).replace("%2", str(open_n)))

    def _render_history(self) -> None:
        rec = self.reconciler
        rows = []
        if rec is not None and hasattr(rec, "history"):
            try:
                runs = rec.history(self.day)
            except Exception as e:  # noqa: BLE001
                runs = []
                log.warning("reconciliation history unavailable: %s", e)
            for h in runs:
                kind = _get(h, "kind", "type", default="detail")
                rows.append([str(_get(h, "created", "time", "started", default="")),
                             self.tr("明细") if kind == "detail" else (self.tr("总账") if kind == "total" else
                                                                      self.tr("自动") if kind == "scheduled" else
                                                                      str(kind)),
                             str(_get(h, "operator", "opter", default="") or ""),
                             self._history_result(h), str(_get(h, "summary", "memo", default="") or "")])
        _fill(self.history, rows)

    def _history_result(self, h: Any) -> str:
        n = _get(h, "differences", "diff_count", "n_differences", default=None)
        if isinstance(n, (list, tuple)):
            n = len(n)
        if n is None:
            st = _get(h, "state", "result", default="")
            return tr(STATES.get(st, st))
        return self.tr("一致") if int(n) == 0 else self.tr("%1 笔差异").replace("%1", str(n))

    def _render_summary(self) -> None:
        text, kind = "", ""
        if self.detail is not None:
            text = str(_get(self.detail, "summary", default="") or "")
            open_n = sum(1 for d in self.differences() if not self._diff_done(d))
            kind = "warn" if open_n else "ok"
            if not text:
                text = (self.tr("%1 明细对账一致").replace("%1", self.day) if not self.differences() else
                        self.tr("%1 明细对账：%2 笔差异").replace("%1", self.day)
                        .replace("%2", str(len(self.differences()))))
        elif self.report is not None:
            text = self.report.summary
            kind = "ok" if self.report.balanced else "warn"
        self.summary.setText(text)
        set_kind(self.summary, kind)

    def _render_buttons(self) -> None:
        has_rec = self.reconciler is not None
        self.run_btn.setEnabled(not self.busy)
        self.detail_btn.setEnabled(not self.busy and has_rec and hasattr(self.reconciler, "reconcile_detail"))
        d = self.selected_diff()
        self.fix_btn.setEnabled(not self.busy and d is not None and not self._diff_done(d)
                                and _get(d, "id") not in self.fixing)
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
            log.warning("%s failed: %s", prefix, e)
            self._stop(prefix + getattr(e, "user_message", str(e)), "bad")
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
                    out[k] = getattr(e, "user_message", str(e))
            return out

        def done(result) -> None:
            if isinstance(result, dict):
                self.results = {k: tr(STATES.get(v, v)) for k, v in result.items()}
                self._stop(self.tr("总账对账完成"), "ok")
                return
            self.report, self.detail = result, None
            self.results = {}
            self._stop(result.summary, "ok" if result.balanced else "warn")

        self._start(self.tr("正在与医保平台对总账（3201）…"))
        Op(self.ctl.runner, self.tr("对账 (3201)"), work).success(done).failure(self._fail(self.tr("对账失败："))).run()

    # 3202 --------------------------------------------------------------------------------------------------
    def operator_id(self) -> str:
        op = self.ctl.operator
        return op.id if op is not None else ""

    def run_detail(self) -> None:
        """The detail reconciliation (upload 9101, 3202, download 9102) in the background."""
        rec = self.reconciler
        if self.busy or rec is None:
            return
        session = self.ctl.session
        day, operator = self.day, self.operator_id()

        def work():
            session.service.ensure_signed_in()
            return rec.reconcile_detail(session.client, day, operator=operator)

        def done(report) -> None:
            self.detail, self.report = report, None
            self.results = {}
            self.fixed.clear()
            n = len(self.differences())
            self._stop(self.tr("明细对账完成：本机与平台逐笔一致") if n == 0 else
                       self.tr("明细对账完成：发现 %1 笔差异，请逐笔核对；选中后按 F10 处理").replace("%1", str(n)),
                       "ok" if n == 0 else "warn")
            if n:
                self.diffs.setFocus()
                self.diffs.selectRow(0)

        self._start(self.tr("正在明细对账：上传本机明细（9101）、平台比对（3202）、下载结果（9102）…"))
        Op(self.ctl.runner, self.tr("明细对账 (3202)"), work).success(done) \
            .failure(self._fail(self.tr("明细对账失败："))).run()

    # fixes -------------------------------------------------------------------------------------------------
    def fix_selected(self) -> FixDialog | None:
        d = self.selected_diff()
        if d is None or self.busy or self._diff_done(d):
            self.note.setText(self.tr("请先选择一笔待处理的差异"))
            return None
        dlg = FixDialog(d, self)
        dlg.fix_requested.connect(lambda action, reason: self._authorise(d, action, reason))
        dlg.open()
        return dlg

    def _authorise(self, d: Any, action: str, reason: str) -> None:
        if self.ask_supervisor is None:
            self.note.setText(self.tr("无法请求主管授权"))
            return
        what = (self.tr("处理对账差异：结算 %1").replace("%1", str(_get(d, "setl_id", default="") or "—")) + "\n"
                + tr(ACTIONS.get(action, action)) + "\n" + self.tr("原因：") + reason)
        self.ask_supervisor(what, lambda sup: self.apply_fix(d, action, reason, sup))

    def apply_fix(self, d: Any, action: str, reason: str, supervisor: Any) -> None:
        rec = self.reconciler
        did = _get(d, "id")
        sup_id = getattr(supervisor, "id", supervisor)
        self.fixing.add(did)

        def work():
            if action in ("reverse", "cancel", "resend"):
                self.ctl.session.service.ensure_signed_in()
            return rec.apply_fix(did, action, supervisor=sup_id, reason=reason)

        def done(result) -> None:
            self.fixing.discard(did)
            msg = str(_get(result, "message", "summary", default="") or "") if result is not None else ""
            self.fixed[did] = self.tr("已处理：%1（主管 %2）").replace("%1", tr(ACTIONS.get(action, action))) \
                .replace("%2", str(sup_id))
            self._stop(msg or self.tr("差异已处理并记入交易日志。按 F9 重新明细对账确认。"), "ok")

        def failed(e: BaseException) -> None:
            self.fixing.discard(did)
            self._fail(self.tr("处理失败："))(e)

        self._start(self.tr("正在处理差异（%1）…").replace("%1", tr(ACTIONS.get(action, action))))
        Op(self.ctl.runner, self.tr("处理对账差异"), work).success(done).failure(failed).run()

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

        def filter_chosen(f: str) -> None:
            suffix = "xlsx" if f == xlsx_f else "csv"
            dlg.setDefaultSuffix(suffix)
            names = dlg.selectedFiles()
            if names:
                dlg.selectFile(str(Path(names[0]).with_suffix("." + suffix).name))

        dlg.filterSelected.connect(filter_chosen)
        dlg.fileSelected.connect(self.export_to)
        self._export_dialog = dlg
        dlg.open()
        return dlg

    def export_to(self, path: str) -> None:
        rec, report = self.reconciler, self.detail
        if rec is None or report is None or self.busy:
            return
        fmt = "xlsx" if path.lower().endswith(".xlsx") else "csv"

        def work():
            rec.export(report, path, fmt=fmt)
            return path

        self._start(self.tr("正在导出…"))
        Op(self.ctl.runner, self.tr("导出对账结果"), work) \
            .success(lambda p: self._stop(self.tr("已导出到 %1").replace("%1", p), "ok")) \
            .failure(self._fail(self.tr("导出失败（请换一个位置或文件名）："))).run()

