"""Issue 16 figure 1: the usual answer (its length declared, not encoded, at most 64 KiB) is read whole in one
call, not through the chunked loop; every other answer still goes through the loop; an answer cut short of its
declared length is a transport failure (sent, outcome unknown for money), never parsed. Real sockets throughout."""
from __future__ import annotations

import gzip
import json
import socket
import threading

import pytest
import requests

from terminal.backend.errors import MalformedAnswer, TransportError
from tests.support import make_config, read_http_request

from terminal.backend.client import client_from_config

SIGN_IN = {"infcode": 0, "output": {"signinoutb": {"sign_no": "S1"}}}


class RawServer:
    """Answers each request on its own connection with ``head`` + ``body`` as given, then closes."""

    def __init__(self, head: bytes, body: bytes):
        self.head, self.body = head, body
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                read_http_request(conn)
                conn.sendall(self.head + b"\r\n\r\n" + self.body)

    def close(self) -> None:
        self.sock.close()


def serve(body: bytes, *, length: int | None = None, extra: bytes = b"") -> RawServer:
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=utf-8\r\nConnection: close\r\n"
            + (b"Content-Length: %d\r\n" % (len(body) if length is None else length)) + extra).rstrip(b"\r\n")
    return RawServer(head, body)


@pytest.fixture
def client_for(tmp_path):
    made = []

    def make(srv: RawServer):
        cfg = make_config(tmp_path / "data", read_timeout=3.0)
        cfg.backend.total_timeout = 5.0
        cl = client_from_config(cfg, srv.url, msgid_state=tmp_path / "m")
        made.append((cl, srv))
        return cl
    yield make
    for cl, srv in made:
        cl.close()
        srv.close()


def no_chunk_loop(monkeypatch):
    def refused(self, *a, **kw):
        raise AssertionError("the chunked loop was used")
    monkeypatch.setattr(requests.Response, "iter_content", refused)


def test_a_usual_answer_is_read_whole_without_the_chunked_loop(client_for, monkeypatch):
    cl = client_for(serve(json.dumps(SIGN_IN).encode()))
    no_chunk_loop(monkeypatch)
    assert cl.sign_in() == "S1"


def test_an_answer_over_64_kib_still_goes_through_the_loop_and_is_read_whole(client_for, monkeypatch):
    body = json.dumps({**SIGN_IN, "pad": "x" * 100_000}).encode()
    cl = client_for(serve(body))
    assert cl.sign_in() == "S1"
    no_chunk_loop(monkeypatch)  # proof that it was the loop: now it is refused
    with pytest.raises(AssertionError, match="chunked loop"):
        cl.sign_in()


def test_an_encoded_answer_goes_through_the_loop_and_is_decoded(client_for):
    body = gzip.compress(json.dumps(SIGN_IN).encode())
    cl = client_for(serve(body, extra=b"Content-Encoding: gzip\r\n"))
    assert cl.sign_in() == "S1"


def test_an_answer_cut_short_of_its_length_is_a_transport_failure_never_parsed(client_for):
    whole = json.dumps(SIGN_IN).encode()
    cl = client_for(serve(whole[:20], length=len(whole)))  # the platform closes the connection after 20 bytes
    with pytest.raises(TransportError) as ei:
        cl.sign_in()
    assert not isinstance(ei.value, MalformedAnswer)
    assert ei.value.sent and ei.value.kind == "reset", (ei.value.kind, ei.value.cause, str(ei.value))
