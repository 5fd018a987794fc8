"""Shared fixtures: a real sandbox platform over HTTP on 127.0.0.1 with its state in a real SQLite file."""
from __future__ import annotations

from pathlib import Path

import pytest

from drivers.virtual.profiles import load_persons
from terminal.backend.client import client_from_config
from terminal.core import wire
from terminal.core.models import Bill, Credential
from terminal.services.outpatient import SettlementService

from ..conftest import tmp_config

ROOT = Path(__file__).resolve().parents[2]
PERSONS = load_persons()  # the sandbox persons by key


def load_bill(name: str = "outpatient-nanning.json") -> Bill:
    return Bill.from_dict(wire.loads((ROOT / "resources/bills" / name).read_text(encoding="utf-8")))


def id_cred(key: str) -> Credential:
    return Credential("02", PERSONS[key]["certno"])


def card_cred(key: str) -> Credential:
    c = PERSONS[key]["card"]
    return Credential("03", c["card_no"], card_sn=c["card_sn"])


@pytest.fixture
def cfg(tmp_path):
    return tmp_config(tmp_path)


@pytest.fixture(params=["single", "per-transaction"])
def style(request):
    return request.param


@pytest.fixture
def client(cfg, sandbox, tmp_path):
    cl = client_from_config(cfg, sandbox.url, msgid_state=tmp_path / "msgid.state")
    yield cl
    cl.close()


@pytest.fixture
def svc(client, cfg):
    return SettlementService(client, treatment_admdvs=cfg.facility.admdvs)
