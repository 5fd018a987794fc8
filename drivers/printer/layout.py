"""A composed receipt as text lines for a paper width in characters (a character cell printer's columns, e.g. 48 on
80 mm paper, 32 on 58 mm), CJK characters two columns wide (terminal.core.textwidth). The QR code has no text
form: a printer draws it from ``receipt.qr``.
"""
from __future__ import annotations

from terminal.core.textwidth import char_width, display_width

from .compose import ComposedReceipt, Item, Row

#: the narrowest paper laid out (58 mm roll paper prints 32 columns)
MIN_WIDTH = 16
INDENT = "  "


def wrap(text: str, width: int) -> list[str]:
    """Cut text into lines of at most width columns (no hyphenation: CJK text has no spaces to break at)."""
    out: list[str] = []
    line, used = "", 0
    for ch in text:
        w = char_width(ch)
        if used + w > width and line:
            out.append(line.rstrip())
            line, used = "", 0
        line += ch
        used += w
    out.append(line.rstrip())
    return out


def centre(text: str, width: int) -> list[str]:
    return [" " * ((width - display_width(s)) // 2) + s for s in wrap(text, width)]


def pair(row: Row, width: int) -> list[str]:
    """Label left, value right on one line; a label too long for both wraps, the value ends its last line."""
    label = (INDENT if row.indent else "") + row.label
    lines = wrap(label, width)
    room = width - display_width(lines[-1]) - display_width(row.value)
    if room >= 1:
        lines[-1] += " " * room + row.value
    else:
        lines += [_right(v, width) for v in wrap(row.value, width)]
    return lines


def _right(text: str, width: int) -> str:
    return " " * max(0, width - display_width(text)) + text


def items(header: tuple[str, str, str], rows: tuple[Item, ...], width: int) -> list[str]:
    """The bill items in three columns: the name wraps in its column, quantity and amount align right."""
    qty_w = max(display_width(x) for x in [header[1], *(r.qty for r in rows)])
    amt_w = max(display_width(x) for x in [header[2], *(r.amount for r in rows)])
    name_w = width - qty_w - amt_w - 2
    out: list[str] = []
    for name, qty, amount in [header, *((r.name, r.qty, r.amount) for r in rows)]:
        figures = _right(qty, qty_w) + " " + _right(amount, amt_w)
        if name_w < 4:  # narrow paper: the name on its own lines, its figures right-aligned under it
            out += [*wrap(name, width), _right(figures, width)]
            continue
        names = wrap(name, name_w)
        out += [names[0] + " " * (name_w - display_width(names[0])) + " " + figures, *names[1:]]
    return out


def text_lines(receipt: ComposedReceipt, width: int = 48) -> list[str]:
    """The receipt as lines of at most width columns (display width), in print order."""
    if width < MIN_WIDTH:
        raise ValueError(f"paper width {width} < {MIN_WIDTH} columns")
    rule = "-" * width
    out = centre(receipt.facility, width) if receipt.facility else []
    out += centre(receipt.title, width)
    for n in receipt.notes:
        out += centre(n.text, width)
    if receipt.info:
        out.append(rule)
        for r in receipt.info:
            out += pair(r, width)
    if receipt.items and receipt.item_header is not None:
        out.append(rule)
        out += items(receipt.item_header, receipt.items, width)
    if receipt.amounts:
        out.append(rule)
        for r in receipt.amounts:
            out += pair(r, width)
    if receipt.cash is not None:
        out.append(rule)
        out += pair(receipt.cash, width)
    for line in receipt.body:
        out += wrap(line, width)
    for line in receipt.footer:
        out += centre(line, width)
    return out
