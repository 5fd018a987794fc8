"""Refresh the translations: extract tr() strings (pyside6-lupdate), fill the English from yibao_en.json,
compile yibao_en.qm (pyside6-lrelease). zh_CN is the source language and needs no file.

    .venv/bin/python resources/translations/update.py      # prints the strings still missing
"""
from __future__ import annotations

import copy
import json
import re
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
DRIVERS = ["drivers/printer/compose.py", "drivers/printer/shift.py", "drivers/printer/tender_slips.py"]
#: core modules whose texts the front-end translates (terminal.core.desk: contexts Desk and Reversal)
#: PySide6's self.tr() looks a text up under the class of the object (type(self).__name__), lupdate files it under
#: the class it is written in: the texts of a base or mixin class are copied to the classes that use them
ALIASES = {"WindowDialogs": ["MainWindow"], "ScheduledReconcile": ["MainWindow"], "TillView": ["CashierController"],
           "DeskPrinting": ["CashierController"],
           "_ReportDialog": ["ShiftDialog", "DayCloseDialog"]}
CORE = ["desk", "desk_base", "desk_bill", "desk_patient", "desk_reversal", "desk_tender", "desk_precheck",
        "desk_chronic", "desk_risk"]


def sources() -> list[str]:
    """The files whose tr()/translate() texts are translated."""
    files = [str(ROOT / "terminal" / "ui" / f"{m}.py") for m in UI] + [str(ROOT / f) for f in DRIVERS]
    return files + [str(ROOT / "terminal" / "core" / f"{m}.py") for m in CORE]


#: module functions calling ctl.tr() (terminal/ui/tender.py remaining_text): lupdate files them under "ctl"
ALIASES.setdefault("ctl", ["CashierController"])


def build(ts: Path, qm: Path) -> list[str]:
    """Extract into ts, fill the English from the glossary, compile qm; returns the sources without English."""
    subprocess.run([str(BIN / "pyside6-lupdate"), *sources(), "-source-language", "zh_CN", "-target-language", "en",
                    "-no-obsolete", "-locations", "none", "-ts", str(ts)], check=True, capture_output=True)
    glossary = json.loads((HERE / "yibao_en.json").read_text(encoding="utf-8"))
    tree = ET.parse(ts)
    _add_driver_texts(tree)
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
    _copy_aliases(tree)
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    subprocess.run([str(BIN / "pyside6-lrelease"), str(ts), "-qm", str(qm)], check=True, capture_output=True)
    return missing


#: the printer driver translates through a function it is handed: tr("text") (context Receipt) in compose.py, and
#: tr("Context", "text") elsewhere; lupdate knows neither, so those calls are read here
_TR1 = re.compile(r'\btr\(\s*"((?:[^"\\]|\\.)+)"\s*\)')
_TR2 = re.compile(r'\btr\(\s*"(\w+)"\s*,\s*"((?:[^"\\]|\\.)+)"\s*\)')


def _context(root: ET.Element, name: str) -> ET.Element:
    for c in root.iter("context"):
        if c.findtext("name") == name:
            return c
    ctx = ET.SubElement(root, "context")
    ET.SubElement(ctx, "name").text = name
    return ctx


def _add_driver_texts(tree: ET.ElementTree) -> None:
    root = tree.getroot()
    for f in DRIVERS:
        text = (ROOT / f).read_text(encoding="utf-8")
        found = [("Receipt", m.group(1)) for m in _TR1.finditer(text)] + [m.groups() for m in _TR2.finditer(text)]
        # lupdate reads tr("Context", "text") as tr(source, disambiguation): drop what it made of them
        for name in {m.group(1) for m in _TR2.finditer(text)}:
            for c in root.iter("context"):
                for msg in [m for m in c.findall("message") if m.findtext("source") == name]:
                    c.remove(msg)
        for name, source in found:
            ctx = _context(root, name)
            if source not in {m.findtext("source") for m in ctx.iter("message")}:
                msg = ET.SubElement(ctx, "message")
                ET.SubElement(msg, "source").text = source
                ET.SubElement(msg, "translation", type="unfinished")


def _copy_aliases(tree: ET.ElementTree) -> None:
    root = tree.getroot()
    contexts = {c.findtext("name"): c for c in root.iter("context")}
    for base, users in ALIASES.items():
        if base not in contexts:
            continue
        for user in users:
            ctx = contexts.get(user)
            if ctx is None:
                ctx = ET.SubElement(root, "context")
                ET.SubElement(ctx, "name").text = user
                contexts[user] = ctx
            have = {m.findtext("source") for m in ctx.iter("message")}
            for msg in contexts[base].iter("message"):
                if msg.findtext("source") not in have:
                    ctx.append(copy.deepcopy(msg))


def main() -> int:
    missing = build(HERE / "yibao_en.ts", HERE / "yibao_en.qm")
    for m in missing:
        print("missing:", m)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
