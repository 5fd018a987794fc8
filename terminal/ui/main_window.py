"""The cashier's main window: renders the controller's state, forwards the cashier's intents.

Keyboard first: F1 card, F2 e-code, F3 ID number, F4 add items, F5 pre-settle, F9 settle, F10 cancel,
Esc back / next patient; Del removes a line, Ctrl+Z brings it back; Ctrl+I insurance type; Ctrl+M 门诊慢特病 bill;
F6 shift report (交班), Shift+F6 journal, F7 queue, F8 reconciliation, Shift+F8 day close (日结, supervisor), Ctrl+L
log out (shift close first), Ctrl+H pending HIS bills, F12 discharge desk, Ctrl+P reprint, Ctrl+O load a bill.
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QStatusBar, QVBoxLayout, QWidget

from terminal.app.operators import OperatorStore
from terminal.core.flow import State

from .cardwatch import CardWatch
from .codenames import name as code_name
from .controller import CashierController
from .customer import CustomerDisplay
from .panels import BillPanel, IdentifyBar, PersonPanel
from .settlement_panel import SettlementPanel
from .wedge import WedgeFilter
from .widgets import BusyOverlay, KeyButton, set_kind
from .recon_schedule import ScheduledReconcile
from .window_dialogs import WindowDialogs

log = logging.getLogger(__name__)
S = State


class MainWindow(ScheduledReconcile, WindowDialogs):
    """The cashier's window: identify bar, person, bill, settlement, action keys and status bar; the dialogs it
    opens are in WindowDialogs, the card reader's events come through CardWatch."""

    def __init__(self, ctl: CashierController, operators: OperatorStore, *, customer: CustomerDisplay | None = None,
                 camera_available: bool = False):
        super().__init__()
        self.setObjectName("mainWindow")
        self.ctl = ctl
        self.operators = operators
        self.cfg = ctl.cfg
        self.customer = customer
        self.reader_state = ""
        self._ticks = 0  # clock ticks (1 s): the queue count every 5, a platform probe every 20
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
        self.tls_banner = QLabel(self.tr(
            "安全警告：与医保平台的证书校验已关闭（backend.verify_tls = false），连接可被冒充或窃听。"
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
        self.msg.setMinimumWidth(1)  # nor widens it: a long text is cut, the whole of it in the tooltip
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
        al.setContentsMargins(6, 6, 6, 6)
        al.setSpacing(4)  # thirteen keys: within 1366 px in English too (tests/ui/test_park_refusal.py)
        self.preview_btn = KeyButton("F5", self.tr("预结算"), self, object_name="previewButton")
        self.settle_btn = KeyButton("F9", self.tr("结算"), self, object_name="settleButton")
        self.cancel_btn = KeyButton("F10", self.tr("撤销"), self, object_name="cancelButton")
        self.esc_btn = KeyButton("Esc", self.tr("返回"), self, object_name="escapeButton")
        # only while the platform is unreachable: full payment now, settled later (terminal.store)
        self.park_btn = KeyButton("F11", self.tr("离线挂账"), self, object_name="parkButton")
        self.shift_btn = KeyButton("F6", self.tr("交班"), self, object_name="shiftButton")
        # only for a person the platform refuses: the whole bill paid by the patient, no platform call
        self.self_pay_btn = KeyButton("Ctrl+F9", self.tr("自费收款"), self, object_name="selfPayButton")
        self.journal_btn = KeyButton("Shift+F6", self.tr("日志"), self, object_name="journalButton")
        self.queue_btn = KeyButton("F7", self.tr("队列"), self, object_name="queueButton")
        self.recon_btn = KeyButton("F8", self.tr("对账"), self, object_name="reconcileButton")
        self.settings_btn = KeyButton("Ctrl+,", self.tr("设置"), self, object_name="settingsButton")
        # the discharge desk (inpatient settlement) in its own window
        self.discharge_btn = KeyButton("F12", self.tr("住院结算"), self, object_name="dischargeButton")
        for b in (self.preview_btn, self.settle_btn, self.cancel_btn, self.esc_btn, self.park_btn, self.self_pay_btn):
            b.setMinimumHeight(52)
            al.addWidget(b, 3)
        self.park_btn.hide()
        self.self_pay_btn.hide()
        al.addSpacing(6)
        for b in (self.discharge_btn, self.shift_btn, self.journal_btn, self.queue_btn, self.recon_btn,
                  self.settings_btn):
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
        self.person.insurance_chosen.connect(self._insurance_chosen)
        self.person.acct_toggled.connect(ctl.set_acct_used)
        self.bill.add_requested.connect(self.open_item_picker)
        self.bill.load_requested.connect(self.load_bill_dialog)
        self.bill.remove_requested.connect(self.remove_line)
        self.bill.qty_changed.connect(ctl.set_qty)
        self.result.reprint_requested.connect(lambda: ctl.print_receipt(reprint=True))
        self.result.retry_reversal_requested.connect(ctl.retry_reversal)
        self.preview_btn.clicked.connect(ctl.preview_now)
        self.settle_btn.clicked.connect(self._settle_clicked)
        self.cancel_btn.clicked.connect(self.cancel_current)
        self.esc_btn.clicked.connect(ctl.escape)
        self.park_btn.clicked.connect(self._f11)
        self.shift_btn.clicked.connect(lambda: self.open_shift())
        self.self_pay_btn.clicked.connect(ctl.self_pay)
        # a key whose button cannot act still says why (F9 before F5, Ctrl+F9 not offered, F5 with nobody known)
        self.preview_btn.explain, self.settle_btn.explain = ctl.preview_now, ctl.settle_now
        self.self_pay_btn.explain = ctl.self_pay
        self.journal_btn.clicked.connect(self.open_journal)
        QShortcut(QKeySequence("Shift+F8"), self).activated.connect(self.open_day_close)
        QShortcut(QKeySequence("Ctrl+L"), self).activated.connect(self.logout)
        self.queue_btn.clicked.connect(self.open_queue)
        self.recon_btn.clicked.connect(self.open_reconcile)
        self.settings_btn.clicked.connect(self.open_settings)
        self.discharge_btn.clicked.connect(self.open_discharge)
        QShortcut(QKeySequence("Ctrl+P"), self).activated.connect(self._reprint_current)
        QShortcut(QKeySequence("Ctrl+Z"), self).activated.connect(self.undo_remove)  # after Del: the line is back
        # Ctrl+I: the insurance-type chooser (险种) opens; ↑↓ and Enter pick, nothing changes without Enter
        QShortcut(QKeySequence("Ctrl+I"), self).activated.connect(self.person.open_chooser)
        ctl.changed.connect(self.render)
        ctl.message.connect(self.show_message)
        ctl.busy_changed.connect(self._busy)
        ctl.duplicate.connect(self.show_duplicate)
        ctl.completed_found.connect(self.show_completed)
        ctl.same_card.connect(self.confirm_same_card)
        ctl.risk_found.connect(self.show_risk)
        ctl.tender_open.connect(self.show_tender)
        ctl.refund_open.connect(self.show_refund)
        ctl.status.changed.connect(self.render_status)
        if customer is not None:  # the display's footer follows the platform status (no 您无需垫付 while offline)
            ctl.status.changed.connect(lambda: customer.render(ctl))
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
        self.cards = CardWatch(ctl.session.card_reader, self)
        self.cards.changed.connect(self._reader_changed)
        self.wedge: WedgeFilter | None = None
        self._install_wedge()
        from .his_panel import HisDesk  # the HIS's pushed bills (待收费, Ctrl+H); serves [his] when enabled

        self.his = HisDesk(self)
        self.pharmacy = None  # [facility] kind = "pharmacy": the counter's scans, sale, strip and keys (ui/pharmacy.py)
        if self.cfg.facility.kind == "pharmacy":
            from .pharmacy import attach

            self.pharmacy = attach(self)
        from .chronic import ChronicKeys  # 门诊慢特病: the filings on identification, Ctrl+M

        self.chronic = ChronicKeys(self)
        self.render()
        self.render_status()
        self._tick()

    # scanning / cards -----------------------------------------------------------------------------
    def _install_wedge(self) -> None:
        """The keyboard-wedge filter: scans typed anywhere arrive as scanned(str), not as keys in a field."""
        sc = self.cfg.scanner
        w = WedgeFilter(self, interval_ms=sc.wedge_interval_ms, min_length=sc.wedge_min_length)
        w.install(QApplication.instance())
        w.scanned.connect(self.on_scanned)
        self.wedge = w

    def on_scanned(self, text: str) -> None:
        """Anything the scanner (or the F2 field) produced: an e-code identifies, a drug code adds an item."""
        from drivers.scanner.classify import CodeKind, classify

        if self.ctl.operator is None:  # logged out (the login screen is up): nobody to serve the patient
            return
        c = classify(text)
        d = self.dialogs.get("discharge")
        if d is not None and d.isActiveWindow() and c.kind == CodeKind.ECODE:
            d.find(c.code)  # the discharge desk is the cashier's window now: the patient's e-code is for it
            return
        if self.ctl.till.due_open and self.scanned_for_tender(c.code, c.kind == CodeKind.PAYMENT_CODE):
            return
        if self.ctl.till.refund is not None and self.scanned_for_refund(c.code):
            return
        if self.pharmacy is not None and (c.kind != CodeKind.ECODE or self.pharmacy.rx_open) \
                and self.pharmacy.scanned(c.code):
            return  # a box, a traceability code or the prescription number
        if c.kind == CodeKind.ECODE:
            self.identify.ecode.clear()
            self.ctl.identify_ecode(c.code)
        elif c.kind == CodeKind.DRUG_BARCODE or (c.kind == CodeKind.JUNK
                                                 and self.ctl.session.catalogue.by_code(c.code)):
            self.ctl.scan_item(c.code)
        elif c.kind == CodeKind.BILL_BARCODE:
            self.load_bill_by_number(c.code)
        elif self.his.load(c.code):  # another HIS numbering printed on the patient's slip
            pass
        else:
            self.ctl.say("error", c.message)

    def load_bill_by_number(self, bill_no: str) -> None:
        """A scanned visit/bill number: the bill the HIS pushed with that number; else
        look for <bill_no>.json in the configured data dir's bills folder."""
        if self.his.load(bill_no):  # a bill the HIS pushed
            return
        p = Path(self.cfg.data_dir) / "bills" / f"{bill_no}.json"
        if p.is_file():
            self.load_bill_file(str(p))
        else:
            self.ctl.say("error", self.tr("未找到单据 ") + bill_no
                         + self.tr("（未接入医院 HIS，请用 Ctrl+O 载入账单文件）"))

    def start_card_monitor(self) -> None:
        self.cards.start()

    def _reader_changed(self, state: str, kind: str) -> None:
        self.reader_state = state
        if kind == "card_removed":
            self.ctl.desk.card_removed()
        if kind == "card_inserted" and self.ctl.operator is not None:  # not while logged out
            self.ctl.desk.card_inserted()
            if self.ctl.can_identify() or self.ctl.state in (S.SETTLED, S.DONE, S.CANCELLED, S.REVERSED):
                self.ctl.identify_card()
        elif kind in ("reader_removed", "service_lost"):
            set_kind(self.st_reader, "bad")
        self.render_status()

    def open_camera(self) -> None:
        try:
            from .camera import CameraScanDialog  # numpy and the decoders: only when the desk has a camera
        except ImportError:
            self.ctl.say("error", self.tr("摄像头扫码不可用"))
            return
        dlg = CameraScanDialog(self)
        dlg.scanned.connect(self.on_scanned)
        self._track("camera", dlg)
        dlg.open()

    # intents -------------------------------------------------------------------------------------
    def _id_entered(self, text: str) -> None:
        if self.ctl.identify_id(text) is not None:
            self.identify.idno.clear()

    def _insurance_chosen(self, insutype: str) -> None:
        before = self.ctl.flow.insutype
        self.ctl.choose_insurance(insutype)
        p = self.ctl.person
        if p is not None and self.ctl.flow.insutype == insutype and insutype != before:
            name = next((i.name for i in p.insurances if i.insutype == insutype), "")
            self.ctl.say("ok", self.tr("已选择险种：") + f"{insutype} {code_name(name)}")

    def _settle_clicked(self) -> None:
        if self.ctl.till.due_open:  # F9 after the settlement: the tender (收款)
            self.show_tender()
            return
        # disable first: a second press before the op starts can do nothing either (begin_settle gates too)
        self.settle_btn.setEnabled(False)
        self.ctl.settle_now()
        self.render()

    def _f11(self) -> None:
        """F11: park the bill while the platform is unreachable; self-pay for a patient insurance refused."""
        if self.ctl.refused and not (self.ctl.status.state == "offline" and self.ctl.can_park()):
            self.ctl.self_pay_now()
        else:
            self.ctl.park_now()

    def _reprint_current(self) -> None:
        if "journal" in self.dialogs and self.dialogs["journal"].isVisible():
            return
        self.ctl.print_receipt(reprint=True)

    # rendering -----------------------------------------------------------------------------------------
    def show_message(self, level: str, text: str) -> None:
        self.msg.setText(text)
        self.msg.setToolTip(text)
        set_kind(self.msg, level)

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
        if st in (S.IDLE, S.SETTLED, S.DONE, S.CANCELLED, S.REVERSED, S.UNCERTAIN):
            self.forget_removed()
        self.identify.set_enabled(c.can_identify() or st in (S.SETTLED, S.DONE, S.CANCELLED, S.REVERSED))
        self.person.render(c, self.cfg.facility.admdvs)
        self.bill.render(c)
        self.result.render(c)
        self.preview_btn.setEnabled(c.can_preview())
        collect = c.till.due_open and not c.busy
        self.settle_btn.setEnabled(c.can_settle() or collect)
        self.settle_btn.set_caption(self.tr("收款") if collect else self.tr("结算"))
        set_kind(self.settle_btn, "primary" if c.can_settle() or collect else "")
        self.self_pay_btn.setVisible(c.till.can_self_pay() or (c.till.due_open and c.till.self_pay))
        self.self_pay_btn.setEnabled(c.till.can_self_pay())
        self.cancel_btn.setEnabled(c.can_cancel())
        self._render_f11()
        self.esc_btn.set_caption(self.tr("放弃") if c.busy else (
            self.tr("下一位") if st in (S.SETTLED, S.DONE, S.CANCELLED, S.REVERSED, S.IDLE) else self.tr("返回")))
        self.esc_btn.setEnabled(st != S.UNCERTAIN or c.busy)
        self.render_notice()
        if self.customer is not None:
            self.customer.render(c)
        self.render_status()

    def _render_f11(self) -> None:
        """F11: 离线挂账 while the platform is offline, 自费结算 for a patient insurance refused, else hidden."""
        c = self.ctl
        offline = c.status.state == "offline" and c.session.store is not None
        # a refused patient: the self-pay button (Ctrl+F9) is shown; F11 still opens the same checkout by key,
        # without a second button that would widen the window past 1366 px
        self_pay = bool(c.refused) and not offline
        show = offline or (self_pay and not self.self_pay_btn.isVisible())
        self.park_btn.key_when_hidden = self_pay
        caption = self.tr("自费结算") if self_pay else self.tr("离线挂账")
        if self.park_btn.caption != caption:
            self.park_btn.set_caption(caption)
        if self.park_btn.isVisible() != show:
            self.park_btn.setVisible(show)
        self.park_btn.setEnabled(c.can_park() if offline else (self_pay and not c.busy and bool(c.items)))

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
        self._render_f11()
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
        text = self.tr("未发送队列：%1").replace("%1", str(n))
        refunds = getattr(self.ctl, "refunds_due_count", 0)
        if refunds:
            text += self.tr(" · 待退款 %1 笔（F7）").replace("%1", str(refunds))
        self.st_queue.setText(text)
        set_kind(self.st_queue, "warn" if n or refunds else "")
        self.st_reader.setText(self.tr("读卡器：") + (self.reader_state or self.tr("未知")))
        op = self.ctl.operator
        self.st_operator.setText(self.tr("操作员：")
                                 + (f"{op.id} {op.name}（{code_name(op.role_name)}）" if op else "—"))

    def _tick(self) -> None:
        self.st_clock.setText(datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
        self._ticks += 1
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
        self.his.stop()
        self.cards.stop()
        app = QApplication.instance()
        if self.wedge is not None and app is not None:
            self.wedge.uninstall(app)
        self.wedge = None
        if self.customer is not None:
            self.customer.close()
        self._clock.stop()
        self._recon_timer.stop()
        self.ctl._retry.stop()
        self.ctl.runner.shutdown(3000)

