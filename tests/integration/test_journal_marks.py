"""The journal's two marks committed without an fsync of their own (issue 16): what they promise.

- The 'sent' mark (the HTTP answer arrived, not yet processed) is written only for money-moving messages: every
  other message goes from 'pending' straight to its outcome.
- ``settlement_shown`` (``shown_at``) survives a SIGKILL of the process right after it is recorded: a real
  settlement process against the sandbox, killed at that point; the journal reopened and recovered does not
  report the settlement as unseen. Killed just before the mark, the same run is reported (the control).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from terminal.core.protocol import MONEY_MOVING
from terminal.sandbox.server import SandboxServer
from terminal.store import Store
from tests.store_fixtures import service_env
from tests.support import ROOT, id_cred, small_bill


def test_only_money_moving_messages_are_marked_sent(tmp_path):
    with service_env(tmp_path) as e:
        seen: list[tuple[str, str]] = []  # (infno, the journal's state when the HTTP answer arrived)

        def after_the_journals_hook(response, *args, **kwargs):
            body = response.request.body.decode("utf-8")
            infno = body[body.index('"infno":"') + 9:][:4]
            msgid = body[body.index('"msgid":"') + 9:][:30]
            seen.append((infno, e.store.message(msgid)["state"]))
            return response

        e.client.session.hooks["response"].append(after_the_journals_hook)  # after the journal's (attach)
        cred = id_cred("hainan-retiree")
        visit = e.svc.open_visit(cred, e.svc.identify(cred), small_bill())
        e.svc.preview(visit)
        e.svc.settle(visit)

        infnos = [i for i, _ in seen]
        assert infnos == ["9001", "1101", "2201", "2204", "2206", "2207"]
        assert [(i, s) for i, s in seen if i not in MONEY_MOVING] == [(i, "pending") for i in infnos[:-1]]
        assert seen[-1] == ("2207", "sent")  # the mark is written where it is meant to be
        assert {m["state"] for m in e.store.messages()} == {"answered"}
        assert e.store.messages(states=("sent",)) == []


# The settlement process: tests.store_fixtures' settle, with Store.settlement_shown wrapped so that the process
# SIGKILLs itself right after the mark is recorded (or, for the control, right before).
CHILD = r"""
import os, signal, sys
from terminal.store import Store

shown = Store.settlement_shown

def shown_then_killed(self, msgid):
    if os.environ["KILL"] == "after":
        shown(self, msgid)
    print("KILLED", msgid, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

Store.settlement_shown = shown_then_killed
from tests.store_fixtures import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("kill", ["after", "before"])
def test_shown_at_survives_a_sigkill_right_after_it_is_recorded(tmp_path, kill):
    sb = SandboxServer(db_path=tmp_path / "sandbox.sqlite").start()
    try:
        journal = tmp_path / "data" / "journal.sqlite"
        p = subprocess.run([sys.executable, "-c", CHILD, "settle", "--journal", str(journal), "--url", sb.url,
                            "--state", str(tmp_path / "msgid.state")],
                           cwd=ROOT, env=dict(os.environ, KILL=kill, PYTHONPATH=str(ROOT)), capture_output=True,
                           text=True, timeout=120)
        assert p.returncode == -signal.SIGKILL, (p.returncode, p.stdout, p.stderr)
        msgid = p.stdout.split("KILLED ", 1)[1].split()[0]
        booked = [r for r in sb.ledger() if r["infno"] == "2207"]
        assert [(r["msgid"], r["status"]) for r in booked] == [(msgid, "booked")]
    finally:
        sb.stop()

    with Store(journal) as store:
        row = store.sdb.one("SELECT status, shown_at FROM settlements WHERE msgid=?", [msgid])
        assert row["status"] == "settled"
        rep = store.recover(forward=False)
        unseen = [c["msgid"] for c in rep.completed]
        if kill == "after":
            assert row["shown_at"] and not row["shown_at"].startswith("recovery")
            assert unseen == []
        else:  # the control: without the mark the restart tells the cashier about the settlement
            assert row["shown_at"] is None
            assert unseen == [msgid]
