"""Decode QR codes and 1D barcodes from images and camera frames.

Input: an image file path, encoded image bytes, a PIL image, or a numpy frame (grey ``(h, w)``, RGB/BGR
``(h, w, 3)``, RGBA ``(h, w, 4)``).  Output: every code found, as :class:`ScanResult`.

A phone screen photographed by a desk camera is small, rotated, blurred, noisy, low in contrast, sometimes in
dark mode (light modules on dark), perspective-skewed, and shares the frame with other codes.  The decoder
therefore runs a *bounded cascade*, cheapest first, and stops as soon as the caller's condition holds (by
default: anything decoded; :func:`decode_ecode`: an e-code decoded):

1. ``plain``      the grey frame as is (the fast path);
2. ``invert``     the negative (zbar does not read light-on-dark codes; zxing-cpp does, so it skips this);
3. ``half``       only for large images (> 1600 px, photos), and *before* ``plain``: a 2x box-filtered copy
                  (a quarter of the pixels, less noise);
4. regions:       code-like regions are located (block gradient energy well above the frame's own noise
                  floor, connected, padded), at most ``max_regions`` of them, and each crop is re-decoded
                  through a few recipes, each in both polarities (zbar): ``sharpen`` (denoise + unsharp
                  mask), ``up2-sharpen`` (2x bicubic upscale + denoise + unsharp mask: small, blurred, noisy
                  codes), the same two turned by 45 degrees (zbar's QR finder misses many codes lying near
                  45 degrees), ``soft-sharpen`` (strong denoise + unsharp), ``up2-adaptive`` (2x + local-mean
                  threshold: uneven light, low contrast), ``otsu`` (denoise + Otsu threshold of the crop);
5. ``rot45``      the frame rotated by 45 degrees (1D barcodes lying diagonally: zbar only scans rows and
                  columns), when 1D symbologies are enabled.

``budget_ms`` bounds the time spent (the fast path always runs).  :class:`ScanReport` says which step won.
Region steps run only when :func:`find_code_regions` finds a code-like region (otherwise they could find
nothing: the cascade ends there, ``ScanReport.early_exit == "no-regions"``).

A still image (``ecode decode IMAGE``, the hard set) gets the whole cascade.  A camera stream does not need
it on every frame: :class:`StreamDecoder` runs the fast path on every frame and at most ``stages_per_frame``
fallback stages (default 1) within ``budget_ms`` (default :data:`CAMERA_BUDGET_MS`), the next frame the
next stage(s), round robin; a frame whose contrast is too low for any code, or that holds no code-like
region, stops after the fast path.  A code the cascade would find in a still image is found within one
round of ``1 + len(stages)`` frames of the same scene.

Decoders: ``zbar`` (pyzbar + libzbar0, required) and ``zxing`` (zxing-cpp, optional: ``pip install
zxing-cpp``).  ``decoder="auto"`` picks zxing-cpp when it is installed, because ``bench/qr_decode.py``
measures it both faster and better on the hard set; zbar otherwise.
"""
from __future__ import annotations

import io
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, Union, runtime_checkable

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from .classify import DEFAULT_RULES, ClassifyRules, Classification, classify

__all__ = [
    "Frame", "ScanResult", "ScanReport", "CodeScanner", "FrameDecoder", "DecoderUnavailable",
    "DEFAULT_SYMBOLOGIES", "available_decoders", "resolve_decoder", "to_gray", "find_code_regions",
    "decode", "scan", "decode_ecode", "pick_ecode", "want_ecode", "StreamDecoder", "CAMERA_BUDGET_MS",
]

log = logging.getLogger(__name__)

Frame = Union[str, "os.PathLike[str]", bytes, Image.Image, np.ndarray]

# Symbologies a cashier desk meets: QR (e-codes, payment codes, links), EAN/UPC (drugs, goods),
# Code 128 / Code 39 / ITF (hospital visit and bill numbers, drug/consumable codes).
DEFAULT_SYMBOLOGIES: tuple[str, ...] = ("QRCODE", "EAN13", "EAN8", "UPCA", "UPCE", "CODE128", "CODE39", "I25")
_LINEAR = {"EAN13", "EAN8", "UPCA", "UPCE", "CODE128", "CODE39", "I25", "CODE93", "CODABAR", "DATABAR"}


class DecoderUnavailable(RuntimeError):
    """The requested decoder cannot be used here (library missing)."""


# --- results -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScanResult:
    text: str
    symbology: str                                   # "QRCODE", "EAN13", "CODE128", ... (zbar's names)
    data: bytes = b""
    polygon: tuple[tuple[int, int], ...] = ()        # corners in the input frame's pixel coordinates
    decoder: str = ""                                # "zbar" | "zxing"
    path: str = ""                                   # the cascade step that found it ("plain", ...)

    def classify(self, rules: ClassifyRules = DEFAULT_RULES) -> Classification:
        return classify(self.text, rules)

    def __repr__(self) -> str:  # e-codes are credentials: never print them whole in logs
        t = self.text
        shown = (t[:4] + f"…({len(t)})") if len(t) > 8 else t
        return f"ScanResult({self.symbology} {shown!r} via {self.decoder}/{self.path})"


@dataclass
class ScanReport:
    results: list[ScanResult]
    path: str | None                 # step that produced the first result (None: nothing found)
    steps: list[str]                 # steps tried, in order
    elapsed_ms: float
    decoder: str
    budget_exhausted: bool = False
    early_exit: str = ""             # "no-regions" | "low-contrast": fallbacks skipped as pointless

    @property
    def fallbacks(self) -> list[str]:
        """The fallback stages that ran (every step but the fast path)."""
        return [s for s in self.steps if s not in _FAST_STEPS]

    @property
    def found(self) -> bool:
        return bool(self.results)


@runtime_checkable
class CodeScanner(Protocol):
    """The hardware-facing interface: anything that turns a frame into codes."""

    def decode(self, frame: Frame) -> list[ScanResult]: ...


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


# --- backends -------------------------------------------------------------------------------------------------
RawHit = tuple[str, str, bytes, tuple[tuple[int, int], ...]]   # text, symbology, data, polygon


class _ZbarBackend:
    name = "zbar"
    handles_inversion = False

    def __init__(self, symbologies: Sequence[str]):
        try:
            from pyzbar import pyzbar
        except Exception as exc:  # ImportError, or OSError when libzbar0 is missing
            raise DecoderUnavailable(f"zbar is not available ({exc}); install libzbar0 and pyzbar") from exc
        self._pyzbar = pyzbar
        names = pyzbar.ZBarSymbol.__members__
        unknown = [s for s in symbologies if s not in names]
        if unknown:
            raise ValueError(f"zbar does not know symbologies {unknown}")
        self._symbols = [pyzbar.ZBarSymbol[s] for s in symbologies]

    def read(self, gray: np.ndarray) -> list[RawHit]:
        out = []
        for d in self._pyzbar.decode(gray, symbols=self._symbols):
            text = d.data.decode("utf-8", errors="replace")
            poly = tuple((int(p.x), int(p.y)) for p in d.polygon)
            out.append((text, str(d.type), bytes(d.data), poly))
        return out


_ZXING_FORMAT_NAMES = {"QRCODE": "QRCode", "EAN13": "EAN13", "EAN8": "EAN8", "UPCA": "UPCA", "UPCE": "UPCE",
                       "CODE128": "Code128", "CODE39": "Code39", "I25": "ITF", "CODE93": "Code93",
                       "CODABAR": "Codabar", "PDF417": "PDF417", "DATAMATRIX": "DataMatrix"}
_FROM_ZXING = {"qrcode": "QRCODE", "qrcodemodel2": "QRCODE", "qrcodemodel1": "QRCODE", "ean13": "EAN13",
               "ean8": "EAN8", "upca": "UPCA", "upce": "UPCE", "code128": "CODE128", "code39": "CODE39",
               "code39std": "CODE39", "code39ext": "CODE39", "itf": "I25", "code93": "CODE93",
               "codabar": "CODABAR", "pdf417": "PDF417", "datamatrix": "DATAMATRIX", "microqrcode": "MICROQR"}


class _ZxingBackend:
    name = "zxing"
    handles_inversion = True

    def __init__(self, symbologies: Sequence[str]):
        try:
            import zxingcpp
        except Exception as exc:
            raise DecoderUnavailable(f"zxing-cpp is not installed ({exc}); pip install zxing-cpp") from exc
        self._z = zxingcpp
        fmts = []
        for s in symbologies:
            name = _ZXING_FORMAT_NAMES.get(s)
            if name is None or not hasattr(zxingcpp.BarcodeFormat, name):
                raise ValueError(f"zxing-cpp does not know symbology {s}")
            fmts.append(getattr(zxingcpp.BarcodeFormat, name))
        # zxing-cpp 3 takes a tuple of formats (and deprecates "|"); 2.x wants them or-ed together.
        probe = np.full((8, 8), 255, np.uint8)
        try:
            zxingcpp.read_barcodes(probe, formats=tuple(fmts))
            formats: Any = tuple(fmts)
        except TypeError:
            formats = fmts[0]
            for f in fmts[1:]:
                formats = formats | f
        self._kwargs: dict[str, Any] = {"formats": formats, "try_rotate": True, "try_downscale": True}
        # try_invert appeared in zxing-cpp 2.3; older versions do not read light-on-dark codes.
        try:
            zxingcpp.read_barcodes(probe, try_invert=True, **self._kwargs)
            self._kwargs["try_invert"] = True
        except TypeError:
            self.handles_inversion = False

    def read(self, gray: np.ndarray) -> list[RawHit]:
        out = []
        for r in self._z.read_barcodes(gray, **self._kwargs):
            fmt = getattr(r.format, "name", None) or str(r.format)
            sym = _FROM_ZXING.get(fmt.replace(" ", "").replace("-", "").lower(), fmt.upper())
            p = r.position
            poly = tuple((int(q.x), int(q.y)) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
            data = bytes(getattr(r, "bytes", b"") or r.text.encode("utf-8"))
            out.append((r.text, sym, data, poly))
        return out


_BACKENDS = {"zbar": _ZbarBackend, "zxing": _ZxingBackend}
_available_cache: dict[str, bool] = {}


def available_decoders() -> list[str]:
    """Decoders usable here, preferred first."""
    out = []
    for name in ("zxing", "zbar"):
        if name not in _available_cache:
            try:
                _BACKENDS[name](("QRCODE",))
                _available_cache[name] = True
            except DecoderUnavailable:
                _available_cache[name] = False
        if _available_cache[name]:
            out.append(name)
    return out


def resolve_decoder(decoder: str = "auto") -> str:
    """``"auto"`` → ``"zxing"`` when zxing-cpp is installed, else ``"zbar"``."""
    if decoder == "auto":
        avail = available_decoders()
        if not avail:
            raise DecoderUnavailable("no barcode decoder: install libzbar0 (and pyzbar), or zxing-cpp")
        return avail[0]
    if decoder not in _BACKENDS:
        raise ValueError(f"decoder must be 'auto', 'zbar' or 'zxing', not {decoder!r}")
    return decoder


# --- image operations (numpy / Pillow only) --------------------------------------------------------------------
def _pil(a: np.ndarray) -> Image.Image:
    return Image.fromarray(a, "L")


def _upscale(a: np.ndarray, k: int) -> np.ndarray:
    if k == 1:
        return a
    h, w = a.shape
    return np.asarray(_pil(a).resize((w * k, h * k), Image.Resampling.BICUBIC))


def _denoise_sharpen(a: np.ndarray, sigma: float, radius: float, percent: int) -> np.ndarray:
    im = _pil(a)
    if sigma > 0:
        im = im.filter(ImageFilter.GaussianBlur(sigma))
    return np.asarray(im.filter(ImageFilter.UnsharpMask(radius, percent, 0)))


def _median_up_sharpen(a: np.ndarray, k: int, radius: float, percent: int) -> np.ndarray:
    """3x3 median (salt-and-pepper and sensor noise, edges kept) at the crop's resolution, then upscale and
    sharpen.  (A median after upscaling would be 4x the pixels and a 5x5 window: ~20x slower.)"""
    im = _pil(a).filter(ImageFilter.MedianFilter(3))
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


def _rotate(a: np.ndarray, angle: float) -> tuple[np.ndarray, Callable[[float, float], tuple[float, float]]]:
    """Rotate counter-clockwise by *angle* degrees (canvas expanded, filled with the median grey); returns
    the image and a function mapping its points back to the original."""
    h, w = a.shape
    fill = int(np.median(a[:: max(1, h // 64), :: max(1, w // 64)]))
    r = np.asarray(_pil(a).rotate(angle, Image.Resampling.BILINEAR, expand=True, fillcolor=fill))
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
    small = np.asarray(_pil(gray).reduce(factor), np.int16)
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
    for y0, x0 in zip(*np.nonzero(mask)):
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


# --- the cascade ------------------------------------------------------------------------------------------------
# Region recipes: name -> (function(crop, s, k) -> processed crop, upscale factor k, rotation in degrees).
# ``s`` scales filter sizes with the image resolution (1.0 up to 1600 px).  Recipes named "up2-*" upscale
# 2x, but only crops up to _UPSCALE_MAX px (a bigger region holds a big code that needs no upscaling, which
# would only cost time): bigger crops run at 1x with the same filters.
_UPSCALE_MAX = 320
_RECIPES: dict[str, tuple[Callable[[np.ndarray, float, int], np.ndarray], int, float]] = {
    # name: (function(crop, s, k), upscale factor k, then rotate by degrees)
    "sharpen": (lambda c, s, k: _denoise_sharpen(c, 0.8 * s, 2 * s, 250), 1, 0),
    "up2-sharpen": (lambda c, s, k: _denoise_sharpen(_upscale(c, k), 0.6 * k * s, 2 * k * s, 300), 2, 0),
    "sharpen-rot45": (lambda c, s, k: _denoise_sharpen(c, 0.8 * s, 2 * s, 250), 1, 45),
    "up2-sharpen-rot45": (lambda c, s, k: _denoise_sharpen(_upscale(c, k), 0.6 * k * s, 2 * k * s, 300), 2, 45),
    "up2-median": (lambda c, s, k: _median_up_sharpen(c, k, 2 * k * s, 250), 2, 0),
    "soft-sharpen": (lambda c, s, k: _denoise_sharpen(c, 1.5 * s, 3 * s, 300), 1, 0),
    "up2-adaptive": (lambda c, s, k: _adaptive_threshold(
        np.asarray(_pil(_upscale(c, k)).filter(ImageFilter.GaussianBlur(0.6 * k * s))), int(6 * k * s)), 2, 0),
    "otsu": (lambda c, s, k: _otsu(np.asarray(_pil(c).filter(ImageFilter.GaussianBlur(0.8 * s)))), 1, 0),
}
# Measured on the hard set (bench/qr_decode.py): the order is by wins per millisecond.  "up2-median" rarely
# adds anything there; it stays available for salt-and-pepper noise (pass recipes=...).
DEFAULT_RECIPES: tuple[str, ...] = ("sharpen", "up2-sharpen", "sharpen-rot45", "up2-sharpen-rot45",
                                    "soft-sharpen", "up2-adaptive", "otsu")


_FAST_STEPS = frozenset({"plain", "half", "half-invert"})


def _contrast(gray: np.ndarray) -> int:
    """Spread of grey levels (2nd to 98th percentile) over a 1/8 subsample: a cheap "could anything be here"."""
    h, w = gray.shape
    sub = gray[:: max(1, h // 60), :: max(1, w // 80)]
    if sub.size == 0:
        return 0
    lo, hi = np.percentile(sub, (2, 98))
    return int(hi - lo)


def _any_result(results: list[ScanResult]) -> bool:
    return bool(results)


def want_ecode(rules: ClassifyRules = DEFAULT_RULES) -> Callable[[list[ScanResult]], bool]:
    """A stop condition for the cascade: an e-code is among the results."""
    return lambda results: any(r.classify(rules).is_ecode for r in results)


class FrameDecoder:
    """The :class:`CodeScanner` implementation: one decoder backend plus the preprocessing cascade.

    Thread-safe (no mutable state after construction): one instance may serve a worker pool.
    """

    def __init__(self, decoder: str = "auto", *, symbologies: Sequence[str] = DEFAULT_SYMBOLOGIES,
                 cascade: bool = True, budget_ms: float | None = None, max_regions: int = 3,
                 recipes: Sequence[str] = DEFAULT_RECIPES, rotate: bool = True):
        if not symbologies:
            raise ValueError("at least one symbology is needed")
        self.name = resolve_decoder(decoder)
        self._backend = _BACKENDS[self.name](tuple(symbologies))
        self.symbologies = tuple(symbologies)
        self.cascade = cascade
        self.budget_ms = budget_ms
        self.max_regions = max_regions
        unknown = [r for r in recipes if r not in _RECIPES]
        if unknown:
            raise ValueError(f"unknown recipes {unknown}; known: {sorted(_RECIPES)}")
        self.recipes = tuple(recipes)
        self.rotate = rotate and any(s in _LINEAR for s in self.symbologies)
        inv = not self._backend.handles_inversion
        names = ["invert"] if inv else []
        for recipe in self.recipes:
            names.append(f"region-{recipe}")
            if inv:
                names.append(f"region-{recipe}-invert")
        if self.rotate:
            names.append("rot45")
        self.stages: tuple[str, ...] = tuple(names)     # the fallback stages, in cascade order

    def __repr__(self) -> str:
        return f"FrameDecoder({self.name!r}, cascade={self.cascade}, budget_ms={self.budget_ms})"

    # CodeScanner
    def decode(self, frame: Frame, *, until: Callable[[list[ScanResult]], bool] | None = None) -> list[ScanResult]:
        return self.scan(frame, until=until).results

    def scan(self, frame: Frame, *, until: Callable[[list[ScanResult]], bool] | None = None,
             budget_ms: float | None = ..., cascade: bool | None = None,  # type: ignore[assignment]
             stages: Sequence[str] | None = None, min_contrast: int = 0) -> ScanReport:
        """Decode *frame*; run the cascade until ``until(results)`` holds (default: anything found).

        *stages*: only these fallback stages (names from :attr:`stages`), in that order, after the fast path.
        *min_contrast*: a frame whose grey levels spread less than this skips the fallbacks."""
        t0 = time.perf_counter()
        gray = to_gray(frame)
        budget = self.budget_ms if budget_ms is ... else budget_ms
        use_cascade = self.cascade if cascade is None else cascade
        early = ""
        if use_cascade and min_contrast and _contrast(gray) < min_contrast:
            use_cascade, early = False, "low-contrast"
        plan, get_regions = self._steps(gray, use_cascade)
        if stages is not None:
            runs = dict(plan)
            plan = [(n, r) for n, r in plan if n in _FAST_STEPS] + [(n, runs[n]) for n in stages if n in runs]
        stop = until or _any_result
        results: list[ScanResult] = []
        seen: set[tuple[str, str]] = set()
        steps: list[str] = []
        first_path: str | None = None
        exhausted = False
        for name, run in plan:
            if steps and budget is not None and (time.perf_counter() - t0) * 1000 > budget:
                exhausted = True
                break
            if name.startswith("region-") and not get_regions():
                early = "no-regions"          # nothing code-like: a region step could find nothing
                continue
            steps.append(name)
            try:
                hits = run()
            except Exception:  # a preprocessing or decoder failure must not kill the scan
                log.exception("scan step %s failed", name)
                continue
            for r in hits:
                key = (r.symbology, r.text)
                if key not in seen:
                    seen.add(key)
                    results.append(r)
                    if first_path is None:
                        first_path = name
            if results and stop(results):
                break
        elapsed = (time.perf_counter() - t0) * 1000
        if log.isEnabledFor(logging.DEBUG):
            log.debug("scan %dx%d: %d result(s) via %s in %.1f ms (%d steps%s)", gray.shape[1], gray.shape[0],
                      len(results), first_path, elapsed, len(steps), ", budget exhausted" if exhausted else "")
        return ScanReport(results, first_path, steps, elapsed, self.name, exhausted, early)

    # --- steps ----------------------------------------------------------------------------------------------
    def _read(self, img: np.ndarray, path: str, to_frame: Callable[[float, float], tuple[float, float]] | None
              ) -> list[ScanResult]:
        out = []
        for text, sym, data, poly in self._backend.read(img):
            if to_frame is not None:
                poly = tuple((int(round(x)), int(round(y))) for x, y in (to_frame(px, py) for px, py in poly))
            out.append(ScanResult(text, sym, data, poly, self.name, path))
        return out

    def _steps(self, gray: np.ndarray, cascade: bool
               ) -> tuple[list[tuple[str, Callable[[], list[ScanResult]]]], Callable[[], list]]:
        """The cascade's steps in order (each runs lazily) and the (cached) region finder they share."""
        h, w = gray.shape
        out: list[tuple[str, Callable[[], list[ScanResult]]]] = []
        inv = not self._backend.handles_inversion
        if max(h, w) > 1600 and cascade:
            # A photo: a 2x box-filtered copy first (a quarter of the pixels, less noise, codes still big).
            half = np.asarray(_pil(gray).reduce(2))
            out.append(("half", lambda: self._read(half, "half", lambda x, y: (2 * x, 2 * y))))
            if inv:
                out.append(("half-invert",
                            lambda: self._read(255 - half, "half-invert", lambda x, y: (2 * x, 2 * y))))
        out.append(("plain", lambda: self._read(gray, "plain", None)))
        if not cascade:
            return out, list
        if inv:
            out.append(("invert", lambda: self._read(255 - gray, "invert", None)))
        s = max(1.0, max(h, w) / 800.0) if max(h, w) > 1600 else 1.0
        regions: list[tuple[int, int, int, int]] | None = None

        def get_regions() -> list[tuple[int, int, int, int]]:
            nonlocal regions
            if regions is None:
                regions = find_code_regions(gray, max_regions=self.max_regions)
            return regions

        for recipe in self.recipes:
            fn, k, angle = _RECIPES[recipe]
            for polarity in (("", False), ("-invert", True)) if inv else (("", False),):
                suffix, negate = polarity
                name = f"region-{recipe}{suffix}"
                out.append((name, lambda fn=fn, k=k, angle=angle, negate=negate, name=name:
                            self._run_regions(gray, get_regions(), fn, k, angle, s, negate, name)))
        if self.rotate:
            def rot() -> list[ScanResult]:
                r, back = _rotate(gray, 45)
                return self._read(r, "rot45", back)
            out.append(("rot45", rot))
        return out, get_regions

    def _run_regions(self, gray, regions, fn, k, angle, s, negate, name) -> list[ScanResult]:
        out: list[ScanResult] = []
        for x0, y0, x1, y1 in regions:
            crop = gray[y0:y1, x0:x1]
            if negate:
                crop = 255 - crop
            kk = k if max(crop.shape) <= _UPSCALE_MAX else 1
            img = fn(np.ascontiguousarray(crop), s, kk)
            if angle:
                img, back = _rotate(img, angle)
            else:
                back = _identity
            out.extend(self._read(img, name, lambda x, y, x0=x0, y0=y0, kk=kk, back=back:
                                  _to_frame(back(x, y), x0, y0, kk)))
        return out


def _identity(x: float, y: float) -> tuple[float, float]:
    return x, y


def _to_frame(p: tuple[float, float], x0: int, y0: int, k: int) -> tuple[float, float]:
    return x0 + p[0] / k, y0 + p[1] / k


# --- camera streams --------------------------------------------------------------------------------------------
CAMERA_BUDGET_MS = 8.0          # per frame, for the fallbacks: no new stage starts once a frame has taken this
CAMERA_MIN_CONTRAST = 16        # grey levels (2nd..98th percentile): below this no code is readable


class StreamDecoder:
    """Decoding for a camera stream: the fast path on every frame, the fallbacks spread over frames.

    Each frame runs the fast path, then at most *stages_per_frame* fallback stages taken round robin from
    the decoder's :attr:`FrameDecoder.stages` (the next frame continues where this one stopped).  *budget_ms*
    is the stream's average time per frame: the time a frame takes beyond it is a debt, and while the stream
    is in debt frames run the fast path only (each paying back ``budget - its time``); every *max_skip*-th
    frame runs its stage anyway, so the fallbacks progress even when the fast path alone exceeds the budget.
    ``budget_ms=None``: every frame runs its stages.  A frame with too little contrast, or with no code-like
    region, skips what could not find anything.  Still images should use :class:`FrameDecoder` (the whole
    cascade, no budget).

    One stream's state (the next stage) is guarded by a lock; use one instance per camera.
    """

    def __init__(self, decoder: FrameDecoder | str = "auto", *, budget_ms: float | None = CAMERA_BUDGET_MS,
                 stages_per_frame: int = 1, min_contrast: int = CAMERA_MIN_CONTRAST,
                 symbologies: Sequence[str] = ("QRCODE",), max_skip: int = 8):
        if stages_per_frame < 0:
            raise ValueError("stages_per_frame must be >= 0")
        self.frame_decoder = (decoder if isinstance(decoder, FrameDecoder)
                              else FrameDecoder(decoder, symbologies=symbologies))
        self.name = self.frame_decoder.name
        self.budget_ms = budget_ms
        self.stages_per_frame = stages_per_frame
        self.min_contrast = min_contrast
        self.max_skip = max(1, max_skip)
        self._next = 0
        self._debt = 0.0            # ms spent beyond the budget, to pay back with fast-path-only frames
        self._skipped = 0           # frames in a row that ran no fallback because of the debt
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (f"StreamDecoder({self.name!r}, budget_ms={self.budget_ms}, "
                f"stages_per_frame={self.stages_per_frame})")

    @property
    def stages(self) -> tuple[str, ...]:
        return self.frame_decoder.stages

    def reset(self) -> None:
        """A new scene (e.g. the dialog reopened): start again with the first fallback stage."""
        with self._lock:
            self._next = 0
            self._debt = 0.0
            self._skipped = 0

    def decode(self, frame: Frame, *, until: Callable[[list[ScanResult]], bool] | None = None) -> list[ScanResult]:
        return self.scan(frame, until=until).results

    def scan(self, frame: Frame, *, until: Callable[[list[ScanResult]], bool] | None = None) -> ScanReport:
        all_stages = self.frame_decoder.stages
        with self._lock:
            n = min(self.stages_per_frame, len(all_stages))
            if self.budget_ms is not None and self._debt > 0 and self._skipped + 1 < self.max_skip:
                n = 0                                   # in debt: this frame gets the fast path only
            self._skipped = 0 if n else self._skipped + 1
            start = self._next % len(all_stages) if all_stages else 0
            self._next = start + n
        mine = [all_stages[(start + i) % len(all_stages)] for i in range(n)]
        rep = self.frame_decoder.scan(frame, until=until, budget_ms=None, stages=mine,
                                      min_contrast=self.min_contrast)
        if self.budget_ms is not None:
            with self._lock:
                self._debt = max(0.0, self._debt + rep.elapsed_ms - self.budget_ms)
        return rep


# --- module-level conveniences ---------------------------------------------------------------------------------
_default: dict[tuple[str, bool], FrameDecoder] = {}
_default_lock = threading.Lock()


def _decoder_for(decoder: str, cascade: bool) -> FrameDecoder:
    key = (resolve_decoder(decoder), cascade)
    with _default_lock:
        if key not in _default:
            _default[key] = FrameDecoder(key[0], cascade=cascade)
        return _default[key]


def scan(frame: Frame, *, decoder: str = "auto", cascade: bool = True,
         until: Callable[[list[ScanResult]], bool] | None = None, budget_ms: float | None = None) -> ScanReport:
    return _decoder_for(decoder, cascade).scan(frame, until=until, budget_ms=budget_ms)


def decode(frame: Frame, *, decoder: str = "auto", cascade: bool = True,
           until: Callable[[list[ScanResult]], bool] | None = None,
           budget_ms: float | None = None) -> list[ScanResult]:
    """All codes found in *frame* (the cascade stops at the first step that finds anything, or when
    *until* holds)."""
    return scan(frame, decoder=decoder, cascade=cascade, until=until, budget_ms=budget_ms).results


def pick_ecode(results: Iterable[ScanResult], rules: ClassifyRules = DEFAULT_RULES) -> ScanResult | None:
    """The e-code among the results (the first one found), or None."""
    for r in results:
        if r.classify(rules).is_ecode:
            return r
    return None


def decode_ecode(frame: Frame, *, decoder: str = "auto", rules: ClassifyRules = DEFAULT_RULES,
                 budget_ms: float | None = None) -> ScanResult | None:
    """Look for the e-code specifically: the cascade goes on past other codes (a payment code next to it)
    until an e-code is decoded or the cascade / budget ends."""
    return pick_ecode(decode(frame, decoder=decoder, until=want_ecode(rules), budget_ms=budget_ms), rules)
