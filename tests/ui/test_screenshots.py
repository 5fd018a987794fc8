"""bench/ui_screenshots.py runs offscreen in both languages into a temp folder: every screen it knows is drawn and
saved, and none is blank. A screen that breaks (or a step that no longer reaches its state) fails here."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "ui_screenshots.py"


def _script():
    spec = importlib.util.spec_from_file_location("ui_screenshots", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("ui_screenshots", mod)  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def blank(path: Path) -> bool:
    """One colour (or nearly): nothing was drawn."""
    img = QImage(str(path))
    if img.isNull() or img.width() < 50 or img.height() < 50:
        return True
    colours = {img.pixel(int(img.width() * x / 24), int(img.height() * y / 24)) for x in range(24) for y in range(24)}
    return len(colours) < 3


def test_every_screen_in_both_languages(tmp_path):
    mod = _script()
    expected = mod.expected_pngs()
    assert {"login", "main-idle", "customer-settled", "items", "bill-file", "queue", "receipt", "tender-exact",
            "tender-split", "cancel-reason", "refund", "customer-refund", "tender-selfpay", "shift-report", "day-close",
            "his-list", "receipt-roll", "receipt-escpos"} <= set(expected)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "--lang", "all"], env=env, cwd=str(ROOT),
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    for lang in mod.LANGS:
        for name in expected:
            p = tmp_path / lang / f"{name}.png"
            assert p.is_file(), f"{lang}/{name}.png not written"
            assert not blank(p), f"{lang}/{name}.png is blank"
