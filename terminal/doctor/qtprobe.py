"""Qt is only touched in a child process (`doctor --probe qt|display`): a missing xcb library or a printer system
that hangs cannot abort or block the doctor itself. `probe` runs in the child; `run_probe` starts it and reads
its one JSON line."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from terminal.doctor.context import Context
from terminal.doctor.report import is_frozen

CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
                "SimHei", "WenQuanYi Zen Hei", "Noto Serif CJK SC", "AR PL UMing CN")


def self_command() -> list[str]:
    """How to run this program again (the frozen executable, or this interpreter with -m terminal)."""
    if is_frozen():
        return [sys.executable]
    return [sys.executable, "-m", "terminal"]


def run_probe(kind: str, timeout: float, env_extra: dict[str, str] | None = None) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(env_extra or {})
    cmd = self_command() + ["doctor", "--probe", kind]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                           encoding="utf-8", errors="replace")
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timeout after {timeout:.0f} s", "timeout": True}
    except OSError as e:
        return {"ok": False, "error": f"cannot start {cmd[0]}: {e}"}
    for line in reversed(p.stdout.splitlines()):
        if line.startswith("{"):
            try:
                out = json.loads(line)
            except ValueError:
                break
            out.setdefault("ok", p.returncode == 0)
            out["stderr"] = p.stderr[-1500:]
            return out
    return {"ok": False, "error": f"exit code {p.returncode}", "stderr": p.stderr[-1500:], "returncode": p.returncode}


def qt_probe(ctx: Context) -> dict[str, Any]:
    with ctx.qt_lock:
        if ctx.qt_probe is None:
            ctx.qt_probe = run_probe("qt", ctx.limit(40.0), {"QT_QPA_PLATFORM": "offscreen"})
        return ctx.qt_probe


def probe(kind: str) -> int:
    """`doctor --probe qt|display`: print one JSON line; the parent judges it."""
    out: dict[str, Any] = {"ok": True, "kind": kind}
    try:
        from PySide6.QtGui import QFontDatabase, QGuiApplication
    except ImportError as e:
        print(json.dumps({"ok": False, "error": f"PySide6: {e}"}))
        return 1
    app = QGuiApplication.instance() or QGuiApplication(["yibao-terminal-doctor"])
    out["platform"] = app.platformName()
    if kind == "display":
        out["screens"] = [{"name": s.name(), "w": s.geometry().width(), "h": s.geometry().height(),
                           "dpr": s.devicePixelRatio()} for s in app.screens()]
        print(json.dumps(out, ensure_ascii=False))
        return 0
    families = set(QFontDatabase.families())
    out["families"] = len(families)
    out["cjk_font"] = next((f for f in CJK_FAMILIES if f in families), "")
    if not out["cjk_font"]:
        from PySide6.QtGui import QFontDatabase as _F

        out["cjk_font"] = next((f for f in sorted(families)
                                if _F.WritingSystem.SimplifiedChinese in _F.writingSystems(f)), "")
    try:
        from PySide6.QtGui import QPainter
        from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

        out["printsupport"] = True
        infos = QPrinterInfo.availablePrinters()
        out["printers"] = [p.printerName() for p in infos]
        out["states"] = {p.printerName(): {0: "idle", 1: "active", 2: "aborted", 3: "error"}.get(
            int(getattr(p.state(), "value", p.state())), "") for p in infos}
        out["default"] = QPrinterInfo.defaultPrinter().printerName()
        with tempfile.TemporaryDirectory(prefix="yibao-doctor-") as d:
            pdf = Path(d) / "probe.pdf"
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(pdf))
            painter = QPainter()
            if painter.begin(printer):
                painter.drawText(100, 100, "医保结算 doctor")
                painter.end()
            out["pdf_ok"] = pdf.exists() and pdf.stat().st_size > 0
            if not out["pdf_ok"]:
                out["pdf_error"] = "QPrinter 未能写出 PDF"
    except Exception as e:
        out["printsupport"] = False
        out["printsupport_error"] = f"{type(e).__name__}: {e}"
    print(json.dumps(out, ensure_ascii=False))
    return 0
