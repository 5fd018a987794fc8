"""Deployment variants the client must accept, served by a small real HTTP server with canned answers;
TLS (verification, CA bundle, mutual TLS) and the gateway signature against the sandbox."""
from __future__ import annotations

import json
import ssl
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from terminal.backend.client import Endpoint, Identity, PlatformClient, client_from_config
from terminal.backend.errors import BusinessError, MalformedAnswer, TransportError
from terminal.backend.msgid import MsgIdGenerator
from terminal.core.models import Settlement
from tests.support import id_cred, issue_cert, make_ca


SETL = {"setl_id": "S1", "mdtrt_id": "M1", "psn_no": "P1", "medfee_sumamt": "100.00", "fulamt_ownpay_amt": "10.00",
        "overlmt_selfpay": "0", "preselfpay_amt": "5.00", "inscp_scp_amt": "85.00", "act_pay_dedc": 0,
        "hifp_pay": "68.00", "fund_pay_sumamt": "68.00", "psn_part_amt": "32.00", "acct_pay": "12.00",
        "psn_cash_pay": "20.00", "hosp_part_amt": "0.00", "balc": "88.00"}


class Canned(BaseHTTPRequestHandler):
    answers: list = []
    seen: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Canned.seen.append((self.path, dict(self.headers), body))
        status, payload = Canned.answers.pop(0)
        data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


@pytest.fixture
def canned():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    Canned.answers, Canned.seen = [], []
    yield srv
    srv.shutdown()
    srv.server_close()


def canned_client(srv, style="single", **kw):
    ep = Endpoint(url=f"http://127.0.0.1:{srv.server_address[1]}/prefix", style=style, read_timeout=3, **kw)
    ident = Identity("H45010000001", "南宁市第一人民医院", "450100", "0001", "收费员")
    return PlatformClient(ep, ident, MsgIdGenerator("H45010000001"))


def test_infcode_string_amounts_as_strings_extra_fields_warn(canned):
    Canned.answers = [(200, {"infcode": "0", "warn_msg": "余额不足提醒", "extra_field": {"x": 1},
                             "output": {"setlinfo": {**SETL, "new_field_2027": "y"}, "setldetail": [
                                 {"fund_pay_type": "310100", "fund_payamt": "68.00"}]}})]
    cl = canned_client(canned)
    a = cl.pre_settle({"psn_no": "P1", "medfee_sumamt": Decimal("100.00")}, "460100")
    s = Settlement.from_wire(a.output)
    assert a.warn_msg == "余额不足提醒"
    assert s.psn_cash_pay == Decimal("20.00") and s.identity_errors() == []
    path, headers, body = Canned.seen[0]
    assert path == "/prefix/fsi/api/rsfComIfsService/callService"
    env = json.loads(body, parse_float=Decimal)
    assert env["infno"] == "2206" and env["insuplc_admdvs"] == "460100" and len(env["msgid"]) == 30
    assert env["input"]["data"]["medfee_sumamt"] == Decimal("100.00")
    assert b'"medfee_sumamt":100.00' in body


def test_infcode_number_and_negative_string(canned):
    Canned.answers = [(200, {"infcode": 0, "output": {"baseinfo": {"psn_no": "P1"}, "insuinfo": []}}),
                      (200, {"infcode": "-1", "err_msg": "参保人不存在"})]
    cl = canned_client(canned, style="per-transaction")
    assert cl.person_info("02", "x").output["baseinfo"]["psn_no"] == "P1"
    assert Canned.seen[0][0] == "/prefix/fsi/api/fsiPsnInfoService/queryPsnInfo"
    with pytest.raises(BusinessError) as ei:
        cl.person_info("02", "x")
    assert ei.value.err_msg == "参保人不存在"


@pytest.mark.parametrize("payload", [b"<html>gateway</html>", b"[1,2]", {"no_infcode": 1}, {"infcode": "ok"},
                                     {"infcode": 0, "output": "text"}])
def test_malformed_variants(canned, payload):
    Canned.answers = [(200, payload)]
    with pytest.raises(MalformedAnswer):
        canned_client(canned).person_info("02", "x")


def test_malformed_on_settlement_is_outcome_unknown(canned):
    Canned.answers = [(200, {"infcode": 0, "output": {}})]
    with pytest.raises(MalformedAnswer) as ei:
        canned_client(canned).settle({"psn_no": "P1"}, "460100")
    assert ei.value.outcome_unknown


def test_gateway_4xx_is_not_sent(canned):
    Canned.answers = [(401, {"error": "bad signature"})]
    with pytest.raises(TransportError) as ei:
        canned_client(canned).settle({"psn_no": "P1"}, "460100")
    assert not ei.value.outcome_unknown


def test_gateway_headers_sent_and_verified(canned):
    Canned.answers = [(200, {"infcode": 0, "output": {"signinoutb": {"sign_no": "SN1"}}})]
    cl = canned_client(canned, gateway_paasid="paas1", gateway_token="tok")
    cl.sign_in()
    h = {k.lower(): v for k, v in Canned.seen[0][1].items()}
    from terminal.backend.signing import tif_signature
    assert h["x-tif-paasid"] == "paas1"
    assert h["x-tif-signature"] == tif_signature(h["x-tif-timestamp"], "tok", h["x-tif-nonce"])


def test_gateway_against_sandbox(cfg, tmp_path):
    from terminal.sandbox.server import SandboxServer
    with SandboxServer(db_path=tmp_path / "gw.sqlite", gateway={"paasid": "p1", "token": "secret"}) as srv:
        cfg.gateway.paasid, cfg.gateway.token = "p1", "secret"
        ok = client_from_config(cfg, srv.url, msgid_state=tmp_path / "m1")
        assert ok.sign_in()
        cfg.gateway.token = "wrong"
        bad = client_from_config(cfg, srv.url, msgid_state=tmp_path / "m2")
        with pytest.raises(TransportError) as ei:
            bad.sign_in()
        assert ei.value.kind == "http"


# TLS -------------------------------------------------------------------------------------------
@pytest.fixture
def pki(tmp_path, has_openssl):
    d = tmp_path / "pki"
    d.mkdir()
    make_ca(d)
    issue_cert(d, "server", "127.0.0.1", "IP:127.0.0.1")
    issue_cert(d, "client", "cashier-01")
    return d


def test_tls_verification_ca_bundle_and_mutual_tls(cfg, tmp_path, pki):
    from terminal.sandbox.server import SandboxServer
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki / "server.pem", pki / "server.key")
    ctx.load_verify_locations(pki / "ca.pem")
    ctx.verify_mode = ssl.CERT_REQUIRED  # mutual TLS
    with SandboxServer(db_path=tmp_path / "tls.sqlite", ssl_context=ctx) as srv:
        assert srv.url.startswith("https://")
        # default: verification on, unknown CA -> refused, nothing sent
        c1 = client_from_config(cfg, srv.url, msgid_state=tmp_path / "m1")
        with pytest.raises(TransportError) as ei:
            c1.sign_in()
        assert ei.value.kind == "tls" and not ei.value.sent
        # CA bundle but no client certificate -> the server refuses the handshake
        cfg.backend.ca_bundle = str(pki / "ca.pem")
        c2 = client_from_config(cfg, srv.url, msgid_state=tmp_path / "m2")
        with pytest.raises(TransportError):
            c2.sign_in()
        # CA bundle + client certificate -> works
        cfg.backend.client_cert, cfg.backend.client_key = str(pki / "client.pem"), str(pki / "client.key")
        c3 = client_from_config(cfg, srv.url, msgid_state=tmp_path / "m3")
        assert c3.sign_in()
        from terminal.services.outpatient import SettlementService
        svc = SettlementService(c3, treatment_admdvs="450100")
        assert svc.identify(id_cred("local")).psn_no
