"""Field-level commitments for structured documents, in the manner of SD-JWT disclosures.

A JSON object document is committed field by field (DESIGN.md decision 10): each top-level
field becomes a *disclosure*, the base64url of the canonical JSON array
`[salt, name, value]` with a fresh 128-bit salt, and its *digest* is the base64url
SHA-256 of that text (as IETF SD-JWT hashes its disclosures). The sorted digests form the
document's *field summary* `{"_sd": [...], "_sd_alg": "sha-256"}`, and the summary's canonical bytes are what
the ordinary salted commitment covers (decision 13). So the ledger holds one commitment;
the holder can later hand over the summary, the commitment salt and the disclosures of the
fields it chooses, and a verifier checks each of those against the anchored commitment
while the withheld fields stay salted digests that cannot be guessed.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tradeledger.crypto.canonical import NonCanonicalDataError, canonical_bytes, check_ledger_data
from tradeledger.crypto.hashing import sha256
from tradeledger.errors import TradeledgerError

SD_ALG = "sha-256"
FIELD_SALT_BYTES = 16


class DisclosureError(TradeledgerError, ValueError):
    """A field disclosure or field summary that is malformed or does not match."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    if not isinstance(text, str) or "=" in text:
        raise DisclosureError("expected unpadded base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise DisclosureError(f"not base64url: {exc}") from None


@dataclass(frozen=True)
class FieldDisclosure:
    """One field, with the salt that hides it until disclosed."""

    salt: str  # base64url of FIELD_SALT_BYTES random bytes
    name: str
    value: Any

    @property
    def encoded(self) -> str:
        return _b64url(canonical_bytes([self.salt, self.name, self.value]))

    @property
    def digest(self) -> str:
        return _b64url(sha256(self.encoded.encode("ascii")))

    @classmethod
    def new(cls, name: str, value: Any) -> FieldDisclosure:
        check_ledger_data(value)
        return cls(_b64url(os.urandom(FIELD_SALT_BYTES)), name, value)

    @classmethod
    def from_encoded(cls, text: str) -> FieldDisclosure:
        raw = _unb64url(text)
        try:
            salt, name, value = json.loads(raw)
        except (ValueError, TypeError) as exc:
            raise DisclosureError("a disclosure is a JSON array [salt, name, value]") from exc
        if not isinstance(salt, str) or not isinstance(name, str):
            raise DisclosureError("a disclosure's salt and name are strings")
        disclosure = cls(salt, name, value)
        try:
            if disclosure.encoded != text:
                raise DisclosureError(f"disclosure of field {name!r} is not in canonical form")
        except NonCanonicalDataError as exc:
            raise DisclosureError(f"disclosure of field {name!r}: {exc}") from None
        return disclosure


@dataclass(frozen=True)
class FieldSummary:
    """The sorted field digests of a structured document: what its commitment covers."""

    digests: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"_sd": list(self.digests), "_sd_alg": SD_ALG}

    @classmethod
    def from_dict(cls, data: Any) -> FieldSummary:
        if not isinstance(data, dict) or set(data) != {"_sd", "_sd_alg"}:
            raise DisclosureError('a field summary is {"_sd": [digests], "_sd_alg": "sha-256"}')
        if data["_sd_alg"] != SD_ALG:
            raise DisclosureError(f"unsupported field digest algorithm {data['_sd_alg']!r}; use {SD_ALG}")
        digests = data["_sd"]
        if not isinstance(digests, list) or not all(isinstance(d, str) and len(d) == 43 for d in digests):
            raise DisclosureError("_sd must list base64url SHA-256 digests")
        if digests != sorted(set(digests)):
            raise DisclosureError("_sd digests must be sorted and distinct")
        return cls(tuple(digests))

    @classmethod
    def of(cls, disclosures: Iterable[str]) -> FieldSummary:
        """The summary of a document's encoded disclosures (all of them)."""
        return cls(tuple(sorted(FieldDisclosure.from_encoded(text).digest for text in disclosures)))

    def document_bytes(self) -> bytes:
        """The bytes the document's salted commitment covers."""
        return canonical_bytes(self.to_dict())


@dataclass(frozen=True)
class StructuredCommitment:
    summary: FieldSummary
    disclosures: Mapping[str, FieldDisclosure]  # by field name; kept in the owner's vault


def commit_fields(document: Mapping[str, Any]) -> StructuredCommitment:
    """Salt and digest every top-level field of a JSON object document."""
    if not isinstance(document, Mapping) or not document:
        raise DisclosureError("field-level commitments need a non-empty JSON object")
    try:
        disclosures = {name: FieldDisclosure.new(name, value) for name, value in document.items()}
    except NonCanonicalDataError as exc:
        raise DisclosureError(f"the document is not ledger data: {exc}") from None
    summary = FieldSummary(tuple(sorted(d.digest for d in disclosures.values())))
    return StructuredCommitment(summary, disclosures)


def open_fields(summary: FieldSummary, disclosures: Iterable[str]) -> dict[str, Any]:
    """The fields that `disclosures` reveal, each checked against the summary."""
    fields: dict[str, Any] = {}
    listed = set(summary.digests)
    for text in disclosures:
        disclosure = FieldDisclosure.from_encoded(text)
        if disclosure.digest not in listed:
            raise DisclosureError(f"field {disclosure.name!r} was not committed in this document")
        if disclosure.name in fields:
            raise DisclosureError(f"field {disclosure.name!r} is disclosed twice")
        fields[disclosure.name] = disclosure.value
    return fields
