"""Benchmark: the client's time and size limits against a misbehaving platform (the sandbox in its own process).

1. A settle (1101 2201 2203 2204 2206 2207) whose 2207 answer drips one byte every 2 s, with
   backend.total_timeout = 5 and read_timeout = 90: wall time until the cashier is told (uncertain, reversed
   with 2601). Before the deadline existed each byte restarted the 90 s read timeout, so the settle waited
   for the whole answer (its length x 2 s).
2. A 50 MB answer to 1101, with Content-Length and chunked: time to refusal and the client's peak memory
   (tracemalloc peak; and the growth of the process's max RSS).
Run: .venv/bin/python bench/transport_limits.py [--interval 2] [--deadline 5] [--mb 50]
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drivers.virtual.profiles import load_persons  # noqa: E402
from _sandbox import sandbox_process  # noqa: E402
from terminal import config as config_mod  # noqa: E402
from terminal.backend.client import client_from_config  # noqa: E402
from terminal.backend.errors import TransportError  # noqa: E402
from terminal.core import wire  # noqa: E402
from terminal.core.models import Bill, Credential  # noqa: E402
from terminal.services.errors import UncertainSettlement  # noqa: E402
from terminal.services.outpatient import SettlementService  # noqa: E402


def arm(url: str, **spec) -> None:
    requests.post(url + "/sandbox/faults", json=spec, timeout=5).raise_for_status()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--interval", type=float, default=2.0, help="seconds between two dripped bytes")
    ap.add_argument("--deadline", type=float, default=5.0, help="backend.total_timeout")
    ap.add_argument("--mb", type=float, default=50.0, help="size of the huge answer")
    args = ap.parse_args()
    persons = load_persons()
    bill = Bill.from_dict(wire.loads((ROOT / "resources/bills/outpatient-nanning.json").read_text("utf-8")))
    cred = Credential("02", persons["hainan-retiree"]["certno"])
    with tempfile.TemporaryDirectory() as tmp, sandbox_process(Path(tmp) / "sb.sqlite") as url:
        cfg = config_mod.Config()
        cfg.store.dir = cfg.log.dir = tmp
        cfg.backend.read_timeout, cfg.backend.total_timeout = 90.0, args.deadline
        client = client_from_config(cfg, url, msgid_state=Path(tmp) / "msgid")
        svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs)
        svc.ensure_signed_in()

        arm(url, kind="drip", infno="2207", interval=args.interval)
        t0 = time.monotonic()
        person = svc.identify(cred)
        visit = svc.open_visit(cred, person, bill)
        svc.preview(visit)
        t_settle = time.monotonic()
        try:
            svc.settle(visit)
            print("drip: the settle unexpectedly succeeded")
        except UncertainSettlement as e:
            told = time.monotonic()
            print(f"drip 1 byte / {args.interval:g} s on 2207, total_timeout {args.deadline:g} s, read_timeout 90 s:")
            print(f"  2207 (+ its 2601 reversal) until the cashier is told: {told - t_settle:.2f} s "
                  f"({e.cause.cause}; reversed: {e.reversed_ok})")
            print(f"  whole settle (1101 2201 2203 2204 2206 2207 2601): {told - t0:.2f} s")
        # the 2207 answer's length: what a per-read timeout alone would have waited for
        lengths = []
        client.session.hooks["response"].append(lambda r, *a, **k: lengths.append(int(r.headers["Content-Length"])))
        svc.preview(visit)
        svc.settle(visit)
        client.session.hooks["response"].clear()
        print(f"  without a total deadline: the {lengths[-1]}-byte 2207 answer dripped whole = "
              f"{lengths[-1] * args.interval / 60:.0f} min")

        for chunked in (False, True):
            arm(url, kind="huge", infno="1101", size_mb=args.mb, chunked=chunked)
            rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()
            t0 = time.monotonic()
            try:
                svc.identify(cred)
                print("huge: unexpectedly accepted")
            except TransportError as e:
                dt = time.monotonic() - t0
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0
                how = "chunked, no Content-Length" if chunked else "with Content-Length"
                print(f"{args.mb:g} MB answer ({how}), cap {cfg.backend.max_answer_bytes // 1024 // 1024} MiB: "
                      f"refused ({e.cause}) in {dt * 1000:.0f} ms, peak traced memory {peak / 1e6:.1f} MB, "
                      f"max RSS growth {rss / 1024:.1f} MB")
        client.close()


if __name__ == "__main__":
    main()
