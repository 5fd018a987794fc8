"""The pharmacy counter: time from the first scan to the receipt for a sale of five boxes, and the cashier's
keystrokes besides scans.

Run: .venv/bin/python bench/pharmacy_counter.py [N]   (default 5 sales)

Through the real window offscreen (tests/ui/bench_pharmacy_counter.py under pytest, a fresh interpreter), the
sandbox pharmacy over HTTP (2101, 2102), the journal in real SQLite, the receipt written as the PDF roll: the card
goes in (no key), nine scans (five boxes, four traceability codes) as key bursts through the wedge filter, then F5,
F9 and Enter at the tender when a cash share is due. The time covers the software only (the scans arrive back to
back), from the first scan's Enter to the receipt written.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._figures import Figure, median, pct, show  # noqa: E402
from bench._sandbox import run_ui_bench  # noqa: E402

TIME_TARGET_MS = 3000.0
KEYS_TARGET = 4


def run(n: int) -> dict:
    return run_ui_bench("tests/ui/bench_pharmacy_counter.py", {"YIBAO_PHARMACY_BENCH_N": str(n)},
                        "YIBAO_PHARMACY_BENCH_OUT")


def figures(quick: bool = True) -> list[Figure]:
    return figures_for(3 if quick else 5)


def figures_for(n: int) -> list[Figure]:
    r = run(n)
    ms = [x * 1000 for x in r["times"]]
    keys = max(r["keys"])
    return [
        Figure(f"pharmacy counter, first scan to receipt, five boxes (median of {n})", median(ms), "ms",
               target=f"< {TIME_TARGET_MS:.0f} ms", ok=median(ms) < TIME_TARGET_MS,
               note=f"max {max(ms):.0f} ms, p95 {pct(ms, 95):.0f} ms; {max(r['scans'])} scans (5 boxes, 4 codes); "
               "2101 + 2102 + receipt"),
        Figure("pharmacy counter keystrokes besides scans", keys, "keys", target=f"<= {KEYS_TARGET}",
               ok=keys <= KEYS_TARGET, note="card in (no key); "
               + " + ".join(["F5", "F9"] + (["Enter (tender)"] if keys >= 3 else []))),
    ]


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    show(figures_for(int(args[0]) if args else 5))
