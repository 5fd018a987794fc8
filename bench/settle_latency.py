"""Benchmark: a full outpatient settle (1101, 2201, 2203, 2204, 2206, 2207) against the sandbox over HTTP.

Prints the median and p95 wall time of a full settle and the client's own overhead beyond the sum of the
HTTP round trips (envelope building, JSON, Decimal parsing, identity checks). Target: overhead < 10%.
Run: .venv/bin/python bench/settle_latency.py [--n 100]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drivers.virtual.profiles import load_persons  # noqa: E402
from terminal import config as config_mod  # noqa: E402
from _sandbox import sandbox_process  # noqa: E402
from terminal.backend.client import client_from_config  # noqa: E402
from terminal.core import wire  # noqa: E402
from terminal.core.models import Bill, Credential  # noqa: E402
from terminal.logsetup import setup_logging  # noqa: E402
from terminal.service import SettlementService  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--no-log", action="store_true", help="without the production file log")
    args = ap.parse_args()
    persons = load_persons()  # the sandbox persons by key
    bill = Bill.from_dict(wire.loads((ROOT / "resources/bills/outpatient-nanning.json").read_text("utf-8")))
    with tempfile.TemporaryDirectory() as tmp:
        # The sandbox runs in its own process, as the platform would: in-process it would compete for the GIL
        # and its work would be counted as the client's.
        sandbox = sandbox_process(Path(tmp) / "sb.sqlite")
        url = sandbox.__enter__()
        cfg = config_mod.Config()
        cfg.store.dir = tmp
        cfg.log.dir = tmp
        if not args.no_log:
            setup_logging(Path(tmp), "INFO")  # production logging (masked, rotating file) is part of the cost
        client = client_from_config(cfg, url, msgid_state=Path(tmp) / "msgid")
        svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs)
        svc.ensure_signed_in()
        cred = Credential("02", persons["hainan-retiree"]["certno"])
        totals, overheads, abs_over = [], [], []
        for i in range(args.n + 5):
            client.http_total = 0.0
            t0 = time.perf_counter()
            person = svc.identify(cred)
            visit = svc.open_visit(cred, person, bill)
            svc.preview(visit)
            svc.settle(visit)
            dt = time.perf_counter() - t0
            if i >= 5:  # warm-up
                totals.append(dt)
                overheads.append((dt - client.http_total) / dt)
                abs_over.append(dt - client.http_total)
        totals.sort()
        p95 = totals[int(len(totals) * 0.95) - 1]
        print(f"full settle (6 messages: 1101 2201 2203 2204 2206 2207) over HTTP, n={args.n}")
        print(f"  median {statistics.median(totals) * 1000:.1f} ms   p95 {p95 * 1000:.1f} ms")
        print(f"  client overhead beyond HTTP round trips: median {statistics.median(overheads) * 100:.1f}% "
              f"({statistics.median(abs_over) * 1000:.2f} ms per settle) "
              f"(target < 10%)")
        # The same conversation with the platform's answers replayed in-process (no network, no platform):
        # the client's own CPU per settle, without the cache and scheduling effects of waiting on a socket.
        answers: dict[bytes, object] = {}
        real_post = client.session.post

        def record(url, data=None, **kw):
            r = real_post(url, data=data, **kw)
            answers[_infno(data)] = r
            return r

        client.session.post = record
        _settle(svc, cred, bill)
        client.session.post = lambda url, data=None, **kw: answers[_infno(data)]
        cpu = []
        for _ in range(max(args.n, 200)):
            t0 = time.perf_counter()
            _settle(svc, cred, bill)
            cpu.append(time.perf_counter() - t0)
        med_cpu = statistics.median(cpu)
        print(f"  client CPU per settle with the answers replayed (no network): median {med_cpu * 1000:.2f} ms "
              f"= {med_cpu / statistics.median(totals) * 100:.1f}% of the median settle")
        client.close()
        sandbox.__exit__(None, None, None)


def _infno(body: bytes) -> bytes:
    i = body.index(b'"infno":"') + 9
    return body[i:i + 4]


def _settle(svc, cred, bill) -> None:
    person = svc.identify(cred)
    visit = svc.open_visit(cred, person, bill)
    svc.preview(visit)
    svc.settle(visit)



if __name__ == "__main__":
    main()
