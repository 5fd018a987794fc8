"""F4: add bill items from the local catalogue, searched by code, name or pinyin initials ("xbdp").

Keys: type to search, ↑↓ choose, Enter adds the chosen item once (with nothing typed Enter adds nothing), "*" or Tab
moves to the quantity (Enter there adds), Del with an empty search removes the last added line, Ctrl+Z brings it
back, Esc closes. The bill itself is the window's: the picker asks it through signals.
"""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDoubleSpinBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from terminal.app.catalogue import Catalogue, CatalogueItem
from terminal.core.money import fmt_price

from .codenames import name as code_name

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class ItemPicker(QDialog):
    item_chosen = Signal(object, str)  # CatalogueItem, qty text
    remove_last_requested = Signal()  # Del with nothing typed: the last added line goes
    undo_requested = Signal()  # Ctrl+Z with nothing typed: the last removed line comes back

    def __init__(self, catalogue: Catalogue, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("itemPicker")
        self.setWindowTitle(self.tr("加项目 — 本地目录"))
        self.catalogue = catalogue
        catalogue.prepare_search()  # the pinyin keys, while the cashier starts typing
        self.results: list[CatalogueItem] = []
        self._moved = False  # the cashier chose a row with ↑↓ (then Enter adds it even with nothing typed)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("itemSearch")
        self.search.setPlaceholderText(self.tr("编码、名称或拼音首字母（如 xbdp），↑↓ 选择，* 输数量，回车添加"))
        self.search.textChanged.connect(self._refresh)
        self.qty = QDoubleSpinBox()
        self.qty.setObjectName("itemQty")
        self.qty.setDecimals(4)  # cnt is 16,4
        self.qty.setRange(0.0001, 9999)
        self.qty.setValue(1)
        row.addWidget(self.search, 1)
        row.addWidget(QLabel(self.tr("数量 (*)")))
        row.addWidget(self.qty)
        lay.addLayout(row)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("catalogueTable")
        self.table.setHorizontalHeaderLabels([self.tr("院内编码"), self.tr("名称"), self.tr("规格"), self.tr("单位"),
                                              self.tr("类别"), self.tr("单价")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays in the search field
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self._add(force=True))
        lay.addWidget(self.table, 1)
        self.status = QLabel()
        self.status.setObjectName("dialogHint")
        lay.addWidget(self.status)
        brow = QHBoxLayout()
        keys = QLabel(self.tr("Del 删除刚加的行 · Ctrl+Z 恢复"))
        keys.setObjectName("dialogHint")
        brow.addWidget(keys)
        brow.addStretch(1)
        add = QPushButton(self.tr("添加 (Enter)"))
        add.clicked.connect(lambda: self._add(force=True))
        close = QPushButton(self.tr("完成 (Esc)"))
        close.clicked.connect(self.accept)
        for b in (add, close):  # Enter belongs to the search field: no default button adds a second line
            b.setAutoDefault(False)
            b.setDefault(False)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            brow.addWidget(b)
        lay.addLayout(brow)
        self.resize(900, 560)
        for w in (self.search, self.qty, self.qty.lineEdit()):
            w.installEventFilter(self)
        self._refresh("")
        self.search.setFocus()

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() != QEvent.Type.KeyPress:
            return super().eventFilter(obj, ev)
        key, mods = ev.key(), ev.modifiers()
        if obj is self.search:
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                r = self.table.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                if 0 <= r < self.table.rowCount():
                    self.table.selectRow(r)
                    self._moved = True
                return True
            if key in _ENTER:
                self._add()
                return True  # consumed: nothing else may add on the same Enter
            if key == Qt.Key.Key_Asterisk or ev.text() == "*":
                self.qty.setFocus()
                self.qty.selectAll()
                return True
            if not self.search.text():
                if key == Qt.Key.Key_Delete:
                    self.remove_last_requested.emit()
                    return True
                if key == Qt.Key.Key_Z and mods & Qt.KeyboardModifier.ControlModifier:
                    self.undo_requested.emit()
                    return True
        elif key in _ENTER:  # in the quantity
            self.qty.interpretText()
            self._add(force=True)
            return True
        return super().eventFilter(obj, ev)

    def _refresh(self, text: str) -> None:
        self._moved = False
        if not len(self.catalogue):
            self.status.setText(self.tr("本地目录为空：请先下载目录，或用 Ctrl+O 载入账单"))
        self.results = self.catalogue.search(text)
        self.table.setRowCount(len(self.results))
        for r, it in enumerate(self.results):
            vals = [it.hosp_code, it.name, it.spec, it.unit, code_name(it.level_name), fmt_price(it.price)]
            for c, v in enumerate(vals):
                cell = QTableWidgetItem(v)
                if c == 5:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, cell)
        if self.results:
            self.table.selectRow(0)
            if len(self.catalogue) and text:
                self.status.setText(self.tr("找到 %1 项").replace("%1", str(len(self.results))))
        elif len(self.catalogue):
            self.status.setText(self.tr("目录中没有匹配的项目"))

    def _add(self, force: bool = False) -> None:
        """Add the chosen row once. With nothing typed and no row chosen by ↑↓, Enter adds nothing."""
        if not force and not self.search.text().strip() and not self._moved:
            self.status.setText(self.tr("请输入编码、名称或拼音首字母"))
            return
        r = self.table.currentRow()
        if not 0 <= r < len(self.results):
            return
        it = self.results[r]
        qty = format(Decimal(f"{self.qty.value():.4f}").normalize(), "f")  # the 4 decimals shown, not the float
        self.status.setText(self.tr("已添加：") + f"{it.name} × {qty}")
        self.item_chosen.emit(it, qty)  # a refusal overwrites the status line with its reason
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._refresh("")
        self.qty.setValue(1)
        self.search.setFocus()

    def say(self, text: str) -> None:
        self.status.setText(text)
