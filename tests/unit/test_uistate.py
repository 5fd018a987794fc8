"""What the window remembers between runs (terminal.app.uistate): the last bill folder, merged and written whole."""
from __future__ import annotations

from pathlib import Path

from terminal.app import uistate


def test_bill_dir_is_remembered_and_falls_back_to_home(tmp_path):
    data = tmp_path / "data"
    assert uistate.bill_dir(data) == Path.home()  # nothing remembered yet
    bills = tmp_path / "bills"
    bills.mkdir()
    uistate.remember(data, bill_dir=str(bills))
    uistate.remember(data, other=1)  # merged, not replaced
    assert uistate.bill_dir(data) == bills
    assert uistate.load(data) == {"bill_dir": str(bills), "other": 1}
    bills.rmdir()  # the folder went away (a USB stick): home again
    assert uistate.bill_dir(data) == Path.home()


def test_a_broken_state_file_is_an_empty_state(tmp_path):
    (tmp_path / uistate.FILE).write_text("{not json", encoding="utf-8")
    assert uistate.load(tmp_path) == {}
    assert uistate.bill_dir(tmp_path) == Path.home()
