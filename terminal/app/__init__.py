"""The application layer, without Qt: configuration -> store -> client -> services -> drivers, wired once for the
cashier window (terminal.ui), the command line (terminal.cli, terminal.commands) and doctor.

    session = AppSession.open(cfg)                      # the window's: store, client, services, operators...
    with platform_session(cfg, observer=store.journal) as (client, sandbox): ...   # a command's

Modules: wiring (what a configuration builds), session (one run of the cashier app and today's receipts),
operators (cashiers and supervisors with their PINs), catalogue (the items a cashier bills).
"""
from .session import AppSession, JournalUnavailableAtStart, SessionJournal
from .wiring import (discharge_service, ecode_exchange, open_store, operator_store, platform_client,
                     platform_session, precheck_service, settlement_service, start_sandbox, ward_book)

__all__ = ["AppSession", "JournalUnavailableAtStart", "SessionJournal", "discharge_service",
           "ecode_exchange", "open_store", "operator_store", "platform_client", "platform_session",
           "precheck_service", "settlement_service", "start_sandbox", "ward_book"]
