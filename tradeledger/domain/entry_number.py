"""Entry numbers (CBP Form 7501 block 1) and their check digit (FACTS §1.2).

An entry number is `XXX-NNNNNNN-C`: a 3-character entry filer code, a 7-digit
transaction number the filer assigns, and a check digit over the first ten characters
(19 CFR 142.3a; CATAIR Appendix E). The check digit is Luhn mod 10 over the numeric form,
where letters of the filer code become digits by the three-group table A-I -> 1-9,
J-R -> 1-9, S-Z -> 2-9. CATAIR's own worked example: B76-0324527-8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tradeledger.domain.errors import EntryNumberError

__all__ = [
    "EntryNumber",
    "EntryNumberError",
    "complete_entry_number",
    "entry_check_digit",
    "filer_code_digits",
    "validate_entry_number",
]

# A-I -> 1-9, J-R -> 1-9, S-Z -> 2-9 (CATAIR Appendix E); digits stand for themselves.
_LETTER_VALUES = {
    **{chr(ord("A") + i): i + 1 for i in range(9)},
    **{chr(ord("J") + i): i + 1 for i in range(9)},
    **{chr(ord("S") + i): i + 2 for i in range(8)},
}

_FILER_CODE = re.compile(r"[A-Z0-9]{3}")
_TRANSACTION_NUMBER = re.compile(r"[0-9]{7}")
# With or without the two hyphens, but hyphens only where the printed form has them.
_FULL = re.compile(r"([A-Z0-9]{3})-?([0-9]{7})-?([0-9])")
_WITHOUT_CHECK = re.compile(r"([A-Z0-9]{3})-?([0-9]{7})")


@dataclass(frozen=True)
class EntryNumber:
    """A well-formed entry number whose check digit is right."""

    filer_code: str  # 3 characters, upper case
    transaction_number: str  # 7 digits, leading zeros kept
    check_digit: int

    def __str__(self) -> str:
        return f"{self.filer_code}-{self.transaction_number}-{self.check_digit}"

    @property
    def catair_entry_number(self) -> str:
        """The 8-character field that ABI records carry beside the filer code (FACTS §1.2)."""
        return f"{self.transaction_number}{self.check_digit}"

    def to_dict(self) -> dict[str, Any]:
        return {"entry_number": str(self)}

    @classmethod
    def from_dict(cls, data: Any) -> EntryNumber:
        if not isinstance(data, dict) or not isinstance(data.get("entry_number"), str):
            raise EntryNumberError('an entry number object is {"entry_number": "XXX-NNNNNNN-C"}')
        return validate_entry_number(data["entry_number"])


def filer_code_digits(filer_code: str) -> str:
    """The numeric form of a filer code: letters by the CATAIR three-group table."""
    code = filer_code.strip().upper()
    if not _FILER_CODE.fullmatch(code):
        raise EntryNumberError(
            f"filer code {filer_code!r} must be 3 letters or digits, for example B76"
        )
    return "".join(ch if ch.isdigit() else str(_LETTER_VALUES[ch]) for ch in code)


def entry_check_digit(filer_code: str, transaction_number: str) -> int:
    """The check digit of an entry number (FACTS §1.2, CATAIR Appendix E).

    Positions 1..10 of the numeric payload are counted from the left; every even position
    is doubled and a two-digit product replaced by the sum of its digits; the check digit
    tops the sum up to a multiple of ten.
    """
    number = transaction_number.strip()
    if not _TRANSACTION_NUMBER.fullmatch(number):
        raise EntryNumberError(
            f"transaction number {transaction_number!r} must be exactly 7 digits, "
            "leading zeros included (for example 0324527)"
        )
    payload = filer_code_digits(filer_code) + number
    total = 0
    for position, char in enumerate(payload, start=1):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9  # the sum of the digits of a two-digit product
        total += digit
    return (10 - total % 10) % 10


def _check_filer_code(code: str) -> None:
    # CATAIR Appendix E allows every letter/digit pattern, but an all-digit code runs 001-999.
    if code == "000":
        raise EntryNumberError("filer code 000 is not assigned; numeric filer codes run 001-999")


def validate_entry_number(text: str) -> EntryNumber:
    """Parse `XXX-NNNNNNN-C` (hyphens optional, any case) and check its check digit."""
    if not isinstance(text, str):
        raise EntryNumberError("an entry number is text such as B76-0324527-8")
    cleaned = text.strip().upper()
    match = _FULL.fullmatch(cleaned)
    if match is None:
        raise EntryNumberError(
            f"entry number {text!r} must be a 3-character filer code, 7 digits and a check "
            "digit, as XXX-NNNNNNN-C (for example B76-0324527-8)"
        )
    filer_code, number, given = match.groups()
    _check_filer_code(filer_code)
    expected = entry_check_digit(filer_code, number)
    if int(given) != expected:
        raise EntryNumberError(
            f"entry number {text!r} has check digit {given} but {filer_code}-{number} "
            f"needs {expected}; correct the number or the check digit"
        )
    return EntryNumber(filer_code, number, expected)


def complete_entry_number(text: str) -> EntryNumber:
    """Append the check digit to `XXX-NNNNNNN` (filer code and transaction number)."""
    if not isinstance(text, str):
        raise EntryNumberError("give the filer code and transaction number as text, e.g. B76-0324527")
    cleaned = text.strip().upper()
    match = _WITHOUT_CHECK.fullmatch(cleaned)
    if match is None:
        raise EntryNumberError(
            f"{text!r} must be a 3-character filer code and 7 digits, as XXX-NNNNNNN "
            "(for example B76-0324527)"
        )
    filer_code, number = match.groups()
    _check_filer_code(filer_code)
    return EntryNumber(filer_code, number, entry_check_digit(filer_code, number))
