"""Qt is only touched in a child process (`doctor --probe qt|display`): a missing xcb library or a printer system
that hangs cannot abort or block the doctor itself. The child runs terminal.ui.qtprobe.probe (Qt stays in the UI
package); `run_probe` here starts it and reads its one JSON line."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from terminal.doctor.context import Context
from terminal.doctor.report import is_frozen

def self_command() -> list[str]:
    """How to run this program again (the frozen executable, or this interpreter with -m terminal)."""
    if is_frozen():
        return [sys.executable]
    return [sys.executable, "-m", "terminal"]


def run_probe(kind: str, timeout: float, env_extra: dict[str, str] | None = None) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(env_extra or {})
    cmd = self_command() + ["doctor", "--probe", kind]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                           encoding="utf-8", errors="replace")
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timeout after {timeout:.0f} s", "timeout": True}
    except OSError as e:
        return {"ok": False, "error": f"cannot start {cmd[0]}: {e}"}
    for line in reversed(p.stdout.splitlines()):
        if line.startswith("{"):
            try:
                out = json.loads(line)
            except ValueError:
                break
            out.setdefault("ok", p.returncode == 0)
            out["stderr"] = p.stderr[-1500:]
            return out
    return {"ok": False, "error": f"exit code {p.returncode}", "stderr": p.stderr[-1500:], "returncode": p.returncode}


def qt_probe(ctx: Context) -> dict[str, Any]:
    with ctx.qt_lock:
        if ctx.qt_probe is None:
            ctx.qt_probe = run_probe("qt", ctx.limit(40.0), {"QT_QPA_PLATFORM": "offscreen"})
        return ctx.qt_probe
