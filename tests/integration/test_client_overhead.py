"""Issue 16 figure 1: per-message work taken out of a settle keeps its behaviour (against the sandbox over HTTP):
the day's sign-in date formatted once a day yet a new day still signs in again; the bill's digest worked out only
where a journal takes it."""
from __future__ import annotations

import datetime as dt


from terminal.services import base, outpatient
from tests.support import id_cred, small_bill


def test_a_new_day_signs_in_again_and_the_same_day_does_not(svc, monkeypatch):
    sent = []
    real = svc.client.sign_in
    monkeypatch.setattr(svc.client, "sign_in", lambda *a: sent.append(1) or real(*a))
    svc.ensure_signed_in()
    svc.ensure_signed_in()
    assert len(sent) == 1

    class Tomorrow(dt.date):
        @classmethod
        def today(cls):
            return dt.date.today() + dt.timedelta(days=1)

    monkeypatch.setattr(base, "date", Tomorrow)
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
