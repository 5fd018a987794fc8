"""The cashier's window fits a 1366-px screen in English too, with the most buttons it shows: a refused patient
(Ctrl+F9 self-pay on screen) beside every secondary key."""
from __future__ import annotations

from PySide6.QtCore import QTranslator

from tests.support import ROOT


def test_english_refused_patient_fits_1366(qapp, make_desk):
    t = QTranslator()
    assert t.load(str(ROOT / "resources" / "translations" / "yibao_en.qm"))
    qapp.installTranslator(t)
    try:
        desk = make_desk()
        desk.load_bill()
        desk.identify_by_id("suspended")
        w = desk.window
        desk.qtbot.waitUntil(lambda: w.self_pay_btn.isVisible(), timeout=5000)
        assert w.self_pay_btn.text().endswith("Self-pay")  # the English UI
        bar = w.findChild(object, "actionBar")
        assert w.minimumSizeHint().width() <= 1366 and bar.minimumSizeHint().width() <= 1366
    finally:
        qapp.removeTranslator(t)
