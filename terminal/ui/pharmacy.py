"""The pharmacy counter in the cashier's window ([facility] kind = "pharmacy"): what the scanner reads goes to the
sale (terminal.core.pharmacy.Sale), the sale goes to the desk as its bill, and the desk settles it as it settles any
bill (identify F1 card / e-code scan / F3 ID, F5 2101, F9 2102, tender, receipt, F10 2103).

Scans (a 1D/2D scanner typing like a keyboard + Enter, see ui/wedge.py, or typed into F4's code field):

* a box's EAN-13 barcode adds the drug (a second scan of the same drug adds one box to its line); the first scan
  after a finished sale starts the next customer's sale;
* a 20-digit traceability code (药品追溯码) goes to the line that needs it, refused with the reason when it is
  malformed, already on a line of this sale, or already sold by this terminal (the store's record);
* while the prescription-number field is open, a scan is the prescription's number (rxno).

A prescription drug asks for the prescription number when first scanned (Enter takes it, Esc leaves it for later:
Ctrl+R asks again). F5 and F9 are refused, naming the lines, while a line misses a traceability code or a
prescription drug has no prescription number; the strip under the bill shows what is still missing.
"""
from __future__ import annotations

import re

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QFrame, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from terminal.app.wiring import pharmacy_catalogue
from terminal.core.errors import user_message_of
from terminal.core.flow import State
from terminal.core.pharmacy import Sale, looks_like_trace_code

from .widgets import set_kind

S = State
#: a prescription number as the counter accepts it (typed or scanned): letters, digits, '-' and '_', up to 30
RXNO = re.compile(r"[0-9A-Za-z_-]{1,30}")
_DIGITS13 = re.compile(r"\d{13}")


class RxnoDialog(QDialog):
    """The prescription number (处方号, rxno): typed or scanned, Enter takes it, Esc leaves it for later."""

    entered = Signal(str)

    def __init__(self, drug: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("rxnoDialog")
        self.setWindowTitle(self.tr("处方号"))
        lay = QVBoxLayout(self)
        self.prompt = QLabel(self.tr("%1 为处方药：请扫描或输入处方号，回车确认；Esc 稍后录入（Ctrl+R）")
                             .replace("%1", drug))
        self.prompt.setWordWrap(True)
        self.field = QLineEdit(self)
        self.field.setObjectName("rxnoField")
        self.field.setMaxLength(30)
        self.field.setPlaceholderText(self.tr("处方号"))
        self.error = QLabel(self)
        self.error.setObjectName("rxnoError")
        self.error.setStyleSheet("color:#c62828")
        lay.addWidget(self.prompt)
        lay.addWidget(self.field)
        lay.addWidget(self.error)
        self.field.returnPressed.connect(lambda: self.take(self.field.text()))
        self.setMinimumWidth(460)

    def take(self, text: str) -> bool:
        t = text.strip()
        if not RXNO.fullmatch(t):
            self.error.setText(self.tr("处方号(rxno)应为 1-30 位字母、数字、- 或 _：") + t[:40])
            return False
        self.entered.emit(t)
        self.accept()
        return True


class CodeEntry(QDialog):
    """F4 at the counter: a barcode, the pharmacy's own code or a traceability code typed by hand (no scanner)."""

    entered = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("codeEntry")
        self.setWindowTitle(self.tr("录入条码"))
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("药盒条码（13 位）、药店自编码或追溯码（20 位），回车添加；Esc 关闭")))
        self.field = QLineEdit(self)
        self.field.setObjectName("codeField")
        self.field.setMaxLength(40)
        lay.addWidget(self.field)
        self.field.returnPressed.connect(self._enter)
        self.setMinimumWidth(460)

    def _enter(self) -> None:
        t = self.field.text().strip()
        self.field.clear()
        if t:
            self.entered.emit(t)


class PharmacyStrip(QFrame):
    """Under the bill: each line's traceability codes (scanned / needed), the prescription number, what is
    missing (red) and the counter's keys."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pharmacyStrip")
        self.setStyleSheet("QFrame#pharmacyStrip { border: 1px solid #b0bec5; border-radius: 4px; }"
                           "QLabel#pharmacyMissing[kind=\"error\"] { color: #c62828; font-weight: bold; }")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(2)
        top = QHBoxLayout()
        self.codes = QLabel(self)
        self.codes.setObjectName("pharmacyCodes")
        self.rxno = QLabel(self)
        self.rxno.setObjectName("pharmacyRxno")
        top.addWidget(self.codes, 1)
        top.addWidget(self.rxno)
        lay.addLayout(top)
        self.missing = QLabel(self)
        self.missing.setObjectName("pharmacyMissing")
        self.missing.setWordWrap(True)
        lay.addWidget(self.missing)
        hint = self.tr("扫药盒条码加药（再扫一次加一盒）· 扫 20 位追溯码 · Ctrl+R 处方号 · F4 手工录入条码")
        self.hint = QLabel(hint, self)
        self.hint.setObjectName("pharmacyHint")
        self.hint.setStyleSheet("color:#546e7a")
        lay.addWidget(self.hint)

    def render(self, sale: Sale) -> None:
        parts = []
        for n, ln in enumerate(sale.lines, 1):
            if ln.drug.trace_required:
                mark = "✓" if not ln.codes_missing else "✗"
                parts.append(f"{n}. {ln.drug.name} {self.tr('追溯码')} {len(ln.trace_codes)}/{ln.qty} {mark}")
        self.codes.setText("　".join(parts) if parts else self.tr("追溯码：—"))
        need = sale.needs_rxno
        self.rxno.setText(self.tr("处方号：") + (sale.rxno or (self.tr("待录入 (Ctrl+R)") if need else "—")))
        problems = sale.problems() if sale.lines else []
        self.missing.setText("；".join(problems))
        self.missing.setVisible(bool(problems))
        set_kind(self.missing, "error" if problems else "")


class PharmacyCounter(QObject):
    """The counter's sale beside the desk: scans in, the bill out to the desk, F5/F9 guarded."""

    def __init__(self, window):
        super().__init__(window)
        self.win = window
        self.ctl = window.ctl
        self.catalogue = pharmacy_catalogue(window.cfg)  # [facility] pharmacy_catalogue; training: the sandbox's
        store = self.ctl.session.store  # "already sold by this terminal" (the journal's traceability codes)
        self.sold = store.trace_codes.sold_by if store is not None else None
        self.sale = Sale(self.catalogue)
        self.rx_dialog: RxnoDialog | None = None
        self.strip = PharmacyStrip(window)
        QShortcut(QKeySequence("Ctrl+R"), window).activated.connect(self.ask_rxno)
        self.ctl.changed.connect(self._desk_changed)
        self.strip.render(self.sale)

    # scans ---------------------------------------------------------------------------------------------
    def scanned(self, text: str) -> bool:
        """A scan at the counter: True when it was the counter's (a box, a traceability code, the rxno)."""
        code = text.strip()
        if self.rx_dialog is not None and self.rx_open:
            self.rx_dialog.field.setText(code)
            self.rx_dialog.take(code)
            return True
        if looks_like_trace_code(code) or self._malformed_trace(code):
            self.trace(code)  # a malformed one is refused with the reason
            return True
        if _DIGITS13.fullmatch(code) or self._known(code):
            self.box(code)
            return True
        return False

    @staticmethod
    def _malformed_trace(code: str) -> bool:
        """Digits a traceability code's length or near it (16-24), no payment code: a code misread or misprinted."""
        from drivers.scanner.classify import CodeKind, classify

        return code.isdigit() and 16 <= len(code) <= 24 and classify(code).kind != CodeKind.PAYMENT_CODE

    def _known(self, code: str) -> bool:
        try:
            self.catalogue.by_ean(code)
            return True
        except LookupError:
            return False

    def _editable(self) -> bool:
        """May the sale change now? A finished sale gives way to the next customer's at the first box."""
        c = self.ctl
        if c.state in (S.DONE, S.CANCELLED, S.REVERSED) and not c.busy and not c.till.due_open:
            c.next_patient()
        if not c.can_edit_bill():
            c._check_editable()
            return False
        return True

    def box(self, ean: str) -> None:
        if not self._editable():
            return
        before = self.sale.needs_rxno
        try:
            ln = self.sale.scan(ean)
        except (LookupError, ValueError) as e:
            self.ctl.say("error", user_message_of(e))
            return
        self._to_desk()
        n = self.sale.lines.index(ln) + 1
        text = self.tr("已添加：第%1行 %2 ×%3").replace("%1", str(n)).replace("%2", ln.drug.name) \
            .replace("%3", str(ln.qty))
        if ln.codes_missing:
            text += self.tr("，请扫描该盒追溯码")
        self.ctl.say("ok", text)
        self.win.bill.table.selectRow(n - 1)
        if self.sale.needs_rxno and not before and not self.sale.rxno:
            self.ask_rxno()

    def trace(self, code: str) -> None:
        if not self._editable():
            return
        try:
            ln = self.sale.add_trace(code, sold=self.sold)
        except (LookupError, ValueError) as e:
            self.ctl.say("error", user_message_of(e))
            self.strip.render(self.sale)
            return
        self._to_desk()
        n = self.sale.lines.index(ln) + 1
        left = self.sale.codes_missing
        self.ctl.say("ok", self.tr("追溯码已记录：第%1行 %2（%3/%4）").replace("%1", str(n))
                     .replace("%2", ln.drug.name).replace("%3", str(len(ln.trace_codes))).replace("%4", str(ln.qty))
                     + (self.tr("，还缺 %1 个").replace("%1", str(left)) if left else ""))

    # the prescription number --------------------------------------------------------------------------
    def ask_rxno(self) -> None:
        if not self.sale.lines or not self.ctl.can_edit_bill():
            self.ctl.say("warn", self.tr("当前没有可录入处方号的销售"))
            return
        rx = next((ln.drug.name for ln in self.sale.lines if ln.drug.rx), self.tr("本单"))
        dlg = RxnoDialog(rx, self.win)
        dlg.field.setText(self.sale.rxno)
        dlg.entered.connect(self.set_rxno)
        dlg.finished.connect(self._rx_closed)
        self.rx_dialog = dlg
        self.win._track("rxno", dlg)
        dlg.open()
        dlg.field.setFocus()

    def _rx_closed(self, _result: int) -> None:
        self.rx_dialog = None
        if self.sale.needs_rxno and not self.sale.rxno:
            self.ctl.say("warn", "；".join(p for p in self.sale.problems() if "rxno" in p))

    def set_rxno(self, rxno: str) -> None:
        if not self.ctl.can_edit_bill():
            self.ctl._check_editable()
            return
        self.sale.rxno = rxno
        self._to_desk()
        self.ctl.say("ok", self.tr("处方号已录入：") + rxno)

    # the bill the desk holds ------------------------------------------------------------------------
    @property
    def rx_open(self) -> bool:
        return self.rx_dialog is not None and self.rx_dialog.isVisible()

    def _to_desk(self) -> None:
        """The sale as the desk's bill (med_type 41, each line with its codes and the rxno)."""
        if self.sale.lines:
            self.ctl.desk.load_bill(self.sale.bill(check=False))
        self.strip.render(self.sale)

    def remove(self, index: int) -> None:
        """Del on a line: the line and its codes go (scan the box again to bring it back)."""
        if not self.ctl.can_edit_bill() or not 0 <= index < len(self.sale.lines):
            self.ctl._check_editable()
            return
        ln = self.sale.remove(index + 1)
        if self.sale.lines:
            self._to_desk()
        else:
            self.ctl.remove_item(index)
            self.strip.render(self.sale)
        self.ctl.say("ok", self.tr("已删除：") + f"{ln.drug.name} × {ln.qty}" + self.tr("（重新扫码可加回）"))

    def set_qty(self, index: int, text: str) -> None:
        """The boxes typed into the bill's quantity cell (whole boxes; codes beyond the count are dropped)."""
        if not self.ctl.can_edit_bill() or not 0 <= index < len(self.sale.lines):
            self.ctl._check_editable()
            return
        try:
            qty = int(text)
            self.sale.set_qty(index + 1, qty)
        except ValueError as e:
            ln = self.sale.lines[index]
            self.ctl.say("error", str(e) if "第" in str(e) else
                         self.tr("第%1行 %2 数量应为整盒数：").replace("%1", str(index + 1))
                         .replace("%2", ln.drug.name) + text)
        self._to_desk()

    def ready(self) -> bool:
        """F5 / F9: the sale may go to the platform; otherwise say what is missing, naming the lines."""
        if self.ctl.state not in (S.BILLED, S.PREVIEWED, S.REVERSED) or not self.sale.lines:
            return True  # not the sale's to refuse: the desk says why it cannot
        problems = self.sale.problems()
        if problems:
            self.ctl.say("error", self.tr("不能结算：") + "；".join(problems))
            self.strip.render(self.sale)
            return False
        return True

    def preview(self) -> None:
        """F5: 2101 once the sale is complete."""
        if self.ready():
            self.ctl.preview_now()

    def settle(self) -> None:
        """F9: the tender when the sale is settled, else 2102 once the sale is complete."""
        if self.ctl.till.due_open or self.ready():
            self.win._settle_clicked()

    def _desk_changed(self) -> None:
        """The desk's next customer (Esc, a new card after the sale): a new sale. The bill's rows of lines that
        still miss a code or the rxno are marked (the quantity cell, with the reason as its tooltip)."""
        if not self.ctl.items and self.sale.lines and self.ctl.state in (S.IDLE, S.IDENTIFIED):
            self.sale = Sale(self.catalogue)
        self.strip.render(self.sale)
        table = self.win.bill.table
        problems = self.sale.problems() if self.sale.lines else []
        for n in range(min(len(self.sale.lines), table.rowCount())):
            cell = table.item(n, 4)
            if cell is None:
                continue
            why = [p for p in problems if p.startswith(f"第{n + 1}行")]
            cell.setBackground(QColor("#ffcdd2") if why else QBrush())
            cell.setToolTip("；".join(why))


def attach(window) -> PharmacyCounter:
    """The counter in the window: the strip under the bill, the F4 code entry, the scans."""
    counter = PharmacyCounter(window)
    window.bill.layout().insertWidget(1, counter.strip)
    window.bill.setTitle(counter.tr("药品明细（扫码）"))
    window.bill.table.setHorizontalHeaderLabels([counter.tr("药店编码"), counter.tr("药品"), counter.tr("规格"),
                                                 counter.tr("单价"), counter.tr("数量"), counter.tr("金额")])
    window.bill.add_btn.set_caption(counter.tr("录入条码"))
    window.bill.load_btn.hide()
    window.discharge_btn.hide()
    window.result.bill_step = counter.tr("扫药：药盒条码（再扫加一盒）与每盒 20 位追溯码 · 处方药录处方号 (Ctrl+R)")
    # F5 and F9 check the sale first (codes, rxno); the quantity cell counts whole boxes
    for signal, slot in ((window.preview_btn.clicked, counter.preview), (window.settle_btn.clicked, counter.settle),
                         (window.bill.qty_changed, counter.set_qty)):
        signal.disconnect()
        signal.connect(slot)
    return counter


def open_code_entry(window, counter: PharmacyCounter) -> None:
    dlg = CodeEntry(window)
    dlg.entered.connect(lambda t: counter.scanned(t) or window.ctl.say("error", counter.tr("无法识别的条码：") + t))
    window._track("code", dlg)
    dlg.open()
    dlg.field.setFocus()


__all__ = ["PharmacyCounter", "PharmacyStrip", "RxnoDialog", "CodeEntry", "attach", "open_code_entry"]
