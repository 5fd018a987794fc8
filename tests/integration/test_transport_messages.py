"""Issue 11 item 5, the transport part: what the cashier and IT are told when the line fails (real sockets:
TLS servers with real certificates on 127.0.0.1, a refused port, an unresolvable .invalid name, a full
accept queue), answers that are not JSON or not UTF-8, urllib3's warning with verify_tls = false, and
2203 / 2203A each on its own path."""
from __future__ import annotations

import json
import socket
import ssl
import threading
import time
import warnings
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from terminal import config as config_mod
from terminal.backend.client import client_from_config
from terminal.backend.errors import MalformedAnswer, TransportError
from terminal.sandbox.server import SandboxServer
from terminal.services.outpatient import SettlementService
from tests.support import (PERSONS, config_file, free_port, id_cred, issue_cert, load_bill, make_ca, openssl,
                           run_cli)



@pytest.fixture(scope="module")
def pki(tmp_path_factory, has_openssl):
    """A test CA; server certificates it signs for 127.0.0.1 (good), already expired, and for another host
    name; and a self-signed one for 127.0.0.1."""
    d = tmp_path_factory.mktemp("pki")
    make_ca(d)
    for name, san, days in (("good", "IP:127.0.0.1", "2"), ("expired", "IP:127.0.0.1", "-1"),
                            ("other-host", "DNS:fsi.platform.example.org", "2")):
        issue_cert(d, name, name, san, days)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "self.key", "-out", "self.pem", cwd=d)
    return d


def tls_sandbox(pki, tmp_path, cert: str) -> SandboxServer:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki / f"{cert}.pem", pki / f"{cert}.key")
    return SandboxServer(db_path=tmp_path / f"{cert}.sqlite", ssl_context=ctx)


def failure(cfg, url, tmp_path) -> TransportError:
    """What a settle's first message (sign-in) fails with against url."""
    cl = client_from_config(cfg, url, msgid_state=tmp_path / "msgid.state")
    svc = SettlementService(cl, treatment_admdvs=cfg.facility.admdvs)
    try:
        with pytest.raises(TransportError) as ei:
            svc.ensure_signed_in()
    finally:
        cl.close()
    return ei.value


# TLS -------------------------------------------------------------------------------------------------------
TLS_CASES = [  # certificate served, CA bundle configured, cause, words the message must carry
    ("good", False, "tls_unknown_ca", "签发机构（CA）未知"),
    ("self", False, "tls_self_signed", "自签名证书"),
    ("expired", True, "tls_expired", "证书已过期"),
    ("other-host", True, "tls_hostname", "证书与地址不符"),
]


@pytest.mark.parametrize("cert,bundle,cause,words", TLS_CASES, ids=[c[2] for c in TLS_CASES])
def test_each_tls_problem_is_named_with_the_url_and_sends_to_it(cfg, tmp_path, pki, cert, bundle, cause, words):
    if bundle:
        cfg.backend.ca_bundle = str(pki / "ca.pem")
    with tls_sandbox(pki, tmp_path, cert) as srv:
        e = failure(cfg, srv.url, tmp_path)
    assert e.kind == "tls" and e.cause == cause and not e.sent and not e.outcome_unknown
    msg = e.user_message
    assert words in msg and srv.url in msg, msg
    assert "信息科" in msg and "请稍后重试" not in msg and e.configuration


def test_tls_messages_differ_and_the_good_chain_works(cfg, tmp_path, pki):
    seen = set()
    for cert, bundle, _cause, _words in TLS_CASES:
        cfg.backend.ca_bundle = str(pki / "ca.pem") if bundle else ""
        with tls_sandbox(pki, tmp_path, cert) as srv:
            seen.add(failure(cfg, srv.url, tmp_path).user_message.replace(srv.url, "URL"))
    assert len(seen) == len(TLS_CASES)
    cfg.backend.ca_bundle = str(pki / "ca.pem")
    with tls_sandbox(pki, tmp_path, "good") as srv:
        cl = client_from_config(cfg, srv.url, msgid_state=tmp_path / "ok.state")
        assert cl.sign_in()
        cl.close()


def test_https_to_a_plain_http_port_says_so(cfg, tmp_path, sandbox):
    url = sandbox.url.replace("http://", "https://")
    e = failure(cfg, url, tmp_path)
    assert e.kind == "tls" and e.cause == "tls_handshake" and not e.sent
    assert "不是 https" in e.user_message and url in e.user_message and "backend.url" in e.user_message


# refused, DNS, connect timeout -------------------------------------------------------------------------------
def test_refused_port_and_unknown_host_are_told_apart_with_the_url(cfg, tmp_path):
    port = free_port()
    refused = failure(cfg, f"http://127.0.0.1:{port}/prefix", tmp_path)
    assert refused.kind == "connect" and refused.cause == "refused" and not refused.sent
    assert f"127.0.0.1:{port}" in refused.user_message and f"http://127.0.0.1:{port}/prefix" in refused.user_message
    assert "拒绝连接" in refused.user_message and "backend.url" in refused.user_message
    dns = failure(cfg, "http://fsi.yibao-platform.invalid:8080", tmp_path)
    assert dns.kind == "connect" and dns.cause == "dns" and not dns.sent
    assert "fsi.yibao-platform.invalid" in dns.user_message
    assert "http://fsi.yibao-platform.invalid:8080" in dns.user_message
    assert "DNS" in dns.user_message and "信息科" in dns.user_message
    assert dns.user_message.replace("fsi.yibao-platform.invalid:8080", "X") != \
        refused.user_message.replace(f"127.0.0.1:{port}/prefix", "X")


def test_connect_timeout_is_named(cfg, tmp_path):
    """A listener whose accept queue is full drops the SYN: the connection attempt times out."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(0)
    port = ls.getsockname()[1]
    fill = []
    for _ in range(4):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fill.append(s)
    time.sleep(0.1)
    cfg.backend.connect_timeout = 0.5
    try:
        e = failure(cfg, f"http://127.0.0.1:{port}", tmp_path)
    finally:
        for s in fill + [ls]:
            s.close()
    assert e.kind == "connect" and e.cause == "connect_timeout" and not e.sent
    assert "连接医保平台超时" in e.user_message and "0.5 秒" in e.user_message and f"127.0.0.1:{port}" in e.user_message


def settle_cli(tmp_path, config_text: str, *args):
    """`settle` of the local employee's bill from the command line with config_text."""
    return run_cli(tmp_path, "--config", config_file(tmp_path, config_text, "terminal.toml"), "settle", "--cert-type",
                   "02", "--cert-no", PERSONS["local"]["certno"], "--bill", "resources/bills/outpatient-nanning.json",
                   *args, timeout=60)


def test_a_settle_from_the_command_line_names_the_cause(tmp_path, pki):
    """The cashier's settle: the self-signed platform and the refused port, each named with the URL."""
    with tls_sandbox(pki, tmp_path, "self") as srv:
        r = settle_cli(tmp_path, f'[backend]\nurl = "{srv.url}"\nconnect_timeout = 2.0\n')
    assert r.returncode != 0
    assert "自签名证书" in r.stderr and srv.url in r.stderr and "TLS校验失败" not in r.stderr, r.stderr
    url = f"http://127.0.0.1:{free_port()}"
    r = settle_cli(tmp_path, f'[backend]\nurl = "{url}"\nconnect_timeout = 2.0\n', "--json")
    out = json.loads(r.stdout)
    assert out["ok"] is False and "拒绝连接" in out["message"] and url in out["message"]


# answers that are not JSON / not UTF-8 -----------------------------------------------------------------------
class Canned(BaseHTTPRequestHandler):
    answers: list = []

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        ctype, body = Canned.answers.pop(0)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture
def canned(cfg, tmp_path):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    Canned.answers = []
    cl = client_from_config(cfg, f"http://127.0.0.1:{srv.server_address[1]}", msgid_state=tmp_path / "c.state")
    yield cl
    cl.close()
    srv.shutdown()
    srv.server_close()


SETL = {"setl_id": "S1", "mdtrt_id": "M1", "psn_no": "P1", "psn_name": "符大海", "medfee_sumamt": 100.00,
        "fund_pay_sumamt": 68.00, "psn_cash_pay": 20.05, "acct_pay": 11.95, "memo": "门诊结算（南宁）"}


def gbk_json(obj) -> bytes:
    text = json.dumps(obj, ensure_ascii=False)
    return text.replace("100.0,", "100.00,").replace("68.0,", "68.00,").encode("gbk")


def test_a_gbk_answer_declared_as_gbk_is_read_with_decimal_amounts(canned):
    Canned.answers = [("application/json;charset=GBK", gbk_json({"infcode": 0, "output": {"setlinfo": SETL}}))]
    a = canned.pre_settle({"psn_no": "P1", "medfee_sumamt": Decimal("100.00")}, "450100")
    s = a.output["setlinfo"]
    assert s["psn_name"] == "符大海" and s["memo"] == "门诊结算（南宁）"
    assert s["psn_cash_pay"] == Decimal("20.05") and type(s["fund_pay_sumamt"]) is Decimal
    assert str(s["medfee_sumamt"]) == "100.00"


def test_a_gbk_answer_without_a_charset_is_read_too(canned):
    Canned.answers = [("application/json", gbk_json({"infcode": 0, "output": {"setlinfo": SETL}}))]
    assert canned.pre_settle({"psn_no": "P1"}, "450100").output["setlinfo"]["memo"] == "门诊结算（南宁）"


def test_a_gbk_html_page_is_shown_readably(canned):
    page = "<html><head><title>错误</title></head><body><h1>502 网关错误：医保平台维护中</h1></body></html>"
    Canned.answers = [("text/html; charset=GBK", page.encode("gbk"))]
    with pytest.raises(MalformedAnswer) as ei:
        canned.person_info("02", "x")
    msg = ei.value.user_message
    assert "502 网关错误：医保平台维护中" in msg and "\\x" not in msg and "<h1>" not in msg, msg


def test_an_answer_that_lies_about_its_charset_is_malformed_but_readable(canned):
    body = gbk_json({"psn_name": "符大海", "memo": "门诊结算（南宁）", "infcode": 0, "output": {"setlinfo": SETL}})
    Canned.answers = [("application/json;charset=UTF-8", body)]
    with pytest.raises(MalformedAnswer) as ei:
        canned.settle({"psn_no": "P1"}, "450100")
    assert ei.value.outcome_unknown  # a settlement: reversed
    msg = ei.value.user_message
    assert "UTF-8" in msg and "门诊结算（南宁）" in msg and "\\x" not in msg, msg  # readable
    assert "符**" in msg and "符大海" not in msg, msg  # and the name masked


def test_a_cut_answer_from_the_sandbox_is_shown_readably(cfg, sandbox, tmp_path):
    cl = client_from_config(cfg, sandbox.url, msgid_state=tmp_path / "m.state")
    svc = SettlementService(cl, treatment_admdvs=cfg.facility.admdvs)
    svc.ensure_signed_in()
    sandbox.arm_fault("malformed", infno="1101")
    with pytest.raises(MalformedAnswer) as ei:
        svc.identify(id_cred("local"))
    msg = ei.value.user_message
    assert "不是合法的 JSON" in msg and "\\x" not in msg and '"infcode"' in msg, msg
    assert "application/json;charset=UTF-8" in msg and "字节" in msg  # what came, and how much
    cl.close()


# verify_tls = false -------------------------------------------------------------------------------------------
def test_no_insecure_request_warning_from_our_session_only(cfg, tmp_path, pki):
    cfg.backend.verify_tls = False
    with tls_sandbox(pki, tmp_path, "self") as srv:
        cl = client_from_config(cfg, srv.url, msgid_state=tmp_path / "w.state")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert cl.sign_in()
            cl.sign_in()
            ours = [w for w in caught if "Unverified HTTPS" in str(w.message)]
            requests.get(srv.url + "/sandbox/health", verify=False, timeout=5)  # someone else's session
            others = [w for w in caught if "Unverified HTTPS" in str(w.message)]
        cl.close()
    assert ours == [] and len(others) == 1


# 2203 / 2203A -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("infno,path", [("2203", "/fsi/api/outpatientDocInfoService/outpatientMdtrtinfoUp"),
                                        ("2203A", "/fsi/api/outpatientDocInfoService/outpatientMdtrtinfoUpA")])
def test_visit_info_infno_and_path_agree(tmp_path, sandbox, infno, path):
    cfg = config_mod.from_dict({"backend": {"style": "per-transaction", "visit_info_infno": infno},
                                "store": {"dir": str(tmp_path / "data")}, "log": {"dir": str(tmp_path / "log")}})
    cl = client_from_config(cfg, sandbox.url, msgid_state=tmp_path / "m.state")
    sent = []
    cl.session.hooks["response"].append(lambda r, *a, **k: sent.append((json.loads(r.request.body)["infno"],
                                                                        r.request.path_url)))
    svc = SettlementService(cl, treatment_admdvs=cfg.facility.admdvs)
    person = svc.identify(id_cred("local"))
    bill = load_bill()
    assert bill.dise_codg
    visit = svc.open_visit(id_cred("local"), person, bill)  # the sandbox refuses an infno on another's path
    assert (infno, path) in sent and not [s for s in sent if s[0].startswith("2203") and s != (infno, path)]
    svc.preview(visit)
    assert svc.settle(visit).setl_id
    cl.close()


@pytest.mark.parametrize("infno,other", [("2203", "2203A"), ("2203A", "2203")])
def test_the_sandbox_takes_2203_and_2203a_each_on_its_own_path_only(sandbox, infno, other):
    from terminal.core.protocol import TRANSACTION_PATHS
    from terminal.sandbox.testkit import SandboxClient

    kit = SandboxClient(sandbox.url, style="per-transaction")
    kit.sign_in()
    v = kit.open_visit("local", [("001102000010000", "10.00", 1)])
    mdtrtinfo = {"mdtrtinfo": {"mdtrt_id": v.mdtrt_id, "psn_no": v.psn_no, "med_type": "11", "dise_codg": "I10.x00",
                               "dise_name": "高血压"}}
    env = kit.envelope(infno, mdtrtinfo, v.insuplc)
    wrong = requests.post(kit.url + TRANSACTION_PATHS[other], data=json.dumps(env, ensure_ascii=False).encode(),
                          timeout=5).json()
    assert wrong["infcode"] == -1 and "不符" in wrong["err_msg"]
    assert kit.ok(infno, mdtrtinfo, v.insuplc) == {}  # its own path
    kit.close()


def test_visit_info_infno_is_validated():
    with pytest.raises(config_mod.ConfigError) as ei:
        config_mod.from_dict({"backend": {"visit_info_infno": "2203B"}})
    assert ei.value.key == "backend.visit_info_infno"


def test_utf8_json_labelled_latin1_is_read_as_utf8():
    """Java gateways label UTF-8 answers charset=ISO-8859-1: 张三 must not become mojibake."""
    from terminal.backend.decoding import answer_text

    body = '{"infcode":0,"output":{"baseinfo":{"psn_name":"张三"}}}'.encode()
    text, how = answer_text(body, "application/json;charset=ISO-8859-1")
    assert "张三" in text and how == "utf-8"
    latin = '{"err_msg":"caf\xe9"}'.encode("latin-1")  # really latin-1: not valid UTF-8, the declaration holds
    text, how = answer_text(latin, "application/json;charset=ISO-8859-1")
    assert "café" in text
    gbk = '{"err_msg":"参保人不存在"}'.encode("gbk")
    assert "参保人不存在" in answer_text(gbk, "application/json;charset=GBK")[0]
