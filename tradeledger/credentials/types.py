"""The credential types tradeledger issues and accepts, and small builders for them.

Where the W3C CCG Traceability Vocabulary (https://w3id.org/traceability, the schemas CBP's
Silicon Valley Innovation Program demos used) has a fitting type, its name and context are
used unchanged: CommercialInvoiceCredential, BillOfLadingCredential, PackingListCredential,
MillTestReportCredential, CertificationOfOrigin, USMCACertificationOfOrigin,
CTPATCertificate, SIMASteelImportLicenseCredential, IntellectualPropertyRightsLicenseCredential,
PowerOfAttorneyCredential and EntryNumberCredential.

Three types are tradeledger's own, for facts the vocabulary has no credential for:
ImporterOfRecordCredential, CustomsBrokerLicenseCredential and BondedCarrierCredential.
They add no JSON-LD context: their terms fall under the VC 2.0 context's issuer-dependent
vocabulary (https://www.w3.org/ns/credentials/issuer-dependent#), which the data model
allows for terms an issuer has not yet published.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tradeledger.credentials.data_integrity import default_created
from tradeledger.credentials.errors import CredentialError, InvalidCredentialError
from tradeledger.credentials.model import VC_V2_CONTEXT, VERIFIABLE_CREDENTIAL
from tradeledger.credentials.validation import is_url

__all__ = [
    "CREDENTIAL_TYPES",
    "TRACEABILITY_CONTEXT",
    "CredentialType",
    "bonded_carrier_subject",
    "build_credential",
    "credential_type",
    "customs_broker_license_subject",
    "importer_of_record_subject",
]

TRACEABILITY_CONTEXT = "https://w3id.org/traceability/v1"
TRACEABILITY_VOCABULARY = "https://w3id.org/traceability#"
ISSUER_DEPENDENT_VOCABULARY = "https://www.w3.org/ns/credentials/issuer-dependent#"


@dataclass(frozen=True)
class CredentialType:
    """One kind of credential: its name, where the name comes from, who issues it."""

    name: str
    title: str
    issued_by: str
    traceability: bool = True  # False: a tradeledger type (issuer-dependent vocabulary)
    subject_type: str | None = None  # the credentialSubject type builders put in

    @property
    def contexts(self) -> tuple[str, ...]:
        return (VC_V2_CONTEXT, TRACEABILITY_CONTEXT) if self.traceability else (VC_V2_CONTEXT,)

    @property
    def iri(self) -> str:
        base = TRACEABILITY_VOCABULARY if self.traceability else ISSUER_DEPENDENT_VOCABULARY
        return base + self.name

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "issuedBy": self.issued_by,
                "traceability": self.traceability, "subjectType": self.subject_type}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CredentialType:
        return cls(data["name"], data["title"], data["issuedBy"], bool(data["traceability"]),
                   data.get("subjectType"))


CREDENTIAL_TYPES: dict[str, CredentialType] = {t.name: t for t in (
    CredentialType("CommercialInvoiceCredential", "Commercial invoice", "seller", True, "Invoice"),
    CredentialType("BillOfLadingCredential", "Bill of lading", "carrier", True, "BillOfLading"),
    CredentialType("PackingListCredential", "Packing list", "seller", True, "PackingList"),
    CredentialType("MillTestReportCredential", "Mill test report", "steel mill", True),
    CredentialType("CertificationOfOrigin", "Certificate of origin", "chamber of commerce"),
    CredentialType("USMCACertificationOfOrigin", "USMCA certification of origin",
                   "importer, exporter or producer"),
    CredentialType("CTPATCertificate", "CTPAT certificate", "customs authority", True, "CTPAT"),
    CredentialType("SIMASteelImportLicenseCredential", "SIMA steel import license",
                   "Commerce (ITA)", True, "SIMASteelImportLicense"),
    CredentialType("IntellectualPropertyRightsLicenseCredential", "IPR license", "rights holder",
                   True, "IntellectualPropertyRightsLicense"),
    CredentialType("PowerOfAttorneyCredential", "Customs power of attorney", "importer"),
    CredentialType("EntryNumberCredential", "Entry number", "entry filer"),
    CredentialType("ImporterOfRecordCredential", "Importer of record", "customs authority",
                   False, "ImporterOfRecord"),
    CredentialType("CustomsBrokerLicenseCredential", "Customs broker license",
                   "customs authority", False, "CustomsBrokerLicense"),
    CredentialType("BondedCarrierCredential", "Bonded carrier", "customs authority", False,
                   "BondedCarrier"),
)}


def credential_type(name: str) -> CredentialType:
    try:
        return CREDENTIAL_TYPES[name]
    except KeyError:
        raise CredentialError(
            f"unknown credential type {name!r}; known: {', '.join(sorted(CREDENTIAL_TYPES))}"
        ) from None


def build_credential(
    type_name: str,
    *,
    issuer: str | Mapping[str, Any],
    subject: Mapping[str, Any],
    id: str | None = None,
    valid_from: str | None = None,
    valid_until: str | None = None,
    credential_status: Mapping[str, Any] | list | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """An unsigned credential of a known type (sign it with verify.issue_credential)."""
    kind = credential_type(type_name)
    if not isinstance(subject, Mapping) or not subject:
        raise InvalidCredentialError(f"a {type_name} needs a credentialSubject with claims")
    credential: dict[str, Any] = {
        "@context": list(kind.contexts),
        "id": id if id is not None else f"urn:uuid:{uuid.uuid4()}",
        "type": [VERIFIABLE_CREDENTIAL, kind.name],
        "issuer": dict(issuer) if isinstance(issuer, Mapping) else issuer,
        "validFrom": valid_from if valid_from is not None else default_created(now),
    }
    if valid_until is not None:
        credential["validUntil"] = valid_until
    credential["credentialSubject"] = dict(subject)
    if credential_status is not None:
        credential["credentialStatus"] = credential_status
    return credential


# --- subjects of tradeledger's own types ---------------------------------------------------
# Formats from shared/domain/FACTS.md section 1.5 (importer numbers) and CATAIR (filer codes).

_IMPORTER_NUMBER = {
    "EIN": re.compile(r"[0-9]{2}-[0-9]{7}[0-9A-Z]{2}"),  # IRS EIN + 2-character suffix
    "SSN": re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{4}"),
    "CBP": re.compile(r"[0-9]{6}-[0-9]{5}"),  # CBP-assigned YYDDPP-NNNNN (Form 5106)
}
_FILER_CODE = re.compile(r"[A-Z0-9]{3}")
_SCAC = re.compile(r"[A-Z]{2,4}")


def _party(id: str, name: str) -> dict[str, Any]:
    if not is_url(id):
        raise InvalidCredentialError(f"the subject id must be a URL (a DID), got {id!r}")
    if not isinstance(name, str) or not name.strip():
        raise InvalidCredentialError("the subject needs a name")
    return {"id": id, "name": name}


def importer_of_record_subject(*, id: str, name: str, importer_number: str,
                               number_type: str = "EIN") -> dict[str, Any]:
    """Customs attests that `id` may act as importer of record under `importer_number`."""
    pattern = _IMPORTER_NUMBER.get(number_type)
    if pattern is None:
        raise InvalidCredentialError(f"importer number type must be one of "
                                     f"{', '.join(_IMPORTER_NUMBER)}, got {number_type!r}")
    if not isinstance(importer_number, str) or not pattern.fullmatch(importer_number):
        raise InvalidCredentialError(f"{importer_number!r} is not a {number_type} importer number")
    return {"type": ["ImporterOfRecord"], **_party(id, name),
            "importerNumber": importer_number, "importerNumberType": number_type}


def customs_broker_license_subject(*, id: str, name: str, license_number: str,
                                   filer_code: str) -> dict[str, Any]:
    """Customs attests that `id` holds broker license `license_number` and files as `filer_code`."""
    if not isinstance(license_number, str) or not license_number.strip():
        raise InvalidCredentialError("a customs broker license needs its license number")
    if not isinstance(filer_code, str) or not _FILER_CODE.fullmatch(filer_code):
        raise InvalidCredentialError(f"{filer_code!r} is not a 3-character entry filer code")
    return {"type": ["CustomsBrokerLicense"], **_party(id, name),
            "licenseNumber": license_number, "filerCode": filer_code}


def bonded_carrier_subject(*, id: str, name: str, scac: str, bond_number: str) -> dict[str, Any]:
    """Customs attests that `id` (SCAC `scac`) carries in-bond goods under custodial bond `bond_number`."""
    if not isinstance(scac, str) or not _SCAC.fullmatch(scac):
        raise InvalidCredentialError(f"{scac!r} is not a SCAC (2 to 4 capital letters)")
    if not isinstance(bond_number, str) or not bond_number.strip():
        raise InvalidCredentialError("a bonded carrier needs its custodial bond number")
    return {"type": ["BondedCarrier"], **_party(id, name), "scac": scac,
            "bondNumber": bond_number, "bondType": "custodial"}
