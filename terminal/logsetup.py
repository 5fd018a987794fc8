"""Structured, rotating logs that never carry full ID numbers, card numbers or tokens."""
from __future__ import annotations

import json
import logging
import logging.handlers
import os
import re
from pathlib import Path

from terminal.core.privacy import mask_card, mask_id

_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")  # 18-digit resident ID
_CARDSN_RE = re.compile(r"(?<![0-9A-Fa-f])(\d{6})(D156[0-9A-F]{18})([0-9A-F]{4})(?![0-9A-Fa-f])")
_TOKEN_RE = re.compile(r'("(?:ecToken|ecQrCode|token|x-tif-signature)"\s*:\s*")([^"]{4})[^"]*(")')


def scrub(text: str) -> str:
    """Last line of defence: mask anything that looks like an ID number, card_sn or token in free text."""
    text = _ID_RE.sub(lambda m: mask_id(m.group(0)), text)
    text = _CARDSN_RE.sub(lambda m: mask_card(m.group(0)), text)
    text = _TOKEN_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}…{m.group(3)}", text)
    return text


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a broken format string must not kill logging
            msg = str(record.msg)
        record.msg, record.args = scrub(msg), ()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        d = {"t": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "lvl": record.levelname, "log": record.name,
             "msg": record.getMessage()}
        if record.exc_info:
            d["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(d, ensure_ascii=False)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Every log file (the current one and each new one after a rotation) is created 0600."""

    def _open(self):  # logging.FileHandler._open
        from terminal import fsperm

        os.close(fsperm.open_private(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND))
        return super()._open()


def setup_logging(log_dir: Path, level: str = "INFO", *, console: bool = False) -> Path:
    """Log to log_dir/terminal.log (dir 0700, files 0600). An unusable directory is a ConfigError naming
    log.dir (one line for IT, not a traceback)."""
    from terminal import fsperm

    path = Path(log_dir) / "terminal.log"
    try:
        fsperm.private_dir(log_dir)
        fh = PrivateRotatingFileHandler(path, maxBytes=5_000_000, backupCount=10, encoding="utf-8")
    except OSError as e:
        from terminal.config import ConfigError

        raise ConfigError("log.dir", f"日志目录不可写：{e.strerror or e}（{getattr(e, 'filename', None) or log_dir}）；"
                          "请让收费员账户可写该目录，或在 [log] dir 指定可写目录") from None
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_yibao", False):
            root.removeHandler(h)
    fh.setFormatter(JsonFormatter())
    fh.addFilter(MaskingFilter())
    fh._yibao = True  # type: ignore[attr-defined]
    root.addHandler(fh)
    if console:
        ch = logging.StreamHandler()
        ch.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        ch.addFilter(MaskingFilter())
        ch._yibao = True  # type: ignore[attr-defined]
        root.addHandler(ch)
    root.setLevel(level.upper())
    return path
