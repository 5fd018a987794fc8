"""Fund supervision at the real window against the sandbox over HTTP: F5 runs 3101 first; its warnings open the
dialog; per warning the cashier continues (reason) or goes back, by keys; the 3103 the sandbox received is
asserted; going back leaves the bill open with nothing uploaded, continuing goes on to the pre-settlement."""
from __future__ import annotations

import os

from PySide6.QtCore import Qt

from terminal.core.flow import State
from terminal.ui.risk import RiskDialog


def sandbox_infnos(desk) -> list[str]:
    return [r["infno"] for r in desk.sandbox.store.read("SELECT infno FROM messages ORDER BY rowid")]


def open_risk(desk, bill: str, person: str) -> RiskDialog:
    desk.load_bill(bill)
    desk.identify_by_id(person)
    desk.key("F5")
    dlg = desk.modal(RiskDialog, timeout=15000)
    desk.wait_idle()
    return dlg


def test_continue_one_go_back_other_sends_3103_and_returns_to_the_bill(make_desk, tmp_path):
    desk = make_desk()
    dlg = open_risk(desk, "outpatient-risk-drugs-nanning.json", "hainan-retiree")
    rules = [v.rule_id for v in dlg.review.violations]
    assert sorted(rules) == ["SBX-LMT-0001", "SBX-QTY-0001"]
    assert "2201" not in sandbox_infnos(desk) and "2204" not in sandbox_infnos(desk)  # nothing uploaded
    assert dlg.table.item(rules.index("SBX-QTY-0001"), 0).text() == "第2行 奥美拉唑肠溶胶囊"
    assert dlg.table.item(rules.index("SBX-QTY-0001"), 2).text() == "高度可疑"
    dlg.grab().save(str(tmp_path / "risk-dialog.png"))
    if os.environ.get("YIBAO_KEEP_SHOTS"):
        dlg.grab().save(os.environ["YIBAO_KEEP_SHOTS"] + "/risk-dialog.png")
    # row 1: continue with a reason (1, type, Enter); row 2: go back (2); Enter sends
    first, second = dlg.review.violations
    desk.qtbot.keyClick(dlg.table, Qt.Key.Key_1)
    assert dlg.reason.hasFocus()
    desk.qtbot.keyClick(dlg.reason, Qt.Key.Key_Return)  # no reason: refused, nothing chosen
    assert first.warn_rslt_id not in dlg.choices and "须填写原因" in dlg.heading.text()
    dlg.reason.insert("医生确认维持治疗")  # typed (QTest cannot type Chinese)
    desk.qtbot.keyClick(dlg.reason, Qt.Key.Key_Return)
    assert dlg.table.hasFocus() and dlg.table.currentRow() == 1
    desk.qtbot.keyClick(dlg.table, Qt.Key.Key_2)
    assert "全部已选择" in dlg.heading.text()
    desk.qtbot.keyClick(dlg.table, Qt.Key.Key_Return)
    desk.qtbot.waitUntil(lambda: len(desk.sandbox.platform.risk_feedback()) == 2, timeout=10000)
    desk.wait_idle()
    got = [(r["warn_rslt_id"], r["warn_type"], r["dspo_way"], r["dspo_way_rea"])
           for r in desk.sandbox.platform.risk_feedback()]
    assert got == [(first.warn_rslt_id, "1", "1", "医生确认维持治疗"), (second.warn_rslt_id, "1", "2", "")]
    assert desk.ctl.state == State.BILLED and desk.ctl.can_edit_bill() and desk.ctl.preview is None
    assert "返回修改" in desk.ctl.last_message[1]
    assert "2201" not in sandbox_infnos(desk) and "2206" not in sandbox_infnos(desk)
    journal = [r["infno"] for r in desk.ca.session.store.sdb.rows(
        "SELECT infno FROM messages WHERE infno IN ('3101', '3103') ORDER BY created")]
    assert journal == ["3101", "3103"]


def test_all_continued_goes_on_to_the_pre_settlement_and_settles(make_desk):
    desk = make_desk()
    dlg = open_risk(desk, "outpatient-risk-checks-nanning.json", "local")  # female: PSA, and 胃镜 twice
    assert sorted(v.rule_id for v in dlg.review.violations) == ["SBX-DUP-0001", "SBX-SEX-0001"]
    for reason in ("复查需要", "录入核实"):
        desk.qtbot.keyClick(dlg.table, Qt.Key.Key_1)
        dlg.reason.insert(reason)
        desk.qtbot.keyClick(dlg.reason, Qt.Key.Key_Return)
    desk.qtbot.keyClick(dlg.table, Qt.Key.Key_Return)
    desk.wait_state(State.PREVIEWED)
    assert [r["dspo_way"] for r in desk.sandbox.platform.risk_feedback()] == ["1", "1"]
    assert sandbox_infnos(desk).count("3101") == 1  # not asked again for the same bill
    desk.settle()
    assert len(desk.booked()) == 1


def test_esc_sends_every_warning_back(make_desk):
    desk = make_desk()
    dlg = open_risk(desk, "outpatient-risk-checks-nanning.json", "hainan-retiree")  # male: only 胃镜 twice
    assert [v.rule_id for v in dlg.review.violations] == ["SBX-DUP-0001"]
    desk.qtbot.keyClick(dlg.table, Qt.Key.Key_Escape)
    desk.qtbot.waitUntil(lambda: len(desk.sandbox.platform.risk_feedback()) == 1, timeout=10000)
    desk.wait_idle()
    assert desk.sandbox.platform.risk_feedback()[0]["dspo_way"] == "2"
    assert desk.ctl.state == State.BILLED


def test_a_clean_bill_shows_no_dialog(make_desk):
    desk = make_desk()
    desk.load_bill()
    desk.identify_by_id("hainan-retiree")
    desk.preview()
    assert desk.active_dialog(RiskDialog) is None
    assert sandbox_infnos(desk).index("3101") < sandbox_infnos(desk).index("2201")


def test_switched_off_no_3101(make_desk, ui_cfg):
    ui_cfg.checks.risk_before = False  # a province without fund supervision
    desk = make_desk()
    desk.load_bill("outpatient-risk-drugs-nanning.json")
    desk.identify_by_id("hainan-retiree")
    desk.preview()
    assert "3101" not in sandbox_infnos(desk) and desk.active_dialog(RiskDialog) is None
