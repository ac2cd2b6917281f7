"""The intellectual-property data model: recordations, licenses, terminations and usage.

FACTS §6: CBP records federally registered trademarks and registered copyrights
(19 CFR Part 133) with their owner, the places of manufacture of genuine goods, the
foreign parties authorized to use the mark, and optionally Lever-rule (gray-market)
protection. Rights holders license the right down a chain, owner -> licensee ->
sub-licensee, each license bounded by its parent (the Traceability vocabulary's
IntellectualPropertyRightsLicenseCredential whose `extendsCredential` names the parent).

Everything here is plain data: frozen dataclasses whose to_dict/from_dict round-trip
through JSON (dates as "YYYY-MM-DD", quantities as integers, no floats). Checking one
record against the others is rules.py's job; these classes only refuse data of the
wrong shape, with IprDataError.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

from tradeledger.records import FieldReader, RecordError

__all__ = [
    "CREDENTIAL_CONTEXT",
    "IprDataError",
    "License",
    "LinkStatus",
    "Recordation",
    "RecordationDecision",
    "RecordationKind",
    "RecordationStatus",
    "Termination",
    "UsageRecord",
    "license_credential_id",
    "recordation_credential_id",
    "terminated",
]

CREDENTIAL_CONTEXT = ("https://www.w3.org/ns/credentials/v2", "https://w3id.org/traceability/v1")
# Credential ids say which kind of record `extendsCredential` points at: a root license
# extends the recordation, a sub-license extends its parent license.
_RECORDATION_URN = "urn:tradeledger:ipr:recordation:"
_LICENSE_URN = "urn:tradeledger:ipr:license:"


class IprDataError(RecordError):
    """IPR data of the wrong shape (a missing field, a wrong type, a date not YYYY-MM-DD).

    Every IPR record, this package's and the ipr contract's own (contracts.ipr_book), reads
    its fields through tradeledger.records.FieldReader with this error, so all of them refuse
    malformed data the same way."""


class RecordationKind(str, enum.Enum):
    TRADEMARK = "trademark"
    COPYRIGHT = "copyright"

    @property
    def credential_type(self) -> str:
        """The Traceability vocabulary's intellectualPropertyRightsType value."""
        return self.value.capitalize()


class RecordationStatus(str, enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class LinkStatus(str, enum.Enum):
    """A license's standing on one day."""

    VALID = "valid"
    NOT_YET_VALID = "not_yet_valid"  # the day is before its start
    EXPIRED = "expired"  # the day is after its end
    TERMINATED = "terminated"  # terminated on or before the day
    ANCESTOR_INVALID = "ancestor_invalid"  # itself in force, but a license above it is not


def recordation_credential_id(recordation_id: str) -> str:
    return _RECORDATION_URN + recordation_id


def license_credential_id(license_id: str) -> str:
    return _LICENSE_URN + license_id


# ---------------------------------------------------------------------------------------
# Dates travel as "YYYY-MM-DD"; tradeledger.records.FieldReader reads them back strictly.


def _date_text(value: date) -> str:
    return value.isoformat()


def _optional_date_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recordation:
    """A trademark or copyright recorded with CBP (19 CFR 133.2 / 133.32), as filed and decided.

    Empty scope tuples mean "no restriction on this axis". The scope bounds every license
    of the mark: root licenses are checked against it as a sub-license is against its parent.
    """

    recordation_id: str  # CBP recordation number, e.g. "TMK 24-00123"
    registration_number: str  # USPTO registration or Copyright Office registration number
    kind: RecordationKind
    mark: str  # the recorded trademark, or the title of the copyrighted work
    owner: str  # party id of the U.S. rights holder (organization name or DID)
    goods_description: str
    hts_prefixes: tuple[str, ...]  # HTSUS digits, 2 to 10, without dots
    manufacturing_countries: tuple[str, ...]  # ISO 3166-1 alpha-2 of authorized places of manufacture
    authorized_manufacturers: tuple[str, ...]  # foreign users/manufacturers the owner authorized
    gray_market_protection: bool  # Lever-rule protection granted (19 CFR 133.23)
    filed_on: date
    status: RecordationStatus = RecordationStatus.PENDING
    decided_on: date | None = None
    decision_reason: str = ""
    expires_on: date | None = None  # recordation runs with the registration's term

    def is_recorded_on(self, day: date) -> bool:
        """Accepted by CBP on or before `day` and not yet expired."""
        return (
            self.status is RecordationStatus.ACCEPTED
            and self.decided_on is not None
            and self.decided_on <= day
            and (self.expires_on is None or day <= self.expires_on)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "recordation_id": self.recordation_id,
            "registration_number": self.registration_number,
            "kind": self.kind.value,
            "mark": self.mark,
            "owner": self.owner,
            "goods_description": self.goods_description,
            "hts_prefixes": list(self.hts_prefixes),
            "manufacturing_countries": list(self.manufacturing_countries),
            "authorized_manufacturers": list(self.authorized_manufacturers),
            "gray_market_protection": self.gray_market_protection,
            "filed_on": _date_text(self.filed_on),
            "status": self.status.value,
            "decided_on": _optional_date_text(self.decided_on),
            "decision_reason": self.decision_reason,
            "expires_on": _optional_date_text(self.expires_on),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Recordation:
        r = FieldReader("recordation", data, IprDataError, absent_is_null=True)
        recordation = cls(
            recordation_id=r.text("recordation_id"),
            registration_number=r.text("registration_number"),
            kind=r.enum("kind", RecordationKind),
            mark=r.text("mark"),
            owner=r.text("owner"),
            goods_description=r.text("goods_description"),
            hts_prefixes=r.texts("hts_prefixes"),
            manufacturing_countries=r.texts("manufacturing_countries"),
            authorized_manufacturers=r.texts("authorized_manufacturers"),
            gray_market_protection=r.boolean("gray_market_protection"),
            filed_on=r.day("filed_on"),
            status=r.enum("status", RecordationStatus),
            decided_on=r.optional_day("decided_on"),
            decision_reason=r.text_or("decision_reason", ""),
            expires_on=r.optional_day("expires_on"),
        )
        r.done()
        return recordation

    def to_credential(self) -> dict[str, Any]:
        """The unsigned IntellectualPropertyRightsCredential (Traceability vocabulary) for it."""
        return {
            "@context": list(CREDENTIAL_CONTEXT),
            "type": ["VerifiableCredential", "IntellectualPropertyRightsCredential"],
            "id": recordation_credential_id(self.recordation_id),
            "issuer": {"type": ["Organization"], "id": self.owner},
            "validFrom": _date_text(self.filed_on),
            "credentialSubject": {
                "type": ["IntellectualPropertyRights"],
                "intellectualPropertyRightsOwner": {"type": ["Organization"], "id": self.owner},
                "intellectualPropertyRightsType": self.kind.credential_type,
                "intellectualPropertyRightsProduct": {
                    "type": ["Product"],
                    "name": self.mark,
                    "description": self.goods_description,
                },
            },
        }


@dataclass(frozen=True, slots=True)
class RecordationDecision:
    """Customs accepting or refusing a pending recordation."""

    recordation_id: str
    accepted: bool
    decided_on: date
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "recordation_id": self.recordation_id,
            "accepted": self.accepted,
            "decided_on": _date_text(self.decided_on),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Any) -> RecordationDecision:
        r = FieldReader("recordation decision", data, IprDataError, absent_is_null=True)
        decision = cls(
            recordation_id=r.text("recordation_id"),
            accepted=r.boolean("accepted"),
            decided_on=r.day("decided_on"),
            reason=r.text_or("reason", ""),
        )
        r.done()
        return decision


@dataclass(frozen=True, slots=True)
class License:
    """A grant of the right to use a recorded mark, from a licensor to a licensee.

    A root license (parent_id None) is granted by the recordation's owner; a sub-license by
    the licensee of its parent. Empty scope tuples and a None quantity cap mean "as wide as
    the parent allows". `further_generations` is how many levels of sub-licenses may still
    hang below this one (0 when it may not be sublicensed). A termination sets
    `terminated_on`, the first day the license is no longer in force; the days before it
    keep their answers.
    """

    license_id: str
    mark: str
    licensor: str
    licensee: str
    hts_prefixes: tuple[str, ...]
    countries: tuple[str, ...]  # ISO 3166-1 alpha-2 countries of manufacture
    manufacturers: tuple[str, ...]  # named manufacturers (MID or party id)
    quantity_cap: int | None  # units over all entries under this license and its sub-licenses
    start: date
    end: date  # last day in force
    may_sublicense: bool
    further_generations: int
    parent_id: str | None
    granted_on: date  # the day the licensor granted it; the licensor must hold the right then
    terminated_on: date | None = None
    termination_reason: str = ""

    def own_status_on(self, day: date) -> LinkStatus:
        """This license's standing on `day`, ignoring the licenses above it."""
        if self.terminated_on is not None and self.terminated_on <= day:
            return LinkStatus.TERMINATED
        if day < self.start:
            return LinkStatus.NOT_YET_VALID
        if day > self.end:
            return LinkStatus.EXPIRED
        return LinkStatus.VALID

    def to_dict(self) -> dict[str, Any]:
        return {
            "license_id": self.license_id,
            "mark": self.mark,
            "licensor": self.licensor,
            "licensee": self.licensee,
            "hts_prefixes": list(self.hts_prefixes),
            "countries": list(self.countries),
            "manufacturers": list(self.manufacturers),
            "quantity_cap": self.quantity_cap,
            "start": _date_text(self.start),
            "end": _date_text(self.end),
            "may_sublicense": self.may_sublicense,
            "further_generations": self.further_generations,
            "parent_id": self.parent_id,
            "granted_on": _date_text(self.granted_on),
            "terminated_on": _optional_date_text(self.terminated_on),
            "termination_reason": self.termination_reason,
        }

    @classmethod
    def from_dict(cls, data: Any) -> License:
        r = FieldReader("license", data, IprDataError, absent_is_null=True)
        result = cls(
            license_id=r.text("license_id"),
            mark=r.text("mark"),
            licensor=r.text("licensor"),
            licensee=r.text("licensee"),
            hts_prefixes=r.texts("hts_prefixes"),
            countries=r.texts("countries"),
            manufacturers=r.texts("manufacturers"),
            quantity_cap=r.optional_integer("quantity_cap"),
            start=r.day("start"),
            end=r.day("end"),
            may_sublicense=r.boolean("may_sublicense"),
            further_generations=r.integer("further_generations"),
            parent_id=r.optional_text("parent_id"),
            granted_on=r.day("granted_on"),
            terminated_on=r.optional_day("terminated_on"),
            termination_reason=r.text_or("termination_reason", ""),
        )
        r.done()
        return result

    def to_credential_subject(self, kind: RecordationKind, recordation_id: str) -> dict[str, Any]:
        """The credentialSubject of an IntellectualPropertyRightsLicenseCredential.

        Field names follow the Traceability vocabulary (licensee,
        intellectualPropertyRightsType, intellectualPropertyRightsProduct,
        extendsCredential); the vocabulary has no terms for a license's limits, so those
        travel in `licenseScope` and the grant terms beside it.
        """
        extends = (
            recordation_credential_id(recordation_id)
            if self.parent_id is None
            else license_credential_id(self.parent_id)
        )
        scope: dict[str, Any] = {
            "htsPrefixes": list(self.hts_prefixes),
            "countriesOfManufacture": list(self.countries),
            "manufacturers": list(self.manufacturers),
        }
        if self.quantity_cap is not None:
            scope["quantityCap"] = self.quantity_cap
        return {
            "type": ["IntellectualPropertyRightsLicense"],
            "licensee": {"type": ["Organization"], "id": self.licensee},
            "intellectualPropertyRightsType": kind.credential_type,
            "intellectualPropertyRightsProduct": {"type": ["Product"], "name": self.mark},
            "extendsCredential": extends,
            "licenseScope": scope,
            "maySublicense": self.may_sublicense,
            "furtherGenerations": self.further_generations,
            "grantedOn": _date_text(self.granted_on),
        }

    def to_credential(self, kind: RecordationKind, recordation_id: str) -> dict[str, Any]:
        """The unsigned license credential: issued by the licensor, valid from start to end."""
        return {
            "@context": list(CREDENTIAL_CONTEXT),
            "type": ["VerifiableCredential", "IntellectualPropertyRightsLicenseCredential"],
            "id": license_credential_id(self.license_id),
            "issuer": {"type": ["Organization"], "id": self.licensor},
            "validFrom": _date_text(self.start),
            "validUntil": _date_text(self.end),
            "credentialSubject": self.to_credential_subject(kind, recordation_id),
        }

    @classmethod
    def from_credential(cls, credential: Any) -> License:
        """Reads a license back from its credential (a termination lives in status, not here)."""
        c = FieldReader("license credential", credential, IprDataError, absent_is_null=True)
        license_id = _strip_urn(c.text("id"), _LICENSE_URN, "id")
        licensor = c.nested("issuer").text("id")
        start, end = c.day("validFrom"), c.day("validUntil")
        s = c.nested("credentialSubject")
        licensee = s.nested("licensee").text("id")
        mark = s.nested("intellectualPropertyRightsProduct").text("name")
        extends = s.text("extendsCredential")
        if extends.startswith(_RECORDATION_URN):
            parent_id = None
        else:
            parent_id = _strip_urn(extends, _LICENSE_URN, "credentialSubject.extendsCredential")
        scope = s.nested("licenseScope")
        return cls(
            license_id=license_id,
            mark=mark,
            licensor=licensor,
            licensee=licensee,
            hts_prefixes=scope.texts("htsPrefixes"),
            countries=scope.texts("countriesOfManufacture"),
            manufacturers=scope.texts("manufacturers"),
            quantity_cap=scope.optional_integer("quantityCap"),
            start=start,
            end=end,
            may_sublicense=s.boolean("maySublicense"),
            further_generations=s.integer("furtherGenerations"),
            parent_id=parent_id,
            granted_on=s.day("grantedOn"),
        )


def _strip_urn(text: str, prefix: str, field: str) -> str:
    if not text.startswith(prefix) or len(text) == len(prefix):
        raise IprDataError("license credential", field, f"is {text!r}, not {prefix!r} followed by an id")
    return text[len(prefix):]


@dataclass(frozen=True, slots=True)
class Termination:
    """A license terminated (revoked by its licensor or surrendered by its licensee).

    It takes effect on `terminated_on` (that day and after), which may not precede the day
    it is recorded: a termination changes the future, never what was true before.
    """

    license_id: str
    terminated_by: str
    terminated_on: date
    recorded_on: date
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "license_id": self.license_id,
            "terminated_by": self.terminated_by,
            "terminated_on": _date_text(self.terminated_on),
            "recorded_on": _date_text(self.recorded_on),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Termination:
        r = FieldReader("termination", data, IprDataError, absent_is_null=True)
        termination = cls(
            license_id=r.text("license_id"),
            terminated_by=r.text("terminated_by"),
            terminated_on=r.day("terminated_on"),
            recorded_on=r.day("recorded_on"),
            reason=r.text("reason"),
        )
        r.done()
        return termination


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """Units entered under a license on one entry; counts against the caps of it and its parents."""

    entry_number: str
    license_id: str
    quantity: int
    used_on: date

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry_number": self.entry_number,
            "license_id": self.license_id,
            "quantity": self.quantity,
            "used_on": _date_text(self.used_on),
        }

    @classmethod
    def from_dict(cls, data: Any) -> UsageRecord:
        r = FieldReader("usage record", data, IprDataError, absent_is_null=True)
        usage = cls(
            entry_number=r.text("entry_number"),
            license_id=r.text("license_id"),
            quantity=r.integer("quantity"),
            used_on=r.day("used_on"),
        )
        r.done()
        return usage


def terminated(license: License, termination: Termination) -> License:
    """The license as it stands after `termination` (a new value; the old one is untouched)."""
    return dataclasses.replace(
        license, terminated_on=termination.terminated_on, termination_reason=termination.reason
    )
