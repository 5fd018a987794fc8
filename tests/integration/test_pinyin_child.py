"""The pinyin search without pypinyin's dictionary in the cashier's process: a fresh interpreter searches the
training catalogue by pinyin initials; the spellings are asked in a child process (a real one), written to
<data_dir>/cache, and the searching process neither imports pypinyin nor grows by its ~58 MB. A second fresh
interpreter, where no process can be started, finds the same from the file."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support import ROOT

CHILD = r'''
import json
import multiprocessing
import sys
from pathlib import Path

from tests.support import make_config
from terminal.app.catalogue import Catalogue


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


if sys.argv[2] == "no-process":
    def refuse(*_a, **_k):
        raise AssertionError("a process was started although the cache is there")

    multiprocessing.get_context = refuse
cat = Catalogue.for_config(make_config(Path(sys.argv[1])))
before = rss_mb()
found = [i.name for i in cat.search("xbdp")]
full = [i.name for i in cat.search("lianhua")]
print(json.dumps({"found": found, "full": full, "grew_mb": rss_mb() - before,
                  "pypinyin": sorted(m for m in sys.modules if m.startswith("pypinyin")),
                  "cache": sorted(p.name for p in (Path(sys.argv[1]) / "cache").glob("*"))}, ensure_ascii=False))
'''


def run(data_dir, mode: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", CHILD, str(data_dir), mode], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_the_search_spells_in_a_child_and_the_next_start_reads_the_file(tmp_path):
    first = run(tmp_path / "data", "child")
    assert first["found"][0] == "硝苯地平控释片" and first["full"] == ["连花清瘟胶囊"]
    assert first["pypinyin"] == []  # never imported here
    assert first["grew_mb"] < 20, first  # in-process it is ~58 MB (pypinyin's dictionary)
    assert len(first["cache"]) == 1 and first["cache"][0].startswith("pinyin-")
    again = run(tmp_path / "data", "no-process")
    assert again["found"] == first["found"] and again["full"] == first["full"]
    assert again["pypinyin"] == [] and again["cache"] == first["cache"]
