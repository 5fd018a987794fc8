"""The store tests' settlement stack and journal-against-ledger check, and the settlement process the crash tests
kill (the helpers every folder shares are in tests/support).

``python -m tests.store_fixtures settle --journal J --url U --state S --person KEY`` runs one real
settlement (1101, 2201, 2203, 2204, 2206, 2207) against the platform at U, journaled in J, and prints
``SETTLED <msgid> <setl_id>`` or ``UNCERTAIN <msgid>`` / ``FAILED <message>`` / ``DUPLICATE <message>`` (the
duplicate-bill guard refused; ``--bill-no`` gives the bill a HIS charge number, ``--go-file`` lines several
processes up to send their 2207 at once). ``YIBAO_CRASH_AT`` kills it.
``python -m tests.store_fixtures park-settle ...`` recovers and drains the queue
(parked bills settled through the SettlementService), printing the outcomes.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from collections.abc import Iterator

from terminal.core.models import SETL_AMOUNT_FIELDS
from tests.support import card_cred, id_cred, make_client, make_config, small_bill


class ServiceEnv:
    """A sandbox on 127.0.0.1, a real journal, the terminal's client, service and queue worker (see service_env)."""


@contextmanager
def service_env(tmp_path: Path, *, read_timeout: float = 5.0, front=None, configure=None) -> Iterator[ServiceEnv]:
    """The settlement stack of one terminal against a fresh sandbox, closed in order afterwards.

    ``front(sandbox)`` may put something between the client and the sandbox (it returns an object with ``url``
    and ``stop()``, kept as ``e.front``); ``configure(cfg)`` adjusts the configuration before the client is made."""
    from terminal.sandbox.server import SandboxServer
    from terminal.services.outpatient import SettlementService
    from terminal.store import Store

    e = ServiceEnv()
    e.dir = tmp_path
    e.sandbox = SandboxServer(db_path=tmp_path / "sandbox.sqlite").start()
    e.front = front(e.sandbox) if front else None
    e.cfg = make_config(tmp_path / "data", read_timeout=read_timeout)
    if configure:
        configure(e.cfg)
    e.store = Store(tmp_path / "data" / "journal.sqlite")
    e.client = make_client(e.cfg, (e.front or e.sandbox).url, tmp_path / "msgid.state")
    e.svc = SettlementService(e.client, treatment_admdvs=e.cfg.facility.admdvs, store=e.store)
    e.worker = e.store.worker(e.client, e.svc, base_delay=0.05, max_delay=0.2)
    try:
        yield e
    finally:
        e.worker.stop()
        e.client.close()
        e.store.close()
        if e.front:
            e.front.stop()
        e.sandbox.stop()


def ledger_settlements(ledger: list[dict]) -> dict[str, dict]:
    """msgid -> ledger row of every 2207 the platform booked."""
    return {r["msgid"]: r for r in ledger if r["infno"] == "2207"}


def assert_journal_agrees_with_ledger(store, ledger):
    """Every booked 2207 is a settled row with the same amounts, and vice versa; reversed ones are reversed."""
    booked = ledger_settlements(ledger)
    rows = {r["msgid"]: r for r in store.settlements() if r["kind"] == "settle"}
    for msgid, lr in booked.items():
        if lr["status"] == "booked":
            jr = rows.get(msgid)
            assert jr is not None, f"booked {msgid} missing in the journal"
            assert jr["status"] == "settled" and jr["setl_id"] == lr["setl_id"]
            for k in SETL_AMOUNT_FIELDS:
                if k in lr:
                    assert Decimal(jr[k]) == Decimal(lr[k]), (msgid, k, jr[k], lr[k])
        elif lr["status"] == "reversed":
            m = store.message(msgid)
            assert m["resolution"] == "reversed", (msgid, m["state"], m["resolution"])
            if msgid in rows:
                assert rows[msgid]["status"] == "reversed"
    for msgid, jr in rows.items():
        if jr["status"] == "settled":
            assert msgid in booked and booked[msgid]["status"] == "booked", msgid
    # nothing booked twice for a visit
    per_visit = {}
    for lr in booked.values():
        if lr["status"] == "booked":
            per_visit[lr["mdtrt_id"]] = per_visit.get(lr["mdtrt_id"], 0) + 1
    assert all(n == 1 for n in per_visit.values()), per_visit



def _settle(args) -> int:
    from terminal.backend.errors import PlatformError
    from terminal.services.outpatient import SettlementService
    from terminal.store import Store
    from terminal.store.errors import DuplicateBill, DuplicateSuspected

    cfg = make_config(Path(args.journal).parent, read_timeout=args.read_timeout)
    store = Store(args.journal)
    client = make_client(cfg, args.url, Path(args.state))
    svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
    cred = card_cred(args.person) if args.card else id_cred(args.person)
    bill = small_bill(args.price)
    bill.bill_no = args.bill_no
    try:
        person = svc.identify(cred)
        visit = svc.open_visit(cred, person, bill)
        svc.preview(visit)
        if args.go_file:  # a start line: every process sends its 2207 at the same moment
            Path(args.go_file + f".ready-{os.getpid()}").touch()
            while not Path(args.go_file).exists():
                time.sleep(0.001)
        s = svc.settle(visit)
    except (DuplicateBill, DuplicateSuspected) as e:
        print(f"DUPLICATE {e.msgid} {e.user_message}", flush=True)
        return 4
    except PlatformError as e:
        print(("UNCERTAIN " if e.outcome_unknown else "FAILED ") + f"{e.msgid} {e.user_message}", flush=True)
        return 3 if e.outcome_unknown else 1
    print(f"SETTLED {visit.settle_msgid} {s.setl_id} {s.psn_cash_pay}", flush=True)
    return 0


def _park_settle(args) -> int:
    from terminal.services.outpatient import SettlementService
    from terminal.store import Store

    cfg = make_config(Path(args.journal).parent, read_timeout=args.read_timeout)
    store = Store(args.journal)
    client = make_client(cfg, args.url, Path(args.state))
    svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
    store.recover()
    out = store.worker(client, svc).drain(timeout=30)
    print("OUTCOMES " + json.dumps([o.as_dict() for o in out], ensure_ascii=False), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, fn in (("settle", _settle), ("park-settle", _park_settle)):
        s = sub.add_parser(name)
        s.add_argument("--journal", required=True)
        s.add_argument("--url", required=True)
        s.add_argument("--state", required=True)
        s.add_argument("--person", default="hainan-retiree")
        s.add_argument("--card", action="store_true")
        s.add_argument("--price", default="25.00")
        s.add_argument("--read-timeout", type=float, default=5.0)
        s.add_argument("--bill-no", default="", help="the bill's HIS charge number (settle)")
        s.add_argument("--go-file", default="", help="settle: write GO.ready-PID after the preview, then wait "
                                                      "for GO to exist before the 2207")
        s.set_defaults(func=fn)
    args = p.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
