"""The cashier's main window: renders the controller's state, forwards the cashier's intents.

Keyboard first: F1 card, F2 e-code, F3 ID number, F4 add items, F5 pre-settle, F9 settle, F10 cancel,
Esc back / next patient; F6 journal, F7 queue, F8 reconciliation, F12 discharge desk, Ctrl+P reprint,
Ctrl+O load a bill.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QFileDialog, QFrame, QHBoxLayout, QLabel, QMainWindow,
                               QStatusBar, QVBoxLayout, QWidget)

from terminal.app.operators import OperatorStore
from terminal.core import wire
from terminal.core.flow import State
from terminal.core.models import Bill

from .controller import CashierController
from .customer import CustomerDisplay
from .items import ItemPicker
from .journal import JournalDialog, QueueDialog
from .login import SupervisorDialog
from .ops import Op
from .panels import BillPanel, IdentifyBar, PersonPanel, SettlementPanel
from .reconcile import ReconcileDialog
from .widgets import BusyOverlay, KeyButton, set_kind

log = logging.getLogger("terminal.ui.window")
S = State


class _CardBridge(QObject):
    """Card events arrive on the monitor's thread; this re-emits them on the UI thread."""

    event = Signal(object)


class MainWindow(QMainWindow):
    def __init__(self, ctl: CashierController, operators: OperatorStore, *, customer: CustomerDisplay | None = None,
                 camera_available: bool = False):
        super().__init__()
        self.setObjectName("mainWindow")
        self.ctl = ctl
        self.operators = operators
        self.cfg = ctl.cfg
        self.customer = customer
        self.reader_state = ""
        self.dialogs: dict[str, Any] = {}
        self._message_at = 0.0
        from terminal.crash import version_label

        self.setWindowTitle(self.tr("医保结算收费终端") + " — " + self.cfg.facility.name + "  v" + version_label())

        central = QWidget(self)
        central.setObjectName("central")
        self.setCentralWidget(central)
        root = QVBoxLayout(central)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)

        self.banner = QLabel(self.tr("训练模式 · 当前连接本机沙箱平台，结算不产生真实费用"), central)
        self.banner.setObjectName("trainingBanner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setVisible(ctl.session.training)
        root.addWidget(self.banner)

        # TLS verification switched off against a production platform (accepted by IT in the config): red, always
        self.tls_banner = QLabel(self.tr("安全警告：与医保平台的证书校验已关闭（backend.verify_tls = false），连接可被冒充或窃听。"
                                         "请通知信息科尽快恢复证书校验。"), central)
        self.tls_banner.setObjectName("tlsOffBanner")
        self.tls_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tls_banner.setWordWrap(True)
        self.tls_banner.setStyleSheet("QLabel#tlsOffBanner { background: #c62828; color: white; font-weight: bold;"
                                      " padding: 6px; }")
        self.tls_banner.setToolTip(self.cfg.backend.url)
        self.tls_banner.setVisible(bool(getattr(self.cfg, "insecure_tls", False)))
        root.addWidget(self.tls_banner)

        self.identify = IdentifyBar(central, camera_available=camera_available)
        root.addWidget(self.identify)

        self.msg = QLabel(central)
        self.msg.setObjectName("messageBar")
        self.msg.setFixedHeight(34)  # a fixed strip: a new message never re-lays-out the window
        root.addWidget(self.msg)

        # the platform's warn_msg for what is on the screen (1101 … 2207, 2208): yellow, until the next patient
        self.notice = QLabel(central)
        self.notice.setObjectName("platformNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.setStyleSheet("QLabel#platformNotice { background: #fff3c4; color: #5d4200; font-weight: bold;"
                                  " border: 2px solid #f9a825; border-radius: 4px; padding: 6px 12px;"
                                  " margin: 4px 10px 0 10px; }")
        self.notice.hide()
        self._notice_text = ""
        root.addWidget(self.notice)

        body = QHBoxLayout()
        body.setContentsMargins(10, 6, 10, 6)
        body.setSpacing(10)
        left = QVBoxLayout()
        left.setSpacing(8)
        self.person = PersonPanel(central)
        self.bill = BillPanel(central)
        left.addWidget(self.person)
        left.addWidget(self.bill, 1)
        body.addLayout(left, 11)
        self.result = SettlementPanel(central)
        self.result.setMinimumWidth(470)
        body.addWidget(self.result, 9)
        root.addLayout(body, 1)

        actions = QFrame(central)
        actions.setObjectName("actionBar")
        al = QHBoxLayout(actions)
        al.setContentsMargins(10, 6, 10, 6)
        al.setSpacing(8)
        self.preview_btn = KeyButton("F5", self.tr("预结算"), self, object_name="previewButton")
        self.settle_btn = KeyButton("F9", self.tr("结算"), self, object_name="settleButton")
        self.cancel_btn = KeyButton("F10", self.tr("撤销"), self, object_name="cancelButton")
        self.esc_btn = KeyButton("Esc", self.tr("返回"), self, object_name="escapeButton")
        # only while the platform is unreachable: full payment now, settled later (terminal.store)
        self.park_btn = KeyButton("F11", self.tr("离线挂账"), self, object_name="parkButton")
        self.journal_btn = KeyButton("F6", self.tr("日志"), self, object_name="journalButton")
        self.queue_btn = KeyButton("F7", self.tr("队列"), self, object_name="queueButton")
        self.recon_btn = KeyButton("F8", self.tr("对账"), self, object_name="reconcileButton")
        self.settings_btn = KeyButton("Ctrl+,", self.tr("设置"), self, object_name="settingsButton")
        # the discharge desk (inpatient settlement) in its own window
        self.discharge_btn = KeyButton("F12", self.tr("住院结算"), self, object_name="dischargeButton")
        for b in (self.preview_btn, self.settle_btn, self.cancel_btn, self.esc_btn, self.park_btn):
            b.setMinimumHeight(52)
            al.addWidget(b, 3)
        self.park_btn.hide()
        al.addSpacing(16)
        for b in (self.discharge_btn, self.journal_btn, self.queue_btn, self.recon_btn, self.settings_btn):
            b.setProperty("secondary", True)
            al.addWidget(b, 2)
        root.addWidget(actions)

        # the wait card covers the settlement panel only: cheap to paint, the bill stays readable
        self.overlay = BusyOverlay(self.result)
        self.overlay.abandon_clicked.connect(ctl.abandon)

        # status bar ---------------------------------------------------------------------------------
        sb = QStatusBar(self)
        sb.setObjectName("statusBar")
        sb.setSizeGripEnabled(False)
        self.setStatusBar(sb)
        self.st_platform = QLabel()
        self.st_platform.setObjectName("stPlatform")
        self.st_queue = QLabel()
        self.st_queue.setObjectName("stQueue")
        self.st_reader = QLabel()
        self.st_reader.setObjectName("stReader")
        self.st_operator = QLabel()
        self.st_operator.setObjectName("stOperator")
        self.st_training = QLabel(self.tr("训练模式"))
        self.st_training.setObjectName("stTraining")
        self.st_training.setVisible(ctl.session.training)
        self.st_clock = QLabel()
        self.st_clock.setObjectName("stClock")
        for w in (self.st_platform, self.st_queue, self.st_reader, self.st_operator):
            sb.addWidget(w)
        # the last scheduled reconciliation ([reconcile] schedule), hidden until one ran
        self.st_reconcile = QLabel()
        self.st_reconcile.setObjectName("stReconcile")
        self.st_reconcile.hide()
        sb.addPermanentWidget(self.st_reconcile)
        sb.addPermanentWidget(self.st_training)
        sb.addPermanentWidget(self.st_clock)

        # wiring ---------------------------------------------------------------------------------------
        self.identify.card_requested.connect(ctl.identify_card)
        self.identify.ecode_entered.connect(self.on_scanned)
        self.identify.id_entered.connect(self._id_entered)
        self.identify.camera_requested.connect(self.open_camera)
        self.person.insurance_chosen.connect(ctl.choose_insurance)
        self.person.acct_toggled.connect(ctl.set_acct_used)
        self.bill.add_requested.connect(self.open_item_picker)
        self.bill.load_requested.connect(self.load_bill_dialog)
        self.bill.remove_requested.connect(ctl.remove_item)
        self.bill.qty_changed.connect(ctl.set_qty)
        self.result.reprint_requested.connect(lambda: ctl.print_receipt(reprint=True))
        self.result.retry_reversal_requested.connect(ctl.retry_reversal)
        self.preview_btn.clicked.connect(ctl.preview_now)
        self.settle_btn.clicked.connect(self._settle_clicked)
        self.cancel_btn.clicked.connect(self.cancel_current)
        self.esc_btn.clicked.connect(ctl.escape)
        self.park_btn.clicked.connect(ctl.park_now)
        self.journal_btn.clicked.connect(self.open_journal)
        self.queue_btn.clicked.connect(self.open_queue)
        self.recon_btn.clicked.connect(self.open_reconcile)
        self.settings_btn.clicked.connect(self.open_settings)
        self.discharge_btn.clicked.connect(self.open_discharge)
        QShortcut(QKeySequence("Ctrl+P"), self).activated.connect(self._reprint_current)
        ctl.changed.connect(self.render)
        ctl.message.connect(self.show_message)
        ctl.busy_changed.connect(self._busy)
        ctl.duplicate.connect(self.show_duplicate)
        ctl.completed_found.connect(self.show_completed)
        ctl.status.changed.connect(self.render_status)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        # the scheduled reconciliation ([reconcile] schedule): checked every 30 s while the app runs
        self._recon_op = None
        self._recon_retry_at = 0.0
        self.recon_schedule = self._reconcile_schedule()
        self._recon_timer = QTimer(self)
        self._recon_timer.setInterval(30_000)
        self._recon_timer.timeout.connect(self.check_scheduled_reconcile)
        if self.recon_schedule is not None:
            self._recon_timer.start()
        self._card_bridge = _CardBridge(self)
        self._card_bridge.event.connect(self._card_event)
        self._card_watch = None
        self.wedge = None
        self._install_wedge()
        self.render()
        self.render_status()
        self._tick()

    # scanning / cards -----------------------------------------------------------------------------
    def _install_wedge(self) -> None:
        """The scanner colleague's keyboard-wedge filter: scans typed anywhere arrive as scanned(str)."""
        try:
            from . import wedge as wedge_mod
        except ImportError:
            return
        cls = None
        for name in ("WedgeFilter", "KeyboardWedge", "ScannerWedge", "WedgeEventFilter"):
            cls = getattr(wedge_mod, name, None)
            if cls is not None:
                break
        if cls is None:
            return
        sc = self.cfg.scanner
        try:
            try:
                w = cls(interval_ms=sc.wedge_interval_ms, min_length=sc.wedge_min_length, parent=self)
            except TypeError:
                w = cls(self)
        except Exception as e:  # noqa: BLE001
            log.warning("wedge filter not installed: %s", e)
            return
        from PySide6.QtWidgets import QApplication

        install = getattr(w, "install", None)
        if callable(install):
            try:
                install(QApplication.instance())
            except TypeError:
                install()
        else:
            QApplication.instance().installEventFilter(w)
        w.scanned.connect(self.on_scanned)
        self.wedge = w

    def on_scanned(self, text: str) -> None:
        """Anything the scanner (or the F2 field) produced: an e-code identifies, a drug code adds an item."""
        from drivers.scanner.classify import CodeKind, classify

        c = classify(text)
        if c.kind == CodeKind.ECODE:
            self.identify.ecode.clear()
            self.ctl.identify_ecode(c.code)
        elif c.kind == CodeKind.DRUG_BARCODE or (c.kind == CodeKind.JUNK and self.ctl.session.catalogue.by_code(c.code)):
            self.ctl.scan_item(c.code)
        elif c.kind == CodeKind.BILL_BARCODE:
            self.load_bill_by_number(c.code)
        else:
            self.ctl.say("error", c.message)

    def load_bill_by_number(self, bill_no: str) -> None:
        """A scanned visit/bill number. TODO(HIS): fetch the bill from the hospital system; until then
        look for <bill_no>.json in the configured data dir's bills folder."""
        p = Path(self.cfg.data_dir) / "bills" / f"{bill_no}.json"
        if p.is_file():
            self.load_bill_file(str(p))
        else:
            self.ctl.say("error", self.tr("未找到单据 ") + bill_no + self.tr("（未接入医院 HIS，请用 Ctrl+O 载入账单文件）"))

    def start_card_monitor(self) -> None:
        reader = self.ctl.session.card_reader
        if reader is None:
            self.reader_state = self.tr("未配置读卡器")
            self.render_status()
            return
        try:
            self._card_watch = reader.monitor(self._card_bridge.event.emit)
            self.reader_state = self.tr("读卡器就绪")
        except Exception as e:  # noqa: BLE001
            self.reader_state = self.tr("读卡器不可用：") + getattr(e, "user_message", str(e))
        self.render_status()

    def _card_event(self, ev) -> None:
        kind = getattr(getattr(ev, "kind", None), "value", str(getattr(ev, "kind", "")))
        zh = getattr(getattr(ev, "kind", None), "zh", kind)
        self.reader_state = zh
        if kind == "card_inserted":
            self.reader_state = self.tr("已插卡")
            if self.ctl.can_identify() or self.ctl.state in (S.SETTLED, S.CANCELLED, S.REVERSED):
                self.ctl.identify_card()
        elif kind == "card_removed":
            self.reader_state = self.tr("读卡器就绪（无卡）")
        elif kind in ("reader_removed", "service_lost"):
            set_kind(self.st_reader, "bad")
        self.render_status()

    def open_camera(self) -> None:
        try:
            from . import camera as camera_mod
        except ImportError:
            self.ctl.say("error", self.tr("摄像头扫码不可用"))
            return
        cls = getattr(camera_mod, "CameraScanDialog", None) or getattr(camera_mod, "CameraDialog", None)
        if cls is None:
            self.ctl.say("error", self.tr("摄像头扫码不可用"))
            return
        dlg = cls(self)
        sig = getattr(dlg, "scanned", None) or getattr(dlg, "decoded", None)
        if sig is not None:
            sig.connect(self.on_scanned)
        self._track("camera", dlg)
        dlg.open()

    def _track(self, name: str, dlg) -> None:
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

    # intents -------------------------------------------------------------------------------------
    def _id_entered(self, text: str) -> None:
        if self.ctl.identify_id(text) is not None:
            self.identify.idno.clear()

    def _settle_clicked(self) -> None:
        # disable first: a second press before the op starts can do nothing either (begin_settle gates too)
        self.settle_btn.setEnabled(False)
        self.ctl.settle_now()
        self.render()

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

    def ask_supervisor(self, reason: str, then) -> SupervisorDialog:
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
        if not self.ctl.can_cancel() or r is None:
            self.ctl.say("warn", self.tr("当前没有可撤销的结算；撤销以往结算请在日志（F6）中操作"))
            return
        self.ask_supervisor(self.tr("撤销结算 ") + r.setl_id, lambda sup: self.ctl.cancel_settlement(r, sup))

    def _reprint_current(self) -> None:
        if "journal" in self.dialogs and self.dialogs["journal"].isVisible():
            return
        self.ctl.print_receipt(reprint=True)

    def open_journal(self) -> JournalDialog:
        dlg = JournalDialog(self.ctl, self)
        dlg.reprint_requested.connect(lambda r: self.ctl.print_receipt(r, reprint=True))
        dlg.cancel_requested.connect(
            lambda r: self.ask_supervisor(self.tr("撤销结算 ") + r.setl_id,
                                          lambda sup: self.ctl.cancel_settlement(r, sup)))
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

    # scheduled reconciliation -------------------------------------------------------------------------
    def _reconcile_schedule(self):
        """[reconcile] schedule = "HH:MM": terminal.store's ReconcileSchedule (None when off or no journal)."""
        store = self.ctl.session.store
        at = str(getattr(getattr(self.cfg, "reconcile", None), "schedule", "") or "").strip()
        if not at or store is None:
            return None
        from terminal.store.reconcile import ReconcileSchedule

        try:
            return ReconcileSchedule.for_store(at, store)
        except Exception as e:  # noqa: BLE001 - the app runs on without it; IT is told which key
            log.error("reconcile.schedule %r not usable: %s", at, e)
            return None

    def check_scheduled_reconcile(self, now: datetime | None = None):
        """The timer's slot: when the schedule is due, the detail reconciliation of today runs in the background
        and its result shows in the status bar. Returns the op started, or None."""
        sched = self.recon_schedule
        if sched is None or self._recon_op is not None:
            return None
        now = now or datetime.now()
        if time.monotonic() < self._recon_retry_at or not sched.due(now):
            return None
        session = self.ctl.session
        rec = session.store.reconciler
        day = now.strftime("%Y-%m-%d")
        op = self.ctl.operator
        operator = op.id if op is not None else ""

        def work():
            session.service.ensure_signed_in()
            return rec.reconcile_detail(session.client, day, operator=operator)

        def done(report) -> None:
            sched.ran(day)
            n = len(report.open_differences)
            if report.clean:
                text, kind = self.tr("自动对账 %1：与平台逐笔一致").replace("%1", day), "ok"
            elif n:
                text, kind = self.tr("自动对账 %1：%2 笔差异待处理，请按 F8 查看").replace("%1", day) \
                    .replace("%2", str(n)), "warn"
            else:
                text, kind = self.tr("自动对账 %1：%2（F8 查看）").replace("%1", day).replace("%2", report.summary), "warn"
            self._show_scheduled(text, kind, report.summary)

        def failed(e: BaseException) -> None:
            why = getattr(e, "user_message", str(e))
            self._recon_retry_at = time.monotonic() + 600  # the platform may be down: again in 10 minutes
            self._show_scheduled(self.tr("自动对账 %1 未完成（10 分钟后重试）：").replace("%1", day) + why, "bad", why)

        def finished() -> None:
            self._recon_op = None

        self._show_scheduled(self.tr("自动对账 %1 进行中…").replace("%1", day), "", "")
        self._recon_op = Op(self.ctl.runner, self.tr("自动对账"), work).success(done).failure(failed) \
            .always(finished).run()
        return self._recon_op

    def _show_scheduled(self, text: str, kind: str, tip: str) -> None:
        self.st_reconcile.setText(text)
        self.st_reconcile.setToolTip(tip)
        set_kind(self.st_reconcile, kind)
        self.st_reconcile.show()
        if kind:
            log.info("scheduled reconciliation: %s", text)
            dlg = self.dialogs.get("reconcile")
            if dlg is not None and dlg.isVisible() and not dlg.busy:
                dlg._load_day()

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

    # rendering -----------------------------------------------------------------------------------------
    def show_message(self, level: str, text: str) -> None:
        self.msg.setText(text)
        self.msg.setToolTip(text)
        set_kind(self.msg, level)
        self._message_at = time.monotonic()

    def _busy(self, op) -> None:
        if op is None:
            self.overlay.hide_op()
        else:
            if op.kind == "settle":
                hint = self.tr("结算请求已发出。若长时间无应答，可按 Esc 停止等待：系统不会重复结算，"
                               "结果将在平台应答后自动确认或冲正。")
                text = self.tr("停止等待 (Esc)")
            else:
                hint = self.tr("可按 Esc 放弃，不影响已完成的步骤。")
                text = self.tr("放弃 (Esc)")
            self.overlay.show_op(op, hint, text)
        self.render()

    def render(self) -> None:
        c = self.ctl
        st = c.state
        self.identify.set_enabled(c.can_identify() or st in (S.SETTLED, S.CANCELLED, S.REVERSED))
        self.person.render(c, self.cfg.facility.admdvs)
        self.bill.render(c)
        self.result.render(c)
        self.preview_btn.setEnabled(c.can_preview())
        self.settle_btn.setEnabled(c.can_settle())
        set_kind(self.settle_btn, "primary" if c.can_settle() else "")
        self.cancel_btn.setEnabled(c.can_cancel())
        offline = c.status.state == "offline" and c.session.store is not None
        self.park_btn.setVisible(offline)
        self.park_btn.setEnabled(c.can_park())
        self.esc_btn.set_caption(self.tr("放弃") if c.busy else (
            self.tr("下一位") if st in (S.SETTLED, S.CANCELLED, S.REVERSED, S.IDLE) else self.tr("返回")))
        self.esc_btn.setEnabled(st != S.UNCERTAIN or c.busy)
        self.render_notice()
        if self.customer is not None:
            self.customer.render(c)
        self.render_status()

    def render_notice(self) -> None:
        warns = list(getattr(self.ctl, "platform_warns", []) or [])
        text = (self.tr("⚠ 医保平台提示：") + "；".join(warns)) if warns else ""
        if text != self._notice_text:  # only when it changes: showing or hiding it lays the window out again
            self._notice_text = text
            self.notice.setText(text)
            self.notice.setToolTip(text)
            self.notice.setVisible(bool(text))

    def render_status(self) -> None:
        ps = self.ctl.status
        offline = ps.state == "offline" and self.ctl.session.store is not None
        if self.park_btn.isVisible() != offline:
            self.park_btn.setVisible(offline)
            self.park_btn.setEnabled(self.ctl.can_park())
        text = {"online": self.tr("医保平台：在线"), "slow": self.tr("医保平台：响应慢"),
                "offline": self.tr("医保平台：离线"), "unknown": self.tr("医保平台：连接中…")}[ps.state]
        if ps.state in ("online", "slow") and not ps.signed_in:
            text += self.tr("（未签到）")
        if ps.state == "slow":
            text += f" {ps.last_elapsed:.1f}s"
        self.st_platform.setText(text)
        self.st_platform.setToolTip(ps.detail)
        set_kind(self.st_platform, {"online": "ok", "slow": "warn", "offline": "bad"}.get(ps.state, ""))
        n = self.ctl.queue_count
        self.st_queue.setText(self.tr("未发送队列：%1").replace("%1", str(n)))
        set_kind(self.st_queue, "warn" if n else "")
        self.st_reader.setText(self.tr("读卡器：") + (self.reader_state or self.tr("未知")))
        op = self.ctl.operator
        self.st_operator.setText(self.tr("操作员：") + (f"{op.id} {op.name}（{op.role_name}）" if op else "—"))

    def _tick(self) -> None:
        self.st_clock.setText(datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
        self._ticks = getattr(self, "_ticks", 0) + 1
        if self._ticks % 5 == 0:
            self.ctl.refresh_queue_count()
        if self._ticks % 20 == 0 and not self.ctl.busy:
            self.ctl.probe()
        if self.ctl.state == S.UNCERTAIN and self.ctl.reversal_state == "waiting":
            self.result.render(self.ctl)

    # lifecycle -------------------------------------------------------------------------------------------
    def closeEvent(self, ev) -> None:
        if self.ctl.state in (S.SETTLING, S.UNCERTAIN):
            self.ctl.say("error", self.tr("结算结果未确认，不能退出；请等待冲正完成"))
            ev.ignore()
            return
        self.shutdown()
        super().closeEvent(ev)

    def shutdown(self) -> None:
        if self._card_watch is not None:
            try:
                self._card_watch.stop()
            except Exception:  # noqa: BLE001
                pass
            self._card_watch = None
        if self.wedge is not None:
            from PySide6.QtWidgets import QApplication

            app = QApplication.instance()
            if app is not None:
                uninstall = getattr(self.wedge, "uninstall", None)
                if callable(uninstall):
                    uninstall(app)
                else:
                    app.removeEventFilter(self.wedge)
            self.wedge = None
        if self.customer is not None:
            self.customer.close()
        self._clock.stop()
        self._recon_timer.stop()
        self.ctl._retry.stop()
        self.ctl.runner.shutdown(3000)

