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
from bench._figures import Figure, median, show  # noqa: E402
from bench._sandbox import sandbox_process  # noqa: E402
from terminal.backend.client import client_from_config  # noqa: E402
from terminal.core import wire  # noqa: E402
from terminal.core.models import Bill, Credential  # noqa: E402
from terminal.logsetup import setup_logging  # noqa: E402
from terminal.services.outpatient import SettlementService  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--no-log", action="store_true", help="without the production file log")
    ap.add_argument("--figures", action="store_true", help="only the figure lines (as bench/all.py prints them)")
    args = ap.parse_args()
    if args.figures:
        show(figures(quick=args.n <= 100))
        return
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


def figures(quick: bool = True) -> list[Figure]:
    """Client overhead above the raw round trips of a full settle, the peer measured in the same run: the same six
    requests (the bodies this client sent, each with a fresh msgid so the platform processes it instead of
    replaying a stored answer) posted by a bare requests.Session with the bodies prepared before the clock starts.
    Client and peer alternate, so both see the same machine load; medians over n runs, wall and CPU time."""
    import requests

    n = 60 if quick else 300
    persons = load_persons()
    bill = Bill.from_dict(wire.loads((ROOT / "resources/bills/outpatient-nanning.json").read_text("utf-8")))
    with tempfile.TemporaryDirectory() as tmp, sandbox_process(Path(tmp) / "sb.sqlite") as url:
        cfg = config_mod.Config()
        cfg.store.dir = tmp
        cfg.log.dir = tmp
        setup_logging(Path(tmp), "INFO")  # production logging (masked, rotating file) is part of the cost
        client = client_from_config(cfg, url, msgid_state=Path(tmp) / "msgid")
        svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs)
        svc.ensure_signed_in()
        cred = Credential("02", persons["hainan-retiree"]["certno"])
        sent: list[tuple[str, bytes]] = []
        real_post = client.session.post

        def record(u, data=None, **kw):
            sent.append((u, data))
            return real_post(u, data=data, **kw)

        client.session.post = record
        bare = requests.Session()
        bare.trust_env = False
        bare.headers.update({"Content-Type": "application/json;charset=utf-8", "Accept": "application/json"})
        walls, cpus, bare_walls, bare_cpus, inner = [], [], [], [], []
        refused = 0  # answers to the bare peer that were not infcode 0 (it must do the same work)
        for i in range(n + 5):
            sent.clear()
            client.http_total = 0.0
            c0, t0 = time.process_time(), time.perf_counter()
            _settle(svc, cred, bill)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            bodies = [(u, _fresh_msgid(b, client.msgids.next())) for u, b in sent]
            old_mdtrt = _field(bodies[2][1], b"mdtrt_id")  # 2203 carries the visit 2201 opened
            c1, t1 = time.process_time(), time.perf_counter()
            mdtrt, answers = None, []
            for u, b in bodies:
                if mdtrt is not None:
                    b = b.replace(old_mdtrt, mdtrt)  # the visit this run's 2201 opened, as the platform answered
                r = bare.post(u, data=b, timeout=30)
                answers.append(r.content)
                if mdtrt is None and b'"infno":"2201"' in b:
                    mdtrt = _field(r.content, b"mdtrt_id")
            bt, bc = time.perf_counter() - t1, time.process_time() - c1
            refused += sum(1 for a in answers if _field_num(a, b"infcode") != b"0")
            if i >= 5:  # warm-up
                walls.append(dt)
                cpus.append(dc)
                bare_walls.append(bt)
                bare_cpus.append(bc)
                inner.append((dt - client.http_total) / dt)
        bare.close()
        client.close()
    assert len(sent) == 6, [b[:40] for _, b in sent]
    if refused:
        raise RuntimeError(f"the bare peer got {refused} refusals: it did not do the same work")
    wall, bwall = median(walls), median(bare_walls)
    cpu, bcpu = median(cpus), median(bare_cpus)
    over_cpu = (cpu - bcpu) / wall * 100  # the client's own CPU beyond the bare session's, per settle wall time
    over_wall = (wall - bwall) / wall * 100
    return [
        Figure("full settle over HTTP (6 messages), median wall", wall * 1000, "ms",
               peer_name="bare requests.Session, same 6 bodies", peer_value=bwall * 1000, note=f"n={n}"),
        Figure("client CPU per full settle, median", cpu * 1000, "ms",
               peer_name="bare requests.Session", peer_value=bcpu * 1000),
        Figure("client overhead above raw round trips (CPU beyond the bare session / settle wall)", over_cpu, "%",
               target="< 10 %", ok=over_cpu < 10,
               note=f"wall difference {over_wall:.1f} %; within the client, outside its HTTP exchange "
                    f"{median(inner) * 100:.1f} %"),
    ]


def _field(body: bytes, name: bytes) -> bytes:
    """The raw value of the first "name":"value" in a JSON body (no parsing: the bare peer does none)."""
    i = body.index(b'"' + name + b'":"') + len(name) + 4
    return body[i:body.index(b'"', i)]


def _field_num(body: bytes, name: bytes) -> bytes:
    i = body.index(b'"' + name + b'":') + len(name) + 3
    j = i
    while body[j:j + 1] not in (b",", b"}", b""):
        j += 1
    return body[i:j].strip()


def _fresh_msgid(body: bytes, msgid: str) -> bytes:
    i = body.index(b'"msgid":"') + 9
    j = body.index(b'"', i)
    return body[:i] + msgid.encode() + body[j:]


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
