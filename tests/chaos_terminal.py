"""One terminal process for the multi-process tests: opens the shared store, recovers (as the app and every CLI
command do at start), then settles small bills for one person in a loop, forwarding the queue in between.

``python -m tests.chaos_terminal --journal J --url U --person KEY --seed S`` prints one line per event:
``START <token>``, ``RECOVERED <json>``, ``SETTLED <msgid> <setl_id>``, ``UNCERTAIN <msgid>``, ``FAILED <text>``.
The test kills it with SIGKILL at random moments and starts it again.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from tests.support import id_cred, make_client, make_config, small_bill



def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--journal", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--person", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--count", type=int, default=1000)
    a = p.parse_args(argv)

    from terminal.backend.errors import PlatformError
    from terminal.services.outpatient import SettlementService
    from terminal.store import Store

    rnd = random.Random(a.seed)
    journal = Path(a.journal)
    cfg = make_config(journal.parent, read_timeout=20.0, connect_timeout=2.0)
    store = Store(journal)
    print(f"START {store.token}", flush=True)
    client = make_client(cfg, a.url, journal.parent / "msgid.state")
    svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
    rep = store.recover(client)
    print("RECOVERED " + json.dumps({"uncertain": rep.uncertain, "live": rep.live, "requeued": rep.requeued},
                                    ensure_ascii=False), flush=True)
    worker = store.worker(client, svc)
    cred = id_cred(a.person)
    for _ in range(a.count):
        price = f"{rnd.randint(100, 9999) / 100:.2f}"  # a different bill each time
        try:
            person = svc.identify(cred)
            visit = svc.open_visit(cred, person, small_bill(price))
            svc.preview(visit)
            s = svc.settle(visit)
            print(f"SETTLED {visit.settle_msgid} {s.setl_id}", flush=True)
        except PlatformError as e:
            print(("UNCERTAIN " if e.outcome_unknown else "FAILED ") + f"{e.msgid} {e.user_message}", flush=True)
        try:
            worker.run_once(ignore_backoff=True)
        except PlatformError as e:
            print(f"QUEUE {e}", flush=True)
        time.sleep(rnd.uniform(0.0, 0.2))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
