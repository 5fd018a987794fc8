"""Upgrades keep the journal: a journal made by 0.1.0 (main at 39274ea, committed as a fixture) is migrated
at open without losing a row or a queued reversal, the queue still works, and a newer journal is refused."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from terminal.store import Store
from terminal.store.db import KNOWN_MIGRATIONS, SCHEMA_VERSION
from terminal.store.errors import JournalOpenError, JournalTooNew
from tests.support import ROOT, make_client, make_config

FIXTURE = ROOT / "tests/fixtures/journal-v1.sqlite"
TABLES = ("messages", "settlements", "queue", "payloads", "parked", "parked_secrets", "reconciliations", "meta")


def _raw(path: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(path)
    try:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
    finally:
        con.close()


@pytest.fixture
def old_journal(tmp_path) -> Path:
    p = tmp_path / "data" / "journal.sqlite"
    p.parent.mkdir()
    shutil.copy(FIXTURE, p)
    return p


def test_fixture_is_a_0_1_0_journal():
    con = sqlite3.connect(FIXTURE)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    columns = {r[1] for r in con.execute("PRAGMA table_info(messages)")}
    assert "_sqlite_migrations" not in tables and "owner" not in columns
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("1",)
    con.close()


def test_upgrade_keeps_every_row_and_the_queued_reversal(old_journal):
    before = _raw(old_journal)
    assert before["queue"] and before["settlements"] and before["parked"]
    with Store(old_journal) as store:
        applied = [r["name"] for r in store.sdb.rows("SELECT name FROM _sqlite_migrations ORDER BY id")]
        assert set(applied) == KNOWN_MIGRATIONS and len(applied) == SCHEMA_VERSION
        assert store.sdb.one("SELECT value FROM meta WHERE key='schema_version'")["value"] == str(SCHEMA_VERSION)
        rev = store.queue.items(kind="reversal")
        assert len(rev) == 1 and rev[0].state == "queued" and rev[0].omsgid
        assert store.message(rev[0].omsgid)["resolution"] == "reversing"
        assert store.blocking_reversals(rev[0].psn_no)  # the person stays blocked across the upgrade
        assert [p.state for p in store.parked()] == ["parked"]
        assert {(r["kind"], r["status"]) for r in store.settlements()} == {
            ("settle", "settled"), ("settle", "cancelled"), ("cancel", "settled")}
    after = _raw(old_journal)
    for t in TABLES:
        old_rows = before[t]
        new_rows = after[t]
        assert len(new_rows) == len(old_rows) + (0 if t != "meta" else 0), t
        # every old value is still there (new columns are appended at the end of each row)
        if t != "meta":
            assert sorted((r[:len(old_rows[0])] for r in new_rows), key=repr) == old_rows, t


def test_upgraded_queue_forwards_the_reversal_and_settles_the_parked_bill(old_journal, sandbox):
    cfg = make_config(old_journal.parent)
    with Store(old_journal) as store:
        from terminal.services.outpatient import SettlementService

        client = make_client(cfg, sandbox.url, old_journal.parent / "msgid.state")
        svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
        rep = store.recover(client)
        # the fresh sandbox never saw the old 2207: the reversal closes it as not booked
        out = store.worker(client, svc).drain(timeout=30)
        kinds = {o["kind"]: o["state"] for o in rep.forwarded + [o.as_dict() for o in out]}
        assert kinds.get("reversal") == "done"
        rev = store.queue.items(kind="reversal")[0]
        assert store.message(rev.omsgid)["resolution"] == "not_booked"
        assert [p.state for p in store.parked()] == ["settled"]


def test_a_newer_journal_is_refused(old_journal, tmp_path):
    Store(old_journal).close()
    con = sqlite3.connect(old_journal)
    con.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                "VALUES ('yibao-journal', '9999_from_the_future', '2030-01-01')")
    con.commit()
    con.close()
    with pytest.raises(JournalTooNew) as ei:
        Store(old_journal)
    assert isinstance(ei.value, JournalOpenError) and "更新版本" in ei.value.user_message
    # the CLI says so in one line, no traceback
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[store]\ndir = "{old_journal.parent}"\n[log]\ndir = "{tmp_path / "log"}"\n', encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "terminal", "--config", str(cfg), "queue", "list"],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode != 0 and "更新版本" in (r.stdout + r.stderr) and "Traceback" not in r.stderr


def test_two_processes_opening_an_old_journal_at_once_migrate_it_once(old_journal):
    code = ("import sys; from terminal.store import Store; s = Store(sys.argv[1]); "
            "print(len(s.sdb.rows('SELECT * FROM _sqlite_migrations'))); s.close()")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(old_journal)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(3)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert {o.strip() for o, _ in outs} == {str(SCHEMA_VERSION)}
