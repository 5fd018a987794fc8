"""Start the cashier app: QApplication (high-DPI, CJK font, style, translation), login, main window,
customer display, background sign-in and card monitor."""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, Qt, QTranslator, Signal
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication

from .qtprobe import CJK_FAMILIES

if TYPE_CHECKING:
    from terminal.app import AppSession
    from terminal.config import Config

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
TRANSLATIONS = RESOURCES / "translations"
STYLE = RESOURCES / "style" / "cashier.qss"

BASE_PT = 12.0
#: cash share on the cashier screen (>= 48 pt) and on the customer display
CASH_PT = 56
HUGE_PT = 110


def ensure_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("yibao-terminal")
    app.setOrganizationName("yibao-terminal")
    app.setApplicationDisplayName(QCoreApplication.translate("App", "医保结算收费终端"))
    from .gcguard import install as install_gc_guard

    install_gc_guard(app)  # cyclic GC on the UI thread only (PySide double-delete otherwise)
    return app  # type: ignore[return-value]


def cjk_family() -> str:
    fams = set(QFontDatabase.families())
    for f in CJK_FAMILIES:
        if f in fams:
            return f
    return QFont().defaultFamily()


def stylesheet(scale: float = 1.0) -> str:
    try:
        text = STYLE.read_text(encoding="utf-8")
    except OSError:
        return ""
    sizes = {"@BASE@": BASE_PT * scale, "@L@": 15 * scale, "@XL@": 20 * scale, "@CASH@": max(48, CASH_PT * scale),
             "@HUGE@": HUGE_PT * scale}
    for k, v in sizes.items():
        text = text.replace(k, f"{v:g}")
    return text


def apply_style(app: QApplication, cfg) -> None:
    scale = float(getattr(cfg.ui, "font_scale", 1.0) or 1.0)
    f = QFont(cjk_family())
    f.setPointSizeF(BASE_PT * scale)
    app.setFont(f)
    app.setStyle("Fusion")
    app.setStyleSheet(stylesheet(scale))


_translators: list[QTranslator] = []


def install_translator(app: QApplication, language: str) -> bool:
    """zh_CN is the source language; other languages load resources/translations/yibao_<lang>.qm."""
    for t in _translators:
        app.removeTranslator(t)
    _translators.clear()
    QLocale.setDefault(QLocale(language))
    if language in ("", "zh_CN"):
        qt = QTranslator(app)
        if qt.load(QLocale("zh_CN"), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
            _translators.append(qt)
        return True
    t = QTranslator(app)
    ok = t.load(f"yibao_{language}", str(TRANSLATIONS))
    if ok:
        app.installTranslator(t)
        _translators.append(t)
    else:
        log.warning("no translation for %s in %s", language, TRANSLATIONS)
    return ok


class CashierApp:
    """One running app: the session (terminal.app: store, client, services, operators), controller, windows.
    Used by `cmd_app`, the demo and tests."""

    def __init__(self, cfg: Config, session: AppSession, *, customer_display: bool | None = None,
                 app: QApplication | None = None):
        from .controller import CashierController
        from .memory import tune_malloc

        tune_malloc()  # a day at the desk must not ratchet the heap up (terminal/ui/memory.py)
        self.app = app or ensure_app()
        self.cfg = cfg
        self.session = session
        self.operators = session.operators
        self.ctl = CashierController(session)
        self.window: Any = None
        self.customer: Any = None
        self.login: Any = None
        self.want_customer = cfg.ui.customer_display if customer_display is None else customer_display

    def show_login(self):
        from .login import AddOperatorDialog, LoginDialog

        if not self.session.training and self.operators.count() == 0:
            first = AddOperatorDialog(self.operators, first=True)
            first.added.connect(lambda _op: self.show_login())
            first.open()
            self.login = first
            return first
        dlg = LoginDialog(self.operators, training=self.session.training, facility_name=self.cfg.facility.name)
        dlg.logged_in.connect(self.start)
        dlg.rejected.connect(lambda: (self.window is None or not self.window.isVisible()) and self.app.quit())
        self.login = dlg
        dlg.show()
        if os.environ.get("YIBAO_BENCH_READY"):  # bench/cold_start.py: the login screen is shown and painted
            _bench_ready(dlg)
        return dlg

    def start(self, operator) -> None:
        from .customer import CustomerDisplay
        from .main_window import MainWindow

        self.session.set_operator(operator)
        self.ctl.operator = operator
        if self.window is not None:  # the next cashier after a logout (handover): the same window and desk
            if self.customer is not None:
                self.customer.show()
            self.window.show()
            self.window.raise_()
            self.window.activateWindow()
            self.window.render()
            self.ctl.sign_in()
            return
        if self.want_customer:
            self.customer = CustomerDisplay(self.cfg.facility.name, self.cfg.facility.code, self.session.training)
        camera = bool(self.cfg.scanner.camera) and _camera_available()
        self.window = MainWindow(self.ctl, self.operators, customer=self.customer, camera_available=camera)
        self.window.resize(1366, 768)
        self.window.show()
        if self.customer is not None:
            self.customer.place()
            self.window.raise_()
            self.window.activateWindow()
        self.window.logout_requested.connect(self.logout)
        self.window.start_card_monitor()
        self.ctl.start_background()
        self.ctl.sign_in()

    def logout(self) -> None:
        """The cashier logged out (after the shift close, or without it): the window waits hidden for the next
        cashier's login."""
        if self.window is not None:
            self.window.hide()
        if self.customer is not None:
            self.customer.hide()
        self.ctl.operator = None
        self.show_login()

    def close(self) -> None:
        if self.window is not None:
            self.window.shutdown()
            self.window.close()
            self.window = None  # Python owns the top-level windows: dropping them frees them
        if self.customer is not None:
            self.customer.close()
            self.customer = None
        if self.login is not None:
            self.login.close()
            self.login = None
        self.ctl.runner.shutdown(3000)
        self.ctl.runner._reap()


class _CrashDialog(QObject):
    """Hands the crash handler's message (from any thread) to the UI thread as a message box."""

    show = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.show.connect(self._show)

    def _show(self, text: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "医保结算收费终端", text)


def _bench_ready(widget) -> None:
    """Print "READY" once the first event-loop pass has painted widget (the parent process times it)."""
    from PySide6.QtCore import QTimer

    def ready() -> None:
        widget.repaint()
        print("READY", flush=True)

    QTimer.singleShot(0, ready)


def _camera_available() -> bool:
    try:
        from .camera import camera_available
    except ImportError:
        return False
    try:
        return bool(camera_available())
    except Exception:
        return False


def run(cfg, *, card_reader: Any = None, sandbox: Any = None, extra: Any = None) -> int:
    """Start the app per cfg and run the event loop. extra(app: CashierApp) may add windows (demo)."""
    from terminal.app import AppSession

    os.environ.setdefault("QT_ENABLE_HIGHDPI_SCALING", "1")
    app = ensure_app()
    apply_style(app, cfg)
    install_translator(app, cfg.ui.language)
    from PySide6.QtWidgets import QMessageBox

    from terminal.crash import install_crash_handler

    crash_dialog = _CrashDialog()
    install_crash_handler(cfg, show_dialog=crash_dialog.show.emit)
    try:
        session = AppSession.open(cfg, sandbox=sandbox, card_reader=card_reader)
    except Exception as e:  # a start-up failure must be told, not dumped
        log.exception("start-up failed")
        QMessageBox.critical(None, "医保结算收费终端", str(e))
        return 2
    ca = CashierApp(cfg, session, app=app)
    try:
        if extra is not None:
            extra(ca)
        ca.show_login()
        return app.exec()
    finally:
        ca.close()
        session.close()
