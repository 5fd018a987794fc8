"""The discharge desk (出院结算): find the inpatient, fee totals by category, pre-settle, settle, deposit balance.

    desk = DischargeDesk(cfg, service_or_factory, run_in_background=None, card_reader=None, ecode=None, parent=None)
    desk = DischargeDesk.for_session(session, parent)     # the cashier app's AppSession (client, store, reader)

* ``service_or_factory``: a terminal.services.inpatient.DischargeService, or a zero-argument callable returning one (called
  once, on a worker thread, the first time the desk needs it).
* ``run_in_background(label, fn, on_success, on_failure)``: runs ``fn`` off the UI thread and calls one of the
  callbacks on the UI thread. Default: the desk's own terminal.ui.ops.OpRunner.
* ``card_reader``: an object with ``read() -> CardData`` (drivers.pcsc / drivers.virtual); ``ecode``: a callable
  exchanging a scanned e-code string for a Credential (terminal.app.session's ``session.ecode``).

The decisions (what may be done, what is sent, what the cashier is told) are the stay machine's
(terminal.core.stay.StayMachine); this widget renders it and forwards the cashier's keys to it.
Keys: Enter in the search field finds, F2 reads the card, F5 pre-settles, F9 settles (after a pre-settlement),
Esc clears. Signals: ``settled(DischargeResult)``, ``cancelled(DischargeResult)``, ``status_changed(str)``.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable, TypeVar

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from terminal.config import Config
from terminal.core.inpatient import FeeTotals, Stay
from terminal.core.models import Credential
from terminal.core.money import fmt_yuan
from terminal.core.regions import place_name
from terminal.core.stay import AMOUNT_KEYS, CardReader, DischargeDeskService, Runner, StayMachine, StayResult

from .fee_totals import FeeTotalsTable, levels_text

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
    _progress = Signal(int, int)

    def __init__(self, cfg: Config, service: DischargeDeskService | Callable[[], DischargeDeskService], *,
                 run_in_background: Runner | None = None, card_reader: CardReader | None = None,
                 ecode: Callable[[str], Credential] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dischargeDesk")
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
        self.machine = StayMachine(factory, run_in_background or self._own_runner, self, is_uncertain=_is_uncertain,
                                   facility_name=cfg.facility.name, card_reader=card_reader, ecode=ecode,
                                   report_progress=self._progress.emit)
        self._build()
        self._progress.connect(self._on_progress)
        self._render()

    @classmethod
    def for_session(cls, session: AppSession, parent: QWidget | None = None,
                    run_in_background: Runner | None = None) -> "DischargeDesk":
        """For the cashier app: shares the AppSession's client, sign-in, journal/queue, card reader and e-code."""
        return cls(session.cfg, session.discharge_service, run_in_background=run_in_background,
                   card_reader=session.card_reader, ecode=session.ecode, parent=parent)

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

        bar = QHBoxLayout()
        key = QLabel(self.tr("住院号 / 身份证号 / 医保码"))
        key.setObjectName("fieldKey")
        self.query = QLineEdit(self)
        self.query.setObjectName("dischargeQuery")
        self.query.setPlaceholderText(self.tr("输入住院号或身份证号，或扫描医保码，回车查找"))
        self.query.returnPressed.connect(self.find)
        self.find_btn = QPushButton(self.tr("查找"), self)
        self.find_btn.clicked.connect(self.find)
        self.card_btn = QPushButton(self.tr("F2 读社保卡"), self)
        self.card_btn.clicked.connect(self.read_card)
        bar.addWidget(key)
        bar.addWidget(self.query, 1)
        bar.addWidget(self.find_btn)
        bar.addWidget(self.card_btn)
        lay.addLayout(bar)

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
        for r, (k, caption) in enumerate(zip(AMOUNT_KEYS, AMOUNT_CAPTIONS)):
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
        self.status = QLabel("")
        self.status.setObjectName("dischargeStatus")
        self.status.setWordWrap(True)
        al.addWidget(self.status, 1)
        self.cancel_btn = QPushButton(self.tr("撤销结算"), self)
        self.cancel_btn.clicked.connect(lambda: self.cancel_settlement(confirm=True))
        self.preview_btn = QPushButton(self.tr("F5 预结算"), self)
        self.preview_btn.clicked.connect(self.preview)
        self.settle_btn = QPushButton(self.tr("F9 出院结算"), self)
        self.settle_btn.setObjectName("settleButton")
        self.settle_btn.clicked.connect(self.settle)
        for b in (self.cancel_btn, self.preview_btn, self.settle_btn):
            al.addWidget(b)
        lay.addWidget(actions)

        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for seq, slot in ((Qt.Key.Key_F2, self.read_card), (Qt.Key.Key_F5, self.preview),
                          (Qt.Key.Key_F9, self.settle), (Qt.Key.Key_Escape, self.clear)):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(ctx)
            sc.activated.connect(slot)

    # intents ------------------------------------------------------------------------------------------
    def find(self, text: str | bool | None = None) -> None:
        """Find the stay: admission number in the ward book, else an ID number or a scanned e-code (1101)."""
        self.machine.find(text if isinstance(text, str) else self.query.text())

    def read_card(self) -> None:
        self.machine.read_card()

    def preview(self) -> None:
        self.machine.preview()

    def settle(self) -> None:
        self.machine.settle()

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
        if self.machine.clear():
            self.query.clear()
            self.query.setFocus()

    def receipt_text(self) -> str:
        return self.receipt.toPlainText()

    def _on_progress(self, done: int, total: int) -> None:
        self.machine.progressed(done, total)

    # what the machine tells (terminal.core.stay.StayView) ------------------------------------------------------
    def changed(self) -> None:
        self._render()

    def settlement_made(self, result: StayResult) -> None:
        self.settled.emit(result)

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
        if m.totals is not self._shown_totals:
            self._shown_totals = m.totals
            self.fees.show_totals(m.totals)
            self.levels.setText(levels_text(m.totals))
        for k, text in m.amounts().items():
            self._amount_labels[k].setText(text)
        caption, amount = m.due()
        self.due_caption.setText(self.tr(caption) if caption else "")
        self.due_amount.setText(amount)
        if m.receipt != self.receipt.toPlainText():
            self.receipt.setPlainText(m.receipt)
        notice = (self.tr("⚠ 医保平台提示：") + m.notice) if m.notice else ""
        if notice != self.notice.text():
            self.notice.setText(notice)
            self.notice.setVisible(bool(notice))
        if m.status != self.status.text():
            self.status.setText(m.status)
            self.status_changed.emit(m.status)
        idle = not m.busy
        self.query.setEnabled(idle)
        self.find_btn.setEnabled(idle)
        self.card_btn.setEnabled(m.can_read_card)
        self.preview_btn.setEnabled(m.can_preview)
        self.settle_btn.setEnabled(m.can_settle)
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
