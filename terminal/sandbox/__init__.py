"""Sandbox settlement platform for training mode and tests: real HTTP on 127.0.0.1, state in SQLite,
policies as data files (data/*.json).

    server.py    SandboxServer (HTTP, faults, gateway check, HTTPS) and serve_forever (CLI)
    platform.py  envelope checks, idempotency by msgid, the transactions 9001 9002 1101 2201-2208 2601 3201 and
                 the inpatient ones 2401 2402 2301-2305 (cross-province filing check at admission)
    policy.py    loading the data files; who pays what (Decimal only)
    store.py     SQLite schema (WAL)
    faults.py    fault kinds and the armed-fault board
    testkit.py   a small raw client for tests, demos and benchmarks
"""
