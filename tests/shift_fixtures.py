"""A journal day of two cashiers for the shift-report tests: settlements, a cancellation, a reversed settlement,
an untendered one, parked bills, a refund paid and tenders of every kind, written straight into the journal's
tables (settlements as the journal books them, ``tenders`` with the columns of migration 0006).

The figures each test checks are worked out by hand in tests/unit/test_shifts.py.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from terminal.core.models import SETL_AMOUNT_FIELDS

DAY = "2026-11-30"


def settlement(db: Any, msgid: str, *, operator: str, at: str, kind: str = "settle", status: str = "settled",
               insutype: str = "310", clr_optins: str = "460100", orig: str = "", park_id: str = "",
               **amounts: str) -> None:
    """A settlements row; ``at`` is the full time "yyyy-MM-dd HH:MM:SS"."""
    row = {"msgid": msgid, "kind": kind, "setl_id": "S" + msgid, "orig_setl_id": orig, "mdtrt_id": "MD" + msgid,
           "psn_no": "46000000000000000001", "psn_name": "符*海", "insutype": insutype, "clr_type": "11",
           "clr_optins": clr_optins, "clr_way": "1", "setl_time": at, "day": at[:10], "status": status,
           "park_id": park_id or None, "created": at, "updated": at, "operator": operator,
           **{k: "0.00" for k in SETL_AMOUNT_FIELDS}}
    row.update(amounts)
    db["settlements"].insert(row)


def tender(db: Any, msgid: str, *, operator: str, at: str, method: str, amount: str, kind: str = "pay",
           tendered: str | None = None, change: str = "0.00", setl_id: str = "") -> None:
    db["tenders"].insert({"created": at, "day": at[:10], "operator": operator, "kind": kind, "msgid": msgid,
                          "setl_id": setl_id, "method": method, "amount": amount,
                          "tendered": tendered if tendered is not None else amount, "change": change,
                          "reference": "", "note": ""})


def parked(db: Any, park_id: str, *, operator: str, created: str, total: str, state: str = "parked",
           refund_due: str | None = None, refund_paid_at: str | None = None, refund_paid_by: str | None = None,
           settled_at: str | None = None) -> None:
    db["parked"].insert({"park_id": park_id, "created": created, "updated": created, "state": state, "step": "",
                         "operator": operator, "cert_type": "02", "cert_masked": "4601**********0132",
                         "name_masked": "符*海", "psn_no": None, "insutype": "310", "bill": "{}", "total": total,
                         "queue_id": None, "refund_due": refund_due, "refund_paid_at": refund_paid_at,
                         "refund_paid_by": refund_paid_by, "settled_at": settled_at, "setl_id": None})


def two_cashiers(store: Any, day: str = DAY, *, early: bool = False) -> None:
    """Cashier 0001 and 0002 on ``day`` (see tests/unit/test_shifts.py for the figures). ``early`` moves the
    clock times to just after midnight ("09:10:05" -> "00:09:10", the order kept), so that a report of today up to
    now holds them all."""
    yesterday = (date.fromisoformat(day) - timedelta(days=1)).isoformat()

    def t(at: str, on: str = day) -> str:
        if early:
            h, m, _s = at.split(":")
            at = f"00:{h}:{m}"
        return f"{on} {at}"

    with store.sdb.tx() as db:
        # cashier 0001 ------------------------------------------------------------------------------
        settlement(db, "M1", operator="0001", at=t("09:00:00"), medfee_sumamt="200.00", hifp_pay="120.00",
                   fund_pay_sumamt="120.00", acct_pay="30.00", psn_part_amt="80.00", psn_cash_pay="50.00")
        tender(db, "M1", operator="0001", at=t("09:00:05"), method="cash", amount="50.00", tendered="100.00",
               change="50.00")
        settlement(db, "M2", operator="0001", at=t("09:10:00"), clr_optins="450100", medfee_sumamt="480.20",
                   hifp_pay="250.00", cvlserv_pay="50.00", fund_pay_sumamt="300.00", acct_pay="100.00",
                   psn_cash_pay="80.20")
        tender(db, "M2", operator="0001", at=t("09:10:05"), method="cash", amount="30.20", tendered="50.00",
               change="19.80")
        tender(db, "M2", operator="0001", at=t("09:10:06"), method="wechat", amount="50.00")
        settlement(db, "M3", operator="0001", at=t("09:20:00"), status="cancelled", insutype="390",
                   medfee_sumamt="99.90", hifp_pay="60.00", fund_pay_sumamt="60.00", psn_cash_pay="39.90")
        tender(db, "M3", operator="0001", at=t("09:20:05"), method="alipay", amount="39.90")
        settlement(db, "MC3", operator="0001", at=t("09:30:00"), kind="cancel", insutype="", orig="SM3",
                   medfee_sumamt="-99.90", hifp_pay="-60.00", fund_pay_sumamt="-60.00", psn_cash_pay="-39.90")
        tender(db, "MC3", operator="0001", at=t("09:30:05"), method="alipay", amount="39.90", kind="refund")
        settlement(db, "M4", operator="0001", at=t("09:40:00"), status="reversed", medfee_sumamt="55.00",
                   psn_cash_pay="55.00")
        settlement(db, "M5", operator="0001", at=t("09:50:00"), medfee_sumamt="10.00", psn_cash_pay="10.00")
        settlement(db, "M6", operator="0001", at=t("10:00:00"), park_id="P2", medfee_sumamt="120.00",
                   hifp_pay="90.00", fund_pay_sumamt="90.00", psn_cash_pay="30.00")
        parked(db, "P1", operator="0001", created=t("08:30:00"), total="150.00")
        parked(db, "P2", operator="0001", created=t("08:40:00"), total="120.00", state="settled",
               refund_due="90.00", settled_at=t("10:00:00"))
        tender(db, "P2", operator="0001", at=t("08:40:05"), method="cash", amount="120.00", tendered="200.00",
               change="80.00")
        parked(db, "P3", operator="0002", created=f"{yesterday} 16:00:00", total="100.00", state="settled",
               refund_due="40.00", settled_at=f"{yesterday} 17:00:00", refund_paid_at=t("10:30:00"),
               refund_paid_by="0001")
        # cashier 0002 ------------------------------------------------------------------------------
        settlement(db, "N1", operator="0002", at=t("11:00:00"), insutype="390", clr_optins="520100",
                   medfee_sumamt="64.50", hifp_pay="40.00", fund_pay_sumamt="40.00", psn_cash_pay="24.50")
        tender(db, "N1", operator="0002", at=t("11:00:05"), method="cash", amount="24.50", tendered="30.00",
               change="5.50")
        settlement(db, "N2", operator="0002", at=t("11:10:00"), status="cancelled", medfee_sumamt="300.00",
                   hifp_pay="200.00", fund_pay_sumamt="200.00", acct_pay="60.00", psn_cash_pay="40.00")
        tender(db, "N2", operator="0002", at=t("11:10:05"), method="card", amount="40.00")
        settlement(db, "NC2", operator="0002", at=t("11:20:00"), kind="cancel", orig="SN2", medfee_sumamt="-300.00",
                   hifp_pay="-200.00", fund_pay_sumamt="-200.00", acct_pay="-60.00", psn_cash_pay="-40.00")
        tender(db, "", operator="0002", at=t("11:20:05"), method="card", amount="40.00", kind="refund",
               setl_id="SN2")
