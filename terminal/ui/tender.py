"""The till's dialogs: the tender (收款) after a settlement or for a self-pay checkout, the cancellation's reason,
and the refund (退款) by the original tender. They render the desk's Till (terminal.core.desk_tender) and forward
keys to it; nothing here decides.

Keys in the tender: Enter takes the amount field as it is (it opens at the amount due, cash: exact cash is one
key); a larger cash amount is what the patient handed over (change); a smaller one is part of a split tender.
↑/↓ or Alt+1…Alt+6 choose the method; a scanned payment code pays by its wallet; Ctrl+Z takes back the last cash
line; Esc stops waiting on a payment, or closes the dialog (F9 opens it again).
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout,
                               QWidget)

from terminal.core.money import ZERO, fmt_yuan
from terminal.core.tender import CASH, NEEDS_CODE, NEEDS_REFERENCE
from terminal.core.tender import method_name as _method_name

from .widgets import set_kind

def method_name(method: str) -> str:
    """A method's name in the window's language (terminal.core.tender METHODS carries Chinese and English)."""
    from PySide6.QtCore import QLocale

    return _method_name(method, QLocale().name())  # install_translator sets the default locale


CANCEL_REASONS = ("患者要求退费", "收费项目或数量有误", "险种或人员信息有误", "重复收费", "其他")


def _big(name: str, pt: int = 22) -> QLabel:
    w = QLabel()
    w.setObjectName(name)
    w.setStyleSheet(f"QLabel#{name} {{ font-size: {pt}pt; font-weight: bold; }}")
    return w


class TenderDialog(QDialog):
    """The open tender of the controller's till (modal; Esc closes it while nothing runs)."""

    def __init__(self, ctl, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctl = ctl
        self.till = ctl.till
        self.setObjectName("tenderDialog")
        self.setWindowTitle(self.tr("收款"))
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        lay.addWidget(self.title)
        self.due = _big("tenderDue", 26)
        self.remaining = _big("tenderRemaining", 18)
        lay.addWidget(self.due)
        lay.addWidget(self.remaining)
        row = QHBoxLayout()
        self.methods = QListWidget()
        self.methods.setObjectName("tenderMethods")
        self.methods.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for n, m in enumerate(self.till.methods, 1):
            it = QListWidgetItem(f"Alt+{n}  {method_name(m)}")
            it.setData(Qt.ItemDataRole.UserRole, m)
            self.methods.addItem(it)
        self.methods.setMaximumWidth(200)
        self.methods.itemClicked.connect(lambda it: self._choose(it.data(Qt.ItemDataRole.UserRole)))
        row.addWidget(self.methods)
        right = QVBoxLayout()
        self.amount_caption = QLabel(self.tr("实收金额（Enter 确认；留空 = 收齐）"))
        self.amount = QLineEdit()
        self.amount.setObjectName("tenderAmount")
        self.amount.setStyleSheet("QLineEdit#tenderAmount { font-size: 20pt; }")
        self.ref_caption = QLabel(self.tr("收款设备小票参考号（可扫描）"))
        self.reference = QLineEdit()
        self.reference.setObjectName("tenderReference")
        self.hint = QLabel()
        self.hint.setObjectName("tenderHint")
        self.hint.setWordWrap(True)
        self.lines = QLabel()
        self.lines.setObjectName("tenderLines")
        self.lines.setWordWrap(True)
        for w in (self.amount_caption, self.amount, self.ref_caption, self.reference, self.hint, self.lines):
            right.addWidget(w)
        right.addStretch(1)
        row.addLayout(right, 1)
        lay.addLayout(row)
        self._keys_text = self.tr("Enter 收款 · ↑↓/Alt+数字 选择方式 · 扫付款码 · Ctrl+Z 撤回现金 · "
                                  "Esc 关闭（F9 再打开）")
        self.keys = QLabel(self._keys_text)
        self.keys.setObjectName("tenderKeys")
        self.keys.setWordWrap(True)
        lay.addWidget(self.keys)
        self.amount.returnPressed.connect(self._enter)
        self.reference.returnPressed.connect(self._enter)
        self.amount.installEventFilter(self)
        self.reference.installEventFilter(self)
        for n, m in enumerate(self.till.methods[:9], 1):
            QShortcut(QKeySequence(f"Alt+{n}"), self).activated.connect(lambda m=m: self._choose(m))
        QShortcut(QKeySequence("Ctrl+Z"), self).activated.connect(self.till.undo)
        ctl.changed.connect(self.render)
        ctl.tender_open.connect(self.render)
        self._for = None
        self.render()

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if ev.type() == QEvent.Type.KeyPress and ev.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.till.step_method(-1 if ev.key() == Qt.Key.Key_Up else 1)
            return True
        return super().eventFilter(obj, ev)

    def _choose(self, method: str) -> None:
        self.till.choose(method)
        self.render()

    def _enter(self) -> None:
        if self.ctl.busy:
            return
        self.till.take(self.amount.text(), self.reference.text())
        self.render()

    def keyPressEvent(self, ev) -> None:
        if ev.key() == Qt.Key.Key_Escape:
            if self.ctl.busy:
                self.ctl.abandon()
            else:
                self.reject()
            return
        super().keyPressEvent(ev)

    def render(self) -> None:
        t = self.till.tender
        if t is None or t.complete:
            if self.isVisible():
                self.accept()
            return
        if self._for is not t:  # a new tender: nothing typed belongs to it
            self._for = t
            self._amount_for = None
        self.title.setText(self.tr("自费收款（不经医保）") if self.till.self_pay else self.tr("收款"))
        if self.till.self_pay and not t.lines:  # the patient may still refuse: Esc, Esc leaves (nothing taken)
            self.keys.setText(self.tr("Enter 收款 · ↑↓/Alt+数字 选择方式 · 扫付款码 · "
                                      "Esc 关闭（F9 再打开；患者不付款时再按 Esc 放弃）"))
        else:
            self.keys.setText(self._keys_text)
        self.due.setText(self.tr("应收 ") + fmt_yuan(t.due))
        self.remaining.setText(self.tr("还需收 ") + fmt_yuan(t.remaining) if t.lines else "")
        self.remaining.setVisible(bool(t.lines))
        m = self.till.method
        for i in range(self.methods.count()):
            it = self.methods.item(i)
            if it.data(Qt.ItemDataRole.UserRole) == m:
                self.methods.setCurrentItem(it)
        needs = self.till.needs(m)
        self.ref_caption.setVisible(needs == NEEDS_REFERENCE)
        self.reference.setVisible(needs == NEEDS_REFERENCE)
        if needs == NEEDS_CODE:
            self.hint.setText(self.tr("请扫描患者的付款码（%1）").replace("%1", method_name(m)))
        elif needs == NEEDS_REFERENCE:
            self.hint.setText(self.tr("在医院收款设备上收取后，输入或扫描小票参考号，Enter"))
        else:
            self.hint.setText(self.tr("现金：实收大于应收时自动计算找零"))
        self.hint.setVisible(True)
        self.lines.setText("\n".join(
            f"{method_name(ln.method)} {fmt_yuan(ln.amount)}" + (f"（{ln.reference}）" if ln.reference else "")
            for ln in t.lines))
        key = (len(t.lines), t.remaining)
        if self._amount_for != key:  # prefill what remains, selected: typing replaces it, Enter takes it
            self._amount_for = key
            self.amount.setText(f"{t.remaining:.2f}")
            self.reference.clear()
        self.amount.setEnabled(not self.ctl.busy)
        if not self.ctl.busy and not self.reference.hasFocus():
            self.amount.setFocus()
            self.amount.selectAll()


class CancelReasonDialog(QDialog):
    """Why a settlement is cancelled: a list and a text (the text is required for 其他). Emits chosen(str)."""

    chosen = Signal(str)

    def __init__(self, setl_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("cancelReasonDialog")
        self.setWindowTitle(self.tr("撤销原因"))
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("撤销结算 %1：请选择原因（↑↓），可补充说明，Enter 确认").replace("%1", setl_id)))
        self.reasons = QListWidget()
        self.reasons.setObjectName("cancelReasons")
        shown = (self.tr("患者要求退费"), self.tr("收费项目或数量有误"), self.tr("险种或人员信息有误"),
                 self.tr("重复收费"), self.tr("其他"))  # literal: lupdate finds them
        for r, text in zip(CANCEL_REASONS, shown, strict=True):
            it = QListWidgetItem(text)
            it.setData(Qt.ItemDataRole.UserRole, r)  # the journal keeps the Chinese reason in either language
            self.reasons.addItem(it)
        self.reasons.setCurrentRow(0)
        self.reasons.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lay.addWidget(self.reasons)
        self.text = QLineEdit()
        self.text.setObjectName("cancelReasonText")
        self.text.setPlaceholderText(self.tr("补充说明（选“其他”时必填）"))
        lay.addWidget(self.text)
        self.error = QLabel()
        self.error.setObjectName("cancelReasonError")
        lay.addWidget(self.error)
        self.text.installEventFilter(self)
        self.text.returnPressed.connect(self._submit)
        self.text.setFocus()

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if ev.type() == QEvent.Type.KeyPress and ev.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            n = self.reasons.count()
            self.reasons.setCurrentRow((self.reasons.currentRow() + (-1 if ev.key() == Qt.Key.Key_Up else 1)) % n)
            return True
        return super().eventFilter(obj, ev)

    def reason(self) -> str:
        picked = self.reasons.currentItem().data(Qt.ItemDataRole.UserRole) if self.reasons.currentItem() else ""
        text = self.text.text().strip()
        if self.reasons.currentRow() == len(CANCEL_REASONS) - 1:
            return text
        return f"{picked}：{text}" if text else picked

    def _submit(self) -> None:
        r = self.reason()
        if not r:
            self.error.setText(self.tr("请填写撤销原因"))
            return
        if len(r) > 100:
            self.error.setText(self.tr("撤销原因过长（最多 100 字）"))
            return
        self.chosen.emit(r)
        self.accept()


class RefundDialog(QDialog):
    """The refund of a cancelled settlement by its original tender, line by line: Enter for each (cash: handed
    back; electronic: back to the original payment; a POS line: the refund slip's reference first); F8 refunds
    the rest in cash when the original method cannot take it."""

    def __init__(self, ctl, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctl = ctl
        self.till = ctl.till
        self.setObjectName("refundDialog")
        self.setWindowTitle(self.tr("退款"))
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.title.setWordWrap(True)  # the settlement ID is long: not clipped at the dialog's width
        set_kind(self.title, "bad")
        self.amount = _big("refundAmount", 26)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.lines = QLabel()
        self.lines.setObjectName("refundLines")
        self.lines.setWordWrap(True)
        self.ref_caption = QLabel(self.tr("退款小票参考号（可扫描）"))
        self.reference = QLineEdit()
        self.reference.setObjectName("refundReference")
        self.hint = QLabel()
        self.hint.setObjectName("refundHint")
        self.hint.setWordWrap(True)
        for w in (self.title, self.amount, self.reason, self.lines, self.ref_caption, self.reference, self.hint):
            lay.addWidget(w)
        self.reference.returnPressed.connect(self._enter)
        QShortcut(QKeySequence("F8"), self).activated.connect(self.till.refund_in_cash)
        ctl.changed.connect(self.render)
        ctl.refund_open.connect(lambda _j: self.render())
        self.render()

    def keyPressEvent(self, ev) -> None:
        if ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._enter()
            return
        if ev.key() == Qt.Key.Key_Escape:
            job = self.till.refund
            if self.ctl.busy:
                self.ctl.abandon()
            elif job is None or job.complete:
                self.accept()
            return  # the refund must be finished: Esc does not leave it open
        super().keyPressEvent(ev)

    def _enter(self) -> None:
        job = self.till.refund
        if job is None or job.complete:
            self.till.close_refund()
            self.accept()
            return
        if not self.ctl.busy:
            self.till.refund_next(self.reference.text())

    def render(self) -> None:
        job = self.till.refund
        if job is None:
            return
        t = job.tender
        self.title.setText(self.tr("退款 · 结算 %1 已撤销").replace("%1", job.setl_id))
        self.amount.setText(self.tr("退还患者 ") + fmt_yuan(job.amount))
        self.reason.setText(self.tr("撤销原因：") + (job.reason or "—"))
        rows = []
        for n, ln in enumerate(job.plan):
            done = n < len(t.lines)
            mark = "✔" if done else ("▶" if n == len(t.lines) else "·")
            what = self.tr("现金") if ln.method == CASH else self.tr("原路退回") + method_name(ln.method)
            rows.append(f"{mark} {what} {fmt_yuan(ln.amount)}")
        self.lines.setText("\n".join(rows))
        nxt = job.next_line
        needs_ref = nxt is not None and nxt.method != CASH and self.till.needs(nxt.method) == NEEDS_REFERENCE
        self.ref_caption.setVisible(needs_ref)
        self.reference.setVisible(needs_ref)
        if job.complete:
            self.hint.setText(self.tr("退款完成，已打印退款凭条。Enter 关闭"))
        elif nxt is not None and nxt.method == CASH:
            self.hint.setText(self.tr("请把现金 %1 退还患者，然后按 Enter 确认").replace("%1", fmt_yuan(nxt.amount)))
        elif needs_ref:
            self.hint.setText(self.tr("请在医院收款设备上原路退款 %1，输入退款小票参考号后按 Enter；"
                                      "无法原路退回时按 F8 改退现金").replace("%1", fmt_yuan(nxt.amount)))
        elif nxt is not None:
            self.hint.setText(self.tr("按 Enter 原路退回%1 %2；无法原路退回时按 F8 改退现金")
                              .replace("%1", method_name(nxt.method)).replace("%2", fmt_yuan(nxt.amount)))
        if needs_ref:
            self.reference.setFocus()
        else:
            self.setFocus()


def remaining_text(ctl) -> str:
    """What the settlement panel says under the cash share in settled / tender / done."""
    till = ctl.till
    t = till.tender
    if t is None:
        return ""
    if t.nothing_to_collect:
        return ctl.tr("无需收款。Esc 下一位 · F10 撤销（需主管）")
    if not t.complete:
        return ctl.tr("待收款 %1：F9 收款（Enter 现金收齐）· F10 撤销（需主管）").replace("%1", fmt_yuan(t.remaining))
    paid = "，".join(f"{method_name(ln.method)} {fmt_yuan(ln.amount)}" for ln in t.lines)
    change = ctl.tr("，找零 ") + fmt_yuan(t.change) if t.change > ZERO else ""
    return ctl.tr("已收款：") + paid + change + ctl.tr("。Esc 下一位 · F10 撤销（需主管）")
