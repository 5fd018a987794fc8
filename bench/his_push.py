"""The HIS link at the desk: push-to-bill-on-screen latency and the cashier's keystrokes for a pushed bill.

Run: .venv/bin/python bench/his_push.py [N]   (default 10 patients)

Through the real window offscreen (tests/ui/bench_his_push.py under pytest, a fresh interpreter), the sandbox
over HTTP, the journal in real SQLite: the card goes in (identification needs no key), the HIS POSTs the bill from
another thread over HTTP on 127.0.0.1, the bill loads by itself and is painted; then F5, F9 (and Enter for the
tender confirmation when the desk asks for one). Latency is from just before the POST to the bill panel repainted.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._figures import Figure, median, pct, show  # noqa: E402
from bench._sandbox import run_ui_bench  # noqa: E402

LATENCY_TARGET_MS = 300.0
KEYS_TARGET = 3


def run(n: int) -> dict:
    return run_ui_bench("tests/ui/bench_his_push.py", {"YIBAO_HIS_BENCH_N": str(n)}, "YIBAO_HIS_BENCH_OUT")


def figures(quick: bool = True) -> list[Figure]:
    return figures_for(6 if quick else 10)


def figures_for(n: int) -> list[Figure]:
    r = run(n)
    lat = [x * 1000 for x in r["latencies"]]
    post = [x * 1000 for x in r["post"]]
    keys = max(r["keys"])
    return [
        Figure(f"HIS push to bill on screen (median of {n})", median(lat), "ms",
               target=f"< {LATENCY_TARGET_MS:.0f} ms", ok=median(lat) < LATENCY_TARGET_MS,
               peer_name="the POST's answer", peer_value=median(post), note=f"p95 {pct(lat, 95):.0f} ms"),
        Figure("cashier keystrokes for a pushed bill", keys, "keys", target=f"<= {KEYS_TARGET}",
               ok=keys <= KEYS_TARGET, note="card in (no key), bill loads itself; "
               + " + ".join(["F5", "F9"] + (["Enter (tender)"] if keys >= 3 else [])) + "; was ~23 by catalogue"),
    ]


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    show(figures_for(int(args[0]) if args else 10))
