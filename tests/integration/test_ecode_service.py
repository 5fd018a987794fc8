"""The e-code exchange (ec.query) against the sandbox's e-voucher service, then settlement with type 01."""
from __future__ import annotations

import pytest

from terminal.backend.ecode import EcodeClient, EcodeRefused
from terminal.backend.errors import BusinessError, TransportError
from tests.support import PERSONS, load_bill



@pytest.fixture
def ec(sandbox):
    c = EcodeClient(sandbox.url, "H45010000001", operator_id="0001", operator_name="收费员")
    yield c
    c.close()


def test_ecode_to_token_to_settlement(sandbox, ec, svc):
    code, _ = sandbox.issue_ecode("chongqing-employee")
    assert code.startswith("EC500100") and len(code) == 56
    ident = ec.query(code)
    assert ident.id_no == PERSONS["chongqing-employee"]["certno"] and ident.insu_org == "500100"
    assert 0 < len(ident.ec_token) <= 40 and ident.ec_token not in repr(ident)
    cred = ident.credential()
    assert cred.cert_type == "01"
    person = svc.identify(cred)
    assert person.psn_no == PERSONS["chongqing-employee"]["psn_no"]
    visit = svc.open_visit(cred, person, load_bill())
    svc.preview(visit)
    s = svc.settle(visit)
    assert s.setl_id and not s.identity_errors()


def test_code_is_single_use_for_settlement_but_not_for_registration(sandbox, ec):
    code, _ = sandbox.issue_ecode("local")
    ec.query(code, business_type="01101")  # registration look-up does not use it up
    ec.query(code)
    with pytest.raises(EcodeRefused) as ei:
        ec.query(code)
    assert ei.value.code == 500161 and "已使用" in ei.value.user_message


def test_expired_code(sandbox, ec):
    code, _ = sandbox.issue_ecode("local", ttl=0)
    import time
    time.sleep(0.01)
    with pytest.raises(EcodeRefused) as ei:
        ec.query(code)
    assert ei.value.code == 500160 and "过期" in ei.value.user_message


@pytest.mark.parametrize("junk", ["https://qr.alipay.com/abc", "134567890123456789", "", "EC460100tooShort"])
def test_foreign_codes(ec, junk):
    with pytest.raises(EcodeRefused) as ei:
        ec.query(junk)
    assert ei.value.code == 500159


def test_unknown_business_type_and_dead_service(sandbox, ec):
    code, _ = sandbox.issue_ecode("local")
    with pytest.raises(BusinessError):
        ec.query(code, business_type="99999")
    dead = EcodeClient("http://127.0.0.1:9", "H45010000001", timeout=(0.5, 0.5))
    with pytest.raises(TransportError):
        dead.query(code)
