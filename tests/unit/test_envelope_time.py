"""The envelope's inf_time is formatted once per second (a cache): it must still follow the clock."""
from __future__ import annotations

from datetime import datetime

from terminal.backend import client as client_mod


def test_inf_time_follows_the_clock_across_seconds(monkeypatch):
    t = [1_767_225_599.2]  # a second before a new year's midnight (local time formatting, whatever the zone)
    monkeypatch.setattr(client_mod.time, "time", lambda: t[0])
    first = client_mod._inf_time()
    assert first == datetime.fromtimestamp(1_767_225_599).strftime("%Y-%m-%d %H:%M:%S")
    t[0] += 0.7  # same second: same text
    assert client_mod._inf_time() == first
    t[0] += 0.2  # next second
    nxt = client_mod._inf_time()
    assert nxt == datetime.fromtimestamp(1_767_225_600).strftime("%Y-%m-%d %H:%M:%S") and nxt != first


def test_envelope_carries_the_current_inf_time(monkeypatch, tmp_path):
    monkeypatch.setattr(client_mod.time, "time", lambda: 1_700_000_000.5)
    from terminal import config as config_mod

    c = client_mod.client_from_config(config_mod.Config(), "http://127.0.0.1:9", msgid_state=tmp_path / "msgid")
    try:
        env = c.envelope("1101", {"data": {}})
    finally:
        c.close()
    assert env["inf_time"] == datetime.fromtimestamp(1_700_000_000).strftime("%Y-%m-%d %H:%M:%S")
