"""The packaging sources, checked without building, where a process runs: the scripts parse (bash -n), the runtime
hook in a fresh interpreter, the desktop entry (desktop-file-validate when installed), and zbar on the build
machine."""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys

import pytest

from tests.support import ROOT

PKG = ROOT / "packaging"


def test_scripts_are_executable_and_parse():
    for name in ("build-onedir", "build-deb"):
        f = PKG / name
        assert os.access(f, os.X_OK), f"{name} is not executable"
        subprocess.run(["bash", "-n", str(f)], check=True)
    for name in ("postinst", "prerm", "postrm"):
        f = PKG / "debian" / name
        assert os.access(f, os.X_OK), f"{name} is not executable"
        assert f.read_text().startswith("#!/bin/sh")
        subprocess.run(["sh", "-n", str(f)], check=True)


def test_runtime_hook_points_pyzbar_at_the_bundled_zbar_and_stubs_vpcd(tmp_path):
    """Run the hook as the frozen program would (sys._MEIPASS set), in a child interpreter."""
    meipass = tmp_path / "_internal"
    meipass.mkdir()
    (meipass / "libzbar.so.0").write_bytes(b"\x7fELF fake")
    code = f"""
import sys, runpy
sys._MEIPASS = {str(meipass)!r}
runpy.run_path({str(PKG / 'pyi_rth_yibao.py')!r})
import ctypes.util
assert ctypes.util.find_library("zbar") == {str(meipass / 'libzbar.so.0')!r}, ctypes.util.find_library("zbar")
assert ctypes.util.find_library("c")  # everything else as before
import drivers.virtual as v
assert getattr(sys.modules["drivers.virtual.vpcd"], "PACKAGED_STUB", False)
assert v.reader_name_for_port(35964) == "Virtual PCD 00 01"
try:
    v.VirtualCard(None)
except v.VpcdUnavailable as e:
    print("stub ok:", e)
else:
    raise SystemExit("VirtualCard did not refuse")
card = v.VirtualCardReader(v.profile_for("hainan-retiree")).read()   # training still has its card
print("card", card.masked()["card_no"])
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert "stub ok" in p.stdout and "card A0" in p.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux build machine check")
def test_build_machine_has_zbar_to_bundle():
    out = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True).stdout
    assert "libzbar.so.0 " in out, "libzbar0 must be installed on the build machine"


def test_desktop_entry():
    f = PKG / "yibao-terminal.desktop"
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str
    cp.read(f, encoding="utf-8")
    e = cp["Desktop Entry"]
    assert e["Type"] == "Application" and e["Exec"].startswith("yibao-terminal") and e["Icon"] == "yibao-terminal"
    assert e["Name[zh_CN]"] == "医保结算收费终端" and e["Name"]
    assert e["Terminal"] == "false"
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(f)], check=True)
