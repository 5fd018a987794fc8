"""Helpers for the pharmacy tests: the sandbox pharmacy's catalogue, sales built as the counter builds them, and a
queue-worker process for the kill -9 test (``python -m tests.support.pharmacy drain --journal … --url …``)."""
from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

from terminal.config import model as config_mod
from terminal.core.pharmacy import PharmacyCatalogue, Sale

from . import ROOT, make_client, make_config

PHARMACY_CODE = "P45010000001"  # 南宁市百姓大药房(朝阳店), admdvs 450100
AMOXICILLIN, AMLODIPINE, LIANHUA, HUANGQI = "6901234000016", "6901234000023", "6901234000054", "6901234000085"
PREFIX = {AMOXICILLIN: "8100101", AMLODIPINE: "8100102", LIANHUA: "8100105"}
_serial = itertools.count(1)


def catalogue() -> PharmacyCatalogue:
    return PharmacyCatalogue.from_dict(json.loads((ROOT / "terminal/sandbox/data/pharmacy.json").read_text("utf-8")))


def code_for(ean: str) -> str:
    """A fresh 20-digit traceability code of the drug (its product prefix + a serial)."""
    return f"{PREFIX[ean]}{next(_serial):013d}"


def pharmacy_config(data_dir: Path) -> config_mod.Config:
    c = make_config(data_dir)
    c.facility.code, c.facility.name, c.facility.admdvs = PHARMACY_CODE, "南宁市百姓大药房(朝阳店)", "450100"
    return c


def make_sale(*eans: str, rxno: str = "RX20261203001", codes: bool = True, sold=None) -> Sale:
    """A sale of these boxes (an EAN per box), each box's code scanned when ``codes``."""
    sale = Sale(catalogue(), rxno=rxno)
    for ean in eans:
        sale.scan(ean)
        if codes and ean in PREFIX:
            sale.add_trace(code_for(ean), sold=sold)
    return sale


def main(argv: list[str] | None = None) -> int:
    """``drain``: open the journal, recover, and run the queue once against the sandbox (the crash test's child)."""
    from terminal.store import Store
    from terminal.store.worker import QueueWorker

    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["drain", "sell"])
    ap.add_argument("--journal", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--person", default="sichuan-employee")
    ap.add_argument("--scan", action="append", default=[], help="sell: EAN-13 barcodes and 20-digit codes in order")
    a = ap.parse_args(argv)
    cfg = pharmacy_config(Path(a.journal).parent / "data")
    client = make_client(cfg, a.url, Path(a.state))
    if a.what == "sell":
        from terminal.services.pharmacy import PharmacyService

        from . import id_cred

        with Store(a.journal) as store:
            svc = PharmacyService(client, treatment_admdvs="450100", store=store)
            sale = Sale(catalogue(), rxno="RX1")
            for s in a.scan:
                sale.add_trace(s) if len(s) == 20 else sale.scan(s)
            cred = id_cred(a.person)
            visit = svc.open_visit(cred, svc.identify(cred), sale.bill())
            svc.preview(visit)
            print(svc.settle(visit).setl_id)
        return 0
    with Store(a.journal) as store:
        store.recover()
        outcomes = QueueWorker(store, client).drain(timeout=30)
        print(json.dumps([o.as_dict() for o in outcomes], ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
