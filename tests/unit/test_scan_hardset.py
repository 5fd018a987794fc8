"""The hard set: e-codes on phone screens, photographed badly (drivers/scanner/synth.py, seeded).

Asserts a decode rate of at least 98 % per decoder (zbar always; zxing-cpp when installed) and prints it.
"""
from __future__ import annotations

from collections import Counter

import pytest

from drivers.scanner.decode import FrameDecoder, available_decoders, pick_ecode, want_ecode
from drivers.scanner.synth import hard_set

N = 120
SEED = 20240601


@pytest.fixture(scope="module")
def frames():
    return hard_set(N, SEED)


def test_the_set_is_hard_and_deterministic(frames):
    again = hard_set(3, SEED)
    assert all((a.gray == b.gray).all() and a.ecode == b.ecode for a, b in zip(frames[:3], again, strict=True))
    assert all(f.gray.shape == (480, 640) for f in frames)
    params = [f.params for f in frames]
    assert sum(p["qr_px"] <= 90 for p in params) >= N // 5            # many at the 80-90 px limit
    assert sum(p["inverted"] for p in params) >= N // 8
    assert sum(bool(p["skew"]) for p in params) >= N // 4
    assert sum("blur" in p for p in params) >= N // 4 and sum("noise" in p for p in params) >= N // 4
    assert sum("contrast" in p for p in params) >= N // 4
    assert len({round(p["angle"] / 45) for p in params}) >= 8          # all around the clock
    assert sum(bool(f.distractors) for f in frames) >= N // 2


@pytest.mark.parametrize("decoder", available_decoders()[::-1])
def test_decode_rate_on_the_hard_set(decoder, frames, capsys):
    fd = FrameDecoder(decoder)
    until = want_ecode()
    paths: Counter[str] = Counter()
    misses = []
    for i, f in enumerate(frames):
        e = pick_ecode(fd.scan(f.gray, until=until).results)
        if e is not None and e.text == f.ecode:
            paths[e.path] += 1
        else:
            assert e is None, f"frame {i}: a wrong e-code was read"
            misses.append(i)
    rate = 1 - len(misses) / len(frames)
    with capsys.disabled():   # shown in every run, not only with -s
        print(f"\n[{decoder}] hard set: {rate:.1%} of {len(frames)} e-codes decoded; by step: {dict(paths)}; "
              f"missed frames {misses}")
    assert rate >= 0.98
