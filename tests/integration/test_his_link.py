"""The HIS link (issue 14) over real HTTP on 127.0.0.1: the interface (push, list, withdraw, result; token,
schema, size, idempotency, a settled bill_no never settled again), the signed callbacks with retries, a kill -9
between settlement and callback (real processes), and the watched folder with half-written and malformed files.
The settlements are real: the sandbox platform over HTTP and the journal in a real SQLite file."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from terminal.his.book import event_id
from terminal.his.callbacks import verify
from terminal.his.service import HisLink
from terminal.services.outpatient import SettlementService
from terminal.store import Store
from terminal.store.errors import DuplicateBill
from tests.support import ROOT, id_cred, make_client
from tests.support import make_config as make_cfg

TOKEN = "his-token-0123456789abcdef"
SECRET = "callback-secret-xyz"


def bill_body(no: str = "MZ20261203-0001", price: str = "25.00", **extra) -> dict:
    return {"bill_no": no, "med_type": "11", "dept_code": "A03", "dept_name": "内科", "items": [
        {"hosp_code": "NNXM0002", "national_code": "001102000010300", "name": "副主任医师门诊诊查费",
         "price": price, "qty": 1},
        {"hosp_code": "NNYP0004", "national_code": "XC10AAA050A001010100004", "name": "阿托伐他汀钙片",
         "price": "28.40", "qty": 1}], **extra}


class Receiver:
    """The HIS's callback endpoint: records every POST; answers ``self.status`` (a list is consumed in order)."""

    def __init__(self):
        self.got: list[tuple[dict, bytes, dict]] = []
        self.status: list[int] | int = 200
        rec = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                st = rec.status.pop(0) if isinstance(rec.status, list) and rec.status else rec.status
                st = st if isinstance(st, int) else 200
                rec.got.append((json.loads(raw), raw, dict(self.headers)))
                self.send_response(st)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/his/callback"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def ids(self, kind: str | None = None) -> list[str]:
        return [b["event_id"] for b, _, _ in self.got if kind is None or b["type"] == f"bill.{kind}"]

    def close(self):
        self.httpd.shutdown()


def wait_for(pred, timeout: float = 20.0, what: str = ""):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def world(tmp_path, sandbox, receiver):
    cfg = make_cfg(tmp_path)
    cfg.his.token, cfg.his.callback_url, cfg.his.callback_secret = TOKEN, receiver.url, SECRET
    cfg.his.retry_base_seconds, cfg.his.max_body_bytes = 0.05, 64 * 1024
    store = Store(tmp_path / "journal.sqlite")
    client = make_client(cfg, sandbox.url, tmp_path / "msgid.state")
    svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
    link = HisLink(store.sdb, cfg, port=0)
    link.deliverer.interval = 0.05
    link.start()
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {TOKEN}"
    yield link, http, svc, store
    link.stop()
    client.close()
    store.close()


def settle_pushed(link, svc, bill_no: str, key: str = "hainan-retiree"):
    bill = link.book.bill(bill_no)
    cred = id_cred(key)
    person = svc.identify(cred)
    visit = svc.open_visit(cred, person, bill)
    svc.preview(visit)
    s = svc.settle(visit)
    s.visit = visit
    return s


def test_push_list_read_and_withdraw(world):
    link, http, svc, store = world
    u = link.url + "/v1/bills"
    r = http.post(u, json=bill_body("MZ1", patient={"name": "张三", "id_no": "46010019460312013X"}))
    assert r.status_code == 201, r.text
    v = r.json()
    assert v["bill_no"] == "MZ1" and v["status"] == "pending" and v["total"] == "53.40"
    assert v["patient"]["id_no"] != "46010019460312013X" and v["patient"]["id_no"].endswith("013X")  # masked
    assert http.post(u, json=bill_body("MZ2")).status_code == 201
    assert [b["bill_no"] for b in http.get(u).json()["bills"]] == ["MZ1", "MZ2"]
    r = http.get(u + "/MZ1")
    assert r.status_code == 200 and r.json()["settlement"] is None and r.json()["status_name"] == "待收费"
    r = http.delete(u + "/MZ2")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert [b["bill_no"] for b in http.get(u).json()["bills"]] == ["MZ1"]
    assert http.get(u + "?status=withdrawn").json()["bills"][0]["bill_no"] == "MZ2"
    assert http.delete(u + "/MZ2").status_code == 409  # not pending any more
    r = http.get(u + "/NOPE")
    assert r.status_code == 404 and r.json()["error"]["field"] == "bill_no"
    # the cashier's side reads the same rows
    assert link.book.bill("MZ1").total == link.book.bill("MZ1").total and link.book.bill("MZ2") is None
    assert [v["bill_no"] for v in link.book.pending_for(id_no="46010019460312013x")] == ["MZ1"]
    assert link.book.pending_for(id_no="460100194603120132") == []


def test_token_is_required_and_checked(world):
    link, http, svc, store = world
    u = link.url + "/v1/bills"
    assert requests.get(link.url + "/v1/health").json()["ok"] is True  # health: no token
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                    {"Authorization": f"Bearer {TOKEN}x"}):
        r = requests.post(u, json=bill_body(), headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized", headers
        assert requests.get(u, headers=headers).status_code == 401
    assert http.get(u).json()["bills"] == []  # nothing was taken


@pytest.mark.parametrize("body,field", [
    ({k: v for k, v in bill_body().items() if k != "bill_no"}, "bill_no"),
    (bill_body(no="MZ 1/2"), "bill_no"),
    (bill_body(items=[]), "items"),
    (bill_body(price="25,00"), "items[0].price"),
    (bill_body(price="1.1234567"), "items[0].price"),
    ({**bill_body(), "items": [{"hosp_code": "X", "national_code": "Y", "name": "Z", "price": "1"}]}, "items[0].qty"),
    (bill_body(colour="red"), "colour"),
    (bill_body(patient={"id_no": "12345"}), "patient.id_no"),
    (bill_body(med_type=11), "med_type"),
])
def test_bad_bills_are_refused_with_the_field_named(world, body, field):
    link, http, svc, store = world
    r = http.post(link.url + "/v1/bills", json=body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid" and err["field"] == field and err["message"]
    assert http.get(link.url + "/v1/bills?status=all").json()["bills"] == []


def test_malformed_oversize_and_wrong_type_bodies(world):
    link, http, svc, store = world
    u = link.url + "/v1/bills"
    r = http.post(u, data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_json"
    r = http.post(u, data=json.dumps(bill_body()), headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and r.json()["error"]["field"] == "Content-Type"
    big = bill_body(items=[bill_body()["items"][0]] * 450)
    data = json.dumps(big).encode()
    assert len(data) > 64 * 1024
    r = http.post(u, data=data, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["field"] == "Content-Length"
    r = http.post(u, data=iter([json.dumps(bill_body()).encode()]), headers={"Content-Type": "application/json"})
    assert r.status_code in (411, 413)  # chunked, no Content-Length: refused
    r = http.post(u, data=data, headers={"Content-Type": "application/json", "X-Pad": "x" * 20000})
    assert r.status_code in (400, 413, 431)  # oversized headers: cheroot refuses before the app
    # a refused request whose body was never read ends its connection (cheroot closes it, maybe after answering):
    # the next request opens a new one, as any client must after such an answer
    http.close()
    assert http.get(u + "?status=all").json()["bills"] == []


def test_same_bill_is_the_same_other_content_conflicts_unless_replacing_a_pending_one(world):
    link, http, svc, store = world
    u = link.url + "/v1/bills"
    assert http.post(u, json=bill_body("MZ9")).status_code == 201
    r = http.post(u, json=bill_body("MZ9"))  # the same content again: the same bill
    assert r.status_code == 200 and r.json()["version"] == 1
    r = http.post(u, json=bill_body("MZ9", price="30.00"))
    assert r.status_code == 409 and r.json()["error"] == {**r.json()["error"], "code": "conflict", "field": "bill_no"}
    r = http.post(u, json=bill_body("MZ9", price="30.00", replace=True))
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["total"] == "58.40"
    r = http.post(u, json=bill_body("MZ9", price="30.00"))  # now that content is the bill
    assert r.status_code == 200 and r.json()["version"] == 2
    assert len(http.get(u).json()["bills"]) == 1


def test_a_settled_bill_no_is_never_settled_again_and_its_result_is_read(world, receiver):
    link, http, svc, store = world
    u = link.url + "/v1/bills"
    assert http.post(u, json=bill_body("MZ7")).status_code == 201
    s = settle_pushed(link, svc, "MZ7")
    v = http.get(u + "/MZ7").json()
    assert v["status"] == "settled" and v["settlement"]["setl_id"] == s.setl_id
    assert v["settlement"]["amounts"]["medfee_sumamt"] == "53.40"
    assert v["settlement"]["amounts"]["psn_cash_pay"] == f"{s.psn_cash_pay:.2f}"
    assert http.get(u).json()["bills"] == []  # no longer to be charged
    assert link.book.bill("MZ7") is None
    r = http.post(u, json=bill_body("MZ7", price="30.00", replace=True))
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_settled"
    assert http.post(u, json=bill_body("MZ7")).json()["status"] == "settled"  # the same push: its state
    assert http.delete(u + "/MZ7").status_code == 409
    # the duplicate-bill guard refuses a second settlement of the bill_no whatever the route
    from terminal.core.models import Bill

    bill = Bill.from_dict({k: v for k, v in bill_body("MZ7").items()})
    with pytest.raises(DuplicateBill):
        cred = id_cred("hainan-retiree")
        p = svc.identify(cred)
        visit = svc.open_visit(cred, p, bill)
        svc.preview(visit)
        svc.settle(visit)
    # a bill_no settled before it was ever pushed is refused too
    from tests.store_fixtures import small_bill

    b = small_bill()
    b.bill_no = "MZ8"
    cred = id_cred("hainan-retiree")
    p = svc.identify(cred)
    visit = svc.open_visit(cred, p, b)
    svc.preview(visit)
    svc.settle(visit)
    r = http.post(u, json=bill_body("MZ8"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_settled"


def test_callbacks_are_signed_retried_with_one_event_id_and_in_order(world, receiver):
    link, http, svc, store = world
    receiver.status = [500, 503]  # the HIS fails twice, then accepts
    assert http.post(link.url + "/v1/bills", json=bill_body("MZ5")).status_code == 201
    s = settle_pushed(link, svc, "MZ5")
    wait_for(lambda: len(receiver.got) >= 3, what="three attempts")
    ids = receiver.ids("settled")
    assert len(ids) == 3 and len(set(ids)) == 1  # retried, one event id
    body, raw, headers = receiver.got[-1]
    assert headers["X-Yibao-Event-Id"] == body["event_id"] == ids[0]
    assert verify(SECRET, raw, headers["X-Yibao-Signature"])
    assert not verify(SECRET, raw + b" ", headers["X-Yibao-Signature"])
    assert not verify("other", raw, headers["X-Yibao-Signature"])
    assert body["bill_no"] == "MZ5" and body["bill"]["settlement"]["setl_id"] == s.setl_id
    ev = wait_for(lambda: [e for e in link.book.events("MZ5") if e["state"] == "delivered"], what="delivered")
    assert ev[0]["attempts"] == 3
    time.sleep(0.3)
    assert len(receiver.got) == 3  # delivered: not sent again
    # cancel (2208): a second event, after the first
    v = s.visit
    svc.cancel(s.setl_id, v.mdtrt_id, v.person.psn_no, v.insuplc_admdvs)
    wait_for(lambda: receiver.ids("cancelled"), what="cancelled event")
    assert [b["type"] for b, _, _ in receiver.got] == ["bill.settled"] * 3 + ["bill.cancelled"]
    assert receiver.got[-1][0]["bill"]["status"] == "cancelled"
    assert http.get(link.url + "/v1/bills/MZ5").json()["cancellation"]["setl_id"]


def test_watched_folder_ignores_partial_files_and_keeps_refused_ones_with_a_reason(tmp_path, world):
    from terminal.his.folder import SETTLE_SECONDS, WatchedFolder

    link, http, svc, store = world
    d = tmp_path / "his-in"
    wf = WatchedFolder(link.book, d)
    # a file still being written under its temporary name: never read
    (d / "MZ31.json.tmp").write_text(json.dumps(bill_body("MZ31"))[:40], encoding="utf-8")
    # a writer that writes the .json in place and is not done yet: left for later while fresh
    half = d / "MZ32.json"
    half.write_text(json.dumps(bill_body("MZ32"))[:60], encoding="utf-8")
    assert wf.scan() == {"processed": 0, "failed": 0, "skipped": 1}
    assert http.get(link.url + "/v1/bills?status=all").json()["bills"] == []
    # the tmp is completed and renamed: read whole
    (d / "MZ31.json.tmp").write_text(json.dumps(bill_body("MZ31")), encoding="utf-8")
    os.replace(d / "MZ31.json.tmp", d / "MZ31.json")
    # the in-place writer never finished: once settled it is refused, kept in failed/ with the reason
    old = time.time() - SETTLE_SECONDS - 5
    os.utime(half, (old, old))
    # a bill that does not fit the schema
    (d / "MZ33.json").write_text(json.dumps(bill_body("MZ33", price="25,00")), encoding="utf-8")
    counts = wf.scan()
    assert counts == {"processed": 1, "failed": 2, "skipped": 0}
    assert [b["bill_no"] for b in http.get(link.url + "/v1/bills").json()["bills"]] == ["MZ31"]
    assert http.get(link.url + "/v1/bills/MZ31").json()["source"] == "folder"
    assert sorted(p.name for p in (d / "processed").iterdir()) == ["MZ31.json"]
    failed = sorted(p.name for p in (d / "failed").iterdir())
    assert failed == ["MZ32.json", "MZ32.reason.txt", "MZ33.json", "MZ33.reason.txt"]
    assert "bad_json" in (d / "failed/MZ32.reason.txt").read_text("utf-8")
    assert "field: items[0].price" in (d / "failed/MZ33.reason.txt").read_text("utf-8")
    assert (d / "failed/MZ32.json").read_text("utf-8") == json.dumps(bill_body("MZ32"))[:60]  # nothing lost
    # the same file again (a crash between push and move): the same bill, processed again, no conflict
    (d / "MZ31.json").write_text(json.dumps(bill_body("MZ31")), encoding="utf-8")
    assert wf.scan()["processed"] == 1 and len(list((d / "processed").iterdir())) == 2


def test_lan_address_needs_tls_and_a_token_is_required(tmp_path):
    from terminal.config import ConfigError
    from terminal.his.server import check_settings

    cfg = make_cfg(tmp_path)
    with pytest.raises(ConfigError) as e:
        check_settings(cfg.his)
    assert e.value.key == "his.token"
    cfg.his.token, cfg.his.host = TOKEN, "192.168.1.20"
    with pytest.raises(ConfigError) as e:
        check_settings(cfg.his)
    assert e.value.key == "his.tls_cert"
    cfg.his.tls_cert = str(tmp_path / "cert.pem")
    Path(cfg.his.tls_cert).write_text("x")
    with pytest.raises(ConfigError) as e:
        check_settings(cfg.his)
    assert e.value.key == "his.tls_key"


# kill -9 between settlement and callback ----------------------------------------------------------------
def _serve(cfg_path: Path) -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen([sys.executable, "-m", "terminal", "his", "serve", "--port", "0", "--config", str(cfg_path)],
                         cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    assert "listening on " in line, (line, p.stderr.read() if p.poll() is not None else "")
    return p, line.split("listening on ")[1].split("，")[0].split()[0]


def test_kill_9_between_settlement_and_callback_delivers_after_restart_once_per_event_id(tmp_path, sandbox,
                                                                                         receiver):
    import tomli_w

    data = tmp_path / "data"
    cfg_path = tmp_path / "config.toml"
    cfg_path.write_text(tomli_w.dumps({
        "store": {"dir": str(data)}, "log": {"dir": str(tmp_path / "log")},
        "his": {"token": TOKEN, "callback_url": receiver.url, "callback_secret": SECRET,
                "retry_base_seconds": 0.05, "retry_max_seconds": 0.2}}), encoding="utf-8")
    receiver.status = 503  # the HIS is down
    p, url = _serve(cfg_path)
    try:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        for no in ("MZ41", "MZ42"):
            assert http.post(url + "/v1/bills", json=bill_body(no)).status_code == 201
        # the cashier settles both (another process's settlement: the journal is shared)
        cfg = make_cfg(data)
        store = Store(data / "journal.sqlite")
        client = make_client(cfg, sandbox.url, tmp_path / "msgid.state")
        svc = SettlementService(client, treatment_admdvs=cfg.facility.admdvs, store=store)
        from terminal.his.book import HisBook

        book = HisBook(store.sdb)
        s1 = _settle(book, svc, "MZ41")
        # MZ41's event is recorded and its delivery failed at least once; then the server is killed
        db = sqlite3.connect(data / "journal.sqlite")
        wait_for(lambda: db.execute("SELECT attempts FROM his_events WHERE bill_no='MZ41' AND attempts >= 1")
                 .fetchone(), what="a failed attempt")
        s2 = _settle(book, svc, "MZ42")  # settled right before the kill: its event may not even be recorded
        os.kill(p.pid, signal.SIGKILL)
        p.wait(10)
        before = {r[0]: r[1] for r in db.execute("SELECT bill_no, event_id FROM his_events")}
        assert before["MZ41"] == event_id("MZ41", "settled", s1)
        receiver.status = 200  # the HIS is back; the terminal restarts
        p, url = _serve(cfg_path)
        wait_for(lambda: len(set(receiver.ids("settled")) & {event_id("MZ41", "settled", s1),
                                                            event_id("MZ42", "settled", s2)}) == 2
                 and db.execute("SELECT COUNT(*) FROM his_events WHERE state='delivered'").fetchone()[0] == 2,
                 what="both delivered after the restart")
        ok = [b for b, _, h in receiver.got if h.get("X-Yibao-Event-Id") and b]
        by_bill = {}
        for b in ok:
            by_bill.setdefault(b["bill_no"], set()).add(b["event_id"])
        assert by_bill == {"MZ41": {event_id("MZ41", "settled", s1)},
                           "MZ42": {event_id("MZ42", "settled", s2)}}  # one event id per event
        assert all(verify(SECRET, raw, h["X-Yibao-Signature"]) for _, raw, h in receiver.got)
        n = len(receiver.got)
        time.sleep(0.5)
        assert len(receiver.got) == n  # delivered ones are not sent again
        client.close()
        store.close()
        db.close()
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            p.wait(10)


def _settle(book, svc, bill_no):
    bill = book.bill(bill_no)
    cred = id_cred("hainan-retiree")
    person = svc.identify(cred)
    visit = svc.open_visit(cred, person, bill)
    svc.preview(visit)
    svc.settle(visit)
    return visit.settle_msgid


def test_parked_bill_and_the_tender_are_in_the_result_and_the_events(world, receiver):
    link, http, svc, store = world
    u = link.url + "/v1/bills"
    assert http.post(u, json=bill_body("MZ61")).status_code == 201
    slip = svc.park(id_cred("hainan-retiree"), link.book.bill("MZ61"))
    v = http.get(u + "/MZ61").json()
    assert v["status"] == "parked" and v["park"]["park_id"] == slip.park_id and v["park"]["total"] == "53.40"
    assert http.get(u).json()["bills"] == []  # parked: not to be charged again
    assert http.post(u, json=bill_body("MZ61", price="30.00", replace=True)).status_code == 409
    wait_for(lambda: receiver.ids("parked"), what="parked event")
    # the tender of a settlement (the tenders table of migration 0006) is part of the result
    assert http.post(u, json=bill_body("MZ62")).status_code == 201
    s = settle_pushed(link, svc, "MZ62")
    with store.sdb.tx() as db:
        db.table("tenders").insert({"created": "2026-12-03 10:00:00", "day": "2026-12-03", "operator": "0001",
                                    "kind": "pay", "msgid": s.visit.settle_msgid, "setl_id": s.setl_id,
                                    "method": "cash", "amount": f"{s.psn_cash_pay:.2f}", "tendered": "100.00",
                                    "change": f"{100 - s.psn_cash_pay:.2f}"})
    t = http.get(u + "/MZ62").json()["tender"]
    assert t == [{"kind": "pay", "method": "cash", "amount": f"{s.psn_cash_pay:.2f}", "tendered": "100.00",
                  "change": f"{100 - s.psn_cash_pay:.2f}", "created": "2026-12-03 10:00:00"}]


def test_the_example_his_client_pushes_and_waits_for_the_result(world):
    link, http, svc, store = world
    p = subprocess.Popen([sys.executable, str(ROOT / "scripts/his-client-example.py"), "--url", link.url, "--token",
                          TOKEN, "--bill-no", "MZ2026120300071", "--id-no", "460100194603120132"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: link.book.bill("MZ2026120300071"), what="the pushed bill")
    settle_pushed(link, svc, "MZ2026120300071")
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, out + err
    assert "pushed MZ2026120300071 (HTTP 201" in out and '"status": "settled"' in out


def test_the_openapi_file_and_the_guide_cover_every_endpoint_error_and_field():
    import re

    import yaml

    from terminal.his import schema

    api = yaml.safe_load((ROOT / "resources/his-api.yaml").read_text("utf-8"))
    assert set(api["paths"]) == {"/v1/health", "/v1/bills", "/v1/bills/{bill_no}"}
    assert set(api["paths"]["/v1/bills"]) == {"get", "post"} and set(api["paths"]["/v1/bills/{bill_no}"]) >= {
        "get", "delete"}
    push = api["components"]["schemas"]["BillPush"]
    assert push["required"] == schema.BILL["required"] and set(push["properties"]) == set(schema.BILL["properties"])
    item = api["components"]["schemas"]["Item"]
    assert set(item["properties"]) == set(schema.ITEM["properties"]) and item["required"] == schema.ITEM["required"]
    codes = set(re.findall(r'HisError\(\d+, "([a-z_]+)"', "".join(
        (ROOT / "terminal/his" / f).read_text("utf-8") for f in ("book.py", "server.py")))) | {"in_progress"}
    assert set(api["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]) == codes
    guide = (ROOT / "docs/his-integration.md").read_text("utf-8")
    for c in codes:
        assert f"`{c}`" in guide, c
    from dataclasses import fields

    from terminal.config.model import HisConfig

    for f in fields(HisConfig):
        assert f"`{f.name}`" in guide, f.name
    for h in ("X-Yibao-Signature", "X-Yibao-Event-Id", "HMAC-SHA256", "processed/", "failed/", "reason.txt"):
        assert h in guide, h


def test_doctor_checks_the_interface(tmp_path, receiver):
    import socket

    import tomli_w

    from terminal import config as config_mod
    from terminal import doctor as d

    def run(his: dict):
        p = tmp_path / "config.toml"
        p.write_text(tomli_w.dumps({"store": {"dir": str(tmp_path / "data")}, "log": {"dir": str(tmp_path / "log")},
                                    "his": his}), encoding="utf-8")
        return {c.key: c for c in d.run_doctor(str(p), only=["his"]).checks}["his"]

    assert run({}).status == d.PASS  # not enabled
    r = run({"enabled": True})
    assert r.status == d.FAIL and "his.token" in r.summary
    r = run({"enabled": True, "token": TOKEN, "host": "192.168.1.20"})
    assert r.status == d.FAIL and "his.tls_cert" in r.summary
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    his = {"enabled": True, "token": TOKEN, "port": free, "callback_url": receiver.url}
    r = run(his)
    assert r.status == d.WARN and "未在" in r.summary  # nothing listening
    cfg = config_mod.load(str(tmp_path / "config.toml"))
    store = Store(cfg.data_dir / "journal.sqlite")
    link = HisLink(store.sdb, cfg).start()
    try:
        r = run(his)
        assert r.status == d.PASS and r.data["listening"] and r.data["callback_reachable"], r.summary
        r = run({**his, "callback_url": f"http://127.0.0.1:{free + 1 if free < 65535 else free - 1}/cb"})
        assert r.status == d.WARN and "无法连接" in r.summary
    finally:
        link.stop()
        store.close()


def test_an_uncertain_settlement_is_in_progress_then_reversed_then_settles(world, receiver, sandbox):
    """The answer of the 2207 is lost: the bill is in_progress (no replacement, no withdrawal), the durable queue
    reverses it (2601): status reversed, a bill.reversed event, chargeable again; then settled."""
    from terminal.services.errors import UncertainSettlement

    link, http, svc, store = world
    u = link.url + "/v1/bills"
    assert http.post(u, json=bill_body("MZ81")).status_code == 201
    sandbox.arm_fault("lost_answer", "2207")
    with pytest.raises(UncertainSettlement):
        settle_pushed(link, svc, "MZ81")
    assert http.get(u + "/MZ81").json()["status"] == "in_progress"
    r = http.post(u, json=bill_body("MZ81", price="30.00", replace=True))
    assert r.status_code == 409 and r.json()["error"]["code"] == "in_progress"
    assert http.delete(u + "/MZ81").status_code == 409
    store.worker(svc.client, svc).drain(timeout=20)
    v = http.get(u + "/MZ81").json()
    assert v["status"] == "reversed" and v["reversal"]["resolution"] in ("reversed", "not_booked")
    wait_for(lambda: receiver.ids("reversed"), what="reversed event")
    assert [b["bill_no"] for b in http.get(u).json()["bills"]] == ["MZ81"]  # chargeable again
    s = settle_pushed(link, svc, "MZ81")
    assert http.get(u + "/MZ81").json()["settlement"]["setl_id"] == s.setl_id
    wait_for(lambda: receiver.ids("settled"), what="settled event")
    assert [b["type"] for b, _, _ in receiver.got if b["bill_no"] == "MZ81"] == ["bill.reversed", "bill.settled"]


def test_a_parked_bill_settled_later_and_its_refund_paid_send_settled_and_refunded(world, receiver):
    link, http, svc, store = world
    u = link.url + "/v1/bills"
    assert http.post(u, json=bill_body("MZ91")).status_code == 201
    slip = svc.park(id_cred("hainan-retiree"), link.book.bill("MZ91"))
    p = store.parking.settle(slip.park_id, svc)
    v = http.get(u + "/MZ91").json()
    assert v["status"] == "settled" and v["park"]["state"] == "settled" and v["park"]["refund_due"] == \
        f"{p.refund_due:.2f}"
    store.parking.mark_refund_paid(slip.park_id, "0001")
    wait_for(lambda: receiver.ids("refunded"), what="refunded event")
    kinds = [b["type"] for b, _, _ in receiver.got if b["bill_no"] == "MZ91"]
    assert kinds == ["bill.parked", "bill.settled", "bill.refunded"]
    assert receiver.got[-1][0]["bill"]["park"]["refund_paid_at"]


def test_a_lan_binding_is_served_over_tls_only(tmp_path):
    import shutil

    if not shutil.which("openssl"):
        pytest.skip("openssl CLI not installed")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "his.key", "-out", "his.pem"],
                   cwd=tmp_path, check=True, capture_output=True)
    cfg = make_cfg(tmp_path)
    cfg.his.token, cfg.his.host = TOKEN, "0.0.0.0"  # every interface: a LAN address
    cfg.his.tls_cert, cfg.his.tls_key = str(tmp_path / "his.pem"), str(tmp_path / "his.key")
    store = Store(tmp_path / "journal.sqlite")
    link = HisLink(store.sdb, cfg, port=0).start()
    try:
        assert link.url.startswith("https://")
        url = f"https://127.0.0.1:{link.server.port}/v1/bills"
        r = requests.post(url, json=bill_body("MZ95"), headers={"Authorization": f"Bearer {TOKEN}"},
                          verify=str(tmp_path / "his.pem"))
        assert r.status_code == 201
        with pytest.raises(requests.exceptions.SSLError):  # an unknown certificate is refused by a client
            requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        with pytest.raises(requests.exceptions.ConnectionError):  # plain HTTP gets no answer
            requests.get(url.replace("https", "http"), timeout=5)
    finally:
        link.stop()
        store.close()


def test_a_cancellation_with_its_cash_refunded_sends_cancelled_then_refunded(world, receiver):
    link, http, svc, store = world
    u = link.url + "/v1/bills"
    assert http.post(u, json=bill_body("MZ97")).status_code == 201
    s = settle_pushed(link, svc, "MZ97")
    v = s.visit
    c = svc.cancel(s.setl_id, v.mdtrt_id, v.person.psn_no, v.insuplc_admdvs)
    wait_for(lambda: receiver.ids("cancelled"), what="cancelled event")
    # the cash paid back (a tender of kind refund, keyed by the cancellation as the tender desk records it)
    cancel_msgid = store.sdb.one("SELECT msgid FROM settlements WHERE kind='cancel' AND orig_setl_id=?",
                                 [s.setl_id])["msgid"]
    with store.sdb.tx() as db:
        db.table("tenders").insert({"created": "2026-12-03 10:05:00", "day": "2026-12-03", "operator": "0001",
                                    "kind": "refund", "msgid": cancel_msgid, "setl_id": c.setl_id,
                                    "method": "cash", "amount": f"{s.psn_cash_pay:.2f}"})
    wait_for(lambda: receiver.ids("refunded"), what="refunded event")
    assert [b["type"] for b, _, _ in receiver.got if b["bill_no"] == "MZ97"] == [
        "bill.settled", "bill.cancelled", "bill.refunded"]
    r = http.get(u + "/MZ97").json()
    assert r["status"] == "cancelled" and r["tender"][-1]["kind"] == "refund"
    assert http.get(u).json()["bills"] == []  # a cancelled bill is not charged again by itself
    r = http.post(u, json=bill_body("MZ97", replace=True))  # the HIS asks for it to be charged again
    assert r.status_code == 200 and r.json()["status"] == "pending" and r.json()["version"] == 2
    assert [b["bill_no"] for b in http.get(u).json()["bills"]] == ["MZ97"]
    s2 = settle_pushed(link, svc, "MZ97")  # the duplicate guard lets it: the earlier one was cancelled
    assert http.get(u + "/MZ97").json()["settlement"]["setl_id"] == s2.setl_id


def test_the_watched_folder_runs_with_the_interface(tmp_path, sandbox):
    cfg = make_cfg(tmp_path)
    cfg.his.token, cfg.his.watch_dir = TOKEN, str(tmp_path / "in")
    store = Store(tmp_path / "journal.sqlite")
    link = HisLink(store.sdb, cfg, port=0).start()
    link.folder.interval = 0.05
    try:
        tmp = tmp_path / "in" / "MZ99.json.tmp"
        tmp.write_text(json.dumps(bill_body("MZ99")), encoding="utf-8")
        os.replace(tmp, tmp_path / "in" / "MZ99.json")
        wait_for(lambda: (tmp_path / "in" / "processed" / "MZ99.json").exists(), what="processed")
        r = requests.get(link.url + "/v1/bills/MZ99", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.json()["status"] == "pending" and r.json()["source"] == "folder"
    finally:
        link.stop()
        store.close()
