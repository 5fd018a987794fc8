"""Receipt printing without Qt: the receipt's data (:mod:`.receipt`), what each slip says (:mod:`.compose`:
settlement, cancellation, park and discharge slips; :mod:`.pharmacy`: a pharmacy's sale slip), its text layout for a
paper width (:mod:`.layout`), the printer interface (:mod:`.base`) and the ESC/POS thermal printer (:mod:`.escpos`,
imported where used: it loads python-escpos)."""
from terminal.core.textwidth import display_width

from .base import ReceiptPrinter
from .compose import (ComposedReceipt, Item, Note, ParkSlipLike, Row, SlipKind, Translate, compose_discharge,
                      compose_park, compose_settlement, untranslated)
from .layout import text_lines
from .pharmacy import compose_pharmacy  # registers the pharmacy's settlement slip (FACILITY_LAYOUTS)
from .receipt import ReceiptData, ReceiptLine
from .shift import compose_day_close, compose_shift

__all__ = ["ComposedReceipt", "Item", "Note", "ParkSlipLike", "ReceiptData", "ReceiptLine", "ReceiptPrinter", "Row",
           "SlipKind", "Translate", "compose_day_close", "compose_discharge", "compose_park", "compose_settlement",
           "compose_pharmacy", "compose_shift", "display_width", "text_lines", "untranslated"]
