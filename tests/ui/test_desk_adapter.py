"""The Qt adapter over the desk machine (ui/controller.py): the machine's texts follow the window's language, and
the overlay shows the work the machine waits on."""
from __future__ import annotations

from terminal.core.flow import State


def test_desk_texts_follow_the_language(desk, qapp):
    from terminal.ui.app import install_translator

    try:
        assert install_translator(qapp, "en")
        assert desk.ctl.settle_now() is None  # nothing previewed yet
        assert desk.ctl.last_message == ("warn", "Press F5 to pre-settle first")
        assert desk.window.msg.text() == "Press F5 to pre-settle first"
    finally:
        install_translator(qapp, "zh_CN")
    desk.ctl.settle_now()
    assert desk.ctl.last_message == ("warn", "请先按 F5 预结算")


def test_overlay_shows_the_work_the_desk_waits_on(desk):
    desk.load_bill()
    desk.identify_by_id("hainan-retiree")
    desk.sandbox.arm_fault("delay", infno="2206", delay=1.0)
    desk.key("F5")
    desk.qtbot.waitUntil(lambda: desk.window.overlay.isVisible(), timeout=3000)
    assert desk.ctl.busy and desk.ctl.desk.current is not None and desk.ctl.desk.current.kind == "preview"
    desk.wait_state(State.PREVIEWED)
    assert not desk.window.overlay.isVisible() and desk.ctl.status.state in ("online", "slow")
