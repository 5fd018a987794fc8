"""Message ids stay unique across processes sharing one state file."""
from __future__ import annotations

import subprocess
import sys

from tests.unit.test_msgid import CODE


def test_unique_across_processes(tmp_path):
    state = tmp_path / "state"
    code = (f"from terminal.backend.msgid import MsgIdGenerator\n"
            f"g = MsgIdGenerator('{CODE}', r'{state}')\n"
            f"print('\\n'.join(g.next() for _ in range(300)))")
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(3)]
    ids = [line for p in procs for line in p.communicate()[0].split()]
    assert len(ids) == 900 and len(set(ids)) == 900
