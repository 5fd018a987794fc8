"""The duplicate-bill guard in the cashier window (real widgets, the sandbox over HTTP, the real journal):
the refusal dialog with the earlier settlement and the supervisor's override, the yes/no question for the same
person's identical bill (No by default), and the notice at start after a crash right after the commit."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from terminal.core.flow import State
from terminal.store import Store
from tests.support import ROOT, bill_file


SHOTS = Path("/tmp/shots")


def _texts(w) -> str:
    return "\n".join(lab.text() for lab in w.findChildren(QLabel))


def _booked(desk) -> list[dict]:
    return [r for r in desk.booked() if r["status"] == "booked"]


def _back_to_window(desk) -> None:
    """The offscreen platform does not hand activation back to the window when a dialog closes (a desktop
    does): do it, so that the window's F-keys work again."""
    from PySide6.QtWidgets import QApplication

    desk.window.activateWindow()
    desk.qtbot.waitUntil(lambda: QApplication.activeWindow() is desk.window, timeout=3000)


def _journal(desk) -> Path:
    return Path(desk.ca.cfg.data_dir) / "journal.sqlite"


def _count(desk, sql: str) -> int:
    return len(desk.ctl.session.store.sdb.rows(sql))


def test_settled_bill_no_is_refused_with_the_earlier_settlement_and_a_supervisor_can_override(desk, tmp_path):
    from terminal.ui.duplicates import DuplicateBillDialog
    from terminal.ui.login import SupervisorDialog

    bill = bill_file(tmp_path, "MZ-UI-0001")
    assert desk.window.load_bill_file(bill)
    desk.identify_by_id("hainan-retiree")
    desk.preview()
    desk.settle()
    first = desk.ctl.settlement
    desk.key("Escape")  # next patient
    assert desk.ctl.state == State.IDLE
    # the same bill again, for the same patient
    assert desk.window.load_bill_file(bill)
    desk.identify_by_id("hainan-retiree")
    registrations = _count(desk, "SELECT msgid FROM messages WHERE infno='2201'")
    desk.key("F5")
    dlg = desk.modal(DuplicateBillDialog, timeout=10000)
    text = _texts(dlg)
    assert "MZ-UI-0001" in text and first.setl_id in text and "0001" in text
    assert dlg.findChild(QLabel, "earlier_psn_cash_pay").text().endswith(f"{first.psn_cash_pay:.2f}")
    assert dlg.findChild(QLabel, "earlier_medfee_sumamt").text().endswith(f"{first.medfee_sumamt:.2f}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dlg.grab().save(str(SHOTS / "duplicate.png"))
    # refused before any platform work for this bill: no registration, no preview
    desk.wait_idle()
    assert desk.ctl.state == State.BILLED
    assert _count(desk, "SELECT msgid FROM messages WHERE infno='2201'") == registrations
    assert "已结算" in desk.window.msg.text()
    # Enter takes the default: back, nothing settled; the override needs a reason first
    assert not dlg.override_btn.isEnabled()
    desk.qtbot.keyClick(dlg, Qt.Key.Key_Return)
    desk.qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=3000)
    assert len(_booked(desk)) == 1 and desk.ctl.state == State.BILLED
    # F5 again: the same dialog; this time the supervisor allows it, with a reason
    _back_to_window(desk)
    desk.key("F5")
    dlg = desk.modal(DuplicateBillDialog, timeout=10000)
    desk.qtbot.keyClicks(dlg.reason, "HIS")
    dlg.reason.insert("重新开具收费单")  # what an IME commits (QTest cannot type CJK)
    assert dlg.override_btn.isEnabled()
    desk.qtbot.mouseClick(dlg.override_btn, Qt.MouseButton.LeftButton)
    sup = desk.modal(SupervisorDialog, timeout=10000)
    desk.qtbot.keyClicks(sup.op_id, "9001")
    desk.qtbot.keyClicks(sup.pin, "9999")
    desk.qtbot.keyClick(sup.pin, Qt.Key.Key_Return)
    desk.wait_state(State.PREVIEWED)
    _back_to_window(desk)
    desk.settle()
    second = desk.ctl.settlement
    assert second.setl_id != first.setl_id and len(_booked(desk)) == 2
    rows = desk.ctl.session.store.sdb.rows("SELECT * FROM overrides")
    assert [(r["bill_no"], r["supervisor"], r["operator"], r["reason"], r["earlier_setl_id"]) for r in rows] == \
        [("MZ-UI-0001", "9001", "0001", "HIS重新开具收费单", first.setl_id)]
    assert rows[0]["msgid"] == desk.ctl.visit.settle_msgid


def test_settle_refused_when_another_process_settled_the_bill_after_the_preview(desk, tmp_path):
    """The atomic guard at F9: between this window's preview and its settle, another process (a second
    terminal on the same journal) settles the same bill_no. F9 is refused with that settlement shown."""
    from terminal.ui.duplicates import DuplicateBillDialog

    assert desk.window.load_bill_file(bill_file(tmp_path, "MZ-UI-RACE"))
    desk.identify_by_id("hainan-retiree")
    desk.preview()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIBAO_")}
    env["PYTHONPATH"] = str(ROOT)
    other = subprocess.run([sys.executable, "-m", "tests.store_fixtures", "settle", "--journal", str(_journal(desk)),
                            "--url", desk.sandbox.url, "--state", str(Path(desk.ca.cfg.data_dir) / "msgid.state"),
                            "--bill-no", "MZ-UI-RACE"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert other.stdout.startswith("SETTLED"), other.stdout + other.stderr[-2000:]
    other_setl_id = other.stdout.split()[2]
    desk.key("F9")
    dlg = desk.modal(DuplicateBillDialog, timeout=10000)
    desk.wait_idle()
    assert other_setl_id in _texts(dlg)
    assert desk.ctl.state == State.PREVIEWED  # refused, nothing booked: back to the preview
    assert [r["setl_id"] for r in _booked(desk)] == [other_setl_id]
    desk.qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    desk.qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=3000)


def test_identical_bill_of_the_same_person_asks_and_no_is_the_default(desk):
    from terminal.ui.duplicates import DuplicateSuspectedDialog

    desk.load_bill()  # no bill_no
    desk.identify_by_id("local")
    desk.preview()
    desk.settle()
    first = desk.ctl.settlement
    desk.key("Escape")
    desk.load_bill()
    desk.identify_by_id("local")
    desk.key("F5")
    dlg = desk.modal(DuplicateSuspectedDialog, timeout=10000)
    assert first.setl_id in _texts(dlg) and "30 分钟内" in _texts(dlg)
    assert dlg.no_btn.isDefault() and not dlg.yes_btn.isDefault()
    desk.qtbot.keyClick(dlg, Qt.Key.Key_Return)  # Enter = No
    desk.qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=3000)
    desk.wait_idle()
    assert desk.ctl.state == State.BILLED and len(_booked(desk)) == 1
    # asked again; Yes: the preview and the settlement go through
    _back_to_window(desk)
    desk.key("F5")
    dlg = desk.modal(DuplicateSuspectedDialog, timeout=10000)
    desk.qtbot.mouseClick(dlg.yes_btn, Qt.MouseButton.LeftButton)
    desk.wait_state(State.PREVIEWED)
    _back_to_window(desk)
    desk.settle()
    assert len(_booked(desk)) == 2 and desk.ctl.settlement.setl_id != first.setl_id


def test_start_after_a_crash_right_after_the_commit_shows_the_completed_settlement(make_desk, sandbox, ui_cfg):
    """A terminal process is SIGKILLed right after its settlement was committed; the next start of the window
    shows it in a dialog that only 已核对 closes."""
    from terminal.ui.duplicates import CompletedSettlementsDialog

    data = Path(ui_cfg.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIBAO_")}
    env.update(PYTHONPATH=str(ROOT), YIBAO_CRASH_AT="after_commit", YIBAO_CRASH_INFNO="2207")
    r = subprocess.run([sys.executable, "-m", "tests.store_fixtures", "settle", "--journal",
                        str(data / "journal.sqlite"), "--url", sandbox.url, "--state", str(data / "msgid.state"),
                        "--bill-no", "MZ-UI-CRASH"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stdout, r.stderr[-2000:])
    booked = [x for x in sandbox.ledger() if x["infno"] == "2207"]
    assert len(booked) == 1
    setl_id = booked[0]["setl_id"]
    desk = make_desk()
    dlg = desk.modal(CompletedSettlementsDialog, timeout=10000)
    text = _texts(dlg)
    assert setl_id in text and "MZ-UI-CRASH" in text and "请核对是否已收费" in dlg.windowTitle()
    for k in ("psn_cash_pay", "acct_pay", "fund_pay_sumamt", "medfee_sumamt"):
        assert dlg.findChild(QLabel, f"earlier_{k}").text().endswith(booked[0][k]), k
    assert dlg.isModal() and dlg.isVisible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dlg.grab().save(str(SHOTS / "completed.png"))
    desk.qtbot.keyClick(dlg, Qt.Key.Key_Escape)  # must be acknowledged
    dlg.close()
    desk.qtbot.wait(50)
    assert dlg.isVisible()
    desk.qtbot.mouseClick(dlg.ack_btn, Qt.MouseButton.LeftButton)
    desk.qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=3000)
    with Store(data / "journal.sqlite") as st:  # told once
        assert st.sdb.one("SELECT shown_at FROM settlements WHERE setl_id=?", [setl_id])["shown_at"]
