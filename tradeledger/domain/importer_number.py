"""Importer and consignee numbers (CBP Form 7501 blocks 26-27; FACTS §1.5).

Three forms, each with its ABI qualifier:

* IRS employer identification number with a 2-character suffix, `NN-NNNNNNNXX` (EI);
  the suffix is usually 00.
* Social security number, `NNN-NN-NNNN` (34).
* CBP-assigned number, `YYDDPP-NNNNN` (ANI): year, Schedule D district and port, and a
  5-digit serial, requested on CBP Form 5106 by an importer with neither EIN nor SSN.

An individual taxpayer identification number (ITIN, the 9xx-xx-xxxx range) is not a valid
importer number. The hyphens are required: without them an EIN with suffix 00 and a
CBP-assigned number are both 11 digits and cannot be told apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from tradeledger.domain.errors import ImporterNumberError, PortCodeError
from tradeledger.domain.port_code import validate_port_code

__all__ = ["ImporterNumber", "ImporterNumberError", "ImporterNumberKind", "validate_importer_number"]

_EIN = re.compile(r"[0-9]{2}-[0-9]{7}[A-Z0-9]{2}")
_SSN = re.compile(r"([0-9]{3})-([0-9]{2})-([0-9]{4})")
_CBP_ASSIGNED = re.compile(r"([0-9]{2})([0-9]{4})-([0-9]{5})")


class ImporterNumberKind(str, Enum):
    """The form of an importer number, valued by its ABI qualifier."""

    IRS = "EI"
    SSN = "34"
    CBP_ASSIGNED = "ANI"


@dataclass(frozen=True)
class ImporterNumber:
    """An importer number of one of the three accepted forms."""

    kind: ImporterNumberKind
    number: str  # as printed, with hyphens, upper case

    def __str__(self) -> str:
        return self.number

    @property
    def abi_qualifier(self) -> str:
        return self.kind.value

    def to_dict(self) -> dict[str, Any]:
        return {"importer_number": self.number}

    @classmethod
    def from_dict(cls, data: Any) -> ImporterNumber:
        if not isinstance(data, dict) or not isinstance(data.get("importer_number"), str):
            raise ImporterNumberError('an importer number object is {"importer_number": "NN-NNNNNNN00"}')
        return validate_importer_number(data["importer_number"])


def _check_ssn(text: str, area: str, group: str, serial: str) -> None:
    # Area 9xx is the ITIN range, never issued as an SSN; 000 and 666, group 00 and serial
    # 0000 are never issued either (Social Security Administration numbering rules).
    if area.startswith("9"):
        raise ImporterNumberError(
            f"{text!r} is in the ITIN range (9xx-xx-xxxx); an ITIN is not a valid importer "
            "number: use an EIN, an SSN or a CBP-assigned number (CBP Form 5106)"
        )
    if area in ("000", "666") or group == "00" or serial == "0000":
        raise ImporterNumberError(
            f"{text!r} is not an issuable social security number "
            "(area 000 or 666, group 00 or serial 0000)"
        )


def validate_importer_number(text: str) -> ImporterNumber:
    """Parse an importer number: `NN-NNNNNNNXX` (IRS), `NNN-NN-NNNN` (SSN) or `YYDDPP-NNNNN` (CBP)."""
    cleaned = text.strip().upper() if isinstance(text, str) else ""
    if _EIN.fullmatch(cleaned):
        return ImporterNumber(ImporterNumberKind.IRS, cleaned)
    ssn = _SSN.fullmatch(cleaned)
    if ssn:
        _check_ssn(text, *ssn.groups())
        return ImporterNumber(ImporterNumberKind.SSN, cleaned)
    cbp = _CBP_ASSIGNED.fullmatch(cleaned)
    if cbp:
        try:
            validate_port_code(cbp.group(2))
        except PortCodeError:
            raise ImporterNumberError(
                f"CBP-assigned number {text!r} must carry a Schedule D district and port after "
                f"the year (YYDDPP-NNNNN); {cbp.group(2)} is not one"
            ) from None
        return ImporterNumber(ImporterNumberKind.CBP_ASSIGNED, cleaned)
    raise ImporterNumberError(
        f"importer number {text!r} must be an IRS number NN-NNNNNNNXX (e.g. 12-345678900), "
        "an SSN NNN-NN-NNNN or a CBP-assigned number YYDDPP-NNNNN, hyphens included"
    )
