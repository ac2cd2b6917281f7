"""Tariff shift: do the non-originating materials change classification as the rule asks?

Only non-originating materials must make the shift. Under CC a material shifts when its
first 2 digits differ from the good's, under CTH its first 4, under CTSH its first 6; a
material under a prefix in `except_from` fails whatever its classification. De minimis: when
the failing materials are together worth no more than 10% of the transaction value (USMCA)
or of the adjusted value (CAFTA-DR), the shift counts as met (FACTS §3.1, §3.3; README).
"""

from __future__ import annotations

from decimal import Decimal

from tradeledger.domain.origin.arithmetic import (
    at_most_percent,
    display_percent,
    plain,
    total,
)
from tradeledger.domain.origin.case import (
    Material,
    OriginCase,
    RuleAlternative,
    TariffShiftLevel,
)
from tradeledger.domain.origin.result import FailingMaterial, TariffShiftOutcome

__all__ = ["DE_MINIMIS_PERCENT", "de_minimis_base", "evaluate_tariff_shift", "shift_failure"]

DE_MINIMIS_PERCENT = Decimal(10)


def de_minimis_base(case: OriginCase) -> tuple[Decimal | None, str]:
    """The value de minimis is measured against, and its name in a sentence."""
    if case.agreement == "CAFTA-DR":
        return case.good.adjusted_value, "adjusted value"
    return case.good.transaction_value, "transaction value"


def shift_failure(case: OriginCase, alternative: RuleAlternative, material: Material) -> str | None:
    """Why a non-originating material fails the alternative's shift, or None when it shifts."""
    for prefix in alternative.except_from:
        if material.hs.starts_with(prefix):
            return f"non-originating materials may not come from {prefix}"
    level = alternative.tariff_shift
    assert level is not None  # the caller evaluates only alternatives with a shift
    digits = level.digits
    if material.hs.digits[:digits] == case.good.hs.digits[:digits]:
        return f"it is in {level.level_name} {material.hs.digits[:digits]}, the good's own {level.level_name}"
    return None


def evaluate_tariff_shift(
    case: OriginCase, alternative: RuleAlternative, prefix: str
) -> tuple[TariffShiftOutcome, list[str]]:
    """The shift outcome of one alternative, with the sentences (each starting `prefix`) that explain it."""
    level: TariffShiftLevel | None = alternative.tariff_shift
    assert level is not None
    failing = [
        FailingMaterial(index, m.description, m.hs, m.value, reason)
        for index, m in enumerate(case.materials)
        if not m.originating and (reason := shift_failure(case, alternative, m)) is not None
    ]
    base, base_name = de_minimis_base(case)
    failing_value = total([m.value for m in failing])
    percent = None if base is None else display_percent(failing_value, base)
    reasons = []
    name = f"change of tariff {level.level_name} ({level.value})"
    if not failing:
        excepted = f", none under {', '.join(map(str, alternative.except_from))}," if alternative.except_from else ""
        reasons.append(
            f"{prefix} the {name} is met: every non-originating material{excepted} is classified "
            f"outside {level.level_name} {case.good.hs.digits[:level.digits]} of the good."
        )
        return TariffShiftOutcome(True, (), percent, False), reasons
    for f in failing:
        reasons.append(
            f"{prefix} material {f.material + 1} ({f.description!r}, {f.hs}, non-originating, value "
            f"{plain(f.value)}) does not make the {name}: {f.reason}."
        )
    if base is None or percent is None:  # the percent is None exactly when the base is
        reasons.append(
            f"{prefix} de minimis cannot be applied: under {case.agreement} it is measured against the "
            f"good's {base_name}, which the case does not give; the {name} is not met."
        )
        return TariffShiftOutcome(False, tuple(failing), None, False), reasons
    applied = at_most_percent(failing_value, base, DE_MINIMIS_PERCENT)
    figure = (
        f"the non-originating materials that fail the shift are worth {plain(failing_value)}, "
        f"{plain(percent)}% of the {base_name} {plain(base)}"
    )
    if (percent <= DE_MINIMIS_PERCENT) != applied:
        # 10.000001% shows as 10.00%; say that the decision was taken on the exact value.
        figure += " (the percent is rounded for display; the exact value decides)"
    if applied:
        reasons.append(
            f"{prefix} de minimis: {figure}, not more than {DE_MINIMIS_PERCENT}%, so the {name} counts "
            "as met; their value still counts in VNM."
        )
    else:
        reasons.append(
            f"{prefix} de minimis does not apply: {figure}, more than {DE_MINIMIS_PERCENT}%; "
            f"the {name} is not met."
        )
    return TariffShiftOutcome(applied, tuple(failing), percent, applied), reasons
