"""F6 the cashier's shift report (交班报表), the sign-off at logout or handover, and the supervisor's day close
(日结, Shift+F8) with the 3201 verdict beside the local totals.

The figures come from terminal.store.shifts; what is printed is composed by drivers.printer.shift (the ESC/POS
roll's text lines) and rendered here as HTML for the screen and the PDF (80 mm roll, terminal.ui.receipt).
Keys in the F6 dialog: Ctrl+P print (PDF), F9 close the shift (交班) with the counted cash, F6 the settlement
journal, F10 (at logout) log out without closing, Esc back.
"""
from __future__ import annotations

import html
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QTextBrowser, QVBoxLayout, QWidget

from drivers.printer import ComposedReceipt, Row, compose_day_close, compose_shift
from terminal.core.errors import user_message_of
from terminal.core.money import fmt_yuan, parse_amount

from .widgets import KeyButton, set_kind

log = logging.getLogger(__name__)
_TABLE = '<table width="100%" cellspacing="0" cellpadding="1">'


def _row(r: Row) -> str:
    style = "font-weight:bold;" if r.bold else ""
    pad = "padding-left:12px;" if r.indent else ""
    return (f'<tr><td style="{style}{pad}">{html.escape(r.label)}</td>'
            f'<td align="right" style="{style}">{html.escape(r.value)}</td></tr>')


def report_html(c: ComposedReceipt) -> str:
    """A composed shift report or day close as HTML (the screen and the PDF)."""
    esc = html.escape
    parts = ['<html><body style="font-family:\'WenQuanYi Micro Hei\',\'Noto Sans CJK SC\',sans-serif;font-size:9pt;">',
             f'<p align="center" style="font-size:12pt;font-weight:bold;margin:0">{esc(c.facility)}</p>',
             f'<p align="center" style="font-size:11pt;margin:2px 0 4px 0">{esc(c.title)}</p>']
    parts += [f'<p align="center" style="{"font-weight:bold;" if n.bold else ""}margin:0">{esc(n.text)}</p>'
              for n in c.notes]
    parts += [_TABLE, *(_row(r) for r in c.info), "</table><hr/>"]
    parts += [_TABLE, *(_row(r) for r in c.amounts), "</table><hr/>"]
    if c.cash is not None:
        parts.append(f'<p style="font-size:14pt;font-weight:bold;margin:4px 0">{esc(c.cash.label)} '
                     f'{esc(c.cash.value)}</p>')
    parts += [f'<p style="margin:6px 0 2px 0">{esc(x)}</p>' for x in c.body]
    parts.append("</body></html>")
    return "".join(parts)


def print_composed(c: ComposedReceipt, cfg: Any) -> str:
    """To the configured printer, or a PDF in pdf_dir (80 mm roll). Returns where it went. Any thread."""
    from .receipt import print_document

    doc = QTextDocument()
    doc.setDefaultFont(QFont("WenQuanYi Micro Hei", 9))
    doc.setHtml(report_html(c))
    doc.setDocumentMargin(4)
    p = cfg.printer
    return print_document(doc, c.name, printer_name=p.name, pdf_dir=p.pdf_dir or str(cfg.data_dir / "receipts"))


def _tr(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


class _ReportDialog(QDialog):
    """A report on the screen with Ctrl+P to print it (PDF without a printer) and Esc to leave."""

    def __init__(self, ctl: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctl = ctl
        self.cfg = ctl.cfg
        self.composed: ComposedReceipt | None = None
        self.printed = ""
        self.lay = QVBoxLayout(self)
        self.view = QTextBrowser(self)
        self.view.setObjectName("shiftReport")
        self.lay.addWidget(self.view, 1)
        self.hint = QLabel(self)
        self.hint.setObjectName("dialogHint")
        self.hint.setWordWrap(True)
        self.buttons = QHBoxLayout()
        self.print_btn = KeyButton("Ctrl+P", self.tr("打印报表"), self, object_name="shiftPrint")
        self.print_btn.clicked.connect(lambda: self.print_now())
        self.buttons.addWidget(self.print_btn)
        self.buttons.addStretch(1)
        self.esc_btn = KeyButton("Esc", self.tr("返回"), self, object_name="shiftBack")
        self.esc_btn.clicked.connect(self.reject)
        self.resize(640, 760)

    def finish_layout(self) -> None:
        self.lay.addWidget(self.hint)
        self.buttons.addWidget(self.esc_btn)
        self.lay.addLayout(self.buttons)

    def show_composed(self, c: ComposedReceipt) -> None:
        self.composed = c
        self.view.setHtml(report_html(c))

    def say(self, kind: str, text: str) -> None:
        self.hint.setText(text)
        set_kind(self.hint, kind)

    def print_now(self, before: str = "") -> Any:
        """Print (or save as PDF) what is shown, on a worker (a printer may block); the message (after
        ``before``) names the file, not its folder, here and in the window's message bar. Returns the Op."""
        from .ops import Op

        if self.composed is None:
            return None
        composed, cfg, ctl = self.composed, self.cfg, self.ctl

        def done(where: str) -> None:
            self.printed = where
            text = before + self.tr("已打印：") + (Path(where).name if where.endswith(".pdf") else where)
            self.say("ok", text)
            ctl.say("ok", text)

        def failed(e: BaseException) -> None:  # the report stays on the screen (and in the journal)
            text = before + self.tr("打印失败：") + user_message_of(e)
            self.say("error", text)
            ctl.say("error", text)

        return Op(ctl.runner, self.tr("打印报表"), lambda: print_composed(composed, cfg), kind="print") \
            .success(done).failure(failed).run()


class ShiftDialog(_ReportDialog):
    """F6: the logged-in cashier's open shift. F9 closes it (the counted cash is typed first); at logout
    (``signoff``) F10 logs out without closing. Emits ``closed(dict)`` after a close, ``logout()`` when the
    cashier is to be logged out, ``journal_requested()`` for F6."""

    closed = Signal(object)
    logout = Signal()
    journal_requested = Signal()

    def __init__(self, ctl: Any, parent: QWidget | None = None, *, signoff: bool = False):
        super().__init__(ctl, parent)
        self.setObjectName("shiftDialog")
        self.signoff = signoff
        self.store = ctl.session.store
        op = ctl.operator
        self.operator_id = op.id if op is not None else ctl.cfg.operator.id
        self.operator_name = op.name if op is not None else ""
        self.setWindowTitle(self.tr("交班报表") if not signoff else self.tr("注销：交班"))
        self.report: dict[str, Any] | None = None
        self.close_record: dict[str, Any] | None = None
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("实点现金（元）"), self))
        self.counted = QLineEdit(self)
        self.counted.setObjectName("countedCash")
        self.counted.setPlaceholderText(self.tr("数一数钱箱里的现金，如 320.00"))
        self.counted.textChanged.connect(self._difference)
        self.counted.returnPressed.connect(self.close_shift)
        row.addWidget(self.counted, 1)
        self.diff = QLabel(self)
        self.diff.setObjectName("shiftDifference")
        row.addWidget(self.diff, 1)
        self.lay.addLayout(row)
        self.journal_btn = KeyButton("F6", self.tr("结算日志"), self, object_name="shiftJournal")
        self.journal_btn.clicked.connect(self.journal_requested)
        self.close_btn = KeyButton("F9", self.tr("交班并注销") if signoff else self.tr("交班"), self,
                                   object_name="shiftClose")
        self.close_btn.clicked.connect(self.close_shift)
        self.buttons.insertWidget(1, self.journal_btn)
        self.buttons.insertWidget(2, self.close_btn)
        self.logout_btn = KeyButton("F10", self.tr("不交班，仅注销"), self, object_name="shiftLogoutOnly")
        self.logout_btn.clicked.connect(self._logout_only)
        self.logout_btn.setVisible(signoff)
        self.buttons.insertWidget(3, self.logout_btn)
        self.finish_layout()
        if signoff:
            self.guide = ("warn", self.tr("注销前请交班：输入实点现金，按 F9 交班并注销（报表自动打印）；"
                                          "按 F10 不交班仅注销；Esc 返回"))
        else:
            self.guide = ("", self.tr("输入实点现金后按 F9 交班（报表自动打印）；Ctrl+P 打印；F6 结算日志；Esc 返回"))
        self.say(*self.guide)
        self.refresh()
        self.counted.setFocus()

    def refresh(self) -> None:
        if self.store is None:
            self.view.setPlainText(self.tr("未启用交易日志，无法生成交班报表"))
            self.close_btn.setEnabled(False)
            return
        self.report = self.store.shifts.report(self.operator_id).as_dict()
        self.show_composed(compose_shift(self.report, facility_name=self.cfg.facility.name,
                                         operator_name=self.operator_name, training=self.ctl.session.training,
                                         translate=_tr))
        self._difference()

    def _counted(self) -> Decimal | None:
        text = self.counted.text().strip()
        return parse_amount(text, field="counted_cash", label=self.tr("实点现金")) if text else None

    def _difference(self, *_a) -> None:
        if self.report is None:
            return
        expected = Decimal(self.report["expected_cash"])
        head = self.tr("应有现金 ") + fmt_yuan(expected)
        try:
            counted = self._counted()
        except ValueError:
            self.diff.setText(head + self.tr(" · 金额格式不对"))
            set_kind(self.diff, "error")
            return
        if self.close_record is None and self.hint.property("kind") == "error":
            self.say(*self.guide)  # the refusal is answered: back to the guide
        if counted is None:
            self.diff.setText(head)
            set_kind(self.diff, "")
            return
        d = counted - expected
        word = self.tr("长款") if d > 0 else (self.tr("短款") if d < 0 else self.tr("相符"))
        self.diff.setText(head + " · " + self.tr("差额 ") + fmt_yuan(d) + f"（{word}）")
        set_kind(self.diff, "ok" if not d else "warn")

    def close_shift(self) -> dict[str, Any] | None:
        """F9: record the close with the counted cash (refused with the field named when it is no amount),
        print the signed-off report, and (at logout) log the cashier out."""
        if self.store is None or self.close_record is not None:
            return None
        try:
            counted = self._counted()
            rec = self.store.shifts.close(self.operator_id, counted_cash=counted, closed_by=self.operator_id)
        except ValueError as e:
            self.say("error", user_message_of(e))
            self.counted.setFocus()
            self.counted.selectAll()
            return None
        self.close_record = rec
        self.show_composed(compose_shift(rec["report"], facility_name=self.cfg.facility.name,
                                         operator_name=self.operator_name, closed=rec["closed"],
                                         training=self.ctl.session.training, translate=_tr))
        self.close_btn.setEnabled(False)
        self.counted.setEnabled(False)
        text = self.tr("已交班 %1").replace("%1", rec["closed"]) + self.tr("，")
        self.say("ok", text)
        self.print_now(text)
        self.closed.emit(rec)
        if self.signoff:
            self.logout.emit()
            self.accept()
        return rec

    def _logout_only(self) -> None:
        if self.signoff:
            self.logout.emit()
            self.accept()


class DayCloseDialog(_ReportDialog):
    """The supervisor's day close (日结): every cashier's day and the 3201 verdict per group, printable."""

    def __init__(self, ctl: Any, body: dict[str, Any], parent: QWidget | None = None):
        super().__init__(ctl, parent)
        self.setObjectName("dayCloseDialog")
        self.setWindowTitle(self.tr("日结"))
        self.body = body
        self.finish_layout()
        self.show_composed(compose_day_close(body, facility_name=self.cfg.facility.name,
                                             training=ctl.session.training, translate=_tr))
        rec = body["reconcile"]
        self.say("ok" if rec["balanced"] else "warn", rec["summary"])
