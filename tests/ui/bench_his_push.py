"""Benchmark (not collected as a test; run by bench/his_push.py): a bill pushed by the HIS over real HTTP to the
real window (offscreen) serving [his], the sandbox platform over HTTP, the journal in real SQLite.

Per cycle: the patient's card goes in (the virtual reader: identification needs no key); once identified, the
HIS pushes the bill (POST /v1/bills from another thread, as the HIS is another program); the bill loads by itself
and is painted: push-to-bill-on-screen = from just before the POST to the bill panel repainted with the lines.
Then the cashier's keys for the patient: F5, F9 (and the tender confirmation, Enter, when the desk asks for one),
counted; Esc (the next patient) is not counted. Writes a JSON summary to $YIBAO_HIS_BENCH_OUT.
"""
from __future__ import annotations

import json
import os
import threading
import time

import requests

from terminal.core.flow import State

CYCLES = int(os.environ.get("YIBAO_HIS_BENCH_N", "10"))
TOKEN = "his-bench-token-0123456789"


def test_push_to_bill_on_screen_and_keys(make_desk, ui_cfg):
    from drivers.virtual import profile_for

    ui_cfg.his.enabled, ui_cfg.his.token, ui_cfg.his.port = True, TOKEN, 0
    d = make_desk()
    url = d.window.his.link.url + "/v1/bills"
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {TOKEN}"
    http.get(d.window.his.link.url + "/v1/health")  # the connection is open, as the HIS's would be
    people = ["hainan-retiree", "sichuan-resident"]  # no cash share due; a cash share (the tender: Enter)
    certno = {k: profile_for(k) for k in people}
    from tests.support import PERSONS

    latencies, keys_per_patient, http_ms = [], [], []
    shown: dict[str, float] = {}

    def on_change() -> None:
        b = d.ctl.bill() if d.ctl.items else None
        if b is not None and b.bill_no and b.bill_no not in shown:
            d.window.bill.repaint()  # painted now, synchronously
            shown[b.bill_no] = time.perf_counter()

    d.ctl.changed.connect(on_change)
    for n in range(CYCLES):
        key = people[n % 2]
        d.reader.insert(certno[key])
        d.qtbot.waitUntil(lambda: d.ctl.state == State.IDENTIFIED and not d.ctl.busy, timeout=15000)
        no = f"MZ{20261203000000 + n:014d}"
        body = {"bill_no": no, "med_type": "11", "dept_code": "A03", "dept_name": "内科",
                "patient": {"id_no": PERSONS[key]["certno"]}, "items": [
                    {"hosp_code": "NNXM0002", "national_code": "001102000010300", "name": "副主任医师门诊诊查费",
                     "price": "25.00", "qty": 1}]}
        t0 = time.perf_counter()
        box = {}

        def push(body=body, box=box) -> None:
            r = http.post(url, json=body)
            box["status"], box["t"] = r.status_code, time.perf_counter()

        th = threading.Thread(target=push)
        th.start()
        d.qtbot.waitUntil(lambda no=no: no in shown, timeout=10000)
        th.join()
        assert box["status"] == 201
        latencies.append(shown[no] - t0)
        http_ms.append(box["t"] - t0)
        keys = 0
        d.key("F5")
        keys += 1
        d.wait_state(State.PREVIEWED)
        d.key("F9")
        keys += 1
        d.qtbot.waitUntil(lambda: d.ctl.state in (State.SETTLED, State.TENDER, State.DONE) and not d.ctl.busy,
                          timeout=15000)
        if d.ctl.till.due_open:  # a cash share is due: the tender dialog opens at it, Enter takes exact cash
            d.tender_exact()
            keys += 1
        keys_per_patient.append(keys)
        assert http.get(f"{url}/{no}").json()["status"] == "settled"
        d.reader.remove()
        d.key("Escape")
        d.qtbot.waitUntil(lambda: d.ctl.state == State.IDLE, timeout=5000)
    out = os.environ.get("YIBAO_HIS_BENCH_OUT")
    summary = {"latencies": latencies, "post": http_ms, "keys": keys_per_patient}
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(summary, f)
    print("[his-push]", json.dumps(summary))
