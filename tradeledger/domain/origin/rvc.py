"""Regional value content by the four methods of the README (FACTS §3.2, §2.2).

VNM is the value of the non-originating materials, VOM of the originating ones.

    transaction_value  (TV - VNM) / TV x 100
    net_cost           (NC - VNM) / NC x 100
    build_down         (AV - VNM) / AV x 100
    build_up           VOM / AV x 100

"Not less than": a value equal to the threshold meets it. The comparison is exact; the
percent shown is rounded half up to 2 places. A method whose base is missing cannot be used.
"""

from __future__ import annotations

from decimal import Decimal

from tradeledger.domain.origin.arithmetic import (
    EXACT,
    at_least_percent,
    display_percent,
    plain,
)
from tradeledger.domain.origin.case import Good, RvcMethod, RvcThreshold
from tradeledger.domain.origin.result import RvcOutcome

__all__ = ["evaluate_rvc", "rvc_terms"]

_BASES = {
    RvcMethod.TRANSACTION_VALUE: ("transaction_value", "TV", "transaction value"),
    RvcMethod.NET_COST: ("net_cost", "NC", "net cost"),
    RvcMethod.BUILD_DOWN: ("adjusted_value", "AV", "adjusted value"),
    RvcMethod.BUILD_UP: ("adjusted_value", "AV", "adjusted value"),
}


def rvc_terms(method: RvcMethod, good: Good, vnm: Decimal, vom: Decimal) -> tuple[Decimal, Decimal] | None:
    """(part, base) with RVC = part / base x 100, or None when the good lacks the base."""
    base = getattr(good, _BASES[method][0])
    if base is None:
        return None
    if method is RvcMethod.BUILD_UP:
        return vom, base
    return EXACT.subtract(base, vnm), base


def evaluate_rvc(
    threshold: RvcThreshold, good: Good, vnm: Decimal, vom: Decimal, prefix: str
) -> tuple[RvcOutcome, str]:
    """One method's outcome and the sentence that explains it."""
    method = threshold.method
    field, symbol, base_name = _BASES[method]
    terms = rvc_terms(method, good, vnm, vom)
    if terms is None:
        return (
            RvcOutcome(method, None, threshold.percent, False),
            (f"{prefix} the {method.label} method cannot be used: the case gives no {base_name} "
             f"({field}) for the good."),
        )
    part, base = terms
    met = at_least_percent(part, base, threshold.percent)
    percent = display_percent(part, base)
    if method is RvcMethod.BUILD_UP:
        formula = f"VOM {plain(vom)} / {symbol} {plain(base)} x 100"
    else:
        formula = f"({symbol} {plain(base)} - VNM {plain(vnm)}) / {symbol} {plain(base)} x 100"
    verdict = (
        f"not less than the required {plain(threshold.percent)}%: met" if met
        else f"less than the required {plain(threshold.percent)}%: not met"
    )
    shown_meets = percent >= threshold.percent
    if shown_meets != met:
        # 49.996% shows as 50.00%; say that the decision was taken on the exact value.
        verdict += " (the percent is rounded for display; the exact value decides)"
    return (
        RvcOutcome(method, percent, threshold.percent, met),
        (f"{prefix} regional value content by the {method.label} method = {formula} = {plain(percent)}%, "
         f"{verdict}."),
    )
