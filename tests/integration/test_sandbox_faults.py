"""Fault injection, the gateway signature and HTTPS, as a client sees them over real sockets."""
from __future__ import annotations

import hashlib
import shutil
import ssl
import subprocess
import time
from decimal import Decimal
from urllib.parse import quote

import pytest
import requests

from terminal.core import wire
from terminal.sandbox.server import SandboxServer
from terminal.sandbox.testkit import Refused, SandboxClient, ticking_clock

COLD = [("001102000010000", "10.00", 1), ("XJ01CAA040A001010100001", "12.50", 2)]
ID_LOCAL = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "450100197705200135"}}


@pytest.fixture
def sbx(tmp_path):
    with SandboxServer(db_path=tmp_path / "sandbox.sqlite", clock=ticking_clock()) as s:
        yield s


@pytest.fixture
def kit(sbx):
    k = SandboxClient(sbx.url)
    k.sign_in()
    yield k
    k.close()


def settle_env(kit):
    v = kit.open_visit("local", COLD)
    return v, kit.envelope("2207", {"data": kit.setl_input(v)}, v.insuplc)


def test_delay_answers_late(kit, sbx):
    sbx.arm_fault("delay", infno="1101", delay=0.3)
    t0 = time.monotonic()
    assert kit.ok("1101", ID_LOCAL)["baseinfo"]["psn_name"] == "黄丽萍"
    assert time.monotonic() - t0 >= 0.3
    with pytest.raises(requests.exceptions.ReadTimeout):
        kit.post("1101", ID_LOCAL, headers={"X-Sandbox-Fault": "delay;delay=2"}, timeout=(5, 0.2))
    assert sbx.faults() == []


def test_delay_on_a_settlement_books_it(kit, sbx):
    v, env = settle_env(kit)
    with pytest.raises(requests.exceptions.ReadTimeout):
        kit.post_env(env, headers={"X-Sandbox-Fault": "delay;delay=1.5"}, timeout=(5, 0.2))
    deadline = time.monotonic() + 5
    while not sbx.ledger() and time.monotonic() < deadline:  # processed at once, answered late
        time.sleep(0.02)
    assert [r["msgid"] for r in sbx.ledger()] == [env["msgid"]]


def test_hang_times_out_and_books_nothing(kit, sbx):
    v, env = settle_env(kit)
    with pytest.raises(requests.exceptions.ReadTimeout):
        kit.post_env(env, headers={"X-Sandbox-Fault": "hang;delay=1.5"}, timeout=(5, 0.3))
    with pytest.raises(Refused, match="原交易不存在"):  # the client's 2601 finds nothing booked: closed
        kit.reverse(v.psn_no, v.insuplc, env["msgid"], "2207")
    sbx.arm_fault("hang", infno="1101", delay=0.2)  # a short hang ends with a closed connection, no answer
    with pytest.raises(requests.exceptions.ConnectionError):
        kit.post("1101", ID_LOCAL, timeout=(5, 5))
    assert sbx.ledger() == []


def test_http500(kit, sbx):
    v, env = settle_env(kit)
    sbx.arm_fault("http500", infno="2207")
    r = kit.post_env(env)
    assert r.status_code == 500
    assert sbx.ledger() == []
    assert wire.loads(kit.post_env(env).content)["infcode"] == 0  # not processed: the same msgid settles now


def test_malformed_answer_is_not_json_but_booked(kit, sbx):
    v, env = settle_env(kit)
    r = kit.post_env(env, headers={"X-Sandbox-Fault": "malformed"})
    assert r.status_code == 200
    with pytest.raises(ValueError):
        wire.loads(r.content)
    [row] = sbx.ledger()
    assert row["msgid"] == env["msgid"] and row["status"] == "booked"


def test_reset_is_a_connection_error_and_books_nothing(kit, sbx):
    v, env = settle_env(kit)
    sbx.arm_fault("reset", infno="2207")
    with pytest.raises(requests.exceptions.ConnectionError):
        kit.post_env(env)
    assert sbx.ledger() == []
    assert kit.ok("1101", ID_LOCAL)  # the next request is fine


def test_lost_answer_is_booked_then_reversed(kit, sbx):
    v, env = settle_env(kit)
    sbx.arm_fault("lost_answer", infno="2207")
    with pytest.raises(requests.exceptions.ConnectionError):
        kit.post_env(env)
    [row] = sbx.ledger()
    assert (row["msgid"], row["status"]) == (env["msgid"], "booked")  # booked but the answer was lost
    booked_balance = sbx.balance("local")
    assert booked_balance == Decimal("1560.30") - Decimal(row["acct_pay"])
    again = wire.loads(kit.post_env(env).content)  # replaying the msgid shows what was booked, never twice
    assert again["output"]["setlinfo"]["setl_id"] == row["setl_id"] and len(sbx.ledger()) == 1
    kit.reverse(v.psn_no, v.insuplc, env["msgid"], "2207")
    assert [r["status"] for r in sbx.ledger()] == ["reversed", "booked"]
    assert sbx.balance("local") == Decimal("1560.30")


def test_business_error_armed_and_by_header(kit, sbx):
    sbx.arm_fault("business_error", infno="1101", err_msg="参保人已死亡，不能结算")
    a = kit.call("1101", ID_LOCAL)
    assert a["infcode"] == -1 and a["err_msg"] == "参保人已死亡，不能结算"
    assert kit.call("1101", ID_LOCAL)["infcode"] == 0
    a = kit.call("1101", ID_LOCAL, headers={"X-Sandbox-Fault": "business_error;msg=" + quote("系统维护中")})
    assert a["err_msg"] == "系统维护中"
    assert kit.call("1101", ID_LOCAL, headers={"X-Sandbox-Fault": "business_error"})["err_msg"] == "沙箱模拟业务错误"
    assert kit.post("1101", ID_LOCAL, headers={"X-Sandbox-Fault": "explode"}).status_code == 400


def test_faults_over_http_count_and_infno(kit, sbx):
    r = requests.post(sbx.url + "/sandbox/faults", json={"kind": "http500", "infno": "1101", "count": 2}, timeout=5)
    assert r.status_code == 200 and r.json()["armed"]["count"] == 2
    assert requests.get(sbx.url + "/sandbox/faults", timeout=5).json()["faults"][0]["kind"] == "http500"
    assert kit.sign_in()  # 9001 does not match
    assert [kit.post("1101", ID_LOCAL).status_code for _ in range(3)] == [500, 500, 200]
    requests.post(sbx.url + "/sandbox/faults", json={"kind": "reset"}, timeout=5)
    assert requests.delete(sbx.url + "/sandbox/faults", timeout=5).json() == {"faults": []}
    assert kit.post("1101", ID_LOCAL).status_code == 200
    assert requests.post(sbx.url + "/sandbox/faults", json={"kind": "nope"}, timeout=5).status_code == 400
    sbx.arm_fault("reset")
    sbx.clear_faults()
    assert sbx.faults() == []


# gateway ----------------------------------------------------------------------------------------------
def gw_headers(paasid, token, ts=None, nonce="n0nce-123"):
    ts = str(int(time.time()) if ts is None else ts)
    sig = hashlib.sha256(f"{ts}{token}{nonce}{ts}".encode()).hexdigest()
    return {"x-tif-paasid": paasid, "x-tif-timestamp": ts, "x-tif-nonce": nonce, "x-tif-signature": sig}


def test_gateway_signature(tmp_path):
    gw = {"paasid": "yibao_test", "token": "s3cr3t-token"}
    with SandboxServer(db_path=tmp_path / "g.sqlite", gateway=gw, require_sign_in=False) as s:
        k = SandboxClient(s.url)
        r = k.post("1101", ID_LOCAL, headers=gw_headers("yibao_test", "s3cr3t-token"))
        assert r.status_code == 200 and wire.loads(r.content)["infcode"] == 0
        for h in (gw_headers("yibao_test", "wrong"), gw_headers("other", "s3cr3t-token"),
                  gw_headers("yibao_test", "s3cr3t-token", ts=int(time.time()) - 400), {}):
            r = k.post("1101", ID_LOCAL, headers=h)
            assert r.status_code == 401 and "网关校验失败" in r.json()["message"]
        h = gw_headers("yibao_test", "s3cr3t-token")
        h["x-tif-signature"] = h["x-tif-signature"].upper()
        assert k.post("1101", ID_LOCAL, headers=h).status_code == 401


def test_https(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl CLI not available")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert), str(key))
    with SandboxServer(db_path=tmp_path / "t.sqlite", ssl_context=ctx) as s:
        assert s.url.startswith("https://127.0.0.1:")
        k = SandboxClient(s.url, verify=str(cert))
        k.sign_in()
        assert k.ok("1101", ID_LOCAL)["baseinfo"]["psn_name"] == "黄丽萍"
        s.arm_fault("lost_answer", infno="2207")
        v, env = settle_env(k)
        with pytest.raises(requests.exceptions.ConnectionError):
            k.post_env(env)
        assert len(s.ledger()) == 1
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(s.url + "/sandbox/health", timeout=5)  # unknown CA
