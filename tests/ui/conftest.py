"""UI test fixtures: the real cashier app (widgets, controller, store) against the sandbox platform over HTTP.

QT_QPA_PLATFORM=offscreen is set before Qt loads. `desk` logs a demo cashier in through the login dialog
and hands back a Desk with the window, the controller and helpers to drive the keyboard.
"""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from terminal import config as config_mod
from terminal.core.flow import State
from tests.support import BILLS, PERSONS, make_config


@pytest.fixture(scope="session", autouse=True)
def _ui_style(qapp):
    from terminal.ui.app import apply_style, install_translator

    from terminal.ui.gcguard import install as install_gc_guard

    install_gc_guard(qapp)  # as the app does: cyclic GC only on the UI thread
    cfg = config_mod.Config()
    apply_style(qapp, cfg)
    install_translator(qapp, "zh_CN")
    yield
    # free what the tests left while the QApplication still exists (not in the interpreter's final GC)
    import gc

    qapp.processEvents()
    gc.collect()
    qapp.processEvents()


@pytest.fixture(autouse=True)
def _free_on_the_ui_thread(qapp):
    """After each test, free what it left on the UI thread, so no Qt wrapper dies on a worker thread."""
    yield
    import gc

    qapp.processEvents()
    gc.collect()
    qapp.processEvents()


@pytest.fixture
def ui_cfg(tmp_path):
    return make_config(tmp_path / "data", read_timeout=10.0)


class Desk:
    """The running app as a cashier sees it, plus what a test needs to look at."""

    def __init__(self, qtbot, ca, sandbox, reader):
        self.qtbot, self.ca, self.sandbox, self.reader = qtbot, ca, sandbox, reader
        self.window = ca.window
        self.ctl = ca.ctl

    # keyboard --------------------------------------------------------------------------------
    def key(self, key, widget=None) -> None:
        from PySide6.QtCore import Qt

        k = getattr(Qt.Key, f"Key_{key}") if isinstance(key, str) else key
        self.qtbot.keyClick(widget or self.window, k)

    def type_into(self, widget, text: str, enter: bool = True) -> None:
        from PySide6.QtCore import Qt

        widget.setFocus()
        widget.clear()
        self.qtbot.keyClicks(widget, text)
        if enter:
            self.qtbot.keyClick(widget, Qt.Key.Key_Return)

    def wait_state(self, state: State, timeout: int = 15000) -> None:
        self.qtbot.waitUntil(lambda: self.ctl.state == state and not self.ctl.busy, timeout=timeout)

    def wait_idle(self, timeout: int = 15000) -> None:
        self.qtbot.waitUntil(lambda: not self.ctl.busy, timeout=timeout)

    # flows -----------------------------------------------------------------------------------
    def identify_by_id(self, person_key: str) -> None:
        self.key("F3")
        self.type_into(self.window.identify.idno, PERSONS[person_key]["certno"])
        self.wait_state(State.IDENTIFIED if not self.ctl.items else State.BILLED)

    def load_bill(self, name: str = "outpatient-nanning.json") -> None:
        assert self.window.load_bill_file(str(BILLS / name))

    def preview(self) -> None:
        self.key("F5")
        self.wait_state(State.PREVIEWED)

    def settle(self, tender: bool = True) -> None:
        """F9, and (tender) the cash share collected as exact cash: Enter in the tender dialog (0.00: nothing)."""
        self.key("F9")
        self.qtbot.waitUntil(lambda: self.ctl.state in (State.SETTLED, State.DONE) and not self.ctl.busy,
                             timeout=15000)
        if tender:
            self.tender_exact()

    def tender_dialog(self):
        from terminal.ui.tender import TenderDialog

        self.qtbot.waitUntil(lambda: self.active_dialog(TenderDialog) is not None, timeout=3000)
        return self.active_dialog(TenderDialog)

    def tender_exact(self) -> None:
        """Enter in the tender dialog as it opens (the amount due, cash); nothing when nothing is due."""
        from PySide6.QtCore import Qt

        if self.ctl.till.due_open:
            dlg = self.tender_dialog()
            self.qtbot.keyClick(dlg.amount, Qt.Key.Key_Return)
            self.wait_state(State.DONE)
            self.wait_window_active()

    def cancel_reason(self, text: str = "") -> str:
        """F10 asks why first (issue 13): the first reason on the list (plus ``text``), Enter. Returns it."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        from terminal.ui.tender import CancelReasonDialog

        self.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), CancelReasonDialog), timeout=3000)
        why = QApplication.activeModalWidget()
        if text:
            why.text.insert(text)
        self.qtbot.keyClick(why.text, Qt.Key.Key_Return)
        return why.reason()

    def finish_refund(self) -> None:
        """The cancelled settlement's refund by its original tender: Enter per line, Enter to close."""
        from PySide6.QtCore import Qt

        from terminal.ui.tender import RefundDialog

        if self.ctl.till.refund is None:
            return
        self.qtbot.waitUntil(lambda: self.active_dialog(RefundDialog) is not None, timeout=3000)
        rd = self.active_dialog(RefundDialog)
        while not self.ctl.till.refund.complete:
            self.qtbot.keyClick(rd, Qt.Key.Key_Return)
            self.wait_idle()
        self.qtbot.keyClick(rd, Qt.Key.Key_Return)
        self.wait_window_active()

    def wait_window_active(self) -> None:
        """A dialog closed: the window's keys work again once it is the active window."""
        from PySide6.QtWidgets import QApplication

        self.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None and
                             QApplication.activeWindow() is self.window, timeout=3000)

    def settle_bill(self, person_key: str = "local"):
        """The Nanning bill for person_key from loading to settled; the receipt."""
        self.load_bill()
        self.identify_by_id(person_key)
        self.preview()
        self.settle()
        return self.ctl.receipt

    def booked(self) -> list[dict]:
        return [r for r in self.sandbox.ledger() if r["infno"] == "2207"]

    # dialogs ---------------------------------------------------------------------------------
    def modal(self, cls, timeout: int = 5000):
        """The modal dialog of class cls, once it is the active one."""
        from PySide6.QtWidgets import QApplication

        self.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), cls), timeout=timeout)
        return QApplication.activeModalWidget()

    def active_dialog(self, cls):
        """The active modal dialog when it is of class cls, else None."""
        from PySide6.QtWidgets import QApplication

        w = QApplication.activeModalWidget()
        return w if isinstance(w, cls) else None

    def supervisor(self):
        """The supervisor's PIN dialog, once it asks (a cancellation asks why first: the first reason is given)."""
        from PySide6.QtWidgets import QApplication

        from terminal.ui.login import SupervisorDialog
        from terminal.ui.tender import CancelReasonDialog

        asks = (SupervisorDialog, CancelReasonDialog)
        self.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), asks), timeout=3000)
        if isinstance(QApplication.activeModalWidget(), CancelReasonDialog):
            self.cancel_reason()
        return self.modal(SupervisorDialog, timeout=3000)


def sign(qtbot, dlg, op_id: str, pin: str) -> None:
    """Types the operator and PIN into a login or supervisor dialog (what was there is cleared) and presses Enter."""
    from PySide6.QtCore import Qt

    dlg.op_id.clear()
    qtbot.keyClicks(dlg.op_id, op_id)
    dlg.pin.clear()
    qtbot.keyClicks(dlg.pin, pin)
    qtbot.keyClick(dlg.pin, Qt.Key.Key_Return)


def login(qtbot, ca, op_id: str = "0001", pin: str = "1234"):
    dlg = ca.show_login()
    qtbot.addWidget(dlg)
    sign(qtbot, dlg, op_id, pin)
    return dlg


@pytest.fixture
def make_desk(qtbot, sandbox, ui_cfg):
    """make_desk(customer=True, reader=None, cfg_changes=callable) -> logged-in Desk."""
    made = []

    def make(*, customer: bool = True, reader=None, op_id: str = "0001", pin: str = "1234"):
        from drivers.virtual import VirtualCardReader
        from terminal.ui.app import CashierApp
        from terminal.app import AppSession

        reader = reader if reader is not None else VirtualCardReader()
        session = AppSession.open(ui_cfg, sandbox=sandbox, card_reader=reader)
        ca = CashierApp(ui_cfg, session, customer_display=customer)
        made.append((ca, session))
        login(qtbot, ca, op_id, pin)
        qtbot.waitUntil(lambda: ca.window is not None, timeout=5000)
        ca.window.activateWindow()
        qtbot.waitExposed(ca.window)
        qtbot.waitUntil(lambda: ca.ctl.status.signed_in, timeout=10000)
        return Desk(qtbot, ca, sandbox, reader)

    yield make
    from PySide6.QtWidgets import QApplication, QDialog

    for w in QApplication.topLevelWidgets():  # a dialog the test left open (a tender, a refund) goes with its desk
        if isinstance(w, QDialog) and w.isVisible():
            w.reject()
    for ca, session in made:
        ca.close()
        session.close()
        qtbot.wait(10)
    made.clear()


@pytest.fixture
def desk(make_desk):
    return make_desk()
