"""The platform conversations, one room: a conversation base (sign-in, journal before send, an unknown outcome
handed to the reversal path) and the desks that speak it.

    terminal.services.base         Conversation: sign-in, identify (1101), 2601 reversal, uncertain hand-over
    terminal.services.outpatient   SettlementService: visit, fees, 2206 / 2207 / 2208, parking
    terminal.services.ward         WardDesk: a stay before its settlement (2401, deposits, 2301 / 2302, 2402)
    terminal.services.inpatient    DischargeService (a WardDesk): 2303 / 2304 / 2305, open outcomes resolved
    terminal.services.errors       what these services raise for people to read
"""
