"""English UI of the issue-13 screens (what the screenshots showed in Chinese): the settlement panel's tender line
(remaining_text's ctl.tr(), filed by lupdate under "ctl", asked for as CashierController), the cancel reasons (shown
in English, kept in Chinese for the journal) and the refusal's insurance status (a code name)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def english_qm(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("tr_update", ROOT / "resources" / "translations" / "update.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    d = tmp_path_factory.mktemp("tr")
    mod.build(d / "yibao_en.ts", d / "yibao_en.qm")
    return d / "yibao_en.qm"


@pytest.fixture
def english(qapp, english_qm):
    t = QTranslator()
    assert t.load(str(english_qm))
    qapp.installTranslator(t)
    yield
    qapp.removeTranslator(t)


def test_the_panels_tender_line_is_english(english):
    assert QCoreApplication.translate("CashierController", "已收款：") == "Paid: "
    assert QCoreApplication.translate("CashierController", "。Esc 下一位 · F10 撤销（需主管）") != \
        "。Esc 下一位 · F10 撤销（需主管）"


def test_cancel_reasons_are_english_on_screen_and_chinese_in_the_journal(english, qtbot):
    from terminal.ui.tender import CancelReasonDialog

    dlg = CancelReasonDialog("S1")
    qtbot.addWidget(dlg)
    shown = [dlg.reasons.item(i).text() for i in range(dlg.reasons.count())]
    assert shown[:2] == ["The patient asks for a refund", "Wrong item or quantity"] and shown[-1] == "Other"
    dlg.reasons.setCurrentRow(1)
    dlg.text.setText("x")
    assert dlg.reason() == "收费项目或数量有误：x"


def test_refusal_names_the_insurance_status_in_english(desk, english):
    desk.load_bill()
    desk.identify_by_id("suspended")
    assert desk.ctl.refused.startswith("Insurance status: Suspended"), desk.ctl.refused
