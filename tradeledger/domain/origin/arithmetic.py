"""Exact decimal arithmetic for origin figures: compare exactly, round only for display.

Amounts and percents travel as decimal strings (shared/domain/origin-cases/README.md) and
are parsed into `Decimal`. Sums and products of such numbers are exact in a context wide
enough for them, so "RVC not less than the threshold" is decided by cross-multiplying,
(base - VNM) x 100 >= threshold x base, never by comparing a rounded quotient. A quotient
is formed only to show it, rounded half up to 2 places from an exact integer division.
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal

from tradeledger.domain.origin.errors import OriginCaseError

# Amounts carry at most 18 integer and 6 fraction digits, thresholds at most 3 and 4: any
# sum or product below fits in 80 digits, and the Inexact trap proves that it did.
EXACT = decimal.Context(
    prec=80,
    rounding=decimal.ROUND_HALF_UP,
    traps=[decimal.Inexact, decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
HUNDRED = Decimal(100)
_AMOUNT = re.compile(r"(-?)([0-9]{1,18})(\.[0-9]{1,6})?")
_PERCENT = re.compile(r"(-?)([0-9]{1,3})(\.[0-9]{1,4})?")


def parse_amount(value: object, field: str) -> Decimal:
    """A non-negative money amount written as a decimal string, e.g. "100.00"."""
    if not isinstance(value, str):
        raise OriginCaseError(
            f"{field}: write the amount as a decimal string such as \"100.00\", not {type(value).__name__}"
        )
    match = _AMOUNT.fullmatch(value)
    if match is None:
        raise OriginCaseError(
            f"{field}: {value!r} is not a decimal amount; write digits with an optional point, "
            "at most 18 digits before it and 6 after (for example \"100.00\")"
        )
    if match.group(1):
        raise OriginCaseError(f"{field}: {value!r} is negative; amounts are zero or more")
    return Decimal(value)


def parse_threshold(value: object, field: str) -> Decimal:
    """A percent threshold written as a decimal string between 0 and 100, e.g. "60"."""
    if not isinstance(value, str):
        raise OriginCaseError(
            f"{field}: write the threshold as a decimal string such as \"60\", not {type(value).__name__}"
        )
    match = _PERCENT.fullmatch(value)
    if match is None:
        raise OriginCaseError(
            f"{field}: {value!r} is not a percent; write digits with an optional point, "
            "for example \"60\" or \"62.5\""
        )
    if match.group(1):
        raise OriginCaseError(f"{field}: {value!r} is negative; a threshold is 0 to 100 percent")
    percent = Decimal(value)
    if percent > HUNDRED:
        raise OriginCaseError(f"{field}: {value!r} is over 100; a threshold is 0 to 100 percent")
    return percent


def plain(number: Decimal) -> str:
    """The decimal string of a number, never in exponent notation."""
    return format(number, "f")


def total(values: list[Decimal]) -> Decimal:
    """The exact sum; an empty sum shows as 0.00, like the amounts it stands beside."""
    result = Decimal("0.00")
    for value in values:
        result = EXACT.add(result, value)
    return result


def at_least_percent(part: Decimal, base: Decimal, threshold: Decimal) -> bool:
    """part / base x 100 >= threshold, decided exactly (base > 0)."""
    return EXACT.multiply(part, HUNDRED) >= EXACT.multiply(threshold, base)


def at_most_percent(part: Decimal, base: Decimal, limit: Decimal) -> bool:
    """part / base x 100 <= limit, decided exactly (base > 0)."""
    return EXACT.multiply(part, HUNDRED) <= EXACT.multiply(limit, base)


def display_percent(part: Decimal, base: Decimal) -> Decimal:
    """part / base x 100 rounded half up (away from zero) to 2 places, for display (base > 0)."""
    # Scale so that the quotient counts hundredths of a percent, then round that quotient.
    numerator = EXACT.multiply(abs(part), Decimal(10_000))
    hundredths, remainder = EXACT.divmod(numerator, base)
    if EXACT.multiply(remainder, Decimal(2)) >= base:
        hundredths = EXACT.add(hundredths, Decimal(1))
    magnitude = EXACT.scaleb(hundredths, -2)
    return EXACT.minus(magnitude) if part < 0 and hundredths else magnitude

