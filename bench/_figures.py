"""One way to print a performance figure, shared by every benchmark and by bench/all.py:

    figure: value  (peer: value, ratio)  target: …  OK|over

Each benchmark module that bench/all.py runs exposes ``figures(quick: bool = True) -> list[Figure]``.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from collections.abc import Iterable


@dataclass
class Figure:
    name: str                 # what is measured, e.g. "journal write per message p99"
    value: float
    unit: str                 # "ms", "%", "MB", "/s", "KB/patient", ...
    target: str = ""          # human text, e.g. "< 5 ms"
    ok: bool | None = None    # None: no target (informative)
    peer_name: str = ""       # the raw peer measured in the same run, e.g. "bare sqlite3 insert+commit"
    peer_value: float | None = None
    note: str = ""

    def line(self) -> str:
        out = f"{self.name}: {_fmt(self.value)} {self.unit}".rstrip()
        if self.peer_name:
            ratio = f", x{self.value / self.peer_value:.2f}" if self.peer_value else ""
            peer = f"{_fmt(self.peer_value)} {self.unit}".rstrip() if self.peer_value is not None else "n/a"
            out += f"  ({self.peer_name}: {peer}{ratio})"
        if self.target:
            out += f"  target: {self.target}  " + ("OK" if self.ok else "over")
        if self.note:
            out += f"  [{self.note}]"
        return out


def _fmt(v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.1f}"


def pct(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = max(0, min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1)))))
    return xs[k]


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def show(figs: Iterable[Figure]) -> None:
    for f in figs:
        print(f.line(), flush=True)
