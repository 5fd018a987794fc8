"""[checks]: the platform's fund-supervision analyses are switchable per deployment (training: on); a wrong type
names the key; the window's desk runs 3101 only when risk_before is on."""
from __future__ import annotations

import pytest

from terminal import config as C
from tests.support import config_file


def test_defaults_are_on(tmp_path):
    cfg = C.load(config_file(tmp_path, ""))
    assert cfg.checks.risk_before is True and cfg.checks.risk_during is True


def test_switched_off(tmp_path):
    cfg = C.load(config_file(tmp_path, "[checks]\nrisk_before = false\nrisk_during = false\n"))
    assert (cfg.checks.risk_before, cfg.checks.risk_during) == (False, False)


@pytest.mark.parametrize("text,key", [('[checks]\nrisk_before = "yes"', "checks.risk_before"),
                                      ("[checks]\nrisk_during = 1", "checks.risk_during"),
                                      ("[checks]\nrisk_sometimes = true", "checks.risk_sometimes")])
def test_a_wrong_value_names_the_key(tmp_path, text, key):
    with pytest.raises(C.ConfigError) as ei:
        C.load(config_file(tmp_path, text))
    assert key in str(ei.value)
