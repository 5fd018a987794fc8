"""The house rules, checked on every run: import contracts, no import cycles, ruff, mypy (strict on core, backend,
store and services), and that the non-UI packages import with PySide6 absent."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

BIN = Path(sys.executable).parent


def _tool(name: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    exe = shutil.which(name, path=str(BIN)) or name
    return subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_import_contracts_hold():
    r = _tool("lint-imports")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "KEPT" in r.stdout and "BROKEN" not in r.stdout


def test_no_import_cycles():
    import grimp

    graph = grimp.build_graph("terminal", "drivers")
    cycles = []
    for mod in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(mod):
            chain = graph.find_shortest_chain(importer=imported, imported=mod)
            if chain:
                cycles.append(" -> ".join((mod, *chain)))
    assert not cycles, "import cycles:\n" + "\n".join(cycles[:20])


def test_ruff_is_clean():
    r = _tool("ruff", "check", "--no-cache", "terminal", "drivers", "tests", "bench", "scripts")
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr


def test_mypy_strict_where_money_is_decided():
    r = _tool("mypy", "--no-incremental", timeout=600)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr


NON_UI = ["terminal.core", "terminal.backend", "terminal.store", "terminal.services", "terminal.his", "terminal.app",
          "terminal.sandbox.server", "terminal.cli", "terminal.doctor", "drivers.pcsc.reader", "drivers.printer",
          "drivers.scanner.decode", "drivers.virtual.card"]


def test_non_ui_packages_import_without_pyside6():
    code = ("import importlib, pkgutil, sys\n"
            f"for name in {NON_UI!r}:\n"
            "    m = importlib.import_module(name)\n"
            "    for info in pkgutil.walk_packages(getattr(m, '__path__', []), name + '.'):\n"
            "        importlib.import_module(info.name)\n"
            "assert not any(k.startswith('PySide6') for k in sys.modules)\n"
            "print('ok')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "tests" / "noqt"), str(ROOT)]))
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr


def test_the_blocker_really_blocks():
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests" / "noqt"))
    r = subprocess.run([sys.executable, "-c", "import PySide6.QtCore"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode != 0 and "blocked" in r.stderr


@pytest.mark.parametrize("limit", [500])
def test_no_module_over_the_limit(limit):
    long = []
    for base in ("terminal", "drivers"):
        for p in sorted((ROOT / base).rglob("*.py")):
            n = len(p.read_text("utf-8").splitlines())
            if n > limit:
                long.append(f"{p.relative_to(ROOT)}: {n}")
    assert not long, f"modules over {limit} lines:\n" + "\n".join(long)
