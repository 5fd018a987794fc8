"""How one Chinese character may be typed in pinyin: the initials of all its readings and its first reading.

:func:`spell_chars` asks pypinyin, whose single-character dictionary alone costs ~58 MB resident for as long as
the process lives (freeing it gives back only part). The cashier's window therefore never calls it: it runs in a
short-lived child process, once per catalogue, and the answer is kept on disk (terminal.app.pinyin_cache).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

_PLAIN = re.compile(r"[^a-z0-9]")

#: (initials of every reading, the first reading), lower case, letters and digits only
Spelling = tuple[str, str]


def spell_ascii(ch: str) -> Spelling:
    """A letter or digit is itself; any other ASCII character ("", ""): skipped."""
    c = ch.lower()
    return (c, c) if c.isalnum() else ("", "")


def spell_chars(chars: Iterable[str]) -> dict[str, Spelling]:
    """Per character: the initials of every reading (单 → "cds") and the first reading ("dan"), without tones;
    ("", "") for a symbol such as Ⅱ or ％. Imports pypinyin (its dictionary stays loaded in this process)."""
    from pypinyin import Style, pinyin

    out: dict[str, Spelling] = {}
    for ch in chars:
        if ch in out:
            continue
        if ch.isascii():
            out[ch] = spell_ascii(ch)
            continue
        found = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")  # [] for a symbol
        readings = [_PLAIN.sub("", r.lower()) for r in (found[0] if found else [])]
        readings = [r for r in readings if r]
        out[ch] = ("".join(sorted({r[0] for r in readings})), readings[0]) if readings else ("", "")
    return out
