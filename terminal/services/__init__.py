"""The platform conversations, one room: a conversation base (sign-in, journal before send, an unknown outcome
handed to the reversal path) and the desks that speak it.

    terminal.services.base         Conversation: sign-in, identify (1101), 2601 reversal, uncertain hand-over
    terminal.services.outpatient   SettlementService: visit, fees, 2206 / 2207 / 2208, parking
    terminal.services.inpatient    DischargeService: admission, fees, discharge, 2303 / 2304 / 2305
    terminal.services.errors       what these services raise for people to read
"""
