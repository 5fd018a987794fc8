"""What the test folders share: the sandbox persons and bills, credentials, a configuration in a temporary
directory, the terminal's command line in a subprocess, a free port and test certificates.

Plain functions, importable without pytest (``python -m tests.store_fixtures`` and ``tests.chaos_terminal`` use
them in their own processes); the fixtures are in tests/support/plugin.py, registered once by tests/conftest.py.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.virtual.profiles import load_persons
from terminal import config as config_mod
from terminal.backend.client import client_from_config
from terminal.core import wire
from terminal.core.models import Bill, Credential

if TYPE_CHECKING:
    from drivers.printer import ReceiptData

ROOT = Path(__file__).resolve().parents[2]
BILLS = ROOT / "resources" / "bills"
PERSONS = load_persons()  # the sandbox persons by key


def load_bill(name: str = "outpatient-nanning.json") -> Bill:
    return Bill.from_dict(wire.loads((BILLS / name).read_text(encoding="utf-8")))


def small_bill(price: str = "25.00", qty: int = 1) -> Bill:
    return Bill.from_dict({"med_type": "11", "dept_code": "A03", "dept_name": "内科", "items": [
        {"hosp_code": "NNXM0002", "national_code": "001102000010300", "name": "副主任医师门诊诊查费",
         "price": price, "qty": qty},
        {"hosp_code": "NNYP0004", "national_code": "XC10AAA050A001010100004", "name": "阿托伐他汀钙片",
         "price": "28.40", "qty": 1}]})


def bill_file(tmp_path: Path, bill_no: str) -> str:
    """The Nanning outpatient bill with the HIS charge number bill_no, as a file for the CLI or the window."""
    d = json.loads((BILLS / "outpatient-nanning.json").read_text(encoding="utf-8"))
    d["bill_no"] = bill_no
    p = tmp_path / f"bill-{bill_no or 'none'}.json"
    p.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    return str(p)


def sample_receipt(**kw: Any) -> ReceiptData:
    """A cross-province settlement's receipt (masked person, two lines, one fund), changed by kw."""
    from drivers.printer import ReceiptData, ReceiptLine

    d: dict[str, Any] = dict(
        facility_code="H45010000001", facility_name="南宁市第一人民医院", operator_id="0001",
        operator_name="训练收费员", time="2026-01-05 10:00:00", name_masked="符**",
        certno_masked="460100********0132", psn_no="46010000000000000001", insutype="310", insuplc="460100",
        cross_province=True, setl_id="SETL0001", mdtrt_id="MD0001", msgid="H450100000012026010510000000001",
        amounts={"medfee_sumamt": Decimal("100.00"), "fund_pay_sumamt": Decimal("60.00"),
                 "psn_cash_pay": Decimal("40.00")},
        funds=[("统筹基金", Decimal("60.00"))],
        lines=[ReceiptLine("眼部B超", "1", Decimal("100.00"), "01"),
               ReceiptLine("防蓝光护目镜（目录外自费）加长的名称", "12.5", Decimal("1234.50"), "03")])
    d.update(kw)
    return ReceiptData(**d)


def id_cred(key: str) -> Credential:
    return Credential("02", PERSONS[key]["certno"])


def card_cred(key: str) -> Credential:
    c = PERSONS[key]["card"]
    return Credential("03", c["card_no"], card_sn=c["card_sn"])


def make_config(data_dir: Path, *, log_dir: Path | None = None, read_timeout: float = 5.0,
                connect_timeout: float = 2.0) -> config_mod.Config:
    """The default (training) configuration with its journal in data_dir, and its logs (unless log_dir is given)
    and receipts under it."""
    c = config_mod.Config()
    c.store.dir = str(data_dir)
    c.log.dir = str(log_dir or data_dir / "log")
    c.printer.pdf_dir = str(data_dir / "receipts")
    c.backend.read_timeout = read_timeout
    c.backend.connect_timeout = connect_timeout
    return c


def make_client(cfg: config_mod.Config, url: str, state: Path):
    return client_from_config(cfg, url, msgid_state=state)


def config_file(tmp_path: Path, text: str = "", name: str = "config.toml") -> str:
    """The path of a configuration file with the store, log and PDF directories in tmp_path, overridden by `text`
    (TOML)."""
    import tomli_w
    import tomllib

    data = {"store": {"dir": str(tmp_path / "data")}, "log": {"dir": str(tmp_path / "log")},
            "printer": {"pdf_dir": str(tmp_path / "pdf")}}
    for section, values in tomllib.loads(text).items():
        data.setdefault(section, {}).update(values)
    p = tmp_path / name
    p.write_text(tomli_w.dumps(data), encoding="utf-8")
    return str(p)


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a terminal command that finds no configuration or data of this machine's user: HOME and
    the XDG directories in tmp_path, no YIBAO_TERMINAL_CONFIG, Qt offscreen; extra on top."""
    h = tmp_path / "home"
    env = dict(os.environ)
    env.pop("YIBAO_TERMINAL_CONFIG", None)
    env.update(HOME=str(h), XDG_CONFIG_HOME=str(h / ".config"), XDG_DATA_HOME=str(h / ".local/share"),
               XDG_STATE_HOME=str(h / ".local/state"), XDG_CACHE_HOME=str(h / ".cache"), QT_QPA_PLATFORM="offscreen",
               **extra)
    return env


def run_cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None, check: bool = False,
            timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m terminal ARGS`` from the repository, in cli_env(tmp_path) unless env is given."""
    r = subprocess.run([sys.executable, "-m", "terminal", *args], cwd=ROOT, env=cli_env(tmp_path) if env is None
                       else env, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def cli_json(cfg_path: Path | str, *argv: str, pin: str = "9999") -> tuple[int, Any]:
    """``yibao-terminal --config cfg_path ...argv`` in a subprocess with the supervisor PIN in the environment:
    (exit code, the printed JSON, or the output when it is not JSON)."""
    env = {**os.environ, "YIBAO_SUPERVISOR_PIN": pin, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run([sys.executable, "-m", "terminal.cli", "--config", str(cfg_path), *argv], cwd=ROOT,
                       capture_output=True, text=True, timeout=120, env=env)
    try:
        return r.returncode, json.loads(r.stdout)
    except ValueError:
        return r.returncode, r.stdout + r.stderr


def doctor_checks(report) -> dict:
    """A doctor report's check results by key."""
    return {c.key: c for c in report.checks}


def cli_data(tmp_path: Path) -> Path:
    """Where a command run in cli_env(tmp_path) without a configuration keeps its journal and training sandbox."""
    return tmp_path / "home" / ".local" / "share" / "yibao-terminal"


def cli_ledger(tmp_path: Path) -> list[dict]:
    """The ledger of the training sandbox that commands run in cli_env(tmp_path) started themselves."""
    from terminal.sandbox.server import SandboxServer

    with SandboxServer(db_path=cli_data(tmp_path) / "sandbox.sqlite") as srv:
        return srv.ledger()


def read_http_request(conn: socket.socket) -> tuple[bytes, bytes]:
    """One HTTP request off a raw test server's connection: its head and its body (Content-Length bytes)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += conn.recv(65536)
    return head, body


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(d: Path, cn: str = "Test CA") -> None:
    """A self-signed CA (d/ca.pem, d/ca.key) valid for 2 days."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={cn}",
            "-keyout", "ca.key", "-out", "ca.pem", cwd=d)


def issue_cert(d: Path, name: str, cn: str, san: str = "", days: str = "2") -> None:
    """d/name.pem and d/name.key for CN=cn signed by the CA in d, with subjectAltName san if given."""
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", cwd=d)
    extra = []
    if san:
        (d / f"{name}.ext").write_text(f"subjectAltName={san}\n")
        extra = ["-extfile", f"{name}.ext"]
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", days, "-out", f"{name}.pem", *extra, cwd=d)
