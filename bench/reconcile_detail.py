"""A day of settlements reconciled in detail (3202): build and upload the file, 3202 per group, download and
parse the results. Target: 5,000 settlements in under 5 s.

    .venv/bin/python bench/reconcile_detail.py [--n 5000] [--diff 5] [--dir DIR]

The same bookings go into a real journal (rows inserted directly) and into the sandbox's ledger (its SQLite
file, before the sandbox process starts); ``--diff`` of them are then made to disagree (a cent off in the
journal) so the result files are not empty. Prints the time of the run and of its parts, and the file sizes.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._sandbox import sandbox_process
from terminal import config as config_mod
from terminal.backend.client import client_from_config
from terminal.core.models import SETL_AMOUNT_FIELDS
from terminal.sandbox.store import Store as SandboxStore
from terminal.store import Store

CODE = "H45010000001"
GROUPS = (("310", "11", "450100"), ("390", "11", "450100"), ("310", "11", "460100"), ("310", "14", "450100"))


def bookings(n: int, day: str) -> list[dict]:
    out = []
    for i in range(n):
        insutype, clr_type, optins = GROUPS[i % len(GROUPS)]
        total = Decimal(20 + i % 500) + Decimal(i % 100) / 100
        fund = (total * Decimal("0.6")).quantize(Decimal("0.01"))
        acct = (total * Decimal("0.1")).quantize(Decimal("0.01"))
        amounts = {k: Decimal("0.00") for k in SETL_AMOUNT_FIELDS}
        amounts.update(medfee_sumamt=total, fund_pay_sumamt=fund, acct_pay=acct, hifp_pay=fund,
                       psn_part_amt=total - fund, psn_cash_pay=total - fund - acct)
        out.append({"msgid": f"{CODE}{day.replace('-', '')}08{i // 10000 % 100:02d}{i // 100 % 100:02d}{i % 10000:04d}",
                    "setl_id": f"S{day.replace('-', '')}{i:08d}", "mdtrt_id": f"M{day.replace('-', '')}{i:08d}",
                    "psn_no": f"P{i % 997:011d}", "insutype": insutype, "clr_type": clr_type, "clr_optins": optins,
                    "amounts": amounts})
    return out


def fill_journal(store: Store, rows: list[dict], day: str) -> None:
    now = f"{day} 09:00:00"
    recs = [{"msgid": r["msgid"], "kind": "settle", "setl_id": r["setl_id"], "mdtrt_id": r["mdtrt_id"],
             "psn_no": r["psn_no"], "insutype": r["insutype"], "clr_type": r["clr_type"],
             "clr_optins": r["clr_optins"], "clr_way": "1", "setl_time": now, "day": day, "status": "settled",
             "created": now, "updated": now, **{k: f"{v:.2f}" for k, v in r["amounts"].items()}} for r in rows]
    with store.sdb.tx() as db:
        db["settlements"].insert_all(recs, batch_size=1000)


def fill_ledger(path: Path, rows: list[dict], day: str) -> None:
    sb = SandboxStore(path)  # creates the schema
    try:
        with sb.tx() as conn:
            conn.executemany(
                "INSERT INTO ledger (msgid, infno, setl_id, mdtrt_id, psn_no, insutype, fixmedins_code, med_type, "
                "clr_type, clr_way, clr_optins, benefit, year, setl_time, setl_date, status, amounts, setldetail, "
                "setlinfo) VALUES (?, '2207', ?, ?, ?, ?, ?, '11', ?, '1', ?, 'outpatient', ?, ?, ?, 'booked', ?, "
                "'[]', ?)",
                [(r["msgid"], r["setl_id"], r["mdtrt_id"], r["psn_no"], r["insutype"], CODE, r["clr_type"],
                  r["clr_optins"], int(day[:4]), f"{day} 09:00:00", day,
                  json.dumps({**{k: str(v) for k, v in r["amounts"].items()}, "usage": ["0", "0", "0"],
                              "fee_ids": []}),
                  json.dumps({"setl_id": r["setl_id"], "mdtrt_id": r["mdtrt_id"], "psn_no": r["psn_no"],
                              "insutype": r["insutype"], "clr_type": r["clr_type"], "clr_optins": r["clr_optins"],
                              **{k: str(v) for k, v in r["amounts"].items()}}))
                 for r in rows])
    finally:
        sb.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--diff", type=int, default=5, help="settlements made to disagree (a cent off in the journal)")
    ap.add_argument("--dir")
    a = ap.parse_args()
    base = Path(a.dir or tempfile.mkdtemp(prefix="bench-recon-"))
    day = datetime.now().strftime("%Y-%m-%d")
    rows = bookings(a.n, day)
    store = Store(base / "data" / "journal.sqlite")
    t = time.perf_counter()
    fill_journal(store, rows, day)
    fill_ledger(base / "sandbox.sqlite", rows, day)
    with store.sdb.tx() as db:
        for r in rows[:a.diff]:
            db.execute("UPDATE settlements SET medfee_sumamt=? WHERE msgid=?",
                       [f"{r['amounts']['medfee_sumamt'] - Decimal('0.01'):.2f}", r["msgid"]])
    print(f"prepared {a.n} settlements in the journal and the ledger in {time.perf_counter() - t:.2f} s")
    cfg = config_mod.Config()
    cfg.store.dir = str(base / "data")
    cfg.log.dir = str(base / "log")
    cfg.backend.read_timeout = 30.0
    with sandbox_process(base / "sandbox.sqlite") as url:
        client = client_from_config(cfg, url, observer=store.journal, msgid_state=base / "msgid.state")
        try:
            client.sign_in()
            t0 = time.perf_counter()
            rep = store.reconciler.reconcile_detail(client, day, operator="bench")
            elapsed = time.perf_counter() - t0
        finally:
            client.close()
    store.close()
    print(f"detail reconciliation of {rep.lines} settlements in {len(rep.groups)} groups: {elapsed:.2f} s "
          f"(target < 5 s: {'OK' if elapsed < 5 else 'SLOW'}; the run's own timer {rep.elapsed_ms} ms, "
          f"3201 included)")
    print(f"detail file {rep.filename}: {rep.file_bytes:,} bytes zipped; result files {rep.result_bytes:,} bytes "
          f"({len(rep.differences)} differences, {sum(1 for d in rep.differences if d.kind == 'amount')} amount)")
    for g in rep.groups:
        print(f"  {g.clr_type}/{g.setl_optins}: {g.count} settlements, {g.state}, result {g.result_bytes} bytes")
    ok = elapsed < 5 and len(rep.differences) == a.diff
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
