"""The dialogs the cashier's window opens (items, a bill file, the supervisor, duplicates, journal, queue,
reconciliation, the discharge desk, settings), and the keyboard handed back to the window when one closes.

MainWindow (terminal.ui.main_window) is a WindowDialogs: this part only opens dialogs and forwards what they
decide to the controller.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QMainWindow, QWidget

from terminal.app import uistate
from terminal.app.operators import OperatorStore
from terminal.core import wire
from terminal.core.errors import user_message_of
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

    #: the cashier logs out (after the shift close, or without it): terminal.ui.app shows the login again
    logout_requested = Signal()

    ctl: CashierController
    cfg: Config
    operators: OperatorStore
    dialogs: dict[str, Any]

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.dialogs = {}
        self._last_added = ""  # hosp_code of the line the last add went to: Del's default
        self._removed: list[tuple[int, Any]] = []  # (index, FeeItem) removed by Del, for Ctrl+Z (this patient only)

    def _track(self, name: str, dlg: QDialog) -> None:
        """Keep the dialog; when it closes, the keyboard goes back to the cashier's window. The one it replaces
        is deleted (a dialog is the window's child: without this, every patient's tender dialog lived on)."""
        old = self.dialogs.get(name)
        self.dialogs[name] = dlg
        dlg.finished.connect(self._dialog_closed)
        if old is not None and old is not dlg:
            try:
                if old.isVisible():  # still open (a message box behind the new one): deleted once it closes
                    old.finished.connect(old.deleteLater)
                else:
                    old.deleteLater()
            except RuntimeError:  # deleted already (WA_DeleteOnClose)
                pass

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
        if getattr(self, "pharmacy", None) is not None:  # the counter: a barcode typed by hand (ui/pharmacy.py)
            from .pharmacy import open_code_entry

            open_code_entry(self, self.pharmacy)
            return
        dlg = ItemPicker(self.ctl.session.catalogue, self)
        dlg.item_chosen.connect(self._item_chosen)
        dlg.remove_last_requested.connect(self.remove_last_added)
        dlg.undo_requested.connect(self.undo_remove)
        self._track("items", dlg)
        dlg.open()

    def _item_chosen(self, item, qty: str) -> None:
        try:
            fee = item.fee_item(qty)
        except ValueError as e:
            self.ctl.say("error", str(e))
            self._say_picker(str(e))
            return
        if self.ctl.add_item(fee):
            self._last_added = fee.hosp_code
            self._select_line(self._line_of(fee.hosp_code))
        else:  # refused (a cap, the bill no longer editable): the picker says why, where the cashier looks
            self._say_picker(self.ctl.last_message[1])

    # Del / Ctrl+Z ----------------------------------------------------------------------------------------
    def _line_of(self, hosp_code: str) -> int:
        return next((n for n, it in enumerate(self.ctl.items) if it.hosp_code == hosp_code), -1)

    def _select_line(self, index: int) -> None:
        if 0 <= index < self.bill.table.rowCount():
            self.bill.table.selectRow(index)

    def _say_picker(self, text: str) -> None:
        picker = self.dialogs.get("items")
        if picker is not None and picker.isVisible():
            picker.say(text)

    def remove_line(self, index: int) -> None:
        """Del: the line goes; Ctrl+Z brings it back while this patient's bill is on the desk."""
        if not 0 <= index < len(self.ctl.items):
            return
        if getattr(self, "pharmacy", None) is not None:  # the counter's sale holds the line and its codes
            self.pharmacy.remove(index)
            return
        item = self.ctl.items[index]
        self.ctl.remove_item(index)
        if item not in self.ctl.items:
            self._removed.append((index, item))
            text = self.tr("已删除：") + f"{item.name} × {item.qty}" + self.tr("（Ctrl+Z 恢复）")
            self.ctl.say("ok", text)
            self._say_picker(text)
            self.bill.table.setCurrentCell(-1, -1)  # the next Del takes the last line again

    def remove_last_added(self) -> None:
        n = self._line_of(self._last_added)
        self.remove_line(n if n >= 0 else len(self.ctl.items) - 1)

    def undo_remove(self) -> None:
        if not self._removed:
            self.ctl.say("warn", self.tr("没有可恢复的删除"))
            return
        if not self.ctl.can_edit_bill():
            self.ctl._check_editable()
            return
        index, item = self._removed.pop()
        if self.ctl.insert_item(index, item):
            self._last_added = item.hosp_code
            self._select_line(self._line_of(item.hosp_code))
            text = self.tr("已恢复：") + f"{item.name} × {item.qty}"
            self.ctl.say("ok", text)
            self._say_picker(text)

    def forget_removed(self) -> None:
        """A new patient (or a settled bill): Ctrl+Z must never bring the last patient's line into this bill."""
        self._removed.clear()
        self._last_added = ""

    def load_bill_dialog(self) -> None:
        if not self.ctl.can_edit_bill():
            self.ctl._check_editable()
            return
        start = uistate.bill_dir(self.cfg.data_dir)
        dlg = QFileDialog(self, self.tr("载入账单"), str(start), self.tr("账单 (*.json)"))
        dlg.setOption(QFileDialog.Option.DontUseNativeDialog)  # the same dialog, keys and language on every desk
        dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
        L = QFileDialog.DialogLabel
        for label, text in ((L.LookIn, self.tr("查找范围：")), (L.FileName, self.tr("文件名：")),
                            (L.FileType, self.tr("文件类型：")), (L.Accept, self.tr("载入")),
                            (L.Reject, self.tr("取消"))):
            dlg.setLabelText(label, text)
        dlg.resize(860, 540)
        dlg.fileSelected.connect(self._bill_file_chosen)
        self._track("file", dlg)
        dlg.open()

    def _bill_file_chosen(self, path: str) -> None:
        if self.load_bill_file(path):
            uistate.remember(self.cfg.data_dir, bill_dir=str(Path(path).resolve().parent))

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

    def show_risk(self, review):
        """3101 found warnings: per warning continue (reason) or go back; the choices go to the desk (3103)."""
        from .risk import RiskDialog

        dlg = RiskDialog(review, self)
        dlg.decided.connect(self.ctl.risk_decide)
        dlg.rejected.connect(self.ctl.risk_go_back)
        self._track("risk", dlg)
        dlg.open()
        return dlg

    def confirm_same_card(self, person):
        """The previous patient's card is still in the reader and was read again: is it this patient's?
        No by default (Enter / Esc: take the card out); Y: go on with that person."""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("请取回社保卡"),
                          self.tr("读卡器中仍是上一位患者（%1）的社保卡。\n"
                                  "请提醒上一位患者取回社保卡。是否为该患者办理新的业务？")
                          .replace("%1", person.masked_name),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("sameCardDialog")
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("是，同一患者 (Y)"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("否，取回卡 (N)"))
        box.button(QMessageBox.StandardButton.Yes).setShortcut("Y")
        box.button(QMessageBox.StandardButton.No).setShortcut("N")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setEscapeButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda code: self.ctl.same_card_answer(code == QMessageBox.StandardButton.Yes))
        self._track("same_card", box)
        box.open()
        return box

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

    def open_shift(self, signoff: bool = False):
        """F6: the cashier's shift report (terminal.ui.shift); ``signoff`` at logout (Ctrl+L): close the shift,
        or log out without closing."""
        from .shift import ShiftDialog

        dlg = ShiftDialog(self.ctl, self, signoff=signoff)
        dlg.journal_requested.connect(self.open_journal)
        dlg.logout.connect(self.logout_requested)
        self._track("shift", dlg)
        dlg.open()
        dlg.activateWindow()
        return dlg

    def logout(self):
        """Ctrl+L: not while a settlement's outcome is open or a patient is half done; then the shift close."""
        from terminal.core.flow import State

        if self.ctl.busy or self.ctl.state not in (State.IDLE, State.SETTLED, State.CANCELLED, State.REVERSED):
            self.ctl.say("warn", self.tr("当前患者尚未办完：请先完成或按 Esc 放弃，再注销"))
            return None
        return self.open_shift(signoff=True)

    def open_day_close(self):
        """Shift+F8: the supervisor's day close (日结): a supervisor's PIN, then 3201 for the day in the
        background and every cashier's totals beside its verdict (terminal.ui.shift.DayCloseDialog)."""
        store = self.ctl.session.store
        if store is None:
            self.ctl.say("warn", self.tr("未启用交易日志，无法日结"))
            return None

        def run(sup) -> None:
            from .ops import Op
            from .shift import DayCloseDialog

            session = self.ctl.session

            def work():
                session.service.ensure_signed_in()
                return store.shifts.day_close(lambda day: store.reconcile(session.client, day), supervisor=sup.id)

            def done(body) -> None:
                dlg = DayCloseDialog(self.ctl, body, self)
                self._track("day_close", dlg)
                dlg.open()
                dlg.activateWindow()

            self.ctl.say("info", self.tr("日结：正在与医保平台对总账（3201）…"))
            Op(self.ctl.runner, self.tr("日结"), work).success(done).failure(
                lambda e: self.ctl.say("error", self.tr("日结未完成：") + user_message_of(e))).run()

        return self.ask_supervisor(self.tr("日结（全部收费员，3201 对总账）"), run)

    def open_discharge(self):
        """F12: the discharge desk for inpatients (2401...2304), sharing this session's client and journal."""
        desk = self.dialogs.get("discharge")
        if desk is None:
            from .discharge import DischargeDesk

            desk = DischargeDesk.for_session(self.ctl.session, parent=self,
                                             customer=getattr(self, "customer", None))
            desk.setWindowTitle(self.tr("住院出院结算") + " — " + self.cfg.facility.name)
            from .risk import attach_stay_risk

            attach_stay_risk(desk)  # 3102 / 3101 warnings in the same dialog as the outpatient desk's
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
