"""Journal write latency with synchronous=FULL (WAL): what every platform message costs before it is sent.

    .venv/bin/python bench/journal.py [--n 400] [--dir DIR] [--rounds 3]

Measures, on the disk holding DIR (default: a temporary directory), through the real code paths:

* the durable ``before_send`` write of a 2207 (duplicate guard with a bill_no, insert, commit + fsync);
* a whole 2207 message cycle: ``before_send``, the response hook (the 'sent' mark), ``after_answer`` (answer and
  the day's settlement row) and ``Store.settlement_shown`` — what the service does per settlement;
* the peer, in the same run and on the same disk, interleaved with the above: a bare sqlite3 insert of a row of
  the same size and commit, with the same pragmas (WAL, synchronous=FULL).

It also counts the commits of one cycle, and how many of them are fsynced (synchronous=FULL at the commit).
Wall time (perf_counter) in ms; the p99 of several rounds is their median.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._figures import Figure, median, pct, show
from terminal.backend.client import Answer, Message
from terminal.backend.msgid import MsgIdGenerator
from terminal.core import wire
from terminal.store import Store

TARGET_P99_MS = 5.0


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


class _Req:
    def __init__(self, body: bytes):
        self.body = body


class _Resp:
    """What the requests response hook looks at: the request body (msgid, infno)."""

    def __init__(self, env: dict):
        self.request = _Req(wire.dumps(env).encode())


class CommitCounter:
    """Counts COMMITs on a connection, and those made with synchronous=FULL (fsynced)."""

    def __init__(self, conn: sqlite3.Connection):
        self.commits = self.light = 0
        self._light_mode = False
        conn.set_trace_callback(self._trace)

    def _trace(self, sql: str) -> None:
        s = sql.strip().upper()
        if s.startswith("PRAGMA SYNCHRONOUS="):
            self._light_mode = not s.endswith("FULL") and not s.endswith("2")
        elif s.startswith("COMMIT"):
            self.commits += 1
            self.light += self._light_mode

    def reset(self) -> None:
        self.commits = self.light = 0


def _peer_db(path: Path) -> sqlite3.Connection:
    c = sqlite3.connect(str(path), isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=FULL")
    c.execute("CREATE TABLE IF NOT EXISTS m (msgid TEXT PRIMARY KEY, request TEXT)")
    return c


def run(n: int, d: Path) -> dict:
    """One round of n messages in a fresh journal under d. Returns the lists of timings (ms) and commit counts."""
    d.mkdir(parents=True, exist_ok=True)
    store = Store(d / "journal.sqlite")
    peer = _peer_db(d / "peer.sqlite")
    counter = CommitCounter(store.sdb.conn)
    gen = MsgIdGenerator("H45010000001")
    j = store.journal
    before, cycle, bare, commits, fsynced = [], [], [], [], []
    try:
        for i in range(n):
            msgid = gen.next()
            env = envelope(msgid)
            msg = Message(infno="2207", msgid=msgid, envelope=env, url="http://127.0.0.1/x")
            resp = _Resp(env)
            ans = answer(msgid, i)
            body = wire.dumps(env)
            t0 = time.perf_counter()
            peer.execute("BEGIN IMMEDIATE")
            peer.execute("INSERT INTO m VALUES (?, ?)", [msgid, body])
            peer.execute("COMMIT")
            t1 = time.perf_counter()
            counter.reset()
            with j.tagged(bill_no=f"MZ-{i:06d}", bill_digest=f"D{i:06d}"):
                t2 = time.perf_counter()
                j.before_send(msg)
                t3 = time.perf_counter()
                j._on_response(resp)
                j.after_answer(msg, ans)
            store.settlement_shown(msgid)
            t4 = time.perf_counter()
            bare.append((t1 - t0) * 1000)
            before.append((t3 - t2) * 1000)
            cycle.append((t4 - t2) * 1000)
            commits.append(counter.commits)
            fsynced.append(counter.commits - counter.light)
    finally:
        store.sdb.conn.set_trace_callback(None)
        store.close()
        peer.close()
    return {"before": before, "cycle": cycle, "bare": bare, "commits": commits, "fsynced": fsynced}


def figures(quick: bool = True, *, n: int | None = None, rounds: int | None = None,
            directory: Path | None = None) -> list[Figure]:
    n = n or (300 if quick else 1000)
    rounds = rounds or 3
    with tempfile.TemporaryDirectory(prefix="yibao-bench-journal-", dir=directory) as tmp:
        res = [run(n, Path(tmp) / f"r{r}") for r in range(rounds)]

    def m(key: str, q: float) -> float:
        return median(pct(r[key], q) for r in res)

    commits = median(median(r["commits"]) for r in res)
    fsynced = median(median(r["fsynced"]) for r in res)
    peer = "bare sqlite3 insert+commit, WAL+FULL"
    note = f"{rounds}x{n} msgs, median of rounds, wall time"
    return [
        Figure("journal write per message (before_send) p50", m("before", 50), "ms", peer_name=peer,
               peer_value=m("bare", 50), note=note),
        Figure("journal write per message (before_send) p99", m("before", 99), "ms", target=f"< {TARGET_P99_MS:g} ms",
               ok=m("before", 99) < TARGET_P99_MS, peer_name=peer, peer_value=m("bare", 99), note=note),
        Figure("journal 2207 message cycle p50", m("cycle", 50), "ms", peer_name=peer, peer_value=m("bare", 50),
               note="before_send + sent mark + answer/settlement + settlement_shown"),
        Figure("journal 2207 message cycle p99", m("cycle", 99), "ms", peer_name=peer, peer_value=m("bare", 99),
               note=note),
        Figure("journal commits per 2207 cycle", commits, "", peer_name="fsynced", peer_value=fsynced,
               note="peer column: how many of them are fsynced"),
    ]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default="", help="a directory on the disk to measure (default: the temp dir)")
    ap.add_argument("--full", action="store_true", help="1000 messages per round instead of 300")
    a = ap.parse_args()
    show(figures(quick=not a.full, n=a.n or None, rounds=a.rounds, directory=Path(a.dir) if a.dir else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
