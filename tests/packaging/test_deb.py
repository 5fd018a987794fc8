"""The packaged terminal end to end: build the onedir and the .deb, install it with dpkg, run the installed
program (doctor in training mode, a headless settlement against the sandbox), upgrade over itself, purge,
and check that nothing is left behind.

Runs only with YIBAO_PACKAGING_TESTS=1 (CI sets it), as root, on a Debian-based machine, and never on a
machine where yibao-terminal is already installed or /etc/yibao-terminal exists (a real terminal).
Builds into a temporary directory each run; to reuse a build, point YIBAO_PACKAGING_DEB at a .deb (and
optionally YIBAO_PACKAGING_ONEDIR at its onedir), or YIBAO_PACKAGING_ONEDIR alone to package an existing
onedir. Prints the build time and the sizes.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.support import ROOT

ETC = Path("/etc/yibao-terminal")
LEFTOVERS = [Path("/opt/yibao-terminal"), Path("/usr/bin/yibao-terminal"),
             Path("/usr/share/applications/yibao-terminal.desktop"),
             Path("/usr/share/icons/hicolor/256x256/apps/yibao-terminal.png"),
             Path("/usr/share/doc/yibao-terminal")]
BILL = "/opt/yibao-terminal/_internal/resources/bills/outpatient-nanning.json"
DEB_LIMIT = 90 * 1024 * 1024

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.timeout(900),
    pytest.mark.skipif(os.environ.get("YIBAO_PACKAGING_TESTS") != "1",
                       reason="packaging tests run with YIBAO_PACKAGING_TESTS=1 (CI)"),
]


def say(request, text: str) -> None:
    """Print past pytest's output capture (the figures belong in the CI log)."""
    tr = request.config.pluginmanager.get_plugin("terminalreporter")
    capman = request.config.pluginmanager.get_plugin("capturemanager")
    if tr is None or capman is None:  # pragma: no cover
        print(text)
        return
    with capman.global_and_fixture_disabled():
        tr.write_line(text)


def run(cmd, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 600)
    return subprocess.run(cmd, **kw)


def installed() -> bool:
    p = run(["dpkg-query", "-W", "-f=${Status}", "yibao-terminal"])
    return p.returncode == 0 and "installed" in p.stdout and "not-installed" not in p.stdout


@pytest.fixture(scope="module")
def build(tmp_path_factory, request):
    """(onedir or None, deb) — built here unless given by the environment."""
    if not shutil.which("dpkg-deb"):
        pytest.skip("not a Debian-based machine (no dpkg-deb)")
    deb_env, onedir_env = os.environ.get("YIBAO_PACKAGING_DEB"), os.environ.get("YIBAO_PACKAGING_ONEDIR")
    tmp = tmp_path_factory.mktemp("packaging")
    onedir = Path(onedir_env) if onedir_env else None
    timings = {}
    if not onedir and not deb_env:
        t0 = time.monotonic()
        p = run([str(ROOT / "packaging" / "build-onedir"), "--dist", str(tmp / "dist"), "--work", str(tmp / "work")],
                timeout=900)
        assert p.returncode == 0, p.stdout + p.stderr
        timings["onedir"] = time.monotonic() - t0
        onedir = tmp / "dist" / "yibao-terminal"
    if deb_env:
        deb = Path(deb_env)
    else:
        t0 = time.monotonic()
        p = run([str(ROOT / "packaging" / "build-deb"), "--onedir", str(onedir), "--out", str(tmp / "out"),
                 "--work", str(tmp / "debwork")], timeout=900)
        assert p.returncode == 0, p.stdout + p.stderr
        timings["deb"] = time.monotonic() - t0
        deb = next((tmp / "out").glob("yibao-terminal_*.deb"))
    size_mb = deb.stat().st_size / 2**20
    parts = [f"packaging: {deb.name} {size_mb:.1f} MB"]
    if onedir:
        onedir_bytes = sum(f.stat().st_size for f in onedir.rglob("*") if f.is_file() and not f.is_symlink())
        parts.append(f"onedir {onedir_bytes / 2**20:.1f} MB")
    parts += [f"{k} built in {v:.1f} s" for k, v in timings.items()]
    say(request, "\n" + ", ".join(parts))
    return onedir, deb


# the build ------------------------------------------------------------------------------------------------
def test_deb_size_and_contents(build):
    _onedir, deb = build
    assert deb.stat().st_size < DEB_LIMIT, f"{deb.stat().st_size / 2**20:.1f} MB >= 90 MB"
    listing = run(["dpkg-deb", "-c", str(deb)]).stdout
    names = [line.split()[5] for line in listing.splitlines() if len(line.split()) >= 6]
    assert "./usr/bin/yibao-terminal" in names and "./opt/yibao-terminal/yibao-terminal" in names
    assert "./usr/share/applications/yibao-terminal.desktop" in names
    assert "./etc/yibao-terminal/config.toml.example" in names and "./etc/yibao-terminal/config.toml" not in names
    assert any(n.endswith("/_internal/libzbar.so.0") for n in names)
    assert any("/smartcard/scard/_scard" in n for n in names)
    assert any(n.endswith("/terminal/sandbox/data/persons.json") for n in names)
    assert any(n.endswith("/resources/bills/outpatient-nanning.json") for n in names)
    assert any(n.endswith("/resources/style/cashier.qss") for n in names)
    for plugin in ("platforms/libqxcb.so", "platforms/libqoffscreen.so", "printsupport/libcupsprintersupport.so",
                   "imageformats/libqjpeg.so"):
        assert any(n.endswith("/plugins/" + plugin) for n in names), plugin
    assert any(n.endswith("qtbase_zh_CN.qm") for n in names)
    low = [n.lower() for n in names]
    for banned in ("vpcd", "vsmartcard", "webengine", "libqt6qml", "libqt6quick", "libqwayland", "/tests/",
                   "libpcsclite", "pytest", "hypothesis", "pyinstaller/"):
        assert not [n for n in low if banned in n], banned
    control = run(["dpkg-deb", "-f", str(deb)]).stdout
    depends = next(line for line in control.splitlines() if line.startswith("Depends:"))
    for dep in ("pcscd", "libpcsclite1", "libc6 (>= "):
        assert dep in depends
    assert "libzbar0" not in depends  # bundled
    assert "fonts-wqy-microhei | fonts-noto-cjk" in control
    assert run(["dpkg-deb", "--ctrl-tarfile", str(deb)]).returncode == 0
    members = run(["ar", "t", str(deb)]).stdout.split()
    assert members == ["debian-binary", "control.tar.zst", "data.tar.zst"], members  # dpkg-deb -Zzstd


def test_no_vpcd_module_in_the_frozen_archive(build):
    onedir, _deb = build
    if onedir is None:
        pytest.skip("only a .deb was given")
    viewer = shutil.which("pyi-archive_viewer") or str(ROOT / ".venv" / "bin" / "pyi-archive_viewer")
    if not Path(viewer).exists():
        pytest.skip("pyi-archive_viewer (PyInstaller) not installed")
    modules = run([viewer, "-r", "-b", str(onedir / "yibao-terminal")]).stdout.split()
    assert "drivers.virtual.inprocess" in modules and "terminal.doctor.runner" in modules
    assert "terminal.sandbox.server" in modules and "smartcard.scard" in modules
    assert not [m for m in modules if "vpcd" in m.lower() or "vsmartcard" in m.lower()]
    assert not [m for m in modules if m.split(".")[0] in ("pytest", "_pytest", "hypothesis", "PyInstaller", "tests")]
    assert not [p for p in onedir.rglob("*") if "vpcd" in p.name.lower() or "vsmartcard" in p.name.lower()]


# install, run, upgrade, purge -----------------------------------------------------------------------------
@pytest.fixture
def machine(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("dpkg -i needs root")
    if installed():
        pytest.skip("yibao-terminal is installed on this machine: not touching it")
    if ETC.exists():
        pytest.skip(f"{ETC} exists on this machine (a real terminal?): not touching it")
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YIBAO_TERMINAL", "XDG_", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_STATE_HOME=str(home / ".local/state"), XDG_CACHE_HOME=str(home / ".cache"),
               QT_QPA_PLATFORM="offscreen", PATH="/usr/sbin:/usr/bin:/sbin:/bin")
    home.mkdir()
    yield env, home
    if installed():
        run(["dpkg", "--purge", "yibao-terminal"])
    shutil.rmtree(ETC, ignore_errors=True)


IT_CONFIG = """# pushed by IT (packaging test) - must survive install, upgrade and purge byte for byte
[facility]
code = "H45010000001"
name = "南宁市第一人民医院"
admdvs = "450100"

[backend]
url = "sandbox"

[log]
level = "DEBUG"
"""


def test_install_doctor_settle_upgrade_purge(build, machine, request):
    _onedir, deb = build
    env, home = machine
    # IT has pushed a configuration before the package arrives; a cashier has a personal override
    ETC.mkdir(parents=True)
    (ETC / "config.toml").write_text(IT_CONFIG, encoding="utf-8")
    user_cfg = home / ".config" / "yibao-terminal" / "config.toml"
    user_cfg.parent.mkdir(parents=True, mode=0o700)
    user_cfg.write_text('[operator]\nid = "0042"\nname = "张收费"\n', encoding="utf-8")
    user_cfg.chmod(0o600)  # as the settings dialog writes it (doctor fails a per-user config others can read)
    user_cfg.parent.chmod(0o700)

    t0 = time.monotonic()
    p = run(["dpkg", "-i", str(deb)], env={**env, "DEBIAN_FRONTEND": "noninteractive"})
    assert p.returncode == 0, p.stdout + p.stderr
    install_s = time.monotonic() - t0
    assert Path("/usr/bin/yibao-terminal").resolve() == Path("/opt/yibao-terminal/yibao-terminal")
    assert (ETC / "config.toml").read_text(encoding="utf-8") == IT_CONFIG
    assert (ETC / "config.toml.example").is_file()

    version = run(["/usr/bin/yibao-terminal", "--version"], env=env)
    assert version.returncode == 0 and version.stdout.startswith("yibao-terminal ")

    # doctor, training mode (backend.url = "sandbox" in IT's file), from the installed program
    t0 = time.monotonic()
    p = run(["/usr/bin/yibao-terminal", "doctor", "--json"], env=env, timeout=180)
    doctor_s = time.monotonic() - t0
    assert p.returncode == 0, p.stdout + p.stderr
    report = json.loads(p.stdout)
    checks = {c["key"]: c for c in report["checks"]}
    assert report["ok"] and report["frozen"] and report["training"] is True
    assert report["config_source"] == f"{ETC / 'config.toml'} + {user_cfg}"
    assert report["build"]["version"] == report["version"]
    for key in ("config", "disk", "queue", "scanner", "platform", "signin", "clock"):
        assert checks[key]["status"] == "pass", checks[key]
    assert "bundled" in checks["scanner"]["summary"]  # pyzbar found the zbar inside the package
    assert checks["signin"]["data"]["operator"] == "0042"  # the user's override on top of IT's file
    assert checks["signin"]["data"]["dev_no"] == f"yibao-terminal/{report['version']}"
    assert checks["printer"]["data"]["pdf_ok"] is True
    assert not [c for c in report["checks"] if c["status"] == "fail"]

    # a headless settlement against the sandbox
    p = run(["/usr/bin/yibao-terminal", "settle", "--cert-type", "02", "--cert-no", "460100194603120132",
             "--bill", BILL, "--json"], env=env, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    result = json.loads(p.stdout)
    assert result["ok"] and result["cross_province"] and result["identities_hold"]
    assert result["settlement"]["setl_id"] and "460100194603120132" not in p.stdout
    log_file = home / ".local/state/yibao-terminal/log/terminal.log"
    assert f"yibao-terminal {report['version']} start" in log_file.read_text(encoding="utf-8")

    # upgrade over itself: IT's file untouched, the example still there
    p = run(["dpkg", "-i", str(deb)], env={**env, "DEBIAN_FRONTEND": "noninteractive"})
    assert p.returncode == 0, p.stdout + p.stderr
    assert (ETC / "config.toml").read_text(encoding="utf-8") == IT_CONFIG

    # remove keeps configuration; purge removes the package's conffile but not IT's config or user data
    p = run(["dpkg", "--remove", "yibao-terminal"])
    assert p.returncode == 0, p.stdout + p.stderr
    assert (ETC / "config.toml.example").exists() and not Path("/opt/yibao-terminal").exists()
    p = run(["dpkg", "--purge", "yibao-terminal"])
    assert p.returncode == 0, p.stdout + p.stderr
    assert "kept /etc/yibao-terminal/config.toml" in p.stdout + p.stderr
    assert not installed()
    assert [str(x) for x in LEFTOVERS if x.exists() or x.is_symlink()] == []
    assert not (ETC / "config.toml.example").exists()
    assert (ETC / "config.toml").read_text(encoding="utf-8") == IT_CONFIG
    assert (home / ".local/share/yibao-terminal/sandbox.sqlite").exists()  # the user's data is not the package's
    apps = Path("/usr/share/applications")
    assert not [p for p in apps.iterdir() if "yibao" in p.name]
    say(request, f"packaging: dpkg -i {install_s:.1f} s, installed doctor {doctor_s:.1f} s")


def test_purge_without_it_config_leaves_no_etc_dir(build, machine):
    _onedir, deb = build
    env, _home = machine
    p = run(["dpkg", "-i", str(deb)], env={**env, "DEBIAN_FRONTEND": "noninteractive"})
    assert p.returncode == 0, p.stdout + p.stderr
    assert "TRAINING mode" in p.stdout
    p = run(["/usr/bin/yibao-terminal", "doctor", "--only", "config", "--json"], env=env)
    assert json.loads(p.stdout)["training"] is True
    assert run(["dpkg", "--purge", "yibao-terminal"]).returncode == 0
    assert not ETC.exists()
    assert [str(x) for x in LEFTOVERS if x.exists() or x.is_symlink()] == []


# upgrade from the previous release ----------------------------------------------------------------------
PREVIOUS_RELEASE = "39274ea"  # 0.1.0 as it landed (journal schema without migrations)


@pytest.fixture(scope="module")
def previous_release(tmp_path_factory, request):
    """(source tree, .deb) of the previous release, built here from git history (or YIBAO_PACKAGING_PREVIOUS_DEB
    with YIBAO_PACKAGING_PREVIOUS_SRC)."""
    if not shutil.which("dpkg-deb"):
        pytest.skip("not a Debian-based machine (no dpkg-deb)")
    deb_env, src_env = os.environ.get("YIBAO_PACKAGING_PREVIOUS_DEB"), os.environ.get("YIBAO_PACKAGING_PREVIOUS_SRC")
    if deb_env and src_env:
        return Path(src_env), Path(deb_env)
    tmp = tmp_path_factory.mktemp("previous")
    src = tmp / "src"
    src.mkdir()
    arch = subprocess.run(f"git -C {ROOT} archive {PREVIOUS_RELEASE} | tar -x -C {src}", shell=True,
                          capture_output=True, text=True)
    if arch.returncode != 0:
        pytest.skip(f"the previous release {PREVIOUS_RELEASE} is not in this clone's history: {arch.stderr.strip()}")
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHON": str(ROOT / ".venv" / "bin" / "python")}
    t0 = time.monotonic()
    p = run([str(src / "packaging" / "build-onedir"), "--dist", str(tmp / "dist"), "--work", str(tmp / "work")],
            env=env, timeout=900, cwd=src)
    assert p.returncode == 0, p.stdout + p.stderr
    p = run([str(src / "packaging" / "build-deb"), "--onedir", str(tmp / "dist" / "yibao-terminal"), "--out",
             str(tmp / "out"), "--work", str(tmp / "debwork")], env=env, timeout=900, cwd=src)
    assert p.returncode == 0, p.stdout + p.stderr
    deb = next((tmp / "out").glob("yibao-terminal_*.deb"))
    say(request, f"\npackaging: previous release {PREVIOUS_RELEASE} built in {time.monotonic() - t0:.1f} s "
                 f"({deb.name})")
    return src, deb


def _rows(journal: Path) -> dict[str, set]:
    import sqlite3

    con = sqlite3.connect(journal)
    try:
        return {"messages": {r[0] for r in con.execute("SELECT msgid FROM messages")},
                "settlements": {r for r in con.execute("SELECT msgid, status, setl_id FROM settlements")},
                "queue": {r for r in con.execute("SELECT id, kind, omsgid FROM queue")},
                "parked": {r for r in con.execute("SELECT park_id, total FROM parked")}}
    finally:
        con.close()


def test_upgrade_from_the_previous_release_keeps_journal_queue_and_parked_bill(build, previous_release, machine,
                                                                                 tmp_path, request):
    """Install the previous .deb, settle, leave an uncertain settlement's reversal queued, park a bill; install
    this .deb over it: the journal, the queued reversal and the parked bill are all there, and the queue finishes."""
    from terminal.sandbox.server import SandboxServer

    _onedir, deb = build
    old_src, old_deb = previous_release
    env, home = machine
    sb = SandboxServer(db_path=tmp_path / "sb.sqlite").start()
    try:
        ETC.mkdir(parents=True)
        (ETC / "config.toml").write_text(IT_CONFIG.replace('url = "sandbox"', f'url = "{sb.url}"\nread_timeout = 5'),
                                         encoding="utf-8")
        p = run(["dpkg", "-i", str(old_deb)], env={**env, "DEBIAN_FRONTEND": "noninteractive"})
        assert p.returncode == 0, p.stdout + p.stderr
        settle = ["/usr/bin/yibao-terminal", "settle", "--cert-type", "02", "--cert-no", "460100194603120132",
                  "--bill", BILL, "--json"]
        p = run(settle, env=env, timeout=120)
        assert p.returncode == 0 and json.loads(p.stdout)["ok"], p.stdout + p.stderr
        # an uncertain settlement whose reversal cannot get through yet: it stays queued across the upgrade
        sb.arm_fault("lost_answer", infno="2207")
        sb.arm_fault("reset", infno="2601", count=20)
        p = run(["/usr/bin/yibao-terminal", "settle", "--cert-type", "02", "--cert-no", "450100197705200135",
                 "--bill", BILL, "--json"], env=env, timeout=120)
        assert p.returncode != 0, p.stdout + p.stderr
        journal = home / ".local/share/yibao-terminal/journal.sqlite"
        # a parked bill, by the previous release's own code on the same journal (0.1.0 parks from the window only)
        park = ("import sys, json; from terminal.store import Store; "
                "from terminal.core.models import Bill, Credential; "
                "s = Store(sys.argv[1]); b = Bill.from_dict(json.load(open(sys.argv[2], encoding='utf-8'))); "
                "print(s.park(Credential('02', '460100194603120132'), b, operator='0001').park_id); s.close()")
        p = run([str(ROOT / ".venv/bin/python"), "-c", park, str(journal), str(old_src / BILL.split("_internal/")[1])],
                env={**env, "PYTHONPATH": str(old_src)}, cwd=old_src)
        assert p.returncode == 0, p.stdout + p.stderr
        park_id = p.stdout.strip()
        before = _rows(journal)
        assert [k for _i, k, _o in before["queue"]].count("reversal") == 1 and len(before["parked"]) == 1

        p = run(["dpkg", "-i", str(deb)], env={**env, "DEBIAN_FRONTEND": "noninteractive"})
        assert p.returncode == 0, p.stdout + p.stderr
        p = run(["/usr/bin/yibao-terminal", "queue", "list", "--json"], env=env)
        assert p.returncode == 0, p.stdout + p.stderr
        items = json.loads(p.stdout)["items"]
        assert [(i["kind"], i["state"]) for i in items if i["kind"] == "reversal"] == [("reversal", "queued")]
        p = run(["/usr/bin/yibao-terminal", "parked", "list", "--json"], env=env)
        assert [(x["park_id"], x["state"]) for x in json.loads(p.stdout)["parked"]] == [(park_id, "parked")]
        after = _rows(journal)
        for table, rows in before.items():
            assert rows <= after[table], table  # not a row lost
        # the platform answers again: the new program finishes what the old one left
        sb.clear_faults()
        p = run(["/usr/bin/yibao-terminal", "queue", "replay", "--json"], env=env, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        p = run(["/usr/bin/yibao-terminal", "parked", "settle", "--json"], env=env, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        p = run(["/usr/bin/yibao-terminal", "queue", "list", "--json"], env=env)
        assert [i for i in json.loads(p.stdout)["items"] if i["kind"] == "reversal"] == []
        p = run(["/usr/bin/yibao-terminal", "parked", "list", "--json"], env=env)
        assert [x["state"] for x in json.loads(p.stdout)["parked"]] == ["settled"]
        reversed_ = [r for r in sb.ledger() if r["infno"] == "2207" and r["status"] == "reversed"]
        assert len(reversed_) == 1
    finally:
        sb.stop()
