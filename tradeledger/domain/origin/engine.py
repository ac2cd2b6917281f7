"""`qualify`: does a good originate under its agreement? A pure function of the case.

Order of the tests (USMCA Art. 4.2; FACTS §2.1):

* criterion A: the good is wholly obtained or produced;
* criterion C: it is produced exclusively from originating materials;
* criterion B: some alternative of its product-specific rule holds, that is its tariff
  shift (if any) is met, de minimis included, and its RVC (if any) reaches the threshold
  under at least one listed method.

Every alternative is evaluated, even after one holds, so that the result and the reasons
say what an officer would check by hand. Reasons count materials and alternatives from 1;
the JSON indexes count from 0.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradeledger.domain.origin.arithmetic import plain, total
from tradeledger.domain.origin.case import OriginCase, RuleAlternative
from tradeledger.domain.origin.result import AlternativeOutcome, OriginResult
from tradeledger.domain.origin.rvc import evaluate_rvc
from tradeledger.domain.origin.tariff_shift import evaluate_tariff_shift

__all__ = ["qualify", "qualify_dict"]


def qualify(case: OriginCase) -> OriginResult:
    """Evaluate a case; the result says whether, and by which criterion, the good originates."""
    good = case.good
    heading = f"Good {good.description!r}, {good.hs}, under {case.agreement}"
    if case.wholly_obtained:
        return OriginResult(True, "A", None, None, (), (
            f"{heading}: the good is wholly obtained or produced in the territory of the Parties.",
            "The good qualifies under criterion A.",
        ), ())
    non_originating = [m for m in case.materials if not m.originating]
    if not non_originating:
        return OriginResult(True, "C", None, None, (), (
            (f"{heading}: all {len(case.materials)} materials are originating, so the good is produced "
             "exclusively from originating materials."),
            "The good qualifies under criterion C.",
        ), ())

    vnm = total([m.value for m in non_originating])
    vom = total([m.value for m in case.materials if m.originating])
    reasons = [
        (f"{heading}: {len(non_originating)} of {len(case.materials)} materials are non-originating "
         f"(VNM {plain(vnm)}, VOM {plain(vom)}), so the product-specific rule decides (criterion B).")
    ]
    outcomes = []
    count = len(case.rule.alternatives)
    for number, alternative in enumerate(case.rule.alternatives, start=1):
        outcome, sentences = _evaluate_alternative(case, alternative, vnm, vom, number, count)
        outcomes.append(outcome)
        reasons.extend(sentences)

    holding = next((i for i, o in enumerate(outcomes) if o.holds), None)
    if holding is not None:
        which = "its product-specific rule" if count == 1 else f"alternative {holding + 1} of its rule"
        reasons.append(f"The good qualifies under criterion B by {which}.")
    elif count:
        reasons.append("The good does not qualify: its rule does not hold." if count == 1
                       else "The good does not qualify: no alternative of its rule holds.")
    else:
        reasons.append(
            "The good does not qualify: the rule has no alternative, and the good is neither wholly "
            "obtained nor produced exclusively from originating materials."
        )
    shown = outcomes[holding if holding is not None else 0] if outcomes else None
    return OriginResult(
        qualifies=holding is not None,
        criterion="B" if holding is not None else None,
        alternative=holding,
        tariff_shift=shown.tariff_shift if shown else None,
        rvc=shown.rvc if shown else (),
        reasons=tuple(reasons),
        alternatives=tuple(outcomes),
    )


def _evaluate_alternative(
    case: OriginCase, alternative: RuleAlternative, vnm: Decimal, vom: Decimal, number: int, of: int
) -> tuple[AlternativeOutcome, list[str]]:
    # A rule of one alternative reads better without "alternative 1 of 1" on every line.
    prefix = "Rule:" if of == 1 else f"Alternative {number} of {of}:"
    sentences = [f"{prefix} {_describe(alternative)}."]
    shift = None
    if alternative.tariff_shift is not None:
        shift, shift_sentences = evaluate_tariff_shift(case, alternative, prefix)
        sentences.extend(shift_sentences)
    rvc = []
    for threshold in alternative.rvc:
        outcome, sentence = evaluate_rvc(threshold, case.good, vnm, vom, prefix)
        rvc.append(outcome)
        sentences.append(sentence)
    holds = (shift is None or shift.met) and (not rvc or any(r.met for r in rvc))
    sentences.append(f"{prefix} {'holds' if holds else 'does not hold'}.")
    return AlternativeOutcome(holds, shift, tuple(rvc)), sentences


def _describe(alternative: RuleAlternative) -> str:
    parts = []
    if alternative.tariff_shift is not None:
        level = alternative.tariff_shift
        part = f"a change of tariff {level.level_name} ({level.value})"
        if alternative.except_from:
            part += f" except from {', '.join(map(str, alternative.except_from))}"
        parts.append(part)
    if alternative.rvc:
        methods = " or ".join(f"{plain(t.percent)}% by the {t.method.label} method" for t in alternative.rvc)
        parts.append(f"a regional value content of not less than {methods}")
    return "requires " + " and ".join(parts)


def qualify_dict(data: Any) -> dict[str, Any]:
    """Case JSON object in, result JSON object out; raises OriginCaseError for a malformed case."""
    return qualify(OriginCase.from_dict(data)).to_dict()
