"""Operator login and supervisor authorisation dialogs (non-blocking: open() + signals)."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)

from terminal.app.operators import (CASHIER, DEMO_OPERATORS, ROLE_NAMES, SUPERVISOR, LoginError, Operator,
                                    OperatorStore)

from .codenames import name as code_name


class _PinDialog(QDialog):
    def __init__(self, store: OperatorStore, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(24, 20, 24, 20)
        self.lay.setSpacing(12)
        self.heading = QLabel()
        self.heading.setObjectName("dialogTitle")
        self.heading.setWordWrap(True)
        self.lay.addWidget(self.heading)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.op_id = QLineEdit()
        self.op_id.setObjectName("operatorId")
        self.op_id.setMaxLength(30)
        self.pin = QLineEdit()
        self.pin.setObjectName("operatorPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(12)
        form.addRow(QCoreApplication.translate("PinDialog", "操作员编号"), self.op_id)
        form.addRow(QCoreApplication.translate("PinDialog", "密码"), self.pin)
        self.lay.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("dialogError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.lay.addWidget(self.error)
        self.hint = QLabel()
        self.hint.setObjectName("dialogHint")
        self.hint.setWordWrap(True)
        self.hint.hide()
        self.lay.addWidget(self.hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.lay.addWidget(self.buttons)
        self.op_id.returnPressed.connect(lambda: self.pin.setFocus())
        self.pin.returnPressed.connect(self._submit)
        self.setMinimumWidth(440)

    def keyPressEvent(self, ev) -> None:
        # Enter belongs to the fields (id -> PIN -> submit); the dialog's default button must not submit again
        if ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            ev.accept()
            return
        super().keyPressEvent(ev)

    def fail(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.pin.clear()
        self.pin.setFocus()

    def _submit(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class LoginDialog(_PinDialog):
    """Start of the day: operator id + PIN. Emits logged_in(Operator)."""

    logged_in = Signal(object)

    def __init__(self, store: OperatorStore, *, training: bool, facility_name: str = "",
                 parent: QWidget | None = None):
        super().__init__(store, parent)
        self.setObjectName("loginDialog")
        self.setWindowTitle(self.tr("操作员登录 — 医保结算收费终端"))
        self.heading.setText(facility_name or self.tr("医保结算收费终端"))
        self.operator: Operator | None = None
        if training:
            word = self.tr("密码")
            demo = "；".join(f"{code_name(ROLE_NAMES[role])} {op_id} / {word} {pin}"
                            for op_id, _n, role, pin in DEMO_OPERATORS)
            self.hint.setText(self.tr("训练模式演示账号：") + demo)
            self.hint.show()
        self.op_id.setFocus()

    def _submit(self) -> None:
        op_id, pin = self.op_id.text().strip(), self.pin.text()
        if not op_id or not pin:
            self.fail(self.tr("请输入操作员编号和密码"))
            return
        try:
            op = self.store.verify(op_id, pin)
        except LoginError as e:
            self.fail(str(e))
            return
        self.operator = op
        self.logged_in.emit(op)
        self.accept()


class SupervisorDialog(_PinDialog):
    """A supervisor authorises one action (cancel, settings). Emits authorized(Operator)."""

    authorized = Signal(object)

    def __init__(self, store: OperatorStore, reason: str, parent: QWidget | None = None):
        super().__init__(store, parent)
        self.setObjectName("supervisorDialog")
        self.setWindowTitle(self.tr("主管授权"))
        self.heading.setText(self.tr("需要主管授权") + "\n" + reason)
        self.op_id.setFocus()

    def _submit(self) -> None:
        try:
            op = self.store.verify(self.op_id.text().strip(), self.pin.text(), role=SUPERVISOR)
        except LoginError as e:
            self.fail(str(e))
            return
        self.authorized.emit(op)
        self.accept()


class AddOperatorDialog(QDialog):
    """Supervisor adds an operator (first run in production: the first supervisor)."""

    added = Signal(object)

    def __init__(self, store: OperatorStore, *, first: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("新建操作员") if not first else self.tr("首次使用：创建主管账号"))
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.op_id = QLineEdit()
        self.name = QLineEdit()
        self.role = QComboBox()
        for r in ((SUPERVISOR,) if first else (CASHIER, SUPERVISOR)):
            self.role.addItem(code_name(ROLE_NAMES[r]), r)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin2 = QLineEdit()
        self.pin2.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("编号"), self.op_id)
        form.addRow(self.tr("姓名"), self.name)
        form.addRow(self.tr("角色"), self.role)
        form.addRow(self.tr("密码"), self.pin)
        form.addRow(self.tr("再次输入密码"), self.pin2)
        lay.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("dialogError")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.accepted.connect(self._submit)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)

    def _submit(self) -> None:
        if self.pin.text() != self.pin2.text():
            self.error.setText(self.tr("两次输入的密码不一致"))
            return
        try:
            op = self.store.add(self.op_id.text().strip(), self.name.text(), self.role.currentData(), self.pin.text())
        except ValueError as e:
            self.error.setText(str(e))
            return
        self.added.emit(op)
        self.accept()
