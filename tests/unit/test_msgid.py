import threading

from terminal.backend.msgid import MsgIdGenerator
from terminal.backend.signing import tif_signature

CODE = "H45010000001"


def test_format():
    m = MsgIdGenerator(CODE).next()
    assert len(m) == 30 and m.startswith(CODE) and m[12:].isdigit()


def test_unique_under_threads(tmp_path):
    gen = MsgIdGenerator(CODE, tmp_path / "state")
    out: list[str] = []
    lock = threading.Lock()

    def work():
        local = [gen.next() for _ in range(500)]
        with lock:
            out.extend(local)

    ts = [threading.Thread(target=work) for _ in range(8)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert len(out) == 4000 and len(set(out)) == 4000


def test_more_than_9999_in_one_second_borrows_next_second():
    gen = MsgIdGenerator(CODE, clock=lambda: 1_700_000_000)
    ids = [gen.next() for _ in range(10_050)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 30 for i in ids)


def test_unique_across_restarts_in_the_same_second(tmp_path):
    state = tmp_path / "state"
    a = [MsgIdGenerator(CODE, state, clock=lambda: 1_700_000_000).next() for _ in range(50)]
    assert len(set(a)) == 50  # each a fresh generator = a restart


def test_clock_going_back_keeps_order(tmp_path):
    t = [1_700_000_100]
    gen = MsgIdGenerator(CODE, tmp_path / "s", clock=lambda: t[0])
    first = gen.next()
    t[0] -= 3600
    second = gen.next()
    assert second > first


def test_tif_signature_known_value():
    import hashlib
    assert tif_signature("1700000000", "tok", "n1") == hashlib.sha256(b"1700000000tokn11700000000").hexdigest()
