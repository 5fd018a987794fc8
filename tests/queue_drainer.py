"""One queue-worker process for the group-commit tests: opens the shared store (a live owner, as the window or a
CLI command is) and drains the offline queue with its own client.

``python -m tests.queue_drainer --journal J --url U [--batch 16]`` prints ``START <token>``, ``READY`` once signed
in (it drains from then on) and, when the queue has nothing more it can take, ``DONE <json outcomes>``.
The crash points (``YIBAO_CRASH_AT``, ``YIBAO_CRASH_AFTER``, terminal.store.crash) kill or pause it in the middle
of a batch.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tests.support import make_client, make_config


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--journal", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--until-empty", action="store_true", help="drain again until no item is queued or working")
    a = p.parse_args(argv)

    from terminal.store import Store

    journal = Path(a.journal)
    cfg = make_config(journal.parent, read_timeout=20.0, connect_timeout=2.0)
    with Store(journal) as store:
        print(f"START {store.token}", flush=True)
        client = make_client(cfg, a.url, journal.parent / "msgid.state")
        worker = store.worker(client, batch=a.batch)
        client.sign_in()
        print("READY", flush=True)
        outs = worker.drain(timeout=120)
        end = time.time() + 120
        while a.until_empty and time.time() < end and store.queue.items(("queued", "working")):
            time.sleep(0.02)  # what is left waits behind another process's batch
            outs += worker.drain(timeout=120)
        print("DONE " + json.dumps([[o.item_id, o.state, o.resolution] for o in outs]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
