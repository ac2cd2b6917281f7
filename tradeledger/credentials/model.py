"""Names of the VC 2.0 data model and the problem reports every check in this package returns.

A Problem names what is wrong (a code), how to mend it (the message) and where (an RFC 6901
JSON Pointer into the document, "" for the document itself). Validation and verification
return problems instead of raising, so one call reports everything wrong with a document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"

VERIFIABLE_CREDENTIAL = "VerifiableCredential"
VERIFIABLE_PRESENTATION = "VerifiablePresentation"
ENVELOPED_VERIFIABLE_CREDENTIAL = "EnvelopedVerifiableCredential"

ASSERTION_METHOD = "assertionMethod"
AUTHENTICATION = "authentication"

# Problem codes. The first group is defined by the W3C specifications (VC Data Model 2.0
# section 7.2, VC Data Integrity section 4.7, Bitstring Status List section 3.6); the
# second group is ours, for outcomes those specifications leave to the verifier.
PARSING_ERROR = "PARSING_ERROR"
MALFORMED_VALUE_ERROR = "MALFORMED_VALUE_ERROR"
RANGE_ERROR = "RANGE_ERROR"
PROOF_VERIFICATION_ERROR = "PROOF_VERIFICATION_ERROR"
STATUS_RETRIEVAL_ERROR = "STATUS_RETRIEVAL_ERROR"
STATUS_VERIFICATION_ERROR = "STATUS_VERIFICATION_ERROR"

MISSING_TIME_ZONE = "MISSING_TIME_ZONE"  # warning: a dateTime without offset, read as UTC
NOT_YET_VALID = "NOT_YET_VALID"  # validFrom is after the verification time
EXPIRED = "EXPIRED"  # validUntil is before the verification time
SIGNER_KEY_MISMATCH = "SIGNER_KEY_MISMATCH"  # the proof's key is not the issuer's (holder's)
NO_PROOF = "NO_PROOF"
REVOKED = "REVOKED"
SUSPENDED = "SUSPENDED"
STATUS_FLAGGED = "STATUS_FLAGGED"  # warning: a bit set under another status purpose
STATUS_NOT_CHECKED = "STATUS_NOT_CHECKED"  # warning: no status lookup was given
UNSUPPORTED_STATUS_TYPE = "UNSUPPORTED_STATUS_TYPE"  # warning: e.g. StatusList2021Entry
NO_HOLDER = "NO_HOLDER"  # warning: a presentation that names no holder


def pointer(*parts: str | int) -> str:
    """The RFC 6901 JSON Pointer to a location, e.g. pointer("issuer", "id") == "/issuer/id"."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a document."""

    code: str
    message: str
    path: str = ""

    def under(self, prefix: str) -> Problem:
        """The same problem, located inside the document found at `prefix`."""
        return Problem(self.code, self.message, prefix + self.path)

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "path": self.path}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Problem:
        return cls(str(data["code"]), str(data["message"]), str(data.get("path", "")))

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.message} [{self.code}]"


def problems_from_dicts(items: Iterable[Mapping[str, Any]]) -> tuple[Problem, ...]:
    return tuple(Problem.from_dict(item) for item in items)


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of checking a document against the VC 2.0 data model."""

    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def under(self, prefix: str) -> ValidationReport:
        return ValidationReport(
            tuple(p.under(prefix) for p in self.errors),
            tuple(p.under(prefix) for p in self.warnings),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ValidationReport:
        return cls(problems_from_dicts(data.get("errors", ())), problems_from_dicts(data.get("warnings", ())))
