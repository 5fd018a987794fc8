"""Benchmark: QR decoding speed and robustness, per installed decoder.

    .venv/bin/python bench/qr_decode.py [--n 300] [--seed 20240601] [--repeat 50] [--json]

For each decoder (zbar always; zxing when zxing-cpp is installed) it prints:

* fast path: median time of one decode of a 640x480 grey frame holding an upright, clean e-code QR
  (a) on a flat background and (b) on the textured background of the hard set;
* the same frame through the QR-only decoder the camera pipeline uses;
* the hard set (drivers/scanner/synth.py, seeded): e-code decode rate with the full cascade, median / p90
  time per frame, and which cascade step found the e-code.

Targets: fast path < 5 ms per frame, >= 95 % of the hard set.  Timings depend on the machine and its load
(the script reports the load average).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from drivers.scanner.decode import FrameDecoder, available_decoders, pick_ecode, want_ecode  # noqa: E402
from drivers.scanner.qrimage import make_qr_image  # noqa: E402
from drivers.scanner.synth import hard_set, make_frame, sandbox_ecode  # noqa: E402


def _median_ms(fn, repeat: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def flat_frame(seed: int) -> tuple[np.ndarray, str]:
    rng = random.Random(seed)
    code = sandbox_ecode(rng)
    frame = Image.new("L", (640, 480), 180)
    frame.paste(make_qr_image(code, 164), (238, 158))
    return np.asarray(frame), code


def run(n: int, seed: int, repeat: int) -> dict:
    out: dict = {"n": n, "seed": seed, "loadavg": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
                 "decoders": {}}
    flat, flat_code = flat_frame(seed)
    textured = make_frame(random.Random(seed), hard=False)
    t0 = time.perf_counter()
    frames = hard_set(n, seed)
    out["generate_s"] = round(time.perf_counter() - t0, 2)
    for name in available_decoders()[::-1]:  # zbar first
        fd = FrameDecoder(name)
        qr_only = FrameDecoder(name, symbologies=("QRCODE",))
        row: dict = {}
        assert pick_ecode(fd.decode(flat)) and fd.decode(flat)[0].text == flat_code
        row["fast_flat_ms"] = round(_median_ms(lambda: fd.decode(flat), repeat), 2)
        row["fast_textured_ms"] = round(_median_ms(lambda: fd.decode(textured.gray), repeat), 2)
        row["fast_flat_qr_only_ms"] = round(_median_ms(lambda: qr_only.decode(flat), repeat), 2)
        row["fast_textured_qr_only_ms"] = round(_median_ms(lambda: qr_only.decode(textured.gray), repeat), 2)
        ok = 0
        times = []
        paths: Counter[str] = Counter()
        plain_ok = 0
        until = want_ecode()
        for f in frames:
            rep = fd.scan(f.gray, until=until)
            times.append(rep.elapsed_ms)
            e = pick_ecode(rep.results)
            if e is not None and e.text == f.ecode:
                ok += 1
                paths[e.path] += 1
                plain_ok += e.path == "plain"
            else:
                paths["(not found)"] += 1
        row["hard_rate"] = round(ok / n, 4)
        row["hard_plain_only_rate"] = round(plain_ok / n, 4)
        row["hard_median_ms"] = round(statistics.median(times), 2)
        row["hard_p90_ms"] = round(float(np.percentile(times, 90)), 2)
        row["hard_max_ms"] = round(max(times), 1)
        row["paths"] = dict(paths.most_common())
        out["decoders"][name] = row
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="hard-set size (default 300)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--repeat", type=int, default=50, help="timing repetitions for the fast path")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    res = run(args.n, args.seed, args.repeat)
    if args.json:
        print(json.dumps(res, indent=2, ensure_ascii=False))
        return 0
    print(f"hard set: {args.n} frames 640x480, seed {args.seed} (generated in {res['generate_s']} s); "
          f"load average {res['loadavg']}")
    for name, r in res["decoders"].items():
        print(f"\n[{name}]")
        print(f"  fast path, 640x480, flat background : {r['fast_flat_ms']:7.2f} ms median "
              f"(QR only: {r['fast_flat_qr_only_ms']:.2f} ms)   target < 5 ms")
        print(f"  fast path, 640x480, textured bg     : {r['fast_textured_ms']:7.2f} ms median "
              f"(QR only: {r['fast_textured_qr_only_ms']:.2f} ms)")
        print(f"  hard set e-code rate                : {r['hard_rate'] * 100:6.1f} %   target >= 95 % "
              f"(fast path alone: {r['hard_plain_only_rate'] * 100:.1f} %)")
        print(f"  hard set time per frame             : median {r['hard_median_ms']:.1f} ms, "
              f"p90 {r['hard_p90_ms']:.1f} ms, max {r['hard_max_ms']:.0f} ms")
        print("  found by: " + ", ".join(f"{k} {v}" for k, v in r["paths"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
