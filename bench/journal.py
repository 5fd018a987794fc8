"""Journal write latency with synchronous=FULL (WAL): what every platform message costs before it is sent.

    .venv/bin/python bench/journal.py [--n 300] [--dir DIR]

Measures, on the disk holding DIR (default: a temporary directory), the durable ``before_send`` write
(insert, fsync) and a whole message cycle (before_send + sent mark + answer with the day's settlement row),
and prints median and p95 in milliseconds.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from terminal.backend.client import Answer, Message  # noqa: E402
from terminal.backend.msgid import MsgIdGenerator  # noqa: E402
from terminal.store import Store  # noqa: E402


def envelope(msgid: str) -> dict:
    return {"infno": "2207", "msgid": msgid, "mdtrtarea_admvs": "450100", "insuplc_admdvs": "460100",
            "opter": "0001", "opter_name": "收费员", "inf_time": "2026-01-01 10:00:00", "sign_no": "S1",
            "fixmedins_code": "H45010000001", "input": {"data": {
                "psn_no": "46010000000000000001", "mdtrt_cert_type": "02", "mdtrt_cert_no": "460100194603120132",
                "med_type": "11", "medfee_sumamt": Decimal("53.40"), "mdtrt_id": "M1", "chrg_bchno": "B1",
                "insutype": "310", "psn_name": "符大海"}}}


def answer(msgid: str, n: int) -> Answer:
    amounts = {"medfee_sumamt": Decimal("53.40"), "fund_pay_sumamt": Decimal("40.00"), "psn_part_amt": Decimal("13.40"),
               "acct_pay": Decimal("10.00"), "psn_cash_pay": Decimal("3.40"), "inscp_scp_amt": Decimal("53.40")}
    setl = {"setl_id": f"S{n:08d}", "mdtrt_id": "M1", "psn_no": "46010000000000000001", "psn_name": "符大海",
            "insutype": "310", "clr_type": "11", "clr_optins": "460100", "setl_time": "2026-01-01 10:00:01",
            **amounts}
    return Answer(infno="2207", msgid=msgid, output={"setlinfo": setl, "setldetail": []},
                  raw={"infcode": 0, "output": {"setlinfo": setl}})


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--dir", default="")
    a = ap.parse_args()
    d = Path(a.dir) if a.dir else Path(tempfile.mkdtemp(prefix="yibao-bench-"))
    store = Store(d / "journal.sqlite")
    sync = store.sdb.conn.execute("PRAGMA synchronous").fetchone()[0]
    mode = store.sdb.conn.execute("PRAGMA journal_mode").fetchone()[0]
    gen = MsgIdGenerator("H45010000001")
    j = store.journal
    before, cycle = [], []
    for n in range(a.n):
        msgid = gen.next()
        msg = Message(infno="2207", msgid=msgid, envelope=envelope(msgid), url="http://127.0.0.1/x")
        t0 = time.perf_counter()
        j.before_send(msg)
        t1 = time.perf_counter()
        with store.sdb.tx() as db:  # what the response hook does (the 'sent' mark)
            db.execute("UPDATE messages SET state='sent', sent=1 WHERE msgid=?", [msgid])
        j.after_answer(msg, answer(msgid, n))
        t2 = time.perf_counter()
        before.append((t1 - t0) * 1000)
        cycle.append((t2 - t0) * 1000)
    print(f"journal {d / 'journal.sqlite'}  journal_mode={mode} synchronous={sync} (2 = FULL)  n={a.n}")
    print(f"before_send (durable pending write): median {statistics.median(before):.2f} ms, "
          f"p95 {pct(before, 95):.2f} ms")
    print(f"message cycle (pending + sent + answer/settlement): median {statistics.median(cycle):.2f} ms, "
          f"p95 {pct(cycle, 95):.2f} ms")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
