"""The case and result exchange format: what is accepted, what is refused and why, round trips."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from _origin_builders import alternative, case, material

from tradeledger.domain.hts import HsCode
from tradeledger.domain.origin import (
    Good,
    Material,
    OriginCase,
    OriginCaseError,
    OriginResult,
    OriginResultError,
    Rule,
    RuleAlternative,
    RvcMethod,
    RvcThreshold,
    TariffShiftLevel,
    qualify,
)


def base_case() -> dict[str, Any]:
    return case([material("7318.15", "35.00"), material("8501.10", "20.00", originating=True)],
                alternative("CTH", except_from=["8503"], transaction_value="60"), nc="85.00")


def with_change(change) -> dict[str, Any]:
    data = copy.deepcopy(base_case())
    change(data)
    return data


def set_(path: str, value: Any):
    def change(data):
        *parents, last = path.split("/")
        target = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return change


def drop(path: str):
    def change(data):
        *parents, last = path.split("/")
        target = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        del target[last]
    return change


MALFORMED = [
    # (change, the field the message must name, what it must say)
    (set_("agreement", "NAFTA"), "agreement", "not supported"),
    (set_("materials/0/value", "-1.00"), "materials[0].value", "negative"),
    (set_("materials/1/value", 12.5), "materials[1].value", "decimal string"),
    (set_("materials/0/value", "1e2"), "materials[0].value", "not a decimal amount"),
    (set_("materials/0/value", "NaN"), "materials[0].value", "not a decimal amount"),
    (set_("materials/0/value", "1,000.00"), "materials[0].value", "not a decimal amount"),
    (set_("materials/0/value", "1.1234567"), "materials[0].value", "6 after"),
    (set_("materials/0/value", "1" * 19), "materials[0].value", "18 digits"),
    (set_("materials/0/hs", "7318.1"), "materials[0].hs", "2, 4, 6, 8 or 10 digits"),
    (set_("materials/0/hs", "7318"), "materials[0].hs", "at least 6"),
    (set_("materials/0/hs", 731815), "materials[0].hs", "as a string"),
    (set_("materials/0/originating", "no"), "materials[0].originating", "true or false"),
    (set_("materials/0/colour", "red"), "materials[0]", "unknown field 'colour'"),
    (drop("materials/0/description"), "materials[0]", "missing description"),
    (set_("materials", {}), "materials", "list"),
    (set_("materials", []), "materials", "wholly_obtained"),
    (set_("good/hs", "85"), "good.hs", "at least 6"),
    (set_("good/hs", "0001.10"), "good.hs", "chapter 00"),
    (set_("good/transaction_value", "0.00"), "good.transaction_value", "greater than zero"),
    (set_("good/transaction_value", None), "good.transaction_value", "required"),
    (drop("good/transaction_value"), "good", "missing transaction_value"),
    (set_("good/net_cost", "0"), "good.net_cost", "greater than zero"),
    (set_("good/adjusted_value", "-5"), "good.adjusted_value", "negative"),
    (set_("good/transaction-value", "1"), "good", "unknown field 'transaction-value'"),
    (set_("good/description", 7), "good.description", "text"),
    (set_("wholly_obtained", "true"), "wholly_obtained", "true or false"),
    (set_("wholly_obtained", True), "materials[0].originating", "wholly obtained good has no non-originating"),
    (drop("rule"), "case", "missing rule"),
    (set_("rule", {"alternatives": {}}), "rule.alternatives", "list"),
    (set_("rule/alternatives/0/tariff_shift", "CTI"), "rule.alternatives[0].tariff_shift", '"CC", "CTH" or "CTSH"'),
    (set_("rule/alternatives/0/rvc/transaction_value", "100.01"), "rule.alternatives[0].rvc.transaction_value",
     "over 100"),
    (set_("rule/alternatives/0/rvc/transaction_value", "-1"), "rule.alternatives[0].rvc.transaction_value",
     "negative"),
    (set_("rule/alternatives/0/rvc/transaction_value", 60), "rule.alternatives[0].rvc.transaction_value",
     "decimal string"),
    (set_("rule/alternatives/0/rvc/value_added", "40"), "rule.alternatives[0].rvc", "'value_added' is not a method"),
    (set_("rule/alternatives/0/rvc", {}), "rule.alternatives[0].rvc", "object of thresholds"),
    (set_("rule/alternatives/0/except_from", "8503"), "rule.alternatives[0].except_from", "list"),
    (set_("rule/alternatives/0/except_from", ["850"]), "rule.alternatives[0].except_from[0]", "digits"),
    (set_("rule/alternatives/0", {}), "rule.alternatives[0]", "tariff_shift, an rvc, or both"),
    (set_("rule/alternatives/0", {"except_from": ["8503"], "rvc": {"net_cost": "50"}}),
     "rule.alternatives[0].except_from", "give tariff_shift too"),
    (set_("rule/alternatives/0/except_from", ["7318.15.20"]), "materials[0].hs", "too short to tell"),
]


@pytest.mark.parametrize(("change", "field", "says"), MALFORMED, ids=[f"{m[1]}:{m[2]}" for m in MALFORMED])
def test_malformed_case_is_refused_naming_the_field(change, field, says):
    with pytest.raises(OriginCaseError) as caught:
        OriginCase.from_dict(with_change(change))
    message = str(caught.value)
    assert message.startswith((f"{field}:", f"{field} ")), message
    assert says in message
    assert "\n" not in message


@pytest.mark.parametrize("not_a_case", [None, [], "case", 42])
def test_a_case_is_a_json_object(not_a_case):
    with pytest.raises(OriginCaseError, match="^case: write a JSON object$"):
        OriginCase.from_dict(not_a_case)


def test_the_base_case_itself_is_well_formed():
    assert qualify(OriginCase.from_dict(base_case())).qualifies


def test_hs_codes_with_or_without_dots_are_the_same_case():
    dotted = base_case()
    bare = with_change(set_("good/hs", "850110"))
    bare["materials"][0]["hs"] = "731815"
    assert OriginCase.from_dict(dotted) == OriginCase.from_dict(bare)
    assert OriginCase.from_dict(bare).to_dict()["good"]["hs"] == "8501.10"


def test_from_dict_builds_the_typed_case():
    parsed = OriginCase.from_dict(base_case())
    assert parsed == OriginCase(
        agreement="USMCA",
        good=Good("good", HsCode("850110"), Decimal("100.00"), net_cost=Decimal("85.00")),
        materials=(Material("material", HsCode("731815"), Decimal("35.00"), False),
                   Material("material", HsCode("850110"), Decimal("20.00"), True)),
        rule=Rule((RuleAlternative(TariffShiftLevel.CTH, (HsCode("8503"),),
                                   (RvcThreshold(RvcMethod.TRANSACTION_VALUE, Decimal(60)),)),)),
        wholly_obtained=False,
    )


def test_to_dict_writes_the_exchange_format_back():
    written = OriginCase.from_dict(base_case()).to_dict()
    assert written == {**base_case(), "wholly_obtained": False}
    assert OriginCase.from_dict(written) == OriginCase.from_dict(base_case())


def test_decimal_strings_keep_their_written_scale():
    data = with_change(set_("materials/0/value", "35.5"))
    assert OriginCase.from_dict(data).to_dict()["materials"][0]["value"] == "35.5"


def test_result_round_trip_and_refusals():
    result = qualify(OriginCase.from_dict(base_case()))
    assert OriginResult.from_dict(result.to_dict()) == result
    broken = result.to_dict()
    broken["criterion"] = "D"
    with pytest.raises(OriginResultError, match="criterion"):
        OriginResult.from_dict(broken)
    broken = result.to_dict()
    broken["rvc"][0]["percent"] = 65.0
    with pytest.raises(OriginResultError, match="rvc.percent"):
        OriginResult.from_dict(broken)
    broken = result.to_dict()
    del broken["reasons"]
    with pytest.raises(OriginResultError, match="result"):
        OriginResult.from_dict(broken)
