"""The shift report (F6), the sign-off at logout (Ctrl+L) and the supervisor's day close (Shift+F8) through the
real window against the sandbox over HTTP, keyboard only. The journal holds the two cashiers of
tests/shift_fixtures.py (figures worked out in tests/unit/test_shifts.py) plus what the window settles."""
from __future__ import annotations

import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from terminal.core.money import fmt_yuan
from tests.shift_fixtures import two_cashiers

from .conftest import login

SHOTS = Path(os.environ.get("YIBAO_SHOTS", "/tmp/shots"))


def _today() -> str:
    return datetime.now().strftime("%Y-%m-%d")


def _modal(desk, cls):
    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), cls), timeout=5000)
    dlg = QApplication.activeModalWidget()
    dlg.activateWindow()
    desk.qtbot.waitUntil(lambda: QApplication.activeWindow() is dlg, timeout=3000)  # its keys work from now on
    return dlg


def _settle(desk, key="local"):
    desk.load_bill()
    desk.identify_by_id(key)
    desk.preview()
    desk.settle()
    s = desk.ctl.settlement
    desk.key("Escape")
    return s


def _shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def test_f6_shows_the_cashiers_shift_and_prints_it(desk):
    from terminal.ui.shift import ShiftDialog

    two_cashiers(desk.ca.session.store, _today(), early=True)
    s = _settle(desk, "local")  # 0001 settles one more through the window (no tender line: its cash share is cash)
    desk.key("F6")
    dlg = _modal(desk, ShiftDialog)
    r = dlg.report
    assert r["operator"] == "0001" and r["net"]["count"] == 7
    assert Decimal(r["net"]["medfee_sumamt"]) == Decimal("810.20") + s.medfee_sumamt
    expected = Decimal("320.20") + s.psn_cash_pay
    assert Decimal(r["expected_cash"]) == expected
    text = dlg.view.toPlainText()
    for words in ("收费员交班报表", "按险种", "职工基本医疗保险", "按基金", "统筹基金", "个人账户", "按参保地",
                  "海南省海口市", "收款方式", "微信支付", "支付宝 退款 1 笔", "待退款（补结算） 1 笔", "应有现金"):
        assert words in text, words
    assert fmt_yuan(expected) in text
    assert "310 " not in text and "460100" not in text  # names, not bare codes
    assert fmt_yuan(expected) in dlg.diff.text()  # before counting: what the drawer should hold
    _shot(dlg, "shift-report.png")
    desk.qtbot.keyClick(dlg, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    desk.qtbot.waitUntil(lambda: "已打印" in dlg.hint.text(), timeout=10000)  # printed on a worker
    pdfs = sorted(Path(desk.ca.cfg.printer.pdf_dir).glob("shift-0001-*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].stat().st_size > 1000
    assert pdfs[0].name in dlg.hint.text() and str(pdfs[0].parent) not in dlg.hint.text()  # the name, not the path
    # F6 again: the settlement journal (search, reprint, cancel) from here
    from terminal.ui.journal import JournalDialog

    desk.qtbot.keyClick(dlg, Qt.Key.Key_F6)
    j = _modal(desk, JournalDialog)
    j.reject()
    dlg.reject()
    # Shift+F6 opens the journal straight from the window
    desk.qtbot.waitUntil(lambda: QApplication.activeWindow() is desk.window, timeout=3000)
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    _modal(desk, JournalDialog).reject()


def test_logout_asks_to_close_the_shift_and_the_next_cashier_logs_in(desk):
    from terminal.ui.shift import ShiftDialog

    store = desk.ca.session.store
    today = _today()
    two_cashiers(store, today, early=True)
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dlg = _modal(desk, ShiftDialog)
    assert dlg.signoff and dlg.logout_btn.isVisible() and dlg.counted.hasFocus()
    assert dlg.report["expected_cash"] == "320.20"
    # counted cash that is no amount: refused with the field named, nothing recorded
    desk.qtbot.keyClicks(dlg.counted, "320,00")
    desk.qtbot.keyClick(dlg.counted, Qt.Key.Key_F9)
    assert "counted_cash" in dlg.hint.text() and store.shifts.closes(today) == []
    assert dlg.isVisible()
    dlg.counted.clear()
    desk.qtbot.keyClicks(dlg.counted, "320.00")
    assert "应有现金 ¥320.20" in dlg.diff.text() and "-¥0.20" in dlg.diff.text() and "短款" in dlg.diff.text()
    assert "counted_cash" not in dlg.hint.text() and "F9" in dlg.hint.text()  # the refusal answered: the guide
    _shot(dlg, "shift-signoff.png")
    desk.qtbot.keyClick(dlg.counted, Qt.Key.Key_F9)  # 交班并注销
    desk.qtbot.waitUntil(lambda: not desk.window.isVisible(), timeout=5000)
    [c] = store.shifts.closes(today)
    assert (c["operator"], c["closed_by"], c["counted_cash"]) == ("0001", "0001", "320.00")
    rep = store.shifts.stored(c["id"])["report"]
    assert rep["expected_cash"] == "320.20" and rep["difference"] == "-0.20"
    desk.qtbot.waitUntil(lambda: bool(sorted(Path(desk.ca.cfg.printer.pdf_dir).glob("shift-0001-*.pdf"))),
                         timeout=10000)  # the signed-off report printed
    desk.qtbot.waitUntil(lambda: "已交班" in desk.window.msg.text() and "已打印" in desk.window.msg.text(),
                         timeout=10000)  # told in the window's message bar too
    assert desk.ctl.operator is None and desk.ca.login.isVisible()
    # logged out: a card put in the reader is not read for nobody (the reader's event does arrive)
    from drivers.virtual import profile_for

    reader_events = []
    desk.window.cards.changed.connect(lambda state, kind: reader_events.append(kind))
    desk.reader.insert(profile_for("hainan-retiree"))
    desk.qtbot.waitUntil(lambda: "card_inserted" in reader_events, timeout=5000)
    desk.qtbot.wait(300)
    assert desk.ctl.person is None and not desk.ctl.busy
    desk.reader.remove()
    # the next cashier logs in: the same window, their own shift
    from terminal.app.operators import CASHIER

    desk.ca.operators.add("0002", "收费员乙", CASHIER, "2468")
    login(desk.qtbot, desk.ca, "0002", "2468")
    desk.qtbot.waitUntil(lambda: desk.window.isVisible() and desk.ctl.operator is not None, timeout=5000)
    assert desk.ctl.operator.id == "0002"
    desk.qtbot.waitUntil(lambda: QApplication.activeWindow() is desk.window, timeout=3000)
    desk.key("F6")
    dlg2 = _modal(desk, ShiftDialog)
    assert dlg2.report["operator"] == "0002" and not dlg2.signoff
    assert dlg2.report["expected_cash"] == "24.50" and dlg2.report["net"]["medfee_sumamt"] == "64.50"
    dlg2.reject()
    # F10 at logout: out without closing
    desk.qtbot.waitUntil(lambda: QApplication.activeWindow() is desk.window, timeout=3000)
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dlg3 = _modal(desk, ShiftDialog)
    desk.qtbot.keyClick(dlg3.counted, Qt.Key.Key_F10)
    desk.qtbot.waitUntil(lambda: not desk.window.isVisible(), timeout=5000)
    assert len(store.shifts.closes(today)) == 1


def test_logout_is_refused_with_a_patient_half_done(desk):
    desk.load_bill()
    desk.identify_by_id("local")
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert "注销" in desk.window.msg.text() and "shift" not in desk.window.dialogs


def test_shift_f8_day_close_shows_the_3201_verdict_beside_the_totals(desk):
    from terminal.ui.shift import DayCloseDialog

    from .conftest import sign

    s = _settle(desk, "local")
    desk.qtbot.keyClick(desk.window, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    sign(desk.qtbot, desk.supervisor(), "9001", "9999")
    dlg = _modal(desk, DayCloseDialog)
    rec = dlg.body["reconcile"]
    assert rec["balanced"] is True, rec
    [g] = rec["groups"]
    assert (g["state_name"], g["count"], Decimal(g["medfee_sumamt"])) == ("平", 1, s.medfee_sumamt)
    [cashier] = dlg.body["cashiers"]
    assert cashier["operator"] == "0001" and Decimal(cashier["net"]["medfee_sumamt"]) == s.medfee_sumamt
    text = dlg.view.toPlainText()
    assert "日结单" in text and "医保对总账（3201）" in text and "平" in text and fmt_yuan(s.medfee_sumamt) in text
    assert "对账一致" in dlg.hint.text()
    assert desk.ca.session.store.shifts.closes(_today(), kind="day")[0]["closed_by"] == "9001"
    _shot(dlg, "day-close.png")
    desk.qtbot.keyClick(dlg, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    desk.qtbot.waitUntil(lambda: bool(sorted(Path(desk.ca.cfg.printer.pdf_dir).glob("dayclose-*.pdf"))),
                         timeout=10000)
    dlg.reject()
