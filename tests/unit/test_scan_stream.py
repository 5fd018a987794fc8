"""The camera path (StreamDecoder): the fast path every frame, the fallbacks spread over frames, counted in
stages run (never in milliseconds)."""
from __future__ import annotations

import numpy as np
import pytest

from drivers.scanner.decode import FrameDecoder, StreamDecoder, available_decoders, pick_ecode, want_ecode
from drivers.scanner.synth import hard_set, no_code_set

DECODERS = available_decoders()[::-1]


@pytest.fixture(scope="module")
def empty():
    return no_code_set(4)


@pytest.mark.parametrize("decoder", DECODERS)
@pytest.mark.parametrize("per_frame", [1, 2])
def test_a_no_code_frame_stops_within_its_stage_count_and_the_next_frame_goes_on(decoder, per_frame, empty):
    sd = StreamDecoder(decoder, budget_ms=None, stages_per_frame=per_frame)
    full = FrameDecoder(decoder, symbologies=("QRCODE",)).scan(empty[0].gray)
    assert len(full.fallbacks) > per_frame           # the still-image cascade runs them all on this frame
    seen: list[str] = []
    for _ in range(-(-len(sd.stages) // per_frame)):
        rep = sd.scan(empty[0].gray)
        assert not rep.found and rep.steps[0] == "plain"
        assert len(rep.fallbacks) == per_frame           # exactly its share, never the whole cascade
        seen += rep.fallbacks
    assert seen[:len(sd.stages)] == list(sd.stages)   # one round over the frames = the whole cascade
    assert seen[len(sd.stages):] == list(sd.stages[:len(seen) - len(sd.stages)])   # then round robin again


def test_budget_debt_leaves_frames_with_the_fast_path_only(empty):
    # budget 0: every frame is over it, so after a frame with a stage the next max_skip-1 frames run none.
    sd = StreamDecoder("zbar", budget_ms=0.0, max_skip=4)
    counts = [len(sd.scan(empty[1].gray).fallbacks) for _ in range(12)]
    assert counts == [1, 0, 0, 0] * 3


def test_low_contrast_and_empty_frames_stop_after_the_fast_path():
    sd = StreamDecoder("zbar", budget_ms=None)
    flat = np.random.default_rng(3).normal(128, 2, (480, 640)).clip(0, 255).astype(np.uint8)
    rep = sd.scan(flat)
    assert rep.steps == ["plain"] and rep.early_exit == "low-contrast"
    noise = np.random.default_rng(1).normal(128, 20, (480, 640)).clip(0, 255).astype(np.uint8)
    for _ in range(len(sd.stages)):
        rep = sd.scan(noise)
        assert [s for s in rep.steps if s.startswith("region-")] == []   # nothing code-like: no region work


@pytest.mark.parametrize("decoder", DECODERS)
def test_the_camera_path_reads_what_the_still_image_cascade_reads_within_one_round(decoder):
    frames = hard_set(40)
    fd, sd, until = FrameDecoder(decoder, symbologies=("QRCODE",)), StreamDecoder(decoder), want_ecode()
    for f in frames:
        still = pick_ecode(fd.scan(f.gray, until=until).results)
        sd.reset()
        got = None
        for _ in range(1 + len(sd.stages) * sd.max_skip):    # worst case: every stage after a debt pause
            got = pick_ecode(sd.scan(f.gray, until=until).results)
            if got is not None:
                break
        assert (got.text if got else None) == (still.text if still else None)
