"""Issue 11 item 3 in the cashier window: amounts typed or loaded are parsed strictly with the line and field
named; an unbalanced 2206 answer is a message, not the crash dialog (the real window, the sandbox over HTTP
behind a real HTTP hop that rewrites its answer)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from terminal.core.flow import State
from tests.answer_tamper import TamperingProxy, add_to

from .conftest import login
from tests.support import BILLS


def bill_cell(desk, row: int, col: int):
    return desk.window.bill.table.item(row, col)


def type_qty(desk, row: int, text: str) -> None:
    """What the cashier does: edit the quantity cell of a bill line (the table's delegate commits the text)."""
    bill_cell(desk, row, 4).setText(text)
    desk.qtbot.wait(10)


@pytest.mark.parametrize("typed,want", [
    ("1,5", "第1行 副主任医师门诊诊查费 数量(qty)：含逗号或千位分隔符（1,5）"),
    ("0", "第1行 副主任医师门诊诊查费 数量(qty)：须大于零"),
    ("1.00001", "第1行 副主任医师门诊诊查费 数量(qty)：小数位超过4位"),
    ("1e30", "第1行 副主任医师门诊诊查费 数量(qty)：不是数字"),
    ("100000", "第1行 副主任医师门诊诊查费 金额(amount)：单价×数量 = 2500000.00，超过单行上限 1000000.00"),
])
def test_a_bad_quantity_typed_in_the_bill_is_refused_and_the_line_kept(desk, typed, want):
    desk.identify_by_id("local")
    desk.load_bill()
    before = [(i.hosp_code, i.price, i.qty) for i in desk.ctl.items]
    assert desk.ctl.items[0].name == "副主任医师门诊诊查费" and desk.ctl.items[0].price == Decimal("25.00")
    type_qty(desk, 0, typed)
    assert want in desk.window.msg.text(), desk.window.msg.text()
    assert [(i.hosp_code, i.price, i.qty) for i in desk.ctl.items] == before
    assert bill_cell(desk, 0, 4).text() == str(before[0][2])  # the cell shows the bill's quantity again


def test_a_fractional_quantity_keeps_its_precision(desk):
    desk.identify_by_id("local")
    desk.load_bill()
    type_qty(desk, 0, "0.125")
    it = desk.ctl.items[0]
    assert it.qty == Decimal("0.125") and it.amount == Decimal("3.13")  # 25.00 x 0.125 = 3.125 -> 3.13 half-up


def test_a_bill_file_with_a_decimal_comma_is_refused_naming_the_line(desk, tmp_path):
    d = json.loads((BILLS / "outpatient-nanning.json").read_text(encoding="utf-8"))
    d["items"][1]["price"] = "31,00"
    f = tmp_path / "bill.json"
    f.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    desk.identify_by_id("local")
    assert not desk.window.load_bill_file(str(f))
    msg = desk.window.msg.text()
    assert msg.startswith("账单文件错误：第2行 ") and "单价(price)：含逗号或千位分隔符（31,00）" in msg, msg
    assert desk.ctl.items == [] and desk.ctl.state == State.IDENTIFIED


def test_a_sub_cent_unit_price_is_shown_and_kept(desk, tmp_path):
    d = {"items": [{"hosp_code": "NNYP0004", "national_code": "XC10AAA050A001010100004", "name": "阿托伐他汀钙片",
                    "price": "0.125", "qty": 12}]}
    f = tmp_path / "bill.json"
    f.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    desk.identify_by_id("local")
    assert desk.window.load_bill_file(str(f))
    assert bill_cell(desk, 0, 3).text() == "¥0.125" and bill_cell(desk, 0, 5).text() == "¥1.50"
    desk.preview()
    assert desk.ctl.preview.medfee_sumamt == Decimal("1.50")


@pytest.fixture
def tampered_desk(qtbot, sandbox, ui_cfg):
    from drivers.virtual import VirtualCardReader
    from terminal.ui.app import CashierApp
    from terminal.app import AppSession

    from .conftest import Desk

    with TamperingProxy(sandbox) as proxy:
        reader = VirtualCardReader()
        session = AppSession.open(ui_cfg, sandbox=proxy, card_reader=reader)
        ca = CashierApp(ui_cfg, session, customer_display=False)
        login(qtbot, ca)
        qtbot.waitUntil(lambda: ca.window is not None, timeout=5000)
        qtbot.waitUntil(lambda: ca.ctl.status.signed_in, timeout=10000)
        yield Desk(qtbot, ca, sandbox, reader), proxy
        ca.close()
        session.close()
        qtbot.wait(10)


def test_an_unbalanced_2206_answer_is_a_message_not_the_crash_dialog(tampered_desk, monkeypatch):
    import sys

    desk, proxy = tampered_desk
    hooked = []
    monkeypatch.setattr(sys, "excepthook", lambda *a: hooked.append(a))
    desk.identify_by_id("sichuan-resident")
    desk.load_bill()
    proxy.tamper("2206", add_to("psn_cash_pay", "1.00"))
    desk.key("F5")
    desk.wait_idle()
    assert proxy.tampered == ["2206"]
    msg = desk.window.msg.text()
    assert "医保平台的预结算应答金额有误" in msg and "未记账" in msg, msg
    assert desk.ctl.state == State.BILLED and desk.ctl.preview is None and hooked == []
    desk.preview()  # the cashier presses F5 again: an untampered answer
    assert desk.ctl.preview.identity_errors() == []
