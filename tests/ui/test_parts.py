"""The UI's Qt-light parts: operators and PINs, receipts (privacy, QR, PDF), catalogue search, ID numbers,
translations, the customer display's privacy."""
from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.app.operators import CASHIER, SUPERVISOR, LoginError, OperatorStore
from tests.support import PERSONS, sample_receipt



def test_pins_are_hashed_salted_and_locked_after_failures(tmp_path):
    st = OperatorStore(tmp_path / "ops.sqlite")
    st.add("0007", "王芳", CASHIER, "2468")
    st.add("0008", "李强", CASHIER, "2468")
    raw = (tmp_path / "ops.sqlite").read_bytes()
    assert b"2468" not in raw
    import sqlite3

    rows = sqlite3.connect(tmp_path / "ops.sqlite").execute("SELECT salt, pin_hash FROM operators").fetchall()
    assert rows[0][0] != rows[1][0] and rows[0][1] != rows[1][1]  # same PIN, different salt and hash
    assert st.verify("0007", "2468").name == "王芳"
    with pytest.raises(LoginError, match="主管"):
        st.verify("0007", "2468", role=SUPERVISOR)
    for _ in range(4):
        with pytest.raises(LoginError, match="密码"):
            st.verify("0007", "0000")
    with pytest.raises(LoginError, match="锁定"):
        st.verify("0007", "0000")
    with pytest.raises(LoginError, match="锁定"):
        st.verify("0007", "2468")  # locked even with the right PIN
    assert st.verify("0007", "2468", now=10 ** 11).id == "0007"  # ... until the lock expires
    with pytest.raises(ValueError):
        st.add("0009", "x", CASHIER, "12")


def test_receipt_html_masks_and_carries_the_verification_qr(tmp_path):
    from terminal.ui.receipt import print_receipt, receipt_document, receipt_html

    r = sample_receipt()
    text = receipt_html(r)
    full = PERSONS["hainan-retiree"]
    assert full["certno"] not in text and full["psn_name"] not in text
    assert "符**" in text and "SETL0001" in text and "¥40.00" in text and "跨省异地" in text
    assert 'src="qr://verify"' in text
    assert r.verify_text == "YBSETL|H45010000001|SETL0001|100.00|60.00|40.00"
    doc = receipt_document(r)
    assert "¥40.00" in doc.toPlainText()
    path = print_receipt(r, pdf_dir=tmp_path)
    assert path.endswith(".pdf") and (tmp_path / path.split("/")[-1]).read_bytes()[:5] == b"%PDF-"
    assert "补打" in receipt_html(r, reprint=True)
    back = type(r).from_dict(r.to_dict())
    assert back.amounts == r.amounts and back.lines[0].amount == Decimal("100.00")


def test_catalogue_search_by_code_and_name(ui_cfg):
    from terminal.app.catalogue import Catalogue

    cat = Catalogue.for_config(ui_cfg)
    assert len(cat) > 5
    assert cat.by_code("NNYP0001").name == "阿莫西林胶囊"
    assert cat.by_code("XJ01CAA040A001010100001").hosp_code == "NNYP0001"
    assert cat.search("阿莫西林")[0].hosp_code == "NNYP0001"
    assert cat.search("nnyp000")[0].hosp_code.startswith("NNYP000")
    assert cat.search("不存在的药") == []


def test_id_number_check_digit():
    from terminal.core.idcard import id_number_problem

    assert id_number_problem(PERSONS["sichuan-resident"]["certno"]) == ""  # ends in X
    assert "校验位" in id_number_problem("460100194603120133")
    assert "18" in id_number_problem("4601001946")


def test_english_translation_loads(qapp):
    from PySide6.QtCore import QCoreApplication

    from terminal.ui.app import install_translator

    try:
        assert install_translator(qapp, "en")
        assert QCoreApplication.translate("MainWindow", "结算") == "Settle"
        assert QCoreApplication.translate("Receipt", "个人现金支付") == "Cash to pay"
    finally:
        install_translator(qapp, "zh_CN")
    assert QCoreApplication.translate("MainWindow", "结算") == "结算"


def test_cash_share_font_is_at_least_48pt(desk):
    f = desk.window.result.cash.font()
    assert f.pointSizeF() >= 48
    assert desk.ca.customer.pay.font().pointSizeF() >= 48
