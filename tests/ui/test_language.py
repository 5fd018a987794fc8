"""Language: every text the UI translates has its English in the glossary (resources/translations/yibao_en.json);
the names the Qt-free layers hand the window (男, 正常参保, the queue's kinds and states) are English in the English UI
and stay Chinese in the Chinese one; the Chinese UI says 密码, not PIN; the message bar names a PDF, not its path."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from terminal.core.flow import State

ROOT = Path(__file__).resolve().parents[2]


def _update():
    spec = importlib.util.spec_from_file_location("tr_update", ROOT / "resources" / "translations" / "update.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def fresh_qm(tmp_path_factory):
    """The English translation built from the tree as it is now (into a temp folder: the shipped files stay)."""
    d = tmp_path_factory.mktemp("tr")
    missing = _update().build(d / "yibao_en.ts", d / "yibao_en.qm")
    return d / "yibao_en.qm", missing


def test_every_translated_text_has_its_english(fresh_qm):
    _qm, missing = fresh_qm
    assert missing == [], "add these to resources/translations/yibao_en.json: " + ", ".join(missing)


def test_code_names_are_english_in_the_english_ui_only(qapp, fresh_qm):
    from terminal.ui.codenames import name

    assert name("男") == "男" and name("正常参保") == "正常参保"  # zh_CN: as the platform names them
    t = QTranslator()
    assert t.load(str(fresh_qm[0]))
    qapp.installTranslator(t)
    try:
        assert name("男") == "male"
        assert name("正常参保") == "Insured"
        assert name("城乡居民基本医疗保险") == "Resident basic medical insurance"
        assert name("冲正") == "Reversal" and name("排队中") == "Queued"
        assert QCoreApplication.translate("QueueDialog", "离线队列待处理 %1 项") == "Offline queue: %1 waiting"
        assert QCoreApplication.translate("PinDialog", "密码") == "PIN"
    finally:
        qapp.removeTranslator(t)


def test_the_chinese_ui_says_mima_not_pin(qtbot, sandbox, ui_cfg):
    from terminal.app import AppSession
    from terminal.ui.app import CashierApp

    session = AppSession.open(ui_cfg, sandbox=sandbox)
    ca = CashierApp(ui_cfg, session, customer_display=False)
    try:
        dlg = ca.show_login()
        qtbot.addWidget(dlg)
        from PySide6.QtWidgets import QLabel

        texts = [w.text() for w in dlg.findChildren(QLabel)]
        assert "密码" in texts and "PIN" not in texts
        assert "PIN" not in dlg.hint.text()
    finally:
        ca.close()
        session.close()


def test_queue_dialog_words_come_through_the_translator(desk):
    from terminal.ui.journal import QueueDialog

    desk.key("F7")
    desk.qtbot.waitUntil(lambda: desk.active_dialog(QueueDialog) is not None, timeout=3000)
    dlg = desk.active_dialog(QueueDialog)
    assert dlg.status.text() == "离线队列为空"
    dlg.accept()


def test_message_bar_names_the_pdf_not_its_folder(desk):
    from terminal.ui.till_view import shown_where

    assert shown_where(os.path.join("/var", "lib", "yibao", "receipts", "r-1.pdf")) == "r-1.pdf"
    assert shown_where("EPSON TM-T88") == "EPSON TM-T88"
    desk.load_bill()
    desk.identify_by_id("sichuan-resident")
    desk.preview()
    desk.settle()
    assert desk.ctl.state in (State.SETTLED, State.DONE)  # the tender (exact cash) may have closed it
    desk.qtbot.waitUntil(lambda: "结算单已输出" in desk.window.msg.text(), timeout=10000)
    text = desk.window.msg.text()
    assert text.endswith(".pdf") and "/" not in text and "\\" not in text


def test_code_names_cover_every_name_the_layers_hand_over():
    import re

    from terminal.app.catalogue import LEVELS
    from terminal.app.operators import ROLE_NAMES
    from terminal.core.models import CERT_TYPES, INSU_STATUS, INSUTYPE_NAMES
    from terminal.store.outbox import KIND_NAMES, STATE_NAMES
    from terminal.store.parked import PARK_STATES

    listed = set(re.findall(r'translate\("CodeNames", "([^"]+)"\)',
                            (ROOT / "terminal" / "ui" / "codenames.py").read_text(encoding="utf-8")))
    names = {"男", "女"}
    for d in (INSU_STATUS, INSUTYPE_NAMES, CERT_TYPES, ROLE_NAMES, KIND_NAMES, STATE_NAMES, PARK_STATES, LEVELS):
        names |= set(d.values())
    assert names - listed == set()


def test_texts_of_base_and_mixin_classes_are_english_under_the_class_that_uses_them(qapp, fresh_qm):
    """PySide6's self.tr() looks a text up under type(self).__name__: the window's dialogs (WindowDialogs), its
    scheduled reconciliation (ScheduledReconcile) and the shift dialogs' base are asked for as MainWindow,
    ShiftDialog and DayCloseDialog."""
    t = QTranslator()
    assert t.load(str(fresh_qm[0]))
    qapp.installTranslator(t)
    try:
        assert QCoreApplication.translate("MainWindow", "没有可恢复的删除") != "没有可恢复的删除"
        assert QCoreApplication.translate("ShiftDialog", "打印报表") != "打印报表"
        assert QCoreApplication.translate("DayCloseDialog", "打印报表") != "打印报表"
        assert QCoreApplication.translate("CashierController", "打印结算单") != "打印结算单"  # ui/till_view.py
    finally:
        qapp.removeTranslator(t)
