"""Synthetic camera frames: an e-code shown on a phone, photographed badly.

Deterministic (seeded) generator of the "hard set" the tests and ``bench/qr_decode.py`` measure the decoder
on: sandbox-format e-codes rendered with qrcode, then put on a phone screen (optionally dark mode, i.e.
light modules on dark), perspective-skewed and rotated by any angle, scaled down (QR symbol down to 80 px),
placed in a 640x480 frame next to distractors (a payment-code QR, an EAN-13 barcode), then blurred, made
low-contrast, unevenly lit and noisy.  The warp is rendered at 2x and box-filtered down, like a camera
sensor integrates light, instead of point-sampled (which would alias unrealistically).

What the hard set is made of (:data:`HARD_PROBS` gives each effect's probability; effects are independent, so
many frames combine several):

* e-code: "EC" + region + 48 base62 chars (56 bytes: QR version 4, level M, 33 modules), a random mask;
* size: QR symbol (without quiet zone) 80-200 px wide, 30 % of the frames at 80-90 px (2.4-2.7 px/module);
* geometry: rotation uniform over 0-360 degrees (always); perspective: corners moved by 3-12 % (p=0.5);
* phone: screen margin and a dark bezel around the quiet zone; dark mode (light modules on a dark
  screen, p=0.25);
* distractors: a WeChat payment-code QR 70-130 px (p=0.7), an EAN-13 barcode (p=0.5);
* background: grey gradient plus low-frequency texture;
* low contrast: the whole range squeezed into 50-100 grey levels (p=0.5); uneven light: +-20 % gradient
  (p=0.3); defocus: Gaussian sigma 0.25-0.45 module (p=0.5); sensor noise: Gaussian sigma 2-10 levels
  (p=0.5).

Not used by the application at run time; it lives here so the tests and the benchmark share one definition.
"""
from __future__ import annotations

import random
import string
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageFilter

from .qrimage import ean13_with_check_digit, make_ean13_image, make_qr_image, qr_modules

__all__ = ["SyntheticFrame", "sandbox_ecode", "wechat_payment_code", "hard_set", "no_code_set", "make_frame",
           "perspective_coeffs"]

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
REGIONS = ["460100", "450100", "310100", "320100", "510100", "520100", "530100", "500100", "540100", "110000"]

FRAME_W, FRAME_H = 640, 480


def sandbox_ecode(rng: random.Random) -> str:
    """An e-code in the sandbox issuer's format: "EC" + 6-digit insured region + 48 chars of base62."""
    return "EC" + rng.choice(REGIONS) + "".join(rng.choice(BASE62) for _ in range(48))


def wechat_payment_code(rng: random.Random) -> str:
    return str(rng.randint(10, 15)) + "".join(rng.choice(string.digits) for _ in range(16))


@dataclass
class SyntheticFrame:
    gray: np.ndarray                 # (480, 640) uint8
    ecode: str                       # the e-code shown (what a decoder must find)
    distractors: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)


def perspective_coeffs(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """Coefficients for ``Image.transform(..., Image.PERSPECTIVE, coeffs)`` mapping output points *dst* to
    input points *src* (PIL's transform maps output → input)."""
    a = []
    b = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.extend([u, v])
    return list(np.linalg.solve(np.asarray(a, float), np.asarray(b, float)))


def _background(rng: random.Random, w: int, h: int) -> np.ndarray:
    """A counter top: smooth gradient plus low-frequency texture, mid-grey."""
    nrng = np.random.default_rng(rng.getrandbits(32))
    base = rng.uniform(90, 190)
    gx, gy = rng.uniform(-60, 60), rng.uniform(-60, 60)
    xx = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :]
    yy = np.linspace(-0.5, 0.5, h, dtype=np.float32)[:, None]
    img = base + gx * xx + gy * yy
    tex = Image.fromarray(nrng.normal(0, 25, (h // 16 + 1, w // 16 + 1)).astype(np.float32), mode="F")
    img += np.asarray(tex.resize((w, h), Image.Resampling.BICUBIC), np.float32)
    return img


def _quad(cx: float, cy: float, side: float, angle_deg: float, skew: float, rng: random.Random
          ) -> list[tuple[float, float]]:
    """Corners (TL, TR, BR, BL) of a square of *side* centred at (cx, cy), rotated by *angle_deg*, each
    corner jittered by up to *skew* x side (perspective)."""
    h = side / 2
    pts = [(-h, -h), (h, -h), (h, h), (-h, h)]
    pts = [(x + rng.uniform(-skew, skew) * side, y + rng.uniform(-skew, skew) * side) for x, y in pts]
    t = np.deg2rad(angle_deg)
    c, s = np.cos(t), np.sin(t)
    return [(cx + c * x - s * y, cy + s * x + c * y) for x, y in pts]


def _bbox(quad: list[tuple[float, float]], pad: float = 0) -> tuple[float, float, float, float]:
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad


def _overlaps(a, b) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def _inside(bb, w: int, h: int) -> bool:
    return bb[0] >= 0 and bb[1] >= 0 and bb[2] < w and bb[3] < h


def _paste_warped(canvas: Image.Image, patch: Image.Image, quad: list[tuple[float, float]], scale: int) -> None:
    """Warp *patch* onto *canvas* (both mode L, canvas at *scale* x frame resolution) so its corners land on
    *quad* (frame coordinates)."""
    pw, ph = patch.size
    dst = [(x * scale, y * scale) for x, y in quad]
    src = [(0, 0), (pw, 0), (pw, ph), (0, ph)]
    coeffs = perspective_coeffs(dst, src)
    x0, y0, x1, y1 = (int(v) for v in _bbox(dst, 2))
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, canvas.width), min(y1, canvas.height)
    # Transform only the bounding box: shift the output origin.
    a, b, c, d, e, f, g, hh = coeffs
    # output (x', y') in the box = (x - x0, y - y0): substitute x = x' + x0 ...
    den_c = g * x0 + hh * y0 + 1
    shifted = [a / den_c, b / den_c, (a * x0 + b * y0 + c) / den_c,
               d / den_c, e / den_c, (d * x0 + e * y0 + f) / den_c,
               g / den_c, hh / den_c]
    size = (x1 - x0, y1 - y0)
    warped = patch.transform(size, Image.Transform.PERSPECTIVE, shifted, Image.Resampling.BICUBIC)
    mask = Image.new("L", patch.size, 255).transform(size, Image.Transform.PERSPECTIVE, shifted,
                                                     Image.Resampling.BILINEAR)
    canvas.paste(warped, (x0, y0), mask)


# Probability of each degradation in the hard set (all independent).
HARD_PROBS = {"rotate": 1.0, "skew": 0.5, "inverted": 0.25, "payment_qr": 0.7, "ean13": 0.5,
              "contrast": 0.5, "uneven": 0.3, "blur": 0.5, "noise": 0.5}


def make_frame(rng: random.Random, *, ecode: str | None = None, hard: bool = True,
               probs: dict[str, float] | None = None, code: bool = True) -> SyntheticFrame:
    """One synthetic 640x480 camera frame showing an e-code on a phone.  *probs* overrides
    :data:`HARD_PROBS` (e.g. ``{"blur": 1.0}``); ``hard=False`` gives a clean, upright frame.
    ``code=False``: the phone shows an app screen (lines of text-like marks) instead of the QR and there are no
    distractors: a frame that holds no code at all but has strong edges where the phone is (the camera's
    frames before the patient opens the e-code)."""
    ecode = ecode or sandbox_ecode(rng)
    pr = dict(HARD_PROBS if hard else {k: 0.0 for k in HARD_PROBS})
    pr.update(probs or {})

    def happens(effect: str) -> bool:
        return rng.random() < pr[effect]

    p: dict = {}
    scale = 2
    w, h = FRAME_W, FRAME_H
    canvas = Image.fromarray(np.clip(_background(rng, w * scale, h * scale), 0, 255).astype(np.uint8), "L")

    # --- the phone showing the e-code -----------------------------------------------------------------------
    mask = rng.randrange(8)
    n = len(qr_modules(ecode, mask_pattern=mask))     # modules incl. the 4-module quiet zone (41: version 4)
    # Symbol side in frame px (the dark pattern, without the quiet zone): 30% at the 80-90 px limit.
    sym = rng.choice([80, 80, 90]) if rng.random() < 0.3 else rng.uniform(80, 200)
    module = sym / (n - 8)                              # px per module (2.4 at 80 px for version 4)
    side = module * n                                   # with the quiet zone
    p["qr_px"] = round(sym)
    p["angle"] = round(rng.uniform(0, 360), 1) if happens("rotate") else 0.0
    p["skew"] = round(rng.uniform(0.03, 0.12), 3) if happens("skew") else 0.0
    p["inverted"] = happens("inverted")
    margin = rng.randint(2, 5)                          # screen around the quiet zone, in modules
    bezel = rng.randint(2, 4)                           # dark phone bezel, in modules
    mod_px = max(2, int(np.ceil(scale * side / n)) + 1)  # patch resolution >= canvas resolution
    qr = make_qr_image(ecode, None, box_size=mod_px, mask_pattern=mask)
    if p["inverted"]:
        screen_fill, light = rng.randint(0, 40), rng.randint(200, 245)   # dark mode: light modules
        qr = qr.point(lambda v: light if v == 0 else screen_fill)
    else:
        screen_fill = rng.randint(225, 255)
        qr = qr.point(lambda v: screen_fill if v == 255 else v)
    if not code:                                        # an app screen: rows of word-like dark marks
        trng = np.random.default_rng(rng.getrandbits(32))
        qw = qr.size[0]
        txt = np.full((qw, qw), screen_fill, np.uint8)
        ink = light if p["inverted"] else rng.randint(20, 90)
        row_h = max(3, mod_px * 2)
        for y in range(row_h, qw - 2 * row_h, 2 * row_h):
            x = int(trng.integers(0, row_h * 2))
            while x < qw - row_h:
                wlen = int(trng.integers(row_h, row_h * 6))
                txt[y:y + row_h, x:min(qw, x + wlen)] = ink
                x += wlen + int(trng.integers(row_h // 2 + 1, row_h * 2))
        qr = Image.fromarray(txt, "L")
        pr["payment_qr"] = pr["ean13"] = 0.0
    total = n + 2 * (margin + bezel)
    patch = Image.new("L", (total * mod_px, total * mod_px), rng.randint(0, 30))   # bezel colour
    screen = Image.new("L", ((n + 2 * margin) * mod_px,) * 2, screen_fill)
    screen.paste(qr, (margin * mod_px, margin * mod_px))
    patch.paste(screen, (bezel * mod_px, bezel * mod_px))
    phone_side = side * total / n
    placed = []
    for _ in range(50):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        quad_rng = random.Random(rng.getrandbits(32))
        qr_quad = _quad(cx, cy, side, p["angle"], p["skew"], quad_rng)
        if _inside(_bbox(qr_quad, 2), w, h):
            break
    else:  # very large + rotated: centre it
        qr_quad = _quad(w / 2, h / 2, side, p["angle"], p["skew"], random.Random(0))
    # The phone quad: same transform, bigger square (the QR quad scaled about its centre).
    qcx = sum(x for x, _ in qr_quad) / 4
    qcy = sum(y for _, y in qr_quad) / 4
    k = phone_side / side
    phone_quad = [(qcx + (x - qcx) * k, qcy + (y - qcy) * k) for x, y in qr_quad]
    _paste_warped(canvas, patch, phone_quad, scale)
    placed.append(_bbox(qr_quad, 6))
    p["quad"] = [(round(float(x), 1), round(float(y), 1)) for x, y in qr_quad]

    # --- distractors ---------------------------------------------------------------------------------------
    distractors: list[str] = []
    if happens("payment_qr"):
        pay = wechat_payment_code(rng)
        pside = rng.uniform(70, 130)
        pimg = make_qr_image(pay, None, box_size=max(2, int(scale * pside / 29) + 1),
                             mask_pattern=rng.randrange(8))
        for _ in range(30):
            quad = _quad(rng.uniform(0, w), rng.uniform(0, h), pside, rng.uniform(-30, 30), 0.02, rng)
            bb = _bbox(quad, 6)
            if _inside(bb, w, h) and not any(_overlaps(bb, o) for o in placed):
                _paste_warped(canvas, pimg, quad, scale)
                placed.append(bb)
                distractors.append(pay)
                break
    if happens("ean13"):
        first12 = "69" + "".join(rng.choice(string.digits) for _ in range(10))
        bar = make_ean13_image(first12, module_px=2 * scale, height=50 * scale)
        bw, bh = bar.size[0] / scale, bar.size[1] / scale
        for _ in range(30):
            bx, by = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            quad = [(bx, by), (bx + bw, by), (bx + bw, by + bh), (bx, by + bh)]
            bb = _bbox(quad, 6)
            if _inside(bb, w, h) and not any(_overlaps(bb, o) for o in placed):
                _paste_warped(canvas, bar, quad, scale)
                placed.append(bb)
                distractors.append(ean13_with_check_digit(first12))
                break

    img = np.asarray(canvas.reduce(scale), np.float32)   # box filter 2x -> frame resolution

    # --- photometric degradations --------------------------------------------------------------------------
    nrng = np.random.default_rng(rng.getrandbits(32))
    if happens("contrast"):                             # low contrast: squeeze 0..255 into lo..hi
        lo = rng.uniform(50, 110)
        hi = lo + rng.uniform(50, 100)
        img = lo + img * (hi - lo) / 255.0
        p["contrast"] = round(hi - lo)
    if happens("uneven"):                               # uneven light (glare from one side)
        xx = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :]
        yy = np.linspace(-0.5, 0.5, h, dtype=np.float32)[:, None]
        gx, gy = rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4)
        img = img * (1 + gx * xx + gy * yy)
        p["uneven"] = True
    if happens("blur"):                                 # out of focus
        radius = rng.uniform(0.25, 0.45) * module     # Gaussian sigma, up to ~half a module
        pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "L")
        img = np.asarray(pil.filter(ImageFilter.GaussianBlur(radius)), np.float32)
        p["blur"] = round(radius, 2)
    if happens("noise"):                                # sensor noise
        sigma = rng.uniform(2, 10)
        img = img + nrng.normal(0, sigma, img.shape)
        p["noise"] = round(sigma, 1)
    gray = np.ascontiguousarray(np.clip(img + 0.5, 0, 255).astype(np.uint8))
    return SyntheticFrame(gray=gray, ecode=ecode if code else "", distractors=distractors, params=p)


def no_code_set(n: int = 40, seed: int = 20240602) -> list[SyntheticFrame]:
    """Frames with the hard set's degradations but no code at all (``make_frame(code=False)``), seeded."""
    rng = random.Random(seed)
    return [make_frame(random.Random(rng.getrandbits(64)), code=False) for _ in range(n)]


def hard_set(n: int = 120, seed: int = 20240601) -> list[SyntheticFrame]:
    """The deterministic hard set: *n* frames from *seed*."""
    rng = random.Random(seed)
    return [make_frame(random.Random(rng.getrandbits(64))) for _ in range(n)]
