"""Importer numbers: IRS (EI), SSN (34) and CBP-assigned (ANI) forms (FACTS §1.5)."""

from __future__ import annotations

import pytest

from tradeledger.domain.importer_number import (
    ImporterNumber,
    ImporterNumberError,
    ImporterNumberKind,
    validate_importer_number,
)


@pytest.mark.parametrize(
    ("text", "kind", "qualifier"),
    [
        ("12-345678900", ImporterNumberKind.IRS, "EI"),
        ("12-3456789A1", ImporterNumberKind.IRS, "EI"),
        ("123-45-6789", ImporterNumberKind.SSN, "34"),
        ("242704-00017", ImporterNumberKind.CBP_ASSIGNED, "ANI"),
    ],
)
def test_the_three_forms(text, kind, qualifier):
    number = validate_importer_number(text)
    assert (number.kind, number.abi_qualifier, str(number)) == (kind, qualifier, text)
    assert ImporterNumber.from_dict(number.to_dict()) == number


def test_suffix_is_upper_cased():
    assert str(validate_importer_number("12-3456789ab")) == "12-3456789AB"


def test_an_itin_is_not_an_importer_number():
    with pytest.raises(ImporterNumberError, match="ITIN"):
        validate_importer_number("912-70-1234")


@pytest.mark.parametrize("text", ["000-12-3456", "666-12-3456", "123-00-4567", "123-45-0000"])
def test_never_issued_ssns_are_refused(text):
    with pytest.raises(ImporterNumberError, match="not an issuable"):
        validate_importer_number(text)


def test_cbp_assigned_number_carries_a_port_code():
    with pytest.raises(ImporterNumberError, match="Schedule D"):
        validate_importer_number("240004-00017")


@pytest.mark.parametrize(
    "text", ["12345678900", "123456789", "1234567890", "12-3456789", "12-345678900X", "24270400017"]
)
def test_other_forms_are_refused_and_the_message_shows_the_three_forms(text):
    with pytest.raises(ImporterNumberError, match="NN-NNNNNNNXX.*NNN-NN-NNNN.*YYDDPP-NNNNN"):
        validate_importer_number(text)
