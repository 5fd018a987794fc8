"""The Qt half of `doctor --probe qt|display`, run in a child process by terminal.doctor.qtprobe.run_probe: it
prints one JSON line (platform plugin, screens, fonts with a CJK family, print support, a PDF written) that the
doctor judges. Here because it is the one part of doctor that needs Qt."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

#: CJK font families looked for, in order (the same list the window uses to pick its font)
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
                "SimHei", "WenQuanYi Zen Hei", "Noto Serif CJK SC", "AR PL UMing CN")


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
