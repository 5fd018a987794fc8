"""The journal's tender API (terminal.store.tenders) on a real SQLite journal, and the payment providers."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from drivers.payment import PosReferenceProvider, SandboxPaymentProvider, provider_for, wallet_of
from terminal.core.tender import (NEEDS_CODE, NEEDS_NOTHING, NEEDS_REFERENCE, PaymentDeclined, PaymentTimeout, Tender,
                                  TenderError, TenderLine, parse_tendered, refund_plan)
from terminal.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "journal.sqlite")
    yield s
    s.close()


def test_record_tender_writes_every_line_in_one_transaction(store, tmp_path):
    t = Tender(D("336.75"))
    t.add("card", D("300.00"), reference="POS1")
    t.add("cash", tendered=D("40"))
    ids = store.tenders.record_tender("M1", "S1", t.lines, operator="0001")
    assert len(ids) == 2
    rows = store.tenders.tenders_for("M1")
    assert [(r.line.method, r.line.amount, r.line.tendered, r.line.change, r.line.reference) for r in rows] == [
        ("card", D("300.00"), D("300.00"), D("0.00"), "POS1"), ("cash", D("36.75"), D("40.00"), D("3.25"), "")]
    assert {(r.kind, r.setl_id, r.operator) for r in rows} == {("pay", "S1", "0001")}
    store.close()
    with Store(tmp_path / "journal.sqlite") as again:  # survives a restart
        assert again.tenders.lines_for("M1") == t.lines


def test_a_failing_line_leaves_no_row(store):
    good = TenderLine("cash", D("1.00"), D("1.00"))
    with pytest.raises(AttributeError):
        store.tenders.record_tender("M2", "S2", [good, object()])  # type: ignore[list-item]
    assert store.tenders.tenders_for("M2") == []


def test_sums_by_method_operator_and_day(store):
    store.tenders.record_tender("M1", "S1", [TenderLine("cash", D("10.00"), D("10.00"))], operator="0001")
    store.tenders.record_tender("M2", "S2", [TenderLine("wechat", D("5.50"), D("5.50"), reference="W")],
                                operator="0002")
    store.tenders.record_tender("M1", "S1", [TenderLine("cash", D("10.00"), D("10.00"))], kind="refund",
                                operator="0001", note="患者要求退费")
    assert store.tenders.sums(by=("kind", "method")) == {("pay", "cash"): D("10.00"), ("pay", "wechat"): D("5.50"),
                                                        ("refund", "cash"): D("10.00")}
    assert store.tenders.sums(operator="0002", by=("method",)) == {("wechat",): D("5.50")}
    assert store.tenders.refunded("M1") and not store.tenders.refunded("M2")
    with pytest.raises(ValueError):
        store.tenders.sums(by=("amount",))


def test_parse_tendered_names_the_field():
    assert parse_tendered("") is None and parse_tendered(" 100 ") == D("100.00")
    assert parse_tendered("¥36.5") == D("36.50")
    for bad in ("12.345", "-5", "abc", "1,000"):
        with pytest.raises(TenderError, match="实收金额"):
            parse_tendered(bad)


def test_refund_plan_follows_the_original_tender_latest_first():
    orig = [TenderLine("wechat", D("100.00"), D("100.00"), reference="W1"),
            TenderLine("cash", D("36.75"), D("50.00"), D("13.25"))]
    plan = refund_plan(orig, D("136.75"))
    assert [(x.method, x.amount, x.tendered, x.reference) for x in plan] == [
        ("cash", D("36.75"), D("36.75"), ""), ("wechat", D("100.00"), D("100.00"), "W1")]
    assert [(x.method, x.amount) for x in refund_plan([], D("12.00"))] == [("cash", D("12.00"))]  # no tender kept


def test_sandbox_provider_success_decline_timeout_and_refund():
    p = SandboxPaymentProvider(timeout_s=0.0)
    assert (p.needs("cash"), p.needs("wechat"), p.needs("card")) == (NEEDS_NOTHING, NEEDS_CODE, NEEDS_REFERENCE)
    assert wallet_of("134567890123456789") == "wechat" and wallet_of("284567890123456789") == "alipay"
    assert wallet_of("164567890123456789") == "" and wallet_of("13456789") == ""
    ok = p.charge("wechat", D("20.00"), code="284567890123456789")  # the code's wallet wins
    assert ok.method == "alipay" and ok.amount == D("20.00") and ok.reference.startswith("SBXA") and ok.qr == ""
    with pytest.raises(PaymentDeclined):
        p.charge("wechat", D("20.00"), code="134567890123459991")
    with pytest.raises(PaymentTimeout):
        p.charge("alipay", D("20.00"), code="284567890123459992")
    with pytest.raises(TenderError, match="付款码"):
        p.charge("wechat", D("20.00"), code="123")
    back = p.refund("alipay", D("20.00"), reference=ok.reference)
    assert back.reference.startswith("SBXR")
    with pytest.raises(PaymentDeclined, match="超过"):
        p.refund("alipay", D("0.01"), reference=ok.reference)
    card = p.charge("card", D("5.00"))
    assert card.reference.startswith("SBXP")


def test_pos_provider_records_the_slip_reference():
    p = PosReferenceProvider()
    assert p.needs("wechat") == NEEDS_REFERENCE and p.needs("cash") == NEEDS_NOTHING
    assert p.charge("card", D("300.00"), reference=" 123456789012 ").reference == "123456789012"
    for bad in ("", "12", "有中文", "a b c d"):
        with pytest.raises(TenderError, match="参考号"):
            p.charge("card", D("300.00"), reference=bad)
    assert p.refund("card", D("300.00"), reference="123456789012", refund_reference="R987654").reference == "R987654"


def test_provider_for_training_and_production():
    assert isinstance(provider_for("", training=True), SandboxPaymentProvider)
    assert isinstance(provider_for("", training=False), PosReferenceProvider)
    with pytest.raises(ValueError):
        provider_for("sandbox", training=False)


def test_tender_config_is_checked():
    from terminal.config.model import ConfigError
    from terminal.config.validation import from_dict

    cfg = from_dict({"tender": {"methods": ["cash", "wechat"]}})
    assert cfg.tender.methods == ["cash", "wechat"]
    for bad, key in (({"methods": ["cash", "bitcoin"]}, "tender.methods"), ({"methods": []}, "tender.methods"),
                     ({"methods": ["cash", "cash"]}, "tender.methods"), ({"provider": "stripe"}, "tender.provider")):
        with pytest.raises(ConfigError) as e:
            from_dict({"tender": bad})
        assert e.value.key == key
    with pytest.raises(ConfigError, match="训练"):
        from_dict({"backend": {"url": "https://hsa.example.gov.cn/api"}, "tender": {"provider": "sandbox"}})
