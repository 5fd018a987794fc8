#!/usr/bin/env python3
"""An example HIS client for the terminal's HIS interface (docs/his-integration.md). Standard library only.

Pushes a bill, then waits for its result, either by polling GET /v1/bills/{bill_no} or by receiving the
terminal's signed callback (--listen PORT: set the terminal's his.callback_url to http://127.0.0.1:PORT/).

    python3 scripts/his-client-example.py --token TOKEN --bill resources/bills/outpatient-nanning.json \\
        --bill-no MZ2026120300001 --id-no 460100194603120132
    python3 scripts/his-client-example.py --token TOKEN --listen 9090 --secret SECRET ...
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import queue
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FINAL = ("settled", "cancelled", "parked", "withdrawn")


def call(base: str, token: str, method: str, path: str, body: dict | None = None, cafile: str | None = None):
    """One request: (HTTP status, JSON answer)."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
    req = urllib.request.Request(base.rstrip("/") + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    ctx = ssl.create_default_context(cafile=cafile) if base.startswith("https") else None
    try:
        with urllib.request.urlopen(req, timeout=10, context=ctx) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def serve_callbacks(port: int, secret: str, out: queue.Queue) -> ThreadingHTTPServer:
    """The HIS's callback endpoint: verifies X-Yibao-Signature over the raw body, answers 200 (also for an
    event id it has seen: the terminal delivers at least once), hands new events to ``out``."""
    seen: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            want = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(want, self.headers.get("X-Yibao-Signature", "")):
                self.send_response(401)
                self.end_headers()
                return
            event = json.loads(raw)
            if event["event_id"] not in seen:  # idempotent on the event id
                seen.add(event["event_id"])
                out.put(event)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8765", help="the terminal's interface")
    ap.add_argument("--token", required=True)
    ap.add_argument("--bill", help="a bill file (README format); default: a one-line example bill")
    ap.add_argument("--bill-no", default=time.strftime("MZ%Y%m%d%H%M%S"))
    ap.add_argument("--id-no", help="the patient's ID number (the bill loads when the patient is identified)")
    ap.add_argument("--card-no", help="the patient's social security card number")
    ap.add_argument("--name", help="the patient's name")
    ap.add_argument("--replace", action="store_true", help="replace a pending bill of the same number")
    ap.add_argument("--listen", type=int, help="receive callbacks on this port instead of polling")
    ap.add_argument("--secret", default="", help="the callback secret (his.callback_secret; default the token)")
    ap.add_argument("--cafile", help="the terminal's certificate (TLS on a LAN address)")
    ap.add_argument("--timeout", type=float, default=600.0)
    a = ap.parse_args()

    if a.bill:
        with open(a.bill, encoding="utf-8") as f:
            bill = json.load(f)
    else:
        bill = {"med_type": "11", "dept_code": "A03", "dept_name": "内科", "items": [
            {"hosp_code": "NNXM0002", "national_code": "001102000010300", "name": "副主任医师门诊诊查费",
             "price": "25.00", "qty": "1"}]}
    bill["bill_no"] = a.bill_no
    patient = {k: v for k, v in (("id_no", a.id_no), ("card_no", a.card_no), ("name", a.name)) if v}
    if patient:
        bill["patient"] = patient
    if a.replace:
        bill["replace"] = True

    events: queue.Queue = queue.Queue()
    httpd = serve_callbacks(a.listen, a.secret or a.token, events) if a.listen else None
    status, answer = call(a.url, a.token, "POST", "/v1/bills", bill, a.cafile)
    if status not in (200, 201):
        err = answer.get("error", {})
        print(f"refused: HTTP {status} {err.get('code')} field={err.get('field')}: {err.get('message')}")
        return 1
    print(f"pushed {a.bill_no} (HTTP {status}, {answer['status']}, total {answer['total']}); waiting for the cashier")
    end = time.monotonic() + a.timeout
    result = answer
    while time.monotonic() < end and result["status"] not in FINAL:
        if httpd is not None:
            try:
                ev = events.get(timeout=1.0)
            except queue.Empty:
                continue
            print(f"callback {ev['type']} {ev['event_id']}")
            if ev["bill_no"] == a.bill_no:
                result = ev["bill"]
        else:
            time.sleep(1.0)
            _, result = call(a.url, a.token, "GET", f"/v1/bills/{a.bill_no}", None, a.cafile)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if httpd is not None:
        httpd.shutdown()
    return 0 if result["status"] in FINAL else 2


if __name__ == "__main__":
    sys.exit(main())
