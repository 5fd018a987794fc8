"""The packaging sources, checked without building: spec, runtime hook, scripts, desktop entry, Windows files."""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "packaging"


def test_spec_and_hook_compile():
    for f in (PKG / "yibao-terminal.spec", PKG / "pyi_rth_yibao.py", PKG / "yibao_terminal_main.py",
              PKG / "make_icons.py"):
        compile(f.read_text(encoding="utf-8"), str(f), "exec")


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


def test_postrm_purge_keeps_it_config_and_home_data():
    text = (PKG / "debian" / "postrm").read_text()
    assert "rm -rf" not in text and "/home" not in text.split("set -e", 1)[1]


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


def test_spec_excludes_vpcd_and_test_only_modules():
    text = (PKG / "yibao-terminal.spec").read_text(encoding="utf-8")
    for name in ('"drivers.virtual.vpcd"', '"drivers.scanner.synth"', '"pytest"', '"PySide6.QtWebEngineCore"'):
        assert name in text


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


def test_icons_exist_in_the_hicolor_sizes():
    from PIL import Image

    for s in (16, 24, 32, 48, 64, 128, 256):
        with Image.open(PKG / "icons" / f"yibao-terminal-{s}.png") as im:
            assert im.size == (s, s) and im.mode == "RGBA"
    with Image.open(PKG / "windows" / "yibao-terminal.ico") as ico:
        assert (256, 256) in ico.info.get("sizes", {(256, 256)})
    assert (ROOT / "resources" / "icons" / "app.png").is_file()


def test_windows_installer_script():
    iss = (PKG / "windows" / "yibao-terminal.iss").read_text(encoding="utf-8")
    for needle in ("{commonappdata}\\yibao-terminal", "config.toml.example", "onlyifdoesntexist", "uninsneveruninstall",
                   "{autopf}\\yibao-terminal", "[Icons]", "{group}", "yibao-terminal-cli.exe", "doctor",
                   "ChineseSimplified"):
        assert needle in iss, needle
    ps1 = (PKG / "windows" / "build.ps1").read_text(encoding="utf-8")
    assert "yibao-terminal.spec" in ps1 and "ISCC" in ps1


def test_it_guide_documents_the_commands():
    guide = (ROOT / "docs" / "it-guide.md").read_text(encoding="utf-8")
    for needle in ("packaging/build-onedir", "packaging/build-deb", "dpkg -i", "yibao-terminal doctor",
                   "/etc/yibao-terminal/config.toml", "ProgramData", "crash", "journal.sqlite", "ISCC"):
        assert needle in guide, needle


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux build machine check")
def test_build_machine_has_zbar_to_bundle():
    out = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True).stdout
    assert "libzbar.so.0 " in out, "libzbar0 must be installed on the build machine"
