"""`yibao-terminal doctor` where its Qt probe runs (Qt in a child process: the printer list and a PDF through
QtPrintSupport): the probe itself, the printer check, and every check in training mode against the sandbox."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from terminal import __version__
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


def test_training_mode_passes_against_the_sandbox(tmp_path):
    report = d.run_doctor(config_file(tmp_path))
    r = doctor_checks(report)
    assert [c.key for c in report.checks] == d.KEYS
    assert report.training is True
    for key in ("config", "disk", "queue", "scanner", "platform", "signin", "clock"):
        assert r[key].status == d.PASS, (key, r[key])
    assert r["tls"].status == d.SKIP  # the sandbox speaks http on loopback
    assert r["display"].status == d.SKIP  # QT_QPA_PLATFORM=offscreen
    assert r["pcsc"].status in (d.PASS, d.WARN)  # training: no pcscd is only a warning
    assert r["printer"].status in (d.PASS, d.WARN) and r["printer"].data["pdf_ok"]
    assert r["fonts"].status in (d.PASS, d.WARN)
    assert r["signin"].data["dev_no"] == f"yibao-terminal/{__version__}"
    assert r["scanner"].data["decoded"] is True
    assert abs(r["clock"].data["skew_s"]) < 5
    assert report.ok and report.exit_code == 0
    assert report.duration_ms < 30_000
