"""pyscard's low-level API (smartcard.scard), loaded lazily, and the helpers the reader and the monitor share:
result codes, their meaning, and matching reader names against the configured pattern."""
from __future__ import annotations

import fnmatch
from typing import Any

from .errors import NoService

PNP_NOTIFICATION = "\\\\?PnP?\\Notification"


def load_scard() -> Any:
    """smartcard.scard, or NoService when pyscard / libpcsclite cannot be loaded."""
    try:
        from smartcard import scard
    except (ImportError, OSError) as e:  # pragma: no cover - depends on the machine
        raise NoService(f"pyscard or libpcsclite is not available: {e}") from e
    return scard


def hr_code(hr: int) -> int:
    return int(hr) & 0xFFFFFFFF


def service_codes(s: Any) -> set[int]:
    return {s.SCARD_E_NO_SERVICE, s.SCARD_E_SERVICE_STOPPED, s.SCARD_E_INVALID_HANDLE}


def reader_gone_codes(s: Any) -> set[int]:
    return {s.SCARD_E_UNKNOWN_READER, s.SCARD_E_READER_UNAVAILABLE, s.SCARD_E_NO_READERS_AVAILABLE}


def describe(s: Any, hr: int, where: str) -> str:
    try:
        text = s.SCardGetErrorMessage(hr)
    except Exception:
        text = ""
    return f"{where}: {text.strip().rstrip('.')} (0x{hr_code(hr):08X})"


def match_readers(names: list[str], pattern: str | None) -> list[str]:
    """Readers whose name matches `pattern`: a case-insensitive substring, or a glob if it has * ? [."""
    if not pattern:
        return list(names)
    if pattern in names:
        return [pattern]
    p = pattern.lower()
    if any(c in pattern for c in "*?["):
        return [n for n in names if fnmatch.fnmatchcase(n.lower(), p)]
    return [n for n in names if p in n.lower()]
