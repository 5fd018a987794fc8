"""The inpatient fee totals as the discharge desk shows them: one row per fee category (med_chrgitm_type), the
total in bold, and a line by item class (甲类 / 乙类 / 丙类)."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from terminal.core.inpatient import LINE_AMOUNTS, FeeTotals
from terminal.core.money import fmt_yuan

FEE_COLUMNS = ("类别", "条数", "金额", "全自费", "超限价", "先行自付", "符合范围")


def levels_text(t: FeeTotals | None) -> str:
    """``甲类 ¥x  乙类 ¥y`` (and how many lines the platform has not classified yet)."""
    if t is None or not t.count:
        return ""
    return ("  ".join(f"{g.name} {fmt_yuan(g.total)}" for g in t.by_level)
            + (f"  （未上传 {t.unclassified} 条）" if t.unclassified else ""))


class FeeTotalsTable(QTableWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(FEE_COLUMNS), parent)
        self.setObjectName("feeTotals")
        self.setHorizontalHeaderLabels([self.tr(c) for c in FEE_COLUMNS])
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)

    def show_totals(self, t: FeeTotals | None) -> None:
        groups = t.by_type if t is not None else []
        rows = list(groups) + ([t.all] if t is not None and groups else [])
        self.setRowCount(len(rows))
        for r, g in enumerate(rows):
            vals = [g.name, str(g.count)] + [fmt_yuan(g.amounts[k]) for k in LINE_AMOUNTS]
            for c, v in enumerate(vals):
                it = QTableWidgetItem(v)
                if c >= 1:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if t is not None and g is t.all:
                    f = QFont(it.font())
                    f.setBold(True)
                    it.setFont(f)
                self.setItem(r, c, it)



def _sources() -> list[str]:  # pragma: no cover - read by pyside6-lupdate (self.tr(c) above takes FEE_COLUMNS)
    return [QCoreApplication.translate("FeeTotalsTable", "类别"),
            QCoreApplication.translate("FeeTotalsTable", "条数"),
            QCoreApplication.translate("FeeTotalsTable", "金额"),
            QCoreApplication.translate("FeeTotalsTable", "全自费"),
            QCoreApplication.translate("FeeTotalsTable", "超限价"),
            QCoreApplication.translate("FeeTotalsTable", "先行自付"),
            QCoreApplication.translate("FeeTotalsTable", "符合范围")]
