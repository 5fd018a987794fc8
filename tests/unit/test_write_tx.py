"""write_tx, the one SQLite write transaction of the project: commit, rollback on error, nested use as a
savepoint; the journal (StoreDB), the ward book and the sandbox's ledger all write through it."""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from terminal.sandbox.store import Store as SandboxStore
from terminal.store.db import StoreDB, write_tx
from terminal.store.wardbook import WardBook


#: a store's tx, an insert into its meta table, a count of the rows inserted, and close
Parts = tuple[Callable[[], AbstractContextManager[object]], Callable[[str], None], Callable[[], int],
              Callable[[], None]]


class Boom(Exception):
    pass


@pytest.fixture
def db(tmp_path: Path):
    conn = sqlite3.connect(str(tmp_path / "t.sqlite"), isolation_level=None, check_same_thread=False)
    conn.execute("CREATE TABLE t (v TEXT)")
    yield conn, threading.RLock(), tmp_path / "t.sqlite"
    conn.close()


def _values(path: Path) -> list[str]:
    other = sqlite3.connect(str(path))  # another connection sees only what was committed
    try:
        return [r[0] for r in other.execute("SELECT v FROM t ORDER BY rowid")]
    finally:
        other.close()


def test_commits_when_the_block_ends(db):
    conn, lock, path = db
    with write_tx(conn, lock) as c:
        c.execute("INSERT INTO t VALUES ('a')")
        assert conn.in_transaction
    assert not conn.in_transaction and _values(path) == ["a"]


def test_rolls_back_and_raises_on_error(db):
    conn, lock, path = db
    with pytest.raises(Boom):
        with write_tx(conn, lock) as c:
            c.execute("INSERT INTO t VALUES ('a')")
            raise Boom
    assert not conn.in_transaction and _values(path) == []


def test_nested_use_is_a_savepoint(db):
    """Supported: a nested block's error undoes its own writes only; the outer transaction goes on and commits."""
    conn, lock, path = db
    with write_tx(conn, lock) as c:
        c.execute("INSERT INTO t VALUES ('outer')")
        with write_tx(conn, lock) as inner:
            inner.execute("INSERT INTO t VALUES ('kept')")
        with pytest.raises(Boom):
            with write_tx(conn, lock) as inner:
                inner.execute("INSERT INTO t VALUES ('undone')")
                raise Boom
        assert _values(path) == []  # nothing visible before the outer commit
    assert _values(path) == ["outer", "kept"]


def test_an_outer_error_undoes_the_nested_blocks_too(db):
    conn, lock, path = db
    with pytest.raises(Boom):
        with write_tx(conn, lock) as c:
            with write_tx(conn, lock) as inner:
                inner.execute("INSERT INTO t VALUES ('inner')")
            c.execute("INSERT INTO t VALUES ('outer')")
            raise Boom
    assert _values(path) == []


def test_refuses_a_connection_that_opens_its_own_transactions(tmp_path: Path):
    conn = sqlite3.connect(str(tmp_path / "x.sqlite"))  # default isolation_level: sqlite3 would BEGIN by itself
    try:
        with pytest.raises(ValueError, match="isolation_level=None"):
            with write_tx(conn, threading.RLock()):
                pass
    finally:
        conn.close()


def test_another_thread_waits_for_the_lock(db):
    conn, lock, path = db
    order: list[str] = []

    def second() -> None:
        with write_tx(conn, lock) as c:
            order.append("second")
            c.execute("INSERT INTO t VALUES ('second')")

    with write_tx(conn, lock) as c:
        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.2)  # the second thread is at the lock by now
        c.execute("INSERT INTO t VALUES ('first')")
        order.append("first")
    t.join(5)
    assert order == ["first", "second"] and _values(path) == ["first", "second"]


def _journal(tmp_path: Path) -> Parts:
    sdb = StoreDB(tmp_path / "journal.sqlite")
    return (sdb.tx, lambda v: sdb.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (v, v)),
            lambda: len(sdb.rows("SELECT key FROM meta WHERE key LIKE 'k%'")), sdb.close)


def _ward(tmp_path: Path) -> Parts:
    book = WardBook(tmp_path / "inpatient.sqlite")
    return (book.tx, lambda v: book.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (v, v)),
            lambda: len(book._rows("SELECT key FROM meta WHERE key LIKE 'k%'")), book.close)


def _sandbox(tmp_path: Path) -> Parts:
    st = SandboxStore(tmp_path / "sandbox.sqlite")
    return (st.tx, lambda v: st.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (v, v)),
            lambda: len(st.read("SELECT key FROM meta WHERE key LIKE 'k%'")), st.close)


@pytest.mark.parametrize("make", [_journal, _ward, _sandbox], ids=["journal", "ward book", "sandbox"])
def test_every_store_writes_through_it(tmp_path: Path, make):
    tx, insert, count, close = make(tmp_path)
    try:
        _write_through(tx, insert, count)
    finally:
        close()


def _write_through(tx: Callable[[], AbstractContextManager[object]], insert: Callable[[str], None],
                   count: Callable[[], int]) -> None:
    with tx():
        insert("k1")
    with pytest.raises(Boom):
        with tx():
            insert("k2")
            raise Boom
    with tx():  # nested: a savepoint in each of them
        insert("k3")
        with pytest.raises(Boom):
            with tx():
                insert("k4")
                raise Boom
    assert count() == 2
