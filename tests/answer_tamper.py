"""A real HTTP hop on 127.0.0.1 between the terminal and the sandbox platform that rewrites the answers of chosen
transactions, as a faulty platform or middlebox would: the terminal talks HTTP to it, it talks HTTP to the
sandbox (which books as usual), then the answer's ``output`` is changed before it goes back.

    with TamperingProxy(sandbox) as proxy:          # proxy.url instead of sandbox.url
        proxy.tamper("2207", lambda out: ...)       # next 2207 answer: fn(output) edits it in place
"""
from __future__ import annotations

import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from collections.abc import Callable

import requests

from terminal.core import wire

Edit = Callable[[dict[str, Any]], None]


class TamperingProxy:
    def __init__(self, sandbox: Any):
        self.sandbox = sandbox
        self.upstream = sandbox.url.rstrip("/")
        self._armed: list[tuple[str, Edit]] = []
        self._lock = threading.Lock()
        self.tampered: list[str] = []  # infno of every answer changed
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def _relay(self, method: str) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                r = requests.request(method, proxy.upstream + self.path, data=body, headers=headers, timeout=30)
                content = r.content
                if method == "POST" and r.status_code == 200:
                    content = proxy._maybe_edit(body, content)
                self.send_response(r.status_code)
                self.send_header("Content-Type", r.headers.get("Content-Type", "application/json;charset=UTF-8"))
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def do_POST(self) -> None:
                self._relay("POST")

            def do_GET(self) -> None:
                self._relay("GET")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def tamper(self, infno: str, edit: Edit) -> None:
        with self._lock:
            self._armed.append((infno, edit))

    def _maybe_edit(self, request: bytes, content: bytes) -> bytes:
        try:
            infno = str(wire.loads(request).get("infno") or "")
        except ValueError:
            return content
        with self._lock:
            i = next((i for i, (want, _) in enumerate(self._armed) if want == infno), None)
            if i is None:
                return content
            _, edit = self._armed.pop(i)
        data = wire.loads(content)
        if data.get("infcode") not in (0, "0"):
            return content
        edit(data["output"])
        self.tampered.append(infno)
        return wire.dumps(data).encode("utf-8")

    def start(self) -> TamperingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> TamperingProxy:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __getattr__(self, name: str) -> Any:  # ledger(), issue_ecode() ... of the sandbox behind
        return getattr(self.sandbox, name)


# edits ------------------------------------------------------------------------------------------------------
def add_to(field: str, delta: str) -> Edit:
    """setlinfo[field] += delta (e.g. "0.004": a third decimal that rounding would hide)."""
    def edit(out: dict[str, Any]) -> None:
        s = out["setlinfo"]
        s[field] = Decimal(str(s.get(field) or "0")) + Decimal(delta)
    return edit


def negative_pool_share(out: dict[str, Any]) -> None:
    """Move the pool fund's share below zero while every identity still holds (only the sign is wrong): the
    patient's cash share grows by as much as the fund's shrinks."""
    s = out["setlinfo"]
    hifp = Decimal(str(s["hifp_pay"]))
    delta = -hifp - Decimal("5.00")  # hifp_pay becomes -5.00
    s["hifp_pay"] = hifp + delta
    s["fund_pay_sumamt"] = Decimal(str(s["fund_pay_sumamt"])) + delta
    s["psn_part_amt"] = Decimal(str(s["psn_part_amt"])) - delta
    s["psn_cash_pay"] = Decimal(str(s["psn_cash_pay"])) - delta
    for d in out.get("setldetail") or []:
        if Decimal(str(d["fund_payamt"])) == hifp and d["fund_pay_type"] not in ("310200", "999996"):
            d["fund_payamt"] = hifp + delta
            break
