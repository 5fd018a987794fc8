"""What one run of the cashier app talks to: config, platform client and service, sandbox (training),
journal/queue (terminal.store), operators, card reader, e-code exchange, catalogue, today's receipts. Qt-free:
the window (terminal.ui) is handed an open session.

Everything here may block (network, disk): the UI only calls it from worker ops.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Protocol
from collections.abc import Callable

from drivers.printer import ReceiptData
from terminal.core.desk_ports import PendingReversal
from terminal.core.errors import UserFacingError, user_message_of
from terminal.core.models import CertType, Credential

from .catalogue import Catalogue
from .operators import Operator, OperatorStore
from .wiring import (discharge_service, ecode_exchange, open_store, operator_store, pharmacy_service,
                     platform_client, settlement_service, start_sandbox)

if TYPE_CHECKING:
    from drivers.pcsc.base import CardReader
    from terminal.backend.client import PlatformClient
    from terminal.config import Config
    from terminal.services.inpatient import DischargeService
    from terminal.services.outpatient import SettlementService
    from terminal.services.pharmacy import PharmacyService
    from terminal.services.risk import RiskService
    from terminal.store import Store
    from terminal.store.store import RecoveryReport
    from terminal.store.worker import Outcome, QueueWorker

log = logging.getLogger(__name__)


class SessionJournal:
    """Today's settlements of this session, for the journal view and reprints (used until / besides
    terminal.store). Thread-safe: ops record from worker callbacks on the UI thread, views read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[ReceiptData] = []

    def record(self, r: ReceiptData) -> None:
        """Add (or replace) a settlement; earlier days' records go (the store and its journal keep them)."""
        day = (r.time or datetime.now().strftime("%Y-%m-%d"))[:10]
        with self._lock:
            self._records = [x for x in self._records
                             if x.setl_id != r.setl_id and (not x.time or x.time[:10] >= day)] + [r]

    def find(self, setl_id: str) -> ReceiptData | None:
        with self._lock:
            for r in self._records:
                if r.setl_id == setl_id:
                    return r
        return None

    def mark_cancelled(self, setl_id: str) -> None:
        with self._lock:
            for r in self._records:
                if r.setl_id == setl_id:
                    r.status = "cancelled"
                    r.cancelled_time = datetime.now().strftime("%Y-%m-%d %H:%M:%S")

    def today(self, text: str = "") -> list[ReceiptData]:
        day = datetime.now().strftime("%Y-%m-%d")
        q = text.strip()
        with self._lock:
            out = [r for r in self._records if r.time.startswith(day) or not r.time]
        if q:
            out = [r for r in out if q in r.setl_id or q in r.name_masked or q in r.mdtrt_id or q in r.psn_no
                   or q in r.certno_masked]
        return list(reversed(out))


class PlatformSandbox(Protocol):
    """The training platform a session talks to (terminal.sandbox.server.SandboxServer, or a test's proxy)."""

    @property
    def url(self) -> str: ...

    def stop(self) -> None: ...


class AppSession:
    """The application layer: config -> store -> client -> services, plus operators, catalogue and today's
    receipts. The window, the command line and doctor build their parts through terminal.app.wiring too."""

    def __init__(self, cfg: Config, client: PlatformClient, service: SettlementService | PharmacyService, *,
                 sandbox: PlatformSandbox | None = None, store: Store | None = None,
                 card_reader: CardReader | None = None,
                 ecode: Callable[[str], Credential] | None = None, catalogue: Catalogue | None = None,
                 operators: OperatorStore | None = None, platform_url: str = ""):
        self.cfg = cfg
        self.client = client
        self.service = service
        self.sandbox = sandbox
        self.store = store
        self.card_reader = card_reader
        self.ecode = ecode
        self.platform_url = platform_url or cfg.backend.url
        self.catalogue = catalogue if catalogue is not None else Catalogue.for_config(cfg, store)
        self.operators = operators if operators is not None else operator_store(cfg)
        self.journal = SessionJournal()
        self.reversals: list[PendingReversal] = []
        self.worker: QueueWorker | None = None
        self._worker_client: PlatformClient | None = None
        self._own_sandbox = False
        self._own_store = False

    @property
    def training(self) -> bool:
        return bool(self.cfg.training)

    # construction ----------------------------------------------------------------------------------
    @classmethod
    def open(cls, cfg: Config, *, sandbox: PlatformSandbox | None = None, card_reader: CardReader | None = None,
             store: Store | None = None, use_store: bool = True) -> AppSession:
        """Connect per config; in training mode start the sandbox platform unless one is given.

        With terminal.store (use_store) every message is journaled before it is sent and uncertain
        settlements are reversed through its durable queue."""
        own_store = False
        if store is None and use_store:
            store = _open_store(cfg)
            own_store = store is not None
        own = False
        url = None
        if cfg.training:
            if sandbox is None:
                sandbox = start_sandbox(cfg)
                own = True
            url = sandbox.url
        client = platform_client(cfg, url)
        pharmacy = cfg.facility.kind == "pharmacy"  # the desk runs a pharmacy sale (2101 2102 2103, e-code 02121)
        service = pharmacy_service(cfg, client, store) if pharmacy else settlement_service(cfg, client, store)
        s = cls(cfg, client, service, sandbox=sandbox, store=store, card_reader=card_reader,
                platform_url=url or cfg.backend.url)
        s._own_sandbox, s._own_store = own, own_store
        s.ecode = ecode_exchange(cfg, s.platform_url, "02121" if pharmacy else "01301")
        return s

    def discharge_service(self) -> DischargeService:
        """The discharge desk's service: shares this session's client, sign-in, journal and queue."""
        return discharge_service(self.cfg, self.client, store=self.store, base=self.service)

    def risk_service(self) -> RiskService:
        """Fund supervision (3101 / 3102 / 3103) on this session's conversation: its sign-in and journal."""
        from terminal.services.risk import RiskService

        return RiskService(self.service, fixmedins_code=self.cfg.facility.code,
                           treatment_admdvs=self.cfg.facility.admdvs)

    def start_worker(self, on_outcome: Callable[[Outcome], None] | None = None) -> QueueWorker | None:
        """The store's queue worker (its own client and thread): forwards reversals, cancellations..."""
        if self.store is None or self.worker is not None:
            return self.worker
        client = self._worker_client = platform_client(self.cfg, self.platform_url if self.cfg.training else None)
        ident, mine = client.identity, self.client.identity
        ident.opter, ident.opter_name = mine.opter, mine.opter_name
        # The worker settles parked bills on its own thread: give it its own client and service, never the
        # UI's (a requests.Session is not meant to be shared across threads).
        worker: QueueWorker = self.store.worker(client, settlement_service(self.cfg, client, self.store))
        self.worker = worker
        if on_outcome is not None:
            worker.listeners.append(on_outcome)
        worker.start()
        return worker

    def recover(self) -> RecoveryReport | None:
        """After a restart: resolve what a crash left open (blocking: run it in an op)."""
        if self.store is None:
            return None
        return self.store.recover(self.client)

    def close(self) -> None:
        if self.worker is not None:
            # Drop the UI's listeners here, on the UI thread: if the worker thread released the last
            # reference to a Qt object, PySide would delete it a second time later (a crash).
            self.worker.listeners.clear()
            _close_quietly("the queue worker", partial(self.worker.stop, timeout=3))
            self.worker = None
        for c in (self.client, self._worker_client):
            if c is not None:
                _close_quietly("a platform client", c.close)
        if self.card_reader is not None:
            _close_quietly("the card reader", self.card_reader.close)
        if self._own_store and self.store is not None:
            _close_quietly("the journal", self.store.close)
        if self._own_sandbox and self.sandbox is not None:
            self.sandbox.stop()

    def set_operator(self, op: Operator) -> None:
        """The logged-in operator speaks in every envelope (opter, opter_name) and signs in (9001)."""
        for c in (self.client, self._worker_client):
            if c is None:
                continue
            ident = c.identity
            if ident.opter != op.id:
                c.sign_no = ""
            ident.opter, ident.opter_name = op.id, op.name

    # queue / reversal -------------------------------------------------------------------------------
    def queue_count(self) -> int:
        n = sum(1 for r in self.reversals if not r.done and not r.queued)
        if self.store is not None:
            try:
                n += int(self.store.queue_status().open_items)
            except Exception:
                pass
        return n

    def reversal_resolved(self, omsgid: str) -> str:
        """For a queued reversal: 'reversed' / 'not_booked' when done, 'failed: why' when refused, '' open."""
        if self.store is None:
            return ""
        res = self.store.resolution(omsgid)
        if res in ("reversed", "not_booked"):
            return res
        if res == "reversal_refused":
            why = ""
            for it in self.store.queue.items(kind="reversal"):
                if it.omsgid == omsgid and it.state == "failed":
                    why = it.last_error or ""
            return "failed: " + why
        return ""  # still reversing (or not journaled): keep polling

    def reverse(self, pr: PendingReversal) -> str:
        """2601 now: 'reversed' / 'not_booked' (see SettlementService.reverse); raises when refused."""
        pr.attempts += 1
        try:
            outcome = self.service.reverse(pr.psn_no, pr.insuplc, pr.omsgid, pr.oinfno)
        except Exception as e:
            pr.last_error = user_message_of(e)
            raise
        pr.done = bool(outcome)
        pr.outcome = outcome if isinstance(outcome, str) else ("reversed" if outcome else "")
        return outcome

    def wake_queue(self) -> None:
        if self.worker is not None:
            self.worker.wake(now=True)


def _close_quietly(what: str, close: Callable[[], object]) -> None:
    """Closing goes on past a part that fails to close: the failure is logged, the other parts still close."""
    try:
        close()
    except Exception:
        log.exception("closing %s failed", what)


class JournalUnavailableAtStart(UserFacingError):
    """The journal cannot be opened: the terminal refuses to settle rather than lose track of money."""


def _open_store(cfg: Config) -> Store:
    """terminal.store's journal and offline queue. Settling without it is refused: it is the book of truth."""
    try:
        return open_store(cfg)
    except Exception as e:
        log.error("journal unavailable at %s: %s", cfg.data_dir, e)
        raise JournalUnavailableAtStart(
            f"本地交易日志无法打开（{cfg.data_dir / 'journal.sqlite'}：{user_message_of(e)}）。"
            "为防止结算记录丢失，本机暂不能结算；请检查磁盘空间与权限，或联系信息科（运行 yibao-terminal doctor）。"
        ) from e




def id_credential(idno: str) -> Credential:
    return Credential(CertType.ID_CARD, idno.strip().upper())
