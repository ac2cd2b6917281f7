"""HS and HTSUS classification numbers, and the prefix tests rules of origin are built on.

The Harmonized System numbers goods by chapter (2 digits), heading (4) and subheading (6);
the U.S. tariff schedule (HTSUS) adds an 8-digit tariff line and a 2-digit statistical
suffix, reported on the entry summary as 10 digits `NNNN.NN.NNNN` (FACTS §1.5, block 33A).
Codes are accepted with or without dots; their printed form puts the dots back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tradeledger.domain.errors import HtsNumberError

__all__ = [
    "CHAPTER",
    "HEADING",
    "SUBHEADING",
    "HsCode",
    "HtsNumber",
    "HtsNumberError",
    "hs_prefix_matches",
    "same_classification",
    "validate_hs_code",
    "validate_hts10",
]

CHAPTER, HEADING, SUBHEADING = 2, 4, 6

# 2 digits alone (a chapter), or 4 digits followed by up to three 2-digit groups, each
# optionally preceded by a dot: 8501, 8501.10, 850110, 8501.10.20, 8501.10.2000, 8501.10.20.00.
_HS = re.compile(r"([0-9]{2})|([0-9]{4})(?:\.?([0-9]{2})(?:\.?([0-9]{2})(?:\.?([0-9]{2}))?)?)?")


@dataclass(frozen=True)
class HsCode:
    """An HS or HTSUS number of 2, 4, 6, 8 or 10 digits, stored without dots."""

    digits: str

    def __str__(self) -> str:
        d = self.digits
        if len(d) <= 4:
            return d
        if len(d) == 10:
            return f"{d[:4]}.{d[4:6]}.{d[6:]}"  # the entry summary's NNNN.NN.NNNN
        return ".".join([d[:4]] + [d[i:i + 2] for i in range(4, len(d), 2)])

    @property
    def chapter(self) -> str:
        return self.digits[:2]

    @property
    def heading(self) -> str | None:
        return self.digits[:4] if len(self.digits) >= 4 else None

    @property
    def subheading(self) -> str | None:
        return self.digits[:6] if len(self.digits) >= 6 else None

    def starts_with(self, prefix: HsCode) -> bool:
        return self.digits.startswith(prefix.digits)

    def to_dict(self) -> dict[str, Any]:
        return {"hs": str(self)}

    @classmethod
    def from_dict(cls, data: Any) -> HsCode:
        if not isinstance(data, dict) or not isinstance(data.get("hs"), str):
            raise HtsNumberError('an HS code object is {"hs": "NNNN.NN"}')
        return validate_hs_code(data["hs"])


@dataclass(frozen=True)
class HtsNumber:
    """A full 10-digit HTSUS number: 8-digit tariff line and 2-digit statistical suffix."""

    code: HsCode

    def __str__(self) -> str:
        return str(self.code)

    @property
    def tariff_line(self) -> str:
        return self.code.digits[:8]

    @property
    def statistical_suffix(self) -> str:
        return self.code.digits[8:]

    def to_dict(self) -> dict[str, Any]:
        return {"hts": str(self)}

    @classmethod
    def from_dict(cls, data: Any) -> HtsNumber:
        if not isinstance(data, dict) or not isinstance(data.get("hts"), str):
            raise HtsNumberError('an HTS number object is {"hts": "NNNN.NN.NNNN"}')
        return validate_hts10(data["hts"])


def validate_hs_code(text: str, *, min_digits: int = 2) -> HsCode:
    """Parse an HS code of 2, 4, 6, 8 or 10 digits (with or without dots), at least `min_digits`."""
    cleaned = text.strip() if isinstance(text, str) else ""
    match = _HS.fullmatch(cleaned)
    if match is None:
        raise HtsNumberError(
            f"HS code {text!r} must be 2, 4, 6, 8 or 10 digits, written with or without dots "
            "(for example 8501.10 or 850110)"
        )
    digits = "".join(group for group in match.groups() if group)
    if digits.startswith("00"):
        raise HtsNumberError(f"HS code {text!r} names chapter 00; HS chapters run 01-99")
    if len(digits) < min_digits:
        raise HtsNumberError(
            f"HS code {text!r} has {len(digits)} digits; give at least {min_digits} here"
        )
    return HsCode(digits)


def validate_hts10(text: str) -> HtsNumber:
    """Parse a 10-digit HTSUS number `NNNN.NN.NNNN` (dots optional), as block 33A carries it."""
    try:
        code = validate_hs_code(text)
    except HtsNumberError:
        code = None
    if code is None or len(code.digits) != 10:
        raise HtsNumberError(
            f"HTS number {text!r} must be 10 digits, NNNN.NN.NNNN: an 8-digit tariff line and "
            "a 2-digit statistical suffix (for example 8501.10.4020)"
        )
    return HtsNumber(code)


def hs_prefix_matches(code: HsCode | str, prefix: HsCode | str) -> bool:
    """True when `code` falls under `prefix` (a chapter, heading, subheading or longer)."""
    code_ = code if isinstance(code, HsCode) else validate_hs_code(code)
    prefix_ = prefix if isinstance(prefix, HsCode) else validate_hs_code(prefix)
    return code_.starts_with(prefix_)


def same_classification(a: HsCode | str, b: HsCode | str, digits: int) -> bool:
    """True when `a` and `b` agree on their first `digits` digits (2 chapter, 4 heading, 6 subheading).

    Both codes must have at least that many digits: a shorter code cannot say.
    """
    a_ = a if isinstance(a, HsCode) else validate_hs_code(a)
    b_ = b if isinstance(b, HsCode) else validate_hs_code(b)
    for code in (a_, b_):
        if len(code.digits) < digits:
            raise HtsNumberError(
                f"HS code {code} has {len(code.digits)} digits; comparing at {digits} digits "
                f"needs at least {digits}"
            )
    return a_.digits[:digits] == b_.digits[:digits]
