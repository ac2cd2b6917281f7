"""The worked cases of shared/domain/origin-cases (copied to data/origin-cases) give their expected results.

Each expected file lists the fields it checks; every one of those fields, down to each RVC
entry's method, percent and met flag, must equal the engine's output exactly.
"""

from __future__ import annotations

from typing import Any

import pytest
from _origin_builders import load_worked, worked_case_names

from tradeledger.domain.origin import OriginCase, OriginResult, qualify, qualify_dict

NAMES = worked_case_names()


def project(actual: Any, expected: Any) -> Any:
    """`actual` cut down to the keys `expected` names (lists keep their length and order)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {key: project(actual.get(key, "<missing>"), value) for key, value in expected.items()}
    if isinstance(expected, list) and isinstance(actual, list) and len(actual) == len(expected):
        return [project(a, e) for a, e in zip(actual, expected, strict=True)]
    return actual


def test_all_seven_worked_cases_are_carried():
    assert NAMES == ["deminimis-10", "deminimis-11", "deminimis-9", "nc-boundary", "nc-fail", "tv-pass", "vehicle-75"]


@pytest.mark.parametrize("name", NAMES)
def test_worked_case_gives_the_expected_result(name):
    case_data, expected = load_worked(name)
    assert project(qualify_dict(case_data), expected) == expected


@pytest.mark.parametrize("name", NAMES)
def test_worked_case_and_result_survive_a_round_trip(name):
    case_data, _ = load_worked(name)
    case = OriginCase.from_dict(case_data)
    assert OriginCase.from_dict(case.to_dict()) == case
    result = qualify(case)
    assert OriginResult.from_dict(result.to_dict()) == result


def test_tv_pass_in_full():
    case_data, _ = load_worked("tv-pass")
    result = qualify_dict(case_data)
    assert {k: v for k, v in result.items() if k not in ("reasons", "alternatives")} == {
        "qualifies": True,
        "criterion": "B",
        "alternative": 0,
        "tariff_shift": {"met": True, "failing_materials": [], "de_minimis_percent": "0.00",
                         "de_minimis_applied": False},
        "rvc": [{"method": "transaction_value", "percent": "65.00", "threshold": "60", "met": True}],
    }
    assert result["alternatives"] == [{"holds": True, "tariff_shift": result["tariff_shift"], "rvc": result["rvc"]}]
    assert any("(TV 100.00 - VNM 35.00) / TV 100.00 x 100 = 65.00%" in r for r in result["reasons"])
    assert result["reasons"][-1] == "The good qualifies under criterion B by its product-specific rule."


def test_deminimis_10_names_the_failing_material_and_the_percent():
    case_data, _ = load_worked("deminimis-10")
    shift = qualify_dict(case_data)["tariff_shift"]
    assert shift == {
        "met": True,
        "failing_materials": [{"material": 0, "description": "table top", "hs": "9403.90", "value": "20.00",
                               "reason": "it is in heading 9403, the good's own heading"}],
        "de_minimis_percent": "10.00",
        "de_minimis_applied": True,
    }


def test_nc_fail_shows_47_06_percent_and_says_why():
    case_data, _ = load_worked("nc-fail")
    result = qualify_dict(case_data)
    assert [r["percent"] for r in result["rvc"]] == ["55.00", "47.06"]
    assert "less than the required 50%: not met" in " ".join(result["reasons"])
    assert result["reasons"][-1] == "The good does not qualify: its rule does not hold."
