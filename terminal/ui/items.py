"""F4: add bill items from the local catalogue, searched by code or name. Enter adds, Esc closes."""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDoubleSpinBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from terminal.app.catalogue import Catalogue, CatalogueItem
from terminal.core.money import fmt_price



class ItemPicker(QDialog):
    item_chosen = Signal(object, str)  # CatalogueItem, qty text

    def __init__(self, catalogue: Catalogue, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("itemPicker")
        self.setWindowTitle(self.tr("加项目 — 本地目录"))
        self.catalogue = catalogue
        self.results: list[CatalogueItem] = []
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("itemSearch")
        self.search.setPlaceholderText(self.tr("输入院内编码、医保编码或名称，↑↓ 选择，回车添加"))
        self.search.textChanged.connect(self._refresh)
        self.search.returnPressed.connect(self._add)
        self.qty = QDoubleSpinBox()
        self.qty.setObjectName("itemQty")
        self.qty.setDecimals(4)  # cnt is 16,4
        self.qty.setRange(0.0001, 9999)
        self.qty.setValue(1)
        row.addWidget(self.search, 1)
        row.addWidget(QLabel(self.tr("数量")))
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
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self._add())
        lay.addWidget(self.table, 1)
        self.status = QLabel()
        self.status.setObjectName("dialogHint")
        lay.addWidget(self.status)
        brow = QHBoxLayout()
        brow.addStretch(1)
        add = QPushButton(self.tr("添加 (Enter)"))
        add.clicked.connect(self._add)
        close = QPushButton(self.tr("完成 (Esc)"))
        close.clicked.connect(self.accept)
        brow.addWidget(add)
        brow.addWidget(close)
        lay.addLayout(brow)
        self.resize(900, 560)
        self.search.installEventFilter(self)
        self._refresh("")
        self.search.setFocus()

    def eventFilter(self, obj, ev) -> bool:
        from PySide6.QtCore import QEvent

        if obj is self.search and ev.type() == QEvent.Type.KeyPress and ev.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            r = self.table.currentRow() + (1 if ev.key() == Qt.Key.Key_Down else -1)
            if 0 <= r < self.table.rowCount():
                self.table.selectRow(r)
            return True
        return super().eventFilter(obj, ev)

    def _refresh(self, text: str) -> None:
        if not len(self.catalogue):
            self.status.setText(self.tr("本地目录为空：请先下载目录，或用 Ctrl+O 载入账单"))
        self.results = self.catalogue.search(text)
        self.table.setRowCount(len(self.results))
        for r, it in enumerate(self.results):
            vals = [it.hosp_code, it.name, it.spec, it.unit, it.level_name, fmt_price(it.price)]
            for c, v in enumerate(vals):
                cell = QTableWidgetItem(v)
                if c == 5:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, cell)
        if self.results:
            self.table.selectRow(0)
            if len(self.catalogue):
                self.status.setText(self.tr("找到 %1 项").replace("%1", str(len(self.results))))
        elif len(self.catalogue):
            self.status.setText(self.tr("目录中没有匹配的项目"))

    def _add(self) -> None:
        r = self.table.currentRow()
        if not 0 <= r < len(self.results):
            return
        it = self.results[r]
        qty = format(Decimal(f"{self.qty.value():.4f}").normalize(), "f")  # the 4 decimals shown, not the float
        self.item_chosen.emit(it, qty)
        self.status.setText(self.tr("已添加：") + f"{it.name} × {qty}")
        self.search.clear()
        self.qty.setValue(1)
        self.search.setFocus()
