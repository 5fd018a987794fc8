"""Benchmark: upload 2,000 inpatient fee lines (2301, batches of <= 500) and pre-settle (2303) against the sandbox.

The sandbox runs in its own process (as the platform would). The clock starts with 2,000 lines recorded in the
ward book and ends with the 2303 breakdown checked (identities, total): 4 x 2301 + 1 x 2303 over HTTP, the ward
book's writes, and, with --journal, the message journal (terminal.store) writing every message before it is sent.
Target: < 2 s. Run: .venv/bin/python bench/discharge.py [--lines 2000] [--rounds 3] [--journal]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drivers.virtual.profiles import load_persons  # noqa: E402
from terminal import config as config_mod  # noqa: E402
from _sandbox import sandbox_process  # noqa: E402
from terminal.backend.client import client_from_config  # noqa: E402
from terminal.core.inpatient import AdmissionForm  # noqa: E402
from terminal.core.models import Credential, FeeItem  # noqa: E402
from terminal.core.money import money  # noqa: E402
from terminal.services.inpatient import DischargeService  # noqa: E402
from terminal.store.wardbook import WardBook  # noqa: E402
from terminal.logsetup import setup_logging  # noqa: E402


def fee_items(n: int, seed: int = 7) -> list[FeeItem]:
    """n lines drawn from the Nanning sandbox catalogue (drugs, exams, consumables, bed, nursing) and a few
    items outside it; quantities 1-3 or halves."""
    catalogues = json.loads((ROOT / "terminal/sandbox/data/catalogue.json").read_text("utf-8"))["catalogues"]
    cat = catalogues["450100"]["items"]
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        if i % 50 == 49:
            out.append(FeeItem(f"NNZF{i:04d}", f"ZF{i:010d}", "目录外自费项目", Decimal("12.00"), Decimal(1)))
            continue
        it = rnd.choice(cat)
        qty = rnd.choice([Decimal(1), Decimal(2), Decimal(3), Decimal("0.5")])
        out.append(FeeItem(it["medins_list_codg"], it["med_list_codg"], it["name"], Decimal(it["pric"]), qty))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--journal", action="store_true", help="journal every message (terminal.store) as the app does")
    args = ap.parse_args()
    persons = load_persons()  # the sandbox persons by key
    keys = ["hainan-retiree", "chongqing-employee", "local"]  # filed for / insured in Guangxi: admitted in Nanning
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = sandbox_process(Path(tmp) / "sb.sqlite")
        url = sandbox.__enter__()
        try:
            cfg = config_mod.Config()
            cfg.store.dir = tmp
            cfg.log.dir = tmp
            setup_logging(Path(tmp), "INFO")
            store = None
            if args.journal:
                from terminal.store import Store

                store = Store(Path(tmp) / "journal.sqlite")
            client = client_from_config(cfg, url, observer=store.journal if store else None,
                                        msgid_state=Path(tmp) / "msgid")
            svc = DischargeService(client, treatment_admdvs=cfg.facility.admdvs,
                                   book=WardBook(Path(tmp) / "ipt.sqlite"), store=store)
            svc.base.ensure_signed_in()
            items = fee_items(args.lines)
            total = money(sum((i.amount for i in items), Decimal(0)))
            times, http = [], []
            for r in range(args.rounds):
                key = keys[r % len(keys)]
                cred = Credential("02", persons[key]["certno"])
                begn = (datetime.now() - timedelta(days=10)).strftime("%Y-%m-%d %H:%M:%S")
                st = svc.admit(cred, svc.identify(cred), AdmissionForm(dise_codg="H25.900", dise_name="老年性白内障",
                                                                       begntime=begn), deposit="10000")
                svc.add_fees(st.adm_no, items)
                client.http_total = 0.0
                t0 = time.perf_counter()
                rep = svc.upload_fees(st.adm_no)
                pv = svc.preview(st.adm_no)
                dt = time.perf_counter() - t0
                assert pv.settlement.medfee_sumamt == total and not pv.settlement.identity_errors()
                assert rep.lines == args.lines and pv.totals.unclassified == 0
                times.append(dt)
                http.append(client.http_total)
                print(f"  round {r + 1}: {rep.lines} lines in {rep.batches} messages + 2303: {dt * 1000:.0f} ms "
                      f"(HTTP incl. platform work {client.http_total * 1000:.0f} ms); medfee {total}, "
                      f"cash share {pv.settlement.psn_cash_pay}, {pv.reconciliation.text}")
                svc.settle(st.adm_no)  # out of hospital before the person is admitted again
            med = statistics.median(times)
            print(f"upload {args.lines} fee lines (2301 x {rep.batches}) + pre-settle (2303)"
                  f"{' with the journal' if store else ''}: median {med:.3f} s over {args.rounds} rounds "
                  f"(HTTP+platform {statistics.median(http):.3f} s) — target < 2 s: {'OK' if med < 2 else 'MISSED'}")
            client.close()
            if store:
                store.close()
        finally:
            sandbox.__exit__(None, None, None)



if __name__ == "__main__":
    main()
