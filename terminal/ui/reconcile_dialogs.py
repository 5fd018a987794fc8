"""The F8 reconciliation view's own dialogs (terminal.ui.reconcile.ReconcileDialog opens them and does the work):
one difference, where the action and the reason are chosen before a supervisor authorises the fix; and where
the finance office's export goes (CSV or XLSX)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from .reconcile_labels import action_label, amounts_text, kind_label, person_label


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

    def keyPressEvent(self, ev: QKeyEvent) -> None:
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


class ExportDialog(QFileDialog):
    """Where to save the day's detail reconciliation: Qt's own dialog (the same on every desk, keyboard first),
    a name proposed in the home folder, CSV or Excel by the chosen filter."""

    def __init__(self, day: str, parent: QWidget | None = None):
        csv_f, xlsx_f = self.tr("CSV 文件 (*.csv)"), self.tr("Excel 工作簿 (*.xlsx)")
        start = Path.home() / f"对账_{day}.csv"
        super().__init__(parent, self.tr("导出对账结果"), str(start), ";;".join([csv_f, xlsx_f]))
        self.setObjectName("reconcileExportDialog")
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.setFileMode(QFileDialog.FileMode.AnyFile)
        self.setLabelText(QFileDialog.DialogLabel.LookIn, self.tr("位置："))
        self.setLabelText(QFileDialog.DialogLabel.FileName, self.tr("文件名："))
        self.setLabelText(QFileDialog.DialogLabel.FileType, self.tr("文件类型："))
        self.setLabelText(QFileDialog.DialogLabel.Accept, self.tr("保存"))
        self.setLabelText(QFileDialog.DialogLabel.Reject, self.tr("取消"))
        self.selectNameFilter(csv_f)
        self.setDefaultSuffix("csv")
        self.filterSelected.connect(lambda f: self.setDefaultSuffix("xlsx" if f == xlsx_f else "csv"))
