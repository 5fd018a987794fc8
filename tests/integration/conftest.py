"""Integration fixtures: the terminal's client and settlement service against the sandbox over HTTP (the sandbox
and the configuration come from tests/support/plugin.py)."""
from __future__ import annotations

import pytest

from terminal.backend.client import client_from_config
from terminal.sandbox.server import SandboxServer
from terminal.sandbox.testkit import SandboxClient, ticking_clock
from terminal.services.outpatient import SettlementService


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


@pytest.fixture
def sbx(tmp_path):
    """A sandbox of its own whose clock ticks (tests that speak the protocol directly, through ``kit``)."""
    with SandboxServer(db_path=tmp_path / "sandbox.sqlite", clock=ticking_clock()) as s:
        yield s


@pytest.fixture(params=["single", "per-transaction"])
def kit(sbx, request):
    """The sandbox's own protocol client, signed in, once per URL style."""
    k = SandboxClient(sbx.url, style=request.param)
    k.sign_in()
    yield k
    k.close()
