"""A real pcscd with the vpcd driver (vsmartcard-vpcd) for the card tests, shared by the whole session.

If a pcscd already runs, it is used as is (and tests that restart pcscd are skipped: it is not ours).
Otherwise `pcscd --foreground` is started here and stopped at the end. Needs: pcscd, vsmartcard-vpcd
(the reader.conf.d entry for "Virtual PCD" on TCP 35963/35964) and permission to create /run/pcscd
(root, as in CI). The tests skip only when the pcscd binary is absent; anything else fails with the log.
"""
from __future__ import annotations

import pytest

from drivers.virtual import VirtualCard
from .pcsc_support import PCSCD, READER, Pcscd, _running_pid, card_present, wait_for


@pytest.fixture(scope="session")
def pcscd():
    if not PCSCD:
        pytest.skip("pcscd is not installed (apt-get install pcscd vsmartcard-vpcd libpcsclite-dev)")
    svc = Pcscd()
    if _running_pid() is not None:
        if not wait_for(svc.up, 2.0):
            pytest.fail(f"a pcscd is running (pid {_running_pid()}) without the {READER!r} reader of vpcd")
    else:
        svc.start()
    yield svc
    svc.stop()
    svc.log.unlink(missing_ok=True)


@pytest.fixture
def service(pcscd):
    """The session pcscd, brought back to its normal state (vpcd readers) if a test changed it."""
    if pcscd.owned and not pcscd.up():
        pcscd.restart()
    yield pcscd
    if pcscd.owned and (pcscd.proc is None or pcscd.proc.poll() is not None or not pcscd.up()):
        pcscd.restart()


@pytest.fixture
def insert(service):
    """insert(profile, port=35963) -> VirtualCard, inserted and seen by pcscd; removed after the test."""
    cards: list[VirtualCard] = []

    def _insert(profile, port: int = 35963, wait: bool = True, **kw) -> VirtualCard:
        card = VirtualCard(profile, port=port, **kw)
        card.insert(timeout=5.0)
        cards.append(card)
        if wait:
            assert wait_for(lambda: card_present(card.reader_name), 3.0), \
                f"pcscd did not see the card in {card.reader_name}"
        return card

    yield _insert
    for c in cards:
        c.remove()
    for c in cards:
        wait_for(lambda name=c.reader_name: not card_present(name), 3.0)


@pytest.fixture
def monitors():
    """Monitors started in a test are stopped after it."""
    started = []
    yield started
    for m in started:
        m.stop()
