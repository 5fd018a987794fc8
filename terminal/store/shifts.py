"""The cashier's shift report (交班) and the supervisor's day close (日结), computed from the journal. No Qt.

A shift is one cashier's work of one day since that cashier's last shift close (or the whole day): the
settlements (2207) and cancellations (2208) booked under the cashier's operator id, the bills parked
(补结算), the refunds still due on them, the sums by insurance type, by fund (统筹基金 ... 个人账户, 现金) and by
insured place, the tenders by method (table ``tenders``: kind ``pay`` and ``refund``) and the cash that
should be in the drawer.

Cash in the drawer: a cash tender line's ``amount`` is what went against the amount due; ``tendered`` came in
and ``change`` went back out, so the drawer moved by ``tendered - change = amount``. Hence
expected cash = Σ cash ``pay`` amounts - Σ cash ``refund`` amounts, plus what has no tender line: a
settlement's cash share (psn_cash_pay) or a cancellation's (negative) with no tender row counts as cash
(flagged ``untendered``); a parked bill (paid in full when parked) without a pay line counts its total as cash;
a parked bill's refund marked paid without a refund line counts as cash paid out. A settlement of a parked bill
(the queue settled it later) moves no cash: the patient paid when it was parked.

The close is recorded in ``shifts`` (kind ``shift``: operator, opened, closed, closed_by, counted_cash, the
report as JSON; kind ``day`` for the supervisor's day close with the 3201 verdicts).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from terminal.core.models import FUND_NAMES, INSUTYPE_NAMES, MED_TYPES
from terminal.core.money import ZERO, money, parse_amount
from terminal.core.regions import place_name
from terminal.core.tender import CASH, METHODS, PAY, REFUND, method_name

from .db import now_text, today
from .errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from .db import StoreDB

#: clr_type (清算类别): the national dictionary's outpatient/inpatient classes (the medical types where they agree)
CLR_TYPE_NAMES = {"11": "普通门诊", "14": "门诊慢特病", "21": "住院", "41": "定点药店购药", "99": "其他"}

#: the fund columns of a settlement row, in the order a report lists them, with their Chinese names
FUND_FIELDS = (("hifp_pay", "统筹基金"), ("cvlserv_pay", FUND_NAMES["320100"]), ("hifes_pay", "企业补充医疗保险"),
               ("hifmi_pay", "居民大病保险"), ("hifob_pay", "职工大额医疗费用补助"), ("maf_pay", "医疗救助"),
               ("oth_pay", "其他基金"))
SUMS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay", "hosp_part_amt")


class ShiftError(StoreError, ValueError):
    """A shift close that cannot be recorded (a close that does not exist)."""


def insutype_name(code: str) -> str:
    return INSUTYPE_NAMES.get(code or "", code or "未知险种")


def clr_type_name(code: str) -> str:
    return CLR_TYPE_NAMES.get(code or "") or MED_TYPES.get(code or "", code or "未知类别")


def _m(v: Any) -> Decimal:
    return money(v) if v not in (None, "") else ZERO


@dataclass
class Totals:
    """A count and the amounts of a set of settlement rows (cancellations negative)."""

    count: int = 0
    medfee_sumamt: Decimal = ZERO
    fund_pay_sumamt: Decimal = ZERO
    acct_pay: Decimal = ZERO
    psn_cash_pay: Decimal = ZERO
    hosp_part_amt: Decimal = ZERO

    def add(self, row: dict[str, Any]) -> None:
        self.count += 1
        for k in SUMS:
            setattr(self, k, getattr(self, k) + _m(row.get(k)))

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, **{k: f"{getattr(self, k):.2f}" for k in SUMS}}


@dataclass
class ShiftReport:
    """One cashier's shift (or whole day): what the report shows and the close records."""

    operator: str
    day: str
    since: str  # '' = from the start of the day
    until: str
    settled: Totals = field(default_factory=Totals)        # 2207 settlements (not reversed), cancelled ones included
    cancelled: Totals = field(default_factory=Totals)      # 2208 cancellations (negative amounts)
    net: Totals = field(default_factory=Totals)            # settled + cancelled: what 3201 counts for this cashier
    reversed: int = 0                                      # reversed (2601): no money moved
    later_cancelled: int = 0                               # of the settled ones, cancelled since
    parked_settled: int = 0                                # settlements of parked bills (paid when parked)
    by_insutype: list[dict[str, Any]] = field(default_factory=list)
    by_place: list[dict[str, Any]] = field(default_factory=list)
    funds: list[dict[str, Any]] = field(default_factory=list)
    tenders: list[dict[str, Any]] = field(default_factory=list)
    untendered: list[dict[str, Any]] = field(default_factory=list)
    parked: list[dict[str, Any]] = field(default_factory=list)
    refunds_paid: list[dict[str, Any]] = field(default_factory=list)
    refunds_due: list[dict[str, Any]] = field(default_factory=list)
    cash_in: Decimal = ZERO
    cash_out: Decimal = ZERO
    cash_tendered: Decimal = ZERO
    change_given: Decimal = ZERO
    closes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def expected_cash(self) -> Decimal:
        return self.cash_in - self.cash_out

    @property
    def parked_total(self) -> Decimal:
        return sum((money(p["total"]) for p in self.parked), ZERO)

    @property
    def refunds_due_total(self) -> Decimal:
        return sum((money(r["refund_due"]) for r in self.refunds_due), ZERO)

    @property
    def empty(self) -> bool:
        return not (self.settled.count or self.cancelled.count or self.reversed or self.tenders or self.parked
                    or self.refunds_paid)

    def as_dict(self) -> dict[str, Any]:
        return {
            "operator": self.operator, "day": self.day, "since": self.since, "until": self.until,
            "settled": self.settled.as_dict(), "cancelled": self.cancelled.as_dict(), "net": self.net.as_dict(),
            "reversed": self.reversed, "later_cancelled": self.later_cancelled, "parked_settled": self.parked_settled,
            "by_insutype": self.by_insutype, "by_place": self.by_place, "funds": self.funds, "tenders": self.tenders,
            "untendered": self.untendered, "parked": self.parked, "parked_total": f"{self.parked_total:.2f}",
            "refunds_paid": self.refunds_paid, "refunds_due": self.refunds_due,
            "refunds_due_total": f"{self.refunds_due_total:.2f}", "cash_in": f"{self.cash_in:.2f}",
            "cash_out": f"{self.cash_out:.2f}", "cash_tendered": f"{self.cash_tendered:.2f}",
            "change_given": f"{self.change_given:.2f}", "expected_cash": f"{self.expected_cash:.2f}",
            "closes": self.closes, "empty": self.empty,
        }


class _Builder:
    """Builds one ShiftReport from the journal (the rows of the operator, the day and the window)."""

    def __init__(self, sdb: StoreDB, rep: ShiftReport):
        self.sdb, self.rep = sdb, rep
        self.window = "created > ? AND created <= ?"
        self.wargs = [rep.since or "", rep.until]

    def build(self) -> ShiftReport:
        rep = self.rep
        rows = self.sdb.rows(f"SELECT * FROM settlements WHERE operator=? AND day=? AND {self.window} "
                             "ORDER BY created, msgid", [rep.operator, rep.day, *self.wargs])
        tenders = self.sdb.rows(f"SELECT * FROM tenders WHERE operator=? AND day=? AND {self.window} ORDER BY id",
                                [rep.operator, rep.day, *self.wargs])
        keys_with_tender = {(t["kind"], t["msgid"] or "") for t in tenders} | \
            {(t["kind"], "setl:" + (t["setl_id"] or "")) for t in tenders if t["setl_id"]}
        counted = [r for r in rows if r["status"] != "reversed"]
        rep.reversed = len(rows) - len(counted)
        for r in counted:
            (rep.cancelled if r["kind"] == "cancel" else rep.settled).add(r)
            rep.net.add(r)
            if r["kind"] != "cancel" and r["status"] == "cancelled":
                rep.later_cancelled += 1
        rep.by_insutype = self._groups(counted, lambda r: self._insutype(r), insutype_name)
        rep.by_place = self._groups(counted, lambda r: r.get("clr_optins") or "", place_name)
        rep.funds = self._funds(counted)
        self._tenders(tenders)
        self._untendered(counted, keys_with_tender)
        self._parked(keys_with_tender)
        return rep

    # settlements ------------------------------------------------------------------------------------
    def _insutype(self, r: dict[str, Any]) -> str:
        if r.get("insutype"):
            return str(r["insutype"])
        if r.get("kind") == "cancel" and r.get("orig_setl_id"):
            o = self.sdb.one("SELECT insutype FROM settlements WHERE setl_id=? AND kind='settle'", [r["orig_setl_id"]])
            return str((o or {}).get("insutype") or "")
        return ""

    @staticmethod
    def _groups(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], str],
                name: Callable[[str], str]) -> list[dict[str, Any]]:
        g: dict[str, Totals] = {}
        for r in rows:
            g.setdefault(key(r), Totals()).add(r)
        return [{"code": k, "name": name(k), **t.as_dict()} for k, t in sorted(g.items())]

    @staticmethod
    def _funds(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """统筹 and the other funds (each that paid anything), 基金合计, 个人账户 (and 共济), 现金, 医院负担."""
        def total(k: str) -> Decimal:
            return sum((_m(r.get(k)) for r in rows), ZERO)

        out = [{"key": k, "name": n, "amount": f"{total(k):.2f}"} for k, n in FUND_FIELDS
               if k == "hifp_pay" or total(k)]
        out.append({"key": "fund_pay_sumamt", "name": "基金支付合计", "amount": f"{total('fund_pay_sumamt'):.2f}"})
        out.append({"key": "acct_pay", "name": "个人账户", "amount": f"{total('acct_pay'):.2f}"})
        if total("acct_mulaid_pay"):
            out.append({"key": "acct_mulaid_pay", "name": "个人账户共济", "amount": f"{total('acct_mulaid_pay'):.2f}"})
        out.append({"key": "psn_cash_pay", "name": "现金", "amount": f"{total('psn_cash_pay'):.2f}"})
        if total("hosp_part_amt"):
            out.append({"key": "hosp_part_amt", "name": "医院负担", "amount": f"{total('hosp_part_amt'):.2f}"})
        out.append({"key": "medfee_sumamt", "name": "医疗费总额", "amount": f"{total('medfee_sumamt'):.2f}"})
        return out

    # tenders and the drawer ---------------------------------------------------------------------------
    def _tenders(self, tenders: list[dict[str, Any]]) -> None:
        rep = self.rep
        by: dict[str, dict[str, Any]] = {}
        for t in tenders:
            m = t["method"] or "other"
            x = by.setdefault(m, {"method": m, "name": method_name(m), "pay_count": 0, "pay": ZERO,
                                  "refund_count": 0, "refund": ZERO})
            amt = _m(t["amount"])
            if t["kind"] == REFUND:
                x["refund_count"] += 1
                x["refund"] += amt
            else:
                x["pay_count"] += 1
                x["pay"] += amt
            if m == CASH:
                if t["kind"] == REFUND:
                    rep.cash_out += amt
                else:
                    rep.cash_in += amt
                    rep.cash_tendered += _m(t["tendered"]) if t["tendered"] not in (None, "") else amt
                    rep.change_given += _m(t["change"])
        order = list(METHODS)
        rep.tenders = [{**x, "pay": f"{x['pay']:.2f}", "refund": f"{x['refund']:.2f}",
                        "net": f"{x['pay'] - x['refund']:.2f}"}
                       for x in sorted(by.values(), key=lambda x: (order.index(x["method"])
                                                                   if x["method"] in order else 99, x["method"]))]

    def _untendered(self, rows: list[dict[str, Any]], tendered: set[tuple[str, str]]) -> None:
        """Settlements and cancellations with a cash share and no tender line: counted as cash."""
        rep = self.rep
        for r in rows:
            cash = _m(r.get("psn_cash_pay"))
            if not cash or r.get("park_id"):
                if r.get("park_id") and r["kind"] != "cancel":
                    rep.parked_settled += 1
                continue
            kind = REFUND if r["kind"] == "cancel" else PAY
            keys = {(kind, r["msgid"]), (kind, "setl:" + (r.get("setl_id") or ""))}
            if kind == REFUND and r.get("orig_setl_id"):
                keys.add((REFUND, "setl:" + r["orig_setl_id"]))
                orig = self.sdb.one("SELECT msgid FROM settlements WHERE setl_id=? AND kind='settle'",
                                    [r["orig_setl_id"]])
                if orig:
                    keys.add((REFUND, orig["msgid"]))
            if keys & tendered:
                continue
            rep.untendered.append({"msgid": r["msgid"], "setl_id": r.get("setl_id") or "", "kind": r["kind"],
                                   "psn_cash_pay": f"{cash:.2f}"})
            if cash > 0:
                rep.cash_in += cash
            else:
                rep.cash_out += -cash

    def _parked(self, tendered: set[tuple[str, str]]) -> None:
        rep = self.rep
        day_from = rep.since or rep.day  # created is "YYYY-MM-DD HH:MM:SS": the day's rows sort after "YYYY-MM-DD"
        for p in self.sdb.rows("SELECT * FROM parked WHERE operator=? AND created > ? AND created <= ? "
                               "AND substr(created,1,10)=? ORDER BY created, park_id",
                               [rep.operator, day_from, rep.until, rep.day]):
            counted = (PAY, p["park_id"]) not in tendered
            rep.parked.append({"park_id": p["park_id"], "created": p["created"], "state": p["state"],
                               "name_masked": p["name_masked"] or "", "total": p["total"],
                               "untendered": counted})
            if counted:
                rep.cash_in += _m(p["total"])
        for p in self.sdb.rows("SELECT * FROM parked WHERE refund_paid_by=? AND refund_paid_at > ? AND "
                               "refund_paid_at <= ? AND substr(refund_paid_at,1,10)=? ORDER BY refund_paid_at",
                               [rep.operator, day_from, rep.until, rep.day]):
            counted = (REFUND, p["park_id"]) not in tendered
            rep.refunds_paid.append({"park_id": p["park_id"], "paid_at": p["refund_paid_at"],
                                     "refund_due": p["refund_due"] or "0.00", "untendered": counted})
            if counted:
                rep.cash_out += _m(p["refund_due"])
        for p in self.sdb.rows("SELECT * FROM parked WHERE operator=? AND state='settled' AND refund_paid_at IS NULL "
                               "ORDER BY settled_at, park_id", [rep.operator]):
            rep.refunds_due.append({"park_id": p["park_id"], "name_masked": p["name_masked"] or "",
                                    "setl_id": p["setl_id"] or "", "total": p["total"],
                                    "refund_due": p["refund_due"] or "0.00", "settled_at": p["settled_at"] or ""})


class Shifts:
    """The shift reports and closes of one journal (``store.shifts``)."""

    def __init__(self, sdb: StoreDB):
        self.sdb = sdb

    def last_close(self, operator: str, day: str) -> dict[str, Any] | None:
        return self.sdb.one("SELECT * FROM shifts WHERE kind='shift' AND operator=? AND day=? ORDER BY closed DESC, "
                            "id DESC LIMIT 1", [operator, day])

    def closes(self, day: str, operator: str | None = None, kind: str = "shift") -> list[dict[str, Any]]:
        sql, args = "SELECT id, operator, day, opened, closed, closed_by, kind, counted_cash, note FROM shifts " \
                    "WHERE kind=? AND day=?", [kind, day]
        if operator is not None:
            sql += " AND operator=?"
            args.append(operator)
        return self.sdb.rows(sql + " ORDER BY closed, id", args)

    def report(self, operator: str, day: str | None = None, *, whole_day: bool = False,
               until: str | None = None) -> ShiftReport:
        """The open shift of ``operator`` on ``day`` (since the last close that day), or the whole day."""
        day = day or today()
        until = until or (now_text() if day == today() else f"{day} 23:59:59")
        last = None if whole_day else self.last_close(operator, day)
        rep = ShiftReport(operator=operator, day=day, since=(last or {}).get("closed") or "", until=until)
        _Builder(self.sdb, rep).build()
        rep.closes = self.closes(day, operator)
        return rep

    def operators(self, day: str) -> list[str]:
        """Every operator with work on ``day``: settlements, tenders, parked bills, refunds paid, closes."""
        rows = self.sdb.rows(
            "SELECT operator FROM settlements WHERE day=:d UNION SELECT operator FROM tenders WHERE day=:d "
            "UNION SELECT operator FROM parked WHERE substr(created,1,10)=:d UNION SELECT refund_paid_by FROM parked "
            "WHERE substr(refund_paid_at,1,10)=:d UNION SELECT operator FROM shifts WHERE kind='shift' AND day=:d",
            {"d": day})
        return sorted({r["operator"] for r in rows if r["operator"]})

    def close(self, operator: str, day: str | None = None, *, closed_by: str = "", counted_cash: Any = None,
              note: str = "") -> dict[str, Any]:
        """Sign off the open shift of ``operator``: the report is computed and stored with the counted cash
        (refused with the field named when it is no amount). Returns the stored close with its report."""
        counted = None
        if counted_cash not in (None, ""):
            counted = parse_amount(str(counted_cash).strip(), field="counted_cash", label="实点现金")
        with self.sdb.tx() as db:  # the report and the close in one transaction: no row slips between them
            rep = self.report(operator, day, until=now_text())
            diff = (counted - rep.expected_cash) if counted is not None else None
            body = rep.as_dict() | {"counted_cash": f"{counted:.2f}" if counted is not None else "",
                                    "difference": f"{diff:.2f}" if diff is not None else ""}
            opened = rep.since or self._first_activity(rep) or rep.until
            cur = db.execute("INSERT INTO shifts (operator, day, opened, closed, closed_by, kind, report, "
                             "counted_cash, note) VALUES (?,?,?,?,?,?,?,?,?)",
                             [operator, rep.day, opened, rep.until, closed_by or operator, "shift",
                              json.dumps(body, ensure_ascii=False), body["counted_cash"] or None, note or None])
            sid = cur.lastrowid
        return {"id": sid, "operator": operator, "day": rep.day, "opened": opened, "closed": rep.until,
                "closed_by": closed_by or operator, "counted_cash": body["counted_cash"], "difference":
                body["difference"], "report": body}

    def _first_activity(self, rep: ShiftReport) -> str:
        r = self.sdb.one("SELECT MIN(c) AS c FROM (SELECT MIN(created) AS c FROM settlements WHERE operator=:o AND "
                         "day=:d UNION ALL SELECT MIN(created) FROM tenders WHERE operator=:o AND day=:d UNION ALL "
                         "SELECT MIN(created) FROM parked WHERE operator=:o AND substr(created,1,10)=:d)",
                         {"o": rep.operator, "d": rep.day})
        return (r or {}).get("c") or ""

    def stored(self, close_id: int) -> dict[str, Any]:
        row = self.sdb.one("SELECT * FROM shifts WHERE id=?", [close_id])
        if row is None:
            raise ShiftError(f"没有交班记录 {close_id}")
        return dict(row, report=json.loads(row["report"] or "{}"))

    # the supervisor's day close ----------------------------------------------------------------------
    def day_close(self, reconcile: Any, day: str | None = None, *, supervisor: str = "",
                  record: bool = True) -> dict[str, Any]:
        """Every cashier's whole day beside the 3201 verdict: ``reconcile(day)`` runs the reconciliation
        (Store.reconcile with a client) and returns its ReconcileReport. Recorded as a close of kind 'day'."""
        day = day or today()
        cashiers = [self.report(op, day, whole_day=True) for op in self.operators(day)]
        total = Totals()
        for c in cashiers:
            for k in SUMS:
                setattr(total, k, getattr(total, k) + getattr(c.net, k))
            total.count += c.net.count
        verdict = reconcile(day)
        groups = [{"insutype": g.insutype, "insutype_name": insutype_name(g.insutype), "clr_type": g.clr_type,
                   "clr_type_name": clr_type_name(g.clr_type), "setl_optins": g.setl_optins,
                   "place_name": place_name(g.setl_optins), "count": g.count,
                   "medfee_sumamt": f"{g.medfee_sumamt:.2f}", "fund_pay_sumamt": f"{g.fund_pay_sumamt:.2f}",
                   "acct_pay": f"{g.acct_pay:.2f}", "state": g.state, "state_name": VERDICTS.get(g.state, g.state),
                   "stmt_rslt_dscr": g.stmt_rslt_dscr} for g in verdict.groups]
        body: dict[str, Any] = {"day": day, "supervisor": supervisor, "cashiers": [_signed(c) for c in cashiers],
                "total": total.as_dict(), "expected_cash": f"{sum((c.expected_cash for c in cashiers), ZERO):.2f}",
                "reconcile": {"balanced": verdict.balanced, "summary": verdict.summary, "groups": groups,
                              "open_messages": len(verdict.open_messages)}}
        if record:
            now = now_text()
            with self.sdb.tx() as db:
                cur = db.execute("INSERT INTO shifts (operator, day, opened, closed, closed_by, kind, report) "
                                 "VALUES (?,?,?,?,?,?,?)", ["*", day, f"{day} 00:00:00", now, supervisor, "day",
                                                            json.dumps(body, ensure_ascii=False)])
                body["id"] = cur.lastrowid
        return body


def _signed(c: ShiftReport) -> dict[str, Any]:
    """A cashier's whole day with their sign-offs: how many closes, the cash they counted at them and the
    difference to the day's expected cash ('' when they never counted)."""
    d = c.as_dict()
    counted = [money(x["counted_cash"]) for x in c.closes if x.get("counted_cash")]
    d["closed_count"] = len(c.closes)
    d["counted_cash"] = f"{sum(counted, ZERO):.2f}" if counted else ""
    d["difference"] = f"{sum(counted, ZERO) - c.expected_cash:.2f}" if counted else ""
    return d


#: 3201 verdicts in the cashier's words
VERDICTS = {"balanced": "平", "mismatch": "不平", "refused": "平台拒绝", "queued": "已排队（平台离线）", "": "未对账"}
