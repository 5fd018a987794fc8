"""Decoding QR codes and barcodes from images and frames (everything but the hard set)."""
from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image

from drivers.scanner import decode as dec
from drivers.scanner.decode import (CodeScanner, DecoderUnavailable, FrameDecoder, ScanResult,
                                    available_decoders, decode, decode_ecode, find_code_regions, pick_ecode,
                                    to_gray, want_ecode)
from drivers.scanner.qrimage import ean13_with_check_digit, make_ean13_image, make_qr_image
from drivers.scanner.synth import make_frame, no_code_set, sandbox_ecode, wechat_payment_code

DECODERS = available_decoders()
ECODE = "EC460100" + "Qw3rTy7U" * 6
PAY = "134567890123456789"


def frame_with(*items: tuple[Image.Image, tuple[int, int]], bg: int = 200, size=(640, 480)) -> Image.Image:
    f = Image.new("L", size, bg)
    for img, at in items:
        f.paste(img, at)
    return f


def centre(poly) -> tuple[float, float]:
    return sum(p[0] for p in poly) / len(poly), sum(p[1] for p in poly) / len(poly)


def test_zbar_is_always_there_and_auto_prefers_zxing():
    assert "zbar" in DECODERS
    assert dec.resolve_decoder("auto") == DECODERS[0]
    assert DECODERS[0] == ("zxing" if "zxing" in DECODERS else "zbar")
    with pytest.raises(ValueError):
        dec.resolve_decoder("opencv")


def test_zxing_missing_is_reported_and_auto_falls_back(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_zxing(name, *a, **kw):
        if name == "zxingcpp":
            raise ImportError("No module named 'zxingcpp'")
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_zxing)
    monkeypatch.setattr(dec, "_available_cache", {})
    with pytest.raises(DecoderUnavailable, match="zxing-cpp"):
        FrameDecoder("zxing")
    assert available_decoders() == ["zbar"]
    assert FrameDecoder("auto").name == "zbar"
    assert decode(make_qr_image(ECODE, 200))[0].text == ECODE   # works without zxing-cpp


@pytest.mark.parametrize("decoder", DECODERS)
def test_inputs_path_bytes_pil_numpy(decoder, tmp_path):
    img = make_qr_image(ECODE, 240)
    p = tmp_path / "code.png"
    img.save(p)
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=90)
    rgb = np.asarray(img.convert("RGB"))
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    inputs = [str(p), p, buf.getvalue(), img, img.convert("RGB"), np.asarray(img), rgb, rgba,
              np.asarray(img).astype(np.float32) / 255.0, np.asarray(img).astype(np.uint16) * 257,
              np.asarray(img)[:, :, None]]
    fd = FrameDecoder(decoder)
    for i, frame in enumerate(inputs):
        res = fd.decode(frame)
        assert [r.text for r in res] == [ECODE], i
        assert res[0].symbology == "QRCODE" and res[0].decoder == decoder and res[0].path == "plain"
        assert res[0].data == ECODE.encode()


def test_transparent_png_is_flattened_on_white():
    qr = make_qr_image(ECODE, 240)
    rgba = Image.new("RGBA", qr.size, (0, 0, 0, 0))          # transparent background, black modules
    rgba.putalpha(qr.point(lambda v: 255 - v))
    g = to_gray(rgba)
    assert g[0, 0] == 255 and g.min() == 0
    assert decode(rgba)[0].text == ECODE


def test_exif_orientation_is_applied(tmp_path):
    img = make_qr_image(ECODE, 200).convert("RGB").resize((200, 100))   # not square: orientation visible
    exif = Image.Exif()
    exif[0x0112] = 6                                                       # rotate 90 on display
    p = tmp_path / "photo.jpg"
    img.save(p, exif=exif)
    assert to_gray(p).shape == (200, 100)


def test_bad_inputs():
    with pytest.raises(TypeError):
        to_gray(12345)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        to_gray(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(FileNotFoundError):
        decode("/nonexistent/x.png")


@pytest.mark.parametrize("decoder", DECODERS)
def test_all_codes_in_a_frame_and_the_ecode_is_picked(decoder):
    f = frame_with((make_qr_image(PAY, 150), (20, 20)), (make_qr_image(ECODE, 200), (300, 200)),
                   (make_ean13_image("690123456789", module_px=2), (40, 330)))
    fd = FrameDecoder(decoder)
    res = fd.decode(f)
    texts = {r.text for r in res}
    assert {PAY, ECODE, "6901234567892"} <= texts
    assert {r.symbology for r in res} >= {"QRCODE", "EAN13"}
    e = pick_ecode(res)
    assert e is not None and e.text == ECODE
    cx, cy = centre(e.polygon)
    assert 300 < cx < 500 and 200 < cy < 400                      # polygon in frame coordinates
    assert pick_ecode([r for r in res if r.text != ECODE]) is None


@pytest.mark.parametrize("decoder", DECODERS)
def test_inverted_code(decoder):
    f = frame_with((make_qr_image(ECODE, 180).point(lambda v: 255 - v), (200, 150)), bg=30)
    rep = FrameDecoder(decoder).scan(f)
    assert [r.text for r in rep.results] == [ECODE]
    assert rep.path == ("invert" if decoder == "zbar" else "plain")


@pytest.mark.parametrize("decoder", DECODERS)
def test_diagonal_barcode_needs_the_rotation_step_and_maps_back(decoder):
    bar = make_ean13_image("690123456789", module_px=3, height=90).rotate(40, expand=True, fillcolor=200)
    f = frame_with((bar, (150, 80)))
    rep = FrameDecoder(decoder).scan(f)
    assert [r.text for r in rep.results] == [ean13_with_check_digit("690123456789")]
    assert rep.path != "plain"
    assert "rot45" in rep.path
    cx, cy = centre(rep.results[0].polygon)
    bx, by = 150 + bar.width / 2, 80 + bar.height / 2
    assert abs(cx - bx) < 40 and abs(cy - by) < 40, (cx, cy, bx, by)


@pytest.mark.parametrize("decoder", DECODERS)
def test_small_blurred_code_is_found_by_a_region_recipe(decoder):
    rng = random.Random(2024)
    # an 80 px, blurred, noisy e-code far from the frame centre
    fr = make_frame(rng, probs={"rotate": 0.0, "blur": 1.0, "noise": 1.0, "payment_qr": 0.0, "ean13": 0.0,
                                "contrast": 0.0, "inverted": 0.0, "skew": 0.0, "uneven": 0.0})
    rep = FrameDecoder(decoder).scan(fr.gray, until=want_ecode())
    assert pick_ecode(rep.results) is not None and pick_ecode(rep.results).text == fr.ecode
    assert rep.steps[0] == "plain" and rep.elapsed_ms > 0
    if decoder == "zbar":
        assert rep.path.startswith("region-"), rep.path


def test_ecode_search_goes_past_a_payment_code():
    # The payment code decodes on the fast path; the e-code only after preprocessing.
    rng = random.Random(5)
    hard = None
    fd = FrameDecoder("zbar")
    for _ in range(40):
        fr = make_frame(rng, probs={"payment_qr": 1.0, "ean13": 0.0})
        if not fr.distractors:
            continue
        first = fd.scan(fr.gray)                       # default: stop at the first step that finds anything
        if first.path == "plain" and fr.ecode not in {r.text for r in first.results}:
            hard = fr
            break
    assert hard is not None, "no frame where only the payment code is on the fast path"
    assert [r.text for r in first.results] == hard.distractors[:1]
    rep = fd.scan(hard.gray, until=want_ecode())
    assert rep.steps[0] == "plain" and len(rep.steps) > 1
    assert pick_ecode(rep.results).text == hard.ecode
    assert {r.text for r in rep.results} >= {hard.ecode, hard.distractors[0]}
    assert decode_ecode(hard.gray, decoder="zbar").text == hard.ecode


def test_budget_bounds_the_cascade_but_the_fast_path_always_runs():
    noise = np.random.default_rng(1).normal(128, 20, (480, 640)).clip(0, 255).astype(np.uint8)
    rep = FrameDecoder("zbar", budget_ms=0.0).scan(noise)
    assert rep.steps == ["plain"] and rep.budget_exhausted and not rep.found
    phone = no_code_set(1)[0].gray           # a phone showing text: code-like regions, no code
    full = FrameDecoder("zbar").scan(phone)
    assert len(full.steps) > 5 and not full.budget_exhausted and not full.found
    assert FrameDecoder("zbar", cascade=False).scan(noise).steps == ["plain"]


def test_a_frame_with_nothing_code_like_skips_the_region_steps():
    # Sensor noise on a flat field: no block stands out, so every region recipe could only find nothing.
    noise = np.random.default_rng(1).normal(128, 20, (480, 640)).clip(0, 255).astype(np.uint8)
    rep = FrameDecoder("zbar").scan(noise)
    assert rep.early_exit == "no-regions" and not rep.found
    assert not [s for s in rep.steps if s.startswith("region-")]
    assert rep.steps == ["plain", "invert", "rot45"]          # the non-region fallbacks still run


def test_empty_and_tiny_frames():
    for frame in (np.full((480, 640), 255, np.uint8), np.zeros((10, 10), np.uint8), np.zeros((1, 1), np.uint8)):
        assert decode(frame) == []
    assert find_code_regions(np.full((480, 640), 128, np.uint8)) == []


def test_regions_cover_the_codes():
    rng = random.Random(9)
    fr = make_frame(rng, probs={"payment_qr": 1.0, "ean13": 1.0})
    boxes = find_code_regions(fr.gray, max_regions=4)
    qx, qy = centre(fr.params["quad"])
    assert any(x0 <= qx <= x1 and y0 <= qy <= y1 for x0, y0, x1, y1 in boxes)
    assert len(boxes) <= 4


def test_scanner_interface_and_result_repr_masks_the_code():
    fd = FrameDecoder("zbar")
    assert isinstance(fd, CodeScanner)
    r = fd.decode(make_qr_image(ECODE, 200))[0]
    assert isinstance(r, ScanResult)
    assert ECODE not in repr(r) and "EC46" in repr(r)
    assert r.classify().is_ecode


def test_symbologies_are_selectable():
    f = frame_with((make_qr_image(ECODE, 200), (20, 20)), (make_ean13_image("690123456789"), (300, 300)))
    qr_only = FrameDecoder("zbar", symbologies=("QRCODE",))
    assert {r.symbology for r in qr_only.decode(f)} == {"QRCODE"}
    assert not qr_only.rotate                       # no 1D symbology: no rot45 step
    with pytest.raises(ValueError):
        FrameDecoder("zbar", symbologies=("NOPE",))
    with pytest.raises(ValueError):
        FrameDecoder("zbar", recipes=("nope",))


def test_many_codes_of_every_size_decode_on_the_fast_path():
    rng = random.Random(11)
    fd = FrameDecoder("zbar")
    for size in (120, 160, 240, 400):
        code = sandbox_ecode(rng) if size % 80 else wechat_payment_code(rng)
        assert fd.decode(frame_with((make_qr_image(code, size), (10, 10))))[0].text == code


@pytest.mark.parametrize("decoder", DECODERS)
def test_large_photo_starts_with_a_half_size_copy(decoder):
    fr = make_frame(random.Random(7), probs={"payment_qr": 0.0, "ean13": 0.0, "inverted": 0.0})
    big = Image.fromarray(fr.gray).resize((2560, 1920), Image.Resampling.BICUBIC)
    rep = FrameDecoder(decoder).scan(big, until=want_ecode())
    assert rep.steps[0] == "half"
    e = pick_ecode(rep.results)
    assert e is not None and e.text == fr.ecode
    qx, qy = centre(fr.params["quad"])
    cx, cy = centre(e.polygon)
    assert abs(cx - 4 * qx) < 40 and abs(cy - 4 * qy) < 40     # in the big image's coordinates
