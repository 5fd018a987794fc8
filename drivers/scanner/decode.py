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

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from .backends import DecoderUnavailable, ZbarBackend, ZxingBackend
from .classify import DEFAULT_RULES, ClassifyRules, Classification, classify
from .preprocess import (DEFAULT_RECIPES, RECIPES, UPSCALE_MAX, Frame, contrast, find_code_regions, pil, rotate,
                         to_gray)

__all__ = [
    "ScanResult", "ScanReport", "CodeScanner", "FrameDecoder",
    "DEFAULT_SYMBOLOGIES", "available_decoders", "resolve_decoder",
    "decode", "scan", "decode_ecode", "pick_ecode", "want_ecode", "StreamDecoder", "CAMERA_BUDGET_MS",
]

log = logging.getLogger(__name__)

# Symbologies a cashier desk meets: QR (e-codes, payment codes, links), EAN/UPC (drugs, goods),
# Code 128 / Code 39 / ITF (hospital visit and bill numbers, drug/consumable codes).
DEFAULT_SYMBOLOGIES: tuple[str, ...] = ("QRCODE", "EAN13", "EAN8", "UPCA", "UPCE", "CODE128", "CODE39", "I25")
_LINEAR = {"EAN13", "EAN8", "UPCA", "UPCE", "CODE128", "CODE39", "I25", "CODE93", "CODABAR", "DATABAR"}


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


# --- decoders -------------------------------------------------------------------------------------------------
_BACKENDS = {"zbar": ZbarBackend, "zxing": ZxingBackend}
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


# --- the cascade ------------------------------------------------------------------------------------------------
_FAST_STEPS = frozenset({"plain", "half", "half-invert"})


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
        unknown = [r for r in recipes if r not in RECIPES]
        if unknown:
            raise ValueError(f"unknown recipes {unknown}; known: {sorted(RECIPES)}")
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
        if use_cascade and min_contrast and contrast(gray) < min_contrast:
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
            half = np.asarray(pil(gray).reduce(2))
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
            fn, k, angle = RECIPES[recipe]
            for polarity in (("", False), ("-invert", True)) if inv else (("", False),):
                suffix, negate = polarity
                name = f"region-{recipe}{suffix}"
                out.append((name, lambda fn=fn, k=k, angle=angle, negate=negate, name=name:
                            self._run_regions(gray, get_regions(), fn, k, angle, s, negate, name)))
        if self.rotate:
            def rot() -> list[ScanResult]:
                r, back = rotate(gray, 45)
                return self._read(r, "rot45", back)
            out.append(("rot45", rot))
        return out, get_regions

    def _run_regions(self, gray, regions, fn, k, angle, s, negate, name) -> list[ScanResult]:
        out: list[ScanResult] = []
        for x0, y0, x1, y1 in regions:
            crop = gray[y0:y1, x0:x1]
            if negate:
                crop = 255 - crop
            kk = k if max(crop.shape) <= UPSCALE_MAX else 1
            img = fn(np.ascontiguousarray(crop), s, kk)
            if angle:
                img, back = rotate(img, angle)
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
