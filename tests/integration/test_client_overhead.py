"""Issue 16 figure 1: per-message work taken out of a settle keeps its behaviour (against the sandbox over HTTP):
the day's sign-in date formatted once a day yet a new day still signs in again; the bill's digest worked out only
where a journal takes it."""
from __future__ import annotations

import datetime as dt
import time

from terminal.services import base, outpatient
from tests.support import id_cred, small_bill


def test_a_new_day_signs_in_again_and_the_same_day_does_not(svc, monkeypatch):
    sent = []
    real = svc.client.sign_in
    monkeypatch.setattr(svc.client, "sign_in", lambda *a: sent.append(1) or real(*a))
    svc.ensure_signed_in()
    svc.ensure_signed_in()
    assert len(sent) == 1

    now = time.time()
    monkeypatch.setattr(base, "_clock", lambda: now + 86400)  # this time tomorrow
    svc.ensure_signed_in()
    assert len(sent) == 2 and svc._sign_date == (dt.date.today() + dt.timedelta(days=1)).strftime("%Y%m%d")
    svc.ensure_signed_in()
    assert len(sent) == 2


def test_without_a_journal_the_bill_digest_is_not_worked_out(svc, monkeypatch):
    def refused(bill):
        raise AssertionError("bill_digest worked out for nobody")
    monkeypatch.setattr(outpatient, "bill_digest", refused)
    person = svc.identify(id_cred("hainan-retiree"))
    visit = svc.open_visit(id_cred("hainan-retiree"), person, small_bill())
    svc.preview(visit)
    assert svc.settle(visit).setl_id


def test_settlement_amounts_on_the_wire_as_before():
    """2206/2207 amounts: two places kept as they are (no re-parse), others written with two, never rounded."""
    from decimal import Decimal as D

    from terminal.backend.client import _amounts_to_wire
    from terminal.core.money import MoneyError

    out = _amounts_to_wire({"a": D("1.50"), "b": D("-0.00"), "c": D("2"), "d": "x", "e": D("1E+1"), "f": D("3.1")})
    assert {k: str(v) for k, v in out.items()} == {"a": "1.50", "b": "-0.00", "c": "2.00", "d": "x", "e": "10.00",
                                                   "f": "3.10"}
    for bad in (D("1.505"), D("NaN"), D("Infinity")):
        try:
            _amounts_to_wire({"medfee_sumamt": bad})
        except MoneyError:
            continue
        raise AssertionError(f"{bad} went on the wire")


def test_answer_text_reads_utf8_with_or_without_a_bom_as_the_utf8_sig_codec_did():
    from terminal.backend.decoding import answer_text

    body = '{"err_msg":"符大海 结算成功"}'.encode()
    for ctype in ("application/json;charset=UTF-8", "application/json", "text/plain;charset=ISO-8859-1"):
        for raw in (body, b"\xef\xbb\xbf" + body, b"\xef\xbb\xbf\xef\xbb\xbf" + body):
            assert answer_text(raw, ctype)[0] == raw.decode("utf-8-sig"), (ctype, raw[:8])
    gbk = '{"err_msg":"结算"}'.encode("gbk")
    assert answer_text(gbk, "application/json") == ('{"err_msg":"结算"}', "gb18030")  # not UTF-8: the next codec
