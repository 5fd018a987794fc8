"""The resident ID number check (GB 11643): the one computation the cashier desk and the discharge desk share."""
from __future__ import annotations

import pytest

from terminal.core.idcard import id_number_problem, id_number_valid

VALID = "460100194603120132"  # the sandbox's Hainan resident
VALID_X = "11010519491231002X"  # check character X


@pytest.mark.parametrize("idno", [VALID, VALID_X, VALID_X.lower(), f"  {VALID}\n"])
def test_valid_numbers_pass(idno):
    assert id_number_problem(idno) == ""
    assert id_number_valid(idno)


@pytest.mark.parametrize("idno", ["460100194603120133", "110105194912310021", VALID[:17] + "X"])
def test_a_wrong_check_digit_is_named(idno):
    assert id_number_problem(idno) == "身份证号校验位不正确，请核对"
    assert not id_number_valid(idno)


@pytest.mark.parametrize("idno, n", [("4601001946", 10), ("460100460312013", 15), (VALID + "1", 19), ("", 0)])
def test_other_lengths_including_the_old_15_digit_form_are_refused(idno, n):
    assert id_number_problem(idno) == f"身份证号应为 18 位，当前 {n} 位"
    assert not id_number_valid(idno)


@pytest.mark.parametrize("idno", ["46010019460312013Y", "4601001946031201X2", "46010019460312A132"])
def test_letters_other_than_a_final_x_are_refused(idno):
    assert id_number_problem(idno) == "身份证号前 17 位应为数字，末位为数字或 X"
    assert not id_number_valid(idno)
