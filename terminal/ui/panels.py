"""The main window's left-hand panels: identify, the person, the bill. Each one renders the controller's state;
intents go back to the controller. The right-hand side is terminal.ui.settlement_panel."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFrame, QGridLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QSizePolicy, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from terminal.core.flow import State
from terminal.core.models import CERT_TYPES
from terminal.core.money import fmt_price, fmt_yuan
from terminal.core.regions import place_name

from .codenames import name as code_name
from .precheck_view import PrecheckLine
from .widgets import Badge, KeyButton, set_kind

S = State


def _show(w: QWidget, visible: bool) -> None:
    """Set the visibility once per render (toggling hide-then-show costs a relayout each time)."""
    w.setVisible(visible)


class IdentifyBar(QFrame):
    """F1 card, F2 e-code field (scanners type into it; the wedge filter catches scans anywhere), F3 ID."""

    card_requested = Signal()
    ecode_entered = Signal(str)
    id_entered = Signal(str)
    camera_requested = Signal()

    def __init__(self, parent: QWidget, camera_available: bool = False):
        super().__init__(parent)
        self.setObjectName("identifyBar")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(10)
        self.card_btn = KeyButton("F1", self.tr("读社保卡"), parent, object_name="cardButton")
        self.card_btn.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.card_btn.setMinimumWidth(150)
        self.card_btn.clicked.connect(self.card_requested)
        lay.addWidget(self.card_btn)

        self.ecode_label = QLabel(self.tr("F2 医保码"))
        self.ecode_label.setObjectName("fieldKey")
        self.ecode = QLineEdit(self)
        self.ecode.setObjectName("ecodeEdit")
        self.ecode.setPlaceholderText(self.tr("扫描患者手机上的医保码"))
        self.ecode.returnPressed.connect(self._ecode)
        lay.addWidget(self.ecode_label)
        lay.addWidget(self.ecode, 3)
        self.camera_btn = QPushButton(self.tr("摄像头"), self)
        self.camera_btn.setObjectName("cameraButton")
        self.camera_btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.camera_btn.clicked.connect(self.camera_requested)
        self.camera_btn.setVisible(camera_available)
        lay.addWidget(self.camera_btn)

        self.id_label = QLabel(self.tr("F3 身份证号"))
        self.id_label.setObjectName("fieldKey")
        self.idno = QLineEdit(self)
        self.idno.setObjectName("idEdit")
        self.idno.setPlaceholderText(self.tr("18 位身份证号，回车查询"))
        self.idno.setMaxLength(18)
        self.idno.returnPressed.connect(self._id)
        lay.addWidget(self.id_label)
        lay.addWidget(self.idno, 2)

        QShortcut(QKeySequence("F2"), parent.window()).activated.connect(self.focus_ecode)
        QShortcut(QKeySequence("F3"), parent.window()).activated.connect(self.focus_id)

    def focus_ecode(self) -> None:
        self.ecode.setFocus()
        self.ecode.selectAll()

    def focus_id(self) -> None:
        self.idno.setFocus()
        self.idno.selectAll()

    def _ecode(self) -> None:
        t = self.ecode.text().strip()
        self.ecode.clear()
        if t:
            self.ecode_entered.emit(t)

    def _id(self) -> None:
        t = self.idno.text().strip()
        if t:
            self.id_entered.emit(t)

    def set_enabled(self, enabled: bool) -> None:
        for w in (self.card_btn, self.ecode, self.idno, self.camera_btn):
            w.setEnabled(enabled)


class _Chooser(QComboBox):
    """The insurance-type list: when it closes, the keyboard is the window's again (F5, F9 work at once)."""

    _open = False

    def showPopup(self) -> None:
        self._open = True
        super().showPopup()

    def hidePopup(self) -> None:
        super().hidePopup()
        if self._open:  # only a list the cashier opened: a repopulated chooser must not take the keyboard
            self._open = False
            self.window().activateWindow()


class PersonPanel(QGroupBox):
    insurance_chosen = Signal(str)
    acct_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("参保人"))
        self.setObjectName("personPanel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(6)
        top = QHBoxLayout()
        self.name = QLabel()
        self.name.setObjectName("personName")
        self.cross = Badge(self.tr("跨省异地"), "cross")
        self.cross.setObjectName("crossBadge")
        self.status = Badge("", "ok")
        self.status.setObjectName("statusBadge")
        top.addWidget(self.name)
        top.addWidget(self.cross)
        top.addWidget(self.status)
        top.addStretch(1)
        lay.addLayout(top)

        self.empty = QLabel(self.tr("请刷社保卡（F1）、扫医保码（F2）或输入身份证号（F3）"))
        self.empty.setObjectName("emptyHint")
        self.empty.setWordWrap(True)
        lay.addWidget(self.empty)

        self.details = QWidget(self)
        g = QGridLayout(self.details)
        g.setContentsMargins(0, 0, 0, 0)
        g.setHorizontalSpacing(12)
        g.setVerticalSpacing(4)
        self.fields: dict[str, QLabel] = {}
        spec = [("certno", self.tr("证件号")), ("psn", self.tr("性别/年龄")), ("insuplc", self.tr("参保地")),
                ("cert", self.tr("凭证")), ("balc", self.tr("账户余额")), ("emp", self.tr("单位"))]
        for n, (key, label) in enumerate(spec):
            r, c = divmod(n, 2)
            k = QLabel(label)
            k.setObjectName("fieldKey")
            v = QLabel()
            v.setObjectName("fieldValue")
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            g.addWidget(k, r, c * 2)
            g.addWidget(v, r, c * 2 + 1)
            self.fields[key] = v
        g.setColumnStretch(1, 1)
        g.setColumnStretch(3, 1)
        lay.addWidget(self.details)
        self.precheck = PrecheckLine(self)  # 可报销 / 不可报销 + why (2001 + the filing, in the background)
        lay.addWidget(self.precheck)

        row = QHBoxLayout()
        lab = QLabel(self.tr("险种 (Ctrl+I)"))
        lab.setObjectName("fieldKey")
        self.insurance = _Chooser(self)
        self.insurance.setObjectName("insuranceCombo")
        self.insurance.setPlaceholderText(self.tr("请选择险种"))
        self.insurance.activated.connect(self._chosen)
        self.insurance.installEventFilter(self)  # ↑↓, PgUp/PgDn, Home/End and the wheel never change it silently
        self.acct = QCheckBox(self.tr("使用个人账户"), self)
        self.acct.setObjectName("acctCheck")
        self.acct.setChecked(True)
        self.acct.toggled.connect(self.acct_toggled)
        row.addWidget(lab)
        row.addWidget(self.insurance, 1)
        row.addWidget(self.acct)
        self.choice_row = QWidget(self)
        self.choice_row.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.choice_row)
        self._codes: list[str] = []
        self._person_id = None

    _SILENT = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End)

    def eventFilter(self, obj, ev) -> bool:
        from PySide6.QtCore import QEvent

        if obj is self.insurance:
            if ev.type() == QEvent.Type.Wheel:
                return True
            if ev.type() == QEvent.Type.KeyPress and ev.key() in self._SILENT:
                self.open_chooser()  # the list opens; Enter picks
                return True
        return super().eventFilter(obj, ev)

    def open_chooser(self) -> None:
        """Ctrl+I: the insurance list opens at the current choice; ↑↓ move, Enter picks, Esc leaves it as it was."""
        if not self.insurance.isEnabled() or not self.insurance.isVisible():
            return
        self.insurance.setFocus()
        self.insurance.showPopup()

    def _chosen(self, idx: int) -> None:
        if 0 <= idx < len(self._codes):
            self.insurance_chosen.emit(self._codes[idx])

    def render(self, ctl, treatment_admdvs: str) -> None:
        p = ctl.person
        has = p is not None
        _show(self.empty, not has)
        _show(self.details, has)
        _show(self.choice_row, has)
        _show(self.status, has)
        pre = getattr(getattr(ctl, "desk", None), "preflight", None)
        self.precheck.show_line(*(pre.line() if has and pre is not None else ("", "")))
        if not has:
            _show(self.cross, False)
            self.name.setText("")
            self._person_id = None
            return
        insutype = ctl.flow.insutype
        try:
            ins = p.insurance(insutype) if insutype else None
        except LookupError:
            ins = None
        shown = ins or (p.insurances[0] if p.insurances else None)
        self.name.setText(p.psn_name)
        cross = bool(shown and shown.insuplc_admdvs[:2] != treatment_admdvs[:2] and shown.insuplc_admdvs)
        _show(self.cross, cross)
        undecided = ins is None and len(p.insurances) > 1
        if undecided:
            self.status.setText(self.tr("待选择险种"))
            self.status.set_kind("warn")
        elif shown is not None:
            self.status.setText(code_name(shown.status_name))
            self.status.set_kind("ok" if shown.active else "bad")
        f = self.fields
        f["certno"].setText(p.masked_certno)
        age = (p.age + self.tr("岁")) if p.age else ""
        f["psn"].setText(" / ".join(x for x in (code_name(p.gender_name), age) if x))
        f["insuplc"].setText(f"{place_name(shown.insuplc_admdvs)} ({shown.insuplc_admdvs})" if shown else "")
        cred = ctl.flow.credential
        f["cert"].setText(code_name(CERT_TYPES.get(cred.cert_type, "")) + " " + cred.masked() if cred else "")
        s = ctl.settlement if ctl.state in (S.SETTLED, S.CANCELLED) else None
        f["balc"].setText("—" if undecided or not shown else fmt_yuan(s.balc if s is not None else shown.balc))
        f["emp"].setText(shown.emp_name if shown and shown.emp_name else "—")
        key = (p.psn_no, tuple(i.insutype for i in p.insurances))
        if key != self._person_id:
            self._person_id = key
            self.insurance.blockSignals(True)
            self.insurance.clear()
            self._codes = []
            balance = self.tr("余额")
            for i in p.insurances:
                self.insurance.addItem(f"{i.insutype} {code_name(i.name)} · {code_name(i.status_name)} · {balance} "
                                       f"{fmt_yuan(i.balc)}")
                self._codes.append(i.insutype)
            self.insurance.blockSignals(False)
        self.insurance.blockSignals(True)
        self.insurance.setCurrentIndex(self._codes.index(insutype) if insutype in self._codes else -1)
        self.insurance.blockSignals(False)
        many = len(p.insurances) > 1
        self.insurance.setEnabled(many and ctl.state in (S.IDENTIFIED, S.BILLED, S.PREVIEWED) and not ctl.busy)
        set_kind(self.insurance, "need" if many and not insutype else "")
        self.acct.blockSignals(True)
        self.acct.setChecked(ctl.acct_used)
        self.acct.blockSignals(False)
        self.acct.setEnabled(ctl.state in (S.IDENTIFIED, S.BILLED, S.PREVIEWED) and not ctl.busy)


class BillPanel(QGroupBox):
    add_requested = Signal()
    load_requested = Signal()
    remove_requested = Signal(int)
    qty_changed = Signal(int, str)

    COLS = 6

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("费用明细"))
        self.setObjectName("billPanel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.setSpacing(6)
        self.table = QTableWidget(0, self.COLS, self)
        self.table.setObjectName("billTable")
        self.table.setHorizontalHeaderLabels([self.tr("院内编码"), self.tr("名称"), self.tr("规格"), self.tr("单价"),
                                              self.tr("数量"), self.tr("金额")])
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked |
                                   QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.itemChanged.connect(self._item_changed)
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_btn = KeyButton("F4", self.tr("加项目"), self, object_name="addItemButton")
        self.add_btn.clicked.connect(self.add_requested)
        self.load_btn = KeyButton("Ctrl+O", self.tr("载入账单"), self, object_name="loadBillButton")
        self.load_btn.clicked.connect(self.load_requested)
        self.del_btn = KeyButton("Del", self.tr("删除行"), self, object_name="removeItemButton")
        self.del_btn.clicked.connect(self._remove)
        for b in (self.add_btn, self.load_btn, self.del_btn):
            b.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            b.setMinimumHeight(38)
            row.addWidget(b)
        row.addStretch(1)
        self.count = QLabel()
        self.count.setObjectName("billCount")
        self.total = QLabel()
        self.total.setObjectName("billTotal")
        row.addWidget(self.count)
        row.addWidget(self.total)
        lay.addLayout(row)
        self._rendering = False
        self._key = None

    def _remove(self) -> None:
        r = self.table.currentRow()
        if r < 0 and self.table.rowCount():
            r = self.table.rowCount() - 1
        if r >= 0:
            self.remove_requested.emit(r)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._rendering or item.column() != 4:
            return
        self._key = None  # re-render even when the quantity is refused (the cell shows the bill's value again)
        self.qty_changed.emit(item.row(), item.text().strip())

    def render(self, ctl) -> None:
        items = ctl.items
        editable = ctl.can_edit_bill()
        key = (tuple((i.hosp_code, i.name, i.spec, i.price, i.qty) for i in items), editable)
        if key != self._key:  # rebuilding the table costs: only when the bill or its editability changed
            self._key = key
            self._rendering = True
            try:
                self.table.setRowCount(len(items))
                for r, it in enumerate(items):
                    vals = [it.hosp_code, it.name, it.spec, fmt_price(it.price), f"{it.qty}", fmt_yuan(it.amount)]
                    for c, v in enumerate(vals):
                        cell = self.table.item(r, c)
                        if cell is None:
                            cell = QTableWidgetItem()
                            if c >= 3:
                                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                            self.table.setItem(r, c, cell)
                        if cell.text() != v:
                            cell.setText(v)
                        flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
                        if c == 4 and editable:
                            flags |= Qt.ItemFlag.ItemIsEditable
                        if cell.flags() != flags:
                            cell.setFlags(flags)
            finally:
                self._rendering = False
            self.count.setText(self.tr("共 %1 项").replace("%1", str(len(items))))
            self.total.setText(self.tr("合计 ") + fmt_yuan(ctl.bill_total))
        for b in (self.add_btn, self.load_btn):
            b.setEnabled(editable)
        self.del_btn.setEnabled(editable and bool(items))
