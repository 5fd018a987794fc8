"""Issue 11 item 4: one total deadline per request and a cap on the answer's size, against the real sandbox
over HTTP (faults ``drip`` and ``huge``), with the journal and its reversal path for settlements."""
from __future__ import annotations

import select
import shutil
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc

import pytest

from terminal import config as config_mod
from terminal.backend.client import client_from_config
from terminal.backend.errors import TransportError
from terminal.sandbox.server import SandboxServer
from terminal.services.errors import UncertainSettlement
from tests.store_fixtures import service_env, ledger_settlements
from tests.support import id_cred, make_config, read_http_request, small_bill

MB = 1024 * 1024


@pytest.fixture
def env(tmp_path):
    with service_env(tmp_path, configure=lambda cfg: setattr(cfg.backend, "total_timeout", 2.0)) as e:
        yield e


def ready_visit(e):
    person = e.svc.identify(id_cred("hainan-retiree"))
    visit = e.svc.open_visit(id_cred("hainan-retiree"), person, small_bill())
    e.svc.preview(visit)
    return visit


# the deadline ----------------------------------------------------------------------------------------------
def test_a_dripping_settlement_ends_at_the_deadline_and_is_reversed(env):
    """One byte every 0.5 s with read_timeout 5: before, each byte restarted the read timeout and the settle
    waited for the whole answer (minutes); now it ends at total_timeout = 2 s, uncertain, and is reversed."""
    visit = ready_visit(env)
    env.sandbox.arm_fault("drip", infno="2207", interval=0.5)
    t0 = time.monotonic()
    with pytest.raises(UncertainSettlement) as ei:
        env.svc.settle(visit)
    elapsed = time.monotonic() - t0
    cause = ei.value.cause
    assert isinstance(cause, TransportError) and cause.kind == "timeout" and cause.cause == "deadline"
    assert cause.outcome_unknown and cause.limit == 2.0
    assert 1.9 <= elapsed < 3.0, elapsed  # the reversal attempt included
    assert "2 秒内" in cause.user_message and env.sandbox.url in cause.user_message
    # the platform booked it (drip is processed); the journal's reversal path undoes it
    omsgid = ei.value.omsgid
    assert omsgid in ledger_settlements(env.sandbox.ledger())
    out = env.worker.drain(timeout=20)
    assert out == [] or [o.state for o in out] == ["done"], out
    assert ledger_settlements(env.sandbox.ledger())[omsgid]["status"] == "reversed"


class DripServer:
    """A bare TCP server that answers one request with headers and then one body byte every ``interval``
    seconds, and notes when the client closed the connection (a real socket: nothing mocked)."""

    def __init__(self, interval: float, headers_too: bool = False):
        self.interval, self.headers_too = interval, headers_too
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.closed_at: float | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            read_http_request(conn)
            answer = b'{"infcode":0,"output":{"signinoutb":{"sign_no":"S1"}}}' + b" " * 2000
            out = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(answer)
            if not self.headers_too:
                conn.sendall(out)
                out = b""
            out += answer
            for i in range(len(out)):
                readable, _, _ = select.select([conn], [], [], self.interval)
                if readable and conn.recv(1) == b"":
                    self.closed_at = time.monotonic()
                    return
                try:
                    conn.send(out[i:i + 1])
                except OSError:
                    self.closed_at = time.monotonic()
                    return


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers-too"])
def test_the_connection_is_closed_when_the_deadline_passes(tmp_path, headers_too):
    srv = DripServer(0.2, headers_too)
    cfg = make_config(tmp_path / "data", read_timeout=5.0)
    cfg.backend.total_timeout = 1.0
    cl = client_from_config(cfg, f"http://127.0.0.1:{srv.port}", msgid_state=tmp_path / "m")
    t0 = time.monotonic()
    with pytest.raises(TransportError) as ei:
        cl.sign_in()
    raised = time.monotonic() - t0
    srv.thread.join(3)
    assert ei.value.cause == "deadline" and 0.95 <= raised < 1.4, raised
    assert srv.closed_at is not None and srv.closed_at - t0 < 1.5  # the server saw the close at the deadline
    cl.close()


@pytest.mark.parametrize("headers", [False, True], ids=["body", "headers-too"])
def test_deadline_bounds_a_query_whose_answer_drips(env, headers):
    """Also when the status line and headers drip (no response object yet): the watchdog closes the socket."""
    env.svc.ensure_signed_in()
    env.sandbox.arm_fault("drip", infno="1101", interval=0.3, drip_headers=headers)
    t0 = time.monotonic()
    with pytest.raises(TransportError) as ei:
        env.svc.identify(id_cred("local"))
    elapsed = time.monotonic() - t0
    assert ei.value.cause == "deadline" and ei.value.sent and not ei.value.outcome_unknown
    assert 1.9 <= elapsed < 2.6, elapsed
    # the next request works on a fresh connection
    assert env.svc.identify(id_cred("local")).psn_no


def test_a_slow_but_complete_answer_within_the_deadline_is_accepted(env):
    env.svc.ensure_signed_in()
    env.sandbox.arm_fault("delay", infno="1101", delay=1.0)
    assert env.svc.identify(id_cred("local")).psn_no


def test_read_timeout_still_bounds_silence(env):
    """read_timeout remains the longest silence; it is cut to the time left before the deadline."""
    env.svc.ensure_signed_in()
    env.client.endpoint.read_timeout = 0.5
    env.sandbox.arm_fault("hang", infno="1101", delay=3)
    t0 = time.monotonic()
    with pytest.raises(TransportError) as ei:
        env.svc.identify(id_cred("local"))
    assert ei.value.kind == "timeout" and ei.value.cause == "read_timeout"
    assert time.monotonic() - t0 < 1.2


def test_deadline_over_tls(tmp_path):
    """The watchdog's shutdown wakes a read on a TLS socket too."""
    if not shutil.which("openssl"):
        pytest.skip("openssl CLI not installed")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "k.pem", "-out", "c.pem"], cwd=tmp_path,
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    cfg = make_config(tmp_path / "data")
    cfg.backend.ca_bundle, cfg.backend.total_timeout = str(tmp_path / "c.pem"), 1.5
    with SandboxServer(db_path=tmp_path / "tls.sqlite", ssl_context=ctx) as srv:
        cl = client_from_config(cfg, srv.url, msgid_state=tmp_path / "m")
        srv.arm_fault("drip", infno="9001", interval=0.2)
        t0 = time.monotonic()
        with pytest.raises(TransportError) as ei:
            cl.sign_in()
        assert ei.value.cause == "deadline" and time.monotonic() - t0 < 2.1
        assert cl.sign_in()
        cl.close()


# the size cap -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_50mb_answer_is_refused_at_the_cap_without_reading_it_whole(env, chunked):
    env.svc.ensure_signed_in()
    env.sandbox.arm_fault("huge", infno="1101", size_mb=50, chunked=chunked)
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(TransportError) as ei:
            env.svc.identify(id_cred("local"))
        elapsed = time.monotonic() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    e = ei.value
    assert e.kind == "too_large" and e.cause == "too_large" and e.limit == 4 * MB and not e.outcome_unknown
    assert "应答过大" in e.user_message and "backend.max_answer_bytes" in e.user_message
    # declared: refused on Content-Length before reading; chunked: stopped just past the cap while reading
    assert peak < (1 * MB if not chunked else 4 * MB + 2 * MB), peak
    assert elapsed < 2.0
    assert env.svc.identify(id_cred("local")).psn_no  # the connection was dropped, a new one works


def test_an_oversized_settlement_answer_is_uncertain_and_reversed(env):
    visit = ready_visit(env)
    env.sandbox.arm_fault("huge", infno="2207", size_mb=6, chunked=True)
    with pytest.raises(UncertainSettlement) as ei:
        env.svc.settle(visit)
    assert ei.value.cause.cause == "too_large" and ei.value.cause.outcome_unknown
    omsgid = ei.value.omsgid
    env.worker.drain(timeout=20)
    assert ledger_settlements(env.sandbox.ledger())[omsgid]["status"] == "reversed"


def test_the_cap_is_configurable_and_an_answer_under_it_is_read(env):
    env.svc.ensure_signed_in()
    env.client.endpoint.max_answer_bytes = 256 * 1024
    env.sandbox.arm_fault("huge", infno="1101", size_mb=0.2)  # 204,800 bytes of valid JSON: under the cap
    assert env.svc.identify(id_cred("local")).psn_no
    env.sandbox.arm_fault("huge", infno="1101", size_mb=0.3, chunked=True)
    with pytest.raises(TransportError) as ei:
        env.svc.identify(id_cred("local"))
    assert ei.value.cause == "too_large" and ei.value.limit == 256 * 1024


# configuration ------------------------------------------------------------------------------------------------
def test_limits_come_from_the_configuration(tmp_path):
    cfg = config_mod.from_dict({"backend": {"total_timeout": 7.5, "max_answer_bytes": 1048576}})
    cl = client_from_config(cfg, "http://127.0.0.1:9", msgid_state=tmp_path / "m")
    assert cl.endpoint.total_timeout == 7.5 and cl.endpoint.max_answer_bytes == 1048576
    assert config_mod.Config().backend.max_answer_bytes == 4 * MB


@pytest.mark.parametrize("key,value", [("total_timeout", 0), ("total_timeout", 601), ("total_timeout", "5"),
                                       ("max_answer_bytes", 1000), ("max_answer_bytes", 2 ** 40),
                                       ("max_answer_bytes", 4.5)])
def test_limit_keys_are_validated_with_the_key_named(key, value):
    with pytest.raises(config_mod.ConfigError) as ei:
        config_mod.from_dict({"backend": {key: value}})
    assert ei.value.key == f"backend.{key}"


def test_limit_keys_are_documented():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    example = (root / "resources/config/config.example.toml").read_text("utf-8")
    readme = (root / "README.md").read_text("utf-8")
    for key in ("total_timeout", "max_answer_bytes", "visit_info_infno"):
        assert f"\n{key} = " in example, key
        assert f"`{key}`" in readme, key
