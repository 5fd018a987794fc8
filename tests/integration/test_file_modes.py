"""Issue 11 item 6: what the terminal writes is the cashier account's alone, whatever the umask.

journal.sqlite (parked bills' full certificate numbers) and its -wal/-shm, logs (also rotated ones), crash
reports, the sandbox DB, operators.sqlite and the per-user config written by the settings dialog (it can hold
the gateway token) are 0600 in 0700 directories under a umask of 0o022; files left 0644 by an older version
are repaired at start (any command), and `doctor` fails on them naming the path and the fix.
Real files, real SQLite, the real sandbox over HTTP, the real CLI in a subprocess.
"""
from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from terminal import config as config_mod
from terminal import fsperm
from tests import support
from tests.support import ROOT, cli_env, config_file, make_config

pytestmark = pytest.mark.skipif(os.name != "posix", reason="Unix permission bits")

CERTNO = "450100197705200135"  # the sandbox's local employee


def mode(p: Path) -> int:
    return stat.S_IMODE(os.lstat(p).st_mode)


def tree(*roots: Path) -> list[Path]:
    out = []
    for r in roots:
        out.append(r)
        out.extend(sorted(r.rglob("*")))
    return out


def loose(*roots: Path) -> list[str]:
    """Every dir not 0700 and every file not 0600 under roots (with the mode, for the assertion message)."""
    bad = []
    for p in tree(*roots):
        m = mode(p)
        if p.is_dir() and m != 0o700 or p.is_file() and m != 0o600:
            bad.append(f"{p} {m:04o}")
    return bad


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def run_cli(tmp_path: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """The terminal's command line under a umask of 0o022."""
    r = subprocess.run([sys.executable, "-m", "terminal", *args], cwd=ROOT, env=cli_env(tmp_path),
                       capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.umask(0o022))
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


# created private -----------------------------------------------------------------------------------------
def test_everything_created_in_process_is_private_under_umask_022(tmp_path, umask022, home):
    from terminal import crash
    from terminal.backend.client import client_from_config
    from terminal.logsetup import setup_logging
    from terminal.sandbox.server import SandboxServer
    from terminal.store import Store
    from terminal.app.operators import OperatorStore

    assert os.umask(0o022) == 0o022  # the fixture's umask is in force
    cfg = make_config(tmp_path / "data")
    data, logs = Path(cfg.data_dir), Path(cfg.log_dir)
    user_cfg = config_mod.user_config_path()
    assert str(user_cfg).startswith(str(home))

    setup_logging(logs, "INFO")
    logging.getLogger("terminal.test").warning("a line")
    sandbox = SandboxServer.for_config(cfg).start()  # sandbox.sqlite in the data dir
    store = Store.from_config(cfg)
    client = client_from_config(cfg, sandbox.url, observer=store.journal, msgid_state=data / "msgid.state")
    crash.uninstall_crash_handler()
    try:
        client.sign_in()  # 9001 journaled: journal.sqlite-wal / -shm are written
        OperatorStore.for_config(cfg).seed_demo()
        handler = crash.install_crash_handler(cfg)  # the native-crash file in data/crash
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            report = crash.write_report(cfg, *sys.exc_info())
        new = config_mod.Config()
        new.gateway.paasid, new.gateway.token = "paas", "secret-token"
        config_mod.save_changes(config_mod.Config(), new, user_cfg)  # what the settings dialog does
        fh = next(h for h in logging.getLogger().handlers if getattr(h, "_yibao", False))
        fh.doRollover()  # a rotated log and a new current one
        logging.getLogger("terminal.test").warning("after rotation")

        made = {p.name for p in tree(data, logs)}
        for name in ("journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm", "sandbox.sqlite",
                     "sandbox.sqlite-wal", "operators.sqlite", "terminal.log", "terminal.log.1", report.name,
                     "crash"):
            assert name in made, (name, sorted(made))
        assert any(n.startswith("native-") for n in made)
        assert loose(data, logs, user_cfg.parent) == []
        assert mode(user_cfg) == 0o600 and "secret-token" in user_cfg.read_text(encoding="utf-8")
        assert handler is not None
    finally:
        crash.uninstall_crash_handler()
        client.close()
        store.close()
        sandbox.stop()


def test_a_settlement_from_the_cli_leaves_only_private_files(tmp_path):
    """The real program under umask 022: settle (journal, sandbox, logs, crash dir), then journal."""
    cfg = config_file(tmp_path, name="c.toml")
    r = run_cli(tmp_path, "--config", str(cfg), "settle", "--cert-type", "02", "--cert-no", CERTNO, "--bill",
                "resources/bills/outpatient-nanning.json", "--json")
    assert json.loads(r.stdout)["ok"]
    run_cli(tmp_path, "--config", str(cfg), "journal", "--json")
    data, logs = tmp_path / "data", tmp_path / "log"
    assert (data / "journal.sqlite").is_file() and (data / "sandbox.sqlite").is_file()
    assert (logs / "terminal.log").is_file() and (data / "crash").is_dir()
    assert loose(data, logs) == []


# repaired at start, checked by doctor ---------------------------------------------------------------------
def make_old_install(tmp_path: Path) -> list[Path]:
    """What 0.1.0 left: real files, readable by everyone."""
    from terminal.store import Store
    from terminal.app.operators import OperatorStore

    cfg = make_config(tmp_path / "data", log_dir=tmp_path / "log")  # as in config_file
    data, logs = Path(cfg.data_dir), Path(cfg.log_dir)
    Store.from_config(cfg).close()
    OperatorStore.for_config(cfg).seed_demo()
    (data / "crash").mkdir()
    (data / "crash" / "crash-20250101-100000.txt").write_text("report", encoding="utf-8")
    (data / "msgid.state").write_text("1", encoding="utf-8")
    logs.mkdir()
    (logs / "terminal.log.1").write_text("{}\n", encoding="utf-8")
    script = data / "tool.sh"
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    os.chmod(script, 0o755)
    files = [data / "journal.sqlite", data / "msgid.state", data / "operators.sqlite",
             data / "crash" / "crash-20250101-100000.txt", logs / "terminal.log.1"]
    for f in files:
        os.chmod(f, 0o644)
    for d in (data, data / "crash", logs):
        os.chmod(d, 0o755)
    return files + [script]


def test_old_0644_files_fail_doctor_and_are_repaired_at_start(tmp_path, home):
    from terminal import doctor as d

    files = make_old_install(tmp_path)
    cfg = config_file(tmp_path, name="c.toml")
    report = d.run_doctor(str(cfg), only=["perms"])
    r = {c.key: c for c in report.checks}["perms"]
    assert r.status == d.FAIL and report.exit_code == 1
    assert str(tmp_path / "data" / "journal.sqlite") in r.summary and "0644" in r.summary
    assert f"chmod -R go-rwx '{tmp_path / 'data'}'" in r.hint and f"'{tmp_path / 'log'}'" in r.hint
    paths = {f["path"] for f in r.data["loose"]}
    assert {str(f) for f in files} <= paths

    run_cli(tmp_path, "--config", str(cfg), "queue", "list")  # any command: repaired at start
    assert loose(tmp_path / "data", tmp_path / "log") == [f"{files[-1]} {0o700:04o}"]  # the script keeps its x bit
    assert all(mode(f) == 0o600 for f in files[:-1])
    report = d.run_doctor(str(cfg), only=["perms"])
    assert {c.key: c for c in report.checks}["perms"].status == d.PASS


def test_doctor_json_names_the_loose_path(tmp_path, home):
    make_old_install(tmp_path)
    r = support.run_cli(tmp_path, "--config", str(config_file(tmp_path, name="c.toml")), "doctor", "--json", "--only",
                        "perms")
    out = json.loads(r.stdout)
    perms = next(c for c in out["checks"] if c["key"] == "perms")
    assert r.returncode == 1 and perms["status"] == "fail"
    assert {"path": str(tmp_path / "data" / "journal.sqlite"), "mode": "0644", "kind": "file"} in perms["data"]["loose"]


def test_repair_never_walks_the_home_directory(tmp_path, home):
    """[store] dir = ~ by mistake: the home directory and what is in it are not ours to tighten."""
    f = home / "notes.txt"
    f.write_text("x", encoding="utf-8")
    os.chmod(f, 0o644)
    os.chmod(home, 0o755)
    cfg = config_mod.Config()
    cfg.store.dir = str(home)
    cfg.log.dir = str(tmp_path / "log")
    assert fsperm.repair(cfg, force=True) == []
    assert mode(f) == 0o644 and mode(home) == 0o755


def test_private_dir_leaves_sticky_and_foreign_dirs_alone(tmp_path):
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    os.chmod(sticky, 0o1777)
    fsperm.private_dir(sticky)
    assert mode(sticky) == 0o1777
    made = fsperm.private_dir(tmp_path / "a" / "b")
    assert mode(made) == 0o700
