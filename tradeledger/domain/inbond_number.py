"""Conventional in-bond numbers (CBP Form 7512) and their mod-7 check digit (FACTS §1.3).

A conventional in-bond number is an 8-digit serial followed by one check digit, 9 digits in
all. CBP's published recipe (divide by 7, take the first decimal of the fraction, times 7,
round up) is arithmetically the remainder of the serial divided by 7, so the check digit
runs 0-6. This is a different algorithm from the entry number's Luhn check digit.
CBP's examples: 25770003 -> 257700030, 25770005 -> 257700052, 25770000 -> 257700004.

ACE's carrier-assigned paperless ("V") in-bond numbers (11 characters) have no published
check digit and are not handled here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tradeledger.domain.errors import InBondNumberError

__all__ = ["InBondNumber", "InBondNumberError", "complete_inbond_number", "inbond_check_digit",
           "validate_inbond_number"]

_SERIAL = re.compile(r"[0-9]{8}")
_FULL = re.compile(r"[0-9]{9}")


@dataclass(frozen=True)
class InBondNumber:
    """A conventional 9-digit in-bond number whose check digit is right."""

    serial: str  # 8 digits
    check_digit: int  # 0-6

    def __str__(self) -> str:
        return f"{self.serial}{self.check_digit}"

    def to_dict(self) -> dict[str, Any]:
        return {"inbond_number": str(self)}

    @classmethod
    def from_dict(cls, data: Any) -> InBondNumber:
        if not isinstance(data, dict) or not isinstance(data.get("inbond_number"), str):
            raise InBondNumberError('an in-bond number object is {"inbond_number": "NNNNNNNNN"}')
        return validate_inbond_number(data["inbond_number"])


def inbond_check_digit(serial: str) -> int:
    """The mod-7 check digit of an 8-digit in-bond serial (FACTS §1.3)."""
    cleaned = serial.strip() if isinstance(serial, str) else ""
    if not _SERIAL.fullmatch(cleaned):
        raise InBondNumberError(
            f"in-bond serial {serial!r} must be exactly 8 digits (for example 25770003)"
        )
    return int(cleaned) % 7


def validate_inbond_number(text: str) -> InBondNumber:
    """Parse a 9-digit conventional in-bond number and check its mod-7 check digit."""
    cleaned = text.strip() if isinstance(text, str) else ""
    if not _FULL.fullmatch(cleaned):
        raise InBondNumberError(
            f"in-bond number {text!r} must be 9 digits: an 8-digit serial and a mod-7 "
            "check digit (for example 257700030)"
        )
    serial, given = cleaned[:8], int(cleaned[8])
    expected = int(serial) % 7
    if given != expected:
        raise InBondNumberError(
            f"in-bond number {text!r} has check digit {given} but serial {serial} needs "
            f"{expected} (serial mod 7); correct the number or the check digit"
        )
    return InBondNumber(serial, expected)


def complete_inbond_number(serial: str) -> InBondNumber:
    """Append the mod-7 check digit to an 8-digit in-bond serial."""
    digit = inbond_check_digit(serial)
    return InBondNumber(serial.strip(), digit)
