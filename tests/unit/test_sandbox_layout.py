"""The sandbox platform's layout: one dispatch table, every transaction in it, no module over 500 lines."""
from __future__ import annotations

import inspect
import re

from terminal.core.protocol import INPUT_NODE
from terminal.sandbox import identity, inpatient, outpatient, platform, reversal, statements

FAMILIES = (identity, outpatient, inpatient, reversal, statements)


def test_the_dispatch_table_is_what_the_platform_supports() -> None:
    assert platform.SUPPORTED == frozenset(platform.HANDLERS)
    assert platform.SUPPORTED <= platform.KNOWN_INFNOS
    assert all(infno[:4] in INPUT_NODE for infno in platform.HANDLERS)


def test_every_transaction_of_a_family_is_dispatched() -> None:
    dispatched = set(platform.HANDLERS.values())
    for family in FAMILIES:
        for name, fn in inspect.getmembers(family, inspect.isfunction):
            if re.fullmatch(r"t\d{4}", name) and fn.__module__ == family.__name__:
                assert fn in dispatched, f"{family.__name__}.{name} is not in platform.HANDLERS"
