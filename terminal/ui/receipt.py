"""Receipts on paper through Qt: a composed receipt (drivers.printer) rendered as HTML into a QTextDocument, printed
via QtPrintSupport or saved as PDF.

Rendering runs on any thread (QTextDocument and QPrinter are not widgets), so printing is a background op.
"""
from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QSizeF, QUrl
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QTextDocument

from drivers.printer import (ComposedReceipt, ParkSlipLike, ReceiptData, Row, SlipKind, compose_park,
                             compose_settlement)

from .qr import qr_image

RECEIPT_WIDTH_MM = 80.0
_TABLE = '<table width="100%" cellspacing="0" cellpadding="1">'


def _row(row: Row) -> str:
    style = "font-weight:bold;" if row.bold else ""
    pad = "padding-left:10px;" if row.indent else ""
    return (f'<tr><td style="{style}{pad}">{html.escape(row.label)}</td>'
            f'<td align="right" style="{style}">{html.escape(row.value)}</td></tr>')


def _notes(c: ComposedReceipt) -> list[str]:
    return [f'<p align="center" style="{"font-weight:bold;" if n.bold else ""}margin:0">{html.escape(n.text)}</p>'
            for n in c.notes]


def composed_html(c: ComposedReceipt) -> str:
    """A settlement (or cancelled settlement) receipt as HTML for a QTextDocument."""
    esc = html.escape
    parts = [
        '<html><body style="font-family:\'WenQuanYi Micro Hei\',\'Noto Sans CJK SC\',sans-serif;font-size:9pt;">',
        f'<p align="center" style="font-size:12pt;font-weight:bold;margin:0">{esc(c.facility)}</p>',
        f'<p align="center" style="font-size:11pt;margin:2px 0 4px 0">{esc(c.title)}</p>',
        *_notes(c),
        _TABLE,
        *(f'<tr><td>{esc(r.label)}</td><td align="right">{esc(r.value)}</td></tr>' for r in c.info),
        "</table><hr/>",
    ]
    if c.items and c.item_header is not None:
        h_item, h_qty, h_amt = (esc(h) for h in c.item_header)
        parts.append(_TABLE)
        parts.append(f'<tr><td><b>{h_item}</b></td><td align="right"><b>{h_qty}</b></td>'
                     f'<td align="right"><b>{h_amt}</b></td></tr>')
        for it in c.items:
            parts.append(f'<tr><td>{esc(it.name)}</td><td align="right">{esc(it.qty)}</td>'
                         f'<td align="right">{esc(it.amount)}</td></tr>')
        parts.append("</table><hr/>")
    parts.append(_TABLE)
    parts += [_row(r) for r in c.amounts]
    parts.append("</table><hr/>")
    if c.cash is not None:
        parts.append(f'<p style="font-size:14pt;font-weight:bold;margin:4px 0">{esc(c.cash.label)} '
                     f'{esc(c.cash.value)}</p>')
    parts.append('<p align="center"><img src="qr://verify" width="110" height="110"/></p>')
    parts += [f'<p align="center" style="font-size:7pt;margin:0">{esc(x)}</p>' for x in c.footer]
    parts.append("</body></html>")
    return "".join(parts)


def slip_composed_html(c: ComposedReceipt) -> str:
    """A slip (park, discharge) as HTML: title, notes, its lines, the QR when it has one. The discharge slip's lines
    come laid out in columns and print in a fixed-width font as they are."""
    esc = html.escape
    parts = ['<html><body style="font-family:\'WenQuanYi Micro Hei\',sans-serif;font-size:9pt;">',
             f'<p align="center" style="font-size:12pt;font-weight:bold;margin:0">{esc(c.facility)}</p>',
             f'<p align="center" style="font-size:11pt;margin:2px 0 6px 0">{esc(c.title)}</p>',
             *_notes(c)]
    if c.kind == SlipKind.DISCHARGE:  # columns laid out in characters (terminal.core.inpatient): keep them
        text = esc("\n".join(c.body))
        parts.append('<pre style="font-family:\'WenQuanYi Micro Hei Mono\',\'Noto Sans Mono CJK SC\',monospace;'
                     f'font-size:8pt;margin:2px 0">{text}</pre>')
    else:
        parts += [f'<p style="margin:2px 0">{esc(x)}</p>' for x in c.body]
    if c.qr:
        parts.append('<p align="center"><img src="qr://verify" width="110" height="110"/></p>')
    parts.append("</body></html>")
    return "".join(parts)


def receipt_html(r: ReceiptData, *, reprint: bool = False) -> str:
    return composed_html(compose_settlement(r, reprint=reprint, translate=QCoreApplication.translate))


def slip_html(slip: ParkSlipLike, facility_name: str, training: bool = False) -> str:
    """The deferred-settlement slip (terminal.store.ParkSlip): proof of full payment, the number to settle."""
    return slip_composed_html(compose_park(slip, facility_name=facility_name, training=training,
                                           translate=QCoreApplication.translate))


def composed_document(c: ComposedReceipt) -> QTextDocument:
    doc = QTextDocument()
    doc.setDefaultFont(QFont("WenQuanYi Micro Hei", 9))
    if c.qr:
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("qr://verify"), qr_image(c.qr, 220, 2))
    settlement = c.kind in (SlipKind.SETTLEMENT, SlipKind.CANCEL)
    doc.setHtml(composed_html(c) if settlement else slip_composed_html(c))
    doc.setDocumentMargin(4)
    return doc


def receipt_document(r: ReceiptData, *, reprint: bool = False) -> QTextDocument:
    return composed_document(compose_settlement(r, reprint=reprint, translate=QCoreApplication.translate))


class PdfReceiptPrinter:
    """drivers.printer.ReceiptPrinter through Qt: to the named printer, or (none configured) a PDF in pdf_dir."""

    def __init__(self, printer_name: str = "", pdf_dir: str | Path = "") -> None:
        self.printer_name = printer_name
        self.pdf_dir = pdf_dir

    def print_receipt(self, receipt: ComposedReceipt) -> str:
        return print_document(composed_document(receipt), receipt.name, suffix=receipt.suffix,
                              printer_name=self.printer_name, pdf_dir=self.pdf_dir)


def print_receipt(r: ReceiptData, *, printer_name: str = "", pdf_dir: str | Path = "", reprint: bool = False
                  ) -> str:
    """Print to the named printer, or (no printer configured) save a PDF. Returns where it went.

    Runs on a worker thread (the caller wraps it in an Op)."""
    composed = compose_settlement(r, reprint=reprint, translate=QCoreApplication.translate)
    return PdfReceiptPrinter(printer_name, pdf_dir).print_receipt(composed)


def print_slip(slip: ParkSlipLike, *, facility_name: str, printer_name: str = "", pdf_dir: str | Path = "",
               training: bool = False) -> str:
    composed = compose_park(slip, facility_name=facility_name, training=training, translate=QCoreApplication.translate)
    return PdfReceiptPrinter(printer_name, pdf_dir).print_receipt(composed)


def _safe(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]", "_", name)[:80] or "receipt"


def print_document(doc: QTextDocument, name: str, *, suffix: str = "", printer_name: str = "",
                   pdf_dir: str | Path = "") -> str:
    """Print a document on 80 mm roll paper to the named printer, or save it as PDF in pdf_dir."""
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    to_pdf = not printer_name
    if printer_name:
        names = [p.printerName() for p in QPrinterInfo.availablePrinters()]
        if printer_name not in names:
            raise RuntimeError(QCoreApplication.translate("Receipt", "找不到打印机") + " " + printer_name)
        printer.setPrinterName(printer_name)
    path = ""
    if to_pdf:
        out = Path(pdf_dir) if pdf_dir else Path.home() / "yibao-receipts"
        out.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")[:-3]
        path = str(out / f"{_safe(name)}-{stamp}{suffix}.pdf")
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(path)
    # roll paper: 80 mm wide, as long as the content
    body_mm = RECEIPT_WIDTH_MM - 6
    doc.setTextWidth(body_mm / 25.4 * 96)
    height_mm = min(2000.0, max(100.0, doc.size().height() / 96 * 25.4 + 16))
    printer.setPageSize(QPageSize(QSizeF(RECEIPT_WIDTH_MM, height_mm), QPageSize.Unit.Millimeter, "receipt"))
    printer.setPageMargins(QMarginsF(3, 3, 3, 3), QPageLayout.Unit.Millimeter)
    doc.print_(printer)
    return path or printer_name
