"""Issue 11 item 3, end to end over real HTTP with real SQLite: amounts are never misread.

Bills: a unit price of 0.125 stays 0.125 on the wire and 12 tablets settle as 1.50 (the sandbox computes with
the same precision); "25,00", a missing price, a quantity of 1e30 and a price of 1e400 are refused with the line
and the field named, by the command line too (no traceback).
Answers (through a real HTTP hop that rewrites the sandbox's answer): three decimals or a negative fund share in
a 2207, three decimals in a 2208 end uncertain with the 2601 queued and then done; an unbalanced 2206 is a
message for the cashier, also on the command line.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal

import pytest

from terminal.backend.answers import UnusableAmounts
from terminal.backend.errors import MalformedAnswer, PlatformError
from terminal.core import wire
from terminal.core.models import Bill
from terminal.sandbox.server import SandboxServer
from terminal.services.errors import UncertainSettlement
from tests.answer_tamper import TamperingProxy, add_to, negative_pool_share
from tests.store_fixtures import service_env, ledger_settlements
from tests.support import PERSONS, ROOT, id_cred


TABLETS = {"hosp_code": "NNYP0004", "national_code": "XC10AAA050A001010100004", "name": "阿托伐他汀钙片",
           "price": "0.125", "qty": 12}


def bill(*items: dict) -> dict:
    return {"med_type": "11", "dept_code": "A03", "dept_name": "内科", "items": list(items)}


@pytest.fixture
def env(tmp_path):
    with service_env(tmp_path, front=lambda sb: TamperingProxy(sb).start()) as e:
        e.proxy = e.front
        yield e


def open_visit(e, key: str, b: dict):
    cred = id_cred(key)
    person = e.svc.identify(cred)
    return e.svc.open_visit(cred, person, Bill.from_dict(b))


# bills -------------------------------------------------------------------------------------------------------
def test_twelve_tablets_at_an_eighth_settle_as_one_fifty_over_http(env):
    b = Bill.from_dict(bill(dict(TABLETS)))
    assert b.items[0].price == Decimal("0.125") and b.total == Decimal("1.50")
    v = open_visit(env, "hainan-retiree", bill(dict(TABLETS)))
    # what went over the wire in the 2204 and what the platform stored: 6-decimal price, the quantity as is
    req = wire.loads(env.store.message(env.store.messages()[-1]["msgid"])["request"])  # the journaled 2204
    [line] = req["input"]["feedetail"]
    assert (line["pric"], line["cnt"], line["det_item_fee_sumamt"]) == (Decimal("0.125"), 12, Decimal("1.50"))
    with sqlite3.connect(env.sandbox.db_path) as db:
        assert db.execute("SELECT pric, cnt, det_item_fee_sumamt FROM fees WHERE mdtrt_id = ?",
                          (v.mdtrt_id,)).fetchall() == [("0.125", "12", "1.50")]
    assert Decimal(str(v.fee_results[0]["det_item_fee_sumamt"])) == Decimal("1.50")
    pre = env.svc.preview(v)
    s = env.svc.settle(v)
    assert pre.medfee_sumamt == s.medfee_sumamt == Decimal("1.50")
    [booked] = ledger_settlements(env.sandbox.ledger()).values()
    assert Decimal(str(booked["medfee_sumamt"])) == Decimal("1.50")


def test_the_sandbox_refuses_a_price_with_seven_decimals(env):
    """The platform side of the precision rules: pric 16,6 (the terminal can no longer send such a line)."""
    from terminal.sandbox.testkit import Refused, SandboxClient

    kit = SandboxClient(env.sandbox.url)
    kit.sign_in()
    try:
        with pytest.raises(Refused, match="单价 pric .*超过 6 位小数"):
            kit.open_visit("local", [("XC10AAA050A001010100004", "0.1250001", 1)])
    finally:
        kit.close()


@pytest.mark.parametrize("price,qty,want", [
    ('"25,00"', "1", r"第1行 阿托伐他汀钙片 单价\(price\)：含逗号或千位分隔符（25,00）"),
    (None, "1", r"第1行 阿托伐他汀钙片 单价\(price\)：缺少此项"),
    ("null", "1", r"第1行 阿托伐他汀钙片 单价\(price\)：为空"),
    ('"1.5"', "1e30", r"第1行 阿托伐他汀钙片 数量\(qty\)：整数位超过12位"),
    ("1e400", "1", r"第1行 阿托伐他汀钙片 单价\(price\)：整数位超过10位"),
    ('"0.125"', "0", r"数量\(qty\)：须大于零"),
    ('"999999.99"', "2", r"金额\(amount\)：单价×数量 = 1999999\.98，超过单行上限 1000000\.00"),
])
def test_bill_files_with_bad_amounts_are_refused_naming_the_line_and_field(price, qty, want):
    fields = '"hosp_code": "NNYP0004", "national_code": "XC10AAA050A001010100004", "name": "阿托伐他汀钙片"'
    if price is not None:
        fields += f', "price": {price}'
    text = '{"items": [{' + fields + f', "qty": {qty}' + '}]}'
    with pytest.raises(ValueError, match=want):
        Bill.from_dict(wire.loads(text))


def test_bill_total_over_the_cap_is_refused_and_caps_are_configurable():
    items = [{**TABLETS, "hosp_code": f"H{n}", "price": "900000.00", "qty": 1} for n in range(12)]
    with pytest.raises(ValueError, match=r"账单合计\(total\)：10800000\.00，超过单张账单上限 10000000\.00"):
        Bill.from_dict(bill(*items))
    from terminal import config

    cfg = config.from_dict({"bill": {"max_line_amount": 1_000_000, "max_bill_amount": "20000000.00"}})
    assert Bill.from_dict(bill(*items), limits=cfg.bill.limits).total == Decimal("10800000.00")


def run_cli(tmp_path, *args, config_text: str = ""):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("YIBAO_TERMINAL_CONFIG", None)
    pre = []
    if config_text:
        cfg = tmp_path / "cli.toml"
        cfg.write_text(config_text, encoding="utf-8")
        pre = ["--config", str(cfg)]
    return subprocess.run([sys.executable, "-m", "terminal", *pre, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("price,qty,want", [
    ('"25,00"', "1", "单价(price)：含逗号或千位分隔符"),
    ('"1.50"', "1e30", "数量(qty)：整数位超过12位"),
    ("1e400", "2", "单价(price)：整数位超过10位"),
])
def test_cli_refuses_bad_amounts_with_a_message_not_a_traceback(tmp_path, price, qty, want):
    f = tmp_path / "bill.json"
    f.write_text('{"items": [{"hosp_code": "NNYP0004", "national_code": "XC10AAA050A001010100004", '
                 f'"name": "阿托伐他汀钙片", "price": {price}, "qty": {qty}' + "}]}", encoding="utf-8")
    r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", PERSONS["local"]["certno"], "--bill", str(f))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "第1行 阿托伐他汀钙片 " + want in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_cli_settles_twelve_tablets_at_an_eighth_as_one_fifty(tmp_path):
    f = tmp_path / "bill.json"
    f.write_text(json.dumps(bill(dict(TABLETS)), ensure_ascii=False), encoding="utf-8")
    r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", PERSONS["local"]["certno"], "--bill", str(f),
                "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["settlement"]["medfee_sumamt"] == "1.50" and out["identities_hold"] is True


# answers -----------------------------------------------------------------------------------------------------
def only_setl_id(out) -> None:
    """A partial answer: the settlement's id and nothing else (it must not read as a 0.00 settlement)."""
    out["setlinfo"] = {"setl_id": out["setlinfo"]["setl_id"]}


def all_zero(out) -> None:
    """Every amount 0.00: the identities hold, but it is not the bill that was settled."""
    from terminal.core.models import SETL_AMOUNT_FIELDS

    for k in SETL_AMOUNT_FIELDS:
        if k in out["setlinfo"]:
            out["setlinfo"][k] = "0.00"
    out["setldetail"] = []


@pytest.mark.parametrize("key,edit,why", [
    ("hainan-retiree", add_to("psn_cash_pay", "0.004"), "psn_cash_pay 超过两位小数"),  # 0.004 would round away
    ("sichuan-resident", negative_pool_share, "hifp_pay -5.00 为负"),  # identities hold, only the sign is wrong
    ("local", only_setl_id, "应答缺少 medfee_sumamt"),
    ("guizhou-resident", all_zero, "与请求的"),
])
def test_unusable_2207_answer_is_uncertain_and_reversed_through_the_queue(env, key, edit, why):
    v = open_visit(env, key, bill(dict(TABLETS), {**TABLETS, "hosp_code": "NNXM0002",
                                                  "national_code": "001102000010300", "name": "副主任医师门诊诊查费",
                                                  "price": "25.00", "qty": 1}))
    env.svc.preview(v)
    env.proxy.tamper("2207", edit)
    with pytest.raises(UncertainSettlement) as ei:
        env.svc.settle(v)
    assert env.proxy.tampered == ["2207"]
    cause = ei.value.cause
    assert isinstance(cause, UnusableAmounts) and cause.outcome_unknown and why in str(cause), str(cause)
    assert "自动冲正" in cause.user_message or "冲正" in ei.value.user_message
    omsgid = ei.value.omsgid
    m = env.store.message(omsgid)
    # never 'answered' first: the message is uncertain and its reversal queued in the one journal transaction
    assert m["state"] == "uncertain" and m["resolution"] == "reversing"
    assert not [r for r in env.store.settlements() if r["msgid"] == omsgid]  # nothing booked in the journal
    [item] = env.store.queue.items(("queued",))
    assert item.kind == "reversal" and item.omsgid == omsgid
    assert ledger_settlements(env.sandbox.ledger())[omsgid]["status"] == "booked"  # the platform did book it
    assert [o.state for o in env.worker.drain(timeout=20)] == ["done"]
    assert env.store.message(omsgid)["resolution"] == "reversed"
    assert ledger_settlements(env.sandbox.ledger())[omsgid]["status"] == "reversed"
    assert not [r for r in env.store.settlements() if r["msgid"] == omsgid and r["status"] == "settled"]


def test_three_decimals_in_a_2208_answer_is_uncertain_and_the_cancel_is_reversed(env):
    v = open_visit(env, "sichuan-resident", bill(dict(TABLETS)))
    env.svc.preview(v)
    s = env.svc.settle(v)
    env.proxy.tamper("2208", add_to("hifp_pay", "-0.001"))
    with pytest.raises(UncertainSettlement) as ei:
        env.svc.cancel(s.setl_id, v.mdtrt_id, v.person.psn_no, v.insuplc_admdvs)
    assert ei.value.oinfno == "2208" and isinstance(ei.value.cause, UnusableAmounts)
    assert "hifp_pay 超过两位小数" in str(ei.value.cause)
    [item] = env.store.queue.items(("queued",))
    assert item.omsgid == ei.value.omsgid
    assert [o.state for o in env.worker.drain(timeout=20)] == ["done"]
    # the cancellation was reversed: the settlement stands on the platform
    assert ledger_settlements(env.sandbox.ledger())[v.settle_msgid]["status"] == "booked"


def test_unbalanced_2206_answer_is_a_message_and_books_nothing(env):
    v = open_visit(env, "sichuan-resident", bill(dict(TABLETS)))
    env.proxy.tamper("2206", add_to("psn_cash_pay", "1.00"))
    with pytest.raises(PlatformError) as ei:
        env.svc.preview(v)
    e = ei.value
    assert isinstance(e, UnusableAmounts) and isinstance(e, MalformedAnswer) and not e.outcome_unknown
    assert "psn_part_amt" in str(e)
    assert e.user_message.startswith("医保平台的预结算应答金额有误") and "未记账" in e.user_message
    assert env.store.queue.items(("queued",)) == [] and ledger_settlements(env.sandbox.ledger()) == {}
    s = env.svc.preview(v)  # the next, untampered preview goes through
    assert s.medfee_sumamt == Decimal("1.50")


def test_balance_with_three_decimals_in_1101_is_a_malformed_answer(env):
    env.proxy.tamper("1101", lambda out: out["insuinfo"][0].__setitem__("balc", Decimal("100.005")))
    with pytest.raises(MalformedAnswer, match=r"insuinfo\.balc 超过两位小数"):
        env.svc.identify(id_cred("local"))


def test_cli_shows_an_unbalanced_2206_as_a_message(tmp_path):
    with SandboxServer(db_path=tmp_path / "sandbox.sqlite") as sb, TamperingProxy(sb) as proxy:
        proxy.tamper("2206", add_to("psn_cash_pay", "1.00"))
        f = tmp_path / "bill.json"
        f.write_text(json.dumps(bill(dict(TABLETS)), ensure_ascii=False), encoding="utf-8")
        r = run_cli(tmp_path, "settle", "--cert-type", "02", "--cert-no", PERSONS["local"]["certno"], "--bill",
                    str(f), "--preview", config_text=f'[backend]\nurl = "{proxy.url}"\nread_timeout = 10.0\n')
        assert proxy.tampered == ["2206"]
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "医保平台的预结算应答金额有误" in r.stderr and "Traceback" not in r.stderr, r.stderr
