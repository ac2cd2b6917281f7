"""The rules-of-origin engine: USMCA and CAFTA-DR qualification of a good, exactly.

The exchange format of cases and results is shared/domain/origin-cases/README.md.

    from tradeledger.domain.origin import OriginCase, qualify
    result = qualify(OriginCase.from_dict(case_json))
    result.qualifies, result.criterion, result.reasons, result.to_dict()

`qualify` is pure: no I/O, no clock, no randomness; the same case gives the same result
on every peer. A malformed case raises `OriginCaseError` naming the field.

Verification of origin has its pure judgement here too, one module per concept (imported
by name, so the engine alone stays light):

    terms           a certification's public terms, anchored beside its commitment
    claims          an entry line's SPI claim judged against those terms (judge_claim)
    certification   the certification of origin: its data model and its credential
    determination   customs' check of a disclosed certification and its determination (assess)
"""

from tradeledger.domain.origin.case import (
    AGREEMENTS,
    Good,
    Material,
    OriginCase,
    Rule,
    RuleAlternative,
    RvcMethod,
    RvcThreshold,
    TariffShiftLevel,
)
from tradeledger.domain.origin.engine import qualify, qualify_dict
from tradeledger.domain.origin.errors import OriginCaseError, OriginResultError
from tradeledger.domain.origin.result import (
    AlternativeOutcome,
    FailingMaterial,
    OriginResult,
    RvcOutcome,
    TariffShiftOutcome,
)
from tradeledger.domain.origin.tariff_shift import DE_MINIMIS_PERCENT

__all__ = [
    "AGREEMENTS",
    "DE_MINIMIS_PERCENT",
    "AlternativeOutcome",
    "FailingMaterial",
    "Good",
    "Material",
    "OriginCase",
    "OriginCaseError",
    "OriginResult",
    "OriginResultError",
    "Rule",
    "RuleAlternative",
    "RvcMethod",
    "RvcOutcome",
    "RvcThreshold",
    "TariffShiftLevel",
    "TariffShiftOutcome",
    "qualify",
    "qualify_dict",
]
