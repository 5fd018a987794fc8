"""The F8 reconciliation view through the real window, keyboard only, against the sandbox over HTTP.

Differences are made the way they happen at a hospital: another system (a SandboxClient with the same
facility code) settles on the platform, or cancels / reverses one of the terminal's settlements behind its back.
"""
from __future__ import annotations

import csv
from decimal import Decimal
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from terminal.core.money import fmt_yuan
from tests.support import PERSONS


SHOTS = Path("/tmp/shots")
ITEMS = [("001102000010300", "25.00", 1), ("002201000040000", "60.00", 1)]


def _settle(desk, key="local"):
    r = desk.settle_bill(key)
    desk.key("Escape")  # back to an empty desk
    return r


def _f8(desk):
    from terminal.ui.reconcile import ReconcileDialog

    desk.qtbot.waitUntil(lambda: QApplication.activeWindow() is desk.window, timeout=3000)
    desk.key("F8")
    rc = desk.modal(ReconcileDialog)
    desk.qtbot.waitUntil(lambda: QApplication.activeWindow() is rc, timeout=3000)
    return rc


def _key(desk, rc, key, widget=None):
    k = getattr(Qt.Key, f"Key_{key}") if isinstance(key, str) else key
    desk.qtbot.keyClick(widget or QApplication.focusWidget() or rc, k)


def _detail(desk, rc, timeout=20000):
    """F9 in the view: the detail reconciliation runs in the background, the view stays responsive."""
    runs = rc.history.rowCount()
    _key(desk, rc, "F9")
    assert rc.busy and not rc.detail_btn.isEnabled()  # the op runs off the UI thread
    desk.qtbot.waitUntil(lambda: not rc.busy, timeout=timeout)
    assert rc.detail is not None, rc.note.text()
    assert rc.history.rowCount() == runs + 1
    return rc.differences()


def _inject(desk, kind: str, **spec) -> dict:
    """A ledger fault over HTTP (POST /sandbox/ledger/inject): what another system did behind the terminal."""
    r = requests.post(desk.sandbox.url + "/sandbox/ledger/inject", json={"kind": kind, **spec}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["injected"]


def _other_system(desk, medfee="61.00") -> dict:
    """Another billing system of the hospital (HIS, another desk) settles a local patient: platform only."""
    return _inject(desk, "settled_elsewhere", fixmedins_code=desk.ca.cfg.facility.code, person_key="local",
                   medfee_sumamt=medfee, fund_pay_sumamt="0.00", acct_pay="0.00")


def _row_of(rc, setl_id: str) -> int:
    for r in range(rc.diffs.rowCount()):
        if rc.diffs.item(r, 1).text() == setl_id:
            return r
    raise AssertionError(f"{setl_id} not listed: {[rc.diffs.item(r, 1).text() for r in range(rc.diffs.rowCount())]}")


def _ime(widget, text: str) -> None:
    """Chinese typed through the input method (QTest can only type what a key produces): a commit string."""
    ev = QInputMethodEvent()
    ev.setCommitString(text)
    QApplication.sendEvent(widget, ev)


def _fix_row(desk, rc, row: int, reason: str = "已与医保中心核实"):
    """Select the difference with the arrow keys, F10, type the reason, Enter, the supervisor's ID and PIN."""
    from terminal.ui.login import SupervisorDialog
    from terminal.ui.reconcile import FixDialog

    rc.diffs.setFocus()
    _key(desk, rc, "Home", rc.diffs)
    for _ in range(row):
        _key(desk, rc, "Down", rc.diffs)
    assert rc.diffs.currentRow() == row
    _key(desk, rc, "F10", rc.diffs)
    fix = desk.modal(FixDialog)
    desk.qtbot.waitUntil(lambda: fix.reason.hasFocus(), timeout=3000)
    assert fix.action.currentData() == rc.differences()[row].suggested  # the suggestion is preselected
    assert fix.reason.hasFocus() and not fix.ok_btn.isEnabled()
    _ime(fix.reason, reason)
    desk.qtbot.keyClick(fix.reason, Qt.Key.Key_Return)
    sup = desk.modal(SupervisorDialog)
    assert "处理对账差异" in sup.heading.text() and reason in sup.heading.text()
    desk.qtbot.keyClicks(sup.op_id, "0001")  # a cashier cannot authorise
    desk.qtbot.keyClick(sup.op_id, Qt.Key.Key_Return)
    desk.qtbot.keyClicks(sup.pin, "1234")
    desk.qtbot.keyClick(sup.pin, Qt.Key.Key_Return)
    assert sup.isVisible() and "主管" in sup.error.text()
    sup.op_id.setFocus()
    sup.op_id.selectAll()
    desk.qtbot.keyClicks(sup.op_id, "9001")
    desk.qtbot.keyClick(sup.op_id, Qt.Key.Key_Return)
    desk.qtbot.keyClicks(sup.pin, "9999")
    desk.qtbot.keyClick(sup.pin, Qt.Key.Key_Return)
    desk.qtbot.waitUntil(lambda: not sup.isVisible(), timeout=3000)
    desk.qtbot.waitUntil(lambda: not rc.busy, timeout=20000)


def test_groups_with_readable_names_and_date(desk):
    r = _settle(desk, "local")
    rc = _f8(desk)
    assert rc.day == date.today().isoformat()
    assert rc.table.rowCount() == 1
    cells = [rc.table.item(0, c).text() for c in range(rc.table.columnCount())]
    assert cells[0] == "310 职工基本医疗保险" and cells[1] == "11 门诊" and cells[2].startswith("450100")
    assert cells[3] == "1" and cells[4] == "¥" + f"{r.amount('medfee_sumamt'):,.2f}"
    assert cells[7] == "未对账" and "尚未明细对账" in rc.diff_label.text()
    # another day (the date field is reachable with Alt+D): nothing settled then
    desk.qtbot.keyClick(rc.diffs, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    assert rc.date.hasFocus(), (QApplication.activeWindow(), QApplication.focusWidget())
    _key(desk, rc, "Down", rc.date)  # one day back
    assert rc.day == (date.today() - timedelta(days=1)).isoformat()
    assert rc.table.rowCount() == 0
    _key(desk, rc, "Up", rc.date)
    assert rc.table.rowCount() == 1
    _key(desk, rc, "F5", rc.date)  # totals (3201)
    desk.qtbot.waitUntil(lambda: not rc.busy and rc.report is not None, timeout=15000)
    assert rc.table.item(0, 7).text() == "平", rc.note.text()
    _key(desk, rc, "Escape")
    desk.qtbot.waitUntil(lambda: not rc.isVisible(), timeout=3000)


def test_settled_by_another_system_is_found_fixed_and_the_rerun_is_clean(desk):
    mine = _settle(desk, "local")
    setl = _other_system(desk, "61.00")  # the 61.00 nobody could find
    rc = _f8(desk)
    diffs = _detail(desk, rc)
    assert [d.setl_id for d in diffs] == [setl["setl_id"]], rc.note.text()
    d = diffs[0]
    assert d.kind == "only_platform" and d.suggested == "settled_elsewhere"
    # totals side by side: the platform has one settlement and 61.00 more than the terminal
    g = [rc.table.item(0, c).text() for c in range(rc.table.columnCount())]
    assert g[0] == "310 职工基本医疗保险" and g[3] == "1" and g[8] == "2"
    assert g[9] == fmt_yuan(mine.amount("medfee_sumamt") + Decimal("61.00")) and "有差异" in g[11]
    # 3201, run with the detail reconciliation; its words beside
    assert g[7] == "不平" and f"{mine.amount('medfee_sumamt') + Decimal('61.00'):.2f}" in rc.group_note.text()
    row = _row_of(rc, setl["setl_id"])
    cells = [rc.diffs.item(row, c).text() for c in range(rc.diffs.columnCount())]
    assert cells[0] == "仅平台有"
    psn = PERSONS["local"]["psn_no"]
    assert psn not in " ".join(cells) and cells[2].startswith(psn[:6]) and cells[2].endswith(psn[-4:])  # masked
    assert cells[3] == "—" and cells[4] == "¥61.00 / ¥0.00 / ¥0.00"  # the terminal has nothing
    assert cells[5] == "已记账" and cells[6] == "登记为其他系统结算" and cells[7] == ""
    assert "其他系统" in rc.advice.text()  # what the journal advises for the selected difference
    assert "1 笔，待处理 1 笔" in rc.diff_label.text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert rc.grab().save(str(SHOTS / "reconcile.png"))

    _fix_row(desk, rc, row)
    assert rc.diffs.item(row, 7).text().startswith("已处理：登记为其他系统结算（主管 9001"), rc.note.text()
    assert not rc.fix_btn.isEnabled()  # done: not twice
    assert "其他系统" in rc.note.text() and "F9" in rc.note.text()
    fixes = [h for h in rc.runs if h["type"] == "fix"]
    assert len(fixes) == 1 and fixes[0]["supervisor"] == "9001" and fixes[0]["reason"] == "已与医保中心核实"

    assert _detail(desk, rc) == []  # recorded as settled elsewhere: the re-run agrees
    assert rc.diffs.rowCount() == 0 and "逐笔一致" in rc.diff_label.text()
    assert "一致" in rc.summary.text()
    g = [rc.table.item(0, c).text() for c in range(rc.table.columnCount())]
    assert g[11] == "明细一致", (g, rc.group_note.text())
    hist = [[rc.history.item(r, c).text() for c in range(5)] for r in range(rc.history.rowCount())]
    assert [h[1] for h in hist] == ["明细对账", "差异处理", "明细对账"]  # the latest first
    assert hist[0][3] == "一致" and hist[2][3].startswith("1 笔差异")
    _key(desk, rc, "Escape")
    desk.qtbot.waitUntil(lambda: not rc.isVisible(), timeout=3000)
    rc2 = _f8(desk)  # opened again: the day's last run is shown from the journal
    assert rc2.detail is not None and rc2.detail.clean and rc2.history.rowCount() == 3


def test_cancelled_outside_and_reversed_unseen_are_fixed(desk):
    a = _settle(desk, "local")
    b = _settle(desk, "hainan-retiree")  # another patient (the same bill twice would be a suspected duplicate)
    _inject(desk, "cancelled_elsewhere", setl_id=a.setl_id)  # a cancellation made outside the terminal
    _inject(desk, "reversed_elsewhere", setl_id=b.setl_id)  # a reversal the terminal never saw
    rc = _f8(desk)
    diffs = _detail(desk, rc)
    mine = {d.setl_id: d for d in diffs if d.setl_id in (a.setl_id, b.setl_id)}
    assert set(mine) == {a.setl_id, b.setl_id}, [x.as_dict() for x in diffs]
    assert mine[a.setl_id].kind == "status" and mine[a.setl_id].plat_status == "cancelled"
    for setl_id, shown in ((a.setl_id, "已撤销"), (b.setl_id, "已冲正")):
        row = _row_of(rc, setl_id)
        cells = [rc.diffs.item(row, c).text() for c in range(rc.diffs.columnCount())]
        assert cells[0] == "状态不符" and cells[5] == shown and cells[6] == "登记为平台已撤销/冲正", cells
    # the supervisor records both as the platform has them (the suggested action, preselected)
    _fix_row(desk, rc, _row_of(rc, a.setl_id), reason="患者在医保窗口办理了退费")
    assert rc.diffs.item(_row_of(rc, a.setl_id), 7).text().startswith("已处理"), rc.note.text()
    row_b = _row_of(rc, b.setl_id)
    _fix_row(desk, rc, row_b, reason="平台已冲正，核实患者未付费")
    assert rc.diffs.item(row_b, 7).text().startswith("已处理"), rc.note.text()
    assert _detail(desk, rc) == [], [x.as_dict() for x in rc.differences()]
    assert "一致" in rc.summary.text()
    # the journal follows the platform
    rows = {r["setl_id"]: r["status"] for r in desk.ca.session.store.settlements(date.today().isoformat())
            if r.get("kind") == "settle"}
    assert rows[a.setl_id] == "cancelled" and rows[b.setl_id] == "reversed"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_through_the_save_dialog(desk, tmp_path, fmt):
    _settle(desk, "local")
    setl = _other_system(desk)
    rc = _f8(desk)
    assert not rc.export_btn.isEnabled()  # nothing to export before a detail run
    _detail(desk, rc)
    desk.qtbot.keyClick(rc.diffs, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dlg = desk.modal(QFileDialog)
    assert dlg.windowTitle() == "导出对账结果"
    assert "CSV 文件 (*.csv)" in dlg.nameFilters() and "Excel 工作簿 (*.xlsx)" in dlg.nameFilters()
    desk.qtbot.waitUntil(lambda: QApplication.activeWindow() is dlg, timeout=3000)
    name = dlg.findChild(QLineEdit, "fileNameEdit")
    assert name.hasFocus() and name.text() == f"对账_{date.today().isoformat()}.csv"  # a name is proposed
    target = tmp_path / f"recon-{fmt}.{fmt}"
    name.selectAll()
    desk.qtbot.keyClicks(name, str(target))
    popup = QApplication.activePopupWidget()  # the file name completer: Esc closes it, not the dialog
    if popup is not None:
        desk.qtbot.keyClick(popup, Qt.Key.Key_Escape)
    assert dlg.isVisible()
    desk.qtbot.keyClick(name, Qt.Key.Key_Return)
    desk.qtbot.waitUntil(lambda: not rc.busy and target.exists(), timeout=10000)
    assert str(target) in rc.note.text()
    if fmt == "csv":
        text = target.read_text(encoding="utf-8-sig")
        assert setl["setl_id"] in text
        assert list(csv.reader(text.splitlines()))
    else:
        from openpyxl import load_workbook

        wb = load_workbook(target)
        values = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row]
        assert setl["setl_id"] in values


def test_scheduled_reconciliation_shows_in_the_status_bar(make_desk, ui_cfg):
    ui_cfg.reconcile.schedule = "00:00"
    desk = make_desk(customer=False)
    w = desk.window
    assert w._recon_timer.isActive()
    assert not w.st_reconcile.isVisible()
    _settle(desk, "local")
    _other_system(desk)
    w._recon_timer.timeout.emit()  # what the timer does every 30 s
    op = w._recon_op
    assert op is not None and "进行中" in w.st_reconcile.text()
    desk.qtbot.waitUntil(lambda: op.done, timeout=20000)
    assert w.st_reconcile.isVisible()
    assert "1 笔差异" in w.st_reconcile.text() and "F8" in w.st_reconcile.text(), w.st_reconcile.text()
    # once a day: not due again
    assert w.check_scheduled_reconcile(datetime.now()) is None


def test_no_schedule_no_timer(desk):
    assert not desk.window._recon_timer.isActive()
    assert desk.window.check_scheduled_reconcile() is None


def test_view_in_english(desk, qapp):
    from terminal.ui.app import install_translator
    from terminal.ui.reconcile import clr_type_label

    _settle(desk, "local")
    try:
        assert install_translator(qapp, "en")
        rc = _f8(desk)
        assert rc.windowTitle() == "Reconciliation (totals and detail)"
        assert rc.detail_btn.text() == "F9  Detail (3202)" and rc.fix_btn.caption.startswith("Fix the selected")
        assert rc.table.item(0, 1).text() == clr_type_label("11") == "11 Outpatient"
        assert rc.table.item(0, 7).text() == "Not reconciled"
        assert "no detail reconciliation" in rc.diff_label.text()
        rc.reject()
    finally:
        install_translator(qapp, "zh_CN")
