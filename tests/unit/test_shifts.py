"""The shift report (交班) and its close, from a real journal (SQLite) holding two cashiers' day
(tests/shift_fixtures.py). Every figure is worked out by hand below, in Decimal text.

Cashier 0001 on DAY:
  M1  310 460100 settle   200.00 = 统筹 120.00 + 个账 30.00 + 现金 50.00; cash 50.00 (handed 100.00, change 50.00)
  M2  310 450100 settle   480.20 = 统筹 250.00 + 公务员 50.00 (基金 300.00) + 个账 100.00 + 现金 80.20;
                          cash 30.20 (handed 50.00, change 19.80) + WeChat 50.00
  M3  390 460100 settle    99.90 = 统筹 60.00 + 现金 39.90, Alipay 39.90; cancelled since
  MC3 (390 via M3)  cancel -99.90 = 统筹 -60.00 + 现金 -39.90, Alipay refund 39.90
  M4  reversed (not counted)
  M5  310 460100 settle    10.00 = 现金 10.00, no tender line: counted as cash
  M6  310 460100 settle   120.00 = 统筹 90.00 + 现金 30.00 of parked bill P2 (paid when parked: no cash now)
  P1  parked 150.00, no tender line: cash; P2 parked 120.00, cash line 120.00 (handed 200.00, change 80.00),
      settled, refund due 90.00; P3 (0002's, yesterday) refund 40.00 paid today by 0001, no tender line: cash out
  settled 5: 910.10 / 基金 570.00 / 个账 130.00 / 现金 210.10; cancelled 1: -99.90 / -60.00 / 0.00 / -39.90
  net 6: 810.20 / 510.00 / 130.00 / 170.20; 统筹 120+250+60-60+90 = 460.00, 公务员 50.00
  cash in 50.00 + 30.20 + 120.00 (lines) + 10.00 (M5) + 150.00 (P1) = 360.20; out 40.00 (P3); drawer 320.20
Cashier 0002: N1 390 520100 64.50 (cash 24.50, handed 30.00, change 5.50); N2 310 300.00 by card 40.00,
  cancelled by NC2 (-300.00), card refund 40.00 keyed by setl_id: net 3 rows 64.50 / 40.00 / 0.00 / 24.50;
  drawer 24.50.
"""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from terminal.core.money import FieldError
from terminal.store import Store
from terminal.store import shifts as shifts_mod
from tests.shift_fixtures import DAY, settlement, tender, two_cashiers


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "journal.sqlite")
    two_cashiers(s)
    yield s
    s.close()


def d(x) -> Decimal:
    return Decimal(x)


def test_cashier_one_settlements_cancellations_and_net(store):
    r = store.shifts.report("0001", DAY).as_dict()
    assert r["since"] == "" and r["until"] == f"{DAY} 23:59:59"
    assert r["settled"] == {"count": 5, "medfee_sumamt": "910.10", "fund_pay_sumamt": "570.00", "acct_pay": "130.00",
                            "psn_cash_pay": "210.10", "hosp_part_amt": "0.00"}
    assert r["cancelled"] == {"count": 1, "medfee_sumamt": "-99.90", "fund_pay_sumamt": "-60.00", "acct_pay": "0.00",
                              "psn_cash_pay": "-39.90", "hosp_part_amt": "0.00"}
    assert r["net"] == {"count": 6, "medfee_sumamt": "810.20", "fund_pay_sumamt": "510.00", "acct_pay": "130.00",
                        "psn_cash_pay": "170.20", "hosp_part_amt": "0.00"}
    assert d(r["net"]["medfee_sumamt"]) == \
        d("200.00") + d("480.20") + d("99.90") + d("10.00") + d("120.00") - d("99.90")
    assert (r["reversed"], r["later_cancelled"], r["parked_settled"]) == (1, 1, 1)


def test_cashier_one_by_insurance_type_place_and_fund_in_chinese(store):
    r = store.shifts.report("0001", DAY).as_dict()
    ins = {g["code"]: g for g in r["by_insutype"]}
    assert ins["310"]["name"] == "职工基本医疗保险" and ins["390"]["name"] == "城乡居民基本医疗保险"
    assert (ins["310"]["count"], ins["310"]["medfee_sumamt"], ins["310"]["fund_pay_sumamt"],
            ins["310"]["acct_pay"], ins["310"]["psn_cash_pay"]) == (4, "810.20", "510.00", "130.00", "170.20")
    # the cancellation has no insutype of its own: it joins its original settlement's (390), which nets to 0
    assert (ins["390"]["count"], ins["390"]["medfee_sumamt"], ins["390"]["psn_cash_pay"]) == (2, "0.00", "0.00")
    places = {g["code"]: g for g in r["by_place"]}
    assert places["450100"]["name"] == "广西南宁市" and places["450100"]["medfee_sumamt"] == "480.20"
    assert places["460100"]["name"] == "海南省海口市"
    assert (places["460100"]["count"], places["460100"]["medfee_sumamt"]) == (5, "330.00")  # 200+99.90-99.90+10+120
    funds = {f["key"]: (f["name"], f["amount"]) for f in r["funds"]}
    assert funds["hifp_pay"] == ("统筹基金", "460.00")
    assert funds["cvlserv_pay"] == ("公务员医疗补助", "50.00")
    assert funds["fund_pay_sumamt"] == ("基金支付合计", "510.00")
    assert funds["acct_pay"] == ("个人账户", "130.00")
    assert funds["psn_cash_pay"] == ("现金", "170.20")
    assert funds["medfee_sumamt"] == ("医疗费总额", "810.20")
    assert "hifmi_pay" not in funds and "hosp_part_amt" not in funds  # nothing paid: not listed
    text = json.dumps(r, ensure_ascii=False)
    assert "公务员医疗补助" in text and "海南省海口市" in text


def test_cashier_one_tenders_by_method_and_the_drawer(store):
    rep = store.shifts.report("0001", DAY)
    r = rep.as_dict()
    t = {x["method"]: x for x in r["tenders"]}
    assert [x["method"] for x in r["tenders"]] == ["cash", "wechat", "alipay"]  # in the configured order
    assert (t["cash"]["name"], t["cash"]["pay_count"], t["cash"]["pay"], t["cash"]["refund"]) == \
        ("现金", 3, "200.20", "0.00")
    assert (t["wechat"]["name"], t["wechat"]["pay"], t["wechat"]["net"]) == ("微信支付", "50.00", "50.00")
    assert (t["alipay"]["pay"], t["alipay"]["refund_count"], t["alipay"]["refund"], t["alipay"]["net"]) == \
        ("39.90", 1, "39.90", "0.00")
    assert r["cash_tendered"] == "350.00" and r["change_given"] == "149.80"  # 100+50+200, 50+19.80+80
    assert d(r["cash_tendered"]) - d(r["change_given"]) == d(t["cash"]["pay"])
    assert r["untendered"] == [{"msgid": "M5", "setl_id": "SM5", "kind": "settle", "psn_cash_pay": "10.00"}]
    assert [(p["park_id"], p["total"], p["untendered"]) for p in r["parked"]] == [("P1", "150.00", True),
                                                                                  ("P2", "120.00", False)]
    assert r["parked_total"] == "270.00"
    assert [(x["park_id"], x["refund_due"], x["untendered"]) for x in r["refunds_paid"]] == [("P3", "40.00", True)]
    assert [(x["park_id"], x["refund_due"]) for x in r["refunds_due"]] == [("P2", "90.00")]
    assert r["refunds_due_total"] == "90.00"
    assert r["cash_in"] == "360.20" and r["cash_out"] == "40.00"
    assert rep.expected_cash == d("50.00") + d("30.20") + d("120.00") + d("10.00") + d("150.00") - d("40.00")
    assert r["expected_cash"] == "320.20"


def test_cashier_two_is_apart_and_a_refund_keyed_by_setl_id_is_matched(store):
    r = store.shifts.report("0002", DAY).as_dict()
    assert r["net"] == {"count": 3, "medfee_sumamt": "64.50", "fund_pay_sumamt": "40.00", "acct_pay": "0.00",
                        "psn_cash_pay": "24.50", "hosp_part_amt": "0.00"}
    t = {x["method"]: x for x in r["tenders"]}
    assert (t["card"]["name"], t["card"]["pay"], t["card"]["refund"], t["card"]["net"]) == \
        ("银行卡", "40.00", "40.00", "0.00")
    assert r["untendered"] == []  # NC2's refund is the card line keyed by SN2
    assert r["parked"] == [] and r["refunds_due"] == [] and r["refunds_paid"] == []  # P3 was yesterday's
    assert r["expected_cash"] == "24.50"
    assert {g["code"]: g["name"] for g in r["by_place"]}["520100"] == "贵州贵阳市"
    assert store.shifts.operators(DAY) == ["0001", "0002"]


def test_close_records_the_report_and_the_next_shift_starts_after_it(store, monkeypatch):
    monkeypatch.setattr(shifts_mod, "now_text", lambda: f"{DAY} 12:00:00")
    c = store.shifts.close("0001", DAY, counted_cash="320.00", closed_by="0001")
    assert (c["closed"], c["counted_cash"], c["difference"]) == (f"{DAY} 12:00:00", "320.00", "-0.20")
    assert c["opened"] == f"{DAY} 08:30:00"  # the first work of the shift: P1 parked
    row = store.shifts.stored(c["id"])
    assert row["kind"] == "shift" and row["operator"] == "0001" and row["counted_cash"] == "320.00"
    assert row["report"]["expected_cash"] == "320.20" and row["report"]["difference"] == "-0.20"
    # after the close: one more settlement (cash 12.30, handed 20.00): the open shift holds only that
    with store.sdb.tx() as db:
        settlement(db, "M9", operator="0001", at=f"{DAY} 13:00:00", medfee_sumamt="12.30", psn_cash_pay="12.30")
        tender(db, "M9", operator="0001", at=f"{DAY} 13:00:05", method="cash", amount="12.30", tendered="20.00",
               change="7.70")
    nxt = store.shifts.report("0001", DAY).as_dict()
    assert nxt["since"] == f"{DAY} 12:00:00"
    assert nxt["net"]["count"] == 1 and nxt["net"]["medfee_sumamt"] == "12.30"
    assert nxt["parked"] == [] and nxt["refunds_paid"] == [] and nxt["expected_cash"] == "12.30"
    assert nxt["refunds_due"][0]["park_id"] == "P2"  # still owed: refunds due are not a shift's but the cashier's
    assert [x["id"] for x in nxt["closes"]] == [c["id"]]
    whole = store.shifts.report("0001", DAY, whole_day=True).as_dict()
    assert whole["net"]["count"] == 7 and whole["expected_cash"] == "332.50"  # 320.20 + 12.30
    # 0002's shift is untouched by 0001's close
    assert store.shifts.report("0002", DAY).as_dict()["expected_cash"] == "24.50"


def test_counted_cash_that_is_no_amount_is_refused_with_the_field(store):
    for bad in ("12,50", "1.234", "-5.00", "abc"):
        with pytest.raises(FieldError) as e:
            store.shifts.close("0001", DAY, counted_cash=bad)
        assert "counted_cash" in str(e.value) or "实点现金" in str(e.value), str(e.value)
    assert store.shifts.closes(DAY) == []  # nothing recorded


def test_day_close_puts_every_cashier_beside_the_verdict(store, monkeypatch):
    from drivers.printer import compose_day_close, text_lines
    from terminal.store.reconcile import Group, ReconcileReport

    monkeypatch.setattr(shifts_mod, "now_text", lambda: f"{DAY} 12:00:00")
    store.shifts.close("0001", DAY, counted_cash="320.00")  # 0001 signed off 0.20 short; 0002 never did
    seen = []

    def reconcile(day):  # the platform's verdict as Store.reconcile returns it (the sandbox run: tests/ui)
        seen.append(day)
        g = Group("310", "11", "460100", medfee_sumamt=d("330.00"), count=5)
        g.state, g.stmt_rslt_dscr = "mismatch", "总额不符"
        return ReconcileReport(day, [g], [])

    body = store.shifts.day_close(reconcile, DAY, supervisor="9001")
    assert seen == [DAY]
    assert [c["operator"] for c in body["cashiers"]] == ["0001", "0002"]
    one, two = body["cashiers"]
    assert (one["closed_count"], one["counted_cash"], one["difference"]) == (1, "320.00", "-0.20")
    assert (two["closed_count"], two["counted_cash"], two["difference"]) == (0, "", "")
    text = "\n".join(text_lines(compose_day_close(body, facility_name="医院"), 48))
    assert "已交班 1 次" in text and "未交班" in text and "不平" in text
    assert body["total"]["count"] == 9 and body["total"]["medfee_sumamt"] == "874.70"  # 810.20 + 64.50
    assert body["expected_cash"] == "344.70"  # 320.20 + 24.50
    g = body["reconcile"]["groups"][0]
    assert (g["insutype_name"], g["clr_type_name"], g["place_name"], g["state_name"]) == \
        ("职工基本医疗保险", "普通门诊", "海南省海口市", "不平")
    assert body["reconcile"]["balanced"] is False
    assert store.shifts.closes(DAY, kind="day")[0]["closed_by"] == "9001"


def test_the_report_composes_into_roll_lines_that_fit_58_and_80_mm(store, monkeypatch):
    """The lines the ESC/POS printer prints (drivers.printer.shift + layout): within 32 / 48 columns, names not
    codes, the drawer's figure last before the signatures; the signed-off close shows the counted cash."""
    from drivers.printer import compose_day_close, compose_shift, display_width, text_lines
    from terminal.store.reconcile import Group, ReconcileReport

    rep = store.shifts.report("0001", DAY).as_dict()
    for width in (32, 48):
        lines = text_lines(compose_shift(rep, facility_name="南宁市第一人民医院", operator_name="训练收费员"), width)
        assert all(display_width(x) <= width for x in lines), width
        text = "\n".join(lines)
        for words in ("收费员交班报表", "职工基本医疗保险", "城乡居民基本医疗保险", "统筹基金", "公务员医疗补助",
                      "个人账户", "广西南宁市", "海南省海口市", "微信支付", "支付宝", "待退款（补结算） 1 笔",
                      "P2 符*海"):
            assert words in text, words
        assert "310" not in text and "460100" not in text
        [cash] = [x for x in lines if x.startswith("应有现金")]
        assert cash.endswith("¥320.20")
    monkeypatch.setattr(shifts_mod, "now_text", lambda: f"{DAY} 12:00:00")
    c = store.shifts.close("0001", DAY, counted_cash="320.50")
    text = "\n".join(text_lines(compose_shift(c["report"], facility_name="医院", closed=c["closed"]), 32))
    assert f"已交班 {DAY} 12:00:00" in text and "实点现金 ¥320.50" in text and "差额 ¥0.30（长款）" in text
    g = Group("310", "11", "460100", medfee_sumamt=d("810.20"), count=6)
    g.state = "balanced"
    body = store.shifts.day_close(lambda day: ReconcileReport(day, [g], []), DAY, supervisor="9001", record=False)
    lines = text_lines(compose_day_close(body, facility_name="医院"), 32)
    assert all(display_width(x) <= 32 for x in lines)
    i = next(n for n, x in enumerate(lines) if "职工基本医疗保险 6 笔" in x)
    assert lines[i].endswith("¥810.20") and "普通门诊·海南省海口市" in lines[i + 1] and lines[i + 1].endswith("平")
