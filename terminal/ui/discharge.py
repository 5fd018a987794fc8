"""The discharge desk (出院结算): find the inpatient, fee totals by category, pre-settle, settle, deposit balance.

    desk = DischargeDesk(cfg, service_or_factory, run_in_background=None, card_reader=None, ecode=None, parent=None)
    desk = DischargeDesk.for_session(session, parent)     # the cashier app's AppSession (client, store, reader)

* ``service_or_factory``: a terminal.services.inpatient.DischargeService, or a zero-argument callable returning one
  (called once, on a worker thread, the first time the desk needs it).
* ``run_in_background(label, fn, on_success, on_failure)``: runs ``fn`` off the UI thread and calls one of the
  callbacks on the UI thread. Default: the desk's own terminal.ui.ops.OpRunner.
* ``card_reader``: an object with ``read() -> CardData`` (drivers.pcsc / drivers.virtual); ``ecode``: a callable
  exchanging a scanned e-code string for a Credential (terminal.app.session's ``session.ecode``).

The decisions (what may be done, what is sent, what the cashier is told) are the stay machine's (terminal.core.stay.
StayMachine); this widget renders it and forwards the cashier's keys to it.
Keys, the same as the cashier's window: F1 reads the card, F2 / F3 go to the search field (e-code, ID number or
admission number; Enter finds), F5 pre-settles, F9 settles after a confirmation that names the amount to collect or
refund (Enter confirms, Esc keeps the pre-settlement), F10 cancels a settlement, Ctrl+P reprints the slip, Esc
clears for the next patient. A settlement prints the slip and shows on the customer display; the tender step (收款 /
退款) plugs in at :meth:`DischargeDesk.begin_tender`. The patient found gets the pre-flight line (precheck_view).
Signals: ``settled``, ``cancelled`` (DischargeResult), ``status_changed``, ``printed`` (str), ``tender_due(Due, …)``.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypeVar
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from terminal.config import Config
from terminal.core.inpatient import FeeTotals, Stay
from terminal.core.models import Credential
from terminal.core.money import fmt_yuan
from terminal.core.regions import place_name
from terminal.core.stay import AMOUNT_KEYS, CardReader, DischargeDeskService, Due, Runner, StayMachine, StayResult

from .fee_totals import FeeTotalsTable, levels_text
from .precheck_view import StayPrecheck, stay_check
from .widgets import KeyButton, set_kind

if TYPE_CHECKING:
    from .ops import OpRunner
    from terminal.app import AppSession

log = logging.getLogger(__name__)

_T = TypeVar("_T")
AMOUNT_CAPTIONS = ("医疗费总额", "基金支付", "医院负担", "个人负担", "个人账户", "个人现金", "预交金(已收)")


def _is_uncertain(err: BaseException) -> bool:
    from terminal.services.errors import UncertainSettlement

    return isinstance(err, UncertainSettlement)


class DischargeDesk(QWidget):
    settled = Signal(object)
    cancelled = Signal(object)
    status_changed = Signal(str)
    #: where the discharge slip went (a PDF path or the printer's name)
    printed = Signal(str)
    #: the tender step's hook: what to collect or refund (terminal.core.stay.Due) after a settlement
    tender_due = Signal(object, object)
    _progress = Signal(int, int)

    def __init__(self, cfg: Config, service: DischargeDeskService | Callable[[], DischargeDeskService], *,
                 run_in_background: Runner | None = None, card_reader: CardReader | None = None,
                 ecode: Callable[[str], Credential] | None = None, parent: QWidget | None = None,
                 customer: QWidget | None = None, training: bool = False):
        super().__init__(parent)
        if parent is not None:  # its own window (the keys are the window's): set before the key buttons exist
            self.setWindowFlag(Qt.WindowType.Window, True)
        self.setObjectName("dischargeDesk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.customer = customer  # the customer display (terminal.ui.customer.CustomerDisplay), when there is one
        self.training = training
        self.confirm_box: QMessageBox | None = None  # F9's confirmation while it is open
        self.print_op = None
        self.tender = None  # the tender step (terminal.ui.discharge_tender.DischargeTender), when attached
        self.setWindowTitle(self.tr("出院结算"))
        self.cfg = cfg
        if callable(service):
            factory = service
        else:
            instance = service

            def factory() -> DischargeDeskService:
                return instance
        self._runner: OpRunner | None = None
        self._shown_totals: FeeTotals | None = None
        self._customer_shown: object = None
        self.machine = StayMachine(factory, run_in_background or self._own_runner, self, is_uncertain=_is_uncertain,
                                   facility_name=cfg.facility.name, card_reader=card_reader, ecode=ecode,
                                   report_progress=self._progress.emit)
        self._build()
        self._progress.connect(self._on_progress)
        self._render()

    @classmethod
    def for_session(cls, session: AppSession, parent: QWidget | None = None,
                    run_in_background: Runner | None = None, customer: QWidget | None = None) -> DischargeDesk:
        """For the cashier app: the AppSession's client, sign-in, journal, card reader, e-code, customer display."""
        from .discharge_tender import DischargeTender

        desk = cls(session.cfg, session.discharge_service, run_in_background=run_in_background,
                   card_reader=session.card_reader, ecode=session.ecode, parent=parent, customer=customer,
                   training=session.training)
        desk.tender, desk.precheck.check = DischargeTender.for_session(desk, session), stay_check(session)
        return desk

    def _own_runner(self, label: str, fn: Callable[[], _T], ok: Callable[[_T], None],
                    fail: Callable[[BaseException], None]) -> None:
        from .ops import Op, OpRunner

        if self._runner is None:
            self._runner = OpRunner(self, max_threads=1)  # one stay at a time, in order
        Op(self._runner, label, fn).success(ok).failure(fail).run()

    # what the tests and the window read ------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.machine.busy

    @property
    def stay(self) -> Stay | None:
        return self.machine.stay

    @property
    def result(self) -> StayResult | None:
        """The last DischargeResult shown (pre-settlement or settlement)."""
        return self.machine.result

    @property
    def previewed(self) -> bool:
        return self.machine.previewed

    # layout -----------------------------------------------------------------------------------------
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 10, 12, 10)
        lay.setSpacing(8)

        bar = QFrame(self)
        bar.setObjectName("identifyBar")
        bl = QHBoxLayout(bar)
        bl.setContentsMargins(0, 0, 0, 0)
        key = QLabel(self.tr("F2 医保码 / F3 身份证号 / 住院号"))
        key.setObjectName("fieldKey")
        self.query = QLineEdit(self)
        self.query.setObjectName("dischargeQuery")
        self.query.setPlaceholderText(self.tr("输入住院号或身份证号，或扫描医保码，回车查找"))
        self.query.returnPressed.connect(self.find)
        self.find_btn = QPushButton(self.tr("查找"), self)
        self.find_btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.find_btn.clicked.connect(self.find)
        self.card_btn = KeyButton("F1", self.tr("读社保卡"), self, object_name="cardButton")
        self.card_btn.clicked.connect(lambda: self.read_card())
        bl.addWidget(self.card_btn)
        bl.addWidget(key)
        bl.addWidget(self.query, 1)
        bl.addWidget(self.find_btn)
        lay.addWidget(bar)
        # what the desk says (the same strip as the cashier's window: ok / warn / error colours)
        self.status = QLabel("")
        self.status.setObjectName("messageBar")
        self.status.setFixedHeight(34)  # a fixed strip, as in the cashier's window; the whole text in the tooltip
        lay.addWidget(self.status)

        head = QHBoxLayout()
        self.name = QLabel("")
        self.name.setObjectName("personName")
        self.badge = QLabel("")
        self.badge.setObjectName("badge")
        self.state_label = QLabel("")
        self.state_label.setObjectName("fieldValue")
        head.addWidget(self.name)
        head.addWidget(self.badge)
        head.addStretch(1)
        head.addWidget(self.state_label)
        lay.addLayout(head)
        self.stay_info = QLabel("")
        self.stay_info.setObjectName("stayInfo")
        self.stay_info.setWordWrap(True)
        self.stay_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.stay_info)
        self.precheck = StayPrecheck(self, into=lay)  # 可报销 / 不可报销 + why (2001 + filing, in the background)
        # the platform's warn_msg on the last 2303 / 2304 / 2305 answer: yellow, until another stay is shown
        self.notice = QLabel("")
        self.notice.setObjectName("dischargeNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.setStyleSheet("QLabel#dischargeNotice { background: #fff3c4; color: #5d4200; font-weight: bold;"
                                  " border: 2px solid #f9a825; border-radius: 4px; padding: 6px 12px; }")
        self.notice.hide()
        lay.addWidget(self.notice)

        mid = QHBoxLayout()
        self.fees = FeeTotalsTable(self)
        left = QVBoxLayout()
        left.addWidget(self.fees, 1)
        self.levels = QLabel("")
        self.levels.setObjectName("feeLevels")
        left.addWidget(self.levels)
        mid.addLayout(left, 3)

        right = QVBoxLayout()
        self.grid = QGridLayout()
        self._amount_labels: dict[str, QLabel] = {}
        for r, (k, caption) in enumerate(zip(AMOUNT_KEYS, AMOUNT_CAPTIONS, strict=True)):
            c = QLabel(self.tr(caption))
            c.setObjectName("fieldKey")
            v = QLabel("")
            v.setObjectName("fieldValue")
            v.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.grid.addWidget(c, r, 0)
            self.grid.addWidget(v, r, 1)
            self._amount_labels[k] = v
        right.addLayout(self.grid)
        self.due_caption = QLabel("")
        self.due_caption.setObjectName("cashCaption")
        self.due_amount = QLabel("")
        self.due_amount.setObjectName("cashAmount")
        self.due_amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        right.addWidget(self.due_caption)
        right.addWidget(self.due_amount)
        self.acct = QCheckBox(self.tr("使用个人账户"), self)
        self.acct.setChecked(True)
        self.acct.toggled.connect(self.machine.choose_account)
        right.addWidget(self.acct)
        right.addStretch(1)
        mid.addLayout(right, 2)
        lay.addLayout(mid, 1)

        self.receipt = QPlainTextEdit(self)
        self.receipt.setObjectName("dischargeReceipt")
        self.receipt.setReadOnly(True)
        self.receipt.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.receipt.setMinimumHeight(120)
        lay.addWidget(self.receipt, 1)

        actions = QFrame(self)
        actions.setObjectName("actionBar")
        al = QHBoxLayout(actions)
        al.setContentsMargins(10, 6, 10, 6)
        al.setSpacing(8)
        self.preview_btn = KeyButton("F5", self.tr("预结算"), self, object_name="previewButton")
        self.preview_btn.clicked.connect(lambda: self.preview())
        self.settle_btn = KeyButton("F9", self.tr("出院结算"), self, object_name="settleButton")
        self.settle_btn.clicked.connect(lambda: self.settle())
        self.cancel_btn = KeyButton("F10", self.tr("撤销结算"), self, object_name="cancelButton")
        self.cancel_btn.clicked.connect(lambda: self.cancel_settlement(confirm=True))
        self.esc_btn = KeyButton("Esc", self.tr("下一位"), self, object_name="escapeButton")
        self.esc_btn.clicked.connect(lambda: self.clear())
        self.reprint_btn = KeyButton("Ctrl+P", self.tr("重打结算单"), self, object_name="reprintButton")
        self.reprint_btn.setProperty("secondary", True)
        self.reprint_btn.clicked.connect(lambda: self.reprint())
        for b in (self.preview_btn, self.settle_btn, self.cancel_btn, self.esc_btn):
            b.setMinimumHeight(52)
            al.addWidget(b, 3)
        al.addSpacing(16)
        al.addWidget(self.reprint_btn, 2)
        lay.addWidget(actions)

        # F2 (e-code) and F3 (ID number) go to the search field, as in the cashier's window
        for seq in (Qt.Key.Key_F2, Qt.Key.Key_F3):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(self.focus_query)

    # intents ------------------------------------------------------------------------------------------
    def find(self, text: str | bool | None = None) -> None:
        """Find the stay: admission number in the ward book, else an ID number or a scanned e-code (1101)."""
        self.machine.find(text if isinstance(text, str) else self.query.text())

    def read_card(self) -> None:
        self.machine.read_card()

    def focus_query(self) -> None:
        """F2 / F3: the search field, ready for an e-code, an ID number or an admission number."""
        if self.query.isEnabled():
            self.query.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.query.selectAll()

    def preview(self) -> None:
        self.machine.preview()

    def settle(self, confirm: bool = True) -> None:
        """F9: asks first (who, the figures, what to collect or refund: Enter confirms, Esc keeps the
        pre-settlement); then 2402 + 2304. ``confirm=False``: no question (the confirmation already given)."""
        if self.tender is not None and self.tender.open:  # F9 again: the open tender / refund
            self.tender.may_leave()
            return
        if not self.machine.can_settle or self.confirm_box is not None:
            if not self.machine.can_settle and self.machine.stay is not None and not self.machine.busy:
                self.machine.hint("请先按 F5 预结算，核对金额后再按 F9 结算")
            return
        if not confirm:
            self.machine.settle()
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("确认出院结算"), self.machine.settle_question(),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("dischargeConfirm")
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("结算 (Enter)"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("取消 (Esc)"))
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.setEscapeButton(QMessageBox.StandardButton.No)
        self.confirm_box = box

        def done(code: int) -> None:
            self.confirm_box = None
            box.deleteLater()
            if code == QMessageBox.StandardButton.Yes:
                self.machine.settle()
            else:
                self.machine.hint("未结算：预结算仍有效，按 F9 结算或 Esc 下一位")
            self.activateWindow()

        box.finished.connect(done)
        box.open()

    def reprint(self) -> None:
        """Ctrl+P: the settled stay's slip again (marked 补打)."""
        r = self.machine.result
        if r is None or self.machine.stay is None or self.machine.stay.state != "settled":
            self.machine.hint("没有可重打的出院结算单")
            return
        self._print(r, reprint=True)

    def begin_tender(self, due: Due, result: StayResult) -> None:
        """After a settlement the tender step (discharge_tender.DischargeTender, connected to ``tender_due``)
        collects ``due.amount`` (``collect``), pays it back (``refund``) or says nothing changes hands."""
        self.tender_due.emit(due, result)

    def cancel_settlement(self, confirm: bool = True) -> None:
        st = self.machine.stay
        if st is None or not self.machine.can_cancel:
            return
        if confirm and QMessageBox.question(
                self, self.tr("撤销结算"), self.tr("撤销住院号 %1 的结算（结算ID %2）？").replace("%1", st.adm_no)
                .replace("%2", st.setl_id)) != QMessageBox.StandardButton.Yes:
            return
        self.machine.cancel()

    def clear(self) -> None:
        """Esc: the next patient. Nothing of the previous stay stays on the desk or on the customer display."""
        if self.confirm_box is not None or (self.tender is not None and not self.tender.may_leave()):
            return
        if self.tender is not None:
            self.tender.reset()
        if self.machine.clear():
            self.query.clear()
            self.query.setFocus()

    def hideEvent(self, ev) -> None:
        """The desk closed: the customer display goes back to the cashier's window."""
        if self.customer is not None and self._customer_shown is not None:
            self._customer_shown = None
            self.customer.show_stay(None)
        super().hideEvent(ev)

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        self._render()  # back on the customer display, when a stay is on the desk

    def receipt_text(self) -> str:
        return self.receipt.toPlainText()

    def _on_progress(self, done: int, total: int) -> None:
        self.machine.progressed(done, total)

    # what the machine tells (terminal.core.stay.StayView) ------------------------------------------------------
    def changed(self) -> None:
        self._render()

    def settlement_made(self, result: StayResult) -> None:
        self.settled.emit(result)
        due = self.machine.due_now()
        if due is not None:
            self.begin_tender(due, result)
        if self.tender is None or not self.tender.open:  # else the slip prints with the tender (tender_done)
            self._print(result)

    def tender_done(self, result: StayResult) -> None:
        """The tender step finished: the slip with the tender and the change."""
        self._print(result)

    def _print(self, result: StayResult, reprint: bool = False) -> None:
        """The discharge slip on the receipt printer (or a PDF), in the background: the cashier does not wait."""
        from drivers.printer import compose_discharge

        from .ops import Op, OpRunner
        from .receipt import PdfReceiptPrinter

        lines = result.receipt_lines("", width=32) + (self.tender.slip_lines() if self.tender is not None else [])
        if reprint:
            lines = [lines[0], QCoreApplication.translate("Receipt", "（补打）")] + lines[1:]
        s = result.settlement
        composed = compose_discharge(lines, name=f"discharge-{s.setl_id or result.stay.adm_no}",
                                     facility_name=self.cfg.facility.name, training=self.training,
                                     translate=QCoreApplication.translate)
        p = self.cfg.printer
        printer = PdfReceiptPrinter(p.name, p.pdf_dir or str(self.cfg.data_dir / "receipts"))
        if self._runner is None:
            self._runner = OpRunner(self, max_threads=1)

        def ok(where: str) -> None:
            self.printed.emit(where)
            self.machine.hint("已重打出院结算单" if reprint else "出院结算单已输出", level="ok", append=not reprint)
            self.status.setToolTip(self.machine.status + "\n" + where)

        self.print_op = Op(self._runner, self.tr("打印出院结算单"), lambda: printer.print_receipt(composed),
                           kind="print").success(ok).failure(
            lambda e: self.machine.hint("打印失败：" + str(e) + "；可按 Ctrl+P 重打", level="error")).run()

    def settlement_cancelled(self, result: StayResult) -> None:
        self.cancelled.emit(result)

    def unexpected(self, label: str, err: BaseException) -> None:
        log.error("%s failed: %r\n%s", label, err, getattr(err, "__ui_traceback__", ""))

    # rendering ------------------------------------------------------------------------------------------
    def _show_stay(self, st: Stay | None) -> None:
        if st is None:
            self.name.setText("")
            self.badge.setText("")
            self.badge.setVisible(False)
            self.state_label.setText("")
            self.stay_info.setText(self.tr("出院结算：查找在院或已出院待结算的患者"))
            return
        self.name.setText(st.name_masked or st.psn_no)
        self.badge.setVisible(True)
        self.badge.setText(self.tr("跨省异地") if st.cross_province else self.tr("省内"))
        self.state_label.setText(self.tr(st.state_name))
        self.stay_info.setText(
            f"住院号 {st.adm_no}   {st.cert_masked}   险种 {st.insutype}   参保地 {place_name(st.insuplc_admdvs)}\n"
            f"{st.dept_name}  {st.dr_name}  床号 {st.bed or '-'}   {st.dise_name}   入院 {st.begntime[:16]}"
            + (f"   出院 {st.endtime[:16]}" if st.endtime else "") + f"   {st.days()}天   "
            f"预交金 {fmt_yuan(st.deposits_paid)}")

    def _render(self) -> None:
        m = self.machine
        self._show_stay(m.stay)
        self.precheck.follow(m.stay)
        if m.totals is not self._shown_totals:
            self._shown_totals = m.totals
            self.fees.show_totals(m.totals)
            self.levels.setText(levels_text(m.totals))
        for k, text in m.amounts().items():
            self._amount_labels[k].setText(text)
        caption, amount = m.due()
        self.due_caption.setText(self.tr(caption) if caption else "")
        self.due_amount.setText(amount)
        receipt = "\n".join([m.receipt, *(self.tender.slip_lines() if self.tender and m.receipt else [])])
        if receipt != self.receipt.toPlainText():  # the slip as printed: with the tender and the change
            self.receipt.setPlainText(receipt)
        notice = (self.tr("⚠ 医保平台提示：") + m.notice) if m.notice else ""
        if notice != self.notice.text():
            self.notice.setText(notice)
            self.notice.setVisible(bool(notice))
        if m.status != self.status.text():
            self.status.setText(m.status)
            self.status.setToolTip(m.status)
            self.status_changed.emit(m.status)
        set_kind(self.status, m.level)
        set_kind(self.settle_btn, "primary" if m.can_settle else "")
        set_kind(self.due_amount, {"refund": "settled"}.get(m.due_now().kind if m.due_now() else "", ""))
        self.esc_btn.set_caption(self.tr("下一位"))
        self.esc_btn.setEnabled(not m.busy)
        self.reprint_btn.setEnabled(m.stay is not None and m.stay.state == "settled" and m.result is not None)
        if self.customer is not None:
            shown = self.tender.display(m.display()) if self.tender is not None else m.display()
            if shown != self._customer_shown:
                self._customer_shown = shown
                self.customer.show_stay(shown)
        idle = not m.busy
        self.query.setEnabled(idle)
        self.find_btn.setEnabled(idle)
        self.card_btn.setEnabled(m.can_read_card)
        self.preview_btn.setEnabled(m.can_preview)
        self.settle_btn.setEnabled(m.can_settle or (self.tender is not None and self.tender.open))  # F9: 收款
        self.cancel_btn.setEnabled(m.can_cancel)
        self.acct.setEnabled(m.can_choose_account)
        if self.acct.isChecked() != m.acct_used:
            self.acct.blockSignals(True)
            self.acct.setChecked(m.acct_used)
            self.acct.blockSignals(False)


def _sources() -> list[str]:  # pragma: no cover - read by pyside6-lupdate (self.tr(caption) takes AMOUNT_CAPTIONS)
    return [QCoreApplication.translate("DischargeDesk", "医疗费总额"),
            QCoreApplication.translate("DischargeDesk", "基金支付"),
            QCoreApplication.translate("DischargeDesk", "医院负担"),
            QCoreApplication.translate("DischargeDesk", "个人负担"),
            QCoreApplication.translate("DischargeDesk", "个人账户"),
            QCoreApplication.translate("DischargeDesk", "个人现金"),
            QCoreApplication.translate("DischargeDesk", "预交金(已收)")]
