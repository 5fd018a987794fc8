"""Shared fixtures: a real sandbox platform over HTTP on 127.0.0.1 with its state in a real SQLite file."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from terminal import config as config_mod
from terminal.backend.client import client_from_config
from terminal.core import wire
from terminal.core.models import Bill, Credential
from terminal.service import SettlementService

ROOT = Path(__file__).resolve().parents[2]
PERSONS = {p["key"]: p for p in json.loads((ROOT / "terminal/sandbox/data/persons.json").read_text("utf-8"))["persons"]}


def load_bill(name: str = "outpatient-nanning.json") -> Bill:
    return Bill.from_dict(wire.loads((ROOT / "resources/bills" / name).read_text(encoding="utf-8")))


def id_cred(key: str) -> Credential:
    return Credential("02", PERSONS[key]["certno"])


def card_cred(key: str) -> Credential:
    c = PERSONS[key]["card"]
    return Credential("03", c["card_no"], card_sn=c["card_sn"])


@pytest.fixture
def sandbox(tmp_path):
    from terminal.sandbox.server import SandboxServer

    srv = SandboxServer(db_path=tmp_path / "sandbox.sqlite")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def cfg(tmp_path):
    c = config_mod.Config()
    c.store.dir = str(tmp_path / "data")
    c.log.dir = str(tmp_path / "log")
    c.backend.read_timeout = 5.0
    c.backend.connect_timeout = 2.0
    return c


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
