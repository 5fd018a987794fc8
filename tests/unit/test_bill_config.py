"""[bill] caps: validated with the key named; the example configuration documents them."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal import config
from tests.support import ROOT



def test_defaults_and_accepted_forms():
    lim = config.Config().bill.limits
    assert (lim.max_line_amount, lim.max_bill_amount) == (Decimal("1000000.00"), Decimal("10000000.00"))
    cfg = config.from_dict({"bill": {"max_line_amount": 5000, "max_bill_amount": "20000.5"}})
    assert (cfg.bill.limits.max_line_amount, cfg.bill.limits.max_bill_amount) == (Decimal("5000.00"),
                                                                                  Decimal("20000.50"))


@pytest.mark.parametrize("key,value,why", [
    ("max_line_amount", 1500.5, "应为金额字符串"),  # a TOML float is binary: refused
    ("max_line_amount", "25,00", "含逗号或千位分隔符"),
    ("max_bill_amount", "0", "须大于零"),
    ("max_bill_amount", "-1", "不能为负"),
    ("max_line_amount", "1.001", "小数位超过2位"),
    ("max_bill_amount", "1e9", "不是数字"),
    ("max_bill_amount", "999999999999999", "整数位超过14位"),
    ("max_line_amount", True, "应为金额字符串"),
])
def test_bad_caps_are_refused_naming_the_key(key, value, why):
    with pytest.raises(config.ConfigError, match=rf"配置错误 bill\.{key}: .*{why}"):
        config.from_dict({"bill": {key: value}})


def test_line_cap_above_bill_cap_is_refused():
    with pytest.raises(config.ConfigError, match=r"bill\.max_line_amount: 单行上限 200\.00 不应大于单张账单上限"):
        config.from_dict({"bill": {"max_line_amount": "200", "max_bill_amount": "100"}})


def test_the_example_documents_the_caps():
    text = (ROOT / "resources/config/config.example.toml").read_text(encoding="utf-8")
    assert "[bill]" in text and "max_line_amount" in text and "max_bill_amount" in text
    cfg = config.load(ROOT / "resources/config/config.example.toml")
    assert cfg.bill.limits == config.Config().bill.limits
