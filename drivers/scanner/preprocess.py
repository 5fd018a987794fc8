"""Frames made ready for the decoder (numpy / Pillow only): any input as a grey array, the image operations of the
cascade's recipes, and the code-like regions of a frame (see drivers.scanner.decode for the cascade)."""
from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import Union

import numpy as np
from PIL import Image, ImageFilter, ImageOps

__all__ = ["Frame", "to_gray", "find_code_regions", "RECIPES", "DEFAULT_RECIPES", "UPSCALE_MAX", "contrast", "pil",
           "rotate"]

Frame = Union[str, "os.PathLike[str]", bytes, Image.Image, np.ndarray]


# --- input normalisation ---------------------------------------------------------------------------------------
def _flatten_alpha(img: Image.Image) -> Image.Image:
    """Transparent pixels become white: a QR PNG with a transparent background would read black-on-black."""
    rgba = img.convert("RGBA")
    bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(bg, rgba)


def _pil_to_gray(img: Image.Image) -> np.ndarray:
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(img, dtype=np.float64)
        hi = a.max() or 1.0
        return np.ascontiguousarray(np.clip(a * (255.0 / hi), 0, 255).astype(np.uint8))
    if img.mode == "F":
        return _array_to_gray(np.asarray(img))
    if "A" in img.mode or (img.mode == "P" and "transparency" in img.info):
        img = _flatten_alpha(img)
    if img.mode != "L":
        img = img.convert("L")
    return np.asarray(img)


def _array_to_gray(a: np.ndarray) -> np.ndarray:
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.dtype != np.uint8:
        if a.dtype == np.bool_:
            a = np.where(a, 255, 0).astype(np.uint8)
        elif np.issubdtype(a.dtype, np.floating):
            scale = 255.0 if (a.size and float(np.nanmax(a)) <= 1.0) else 1.0
            a = np.clip(np.nan_to_num(a) * scale, 0, 255).astype(np.uint8)
        elif a.dtype == np.uint16:
            a = (a >> 8).astype(np.uint8)
        else:
            a = np.clip(a, 0, 255).astype(np.uint8)
    if a.ndim == 2:
        return np.ascontiguousarray(a)
    if a.ndim == 3 and a.shape[2] in (3, 4):
        if a.shape[2] == 4:
            return _pil_to_gray(Image.fromarray(np.ascontiguousarray(a), "RGBA"))
        return np.asarray(Image.fromarray(np.ascontiguousarray(a), "RGB").convert("L"))
    raise ValueError(f"unsupported frame shape {a.shape}: need (h, w), (h, w, 3) or (h, w, 4)")


def to_gray(frame: Frame) -> np.ndarray:
    """Any supported input → C-contiguous ``uint8`` ``(h, w)`` grey array.  Files and bytes are opened with
    Pillow and rotated upright by their EXIF orientation (phone photos)."""
    if isinstance(frame, np.ndarray):
        return _array_to_gray(frame)
    if isinstance(frame, Image.Image):
        return _pil_to_gray(frame)
    if isinstance(frame, (bytes, bytearray, memoryview)):
        with Image.open(io.BytesIO(bytes(frame))) as img:
            return _pil_to_gray(ImageOps.exif_transpose(img))
    if isinstance(frame, (str, os.PathLike)):
        with Image.open(os.fspath(frame)) as img:
            img.load()
            return _pil_to_gray(ImageOps.exif_transpose(img))
    raise TypeError(f"cannot decode a {type(frame).__name__}: pass a path, bytes, a PIL image or a numpy array")

# --- image operations (numpy / Pillow only) --------------------------------------------------------------------
def pil(a: np.ndarray) -> Image.Image:
    return Image.fromarray(a, "L")


def _upscale(a: np.ndarray, k: int) -> np.ndarray:
    if k == 1:
        return a
    h, w = a.shape
    return np.asarray(pil(a).resize((w * k, h * k), Image.Resampling.BICUBIC))


def _denoise_sharpen(a: np.ndarray, sigma: float, radius: float, percent: int) -> np.ndarray:
    im = pil(a)
    if sigma > 0:
        im = im.filter(ImageFilter.GaussianBlur(sigma))
    return np.asarray(im.filter(ImageFilter.UnsharpMask(radius, percent, 0)))


def _median_up_sharpen(a: np.ndarray, k: int, radius: float, percent: int) -> np.ndarray:
    """3x3 median (salt-and-pepper and sensor noise, edges kept) at the crop's resolution, then upscale and
    sharpen.  (A median after upscaling would be 4x the pixels and a 5x5 window: ~20x slower.)"""
    im = pil(a).filter(ImageFilter.MedianFilter(3))
    if k > 1:
        im = im.resize((a.shape[1] * k, a.shape[0] * k), Image.Resampling.BICUBIC)
    return np.asarray(im.filter(ImageFilter.UnsharpMask(radius, percent, 0)))


def _box_mean(a: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window (integral image), same shape."""
    k = 2 * r + 1
    p = np.pad(a.astype(np.int64), ((r + 1, r), (r + 1, r)), mode="edge")
    ii = p.cumsum(0).cumsum(1)
    s = ii[k:, k:] - ii[:-k, k:] - ii[k:, :-k] + ii[:-k, :-k]
    return s / (k * k)


def _adaptive_threshold(a: np.ndarray, r: int, c: float = 3.0) -> np.ndarray:
    m = _box_mean(a, r)
    return np.where(a < m - c, 0, 255).astype(np.uint8)


def _otsu(a: np.ndarray) -> np.ndarray:
    hist = np.bincount(a.ravel(), minlength=256).astype(np.float64)
    w0 = np.cumsum(hist)
    mu = np.cumsum(hist * np.arange(256))
    total, mt = w0[-1], mu[-1]
    w1 = total - w0
    valid = (w0 > 0) & (w1 > 0)
    var = np.zeros(256)
    var[valid] = (mt * w0[valid] / total - mu[valid]) ** 2 / (w0[valid] * w1[valid])
    t = int(np.argmax(var))
    return np.where(a > t, 255, 0).astype(np.uint8)


def rotate(a: np.ndarray, angle: float) -> tuple[np.ndarray, Callable[[float, float], tuple[float, float]]]:
    """Rotate counter-clockwise by *angle* degrees (canvas expanded, filled with the median grey); returns
    the image and a function mapping its points back to the original."""
    h, w = a.shape
    fill = int(np.median(a[:: max(1, h // 64), :: max(1, w // 64)]))
    r = np.asarray(pil(a).rotate(angle, Image.Resampling.BILINEAR, expand=True, fillcolor=fill))
    rh, rw = r.shape
    t = np.deg2rad(angle)
    c, s = np.cos(t), np.sin(t)
    cx, cy, rcx, rcy = w / 2, h / 2, rw / 2, rh / 2

    def back(x: float, y: float) -> tuple[float, float]:
        dx, dy = x - rcx, y - rcy
        # PIL rotates counter-clockwise on screen (y down): inverse is a clockwise rotation.
        return cx + c * dx - s * dy, cy + s * dx + c * dy

    return r, back


# --- locating code-like regions --------------------------------------------------------------------------------
def find_code_regions(gray: np.ndarray, *, max_regions: int = 3, k_mad: float = 6.0
                      ) -> list[tuple[int, int, int, int]]:
    """Boxes ``(x0, y0, x1, y1)`` around regions that look like codes, best first.

    Gradient energy per block (after a 2x box reduction that halves the noise) is compared with the frame's
    own level (median + k x MAD, clamped to 1.25..2.5 x median): codes are dense in strong edges, while the
    background, sensor noise and smooth texture are not.  Blocks over the threshold are joined (8-connected),
    each group boxed with a 20 % margin (so rotated corners and finder patterns are inside).
    """
    h, w = gray.shape
    long_side = max(h, w)
    factor = max(2, 2 * round(long_side / 1280)) if long_side > 1280 else 2
    block = 8                                          # in the reduced image: 16 px at 640x480
    small = np.asarray(pil(gray).reduce(factor), np.int16)
    sh, sw = small.shape
    bh, bw = sh // block, sw // block
    if bh < 3 or bw < 3:
        return []
    e = np.zeros((sh, sw), np.int32)
    e[:, 1:] += np.abs(np.diff(small, axis=1))
    e[1:, :] += np.abs(np.diff(small, axis=0))
    energy = e[: bh * block, : bw * block].reshape(bh, block, bw, block).sum(axis=(1, 3)).astype(np.float64)
    # 3x3 smoothing of the block map: fragments of one blurred code join.
    p = np.pad(energy, 1, mode="edge")
    energy = sum(p[dy:dy + bh, dx:dx + bw] for dy in range(3) for dx in range(3)) / 9.0
    med = float(np.median(energy))
    if med <= 0:
        med = 1.0
    mad = float(np.median(np.abs(energy - med))) * 1.4826
    thr = min(max(med + k_mad * mad, 1.25 * med), 2.5 * med)
    mask = energy > thr
    if not mask.any():
        return []
    # 8-connected components on the (small) block grid.
    label = np.full(mask.shape, -1, np.int32)
    comps: list[tuple[float, tuple[int, int, int, int]]] = []
    for y0, x0 in zip(*np.nonzero(mask), strict=True):
        if label[y0, x0] >= 0:
            continue
        n = len(comps)
        label[y0, x0] = n
        stack = [(int(y0), int(x0))]
        ys, xs, score = [], [], 0.0
        while stack:
            cy, cx = stack.pop()
            ys.append(cy)
            xs.append(cx)
            score += energy[cy, cx] - thr
            for ny in (cy - 1, cy, cy + 1):
                for nx in (cx - 1, cx, cx + 1):
                    if 0 <= ny < bh and 0 <= nx < bw and mask[ny, nx] and label[ny, nx] < 0:
                        label[ny, nx] = n
                        stack.append((ny, nx))
        comps.append((score, (min(xs), min(ys), max(xs), max(ys))))
        if len(ys) < 4:
            comps[-1] = (-1.0, comps[-1][1])
    px = block * factor
    boxes = []
    for score, (bx0, by0, bx1, by1) in sorted(comps, key=lambda c: -c[0]):
        if score < 0:
            continue
        x0, y0, x1, y1 = bx0 * px, by0 * px, (bx1 + 1) * px, (by1 + 1) * px
        m = 0.2 * max(x1 - x0, y1 - y0) + px
        boxes.append((int(max(0, x0 - m)), int(max(0, y0 - m)), int(min(w, x1 + m)), int(min(h, y1 + m))))
        if len(boxes) >= max_regions:
            break
    return boxes


# Region recipes: name -> (function(crop, s, k) -> processed crop, upscale factor k, rotation in degrees).
# ``s`` scales filter sizes with the image resolution (1.0 up to 1600 px).  Recipes named "up2-*" upscale
# 2x, but only crops up to UPSCALE_MAX px (a bigger region holds a big code that needs no upscaling, which
# would only cost time): bigger crops run at 1x with the same filters.
UPSCALE_MAX = 320
RECIPES: dict[str, tuple[Callable[[np.ndarray, float, int], np.ndarray], int, float]] = {
    # name: (function(crop, s, k), upscale factor k, then rotate by degrees)
    "sharpen": (lambda c, s, k: _denoise_sharpen(c, 0.8 * s, 2 * s, 250), 1, 0),
    "up2-sharpen": (lambda c, s, k: _denoise_sharpen(_upscale(c, k), 0.6 * k * s, 2 * k * s, 300), 2, 0),
    "sharpen-rot45": (lambda c, s, k: _denoise_sharpen(c, 0.8 * s, 2 * s, 250), 1, 45),
    "up2-sharpen-rot45": (lambda c, s, k: _denoise_sharpen(_upscale(c, k), 0.6 * k * s, 2 * k * s, 300), 2, 45),
    "up2-median": (lambda c, s, k: _median_up_sharpen(c, k, 2 * k * s, 250), 2, 0),
    "soft-sharpen": (lambda c, s, k: _denoise_sharpen(c, 1.5 * s, 3 * s, 300), 1, 0),
    "up2-adaptive": (lambda c, s, k: _adaptive_threshold(
        np.asarray(pil(_upscale(c, k)).filter(ImageFilter.GaussianBlur(0.6 * k * s))), int(6 * k * s)), 2, 0),
    "otsu": (lambda c, s, k: _otsu(np.asarray(pil(c).filter(ImageFilter.GaussianBlur(0.8 * s)))), 1, 0),
}
# Measured on the hard set (bench/qr_decode.py): the order is by wins per millisecond.  "up2-median" rarely
# adds anything there; it stays available for salt-and-pepper noise (pass recipes=...).
DEFAULT_RECIPES: tuple[str, ...] = ("sharpen", "up2-sharpen", "sharpen-rot45", "up2-sharpen-rot45",
                                    "soft-sharpen", "up2-adaptive", "otsu")


def contrast(gray: np.ndarray) -> int:
    """Spread of grey levels (2nd to 98th percentile) over a 1/8 subsample: a cheap "could anything be here"."""
    h, w = gray.shape
    sub = gray[:: max(1, h // 60), :: max(1, w // 80)]
    if sub.size == 0:
        return 0
    lo, hi = np.percentile(sub, (2, 98))
    return int(hi - lo)
