"""Render codes as images: QR codes (qrcode) and EAN-13 barcodes (drawn directly).

Used by the sandbox e-code issuer (showing an e-code on screen), the tests and the benchmark.
Pure: returns PIL images, writes nothing.
"""
from __future__ import annotations

import functools

import qrcode
import qrcode.constants
from PIL import Image

from .classify import ean13_check_digit

__all__ = ["make_qr_image", "qr_modules", "make_ean13_image", "ean13_with_check_digit"]

_EC_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


@functools.lru_cache(maxsize=64)
def qr_modules(text: str, *, error_correction: str = "M", border: int = 4,
               mask_pattern: int | None = None) -> tuple[tuple[bool, ...], ...]:
    """The module matrix (True = dark) including the quiet zone.  ``mask_pattern`` (0-7) skips the
    search for the best mask (8 trial encodings): faster, equally valid."""
    qr = qrcode.QRCode(error_correction=_EC_LEVELS[error_correction.upper()], box_size=1, border=border,
                       mask_pattern=mask_pattern)
    qr.add_data(text)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.get_matrix())


def make_qr_image(text: str, size: int | None = 256, *, error_correction: str = "M", border: int = 4,
                  box_size: int | None = None, mask_pattern: int | None = None) -> Image.Image:
    """A QR code for *text* as a mode "L" image (black modules on white, quiet zone included).

    ``size`` is the side in pixels (quiet zone included); modules are drawn crisp (nearest neighbour), so
    with a size that is not a multiple of the module count some modules are one pixel wider.  Pass
    ``size=None, box_size=n`` for exactly n pixels per module.
    """
    matrix = qr_modules(text, error_correction=error_correction, border=border, mask_pattern=mask_pattern)
    n = len(matrix)
    img = Image.new("L", (n, n), 255)
    img.putdata([0 if dark else 255 for row in matrix for dark in row])
    if size is None:
        box = box_size or 8
        return img.resize((n * box, n * box), Image.Resampling.NEAREST)
    if size < n:
        raise ValueError(f"size {size} px is smaller than the QR code's {n} modules")
    return img.resize((size, size), Image.Resampling.NEAREST)


# --- EAN-13 -------------------------------------------------------------------------------------------------
_L = ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011"]
_G = ["0100111", "0110011", "0011011", "0100001", "0011101", "0111001", "0000101", "0010001", "0001001", "0010111"]
_R = ["".join("1" if b == "0" else "0" for b in code) for code in _L]
_PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]


def ean13_with_check_digit(first12: str) -> str:
    return first12 + str(ean13_check_digit(first12))


def _ean13_bits(code: str) -> str:
    if len(code) == 12:
        code = ean13_with_check_digit(code)
    if len(code) != 13 or not code.isdigit() or ean13_check_digit(code[:12]) != int(code[12]):
        raise ValueError(f"not a valid EAN-13: {code!r}")
    parity = _PARITY[int(code[0])]
    left = "".join((_L if p == "L" else _G)[int(d)] for p, d in zip(parity, code[1:7], strict=True))
    right = "".join(_R[int(d)] for d in code[7:])
    return "101" + left + "01010" + right + "101"


def make_ean13_image(code: str, *, module_px: int = 2, height: int = 60, quiet: int = 11) -> Image.Image:
    """An EAN-13 barcode (12 digits: the check digit is added; 13 digits: checked) as a mode "L" image,
    bars only (no human-readable digits), with *quiet* modules of quiet zone each side."""
    bits = "0" * quiet + _ean13_bits(code) + "0" * quiet
    row = Image.new("L", (len(bits), 1), 255)
    row.putdata([0 if b == "1" else 255 for b in bits])
    return row.resize((len(bits) * module_px, height), Image.Resampling.NEAREST)
