"""Refresh the translations: extract tr() strings (pyside6-lupdate), fill the English from yibao_en.json,
compile yibao_en.qm (pyside6-lrelease). zh_CN is the source language and needs no file.

    .venv/bin/python resources/translations/update.py      # prints the strings still missing
"""
from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent
#: every module of the UI package (lupdate finds the tr() calls; a module without any adds nothing)
UI = sorted(p.stem for p in (ROOT / "terminal" / "ui").glob("*.py") if p.stem != "__init__")
#: Qt-free modules whose texts are translated by the UI (translate(context, source) calls)
DRIVERS = ["drivers/printer/compose.py", "drivers/printer/shift.py"]
#: core modules whose texts the front-end translates (terminal.core.desk: contexts Desk and Reversal)
CORE = ["desk", "desk_base", "desk_bill", "desk_patient", "desk_reversal", "desk_tender"]


def sources() -> list[str]:
    """The files whose tr()/translate() texts are translated."""
    files = [str(ROOT / "terminal" / "ui" / f"{m}.py") for m in UI] + [str(ROOT / f) for f in DRIVERS]
    return files + [str(ROOT / "terminal" / "core" / f"{m}.py") for m in CORE]


def build(ts: Path, qm: Path) -> list[str]:
    """Extract into ts, fill the English from the glossary, compile qm; returns the sources without English."""
    subprocess.run([str(BIN / "pyside6-lupdate"), *sources(), "-source-language", "zh_CN", "-target-language", "en",
                    "-no-obsolete", "-locations", "none", "-ts", str(ts)], check=True, capture_output=True)
    glossary = json.loads((HERE / "yibao_en.json").read_text(encoding="utf-8"))
    tree = ET.parse(ts)
    missing = []
    for msg in tree.iter("message"):
        src = msg.find("source").text or ""
        tr = msg.find("translation")
        if src in glossary:
            forms = tr.findall("numerusform")
            if msg.get("numerus") == "yes":  # plural forms (English: one text serves both, "%n bill(s)")
                tr.text = None
                for form in forms or [ET.SubElement(tr, "numerusform")]:
                    form.text = glossary[src]
            else:
                tr.text = glossary[src]
            tr.attrib.pop("type", None)
        else:
            missing.append(src)
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    subprocess.run([str(BIN / "pyside6-lrelease"), str(ts), "-qm", str(qm)], check=True, capture_output=True)
    return missing


def main() -> int:
    missing = build(HERE / "yibao_en.ts", HERE / "yibao_en.qm")
    for m in missing:
        print("missing:", m)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
