"""The configuration's sections and their defaults, where its files live, and the error that names a bad key."""
from __future__ import annotations

import ipaddress
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from terminal.core.errors import UserFacingError

APP = "yibao-terminal"
SANDBOX = "sandbox"
SYSTEM_CONFIG = (Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "yibao-terminal" / "config.toml"
                 if os.name == "nt" else Path("/etc/yibao-terminal/config.toml"))
VIRTUAL_PREFIX = "virtual:"
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


class ConfigError(UserFacingError, ValueError):
    """A configuration value that is missing or wrong; the message names the key."""

    def __init__(self, key: str, problem: str, source: str = ""):
        where = f" ({source})" if source else ""
        super().__init__(f"配置错误 {key}: {problem}{where}")
        self.key, self.problem, self.source = key, problem, source


@dataclass
class FacilityConfig:
    code: str = "H45010000001"
    name: str = "南宁市第一人民医院"
    admdvs: str = "450100"
    level: str = "3"
    #: "hospital" (定点医疗机构: outpatient and inpatient desks) or "pharmacy" (定点零售药店: 2101-2103, 3505)
    kind: str = "hospital"
    #: pharmacy: the catalogue file (JSON as terminal/sandbox/data/pharmacy.json); '' in training: the sandbox's
    pharmacy_catalogue: str = ""


@dataclass
class BackendConfig:
    url: str = SANDBOX
    style: str = "single"  # "single" endpoint or "per-transaction" paths
    recer_sys_code: str = "YBXT"
    infver: str = "V1.0"
    connect_timeout: float = 10.0
    read_timeout: float = 90.0  # the longest silence while waiting for or reading an answer
    total_timeout: float = 100.0  # one deadline per request: connect, send and the whole answer
    max_answer_bytes: int = 4 * 1024 * 1024  # a longer answer is refused (outcome unknown: reversed)
    max_file_bytes: int = 64 * 1024 * 1024  # largest file downloaded (9102) or uploaded (9101)
    visit_info_infno: str = "2203"  # visit info as 2203 or 2203A (per-transaction: …MdtrtinfoUp or …UpA)
    verify_tls: bool = True
    #: verify_tls = false against anything but the sandbox is refused unless this is also true (then the window,
    #: every command and doctor say so in red): for a short troubleshooting session only
    insecure_tls_i_accept_the_risk: bool = False
    #: the platform at `url` is a training sandbox started separately (tests, demos): only a loopback URL may
    #: carry it. Like url = "sandbox" it allows the virtual card and verify_tls = false.
    training: bool = False
    ca_bundle: str = ""
    client_cert: str = ""
    client_key: str = ""
    dev_no: str = ""
    dev_safe_info: str = ""
    signtype: str = ""
    sandbox_port: int = 0
    ecode_url: str = ""
    ecode_org_id: str = ""

    @property
    def is_sandbox(self) -> bool:
        return self.url == SANDBOX

    @property
    def on_sandbox(self) -> bool:
        """The in-process training sandbox, or a loopback sandbox declared with backend.training = true."""
        return self.is_sandbox or (self.training and is_loopback_url(self.url))


@dataclass
class GatewayConfig:
    paasid: str = ""
    token: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.paasid and self.token)


@dataclass
class OperatorConfig:
    id: str = "0001"
    name: str = "收费员"
    type: str = "1"


@dataclass
class CardConfig:
    reader: str = ""
    virtual: bool = False  # training: read an in-process virtual card instead of a PC/SC reader
    virtual_person: str = "hainan-retiree"


@dataclass
class ScannerConfig:
    wedge_interval_ms: int = 30
    wedge_min_length: int = 8
    camera: bool = False


@dataclass
class PrinterConfig:
    """Where receipts go. kind "pdf": through Qt to the system printer ``name``, or (no name) a PDF in ``pdf_dir``,
    on roll paper of ``paper_mm`` (pdf_layout "roll") or as an A5 结算单 ("a5"). kind "escpos": an ESC/POS thermal
    printer at ``escpos_connection`` (tcp://host[:9100], usb:VID:PID, serial:DEVICE[@BAUD]), ``paper_mm`` 58 or 80.
    Names print masked unless mask_name = false."""

    name: str = ""
    pdf_dir: str = ""
    kind: str = "pdf"  # pdf | escpos
    escpos_connection: str = ""
    paper_mm: int = 80  # 58 | 80
    pdf_layout: str = "roll"  # roll | a5
    mask_name: bool = True


@dataclass
class StoreConfig:
    dir: str = ""
    max_queue_items: int = 500
    max_queue_age_hours: int = 72


@dataclass
class BillConfig:
    """Caps on absurd magnitudes that the interface's precisions (16,2) still allow, in yuan with at most two
    decimals (a quoted string such as "1000000.00", or an integer). A bill line whose price x quantity, or a
    bill whose total, is above its cap is refused with the line named (bill files and the keyboard)."""

    max_line_amount: str = "1000000.00"
    max_bill_amount: str = "10000000.00"

    @property
    def limits(self):
        """terminal.core.money.Limits with these caps."""
        from decimal import Decimal

        from terminal.core.money import Limits

        return Limits(max_line_amount=Decimal(self.max_line_amount).quantize(Decimal("0.01")),
                      max_bill_amount=Decimal(self.max_bill_amount).quantize(Decimal("0.01")))


#: keys holding an amount: a string ("1000000.00") or a TOML integer, never a float
AMOUNT_KEYS = frozenset({"bill.max_line_amount", "bill.max_bill_amount"})


@dataclass
class LogConfig:
    dir: str = ""
    level: str = "INFO"


@dataclass
class ReconcileConfig:
    """What 3201 / 3202 groups take when neither the settlement rows nor the 1101 answers say (an independent
    platform may leave clearing fields out of its 2207 answers). Empty: refused, the key named."""

    default_clr_type: str = ""  # 清算类别, e.g. "11" (outpatient)
    #: 清算经办机构 when the answer leaves clr_optins out and the insured place (insuplc_admdvs the settlement was
    #: sent with, or 1101's insuinfo) is unknown too: the clearing agency is the insured place on the platform
    default_setl_optins: str = ""
    #: "HH:MM": the app runs the detail reconciliation (3202) of the day once at this time while it runs; empty: off
    schedule: str = ""


@dataclass
class HisConfig:
    """The local interface the hospital system (HIS) pushes bills to (terminal.his, docs/his-integration.md)."""

    enabled: bool = False  # the window serves it while it runs (`yibao-terminal his serve` always does)
    host: str = "127.0.0.1"  # a LAN address needs tls_cert and tls_key
    port: int = 8765
    token: str = ""  # Authorization: Bearer <token>; required
    tls_cert: str = ""
    tls_key: str = ""
    callback_url: str = ""  # events (settled, cancelled, parked, reversed, refunded) are POSTed here
    callback_secret: str = ""  # HMAC-SHA256 key of the X-Yibao-Signature header (empty: the token)
    max_body_bytes: int = 256 * 1024
    watch_dir: str = ""  # a folder the HIS writes bills to (write *.json.tmp, then rename to *.json)
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0


@dataclass
class TenderConfig:
    """The tender (收款) after a settlement: which methods the desk offers, in this order (terminal.core.tender
    METHODS: cash, card, wechat, alipay, unionpay, other), and who takes non-cash money: "pos" (the hospital's own
    POS or aggregator terminal; the cashier records its slip's reference), "sandbox" (training only: payment codes
    answered locally), or "" (sandbox in training, pos otherwise)."""

    methods: list[str] = field(default_factory=lambda: ["cash", "card", "wechat", "alipay", "unionpay", "other"])
    provider: str = ""
    #: training: how long the sandbox provider waits before a payment code's timeout (…9992)
    sandbox_timeout_s: float = 1.0


@dataclass
class ChecksConfig:
    """Which platform checks this deployment offers before the money moves (provinces vary; training: all on)."""

    #: the pre-flight once a person is identified: 2001 人员待遇享受检查
    entitlement: bool = True
    #: the pre-flight: the cross-province filing (异地就医备案, 5302) for this place of treatment
    filing: bool = True
    #: 门诊慢特病: 5301 filings looked up on identification, and the chronic-disease bill (med_type 14) offered
    chronic: bool = True
    #: 3101 事前分析 on pre-settle (outpatient F5, trig_scen 7; the discharge desk's F5, trig_scen 9); warnings are
    #: decided by the cashier and answered with 3103
    risk_before: bool = True
    #: 3102 事中分析 when the ward's fees go up (trig_scen 4)
    risk_during: bool = True


@dataclass
class UiConfig:
    language: str = "zh_CN"
    font_scale: float = 1.0
    customer_display: bool = True


@dataclass
class Config:
    facility: FacilityConfig = field(default_factory=FacilityConfig)
    backend: BackendConfig = field(default_factory=BackendConfig)
    gateway: GatewayConfig = field(default_factory=GatewayConfig)
    operator: OperatorConfig = field(default_factory=OperatorConfig)
    card: CardConfig = field(default_factory=CardConfig)
    scanner: ScannerConfig = field(default_factory=ScannerConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    bill: BillConfig = field(default_factory=BillConfig)
    log: LogConfig = field(default_factory=LogConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    reconcile: ReconcileConfig = field(default_factory=ReconcileConfig)
    his: HisConfig = field(default_factory=HisConfig)
    tender: TenderConfig = field(default_factory=TenderConfig)
    checks: ChecksConfig = field(default_factory=ChecksConfig)
    source: str = ""

    @property
    def training(self) -> bool:
        return self.backend.is_sandbox

    @property
    def insecure_tls(self) -> bool:
        """Certificate verification is off against a platform that is not the sandbox (accepted by IT with
        backend.insecure_tls_i_accept_the_risk): shown in red in the window, on every command, and in doctor."""
        return not self.backend.verify_tls and not self.backend.on_sandbox

    @property
    def virtual_card(self) -> str:
        """The virtual card's person/kind when the configuration asks for one ([card] virtual or
        reader = "virtual:..."), else ""."""
        reader = self.card.reader or ""
        if reader.startswith(VIRTUAL_PREFIX):
            return reader[len(VIRTUAL_PREFIX):] or self.card.virtual_person
        return self.card.virtual_person if self.card.virtual else ""

    @property
    def data_dir(self) -> Path:
        return Path(self.store.dir) if self.store.dir else Path(platformdirs.user_data_dir(APP, appauthor=False))

    @property
    def sandbox_db(self) -> Path:
        """The training sandbox's state (in training mode the app, the CLI and doctor share it)."""
        return self.data_dir / "sandbox.sqlite"

    @property
    def log_dir(self) -> Path:
        return Path(self.log.dir) if self.log.dir else Path(platformdirs.user_log_dir(APP, appauthor=False))

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("source", None)
        return d


SECTION_CLASSES = {
    "facility": FacilityConfig, "backend": BackendConfig, "gateway": GatewayConfig, "operator": OperatorConfig,
    "card": CardConfig, "scanner": ScannerConfig, "printer": PrinterConfig, "store": StoreConfig, "bill": BillConfig,
    "log": LogConfig, "ui": UiConfig, "reconcile": ReconcileConfig, "his": HisConfig, "tender": TenderConfig,
    "checks": ChecksConfig,
}


def is_loopback_url(url: str) -> bool:
    """http(s)://127.x / [::1] / localhost: a platform on this machine (the sandbox in tests and demos)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def user_config_path() -> Path:
    """The per-user file (the settings dialog writes it); its keys override the system file's."""
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"
