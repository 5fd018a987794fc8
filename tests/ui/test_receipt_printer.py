"""The PDF printer (terminal.ui.receipt) is a drivers.printer.ReceiptPrinter: any composed slip goes to a PDF named
after it, with the text the driver composed."""
from __future__ import annotations

from decimal import Decimal

from drivers.printer import ReceiptPrinter, compose_discharge, compose_park
from terminal.store.parked import ParkSlip
from terminal.ui.receipt import PdfReceiptPrinter, composed_document


def test_pdf_printer_prints_park_and_discharge_slips(qtbot, tmp_path):
    printer: ReceiptPrinter = PdfReceiptPrinter(pdf_dir=tmp_path)
    slip = ParkSlip(park_id="P0001", created="2026-01-05 10:00:00", total=Decimal("123.40"), name_masked="符**",
                    cert_masked="460100********0132", cert_type="01", item_count=3)
    park = compose_park(slip, facility_name="南宁市第一人民医院", training=True)
    discharge = compose_discharge(["住院费用结算单", "住院号 A001  床号 12", "医疗费总额  ¥500.00"],
                                  name="discharge-S1", facility_name="南宁市第一人民医院")
    for c, start in ((park, "park-P0001-"), (discharge, "discharge-S1-")):
        path = printer.print_receipt(c)
        assert path.split("/")[-1].startswith(start) and path.endswith(".pdf")
        assert (tmp_path / path.split("/")[-1]).read_bytes()[:5] == b"%PDF-"
    text = composed_document(park).toPlainText()
    assert "医保补结算凭条" in text and "已全额收费: ¥123.40" in text and "训练模式" in text
    assert "医疗费总额  ¥500.00" in composed_document(discharge).toPlainText()
