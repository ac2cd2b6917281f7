"""Conventional in-bond numbers: 8-digit serial and a mod-7 check digit (FACTS §1.3)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeledger.domain.inbond_number import (
    InBondNumber,
    InBondNumberError,
    complete_inbond_number,
    inbond_check_digit,
    validate_inbond_number,
)

# CBP's examples under Form 7512's "computation formula of mod-7 check digit".
CBP_EXAMPLES = [("25770003", "257700030"), ("25770005", "257700052"), ("25770000", "257700004")]


def cbp_recipe(serial: str) -> int:
    """CBP's words: divide by 7, take the first decimal of the fraction, times 7, round up."""
    remainder = int(serial) % 7
    first_decimal = (10 * remainder) // 7
    return math.ceil(first_decimal * 7 / 10)


@pytest.mark.parametrize(("serial", "full"), CBP_EXAMPLES)
def test_cbp_examples(serial, full):
    assert str(complete_inbond_number(serial)) == full
    assert validate_inbond_number(full) == InBondNumber(serial, int(full[-1]))


@pytest.mark.parametrize("remainder", range(7))
def test_cbp_recipe_is_the_remainder_mod_7(remainder):
    serial = f"{7 * 1_000_000 + remainder:08d}"
    assert inbond_check_digit(serial) == cbp_recipe(serial) == remainder


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_check_digit_is_serial_mod_7_and_matches_cbps_recipe(serial):
    assert inbond_check_digit(serial) == int(serial) % 7 == cbp_recipe(serial)
    assert validate_inbond_number(str(complete_inbond_number(serial))).serial == serial


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.sampled_from("789"))
def test_a_check_digit_of_7_8_or_9_is_never_right(serial, digit):
    # mod 7 yields 0-6 only: unlike the entry number's Luhn digit, 7, 8 and 9 cannot occur.
    assert 0 <= inbond_check_digit(serial) <= 6
    with pytest.raises(InBondNumberError, match="check digit"):
        validate_inbond_number(serial + digit)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("257700031", "has check digit 1 but serial 25770003 needs 0"),
        ("257700037", "needs 0"),
        ("25770003", "must be 9 digits"),
        ("2577000300", "must be 9 digits"),
        ("2577000a0", "must be 9 digits"),
        ("V1234567890", "must be 9 digits"),
    ],
)
def test_malformed_numbers_are_refused(text, fragment):
    with pytest.raises(InBondNumberError, match=fragment):
        validate_inbond_number(text)


@pytest.mark.parametrize("serial", ["2577000", "257700031", "abcdefgh", ""])
def test_check_digit_needs_an_8_digit_serial(serial):
    with pytest.raises(InBondNumberError, match="exactly 8 digits"):
        inbond_check_digit(serial)


def test_to_dict_round_trip():
    number = validate_inbond_number("257700052")
    assert number.to_dict() == {"inbond_number": "257700052"}
    assert InBondNumber.from_dict(number.to_dict()) == number
