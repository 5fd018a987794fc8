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
    from terminal.services.pharmacy import PharmacyService
    from terminal.services.precheck import PrecheckService
    from terminal.store import Store
    from terminal.core.pharmacy import PharmacyCatalogue

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


def precheck_service(cfg: Config, conv: Conversation, *, filing: bool = True) -> PrecheckService:
    """The pre-flight (2001, 5302) per ``[checks]``, on the conversation of the desk that identified the person
    (``filing=False``: a pharmacy's counter, where no cross-province filing is asked)."""
    from terminal.services.precheck import PrecheckService

    return PrecheckService(conv, entitlement=cfg.checks.entitlement, filing=cfg.checks.filing and filing)


def ward_book(cfg: Config) -> WardBook:
    from terminal.store.wardbook import WardBook

    return WardBook.from_config(cfg)


def discharge_service(cfg: Config, client: PlatformClient, *, store: Store | None, book: WardBook | None = None,
                      base: SettlementService | None = None) -> DischargeService:
    """The inpatient (discharge) service over the ward book; with base, sharing that outpatient service's client,
    sign-in, journal and queue."""
    from terminal.core.risk import BEFORE, DURING
    from terminal.services.inpatient import DischargeService
    from terminal.services.risk import RiskService

    svc = DischargeService.from_config(cfg, client, store=store, book=book or ward_book(cfg), base=base)
    types = {t for t, on in ((BEFORE, cfg.checks.risk_before), (DURING, cfg.checks.risk_during)) if on}
    if types:  # fund supervision on the discharge desk ([checks]): 3102 as fees go up, 3101 before 2303
        svc.risk = RiskService(svc.base, fixmedins_code=cfg.facility.code, treatment_admdvs=cfg.facility.admdvs)
        svc.risk_types = frozenset(types)
    return svc


def operator_store(cfg: Config) -> OperatorStore:
    """The operators and their PINs; in training mode with the demo accounts seeded."""
    from .operators import OperatorStore

    ops = OperatorStore.for_config(cfg)
    if cfg.training:
        ops.seed_demo()
    return ops


def ecode_exchange(cfg: Config, platform_url: str, business_type: str = "01301"
                   ) -> Callable[[str], Credential] | None:
    """scanned e-code text -> Credential(01, ecToken) through the e-voucher service (None without one);
    business_type "02121" (药店购药) at a pharmacy counter."""
    try:
        from terminal.backend.ecode import ecode_client_from_config
    except ImportError:
        return None
    if not (cfg.backend.ecode_url or platform_url.startswith("http")):
        return None
    client = ecode_client_from_config(cfg, platform_url)

    def exchange(text: str) -> Credential:
        return client.query(text, business_type=business_type).credential()

    return exchange


#: the training sandbox's pharmacy (terminal/sandbox/data/facilities.json)
TRAINING_PHARMACY = ("P45010000001", "南宁市百姓大药房(朝阳店)", "450100")


def pharmacy_config(cfg: Config) -> Config:
    """The configuration of a pharmacy counter: ``cfg`` when [facility] kind = "pharmacy"; in training mode a hospital's
    configuration becomes the sandbox's pharmacy (P45010000001, Nanning); otherwise ConfigError."""
    from dataclasses import replace

    from terminal.config import ConfigError

    if cfg.facility.kind == "pharmacy":
        return cfg
    if not cfg.training:
        raise ConfigError("facility.kind", "本机构不是定点零售药店：药店收费须在配置中设置 "
                          "[facility] kind = \"pharmacy\"", cfg.source)
    code, name, admdvs = TRAINING_PHARMACY
    return replace(cfg, facility=replace(cfg.facility, code=code, name=name, admdvs=admdvs, level="1",
                                         kind="pharmacy"))


def pharmacy_catalogue(cfg: Config) -> PharmacyCatalogue:
    """The pharmacy's catalogue (EAN-13 -> drug): ``facility.pharmacy_catalogue``, in training the sandbox's."""
    import json
    from pathlib import Path

    from terminal.config import ConfigError
    from terminal.core.pharmacy import PharmacyCatalogue

    path = cfg.facility.pharmacy_catalogue
    if not path:
        if not cfg.training:
            raise ConfigError("facility.pharmacy_catalogue", "未配置药店商品目录文件", cfg.source)
        from terminal.sandbox.policy import DATA_DIR

        path = str(Path(DATA_DIR) / "pharmacy.json")
    try:
        return PharmacyCatalogue.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as e:
        raise ConfigError("facility.pharmacy_catalogue", f"药店商品目录 {path} 无法读取: {e}", cfg.source) from e


def pharmacy_service(cfg: Config, client: PlatformClient, store: Store | None) -> PharmacyService:
    """The pharmacy counter's service (2101 2102 2103; 3505 through the store's queue)."""
    from terminal.services.pharmacy import PharmacyService

    return PharmacyService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
