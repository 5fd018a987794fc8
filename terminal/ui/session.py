"""What one run of the cashier app talks to: config, platform client and service, sandbox (training),
journal/queue (terminal.store when present), card reader, e-code exchange, catalogue. Qt-free.

Everything here may block (network, disk): the UI only calls it from worker ops.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from terminal.backend.client import client_from_config
from terminal.core.models import Credential, CertType
from terminal.services.outpatient import SettlementService

from .catalogue import Catalogue
from .receipt import ReceiptData

log = logging.getLogger("terminal.ui.session")


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


@dataclass
class PendingReversal:
    """An uncertain 2207/2208 waiting for its 2601."""

    psn_no: str
    insuplc: str
    omsgid: str
    oinfno: str
    since: float = field(default_factory=time.time)
    attempts: int = 0
    last_error: str = ""
    done: bool = False
    queued: bool = False  # the store's queue owns it
    #: how it ended: 'reversed' (the platform took it back) or 'not_booked' (the platform never booked it)
    outcome: str = ""


class AppSession:
    def __init__(self, cfg, client, service: SettlementService, *, sandbox: Any = None, store: Any = None,
                 card_reader: Any = None, ecode: Callable[[str], Credential] | None = None,
                 catalogue: Catalogue | None = None, platform_url: str = ""):
        self.cfg = cfg
        self.client = client
        self.service = service
        self.sandbox = sandbox
        self.store = store
        self.card_reader = card_reader
        self.ecode = ecode
        self.platform_url = platform_url or cfg.backend.url
        self.catalogue = catalogue if catalogue is not None else Catalogue.for_config(cfg, store)
        self.journal = SessionJournal()
        self.reversals: list[PendingReversal] = []
        self.worker: Any = None
        self._worker_client: Any = None
        self._own_sandbox = False
        self._own_store = False

    @property
    def training(self) -> bool:
        return bool(self.cfg.training)

    # construction ----------------------------------------------------------------------------------
    @classmethod
    def open(cls, cfg, *, sandbox: Any = None, card_reader: Any = None, store: Any = None,
             use_store: bool = True) -> "AppSession":
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
                from terminal.sandbox.server import SandboxServer

                sandbox = SandboxServer.for_config(cfg)
                sandbox.start()
                own = True
            url = sandbox.url
        client = client_from_config(cfg, url)
        service = SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
        s = cls(cfg, client, service, sandbox=sandbox, store=store, card_reader=card_reader,
                platform_url=url or cfg.backend.url)
        s._own_sandbox, s._own_store = own, own_store
        s.ecode = _ecode_exchange(cfg, s.platform_url, sandbox)
        return s

    def start_worker(self, on_outcome: Callable[[Any], None] | None = None) -> Any:
        """The store's queue worker (its own client and thread): forwards reversals, cancellations..."""
        if self.store is None or self.worker is not None:
            return self.worker
        self._worker_client = client_from_config(self.cfg, self.platform_url if self.cfg.training else None)
        ident, mine = self._worker_client.identity, self.client.identity
        ident.opter, ident.opter_name = mine.opter, mine.opter_name
        # The worker settles parked bills on its own thread: give it its own client and service, never the
        # UI's (a requests.Session is not meant to be shared across threads).
        worker_service = SettlementService(self._worker_client, treatment_admdvs=self.cfg.facility.admdvs,
                                           store=self.store)
        self.worker = self.store.worker(self._worker_client, worker_service)
        if on_outcome is not None:
            self.worker.listeners.append(on_outcome)
        self.worker.start()
        return self.worker

    def recover(self) -> Any:
        """After a restart: resolve what a crash left open (blocking: run it in an op)."""
        if self.store is None:
            return None
        return self.store.recover(self.client)

    def close(self) -> None:
        if self.worker is not None:
            # Drop the UI's listeners here, on the UI thread: if the worker thread released the last
            # reference to a Qt object, PySide would delete it a second time later (a crash).
            self.worker.listeners.clear()
            try:
                self.worker.stop(timeout=3)
            except Exception:  # noqa: BLE001
                pass
            self.worker = None
        for c in (self.client, self._worker_client):
            if c is not None:
                try:
                    c.close()
                except Exception:  # noqa: BLE001
                    pass
        if self.card_reader is not None:
            try:
                self.card_reader.close()
            except Exception:  # noqa: BLE001
                pass
        if self._own_store and self.store is not None:
            try:
                self.store.close()
            except Exception:  # noqa: BLE001
                pass
        if self._own_sandbox and self.sandbox is not None:
            self.sandbox.stop()

    def set_operator(self, op) -> None:
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
            except Exception:  # noqa: BLE001
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
            pr.last_error = getattr(e, "user_message", str(e))
            raise
        pr.done = bool(outcome)
        pr.outcome = outcome if isinstance(outcome, str) else ("reversed" if outcome else "")
        return outcome

    def wake_queue(self) -> None:
        if self.worker is not None:
            self.worker.wake(now=True)


class JournalUnavailableAtStart(RuntimeError):
    """The journal cannot be opened: the terminal refuses to settle rather than lose track of money."""


def _open_store(cfg) -> Any:
    """terminal.store's journal and offline queue. Settling without it is refused: it is the book of truth."""
    from terminal.store import Store

    try:
        return Store.from_config(cfg)
    except Exception as e:  # noqa: BLE001
        log.error("journal unavailable at %s: %s", cfg.data_dir, e)
        raise JournalUnavailableAtStart(
            f"本地交易日志无法打开（{cfg.data_dir / 'journal.sqlite'}：{getattr(e, 'user_message', e)}）。"
            "为防止结算记录丢失，本机暂不能结算；请检查磁盘空间与权限，或联系信息科（运行 yibao-terminal doctor）。"
        ) from e


def _ecode_exchange(cfg, platform_url: str, sandbox: Any) -> Callable[[str], Credential] | None:
    """scanned e-code text -> Credential(01, ecToken) through the e-voucher service."""
    try:
        from terminal.backend.ecode import ecode_client_from_config
    except ImportError:
        return None
    if not (cfg.backend.ecode_url or platform_url.startswith("http")):
        return None
    client = ecode_client_from_config(cfg, platform_url)

    def exchange(text: str) -> Credential:
        return client.query(text).credential()

    return exchange


def id_number_problem(idno: str) -> str:
    """'' when idno is a well-formed 18-digit resident ID (GB 11643 check digit); else what is wrong."""
    s = idno.strip().upper()
    if len(s) != 18:
        return f"身份证号应为 18 位，当前 {len(s)} 位"
    if not (s[:17].isdigit() and (s[17].isdigit() or s[17] == "X")):
        return "身份证号前 17 位应为数字，末位为数字或 X"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(s[:17], weights)) % 11]
    if check != s[17]:
        return "身份证号校验位不正确，请核对"
    return ""


def id_credential(idno: str) -> Credential:
    return Credential(CertType.ID_CARD, idno.strip().upper())
