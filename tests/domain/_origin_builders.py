"""Small builders for rules-of-origin cases in the README's exchange format (plain dicts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

WORKED_CASES = Path(__file__).parent / "data" / "origin-cases"


def material(hs: str, value: str, originating: bool = False, description: str = "material") -> dict[str, Any]:
    return {"description": description, "hs": hs, "value": value, "originating": originating}


def alternative(tariff_shift: str | None = None, except_from: list[str] | None = None,
                **rvc: str) -> dict[str, Any]:
    alt: dict[str, Any] = {}
    if tariff_shift is not None:
        alt["tariff_shift"] = tariff_shift
    if except_from is not None:
        alt["except_from"] = except_from
    if rvc:
        alt["rvc"] = dict(rvc)
    return alt


def case(
    materials: list[dict[str, Any]],
    *alternatives: dict[str, Any],
    agreement: str = "USMCA",
    hs: str = "8501.10",
    tv: str = "100.00",
    nc: str | None = None,
    av: str | None = None,
    wholly_obtained: bool | None = None,
) -> dict[str, Any]:
    good: dict[str, Any] = {"description": "good", "hs": hs, "transaction_value": tv}
    if nc is not None:
        good["net_cost"] = nc
    if av is not None:
        good["adjusted_value"] = av
    data: dict[str, Any] = {
        "agreement": agreement,
        "good": good,
        "materials": materials,
        "rule": {"alternatives": list(alternatives)},
    }
    if wholly_obtained is not None:
        data["wholly_obtained"] = wholly_obtained
    return data


def worked_case_names() -> list[str]:
    return sorted(p.name.removesuffix(".case.json") for p in WORKED_CASES.glob("*.case.json"))


def load_worked(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    case_data = json.loads((WORKED_CASES / f"{name}.case.json").read_text())
    expected = json.loads((WORKED_CASES / f"{name}.expected.json").read_text())
    return case_data, expected
