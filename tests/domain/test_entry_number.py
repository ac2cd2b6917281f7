"""Entry numbers and their check digit, as FACTS §1.2 (CATAIR Appendix E) states them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeledger.domain.entry_number import (
    EntryNumber,
    EntryNumberError,
    complete_entry_number,
    entry_check_digit,
    filer_code_digits,
    validate_entry_number,
)
from tradeledger.domain.errors import IdentifierError

# FACTS §1.2 worked examples: the first is CATAIR Appendix E's own, the rest derived there.
WORKED = [
    ("B76", "0324527", 8),
    ("XJ5", "0000001", 4),
    ("ABC", "1234567", 6),
    ("999", "0000000", 3),
    ("000", "0000000", 0),
    ("Z99", "9999999", 0),
]

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def luhn_from_the_right(digits: str) -> int:
    """Textbook Luhn: double every second digit counting from the rightmost payload digit."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return (10 - total % 10) % 10


def test_catair_appendix_e_example_b76_0324527_has_check_digit_8():
    assert entry_check_digit("B76", "0324527") == 8
    entry = validate_entry_number("B76-0324527-8")
    assert entry == EntryNumber("B76", "0324527", 8)
    assert str(entry) == "B76-0324527-8"


@pytest.mark.parametrize(("filer", "number", "check"), WORKED)
def test_worked_examples_of_facts(filer, number, check):
    assert entry_check_digit(filer, number) == check


@pytest.mark.parametrize(("filer", "number", "check"), [w for w in WORKED if w[0] != "000"])
def test_worked_examples_validate_as_full_numbers(filer, number, check):
    assert str(validate_entry_number(f"{filer}-{number}-{check}")) == f"{filer}-{number}-{check}"


def test_letters_map_by_the_three_group_table():
    assert filer_code_digits("ABCDEFGHI"[:3]) == "123"
    assert [filer_code_digits(c + "00")[0] for c in "ABCDEFGHI"] == list("123456789")
    assert [filer_code_digits(c + "00")[0] for c in "JKLMNOPQR"] == list("123456789")
    assert [filer_code_digits(c + "00")[0] for c in "STUVWXYZ"] == list("23456789")


def test_w3c_traceability_schema_example_is_not_a_valid_entry_number():
    with pytest.raises(EntryNumberError, match="needs 4"):
        validate_entry_number("12345123456")
    assert str(validate_entry_number("12345123454")) == "123-4512345-4"


def test_hyphens_are_optional_and_case_does_not_matter():
    assert validate_entry_number("b7603245278") == validate_entry_number(" B76-0324527-8 ")
    assert validate_entry_number("B76-03245278") == EntryNumber("B76", "0324527", 8)


def test_catair_entry_number_field_is_transaction_number_and_check_digit():
    assert validate_entry_number("B76-0324527-8").catair_entry_number == "03245278"


def test_complete_entry_number_appends_the_check_digit():
    assert str(complete_entry_number("B76-0324527")) == "B76-0324527-8"
    assert str(complete_entry_number("xj50000001")) == "XJ5-0000001-4"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("B76-0324527-9", "has check digit 9 but B76-0324527 needs 8"),
        ("B76-032452-8", "XXX-NNNNNNN-C"),
        ("B76-03245270-8", "XXX-NNNNNNN-C"),
        ("B7*-0324527-8", "XXX-NNNNNNN-C"),
        ("B76--0324527-8", "XXX-NNNNNNN-C"),
        ("B76-0324527-", "XXX-NNNNNNN-C"),
        ("", "XXX-NNNNNNN-C"),
        ("000-0000000-0", "filer code 000 is not assigned"),
    ],
)
def test_malformed_entry_numbers_are_refused_with_the_reason(text, fragment):
    with pytest.raises(EntryNumberError, match=fragment.replace("*", r"\*")) as caught:
        validate_entry_number(text)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, IdentifierError) and isinstance(caught.value, ValueError)


def test_non_text_is_refused():
    with pytest.raises(EntryNumberError):
        validate_entry_number(32452780)  # type: ignore[arg-type]  # the wrong type, on purpose


@pytest.mark.parametrize(
    ("filer", "number"), [("B7", "0324527"), ("B76", "324527"), ("B76", "03245a7"), ("B-6", "0324527")]
)
def test_check_digit_needs_a_3_character_filer_code_and_7_digits(filer, number):
    with pytest.raises(EntryNumberError):
        entry_check_digit(filer, number)


def test_complete_refuses_a_number_that_already_has_a_check_digit():
    with pytest.raises(EntryNumberError, match="XXX-NNNNNNN"):
        complete_entry_number("B76-0324527-8")


def test_to_dict_and_from_dict_round_trip():
    entry = validate_entry_number("B76-0324527-8")
    assert entry.to_dict() == {"entry_number": "B76-0324527-8"}
    assert EntryNumber.from_dict(entry.to_dict()) == entry
    with pytest.raises(EntryNumberError):
        EntryNumber.from_dict({"entry_number": "B76-0324527-1"})


filer_codes = st.text(alphabet=ALNUM, min_size=3, max_size=3).filter(lambda c: c != "000")
transaction_numbers = st.text(alphabet="0123456789", min_size=7, max_size=7)


@given(filer_codes, transaction_numbers)
def test_check_digit_is_luhn_over_the_numeric_form(filer, number):
    assert entry_check_digit(filer, number) == luhn_from_the_right(filer_code_digits(filer) + number)


@given(filer_codes, transaction_numbers)
def test_every_completed_number_validates_and_no_other_check_digit_does(filer, number):
    entry = complete_entry_number(filer + number)
    assert validate_entry_number(str(entry)) == entry
    for wrong in set(range(10)) - {entry.check_digit}:
        with pytest.raises(EntryNumberError):
            validate_entry_number(f"{filer}-{number}-{wrong}")


@given(filer_codes, transaction_numbers, st.integers(0, 6), st.integers(1, 9))
def test_a_single_mistyped_digit_of_the_transaction_number_changes_the_check_digit(filer, number, at, shift):
    mistyped = number[:at] + str((int(number[at]) + shift) % 10) + number[at + 1:]
    assert entry_check_digit(filer, mistyped) != entry_check_digit(filer, number)
