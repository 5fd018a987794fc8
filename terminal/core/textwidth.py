"""How many columns text takes on a character-cell device (a receipt printer, a terminal): CJK characters two,
combining marks none (the standard library's East Asian Width table)."""
from __future__ import annotations

import unicodedata


def char_width(ch: str) -> int:
    """Columns one character takes: 2 for wide and full-width (CJK), 0 for combining marks, else 1."""
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def display_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)
