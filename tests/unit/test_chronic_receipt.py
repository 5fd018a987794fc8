"""The settlement slip of a 门诊慢特病 bill names the disease (慢特病病种) on 58 mm and 80 mm paper, survives the
journal's round trip (a reprint shows it too), and an ordinary bill's slip has no such line."""
from __future__ import annotations

import pytest

from drivers.printer import ReceiptData, compose_settlement, display_width, text_lines
from tests.support import sample_receipt


@pytest.mark.parametrize("width", [32, 48])
def test_the_slip_names_the_chronic_disease(width):
    r = sample_receipt(med_type="14", chronic_disease="M03900 高血压")
    lines = text_lines(compose_settlement(r), width)
    assert all(display_width(x) <= width for x in lines)
    mt = next(n for n, x in enumerate(lines) if x.startswith("医疗类别"))
    assert "14 门诊慢特病" in lines[mt]
    assert lines[mt + 1].startswith("慢特病病种") and lines[mt + 1].endswith("M03900 高血压")
    again = ReceiptData.from_dict(r.to_dict())
    assert "M03900 高血压" in "\n".join(text_lines(compose_settlement(again, reprint=True), width))


def test_an_ordinary_slip_has_no_disease_line():
    assert not any("慢特病病种" in x for x in text_lines(compose_settlement(sample_receipt(med_type="11")), 48))
