"""U.S. port codes of CBP's Schedule D (FACTS §1.5).

A Schedule D code is 4 digits DDPP: a 2-digit customs district and a 2-digit port within
it (for example 2704 Los Angeles, district 27 port 04). Districts are numbered from 01.
Only the form is checked: no package ships Schedule D, so whether a code is assigned is a
question for a fixture or reference table, not for this function. Foreign ports use
Schedule K (5 digits) and are not port codes in this sense.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tradeledger.domain.errors import PortCodeError

__all__ = ["PortCode", "PortCodeError", "validate_port_code"]

_PORT = re.compile(r"[0-9]{4}")


@dataclass(frozen=True)
class PortCode:
    """A Schedule D port code of the right form."""

    code: str  # 4 digits

    def __str__(self) -> str:
        return self.code

    @property
    def district(self) -> str:
        return self.code[:2]

    @property
    def port(self) -> str:
        return self.code[2:]

    def to_dict(self) -> dict[str, Any]:
        return {"port_code": self.code}

    @classmethod
    def from_dict(cls, data: Any) -> PortCode:
        if not isinstance(data, dict) or not isinstance(data.get("port_code"), str):
            raise PortCodeError('a port code object is {"port_code": "DDPP"}')
        return validate_port_code(data["port_code"])


def validate_port_code(text: str) -> PortCode:
    """Parse a 4-digit Schedule D port code DDPP (FACTS §1.5)."""
    cleaned = text.strip() if isinstance(text, str) else ""
    if not _PORT.fullmatch(cleaned):
        if len(cleaned) == 5 and cleaned.isdigit():
            raise PortCodeError(
                f"port code {text!r} has 5 digits, the form of a foreign Schedule K port; "
                "U.S. ports are 4-digit Schedule D codes DDPP (for example 2704)"
            )
        raise PortCodeError(
            f"port code {text!r} must be 4 digits DDPP, district then port (for example 2704)"
        )
    if cleaned.startswith("00"):
        raise PortCodeError(f"port code {text!r} names district 00; Schedule D districts start at 01")
    return PortCode(cleaned)
