"""Small things the cashier's window remembers between runs (the last bill folder of Ctrl+O), in
<data_dir>/ui-state.json. Never anything about a patient. Qt-free; a broken or missing file is an empty state."""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE = "ui-state.json"


def load(data_dir: str | Path) -> dict[str, Any]:
    try:
        d = json.loads((Path(data_dir) / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return d if isinstance(d, dict) else {}


def remember(data_dir: str | Path, **values: Any) -> None:
    """Merge values into the state file (written whole, then renamed: never half a file)."""
    p = Path(data_dir) / FILE
    d = load(data_dir)
    d.update(values)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".tmp")
        tmp.write_text(json.dumps(d, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, p)
    except OSError as e:  # remembering is a convenience: the desk works on without it
        log.warning("ui state not saved to %s: %s", p, e)


def bill_dir(data_dir: str | Path) -> Path:
    """The folder Ctrl+O opens at: the last one a bill was loaded from, when it still exists; else home."""
    last = load(data_dir).get("bill_dir")
    if isinstance(last, str) and last and Path(last).is_dir():
        return Path(last)
    return Path.home()
