"""The fund-supervision warnings (3101 事前 / 3102 事中) and the cashier's choice on each (core.risk).

Keys (focus on the list): ↑↓ choose a warning; 1 continue (继续执行): the reason field takes the focus, type the
reason, Enter; 2 go back and change (返回修改); once every warning has its choice Enter sends them (3103); Esc sends
every warning back (返回修改); in the reason field Esc goes back to the list. One warning continued: 1, reason,
Enter, Enter; sent back: 2, Enter (or Esc).
The platform's texts (rule, content, evidence) are shown as sent.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from terminal.core.risk import BEFORE, CONTINUE, GO_BACK, REASON_MAX, Decision, RiskReview


class RiskDialog(QDialog):
    """Per warning: continue (with a reason) or go back. ``decided(list[Decision])`` when every warning has its
    choice and the cashier sends them; ``rejected`` (Esc): every warning goes back."""

    decided = Signal(list)

    def __init__(self, review: RiskReview, parent: QWidget | None = None):
        super().__init__(parent)
        self.review = review
        self.choices: dict[str, tuple[str, str]] = {}  # warn_rslt_id -> (dspo_way, reason)
        self.setObjectName("riskDialog")
        self.setModal(True)
        self.setWindowTitle(self.tr("医保事前审核提示") if review.warn_type == BEFORE else self.tr("医保事中审核提示"))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.setSpacing(10)
        self.heading = QLabel(self)
        self.heading.setObjectName("dialogTitle")
        self.heading.setWordWrap(True)
        lay.addWidget(self.heading)
        self.table = QTableWidget(len(review.violations), 5, self)
        self.table.setObjectName("riskTable")
        self.table.setHorizontalHeaderLabels([self.tr("账单行"), self.tr("规则"), self.tr("严重程度"),
                                              self.tr("违规内容"), self.tr("处理")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        hh = self.table.horizontalHeader()
        for col, mode in enumerate((QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.ResizeToContents,
                                    QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Stretch,
                                    QHeaderView.ResizeMode.ResizeToContents)):
            hh.setSectionResizeMode(col, mode)
        for row, v in enumerate(review.violations):
            cells = (review.where(v) or "—", v.rule_name or v.rule_id, v.severity, v.text)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if col == 2 and v.sev_deg == "1":
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, col, item)
        lay.addWidget(self.table, 1)
        self.evidence = QLabel(self)
        self.evidence.setObjectName("riskEvidence")
        self.evidence.setWordWrap(True)
        lay.addWidget(self.evidence)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("riskReason")
        self.reason.setMaxLength(REASON_MAX)
        self.reason.setPlaceholderText(self.tr("继续执行的原因（必填），Enter 确认"))
        self.reason.returnPressed.connect(self._reason_entered)
        lay.addWidget(self.reason)
        buttons = QHBoxLayout()
        self.go_on_btn = QPushButton(self.tr("继续执行 (1)"), self)
        self.back_btn = QPushButton(self.tr("返回修改 (2)"), self)
        self.send_btn = QPushButton(self.tr("提交 (Enter)"), self)
        self.all_back_btn = QPushButton(self.tr("全部返回修改 (Esc)"), self)
        for b in (self.go_on_btn, self.back_btn, self.send_btn, self.all_back_btn):
            b.setAutoDefault(False)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(b)
        self.go_on_btn.clicked.connect(self.choose_continue)
        self.back_btn.clicked.connect(self.choose_go_back)
        self.send_btn.clicked.connect(self.send)
        self.all_back_btn.clicked.connect(self.reject)
        lay.addLayout(buttons)
        self.table.currentCellChanged.connect(lambda *_: self._row_changed())
        self.table.installEventFilter(self)
        self.resize(960, 300)
        self.table.setCurrentCell(0, 0)
        self.table.setFocus()
        self._refresh()

    # the cashier's keys ------------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        if obj is self.table and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            key = event.key()
            if key == Qt.Key.Key_1:
                self.choose_continue()
                return True
            if key == Qt.Key.Key_2:
                self.choose_go_back()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.send()
                return True
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return  # Enter never closes the dialog by accident: the table and the reason field handle it
        if event.key() == Qt.Key.Key_Escape and self.reason.hasFocus():
            self.reason.clear()  # Esc in the reason field: back to the list, nothing sent
            self.table.setFocus()
            return
        super().keyPressEvent(event)

    @property
    def row(self) -> int:
        return max(0, self.table.currentRow())

    def choose_continue(self) -> None:
        v = self.review.violations[self.row]
        way, reason = self.choices.get(v.warn_rslt_id, ("", ""))
        self.reason.setText(reason if way == CONTINUE else "")
        self.reason.setFocus()
        self._refresh(self.tr("填写继续执行的原因，Enter 确认"))

    def _reason_entered(self) -> None:
        text = self.reason.text().strip()
        if not text:
            self._refresh(self.tr("继续执行须填写原因"), error=True)
            return
        self.choices[self.review.violations[self.row].warn_rslt_id] = (CONTINUE, text)
        self.reason.clear()
        self._next()

    def choose_go_back(self) -> None:
        self.choices[self.review.violations[self.row].warn_rslt_id] = (GO_BACK, "")
        self._next()

    def _next(self) -> None:
        """The list again, at the next warning still without a choice (or where it was when all have one)."""
        n = len(self.review.violations)
        for step in range(1, n + 1):
            row = (self.row + step) % n
            if self.review.violations[row].warn_rslt_id not in self.choices:
                self.table.setCurrentCell(row, 0)
                break
        self.table.setFocus()
        self._refresh()

    def decisions(self) -> list[Decision]:
        return [Decision(v.warn_rslt_id, *self.choices[v.warn_rslt_id]) for v in self.review.violations]

    def send(self) -> None:
        if len(self.choices) < len(self.review.violations):
            self._next()
            self._refresh(self.tr("还有提醒未选择处理方式：1 继续执行 / 2 返回修改"), error=True)
            return
        decisions = self.decisions()
        self.accept()
        self.decided.emit(decisions)

    # what the dialog shows --------------------------------------------------------------------------------
    def _row_changed(self) -> None:
        if 0 <= self.table.currentRow() < len(self.review.violations):
            v = self.review.violations[self.table.currentRow()]
            self.evidence.setText(self.tr("依据：") + (v.evidence or "—"))

    def _refresh(self, note: str = "", error: bool = False) -> None:
        for row, v in enumerate(self.review.violations):
            way, reason = self.choices.get(v.warn_rslt_id, ("", ""))
            text = (self.tr("继续执行：") + reason if way == CONTINUE else
                    self.tr("返回修改") if way == GO_BACK else self.tr("未选择"))
            self.table.setItem(row, 4, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        rows = sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        self.table.setMinimumHeight(min(480, self.table.horizontalHeader().sizeHint().height() + rows + 6))
        if self.height() < self.sizeHint().height():  # grow to show every row above the 依据 line, never overlap it
            self.resize(self.width(), self.sizeHint().height())
        n, done = len(self.review.violations), len(self.choices)
        head = (self.tr("医保平台提示 %1 条违规。每条：1 继续执行（须填写原因） / 2 返回修改；Esc 全部返回修改")
                .replace("%1", str(n)))
        if done == n:
            head += "\n" + self.tr("全部已选择，按 Enter 提交")
        if note:
            head += "\n" + note
        self.heading.setText(head)
        self.heading.setStyleSheet("color: #b00020;" if error else "")
        self._row_changed()


def attach_stay_risk(desk: QWidget) -> None:
    """The discharge desk (terminal.ui.discharge.DischargeDesk, F12) shows its stay machine's warnings (3102 / 3101)
    in the same dialog; the choices go back to the machine (3103, then the pre-settlement goes on)."""
    machine = desk.machine  # type: ignore[attr-defined]

    def show(review: RiskReview) -> RiskDialog:
        dlg = RiskDialog(review, desk)
        dlg.decided.connect(machine.decide_risk)
        dlg.rejected.connect(machine.risk_go_back)
        desk.risk_dialog = dlg  # type: ignore[attr-defined]
        dlg.open()
        return dlg

    machine.on_risk = show
