"""bench/all.py: one line per figure, a missing or failing module on one line and the run goes on, a count at the
end. Fake benchmark modules are put in a `bench` directory on PYTHONPATH (bench/ is a namespace package)."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.support import ROOT



def test_all_prints_figures_failures_and_the_count(tmp_path):
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "fake_ok.py").write_text(
        "from bench._figures import Figure\n"
        "def figures(quick=True):\n"
        "    assert quick is True\n"
        "    return [Figure('fast thing', 1.5, 'ms', target='< 2 ms', ok=True, peer_name='raw', peer_value=1.0),\n"
        "            Figure('slow thing', 9.0, 'ms', target='< 2 ms', ok=False), Figure('info', 3.0, 'MB')]\n")
    (tmp_path / "bench" / "fake_boom.py").write_text("def figures(quick=True):\n    raise RuntimeError('boom')\n")
    (tmp_path / "bench" / "fake_nofig.py").write_text("X = 1\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    r = subprocess.run([sys.executable, "bench/all.py", "--only", "fake_boom,fake_missing,fake_nofig,fake_ok"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0] == "fake_boom: failed (RuntimeError: boom)"
    assert lines[1] == "fake_missing: failed (no such module)"
    assert lines[2] == "fake_nofig: failed (no figures() in the module)"
    assert lines[3] == "fast thing: 1.5 ms  (raw: 1 ms, x1.50)  target: < 2 ms  OK"
    assert lines[4] == "slow thing: 9 ms  target: < 2 ms  over"
    assert lines[5] == "info: 3 MB"
    assert lines[6].startswith("-- 1 OK, 1 over, 1 without target, 3 module(s) failed; total ")


def test_a_module_that_hangs_is_cut_at_its_budget(tmp_path):
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "fake_hang.py").write_text("import time\ndef figures(quick=True):\n    time.sleep(60)\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    r = subprocess.run([sys.executable, "bench/all.py", "--only", "fake_hang", "--timeout", "2"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.stdout.splitlines()[0] == "fake_hang: failed (no answer within 2 s)"
