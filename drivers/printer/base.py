"""The printer interface the UI prints through: one composed receipt in, where it went out."""
from __future__ import annotations

from typing import Protocol

from .compose import ComposedReceipt


class ReceiptPrinter(Protocol):
    """A receipt printer: the ESC/POS thermal printer (drivers.printer.escpos) or the PDF / system printer
    (terminal.ui.receipt: roll paper or A5); terminal.ui.receipt.printer_for picks the configured one.

    print_receipt may block (a printer, the disk): callers run it on a worker."""

    def print_receipt(self, receipt: ComposedReceipt) -> str:
        """Print receipt; returns where it went (the printer's name, or the PDF's path)."""
        ...
