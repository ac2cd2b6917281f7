"""HS and HTSUS numbers: forms accepted, printed forms, and prefix tests (FACTS §1.5, §3.1)."""

from __future__ import annotations

import pytest

from tradeledger.domain.hts import (
    CHAPTER,
    HEADING,
    SUBHEADING,
    HsCode,
    HtsNumber,
    HtsNumberError,
    hs_prefix_matches,
    same_classification,
    validate_hs_code,
    validate_hts10,
)


@pytest.mark.parametrize(
    ("text", "digits", "printed"),
    [
        ("85", "85", "85"),
        ("8501", "8501", "8501"),
        ("8501.10", "850110", "8501.10"),
        ("850110", "850110", "8501.10"),
        ("8501.10.40", "85011040", "8501.10.40"),
        ("8501.10.4020", "8501104020", "8501.10.4020"),
        ("8501.10.40.20", "8501104020", "8501.10.4020"),
        ("8501104020", "8501104020", "8501.10.4020"),
        (" 7304.19 ", "730419", "7304.19"),
    ],
)
def test_accepted_forms_and_printed_form(text, digits, printed):
    code = validate_hs_code(text)
    assert code.digits == digits and str(code) == printed


def test_levels():
    code = validate_hs_code("8501.10.4020")
    assert (code.chapter, code.heading, code.subheading) == ("85", "8501", "850110")
    assert validate_hs_code("85").heading is None and validate_hs_code("8501").subheading is None


@pytest.mark.parametrize(
    "text", ["850", "85011", "8501.1", "8501..10", "85.01.10", "8501-10", "", "abcd", "8501.10.402"]
)
def test_malformed_codes_are_refused(text):
    with pytest.raises(HtsNumberError, match="2, 4, 6, 8 or 10 digits"):
        validate_hs_code(text)


def test_only_ascii_digits_count():
    with pytest.raises(HtsNumberError):
        validate_hs_code("\uff18\uff15\uff10\uff11.\uff11\uff10")  # full-width 8501.10
    with pytest.raises(HtsNumberError):
        validate_hs_code("\u0668\u0665\u0660\u0661")  # Arabic-Indic 8501


def test_chapter_00_does_not_exist():
    with pytest.raises(HtsNumberError, match="chapter 00"):
        validate_hs_code("0012.34")


def test_minimum_digits():
    with pytest.raises(HtsNumberError, match="at least 6"):
        validate_hs_code("8501", min_digits=6)


def test_hts10_has_tariff_line_and_statistical_suffix():
    hts = validate_hts10("8501.10.4020")
    assert (hts.tariff_line, hts.statistical_suffix, str(hts)) == ("85011040", "20", "8501.10.4020")
    assert HtsNumber.from_dict(hts.to_dict()) == hts


@pytest.mark.parametrize("text", ["8501.10.40", "8501.10", "85011040201", "9903.88.03"])
def test_hts10_needs_exactly_10_digits(text):
    with pytest.raises(HtsNumberError, match="must be 10 digits"):
        validate_hts10(text)


def test_prefix_matching():
    assert hs_prefix_matches("8503.00.9545", "8503")
    assert hs_prefix_matches(validate_hs_code("850300"), validate_hs_code("85"))
    assert not hs_prefix_matches("8504.40", "8503")
    assert not hs_prefix_matches("8503", "8503.00")  # a heading does not fall under a subheading


def test_same_classification_at_each_level():
    assert same_classification("9403.90", "9403.60", HEADING)
    assert not same_classification("9403.90", "9403.60", SUBHEADING)
    assert same_classification("9403.90", "9401.10", CHAPTER)
    with pytest.raises(HtsNumberError, match="needs at least 6"):
        same_classification("9403", "9403.60", SUBHEADING)


def test_round_trip():
    code = validate_hs_code("8501.10")
    assert HsCode.from_dict(code.to_dict()) == code == HsCode("850110")
