"""The result of a rules-of-origin evaluation, in the exchange format of the README.

```
{"qualifies": true, "criterion": "B", "alternative": 0,
 "tariff_shift": {"met": true, "failing_materials": [], "de_minimis_percent": "0.00",
                  "de_minimis_applied": false},
 "rvc": [{"method": "transaction_value", "percent": "65.00", "threshold": "60", "met": true}],
 "reasons": ["..."],
 "alternatives": [{"holds": true, "tariff_shift": {...}, "rvc": [...]}]}
```

`tariff_shift` and `rvc` describe the alternative that holds or, when none holds, the
first alternative; `alternatives` (an addition to the README's format) carries the outcome
of every alternative in rule order. `tariff_shift` is null for an alternative without a
tariff shift, and for criteria A and C, where no rule is applied. Percents are rounded half
up to 2 places for display; whether a threshold is met was decided on exact values.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from tradeledger.domain.errors import HtsNumberError
from tradeledger.domain.hts import HsCode, validate_hs_code
from tradeledger.domain.origin.arithmetic import plain
from tradeledger.domain.origin.case import RvcMethod
from tradeledger.domain.origin.errors import OriginResultError

__all__ = ["AlternativeOutcome", "FailingMaterial", "OriginResult", "RvcOutcome", "TariffShiftOutcome"]

CRITERIA = ("A", "B", "C")


@dataclass(frozen=True)
class FailingMaterial:
    """A non-originating material that does not make the tariff shift, and why."""

    material: int  # index in the case's materials
    description: str
    hs: HsCode
    value: Decimal
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"material": self.material, "description": self.description, "hs": str(self.hs),
                "value": plain(self.value), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Any) -> FailingMaterial:
        obj = _object(data, "failing material", ("material", "description", "hs", "value", "reason"))
        return cls(_int(obj["material"], "failing material.material"), _str(obj["description"], "description"),
                   _hs(obj["hs"]), _decimal(obj["value"], "failing material.value"), _str(obj["reason"], "reason"))


@dataclass(frozen=True)
class TariffShiftOutcome:
    met: bool
    failing_materials: tuple[FailingMaterial, ...]
    de_minimis_percent: Decimal | None  # failing value / de minimis base, None when there is no base
    de_minimis_applied: bool  # the shift is met only thanks to de minimis

    def to_dict(self) -> dict[str, Any]:
        return {
            "met": self.met,
            "failing_materials": [m.to_dict() for m in self.failing_materials],
            "de_minimis_percent": None if self.de_minimis_percent is None else plain(self.de_minimis_percent),
            "de_minimis_applied": self.de_minimis_applied,
        }

    @classmethod
    def from_dict(cls, data: Any) -> TariffShiftOutcome:
        obj = _object(data, "tariff_shift", ("met", "failing_materials", "de_minimis_percent", "de_minimis_applied"))
        failing = obj["failing_materials"]
        if not isinstance(failing, list):
            raise OriginResultError("tariff_shift.failing_materials: expected a list")
        percent = obj["de_minimis_percent"]
        return cls(
            met=_bool(obj["met"], "tariff_shift.met"),
            failing_materials=tuple(FailingMaterial.from_dict(m) for m in failing),
            de_minimis_percent=None if percent is None else _decimal(percent, "tariff_shift.de_minimis_percent"),
            de_minimis_applied=_bool(obj["de_minimis_applied"], "tariff_shift.de_minimis_applied"),
        )


@dataclass(frozen=True)
class RvcOutcome:
    method: RvcMethod
    percent: Decimal | None  # rounded to 2 places; None when the method's value base is missing
    threshold: Decimal
    met: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method.value,
            "percent": None if self.percent is None else plain(self.percent),
            "threshold": plain(self.threshold),
            "met": self.met,
        }

    @classmethod
    def from_dict(cls, data: Any) -> RvcOutcome:
        obj = _object(data, "rvc", ("method", "percent", "threshold", "met"))
        try:
            method = RvcMethod(obj["method"])
        except ValueError:
            raise OriginResultError(f"rvc.method: {obj['method']!r} is not an RVC method") from None
        percent = obj["percent"]
        return cls(method, None if percent is None else _decimal(percent, "rvc.percent"),
                   _decimal(obj["threshold"], "rvc.threshold"), _bool(obj["met"], "rvc.met"))


@dataclass(frozen=True)
class AlternativeOutcome:
    holds: bool
    tariff_shift: TariffShiftOutcome | None  # None when the alternative has no tariff shift
    rvc: tuple[RvcOutcome, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "holds": self.holds,
            "tariff_shift": None if self.tariff_shift is None else self.tariff_shift.to_dict(),
            "rvc": [r.to_dict() for r in self.rvc],
        }

    @classmethod
    def from_dict(cls, data: Any) -> AlternativeOutcome:
        obj = _object(data, "alternative outcome", ("holds", "tariff_shift", "rvc"))
        shift = obj["tariff_shift"]
        return cls(_bool(obj["holds"], "alternatives[].holds"),
                   None if shift is None else TariffShiftOutcome.from_dict(shift),
                   tuple(RvcOutcome.from_dict(r) for r in _list(obj["rvc"], "alternatives[].rvc")))


@dataclass(frozen=True)
class OriginResult:
    qualifies: bool
    criterion: str | None  # "A", "B", "C", or None when the good does not qualify
    alternative: int | None  # index of the alternative that holds (criterion B only)
    tariff_shift: TariffShiftOutcome | None
    rvc: tuple[RvcOutcome, ...]
    reasons: tuple[str, ...]
    alternatives: tuple[AlternativeOutcome, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "qualifies": self.qualifies,
            "criterion": self.criterion,
            "alternative": self.alternative,
            "tariff_shift": None if self.tariff_shift is None else self.tariff_shift.to_dict(),
            "rvc": [r.to_dict() for r in self.rvc],
            "reasons": list(self.reasons),
            "alternatives": [a.to_dict() for a in self.alternatives],
        }

    @classmethod
    def from_dict(cls, data: Any) -> OriginResult:
        obj = _object(data, "result", ("qualifies", "criterion", "alternative", "tariff_shift", "rvc", "reasons",
                                       "alternatives"))
        criterion = obj["criterion"]
        if criterion is not None and criterion not in CRITERIA:
            raise OriginResultError(f"criterion: {criterion!r} is not A, B, C or null")
        alternative = obj["alternative"]
        shift = obj["tariff_shift"]
        reasons = _list(obj["reasons"], "reasons")
        return cls(
            qualifies=_bool(obj["qualifies"], "qualifies"),
            criterion=criterion,
            alternative=None if alternative is None else _int(alternative, "alternative"),
            tariff_shift=None if shift is None else TariffShiftOutcome.from_dict(shift),
            rvc=tuple(RvcOutcome.from_dict(r) for r in _list(obj["rvc"], "rvc")),
            reasons=tuple(_str(r, "reasons[]") for r in reasons),
            alternatives=tuple(AlternativeOutcome.from_dict(a) for a in _list(obj["alternatives"], "alternatives")),
        )


def _object(data: Any, field: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise OriginResultError(f"{field}: expected a JSON object")
    missing = [k for k in keys if k not in data]
    unknown = sorted(set(data) - set(keys))
    if missing or unknown:
        raise OriginResultError(f"{field}: expected exactly the fields {', '.join(keys)}")
    return data


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise OriginResultError(f"{field}: expected a list")
    return value


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise OriginResultError(f"{field}: expected true or false")
    return value


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OriginResultError(f"{field}: expected an index (a whole number, 0 or more)")
    return value


def _str(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise OriginResultError(f"{field}: expected text")
    return value


def _decimal(value: Any, field: str) -> Decimal:
    try:
        if not isinstance(value, str):
            raise InvalidOperation
        number = Decimal(value)
    except InvalidOperation:
        raise OriginResultError(f"{field}: expected a decimal string such as \"65.00\"") from None
    if not number.is_finite():
        raise OriginResultError(f"{field}: expected a finite decimal string such as \"65.00\"")
    return number


def _hs(value: Any) -> HsCode:
    try:
        return validate_hs_code(value)
    except HtsNumberError as exc:
        raise OriginResultError(f"failing material.hs: {exc}") from None
