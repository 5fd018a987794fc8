"""Queue replay rate against the sandbox: how fast the worker reverses uncertain settlements.

    .venv/bin/python bench/queue_replay.py [--n 150] [--rounds 1]

Setup (not timed): the sandbox platform runs in its own process; 2N outpatient settlements (2201, 2203, 2204,
2207) are booked there over HTTP. N of them are journaled through the Store API as uncertain 2207s with their
2601 reversals queued (``before_send`` of the real message, then the uncertain state and ``_ensure_reversal``
in one transaction: what the journal does when a 2207's answer is lost).

Timed: ``store.worker(client).drain()`` with a real PlatformClient (sign-in included) until the queue is empty:
reversals/s. Peer, in the same run: the other N reversals posted as prepared 2601 bodies over one bare
requests.Session (what the HTTP alone costs). Wall time; CPU time of this process and the journal's durable
commits per reversal printed alongside (the worker's group commit: a batch's claim with its 2601s journaled, and
its answers, two synchronous=FULL commits per batch of up to 16; ``--batch 1`` for one item at a time).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._figures import Figure, median, show  # noqa: E402
from bench._sandbox import sandbox_process  # noqa: E402
from terminal import config as config_mod  # noqa: E402
from terminal.backend.client import Message, client_from_config  # noqa: E402
from terminal.core import wire  # noqa: E402
from terminal.sandbox.testkit import SandboxClient  # noqa: E402
from terminal.store import Store  # noqa: E402
from terminal.store.db import now_text  # noqa: E402

TARGET = 200.0
PERSONS = ["hainan-retiree", "shanghai-employee", "sichuan-resident", "guizhou-resident"]
ITEMS = [("001102000010300", "25.00", 1)]  # 诊查费, known to the sandbox catalogue


def book(sb: SandboxClient, n: int) -> list[tuple[Message, str, str]]:
    """n settlements booked in the sandbox: (the 2207 message as sent, psn_no, insuplc)."""
    out = []
    for i in range(n):
        v = sb.open_visit(PERSONS[i % len(PERSONS)], ITEMS)
        env = sb.envelope("2207", {"data": sb.setl_input(v, invono="")}, v.insuplc)
        r = sb.post_env(env)
        a = wire.loads(r.content)
        if a.get("infcode") != 0:
            raise SystemExit(f"sandbox refused the 2207: {a.get('err_msg')}")
        out.append((Message(infno="2207", msgid=env["msgid"], envelope=env, url=sb.url_for("2207")), v.psn_no,
                    v.insuplc))
    return out


def journal_uncertain(store: Store, booked: list[tuple[Message, str, str]]) -> None:
    """Each 2207 journaled as sent without an answer: uncertain, its 2601 queued (one transaction)."""
    for msg, psn_no, insuplc in booked:
        store.journal.before_send(msg)
        with store.sdb.tx() as db:
            db.execute("UPDATE messages SET state='uncertain', sent=1, updated=?, err_kind='timeout', "
                       "err_msg='bench: answer lost' WHERE msgid=?", [now_text(), msg.msgid])
            store.queue._ensure_reversal(db, msg.msgid, "2207", psn_no, insuplc)


def peer_rate(sb: SandboxClient, booked: list[tuple[Message, str, str]]) -> float:
    """Bare 2601 posts with prepared bodies over one requests.Session: reversals/s."""
    sb.sign_in()
    bodies = [wire.dumps(sb.envelope("2601", {"data": {"psn_no": p, "omsgid": m.msgid, "oinfno": "2207"}}, ins)
                         ).encode("utf-8") for m, p, ins in booked]
    url, headers = sb.url_for("2601"), {"Content-Type": "application/json;charset=utf-8"}
    t0 = time.perf_counter()
    for b in bodies:
        r = sb.session.post(url, data=b, headers=headers, timeout=10)
        if b'"infcode":0' not in r.content.replace(b" ", b""):
            raise SystemExit(f"sandbox refused a bare 2601: {r.content[:200]!r}")
    return len(bodies) / (time.perf_counter() - t0)


def one_round(n: int, tmp: Path, url: str, batch: int = 16) -> dict:
    sb = SandboxClient(url)
    sb.sign_in()
    booked = book(sb, 2 * n)
    mine, theirs = booked[:n], booked[n:]
    cfg = config_mod.Config()
    cfg.store.dir = str(tmp)
    store = Store(tmp / "journal.sqlite")
    try:
        journal_uncertain(store, mine)
        peer = peer_rate(sb, theirs)
        client = client_from_config(cfg, url, msgid_state=tmp / "msgid")
        w = store.worker(client, batch=batch)
        commits, wrote = [0], [False]

        def trace(sql: str) -> None:  # a commit that wrote something (an empty one is not written to disk)
            if sql.startswith(("UPDATE", "INSERT", "DELETE")):
                wrote[0] = True
            elif sql.startswith("COMMIT"):
                commits[0] += wrote[0]
                wrote[0] = False

        store.sdb.conn.set_trace_callback(trace)
        c0, t0 = time.process_time(), time.perf_counter()
        outs = w.drain(timeout=300)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        store.sdb.conn.set_trace_callback(None)
        done = [o for o in outs if o.kind == "reversal" and o.state == "done" and o.resolution == "reversed"]
        left = store.queue.items(("queued", "working", "failed"))
        if len(done) != n or left:
            raise SystemExit(f"replay incomplete: {len(done)}/{n} reversed, {len(left)} left; "
                             f"{[o.message for o in outs if o.state != 'done'][:3]}")
    finally:
        store.close()
        sb.close()
    return {"rate": n / dt, "peer": peer, "cpu_ms": cpu / n * 1000, "commits": commits[0] / n}


def figures(quick: bool = True, *, n: int | None = None, rounds: int | None = None, batch: int = 16) -> list[Figure]:
    n = n or (150 if quick else 500)
    rounds = rounds or (1 if quick else 3)
    res = []
    with tempfile.TemporaryDirectory(prefix="yibao-bench-queue-") as tmp:
        with sandbox_process(Path(tmp) / "sandbox.sqlite") as url:
            for r in range(rounds):
                d = Path(tmp) / f"r{r}"
                d.mkdir()
                res.append(one_round(n, d, url, batch))
    rate, peer = median(x["rate"] for x in res), median(x["peer"] for x in res)
    cpu, commits = median(x["cpu_ms"] for x in res), median(x["commits"] for x in res)
    return [Figure("queue replay (2601 reversals via worker.drain)", rate, "/s", target=f">= {TARGET:g}/s",
                   ok=rate >= TARGET, peer_name="bare 2601 posts over one requests.Session", peer_value=peer,
                   note=f"{rounds}x{n} reversals, wall; client CPU {cpu:.2f} ms/reversal; "
                        f"{commits:.2f} write commits/reversal, batch {batch}")]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=0)
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--batch", type=int, default=16, help="the worker's group commit size (1: one at a time)")
    a = ap.parse_args()
    show(figures(quick=not a.full, n=a.n or None, rounds=a.rounds or None, batch=a.batch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
