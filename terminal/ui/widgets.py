"""Small reusable widgets: shortcut buttons, the busy overlay, key/value breakdown grids, badges, report tables."""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QProgressBar,
                               QPushButton, QSizePolicy, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from terminal.core.money import fmt_yuan


class KeyButton(QPushButton):
    """A button that shows its key ("F9  结算") and fires on that key anywhere in its window."""

    def __init__(self, key: str, text: str, parent: QWidget, *, object_name: str = "", context=None):
        super().__init__(parent)
        self.key = key
        self.caption = text
        self.setObjectName(object_name or "keyButton")
        self.setProperty("keyButton", True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumHeight(44)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.shortcut = QShortcut(QKeySequence(key), parent.window() if parent else parent)
        self.shortcut.setContext(context or Qt.ShortcutContext.WindowShortcut)
        self.shortcut.activated.connect(self._activate)
        self.set_caption(text)

    def set_caption(self, text: str) -> None:
        self.caption = text
        self.setText(f"{self.key}  {text}")
        self.setToolTip(f"{text} ({self.key})")

    #: the key works while the button is hidden (but enabled): a second button for the same action stays off
    #: the screen
    key_when_hidden = False
    #: called instead when the key is pressed while the button cannot act (disabled or hidden): it says why, so
    #: that no key does nothing silently
    explain = None

    def _activate(self) -> None:
        if self.isEnabled() and (self.isVisible() or self.key_when_hidden):
            self.click()
        elif self.explain is not None:
            self.explain()


class Badge(QLabel):
    def __init__(self, text: str = "", kind: str = "info", parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setObjectName("badge")
        self.set_kind(kind)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def set_kind(self, kind: str) -> None:
        set_kind(self, kind)


def set_kind(w: QWidget, kind: str) -> None:
    """Switch a style-sheet variant ([kind="..."]); re-polishing only when it changes."""
    if (w.property("kind") or "") == kind:
        return
    w.setProperty("kind", kind)
    w.style().unpolish(w)
    w.style().polish(w)


class AmountGrid(QWidget):
    """Label / amount rows (two columns of pairs), amounts right-aligned."""

    def __init__(self, parent: QWidget | None = None, columns: int = 2):
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(4)
        self.columns = columns
        self._labels: list[QWidget] = []

    def set_rows(self, rows: list[tuple[str, Decimal | str, str]]) -> None:
        """rows: (label, amount, style) with style '', 'strong', 'sub'. Labels are reused (no top-level flicker)."""
        per_col = max(1, (len(rows) + self.columns - 1) // self.columns)
        while len(self._labels) < 2 * len(rows):
            w = QLabel(self)
            w.setObjectName("amountRow")
            self._labels.append(w)
        for n, w in enumerate(self._labels):
            if n >= 2 * len(rows):
                w.hide()
        for n, (label, value, style) in enumerate(rows):
            col, row = divmod(n, per_col)
            lab, val = self._labels[2 * n], self._labels[2 * n + 1]
            lab.setText(label)
            val.setText(value if isinstance(value, str) else fmt_yuan(value))
            val.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for w in (lab, val):
                if w.property("rowStyle") != style:
                    w.setProperty("rowStyle", style)
                    w.style().unpolish(w)
                    w.style().polish(w)
            if self.grid.indexOf(lab) < 0:
                self.grid.addWidget(lab, row, col * 2)
                self.grid.addWidget(val, row, col * 2 + 1)
            lab.show()
            val.show()
        for c in range(self.columns):
            self.grid.setColumnStretch(c * 2, 1)
            self.grid.setColumnStretch(c * 2 + 1, 1)


class BusyOverlay(QFrame):
    """Covers its parent while the cashier waits: what is happening, seconds elapsed, how to abandon."""

    abandon_clicked = Signal()

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("busyOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card = QFrame(self)
        self.card.setObjectName("busyCard")
        self.card.setMinimumWidth(380)
        lay = QVBoxLayout(self.card)
        lay.setContentsMargins(28, 22, 28, 22)
        lay.setSpacing(12)
        self.title = QLabel(self.card)
        self.title.setObjectName("busyTitle")
        self.title.setWordWrap(True)
        self.bar = QProgressBar(self.card)
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(10)
        self.elapsed = QLabel(self.card)
        self.elapsed.setObjectName("busyElapsed")
        self.hint = QLabel(self.card)
        self.hint.setObjectName("busyHint")
        self.hint.setWordWrap(True)
        row = QHBoxLayout()
        row.addStretch(1)
        self.abandon = QPushButton(self.card)
        self.abandon.setObjectName("abandonButton")
        self.abandon.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.abandon.clicked.connect(self.abandon_clicked)
        row.addWidget(self.abandon)
        for w in (self.title, self.bar, self.elapsed, self.hint):
            lay.addWidget(w)
        lay.addLayout(row)
        outer.addWidget(self.card)
        self._op = None
        self._timer = QTimer(self)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._tick)
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if obj is self.parent() and ev.type() == QEvent.Type.Resize:
            self.setGeometry(self.parent().rect())
        return False

    def show_op(self, op, hint: str, abandon_text: str) -> None:
        self._op = op
        self.title.setText(op.label)
        self.hint.setText(hint)
        self.abandon.setText(abandon_text)
        self._tick()
        self.setGeometry(self.parent().rect())
        self.raise_()
        self.show()
        self._timer.start()

    def hide_op(self) -> None:
        self._op = None
        self._timer.stop()
        self.hide()

    def _tick(self) -> None:
        if self._op is not None:
            self.elapsed.setText(self.tr("已等待 %1 秒").replace("%1", f"{self._op.elapsed:.0f}"))


def report_table(headers: list[str], name: str) -> QTableWidget:
    """A read-only table of rows chosen one at a time with the keyboard; the last column takes what is left."""
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


def fill_table(t: QTableWidget, rows: list[list[str]], right: frozenset[int] | set[int] = frozenset()) -> None:
    """Replace a report_table's rows (each cell's full text also in its tooltip; columns in `right` aligned right)."""
    t.setRowCount(len(rows))
    for r, vals in enumerate(rows):
        for c, v in enumerate(vals):
            cell = QTableWidgetItem(v)
            cell.setToolTip(v)
            if c in right:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            t.setItem(r, c, cell)
