"""The rules-of-origin case: the good, its bill of materials and its product-specific rule.

The exchange format is shared/domain/origin-cases/README.md. `OriginCase.from_dict` is the
one door in: it checks every field and raises `OriginCaseError` naming the field (for
example `materials[2].value`) when the case cannot be evaluated. `to_dict` writes the same
format back, with HS codes in dotted form and amounts as plain decimal strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from tradeledger.domain.errors import HtsNumberError
from tradeledger.domain.hts import HsCode, validate_hs_code
from tradeledger.domain.origin.arithmetic import parse_amount, parse_threshold, plain
from tradeledger.domain.origin.errors import OriginCaseError

__all__ = [
    "AGREEMENTS",
    "Good",
    "Material",
    "OriginCase",
    "Rule",
    "RuleAlternative",
    "RvcMethod",
    "RvcThreshold",
    "TariffShiftLevel",
]

AGREEMENTS = ("USMCA", "CAFTA-DR")
CLASSIFIED_DIGITS = 6  # goods and materials are classified to the HS subheading at least


class TariffShiftLevel(str, Enum):
    """How far a non-originating material's classification must move from the good's."""

    CC = "CC"  # change of chapter
    CTH = "CTH"  # change of tariff heading
    CTSH = "CTSH"  # change of tariff subheading

    @property
    def digits(self) -> int:
        return {"CC": 2, "CTH": 4, "CTSH": 6}[self.value]

    @property
    def level_name(self) -> str:
        return {"CC": "chapter", "CTH": "heading", "CTSH": "subheading"}[self.value]


class RvcMethod(str, Enum):
    """Regional value content methods, in the order results list them."""

    TRANSACTION_VALUE = "transaction_value"
    NET_COST = "net_cost"
    BUILD_DOWN = "build_down"
    BUILD_UP = "build_up"

    @property
    def label(self) -> str:
        """The method's name in an officer's sentence."""
        return {"transaction_value": "transaction value", "net_cost": "net cost",
                "build_down": "build-down", "build_up": "build-up"}[self.value]


_METHOD_ORDER = {method: position for position, method in enumerate(RvcMethod)}


@dataclass(frozen=True)
class Good:
    description: str
    hs: HsCode
    transaction_value: Decimal  # adjusted to exclude international shipping
    net_cost: Decimal | None = None
    adjusted_value: Decimal | None = None  # CAFTA-DR's base for build-down, build-up and de minimis

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "description": self.description,
            "hs": str(self.hs),
            "transaction_value": plain(self.transaction_value),
        }
        if self.net_cost is not None:
            data["net_cost"] = plain(self.net_cost)
        if self.adjusted_value is not None:
            data["adjusted_value"] = plain(self.adjusted_value)
        return data

    @classmethod
    def from_dict(cls, data: Any, field: str = "good") -> Good:
        obj = _object(data, field, required=("description", "hs", "transaction_value"),
                      optional=("net_cost", "adjusted_value"))
        bases: dict[str, Decimal | None] = {}
        for name in ("transaction_value", "net_cost", "adjusted_value"):
            if obj.get(name) is None:
                bases[name] = None
                continue
            amount = parse_amount(obj[name], f"{field}.{name}")
            if amount == 0:
                # Every base divides an RVC or de minimis figure.
                raise OriginCaseError(f"{field}.{name}: must be greater than zero")
            bases[name] = amount
        transaction_value = bases["transaction_value"]
        if transaction_value is None:
            raise OriginCaseError(f"{field}.transaction_value: required, as a decimal string such as \"100.00\"")
        return cls(
            description=_text(obj["description"], f"{field}.description"),
            hs=_hs(obj["hs"], f"{field}.hs", CLASSIFIED_DIGITS),
            transaction_value=transaction_value,
            net_cost=bases["net_cost"],
            adjusted_value=bases["adjusted_value"],
        )


@dataclass(frozen=True)
class Material:
    description: str
    hs: HsCode
    value: Decimal
    originating: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "hs": str(self.hs),
            "value": plain(self.value),
            "originating": self.originating,
        }

    @classmethod
    def from_dict(cls, data: Any, field: str = "material") -> Material:
        obj = _object(data, field, required=("description", "hs", "value", "originating"))
        originating = obj["originating"]
        if not isinstance(originating, bool):
            raise OriginCaseError(f"{field}.originating: write true or false")
        return cls(
            description=_text(obj["description"], f"{field}.description"),
            hs=_hs(obj["hs"], f"{field}.hs", CLASSIFIED_DIGITS),
            value=parse_amount(obj["value"], f"{field}.value"),
            originating=originating,
        )


@dataclass(frozen=True)
class RvcThreshold:
    method: RvcMethod
    percent: Decimal  # 0 to 100; "not less than" this meets it


@dataclass(frozen=True)
class RuleAlternative:
    """One way to qualify: every part present must hold."""

    tariff_shift: TariffShiftLevel | None = None
    except_from: tuple[HsCode, ...] = ()
    rvc: tuple[RvcThreshold, ...] = ()  # met if ANY listed method reaches its threshold

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.tariff_shift is not None:
            data["tariff_shift"] = self.tariff_shift.value
        if self.except_from:
            data["except_from"] = [str(prefix) for prefix in self.except_from]
        if self.rvc:
            data["rvc"] = {t.method.value: plain(t.percent) for t in self.rvc}
        return data

    @classmethod
    def from_dict(cls, data: Any, field: str = "alternative") -> RuleAlternative:
        obj = _object(data, field, optional=("tariff_shift", "except_from", "rvc"))
        shift = obj.get("tariff_shift")
        level = None
        if shift is not None:
            try:
                level = TariffShiftLevel(shift)
            except ValueError:
                raise OriginCaseError(
                    f"{field}.tariff_shift: {shift!r} is not a tariff shift; write \"CC\", \"CTH\" or \"CTSH\""
                ) from None
        except_from: tuple[HsCode, ...] = ()
        if obj.get("except_from") is not None:
            prefixes = obj["except_from"]
            if not isinstance(prefixes, list):
                raise OriginCaseError(f"{field}.except_from: write a list of HS prefixes such as [\"8503\"]")
            except_from = tuple(_hs(p, f"{field}.except_from[{i}]", 2) for i, p in enumerate(prefixes))
            if except_from and level is None:
                raise OriginCaseError(
                    f"{field}.except_from: exceptions qualify a tariff shift; give tariff_shift too"
                )
        thresholds: list[RvcThreshold] = []
        if obj.get("rvc") is not None:
            rvc = obj["rvc"]
            if not isinstance(rvc, dict) or not rvc:
                raise OriginCaseError(
                    f"{field}.rvc: write an object of thresholds such as {{\"transaction_value\": \"60\"}}"
                )
            for name, value in rvc.items():
                try:
                    method = RvcMethod(name)
                except ValueError:
                    raise OriginCaseError(
                        f"{field}.rvc: {name!r} is not a method; use transaction_value, net_cost, "
                        "build_down or build_up"
                    ) from None
                thresholds.append(RvcThreshold(method, parse_threshold(value, f"{field}.rvc.{name}")))
        if level is None and not thresholds:
            raise OriginCaseError(f"{field}: give a tariff_shift, an rvc, or both")
        thresholds.sort(key=lambda t: _METHOD_ORDER[t.method])
        return cls(level, except_from, tuple(thresholds))


@dataclass(frozen=True)
class Rule:
    """The product-specific rule: the good qualifies if ANY alternative holds."""

    alternatives: tuple[RuleAlternative, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"alternatives": [a.to_dict() for a in self.alternatives]}

    @classmethod
    def from_dict(cls, data: Any, field: str = "rule") -> Rule:
        obj = _object(data, field, required=("alternatives",))
        alternatives = obj["alternatives"]
        if not isinstance(alternatives, list):
            raise OriginCaseError(f"{field}.alternatives: write a list of alternatives")
        return cls(tuple(
            RuleAlternative.from_dict(a, f"{field}.alternatives[{i}]") for i, a in enumerate(alternatives)
        ))


@dataclass(frozen=True)
class OriginCase:
    agreement: str  # one of AGREEMENTS
    good: Good
    materials: tuple[Material, ...]
    rule: Rule
    wholly_obtained: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "good": self.good.to_dict(),
            "wholly_obtained": self.wholly_obtained,
            "materials": [m.to_dict() for m in self.materials],
            "rule": self.rule.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> OriginCase:
        obj = _object(data, "case", required=("agreement", "good", "materials", "rule"),
                      optional=("wholly_obtained",))
        agreement = obj["agreement"]
        if agreement not in AGREEMENTS:
            raise OriginCaseError(f"agreement: {agreement!r} is not supported; write \"USMCA\" or \"CAFTA-DR\"")
        wholly_obtained = obj.get("wholly_obtained", False)
        if not isinstance(wholly_obtained, bool):
            raise OriginCaseError("wholly_obtained: write true or false")
        if not isinstance(obj["materials"], list):
            raise OriginCaseError("materials: write a list of materials")
        materials = tuple(Material.from_dict(m, f"materials[{i}]") for i, m in enumerate(obj["materials"]))
        case = cls(
            agreement=agreement,
            good=Good.from_dict(obj["good"]),
            materials=materials,
            rule=Rule.from_dict(obj["rule"]),
            wholly_obtained=wholly_obtained,
        )
        case.check_consistent()
        return case

    def check_consistent(self) -> None:
        """Raise OriginCaseError when the fields, each well formed, contradict one another."""
        if not self.materials and not self.wholly_obtained:
            raise OriginCaseError(
                "materials: list the good's materials, or set wholly_obtained to true"
            )
        for index, material in enumerate(self.materials):
            if self.wholly_obtained and not material.originating:
                raise OriginCaseError(
                    f"materials[{index}].originating: false, but wholly_obtained is true; a wholly "
                    "obtained good has no non-originating materials"
                )
            for a, alternative in enumerate(self.rule.alternatives):
                for p, prefix in enumerate(alternative.except_from):
                    # 7318.15 under an exception for 7318.15.20 cannot be decided either way.
                    if len(prefix.digits) > len(material.hs.digits) and prefix.starts_with(material.hs):
                        raise OriginCaseError(
                            f"materials[{index}].hs: {material.hs} is too short to tell whether it "
                            f"falls under rule.alternatives[{a}].except_from[{p}] {prefix}; "
                            "classify the material further"
                        )


def _object(data: Any, field: str, *, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
            ) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise OriginCaseError(f"{field}: write a JSON object")
    missing = [name for name in required if name not in data]
    if missing:
        raise OriginCaseError(f"{field}: missing {', '.join(missing)}")
    unknown = sorted(set(data) - set(required) - set(optional))
    if unknown:
        known = ", ".join(required + optional)
        raise OriginCaseError(f"{field}: unknown field {', '.join(map(repr, unknown))}; known fields are {known}")
    return data


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise OriginCaseError(f"{field}: write text")
    return value


def _hs(value: Any, field: str, min_digits: int) -> HsCode:
    if not isinstance(value, str):
        raise OriginCaseError(f"{field}: write the HS code as a string such as \"8501.10\"")
    try:
        return validate_hs_code(value, min_digits=min_digits)
    except HtsNumberError as exc:
        raise OriginCaseError(f"{field}: {exc}") from None
