"""The discharge desk (出院结算): find the inpatient, fee totals by category, pre-settle, settle, deposit balance.

    desk = DischargeDesk(cfg, service_or_factory, run_in_background=None, card_reader=None, ecode=None, parent=None)
    desk = DischargeDesk.for_session(session, parent)     # the cashier app's AppSession (client, store, reader)

* ``service_or_factory``: a terminal.services.inpatient.DischargeService, or a zero-argument callable returning one (called
  once, on a worker thread, the first time the desk needs it).
* ``run_in_background(label, fn, on_success, on_failure)``: runs ``fn`` off the UI thread and calls one of the
  callbacks on the UI thread. Default: the desk's own terminal.ui.ops.OpRunner.
* ``card_reader``: an object with ``read() -> CardData`` (drivers.pcsc / drivers.virtual); ``ecode``: a callable
  exchanging a scanned e-code string for a Credential (terminal.ui.session's ``session.ecode``).

Every platform call, the card and the ward book run on a worker; the widget only renders results.
Keys: Enter in the search field finds, F2 reads the card, F5 pre-settles, F9 settles (after a pre-settlement),
Esc clears. Signals: ``settled(DischargeResult)``, ``cancelled(DischargeResult)``, ``status_changed(str)``.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QMessageBox, QPlainTextEdit, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from terminal.core.inpatient import FeeTotals, Stay
from terminal.core.models import CertType, Credential
from terminal.core.money import fmt_yuan
from terminal.core.regions import place_name

log = logging.getLogger("terminal.ui.discharge")

RunInBackground = Callable[[str, Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]], None]

FEE_COLUMNS = ("类别", "条数", "金额", "全自费", "超限价", "先行自付", "符合范围")
FEE_KEYS = ("det_item_fee_sumamt", "fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")


def _id_ok(text: str) -> bool:
    s = text.strip().upper()
    if len(s) != 18 or not s[:17].isdigit() or not (s[17].isdigit() or s[17] == "X"):
        return False
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * k for c, k in zip(s[:17], w)) % 11] == s[17]


def _error_text(e: BaseException) -> str:
    return getattr(e, "user_message", None) or str(e) or type(e).__name__


class DischargeDesk(QWidget):
    settled = Signal(object)
    cancelled = Signal(object)
    status_changed = Signal(str)
    _progress = Signal(int, int)

    def __init__(self, cfg: Any, service: Any, *, run_in_background: RunInBackground | None = None,
                 card_reader: Any = None, ecode: Callable[[str], Credential] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dischargeDesk")
        self.setWindowTitle(self.tr("出院结算"))
        self.cfg = cfg
        self._service = service if not callable(service) or hasattr(service, "settle") else None
        self._factory = None if self._service is not None else service
        self.card_reader = card_reader
        self.ecode = ecode
        self._runner = None
        self._run = run_in_background or self._own_runner
        self.busy = False
        self.stay: Stay | None = None
        self.result: Any = None  # the last DischargeResult (preview or settlement)
        self.previewed = False
        self._build()
        self._progress.connect(self._on_progress)
        self._render()

    @classmethod
    def for_session(cls, session: Any, parent: QWidget | None = None,
                    run_in_background: RunInBackground | None = None) -> "DischargeDesk":
        """For the cashier app: shares the AppSession's client, sign-in, journal/queue, card reader and e-code."""
        from terminal.services.inpatient import DischargeService

        return cls(session.cfg, lambda: DischargeService.for_session(session), run_in_background=run_in_background,
                   card_reader=session.card_reader, ecode=session.ecode, parent=parent)

    # background -----------------------------------------------------------------------------------
    def _own_runner(self, label: str, fn: Callable[[], Any], ok: Callable[[Any], None],
                    fail: Callable[[BaseException], None]) -> None:
        from .ops import Op, OpRunner

        if self._runner is None:
            self._runner = OpRunner(self, max_threads=1)  # one stay at a time, in order
        Op(self._runner, label, fn).success(ok).failure(fail).run()

    def _svc(self):
        """The service (worker thread only: a factory may block)."""
        if self._service is None:
            self._service = self._factory()
        return self._service

    def _start(self, label: str, fn: Callable[[], Any], ok: Callable[[Any], None]) -> None:
        if self.busy:
            return
        self.busy = True
        self._set_status(label + "…")
        self._render()

        def done_ok(result: Any) -> None:
            self.busy = False
            try:
                ok(result)
            finally:
                self._render()

        def done_fail(err: BaseException) -> None:
            self.busy = False
            self._failed(label, err)
            self._render()

        self._run(label, fn, done_ok, done_fail)

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
        self.fees = QTableWidget(0, len(FEE_COLUMNS), self)
        self.fees.setObjectName("feeTotals")
        self.fees.setHorizontalHeaderLabels([self.tr(c) for c in FEE_COLUMNS])
        self.fees.verticalHeader().setVisible(False)
        self.fees.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fees.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.fees.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.fees.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.fees.horizontalHeader().setStretchLastSection(True)
        left = QVBoxLayout()
        left.addWidget(self.fees, 1)
        self.levels = QLabel("")
        self.levels.setObjectName("feeLevels")
        left.addWidget(self.levels)
        mid.addLayout(left, 3)

        right = QVBoxLayout()
        self.grid = QGridLayout()
        self._amount_labels: dict[str, QLabel] = {}
        rows = (("medfee_sumamt", "医疗费总额"), ("fund_pay_sumamt", "基金支付"), ("hosp_part_amt", "医院负担"),
                ("psn_part_amt", "个人负担"), ("acct_pay", "个人账户"), ("psn_cash_pay", "个人现金"),
                ("held", "预交金(已收)"))
        for r, (k, caption) in enumerate(rows):
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
        self.acct.toggled.connect(self._acct_toggled)
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
    def find(self, text: str | None = None) -> None:
        """Find the stay: admission number in the ward book, else an ID number or a scanned e-code (1101)."""
        q = (text if isinstance(text, str) else self.query.text()).strip()
        if not q:
            self._set_status(self.tr("请输入住院号、身份证号，或扫描医保码"))
            return
        ecode = self.ecode

        def work():
            svc = self._svc()
            st = svc.book.stay(q.upper())
            if st is not None:
                return st, svc.fee_totals(st.adm_no)
            if _id_ok(q):
                cred = Credential(CertType.ID_CARD, q.upper())
            elif ecode is not None and len(q) >= 16:
                cred = ecode(q)
            else:
                from terminal.services.errors import StayNotFound

                raise StayNotFound(f"没有住院号为 {q} 的住院记录（身份证号或医保码也无法识别）")
            _person, st = svc.find(cred)
            return st, svc.fee_totals(st.adm_no)

        self._start(self.tr("查找住院记录"), work, self._found)

    def read_card(self) -> None:
        reader = self.card_reader
        if reader is None:
            self._set_status(self.tr("未配置读卡器"))
            return

        def work():
            card = reader.read()
            svc = self._svc()
            _person, st = svc.find(card.credential())
            return st, svc.fee_totals(st.adm_no)

        self._start(self.tr("读社保卡"), work, self._found)

    def preview(self) -> None:
        st = self.stay
        if st is None or st.state in ("settled", "cancelled"):
            return
        acct = self.acct.isChecked()

        def work():
            svc = self._svc()
            if svc.book.count_lines(st.adm_no, ("new", "sending")):
                svc.upload_fees(st.adm_no, progress=lambda d, t: self._progress.emit(d, t))
            return svc.preview(st.adm_no, acct_used=acct)

        self._start(self.tr("预结算"), work, self._previewed)

    def settle(self) -> None:
        st = self.stay
        if st is None or not self.previewed or st.state in ("settled", "cancelled"):
            return
        acct = self.acct.isChecked()
        self._start(self.tr("出院结算"), lambda: self._svc().settle(st.adm_no, acct_used=acct), self._settled)

    def cancel_settlement(self, confirm: bool = True) -> None:
        st = self.stay
        if st is None or st.state != "settled" or not st.setl_id:
            return
        if confirm and QMessageBox.question(
                self, self.tr("撤销结算"), self.tr("撤销住院号 %1 的结算（结算ID %2）？").replace("%1", st.adm_no)
                .replace("%2", st.setl_id)) != QMessageBox.StandardButton.Yes:
            return
        setl_id = st.setl_id
        self._start(self.tr("撤销结算"), lambda: self._svc().cancel(setl_id), self._cancelled)

    def clear(self) -> None:
        if self.busy:
            return
        self.stay, self.result, self.previewed = None, None, False
        self.query.clear()
        self.receipt.clear()
        self._set_notice("")
        self._set_status("")
        self._render()
        self.query.setFocus()

    def receipt_text(self) -> str:
        return self.receipt.toPlainText()

    # results ------------------------------------------------------------------------------------------
    def _found(self, res: tuple[Stay, FeeTotals]) -> None:
        st, totals = res
        self.stay, self.result, self.previewed = st, None, False
        self.receipt.clear()
        self._set_notice("")
        self._show_totals(totals)
        self._show_amounts(None)
        if st.state == "settled":
            self._set_status(self.tr("该住院已结算（结算ID %1）").replace("%1", st.setl_id))
        else:
            self._set_status(self.tr("已找到住院记录：%1 条费用，合计 %2；按 F5 预结算")
                             .replace("%1", str(totals.count)).replace("%2", fmt_yuan(totals.total)))

    def _previewed(self, r: Any) -> None:
        self.stay, self.result, self.previewed = r.stay, r, True
        self._show_totals(r.totals)
        self._show_amounts(r)
        self.receipt.setPlainText("\n".join(r.receipt_lines(self.cfg.facility.name)))
        self._set_notice(r.warn)
        self._set_status(self.tr("预结算完成（未记账）：%1。确认后按 F9 出院结算").replace("%1", r.reconciliation.text)
                         + (f"  [{r.warn}]" if r.warn else ""))

    def _settled(self, r: Any) -> None:
        self.stay, self.result, self.previewed = r.stay, r, False
        self._show_totals(r.totals)
        self._show_amounts(r)
        self.receipt.setPlainText("\n".join(r.receipt_lines(self.cfg.facility.name)))
        self._set_notice(r.warn)
        self._set_status(self.tr("结算成功（结算ID %1）：%2").replace("%1", r.settlement.setl_id)
                         .replace("%2", r.reconciliation.text))
        self.settled.emit(r)

    def _cancelled(self, r: Any) -> None:
        self.stay, self.result, self.previewed = r.stay, None, False
        self._show_amounts(None)
        self.receipt.setPlainText(self.tr("已撤销结算 %1；医院持有预交金 %2，重新结算时补缴或退款")
                                  .replace("%1", r.settlement.setl_id).replace("%2", fmt_yuan(r.stay.held)))
        self._set_notice(r.warn)
        self._set_status(self.tr("结算已撤销，住院恢复为待结算：") + self._refund_text(r.settlement))
        self.cancelled.emit(r)

    def _failed(self, label: str, e: BaseException) -> None:
        from terminal.services.errors import UncertainSettlement

        if isinstance(e, UncertainSettlement):
            self.previewed = False  # settle anew only after a fresh pre-settlement
            self._set_status(self.tr("结算结果未知：%1").replace("%1", e.user_message))
            self._refresh_stay()
            return
        if not hasattr(e, "user_message") and not isinstance(e, (LookupError, ValueError)):
            log.error("%s failed: %r\n%s", label, e, getattr(e, "__ui_traceback__", ""))
        self._set_status(self.tr("%1失败：%2").replace("%1", label).replace("%2", _error_text(e)))

    def _refresh_stay(self) -> None:
        st = self.stay
        if st is None:
            return

        def work():
            svc = self._svc()
            s = svc.stay(st.adm_no)
            return s, svc.fee_totals(s.adm_no)

        def ok(res):
            self.stay = res[0]
            self._show_totals(res[1])

        self._run(self.tr("刷新"), work, lambda res: (ok(res), self._render()), lambda e: None)

    def _on_progress(self, done: int, total: int) -> None:
        self._set_status(self.tr("上传费用明细 %1 / %2 条…").replace("%1", str(done)).replace("%2", str(total)))

    def _acct_toggled(self, _on: bool) -> None:
        if self.previewed:
            self.previewed = False  # the figures change with the account: pre-settle again
            self._set_status(self.tr("个人账户选择已改变，请重新预结算 (F5)"))
            self._render()

    # rendering ------------------------------------------------------------------------------------------
    def _refund_text(self, s: Any) -> str:
        """What the 2305 gave back (negative amounts on the wire): 退回个人账户 ¥x，退还现金 ¥y，基金 ¥z."""
        from terminal.core.refunds import refund_amounts

        r = refund_amounts(s)
        text = self.tr("退回个人账户 %1，退还现金 %2，基金 %3").replace("%1", fmt_yuan(r["acct_pay"])) \
            .replace("%2", fmt_yuan(r["psn_cash_pay"])).replace("%3", fmt_yuan(r["fund_pay_sumamt"]))
        if "hosp_part_amt" in r:
            text += self.tr("，医院负担 ") + fmt_yuan(r["hosp_part_amt"])
        return text

    def _set_notice(self, warn: str) -> None:
        text = (self.tr("⚠ 医保平台提示：") + warn) if warn else ""
        if text != self.notice.text():
            self.notice.setText(text)
            self.notice.setVisible(bool(text))

    def _set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status_changed.emit(text)

    def _show_totals(self, t: FeeTotals | None) -> None:
        groups = t.by_type if t is not None else []
        self.fees.setRowCount(len(groups) + (1 if groups else 0))
        rows = list(groups) + ([t.all] if groups else [])
        for r, g in enumerate(rows):
            vals = [g.name, str(g.count)] + [fmt_yuan(g.amounts[k]) for k in FEE_KEYS]
            for c, v in enumerate(vals):
                it = QTableWidgetItem(v)
                if c >= 1:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if g is (t.all if t else None):
                    f = QFont(it.font())
                    f.setBold(True)
                    it.setFont(f)
                self.fees.setItem(r, c, it)
        if t is not None and t.count:
            self.levels.setText("  ".join(f"{g.name} {fmt_yuan(g.total)}" for g in t.by_level)
                                + (f"  （未上传 {t.unclassified} 条）" if t.unclassified else ""))
        else:
            self.levels.setText("")

    def _show_amounts(self, r: Any) -> None:
        s = r.settlement if r is not None else None
        for k, lab in self._amount_labels.items():
            if k == "held":
                lab.setText(fmt_yuan(self.stay.held) if self.stay is not None and r is None else
                            fmt_yuan(r.reconciliation.held) if r is not None and r.reconciliation else "")
            else:
                lab.setText(fmt_yuan(getattr(s, k)) if s is not None else "")
        rec = r.reconciliation if r is not None else None
        if rec is None:
            self.due_caption.setText("")
            self.due_amount.setText("")
        else:
            self.due_caption.setText(self.tr(rec.label))
            self.due_amount.setText(fmt_yuan(rec.collect or rec.refund) if rec.kind != "even" else "")

    def _render(self) -> None:
        st = self.stay
        idle = not self.busy
        if st is None:
            self.name.setText("")
            self.badge.setText("")
            self.badge.setVisible(False)
            self.state_label.setText("")
            self.stay_info.setText(self.tr("出院结算：查找在院或已出院待结算的患者"))
        else:
            self.name.setText(st.name_masked or st.psn_no)
            self.badge.setVisible(True)
            self.badge.setText(self.tr("跨省异地") if st.cross_province else self.tr("省内"))
            self.state_label.setText(self.tr(st.state_name))
            self.stay_info.setText(
                f"住院号 {st.adm_no}   {st.cert_masked}   险种 {st.insutype}   参保地 {place_name(st.insuplc_admdvs)}\n"
                f"{st.dept_name}  {st.dr_name}  床号 {st.bed or '-'}   {st.dise_name}   入院 {st.begntime[:16]}"
                + (f"   出院 {st.endtime[:16]}" if st.endtime else "") + f"   {st.days()}天   "
                f"预交金 {fmt_yuan(st.deposits_paid)}")
            if self.result is None:
                self._amount_labels["held"].setText(fmt_yuan(st.held))
        open_ = st is not None and st.state not in ("settled", "cancelled")
        self.query.setEnabled(idle)
        self.find_btn.setEnabled(idle)
        self.card_btn.setEnabled(idle and self.card_reader is not None)
        self.preview_btn.setEnabled(idle and open_)
        self.settle_btn.setEnabled(idle and open_ and self.previewed)
        self.cancel_btn.setEnabled(idle and st is not None and st.state == "settled")
        self.acct.setEnabled(idle and open_)
