"""Card reading benchmark over a real pcscd + vpcd with the virtual social security card.

    .venv/bin/python bench/card_read.py [--cycles 20] [--reads 200] [--rtt 1000] [--no-quickack]

Prints: the median APDU round trip through PC/SC and vpcd, the APDUs of a full read per card profile,
the time of a full read of a card in place, and per insertion: pcscd noticing the card (vpcd asks for
the ATR), the monitor reporting it, and the fields parsed. Uses a running pcscd, or starts one
(`pcscd --foreground`, needs root and vsmartcard-vpcd) and stops it afterwards.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.pcsc import EventKind, NoService, PcscCardReader, PcscMonitor
from drivers.pcsc.apdu import EF05, read_record, select_aid, select_ef
from drivers.pcsc.scard import load_scard
from drivers.virtual import VirtualCard, VirtualCardReader, named_profile
from bench._figures import Figure, median, show

ROOT = Path(__file__).resolve().parents[1]
LOCK = "/tmp/pcsc.lock"  # one pcscd for everyone: the pcsc tests and this bench take turns

READER = "Virtual PCD 00 00"


def ms(xs: list[float]) -> str:
    if not xs:
        return "n/a"
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, int(len(xs) * 0.95))]
    return f"median {statistics.median(xs) * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms   max {xs[-1] * 1000:7.2f} ms"


def ensure_pcscd() -> subprocess.Popen | None:
    try:
        if READER in PcscCardReader().list_readers():
            return None
    except NoService:
        pass
    exe = shutil.which("pcscd") or "/usr/sbin/pcscd"
    if not os.access(exe, os.X_OK):
        sys.exit("pcscd not installed (apt-get install pcscd vsmartcard-vpcd)")
    proc = subprocess.Popen([exe, "--foreground"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if READER in PcscCardReader().list_readers():
                return proc
        except NoService:
            pass
        time.sleep(0.02)
    proc.terminate()
    sys.exit("pcscd started but the vpcd reader did not appear")


def wait_present(present: bool, timeout: float = 3.0) -> None:
    r = PcscCardReader(READER)
    deadline = time.monotonic() + timeout
    while r.card_present(READER) != present:
        if time.monotonic() > deadline:
            raise SystemExit(f"card {'never appeared' if present else 'never left'}")
        time.sleep(0.01)
    r.close()


def apdu_rtt(n: int) -> list[float]:
    """Round trip of one READ RECORD through pyscard -> pcscd -> vpcd -> virtual card and back."""
    s = load_scard()
    _, ctx = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
    hr, hcard, proto = s.SCardConnect(ctx, READER, s.SCARD_SHARE_SHARED, s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1)
    assert hr == 0, hex(hr)
    for cmd in (select_aid(), select_ef(EF05)):
        s.SCardTransmit(hcard, proto, list(cmd))
    cmd = list(read_record(0x07, 11))
    out = []
    for _ in range(n):
        t = time.perf_counter()
        hr, resp = s.SCardTransmit(hcard, proto, cmd)
        out.append(time.perf_counter() - t)
        assert hr == 0 and resp[-2:] == [0x90, 0x00]
    s.SCardDisconnect(hcard, s.SCARD_LEAVE_CARD)
    s.SCardReleaseContext(ctx)
    return out


def insert_to_fields(cycles: int, reader: PcscCardReader) -> tuple[list[float], list[float]]:
    """Per insertion: (insert -> pcscd notices, pcscd notices -> monitor event -> fields parsed), seconds."""
    inserted = threading.Event()
    stamp: dict[str, float] = {}

    def on_event(ev):
        if ev.kind is EventKind.CARD_INSERTED and not ev.initial:
            stamp["event"] = time.monotonic()
            inserted.set()

    mon = PcscMonitor(on_event, pattern=READER).start()
    time.sleep(0.3)
    seen, parsed = [], []
    try:
        for i in range(cycles):
            inserted.clear()
            card = VirtualCard(named_profile("gen2"))
            t0 = time.monotonic()
            card.insert()
            if not inserted.wait(3):
                raise RuntimeError("the monitor did not report the insertion")
            data = reader.read()
            t_parsed = time.monotonic()
            assert data.card_no == "A00000001"
            seen.append(card.seen_at - t0)
            parsed.append(t_parsed - card.seen_at)
            card.remove()
            wait_present(False)
            time.sleep(0.05 + (i % 4) * 0.1)  # spread insertions over pcscd's polling period
    finally:
        mon.stop()
    return seen, parsed


def card_to_screen(cycles: int) -> list[dict[str, float]]:
    """tests/ui/bench_card_screen.py: insertion -> identified -> F5 -> cash share, the real window offscreen."""
    import json

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", YIBAO_CARD_SCREEN_N=str(cycles))
    r = subprocess.run([sys.executable, "-m", "pytest", "tests/ui/bench_card_screen.py", "-q", "-s",
                        "-p", "no:cacheprovider"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    rows = [json.loads(ln.split(" ", 1)[1]) for ln in r.stdout.splitlines() if ln.startswith("[card-screen] ")]
    if not rows:
        tail = (r.stdout + r.stderr).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"tests/ui/bench_card_screen.py: {tail[0][:160]}")
    return rows


def figures(quick: bool = True) -> list[Figure]:
    """Holds /tmp/pcsc.lock (as `flock /tmp/pcsc.lock` does) for the whole run."""
    import fcntl

    cycles = 8 if quick else 20
    with open(LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        proc = ensure_pcscd()
        try:
            card = VirtualCard(named_profile("gen2")).insert()
            wait_present(True)
            rtt = median(apdu_rtt(200 if quick else 1000))
            reader = PcscCardReader(READER)
            reads = []
            for _ in range(20 if quick else 200):
                t = time.perf_counter()
                reader.read()
                reads.append(time.perf_counter() - t)
            apdus = reader.last_apdu_count
            card.remove()
            wait_present(False)
            seen, parsed = insert_to_fields(cycles, reader)
        finally:
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(5)
        rows = card_to_screen(5 if quick else 15)  # its own pcscd fixture: uses a running one or starts one
    screen = median(r["cash"] for r in rows)
    ident = median(r["ident"] for r in rows)
    http = median(r["http_cash"] for r in rows)
    return [
        Figure("APDU round trip over pcscd+vpcd, median", rtt * 1000, "ms"),
        Figure(f"full card read in place ({apdus} APDUs), median", median(reads) * 1000, "ms",
               peer_name=f"{apdus} x the bare APDU round trip", peer_value=apdus * rtt * 1000),
        Figure("card insertion: pcscd's own detection delay (insert -> vpcd asked for the ATR), median",
               median(seen) * 1000, "ms", note="vpcd polls; printed apart, not part of the figures below"),
        Figure("card seen by pcscd -> fields parsed (monitor event + read), median", median(parsed) * 1000, "ms",
               note=f"n={cycles}"),
        Figure("card seen by pcscd -> patient identified on screen (read + 1101), median", ident * 1000, "ms",
               note=f"n={len(rows)}"),
        Figure("card seen by pcscd -> cash share on screen (read, 1101, F5, 2201/2203/2204/2206), median",
               screen * 1000, "ms", target="< 300 ms", ok=screen < 0.3,
               peer_name="its HTTP round trips", peer_value=http * 1000, note=f"n={len(rows)}, real window offscreen"),
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cycles", type=int, default=20, help="insert/remove cycles")
    ap.add_argument("--reads", type=int, default=200, help="full reads of a card in place")
    ap.add_argument("--rtt", type=int, default=1000, help="single APDU round trips")
    ap.add_argument("--no-quickack", action="store_true", help="virtual card without TCP_QUICKACK (to compare)")
    ap.add_argument("--figures", action="store_true", help="only the figure lines (as bench/all.py prints them)")
    args = ap.parse_args()
    if args.figures:
        show(figures(quick=args.cycles <= 20))
        return 0
    quickack = not args.no_quickack
    proc = ensure_pcscd()
    try:
        print(f"pcscd: {'started by the bench' if proc else 'already running'}; reader {READER!r}; "
              f"TCP_QUICKACK {'on' if quickack else 'OFF'}\n")

        # APDUs per full read, per profile (in-process: same sequence, no timing noise)
        print("APDUs for a full read (same sequence over PC/SC and in-process):")
        for kind in ("gen2", "gen3", "t0", "sw-paths", "expired"):
            r = VirtualCardReader(named_profile(kind))
            r.read()
            print(f"  {kind:<9} {r.last_apdu_count:3d}")

        card = VirtualCard(named_profile("gen2"), quickack=quickack).insert()
        wait_present(True)
        rtts = apdu_rtt(args.rtt)
        print(f"\nAPDU round trip over vpcd ({args.rtt}x READ RECORD):  {ms(rtts)}")

        reader = PcscCardReader(READER)
        reads = []
        for _ in range(args.reads):
            t = time.perf_counter()
            reader.read()
            reads.append(time.perf_counter() - t)
        print(f"full read, card in place ({args.reads}x, {reader.last_apdu_count} APDUs): {ms(reads)}")
        card.remove()
        wait_present(False)

        # insertion -> detection -> parsed
        inserted = threading.Event()
        stamp: dict[str, float] = {}

        def on_event(ev):
            if ev.kind is EventKind.CARD_INSERTED and not ev.initial:
                stamp["event"] = time.monotonic()
                inserted.set()

        mon = PcscMonitor(on_event, pattern=READER).start()
        time.sleep(0.3)
        seen, event, parsed, total = [], [], [], []
        for i in range(args.cycles):
            inserted.clear()
            card = VirtualCard(named_profile("gen2"), quickack=quickack)
            t0 = time.monotonic()
            card.insert()
            if not inserted.wait(3):
                raise SystemExit("the monitor did not report the insertion")
            data = reader.read()
            t_parsed = time.monotonic()
            assert data.card_no == "A00000001"
            seen.append(card.seen_at - t0)
            event.append(stamp["event"] - card.seen_at)
            parsed.append(t_parsed - stamp["event"])
            total.append(t_parsed - card.seen_at)
            card.remove()
            wait_present(False)
            time.sleep(0.05 + (i % 4) * 0.1)  # spread insertions over pcscd's polling period
        mon.stop()
        print(f"\ninsert -> pcscd notices (vpcd polls every ~400 ms):  {ms(seen)}")
        print(f"pcscd notices -> monitor event:                     {ms(event)}")
        print(f"monitor event -> fields parsed (connect + read):    {ms(parsed)}")
        print(f"card inserted (seen by pcscd) -> fields parsed:     {ms(total)}")
        print(f"physical insert -> fields parsed:                   "
              f"{ms([a + b + c for a, b, c in zip(seen, event, parsed, strict=True)])}")
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
