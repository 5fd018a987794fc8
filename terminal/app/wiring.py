"""What a configuration builds, the same way for the cashier window, the command line and doctor: the journal
(store), the training sandbox, the platform client, the services, the ward book, the operators and the e-code
exchange. No Qt. Modules below the services are imported when a part is built, so a command pays only for what
it uses.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from terminal.core.models import Credential

if TYPE_CHECKING:
    from terminal.backend.client import MessageObserver, PlatformClient
    from terminal.config import Config
    from terminal.services.inpatient import DischargeService
    from terminal.store.wardbook import WardBook
    from terminal.sandbox.server import SandboxServer
    from terminal.services.base import Conversation
    from terminal.services.outpatient import SettlementService
    from terminal.services.precheck import PrecheckService
    from terminal.store import Store

    from .operators import OperatorStore


def open_store(cfg: Config) -> Store:
    """The journal and offline queue in ``cfg.data_dir`` (raises terminal.store.StoreError when it cannot open)."""
    from terminal.store import Store

    return Store.from_config(cfg)


def start_sandbox(cfg: Config) -> SandboxServer:
    """The training platform per config, started (stop it when done)."""
    from terminal.sandbox.server import SandboxServer

    sandbox = SandboxServer.for_config(cfg)
    sandbox.start()
    return sandbox


def platform_client(cfg: Config, url: str | None = None, *, observer: MessageObserver | None = None
                    ) -> PlatformClient:
    """A client for the configured platform (url overrides backend.url, e.g. the sandbox's)."""
    from terminal.backend.client import client_from_config

    return client_from_config(cfg, url, observer=observer)


@contextmanager
def platform_session(cfg: Config, *, observer: MessageObserver | None = None
                     ) -> Iterator[tuple[PlatformClient, SandboxServer | None]]:
    """A (client, sandbox-or-None) for the configured platform; starts the training sandbox when asked for."""
    sandbox = start_sandbox(cfg) if cfg.training else None
    client = platform_client(cfg, sandbox.url if sandbox is not None else None, observer=observer)
    try:
        yield client, sandbox
    finally:
        client.close()
        if sandbox:
            sandbox.stop()


def settlement_service(cfg: Config, client: PlatformClient, store: Store | None) -> SettlementService:
    """The outpatient service: journals every message in store before sending it."""
    from terminal.services.outpatient import SettlementService

    return SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)


def precheck_service(cfg: Config, conv: Conversation) -> PrecheckService:
    """The pre-flight (2001, 5302) per ``[checks]``, on the conversation of the desk that identified the person."""
    from terminal.services.precheck import PrecheckService

    return PrecheckService(conv, entitlement=cfg.checks.entitlement, filing=cfg.checks.filing)


def ward_book(cfg: Config) -> WardBook:
    from terminal.store.wardbook import WardBook

    return WardBook.from_config(cfg)


def discharge_service(cfg: Config, client: PlatformClient, *, store: Store | None, book: WardBook | None = None,
                      base: SettlementService | None = None) -> DischargeService:
    """The inpatient (discharge) service over the ward book; with base, sharing that outpatient service's client,
    sign-in, journal and queue."""
    from terminal.services.inpatient import DischargeService

    return DischargeService.from_config(cfg, client, store=store, book=book or ward_book(cfg), base=base)


def operator_store(cfg: Config) -> OperatorStore:
    """The operators and their PINs; in training mode with the demo accounts seeded."""
    from .operators import OperatorStore

    ops = OperatorStore.for_config(cfg)
    if cfg.training:
        ops.seed_demo()
    return ops


def ecode_exchange(cfg: Config, platform_url: str) -> Callable[[str], Credential] | None:
    """scanned e-code text -> Credential(01, ecToken) through the e-voucher service (None without one)."""
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
