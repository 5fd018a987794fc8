"""Crash points for the crash tests: ``YIBAO_CRASH_AT=<point>`` kills (or pauses) the process there.

Points (in the order a message goes through them):
``before_journal`` (nothing written yet), ``before_send`` (journaled as pending, not yet posted),
``after_send`` (the HTTP answer arrived, not yet looked at), ``after_answer`` (inside the journal
transaction that records the answer, before COMMIT), ``after_commit`` (answer and settlement committed),
``park_before_settle`` (the parked bill's 2207 msgid is recorded, nothing sent).

``YIBAO_CRASH_INFNO`` restricts the point to one transaction (e.g. 2207); ``YIBAO_CRASH_ACTION`` is ``kill``
(SIGKILL itself, the default) or ``pause`` (write ``YIBAO_CRASH_FLAG`` and sleep until killed from outside);
``YIBAO_CRASH_AFTER=n`` lets the point pass n times first (the middle of a queue worker's batch).
Without the variable this is one dictionary lookup.
"""
from __future__ import annotations

import os
import signal
import time

_passed: dict[str, int] = {}  # how often each point let the process through (YIBAO_CRASH_AFTER)


def crash_point(name: str, infno: str = "") -> None:
    at = os.environ.get("YIBAO_CRASH_AT")
    if not at or at != name:
        return
    want = os.environ.get("YIBAO_CRASH_INFNO", "")
    if want and infno and infno[:4] != want:
        return
    after = int(os.environ.get("YIBAO_CRASH_AFTER", "0") or 0)
    if _passed.get(name, 0) < after:
        _passed[name] = _passed.get(name, 0) + 1
        return
    if os.environ.get("YIBAO_CRASH_ACTION", "kill") == "pause":
        flag = os.environ.get("YIBAO_CRASH_FLAG")
        if flag:
            with open(flag, "w", encoding="ascii") as fh:
                fh.write(f"{os.getpid()} {name} {infno}\n")
        while True:  # the test kills us with SIGKILL
            time.sleep(3600)
    os.kill(os.getpid(), signal.SIGKILL)
