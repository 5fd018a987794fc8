"""A composed receipt as text lines for a paper width in characters (a character cell printer's columns: 48 on
80 mm paper, 32 on 58 mm), CJK characters two columns wide (terminal.core.textwidth).

Nothing is cut in the middle of a word: a line breaks at a space or between two CJK characters, never inside a run of
Latin letters and digits (an ID number, a masked name, an amount), unless that run alone is wider than the paper.
A label and its value share a line when both fit, else the value goes right-aligned on the next line, whole.

:func:`styled_lines` keeps what a printer needs besides the text (bold, double height, where the QR goes);
:func:`text_lines` is the plain text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from terminal.core.textwidth import char_width, display_width

from .compose import ComposedReceipt, Item, Row

#: the narrowest paper laid out (58 mm roll paper prints 32 columns)
MIN_WIDTH = 16
INDENT = "  "
#: paper width (mm) -> columns of the printer's standard font (12 x 24 dots at 203 dpi: 576 / 384 dots printable)
PAPER_COLUMNS = {80: 48, 58: 32}


def paper_columns(paper_mm: int) -> int:
    """Columns of a roll paper width in millimetres (80 -> 48, 58 -> 32)."""
    try:
        return PAPER_COLUMNS[paper_mm]
    except KeyError:
        raise ValueError(f"paper width {paper_mm} mm: 58 or 80") from None


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line: its text, bold, double height (the cash line); ``qr`` marks where the QR code goes
    (its text is empty)."""

    text: str
    bold: bool = False
    tall: bool = False
    qr: bool = False


#: a run that must stay whole: Latin letters, digits and the marks inside IDs, amounts and masked names
_WORD = re.compile(r"[0-9A-Za-z*¥￥.,:;/_+\-@#%&()（）|·]+|\s+|.", re.DOTALL)


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text)


def _hard(token: str, width: int) -> list[str]:
    out, line, used = [], "", 0
    for ch in token:
        w = char_width(ch)
        if used + w > width and line:
            out.append(line)
            line, used = "", 0
        line += ch
        used += w
    return [*out, line]


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most width columns: breaks at spaces and between CJK characters; a word (letters, digits,
    ID and amount marks) moves whole to the next line, and is cut only when it alone is wider than the paper."""
    out: list[str] = []
    line = ""
    for tok in _tokens(text):
        if tok.isspace():
            if line and display_width(line + tok) <= width:
                line += tok
            elif line:
                out.append(line.rstrip())
                line = ""
            continue
        if display_width(line + tok) <= width:
            line += tok
            continue
        if line.strip():
            out.append(line.rstrip())
        line = ""
        if display_width(tok) > width:
            *whole, line = _hard(tok, width)
            out += whole
        else:
            line = tok
    out.append(line.rstrip())
    return out


def centre(text: str, width: int) -> list[str]:
    return [" " * ((width - display_width(s)) // 2) + s for s in wrap(text, width)]


def _right(text: str, width: int) -> str:
    return " " * max(0, width - display_width(text)) + text


def pair(row: Row, width: int) -> list[str]:
    """Label left, value right on one line; when both do not fit, the value goes right-aligned below, whole."""
    indent = INDENT if row.indent else ""
    lines = wrap(row.label, width - len(indent))
    lines[0] = indent + lines[0]
    room = width - display_width(lines[-1]) - display_width(row.value)
    if room >= 1:
        lines[-1] += " " * room + row.value
    elif row.value:
        lines += [_right(v, width) for v in wrap(row.value, width)]
    return lines


def items(header: tuple[str, ...], rows: tuple[Item, ...], width: int) -> list[str]:
    """The bill items: the name, then quantity, amount and class (甲/乙/丙) right-aligned in columns. A name that
    fits its column shares the line with its figures; a longer one takes the full width (whole words) and its
    figures follow on the next line. An item's detail lines (a drug's traceability codes) follow it, indented."""
    cols = [[header[k], *(r[k] for r in ((i.name, i.qty, i.amount, i.level) for i in rows))]
            for k in range(1, len(header))]
    widths = [max(display_width(x) for x in col) for col in cols]
    name_w = width - sum(widths) - len(widths)
    out: list[str] = []
    details: list[tuple[str, ...]] = [(), *(r.detail for r in rows)]
    for (name, *figs), detail in zip([header, *((r.name, r.qty, r.amount, r.level)[:len(header)] for r in rows)],
                                     details, strict=True):
        figures = " ".join(_right(f, w) for f, w in zip(figs, widths, strict=True))
        if display_width(figures) > width:  # paper narrower than the columns: the figures as words
            out += [*wrap(name, width), *(_right(x, width) for x in wrap(" ".join(f for f in figs if f), width))]
        elif name_w >= 4 and display_width(name) <= name_w:
            out.append(name + " " * (name_w - display_width(name)) + " " + figures)
        else:
            out += [*wrap(name, width), _right(figures, width)]
        for d in detail:
            out += [INDENT + x for x in wrap(d, width - len(INDENT))]
    return out


_GAP = re.compile(r"\s{2,}")


_AMOUNT = re.compile(r"-?[¥￥]?-?[\d,]+\.\d{2}")


def body_line(text: str, width: int) -> list[str]:
    """A slip's own line (composed for some width) on this paper: as it is when it fits; else its parts (runs of
    text between gaps of two or more spaces) packed onto lines, a "label   amount" line as a label and its
    right-aligned amount, a part wider than the paper wrapped at word boundaries."""
    if display_width(text) <= width:
        return [text.rstrip()]
    if text.strip() and not text.strip().strip("-="):  # a rule composed for wider paper
        return [text.strip()[0] * width]
    parts = [x for x in _GAP.split(text.strip()) if x]
    if len(parts) == 2 and _AMOUNT.fullmatch(parts[1]):
        return pair(Row(parts[0], parts[1], indent=text.startswith(INDENT)), width)
    out: list[str] = []
    line = ""
    for part in parts:
        joined = f"{line}  {part}" if line else part
        if display_width(joined) <= width:
            line = joined
            continue
        if line:
            out.append(line)
        *full, line = wrap(part, width)
        out += full
    return [*out, line]


def styled_lines(receipt: ComposedReceipt, width: int = 48) -> list[Line]:
    """The receipt as lines of at most width columns (display width), in print order, with their style."""
    if width < MIN_WIDTH:
        raise ValueError(f"paper width {width} < {MIN_WIDTH} columns")
    rule = Line("-" * width)
    out: list[Line] = []

    def rows(rs: tuple[Row, ...]) -> None:
        for r in rs:
            out.extend(Line(x, bold=r.bold) for x in pair(r, width))

    if receipt.facility:
        out += [Line(x, bold=True) for x in centre(receipt.facility, width)]
    out += [Line(x, bold=True) for x in centre(receipt.title, width)]
    for n in receipt.notes:
        out += [Line(x, bold=n.bold) for x in centre(n.text, width)]
    if receipt.info:
        out.append(rule)
        rows(receipt.info)
    if receipt.items and receipt.item_header is not None:
        out.append(rule)
        out += [Line(x) for x in items(receipt.item_header, receipt.items, width)]
    if receipt.amounts:
        out.append(rule)
        rows(receipt.amounts)
    if receipt.cash is not None:
        out.append(rule)
        out += [Line(x, bold=True, tall=True) for x in pair(receipt.cash, width)]
        rows(receipt.tender)
    if receipt.body:
        if receipt.body[0].strip("-= "):  # a slip that starts with its own rule needs no other
            out.append(rule)
        for line in receipt.body:
            out += [Line(x) for x in body_line(line, width)]
    if receipt.refs:
        out.append(rule)
        rows(receipt.refs)
    if receipt.qr:
        out.append(Line("", qr=True))
    for line in receipt.footer:
        out += [Line(x) for x in centre(line, width)]
    return out


def text_lines(receipt: ComposedReceipt, width: int = 48) -> list[str]:
    """The receipt as lines of at most width columns (display width), in print order (the QR has no text)."""
    return [x.text for x in styled_lines(receipt, width) if not x.qr]
