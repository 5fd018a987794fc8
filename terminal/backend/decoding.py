"""Answers as they come off the wire: the body decoded by its declared charset, a readable excerpt for
messages, the JSON with every non-integer number a Decimal, and the envelope's infcode."""
from __future__ import annotations

import codecs
import functools
import re
from decimal import Decimal
from typing import Any

from terminal.core import wire

from .errors import MalformedAnswer


def infcode_ok(code: Any) -> bool | None:
    """True for success (0 / "0"), False for failure (-1 / "-1" / other ints), None when not a code."""
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code == 0
    if isinstance(code, str) and code.strip().lstrip("-").isdigit():
        return int(code.strip()) == 0
    if isinstance(code, Decimal) and code == code.to_integral():
        return code == 0
    return None


def is_envelope(content: bytes, ctype: str) -> bool:
    """A 9102 answer that is the JSON envelope (an error), not the file: declared JSON, or text starting with {."""
    if "json" in (ctype or "").lower():
        return True
    head = content[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and b"infcode" in content[:4096]


# Answers: decoded by the declared charset --------------------------------------------------------
_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:+-]+)""", re.I)
# a declared charset read as its superset (GBK pages often carry GB18030-only characters, UTF-8 a BOM)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030", "utf-8": "utf-8-sig",
              "utf8": "utf-8-sig"}
_TAG_RE = re.compile(r"<[^>]{0,200}>")
_SPACE_RE = re.compile(r"\s+")
EXCERPT_CHARS = 80


def declared_charset(content_type: str | None) -> str:
    m = _CHARSET_RE.search(content_type or "")
    return m.group(1) if m else ""


@functools.lru_cache(maxsize=64)
def _codec(charset: str) -> str | None:
    """The codec's canonical name (None when Python has none); the same few labels on every answer: cached."""
    name = _SUPERSETS.get(charset.lower(), charset)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _utf8_sig(content: bytes) -> str:
    """content.decode("utf-8-sig") (one leading BOM dropped) by the C UTF-8 decoder, without the Python-level
    incremental codec that "utf-8-sig" goes through (issue 16: it was a tenth of an answer's decoding)."""
    return content[3:].decode("utf-8") if content.startswith(codecs.BOM_UTF8) else content.decode("utf-8")


def answer_text(content: bytes, content_type: str | None) -> tuple[str | None, str]:
    """(text, how it was read) of an answer body; text None when it cannot be decoded strictly.

    A declared GBK / GB2312 / GB18030 rules (read as GB18030, their superset); any other declaration is taken
    only when the bytes are not valid UTF-8 (UTF-8 labelled ISO-8859-1 exists); without one, UTF-8, and
    GB18030 when the bytes are not UTF-8 (some platforms send GBK without saying so)."""
    declared = declared_charset(content_type)
    if declared:
        codec = _codec(declared)
        if codec is not None and codec != "gb18030":
            # Gateways often label UTF-8 JSON as ISO-8859-1 (a Java default): bytes that are valid UTF-8 are read
            # as UTF-8 unless the declaration is of the GBK family (GBK text is rarely valid UTF-8 by accident)
            try:
                return _utf8_sig(content), "utf-8"
            except UnicodeDecodeError:
                pass
        if codec is not None:
            try:
                return content.decode(codec), declared
            except UnicodeDecodeError:
                return None, declared
    for codec in ("utf-8-sig", "gb18030"):
        try:
            return (_utf8_sig(content) if codec == "utf-8-sig" else content.decode(codec)), codec
        except UnicodeDecodeError:
            continue
    return None, declared or "utf-8"


def excerpt(content: bytes, content_type: str | None = None, limit: int = EXCERPT_CHARS) -> str:
    """A readable start of an answer body for messages: decoded (never byte escapes), tags and runs of
    white space removed, personal data masked."""
    text, _ = answer_text(content[: limit * 8], content_type)
    if text is None:
        codec = _codec(declared_charset(content_type)) or "utf-8"
        tries = [content[: limit * 8].decode(c, errors="replace") for c in dict.fromkeys((codec, "utf-8", "gb18030"))]
        text = min(tries, key=lambda t: t.count("\ufffd"))
    if text.lstrip().startswith("<"):
        text = _TAG_RE.sub(" ", text)
    text = _SPACE_RE.sub(" ", text).strip()
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    from terminal.crash import mask_text

    text = mask_text(text)  # before cutting: a cut-off ID number would no longer look like one
    return (text[:limit] + ("…" if len(text) > limit else "")) or "（空）"


def decode_answer(content: bytes, content_type: str | None, *, money_moving: bool = False, **kw: str) -> Any:
    """The JSON of an answer, every non-integer number a Decimal; MalformedAnswer with a readable excerpt."""
    text, how = answer_text(content, content_type)
    what = f"{content_type or '未声明类型'}，{len(content)} 字节"
    if text is None:
        raise MalformedAnswer(f"应答无法按字符集 {how} 解码（{what}）：{excerpt(content, content_type)}",
                              money_moving=money_moving, **kw)
    try:
        return wire.loads(text)
    except (ValueError, RecursionError) as ex:
        raise MalformedAnswer(f"应答不是合法的 JSON（{what}）：{excerpt(content, content_type)}",
                              money_moving=money_moving, detail=str(ex)[:200], **kw) from ex
