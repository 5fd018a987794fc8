"""`yibao-terminal doctor`'s Qt probe: Qt in a child process (the printer list and a PDF through QtPrintSupport)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from terminal import doctor as d
from tests.support import config_file, doctor_checks

pytestmark = pytest.mark.usefixtures("home")


def test_qt_probe_runs_in_a_child_process(tmp_path):
    p = subprocess.run([sys.executable, "-m", "terminal", "doctor", "--probe", "qt"], capture_output=True, text=True,
                       timeout=60, env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert p.returncode == 0 and out["printsupport"] is True and out["pdf_ok"] is True
    assert out["platform"] == "offscreen" and isinstance(out["printers"], list)


def test_configured_printer_that_does_not_exist_fails_naming_the_key(tmp_path):
    r = doctor_checks(d.run_doctor(config_file(tmp_path, '[printer]\nname = "EPSON-TM-T82-nope"\n'), only=["printer"]))
    assert r["printer"].status == d.FAIL and r["printer"].data["key"] == "printer.name"
