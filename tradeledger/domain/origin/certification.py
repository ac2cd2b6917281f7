"""Certifications of origin as W3C verifiable credentials: the data, the credential, the terms.

USMCA (FACTS §2.1) has no prescribed form but nine minimum data elements (Annex 5-A); the
credential is a `USMCACertificationOfOrigin` with field names of the W3C CCG Traceability
Vocabulary (issuer = the certifier, `USMCAClaims` subject, `USMCAProduct` goods):

    1 certifier type          credentialSubject.certifierType
    2 certifier               issuer (name, address, employee: the signatory's name, title, contact)
    3 exporter                credentialSubject.exporterDetails
    4 producer                credentialSubject.producerDetails, variousProducers or
                              producerAvailableUponRequest
    5 importer                credentialSubject.importerDetails, or variousImporters
    6 description, HS (6)     credentialSubject.goods[].description, commodityCode;
                              invoiceNumber for a single shipment
    7 origin criterion        credentialSubject.goods[].originCriterion (A to D)
    8 blanket period          credentialSubject.blanketPeriod (at most 12 months)
    9 signature and date      the eddsa-jcs-2022 proof, certificationDate, certificationStatement

CAFTA-DR (19 CFR 10.584, FACTS §2.2) is a `CertificationOfOrigin` with a `CAFTADRClaims`
subject: the importer, exporter (if not the producer) and producer, the signing official,
the goods' description and classification (6 digits or more), the General Note 29 rule
each good meets, the blanket period and the statement.

`CertificationOfOrigin.terms()` is what its certifier anchors publicly beside the
commitment (`domain.origin.terms`); `from_credential` reads a disclosed credential back so
customs can check the two say the same (`terms_mismatch`). Pure: no keys, no I/O.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tradeledger.credentials import build_credential
from tradeledger.domain.errors import HtsNumberError
from tradeledger.domain.hts import validate_hs_code
from tradeledger.domain.origin.terms import (
    AGREEMENTS,
    CAFTA_DR,
    CERTIFIER_ROLES,
    USMCA,
    VALIDITY_YEARS,
    CertificationTerms,
    TermsError,
    blanket_end_limit,
    parse_date,
    years_after,
)
from tradeledger.errors import TradeledgerError

USMCA_TYPE = "USMCACertificationOfOrigin"
CAFTA_DR_TYPE = "CertificationOfOrigin"
SUBJECT_TYPES = {USMCA: "USMCAClaims", CAFTA_DR: "CAFTADRClaims"}
USMCA_CRITERIA = ("A", "B", "C", "D")
VARIOUS = "various"
AVAILABLE_UPON_REQUEST = "available upon request"

# The certification statements (USMCA Annex 5-A element 9; 19 CFR 10.584(a)), in our words.
STATEMENTS = {
    USMCA: ("I certify that the goods described in this document qualify as originating and the information "
            "contained in this document is true and accurate. I assume responsibility for proving such "
            "representations and agree to maintain and present upon request or to make available during a "
            "verification visit, documentation necessary to support this certification."),
    CAFTA_DR: ("I certify that the information on this document is complete and accurate and I assume the "
               "responsibility for proving such representations. I agree to maintain, and present upon request, "
               "documentation necessary to support this certification, and the goods described qualify as "
               "originating under the CAFTA-DR rules of origin (HTSUS General Note 29)."),
}


class CertificationError(TradeledgerError, ValueError):
    """A certification of origin that is incomplete or inconsistent; the message names the field."""


def _text(data: Mapping[str, Any], name: str, where: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise CertificationError(f"{where}.{name}: write it as non-empty text")
    return value


def _optional_text(data: Mapping[str, Any], name: str, where: str, required: bool = False) -> str | None:
    if data.get(name) is None and not required:
        return None
    return _text(data, name, where)


def _object(data: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise CertificationError(f"{where}: write a JSON object")
    return data


@dataclass(frozen=True)
class Party:
    """An importer, exporter, producer or certifier: legal name, address, contact."""

    name: str
    street: str
    city: str
    country: str  # ISO 3166 alpha-2
    email: str | None = None
    phone: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {"name": self.name, "street": self.street, "city": self.city, "country": self.country}
        data.update({k: v for k, v in (("email", self.email), ("phone", self.phone)) if v is not None})
        return data

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Party:
        obj = _object(data, where)
        country = _text(obj, "country", where)
        if len(country) != 2 or not country.isalpha() or not country.isupper():
            raise CertificationError(f"{where}.country: an ISO 3166 alpha-2 code such as MX")
        return cls(_text(obj, "name", where), _text(obj, "street", where), _text(obj, "city", where), country,
                   _optional_text(obj, "email", where), _optional_text(obj, "phone", where))

    def to_traceability(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": ["Organization"], "name": self.name}
        if self.email is not None:
            data["email"] = self.email
        if self.phone is not None:
            data["phoneNumber"] = self.phone
        data["location"] = {"type": ["Place"], "address": {
            "type": ["PostalAddress"], "streetAddress": self.street, "addressLocality": self.city,
            "addressCountry": self.country}}
        return data

    @classmethod
    def from_traceability(cls, data: Any, where: str) -> Party:
        obj = _object(data, where)
        try:
            address = obj["location"]["address"]
            return cls.from_dict({"name": obj.get("name"), "street": address.get("streetAddress"),
                                  "city": address.get("addressLocality"), "country": address.get("addressCountry"),
                                  "email": obj.get("email"), "phone": obj.get("phoneNumber")}, where)
        except (KeyError, TypeError, AttributeError):
            raise CertificationError(f"{where}: an Organization with a location.address") from None


@dataclass(frozen=True)
class Signatory:
    """The person who signs for the certifier (USMCA element 2 and 9; 10.584 signing official)."""

    name: str
    title: str
    email: str
    phone: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "email": self.email, "phone": self.phone}

    @classmethod
    def from_dict(cls, data: Any, where: str = "signatory") -> Signatory:
        obj = _object(data, where)
        return cls(_text(obj, "name", where), _text(obj, "title", where), _text(obj, "email", where),
                   _text(obj, "phone", where))

    def to_traceability(self) -> dict[str, Any]:
        return {"type": ["Person"], "name": self.name, "jobTitle": self.title, "email": self.email,
                "phoneNumber": self.phone}

    @classmethod
    def from_traceability(cls, data: Any, where: str) -> Signatory:
        obj = _object(data, where)
        return cls.from_dict({"name": obj.get("name"), "title": obj.get("jobTitle"), "email": obj.get("email"),
                              "phone": obj.get("phoneNumber")}, where)


@dataclass(frozen=True)
class CertifiedGood:
    description: str
    hs: str  # digits only: 6 for USMCA, 6 or more for CAFTA-DR
    country_of_origin: str
    criterion: str | None = None  # USMCA: A, B, C or D
    rule: str | None = None  # CAFTA-DR: the General Note 29 rule the good meets

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"description": self.description, "hs": self.hs,
                                "country_of_origin": self.country_of_origin}
        if self.criterion is not None:
            data["criterion"] = self.criterion
        if self.rule is not None:
            data["rule"] = self.rule
        return data

    @classmethod
    def from_dict(cls, data: Any, where: str, agreement: str) -> CertifiedGood:
        obj = _object(data, where)
        try:
            code = validate_hs_code(_text(obj, "hs", where), min_digits=6)
        except HtsNumberError as exc:
            raise CertificationError(f"{where}.hs: {exc}") from None
        if agreement == USMCA and len(code.digits) != 6:
            raise CertificationError(f"{where}.hs: USMCA certifies the 6-digit HS classification, such as 8501.10")
        country = _text(obj, "country_of_origin", where)
        criterion = _optional_text(obj, "criterion", where, agreement == USMCA)
        rule = _optional_text(obj, "rule", where, agreement == CAFTA_DR)
        if agreement == USMCA:
            if criterion not in USMCA_CRITERIA:
                raise CertificationError(f"{where}.criterion: A, B, C or D (USMCA Art. 4.2)")
            if criterion == "D" and code.digits[:2] in ("61", "62", "63"):
                raise CertificationError(f"{where}.criterion: D does not apply to chapters 61 to 63")
            if rule is not None:
                raise CertificationError(f"{where}.rule: a USMCA good states its criterion, not a rule")
        elif criterion is not None:
            raise CertificationError(f"{where}.criterion: a CAFTA-DR good states its General Note 29 rule")
        return cls(_text(obj, "description", where), code.digits, country, criterion, rule)


@dataclass(frozen=True)
class CertificationOfOrigin:
    """The content of a USMCA or CAFTA-DR certification of origin, before it is signed."""

    agreement: str
    certifier_role: str  # importer, exporter or producer
    certifier: Party
    signatory: Signatory
    goods: tuple[CertifiedGood, ...]
    certified_on: datetime.date
    exporter: Party | None = None  # None: the producer certifies and does not know the exporter
    producer: Party | str | None = None  # a Party, VARIOUS or AVAILABLE_UPON_REQUEST
    importer: Party | None = None  # None: various or unknown importers
    blanket_from: datetime.date | None = None
    blanket_to: datetime.date | None = None
    invoice_number: str | None = None  # a single shipment's invoice
    credential_id: str = ""

    def __post_init__(self) -> None:
        if self.agreement not in AGREEMENTS:
            raise CertificationError(f"agreement: {self.agreement!r} is not supported; write USMCA or CAFTA-DR")
        if self.certifier_role not in CERTIFIER_ROLES:
            raise CertificationError("certifier_role: importer, exporter or producer")
        if not self.goods:
            raise CertificationError("goods: list at least one good")
        if (self.blanket_from is None) == (self.invoice_number is None):
            raise CertificationError("give either blanket_period (multiple shipments) or invoice_number "
                                     "(a single shipment)")
        if self.blanket_from is not None:
            if self.blanket_to is None or self.blanket_to < self.blanket_from:
                raise CertificationError("blanket_period: from a date to the same or a later date")
            if self.blanket_to >= blanket_end_limit(self.blanket_from):
                raise CertificationError(f"blanket_period: {self.blanket_from} to {self.blanket_to} exceeds "
                                         "12 months; a blanket period is at most 12 months")
        if self.exporter is None and self.certifier_role != "producer":
            raise CertificationError("exporter: required unless the producer certifies without knowing the exporter")
        if self.producer is None:
            raise CertificationError(f"producer: a party, {VARIOUS!r} or {AVAILABLE_UPON_REQUEST!r}")
        if isinstance(self.producer, str) and self.producer not in (VARIOUS, AVAILABLE_UPON_REQUEST):
            raise CertificationError(f"producer: a party, {VARIOUS!r} or {AVAILABLE_UPON_REQUEST!r}")
        if self.agreement == CAFTA_DR and self.importer is None:
            raise CertificationError("importer: CAFTA-DR certifications name the importer of record (10.584(a))")

    # --- the input format (JSON in, as `tradeledger origin certify` reads it) ---------------
    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "agreement": self.agreement, "certifier_role": self.certifier_role,
            "certifier": self.certifier.to_dict(), "signatory": self.signatory.to_dict(),
            "exporter": None if self.exporter is None else self.exporter.to_dict(),
            "producer": self.producer.to_dict() if isinstance(self.producer, Party) else self.producer,
            "importer": None if self.importer is None else self.importer.to_dict(),
            "goods": [g.to_dict() for g in self.goods],
            "blanket_period": None if self.blanket_from is None else {
                "from": self.blanket_from.isoformat(), "to": self.blanket_to.isoformat()},  # type: ignore[union-attr]
            "invoice_number": self.invoice_number,
            "certified_on": self.certified_on.isoformat(),
        }
        if self.credential_id:
            data["credential_id"] = self.credential_id
        return data

    @classmethod
    def from_dict(cls, data: Any) -> CertificationOfOrigin:
        obj = _object(data, "certification")
        known = {"agreement", "certifier_role", "certifier", "signatory", "exporter", "producer", "importer",
                 "goods", "blanket_period", "invoice_number", "certified_on", "credential_id"}
        unknown = sorted(set(obj) - known)
        if unknown:
            raise CertificationError(f"certification: unknown field {', '.join(map(repr, unknown))}; "
                                     f"known fields are {', '.join(sorted(known))}")
        agreement = obj.get("agreement")
        if agreement not in AGREEMENTS:
            raise CertificationError(f"agreement: {agreement!r} is not supported; write USMCA or CAFTA-DR")
        goods = obj.get("goods")
        if not isinstance(goods, list):
            raise CertificationError("goods: write a list of goods")
        blanket = obj.get("blanket_period")
        start = end = None
        if blanket is not None:
            period = _object(blanket, "blanket_period")
            start, end = (_date(period.get(k), f"blanket_period.{k}") for k in ("from", "to"))
        producer = obj.get("producer")
        return cls(
            agreement=agreement,
            certifier_role=obj.get("certifier_role"),  # type: ignore[arg-type]
            certifier=Party.from_dict(obj.get("certifier"), "certifier"),
            signatory=Signatory.from_dict(obj.get("signatory")),
            goods=tuple(CertifiedGood.from_dict(g, f"goods[{i}]", agreement) for i, g in enumerate(goods)),
            certified_on=_date(obj.get("certified_on"), "certified_on"),
            exporter=None if obj.get("exporter") is None else Party.from_dict(obj["exporter"], "exporter"),
            producer=producer if producer is None or isinstance(producer, str)
            else Party.from_dict(producer, "producer"),
            importer=None if obj.get("importer") is None else Party.from_dict(obj["importer"], "importer"),
            blanket_from=start,
            blanket_to=end,
            invoice_number=_optional_text(obj, "invoice_number", "certification"),
            credential_id=obj.get("credential_id") or "",
        )

    # --- the public terms ---------------------------------------------------------------------
    def terms(self) -> CertificationTerms:
        """What the certifier anchors publicly beside the commitment."""
        return CertificationTerms(
            agreement=self.agreement, certifier_role=self.certifier_role,
            hs=tuple(sorted({g.hs[:6] for g in self.goods})), certified_on=self.certified_on,
            blanket_from=self.blanket_from, blanket_to=self.blanket_to, invoice=self.invoice_number,
            credential=self.credential_id or None,
        )

    # --- the credential -----------------------------------------------------------------------
    def with_credential_id(self, credential_id: str | None = None) -> CertificationOfOrigin:
        return dataclasses.replace(self, credential_id=credential_id or f"urn:uuid:{uuid.uuid4()}")

    def to_credential(self, issuer_did: str) -> dict[str, Any]:
        """The unsigned credential; `issuer_did` is the certifier organization's key."""
        if not self.credential_id:
            raise CertificationError("give the certification a credential id first (with_credential_id)")
        issuer = {"id": issuer_did, **self.certifier.to_traceability(), "employee": self.signatory.to_traceability()}
        valid_from = f"{self.certified_on.isoformat()}T00:00:00Z"
        valid_until = f"{years_after(self.certified_on, VALIDITY_YEARS).isoformat()}T00:00:00Z"
        return build_credential(USMCA_TYPE if self.agreement == USMCA else CAFTA_DR_TYPE, issuer=issuer,
                                subject=self._subject(), id=self.credential_id, valid_from=valid_from,
                                valid_until=valid_until)

    def _subject(self) -> dict[str, Any]:
        subject: dict[str, Any] = {
            "type": [SUBJECT_TYPES[self.agreement]],
            "agreement": self.agreement,
            "certifierType": self.certifier_role.capitalize(),
        }
        if self.exporter is not None:
            subject["exporterDetails"] = self.exporter.to_traceability()
        if isinstance(self.producer, Party):
            subject["producerDetails"] = self.producer.to_traceability()
        elif self.producer == VARIOUS:
            subject["variousProducers"] = True
        else:
            subject["producerAvailableUponRequest"] = True
        if self.importer is not None:
            subject["importerDetails"] = [self.importer.to_traceability()]
        else:
            subject["variousImporters"] = True
        subject["goods"] = [self._good(g) for g in self.goods]
        if self.invoice_number is not None:
            subject["invoiceNumber"] = self.invoice_number
        if self.blanket_from is not None and self.blanket_to is not None:
            subject["blanketPeriod"] = {"startDate": self.blanket_from.isoformat(),
                                        "endDate": self.blanket_to.isoformat()}
        subject["certificationDate"] = self.certified_on.isoformat()
        subject["certificationStatement"] = STATEMENTS[self.agreement]
        return subject

    def _good(self, good: CertifiedGood) -> dict[str, Any]:
        data: dict[str, Any] = {"type": ["USMCAProduct" if self.agreement == USMCA else "Product"],
                                "description": good.description, "commodityCode": good.hs,
                                "commodityCodeType": "HS" if len(good.hs) == 6 else "HTSUS",
                                "countryOfOrigin": good.country_of_origin}
        if good.criterion is not None:
            data["originCriterion"] = good.criterion
        if good.rule is not None:
            data["originRule"] = good.rule
        return data

    @classmethod
    def from_credential(cls, credential: Any) -> CertificationOfOrigin:
        """Read a certification back from its credential (whose proof is checked elsewhere)."""
        doc = _object(credential, "credential")
        subject = _object(doc.get("credentialSubject"), "credentialSubject")
        agreement = subject.get("agreement")
        expected_type = {USMCA: USMCA_TYPE, CAFTA_DR: CAFTA_DR_TYPE}.get(agreement)  # type: ignore[arg-type]
        if expected_type is None or expected_type not in (doc.get("type") or []):
            raise CertificationError("credential: not a USMCA or CAFTA-DR certification of origin")
        issuer = _object(doc.get("issuer"), "issuer")
        producer: Party | str
        if "producerDetails" in subject:
            producer = Party.from_traceability(subject["producerDetails"], "producerDetails")
        else:
            producer = VARIOUS if subject.get("variousProducers") is True else AVAILABLE_UPON_REQUEST
        period = subject.get("blanketPeriod")
        goods = subject.get("goods")
        if not isinstance(goods, list):
            raise CertificationError("credentialSubject.goods: a list of goods")
        role = subject.get("certifierType")
        try:
            return cls(
                agreement=agreement,  # type: ignore[arg-type]
                certifier_role=role.lower() if isinstance(role, str) else "",
                certifier=Party.from_traceability(issuer, "issuer"),
                signatory=Signatory.from_traceability(issuer.get("employee"), "issuer.employee"),
                goods=tuple(CertifiedGood.from_dict(
                    {"description": g.get("description"), "hs": g.get("commodityCode"),
                     "country_of_origin": g.get("countryOfOrigin"), "criterion": g.get("originCriterion"),
                     "rule": g.get("originRule")}, f"credentialSubject.goods[{i}]", agreement)  # type: ignore[arg-type]
                    for i, g in enumerate(goods) if isinstance(g, Mapping)),
                certified_on=_date(subject.get("certificationDate"), "credentialSubject.certificationDate"),
                exporter=Party.from_traceability(subject["exporterDetails"], "exporterDetails")
                if "exporterDetails" in subject else None,
                producer=producer,
                importer=Party.from_traceability(subject["importerDetails"][0], "importerDetails[0]")
                if isinstance(subject.get("importerDetails"), list) and subject["importerDetails"] else None,
                blanket_from=_date(period.get("startDate"), "blanketPeriod.startDate")
                if isinstance(period, Mapping) else None,
                blanket_to=_date(period.get("endDate"), "blanketPeriod.endDate")
                if isinstance(period, Mapping) else None,
                invoice_number=subject.get("invoiceNumber"),
                credential_id=credential_id if isinstance(credential_id := doc.get("id"), str) else "",
            )
        except AttributeError:
            raise CertificationError("credential: the certification's fields are not in the expected form") from None


def _date(value: Any, where: str) -> datetime.date:
    try:
        return parse_date(value, where)
    except TermsError as exc:
        raise CertificationError(str(exc)) from None


def terms_mismatch(certification: CertificationOfOrigin, refs: Mapping[str, str]) -> tuple[str, ...]:
    """Where the anchored public terms differ from what the signed certification says."""
    signed = certification.terms().to_refs()
    return tuple(
        f"the anchored {name} is {refs.get(name)!r} but the signed certification says {signed.get(name)!r}"
        for name in sorted(set(signed) | set(refs)) if signed.get(name) != refs.get(name)
    )
