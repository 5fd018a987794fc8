"""Sandbox settlement platform for training mode and tests: real HTTP on 127.0.0.1, state in SQLite,
policies as data files (data/*.json).

    server.py      SandboxServer (lifecycle, faults and warnings armed, ledger faults) and serve_forever (CLI)
    handler.py     the HTTP side: routes, the gateway check, how a fault is delivered on the connection
    platform.py    the front door: envelope checks, sign-in, idempotency by msgid, the dispatch table
    the transactions, by family (each a function of the request context):
      identity.py    9001 9002 sign-in and sign-out, 1101 person info, the credential check
      entitlement.py 2001 entitlement check, 5302 the person's filings; the cross-province filing rule of 2201
      outpatient.py  2201-2208 registration, visit info, fee details, settlement, its cancellation
      inpatient.py   2401 2402 2301-2305 admission (cross-province filing check), discharge, fees, settlement
      chronic.py     5301 2503 chronic-disease filings (门诊慢特病), the filing a med_type 14 settlement needs
      reversal.py    2601
      statements.py  3201 3202 reconciliation, 9101 9102 files, and the ledger faults that train reconciliation
      risk.py        3101 3102 fund-supervision analysis by the rules of data/rules.json, 3103 the feedback
    settlement.py  the settlement engine and the ledger the families share
    state.py       the request context, Refusal, people, accounts, usage, visits
    policy.py      loading the data files; who pays what (Decimal only)
    store.py       SQLite schema (WAL)
    faults.py      fault kinds and the armed-fault board
    ecode.py       the e-voucher issuer and its ec.query service
    testkit.py     a small raw client for tests, demos and benchmarks
"""
