"""The barcode libraries behind the decoder: zbar (pyzbar + libzbar0, required) and zxing-cpp (optional), each
reading a grey numpy frame into raw hits (text, symbology, bytes, polygon)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from terminal.core.errors import UserFacingError


class DecoderUnavailable(UserFacingError, RuntimeError):
    """The requested decoder cannot be used here (library missing)."""


RawHit = tuple[str, str, bytes, tuple[tuple[int, int], ...]]   # text, symbology, data, polygon


class ZbarBackend:
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


class ZxingBackend:
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
