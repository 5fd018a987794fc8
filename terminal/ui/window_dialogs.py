"""The dialogs the cashier's window opens (items, a bill file, the supervisor, duplicates, journal, queue,
reconciliation, the discharge desk, settings), and the keyboard handed back to the window when one closes.

MainWindow (terminal.ui.main_window) is a WindowDialogs: this part only opens dialogs and forwards what they
decide to the controller.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMainWindow, QWidget

from terminal.app.operators import OperatorStore
from terminal.core import wire
from terminal.core.flow import State
from terminal.core.models import Bill

from .controller import CashierController
from .items import ItemPicker
from .journal import JournalDialog, QueueDialog
from .login import SupervisorDialog
from .reconcile import ReconcileDialog

if TYPE_CHECKING:
    from terminal.config import Config


class WindowDialogs(QMainWindow):
    """The window's dialogs, kept by name in `dialogs` while the window lives."""

    ctl: CashierController
    cfg: Config
    operators: OperatorStore
    dialogs: dict[str, Any]

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.dialogs = {}

    def _track(self, name: str, dlg: QDialog) -> None:
        """Keep the dialog; when it closes, the keyboard goes back to the cashier's window."""
        self.dialogs[name] = dlg
        dlg.finished.connect(self._dialog_closed)

    def _dialog_closed(self, *_a) -> None:
        for d in self.dialogs.values():
            if d is not self.sender() and d.isVisible():
                d.activateWindow()
                return
        self.activateWindow()
        self.raise_()

    def open_item_picker(self) -> None:
        if not self.ctl.can_edit_bill():
            self.ctl._check_editable()
            return
        dlg = ItemPicker(self.ctl.session.catalogue, self)
        dlg.item_chosen.connect(self._item_chosen)
        self._track("items", dlg)
        dlg.open()

    def _item_chosen(self, item, qty: str) -> None:
        try:
            fee = item.fee_item(qty)
        except ValueError as e:
            self.ctl.say("error", str(e))
            return
        self.ctl.add_item(fee)

    def load_bill_dialog(self) -> None:
        if not self.ctl.can_edit_bill():
            self.ctl._check_editable()
            return
        dlg = QFileDialog(self, self.tr("载入账单"), str(Path.home()), self.tr("账单 (*.json)"))
        dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
        dlg.fileSelected.connect(self.load_bill_file)
        self._track("file", dlg)
        dlg.open()

    def load_bill_file(self, path: str) -> bool:
        try:
            bill = Bill.from_dict(wire.loads(Path(path).read_text(encoding="utf-8")), limits=self.ctl.limits)
        except (OSError, ValueError) as e:
            self.ctl.say("error", self.tr("账单文件错误：") + str(e))
            return False
        return self.ctl.load_bill(bill)

    def ask_supervisor(self, reason: str, then: Callable[[Any], None]) -> SupervisorDialog:
        dlg = SupervisorDialog(self.operators, reason, self)
        dlg.authorized.connect(then)
        self._track("supervisor", dlg)
        dlg.open()
        return dlg

    def show_duplicate(self, err):
        """The duplicate-bill guard refused: the earlier settlement, and (when allowed) the supervisor's override
        with a reason; or, for the same person's identical bill, Yes / No (No by default)."""
        from terminal.store.errors import DuplicateSuspected

        from .duplicates import DuplicateBillDialog, DuplicateSuspectedDialog

        if isinstance(err, DuplicateSuspected):
            dlg = DuplicateSuspectedDialog(err, self)
            dlg.confirmed.connect(self.ctl.confirm_duplicate)
        else:
            dlg = DuplicateBillDialog(err, self)

            def override(reason: str) -> None:
                self.ask_supervisor(self.tr("重复结算单据 ") + err.bill_no + "\n" + self.tr("原因：") + reason,
                                    lambda sup: self.ctl.grant_override(sup, reason))

            dlg.override_requested.connect(override)
        self._track("duplicate", dlg)
        dlg.open()
        return dlg

    def show_completed(self, report):
        """At start after a crash: settlements completed while nobody saw the result; acknowledged by the cashier."""
        from .duplicates import CompletedSettlementsDialog

        dlg = CompletedSettlementsDialog(report, self)
        self._track("completed", dlg)
        dlg.open()
        return dlg

    def cancel_current(self) -> None:
        r = self.ctl.receipt
        if not (self.ctl.can_cancel() or self.ctl.state == State.TENDER) or r is None:
            self.ctl.say("warn", self.tr("当前没有可撤销的结算；撤销以往结算请在日志（F6）中操作"))
            return
        self.ask_cancel(r)

    def ask_cancel(self, r):
        """F10: the reason (a list and a text), then the supervisor, then the 2208 and the refund."""
        from .tender import CancelReasonDialog

        dlg = CancelReasonDialog(r.setl_id, self)

        def then(reason: str) -> None:
            self.ask_supervisor(self.tr("撤销结算 ") + r.setl_id + "\n" + self.tr("原因：") + reason,
                                lambda sup: self.ctl.cancel_settlement(r, sup, reason))

        dlg.chosen.connect(then)
        self._track("cancel_reason", dlg)
        dlg.open()
        return dlg

    # the till: tender, refund, scans while it is open --------------------------------------------------
    def show_tender(self):
        from .tender import TenderDialog

        till = self.ctl.till
        dlg = self.dialogs.get("tender")
        if not till.due_open:
            if dlg is not None and dlg.isVisible():
                dlg.accept()
            return None
        if dlg is None or dlg.till is not till:
            dlg = TenderDialog(self.ctl, self)
            self._track("tender", dlg)
        dlg.render()
        if not dlg.isVisible():
            dlg.open()
        dlg.activateWindow()
        return dlg

    def show_refund(self, _job=None):
        from .tender import RefundDialog

        dlg = self.dialogs.get("refund")
        if self.ctl.till.refund is None:
            return None
        if dlg is None:
            dlg = RefundDialog(self.ctl, self)
            self._track("refund", dlg)
        dlg.render()
        if not dlg.isVisible():
            dlg.open()
        dlg.activateWindow()
        return dlg

    def scanned_for_tender(self, code: str, payment_code: bool) -> bool:
        """A scan while the tender is open: a payment code pays; anything else is a POS slip's reference."""
        dlg = self.dialogs.get("tender")
        amount = dlg.amount.text() if dlg is not None and dlg.isVisible() else ""
        if payment_code:
            self.ctl.till.scanned_code(code, amount)
            return True
        if dlg is not None and dlg.isVisible() and dlg.reference.isVisible():
            dlg.reference.setText(code)
            dlg._enter()
            return True
        return False

    def scanned_for_refund(self, code: str) -> bool:
        dlg = self.dialogs.get("refund")
        if dlg is not None and dlg.isVisible() and dlg.reference.isVisible():
            dlg.reference.setText(code)
            dlg._enter()
            return True
        return False

    def open_journal(self) -> JournalDialog:
        dlg = JournalDialog(self.ctl, self)
        dlg.reprint_requested.connect(lambda r: self.ctl.print_receipt(r, reprint=True))
        dlg.cancel_requested.connect(self.ask_cancel)
        self._track("journal", dlg)
        dlg.open()
        return dlg

    def open_discharge(self):
        """F12: the discharge desk for inpatients (2401...2304), sharing this session's client and journal."""
        desk = self.dialogs.get("discharge")
        if desk is None:
            from .discharge import DischargeDesk

            desk = DischargeDesk.for_session(self.ctl.session, parent=self)
            desk.setWindowFlag(Qt.WindowType.Window, True)
            desk.setWindowTitle(self.tr("住院出院结算") + " — " + self.cfg.facility.name)
            desk.resize(1200, 720)
            self.dialogs["discharge"] = desk
        desk.show()
        desk.raise_()
        desk.activateWindow()
        return desk

    def open_queue(self) -> QueueDialog:
        dlg = QueueDialog(self.ctl, self, ask_supervisor=self.ask_supervisor)
        self._track("queue", dlg)
        dlg.open()
        return dlg

    def open_reconcile(self) -> ReconcileDialog:
        dlg = ReconcileDialog(self.ctl, self, ask_supervisor=self.ask_supervisor)
        self._track("reconcile", dlg)
        dlg.open()
        dlg.activateWindow()  # its keys (F5, F9, F10, Ctrl+E, Alt+D) work at once
        return dlg

    def open_settings(self) -> None:
        from .settings import SettingsDialog

        def show(_sup=None) -> None:
            dlg = SettingsDialog(self.cfg, parent=self)
            dlg.saved.connect(lambda _c, p: self.ctl.say("ok", self.tr("设置已保存到 ") + p +
                                                         self.tr("，重新启动后生效")))
            self._track("settings", dlg)
            dlg.open()

        if self.ctl.operator is not None and getattr(self.ctl.operator, "is_supervisor", False):
            show()
        else:
            self.ask_supervisor(self.tr("修改设置"), show)
