"""The packaging sources, checked without building: spec, runtime hook, icons, Windows files (what runs a process
is in tests/integration/test_packaging_files.py)."""
from __future__ import annotations

from tests.support import ROOT

PKG = ROOT / "packaging"


def test_spec_and_hook_compile():
    for f in (PKG / "yibao-terminal.spec", PKG / "pyi_rth_yibao.py", PKG / "yibao_terminal_main.py",
              PKG / "make_icons.py"):
        compile(f.read_text(encoding="utf-8"), str(f), "exec")


def test_postrm_purge_keeps_it_config_and_home_data():
    text = (PKG / "debian" / "postrm").read_text()
    assert "rm -rf" not in text and "/home" not in text.split("set -e", 1)[1]


def test_spec_excludes_vpcd_and_test_only_modules():
    text = (PKG / "yibao-terminal.spec").read_text(encoding="utf-8")
    for name in ('"drivers.virtual.vpcd"', '"drivers.scanner.synth"', '"pytest"', '"PySide6.QtWebEngineCore"'):
        assert name in text


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


