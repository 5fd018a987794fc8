"""The store's commands through terminal.cli.main against the training sandbox (started per command)."""
from __future__ import annotations

import json

from terminal.cli import main
from terminal.store import Store
from tests.support import id_cred, small_bill


def run(capsys, cfg, *argv) -> tuple[int, object]:
    rc = main(["--config", str(cfg), *argv])
    out = capsys.readouterr().out
    try:
        return rc, json.loads(out)
    except ValueError:
        return rc, out


def test_queue_journal_reconcile_and_parked_commands(tmp_path, capsys):
    data = tmp_path / "data"
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[store]\ndir = "{data}"\n[log]\ndir = "{tmp_path / "log"}"\n[backend]\nread_timeout = 5.0\n',
                   encoding="utf-8")
    store = Store(data / "journal.sqlite")
    slip = store.park(id_cred("hainan-retiree"), small_bill(), name="符大海", insutype="310")
    other = store.park(id_cred("shanghai-employee"), small_bill("30.00"))
    store.close()

    rc, out = run(capsys, cfg, "parked", "list", "--json")
    assert rc == 0 and [p["park_id"] for p in out["parked"]] == [slip.park_id, other.park_id]
    assert run(capsys, cfg, "parked", "cancel", other.park_id)[0] == 0
    rc, out = run(capsys, cfg, "queue", "list", "--json")
    assert rc == 0 and [i["kind"] for i in out["items"]] == ["park"] and out["status"]["level"] == "ok"

    rc, out = run(capsys, cfg, "parked", "settle", slip.park_id, "--json")
    assert rc == 0 and [o["state"] for o in out["outcomes"]] == ["done"]
    rc, out = run(capsys, cfg, "parked", "list", "--json")
    [refund] = out["refunds_due"]
    assert refund["park_id"] == slip.park_id and refund["paid"] == "53.40"
    rc, text = run(capsys, cfg, "parked", "list")
    assert "应退" in text and slip.park_id in text

    rc, out = run(capsys, cfg, "journal", "--json")
    assert rc == 0 and [s["park_id"] for s in out["settlements"]] == [slip.park_id]
    assert "2207" in [m["infno"] for m in out["messages"]] and "request" not in out["messages"][0]
    rc, text = run(capsys, cfg, "journal")
    assert rc == 0 and "结算" in text

    rc, out = run(capsys, cfg, "reconcile", "--json")
    assert rc == 0 and out["balanced"] and out["groups"][0]["count"] == 1

    rc, out = run(capsys, cfg, "queue", "list", "--all", "--json")
    qid = out["items"][0]["id"]
    rc, out = run(capsys, cfg, "queue", "show", str(qid), "--json")
    assert rc == 0 and out["item"]["state"] == "done"
    assert run(capsys, cfg, "queue", "replay", "--json")[1]["outcomes"] == []
    assert run(capsys, cfg, "queue", "show", "999")[0] == 1

    assert run(capsys, cfg, "parked", "refunded", slip.park_id)[0] == 0
    assert run(capsys, cfg, "parked", "refunded", slip.park_id)[0] == 1
    assert run(capsys, cfg, "parked", "cancel", slip.park_id)[0] == 1
