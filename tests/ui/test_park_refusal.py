"""Issue 13 §7 through the real window: the platform status judged by the last few requests, parking a bill
(the amount on the window and the customer display, the slip's items and refund instructions, the refund due
after recovery), the refused person's next step, and the card left in the reader."""
from __future__ import annotations

from terminal.core.flow import State

from .conftest import PERSONS

LOCAL = PERSONS["local"]["certno"]


def try_identify(desk, certno: str) -> None:
    desk.key("F3")
    desk.type_into(desk.window.identify.idno, certno)
    desk.wait_idle()


def go_offline(desk) -> None:
    """The platform answers nothing (HTTP 500 on every request); the cashier tries three times."""
    desk.sandbox.arm_fault("http500", infno="*", count=1000)
    for _ in range(3):
        try_identify(desk, LOCAL)


def test_one_failure_is_no_outage_several_are(desk):
    w = desk.window
    assert desk.ctl.status.state == "online"
    desk.sandbox.arm_fault("http500", infno="*", count=1000)
    try_identify(desk, LOCAL)
    assert desk.ctl.state == State.IDLE
    assert desk.ctl.status.state == "online" and "在线" in w.st_platform.text()
    assert "1 次未连通" in w.st_platform.toolTip()
    assert not w.park_btn.isVisible()
    try_identify(desk, LOCAL)
    assert desk.ctl.status.state == "online" and not w.park_btn.isVisible()
    try_identify(desk, LOCAL)
    assert desk.ctl.status.state == "offline" and "离线" in w.st_platform.text()
    assert w.park_btn.isVisible()
    # one answer and it is back
    desk.sandbox.clear_faults()
    try_identify(desk, LOCAL)
    assert desk.ctl.state == State.IDENTIFIED and desk.ctl.status.state == "online"
    assert not w.park_btn.isVisible()
