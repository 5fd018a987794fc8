"""The ESC/POS thermal printer (the cashier desk's roll printer) through python-escpos: network (raw TCP, port 9100),
USB and serial; Chinese text in GBK (the printer's Chinese mode, FS &); the verification QR drawn by the printer
(GS ( k); a cut at the end. Layouts for 58 mm (32 columns) and 80 mm (48 columns) paper come from
:mod:`drivers.printer.layout`.

The whole receipt is built into bytes first (:func:`escpos_bytes`) and then sent in one write, so a printer that is
off or unplugged fails before anything is printed. :func:`decode` reads such bytes back into lines (the tests and the
screenshots use it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from terminal.core.errors import UserFacingError

from .compose import ComposedReceipt
from .layout import Line, paper_columns, styled_lines

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
INIT = ESC + b"@"
CHINESE_MODE = FS + b"&"  # double-byte GBK characters from here on
ENCODING = "gbk"
#: QR module size in dots per paper width (a ~60 character verification text is 29-33 modules: 20-25 mm)
QR_MODULE = {58: 5, 80: 6}
DEFAULT_PORT = 9100

#: characters a GBK printer lacks, or prints twice as wide as the layout counts them, and what prints instead
SUBSTITUTES = {"¥": "￥", "·": ".", "—": "-", "–": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...",
               "×": "x", "μ": "u", "\u00a0": " "}


class PrinterError(UserFacingError):
    """The receipt printer cannot be reached or refused the job (the message names it, in Chinese)."""


def bold(on: bool) -> bytes:
    return ESC + b"E" + bytes([1 if on else 0])


def size(tall: bool) -> bytes:
    """GS ! n: double height (same columns) or normal."""
    return GS + b"!" + bytes([0x01 if tall else 0x00])


def align(centre: bool) -> bytes:
    return ESC + b"a" + bytes([1 if centre else 0])


def printable(text: str) -> str:
    """text with what a GBK printer cannot print replaced (¥ by ￥, a few marks by their ASCII look-alikes, the
    rest by ?)."""
    out = []
    for ch in text:
        ch = SUBSTITUTES.get(ch, ch)
        try:
            ch.encode(ENCODING)
        except UnicodeEncodeError:
            ch = "?"
        out.append(ch)
    return "".join(out)


_SPACES = re.compile(r" {2,}")


def fit(text: str, width: int) -> bytes:
    """A laid-out line in GBK for a printer of width columns. A character the layout counts one column wide but
    GBK prints two (×, °, №, Ⅱ ...) takes its extra column from the line's widest run of spaces (the padding
    between a label and its value), so the value still ends at the paper's edge."""
    data = text.encode(ENCODING)
    over = len(data) - width  # every GBK byte is one column: ASCII 12 dots, a double-byte character 24
    while over > 0:
        runs = sorted(_SPACES.finditer(text), key=lambda m: m.end() - m.start(), reverse=True)
        if not runs:
            break
        m = runs[0]
        take = min(over, m.end() - m.start() - 1)
        text = text[:m.start()] + " " * (m.end() - m.start() - take) + text[m.end():]
        over -= take
        data = text.encode(ENCODING)
        if take == 0:
            break
    return data


@dataclass(frozen=True)
class Connection:
    """Where the printer is: ``tcp://host[:port]``, ``usb:VID:PID`` (hex) or ``serial:DEVICE[@BAUD]``."""

    kind: str  # tcp | usb | serial
    host: str = ""
    port: int = DEFAULT_PORT
    vendor: int = 0
    product: int = 0
    device: str = ""
    baudrate: int = 9600

    def __str__(self) -> str:
        if self.kind == "tcp":
            return f"tcp://{self.host}:{self.port}"
        if self.kind == "usb":
            return f"usb:{self.vendor:04x}:{self.product:04x}"
        return f"serial:{self.device}@{self.baudrate}"


#: what escpos_connection accepts (terminal/config validates the key against the same forms)
CONNECTION_FORMS = "tcp://主机[:端口]（默认 9100）、usb:VID:PID（十六进制，如 usb:0416:5011）或 serial:设备[@波特率]"
_TCP = re.compile(r"tcp://(?P<host>\[[0-9A-Fa-f:.]+\]|[0-9A-Za-z.-]+)(?::(?P<port>\d{1,5}))?/?")
_USB = re.compile(r"usb:(?P<vid>[0-9A-Fa-f]{4}):(?P<pid>[0-9A-Fa-f]{4})")
_SERIAL = re.compile(r"serial:(?P<dev>[^@\s]+)(?:@(?P<baud>\d{3,7}))?")


def parse_connection(text: str) -> Connection:
    """The printer connection of a configuration value; ValueError (naming the accepted forms) otherwise."""
    text = text.strip()
    if m := _TCP.fullmatch(text):
        port = int(m["port"] or DEFAULT_PORT)
        if not 1 <= port <= 65535:
            raise ValueError(f"端口 {port} 应在 1 到 65535 之间")
        return Connection("tcp", host=m["host"].strip("[]"), port=port)
    if m := _USB.fullmatch(text):
        return Connection("usb", vendor=int(m["vid"], 16), product=int(m["pid"], 16))
    if m := _SERIAL.fullmatch(text):
        return Connection("serial", device=m["dev"], baudrate=int(m["baud"] or 9600))
    raise ValueError(f"应为 {CONNECTION_FORMS}，实际为 {text!r}")


def escpos_bytes(receipt: ComposedReceipt, paper_mm: int = 80) -> bytes:
    """The receipt as ESC/POS commands for a paper width: init, Chinese mode, the lines in GBK (bold, double
    height for the cash line), the QR (printed by the printer), feed and cut."""
    from escpos.constants import QR_ECLEVEL_M
    from escpos.printer import Dummy

    width = paper_columns(paper_mm)
    c = receipt.map_text(printable)
    d = Dummy()
    d._raw(INIT + CHINESE_MODE)
    for line in styled_lines(c, width):
        if line.qr:
            d._raw(align(True))
            d.qr(c.qr, ec=QR_ECLEVEL_M, size=QR_MODULE[paper_mm], native=True)
            d._raw(b"\n" + align(False))
            continue
        d._raw(bold(line.bold) + size(line.tall) + fit(line.text, width) + b"\n")
    d._raw(bold(False) + size(False))
    d.cut()
    return bytes(d.output)


def open_device(conn: Connection, timeout: float = 10.0):  # -> escpos.escpos.Escpos
    """The python-escpos device for a connection (not yet opened)."""
    from escpos import printer

    if conn.kind == "tcp":
        return printer.Network(conn.host, port=conn.port, timeout=timeout)
    if conn.kind == "usb":
        return printer.Usb(conn.vendor, conn.product, timeout=int(timeout * 1000))
    return printer.Serial(conn.device, baudrate=conn.baudrate, timeout=timeout)


class EscposReceiptPrinter:
    """drivers.printer.ReceiptPrinter on an ESC/POS thermal printer (``connection``: see :func:`parse_connection`)."""

    def __init__(self, connection: str, paper_mm: int = 80, timeout: float = 10.0) -> None:
        self.connection = parse_connection(connection)
        self.paper_mm = paper_mm
        self.columns = paper_columns(paper_mm)
        self.timeout = timeout

    def print_receipt(self, receipt: ComposedReceipt) -> str:
        data = escpos_bytes(receipt, self.paper_mm)
        where = str(self.connection)
        dev = open_device(self.connection, self.timeout)
        try:
            dev.open()
            dev._raw(data)
        except Exception as e:
            raise PrinterError(f"小票打印机 {where} 无法打印：{e}") from e
        finally:
            try:
                dev.close()
            except Exception:
                pass
        return f"ESC/POS {where}"


# reading the bytes back -------------------------------------------------------------------------------------
@dataclass
class Decoded:
    """What ESC/POS bytes print: the lines (style and text), the QR codes' contents, how many cuts."""

    lines: list[Line]
    qr: list[str]
    cuts: int
    chinese: bool  # FS & came before the text


def decode(data: bytes) -> Decoded:
    """Read the commands :func:`escpos_bytes` writes back into lines (text decoded from GBK); an unknown command
    raises ValueError (the bytes are not what this driver sends)."""
    lines: list[Line] = []
    qrs: list[str] = []
    cuts = 0
    chinese = False
    is_bold = tall = False
    text = bytearray()
    stored = ""
    i, n = 0, len(data)
    while i < n:
        b = data[i:i + 1]
        if b == b"\n":
            lines.append(Line(text.decode(ENCODING), bold=is_bold, tall=tall))
            text.clear()
            i += 1
        elif b == ESC:
            cmd = data[i + 1:i + 2]
            if cmd == b"@":
                i += 2
            elif cmd == b"E":
                is_bold = bool(data[i + 2])
                i += 3
            elif cmd in (b"a", b"d"):
                i += 3
            else:
                raise ValueError(f"unknown ESC {cmd!r} at {i}")
        elif b == FS:
            if data[i + 1:i + 2] != b"&":
                raise ValueError(f"unknown FS {data[i + 1:i + 2]!r} at {i}")
            chinese = True
            i += 2
        elif b == GS:
            cmd = data[i + 1:i + 2]
            if cmd == b"!":
                tall = bool(data[i + 2] & 0x0F)
                i += 3
            elif cmd == b"V":
                cuts += 1
                i += 4 if data[i + 2] in (65, 66) else 3
            elif cmd == b"(" and data[i + 2:i + 3] == b"k":
                length = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5:i + 5 + length]  # cn fn params
                if body[:2] == b"1P":
                    stored = body[3:].decode("utf-8")
                elif body[:2] == b"1Q":
                    qrs.append(stored)
                    lines.append(Line("", qr=True))
                i += 5 + length
            else:
                raise ValueError(f"unknown GS {cmd!r} at {i}")
        else:
            text += b
            i += 1
    if text:
        lines.append(Line(text.decode(ENCODING), bold=is_bold, tall=tall))
    return Decoded(lines=lines, qr=qrs, cuts=cuts, chinese=chinese)
