"""Preference claims on entry lines, and whether a certification of origin supports them.

A line claims free-trade preference with a special program indicator (SPI) before its HTS
number (FACTS §1.6): S or S+ for USMCA, P or P+ for CAFTA-DR. The claim rests on a
certification of origin the importer holds (FACTS §2), unless the low-value waiver applies.

The certification itself stays in its certifier's vault. Its certifier anchors it (doc
type `certification_of_origin`) with its public terms as references:

    agreement       USMCA or CAFTA-DR
    certifier_role  importer, exporter or producer
    hs              the goods' HS subheadings, comma separated: 850110,850120
    blanket_from    the blanket period, at most 12 months, YYYY-MM-DD ...
    blanket_to
    invoice         ... or the invoice number of a single shipment
    certified_on    the date of the certifier's signature, YYYY-MM-DD
    importer        optional: the ledger organization of the importer it names
    credential      the credential's id (urn:uuid:...)

Why public terms rather than a check after disclosure: every peer can then judge a claim
when the entry is filed, deterministically and without seeing the certification, and the
terms reveal nothing the entry line does not already show (an HS number and a date).
Whether the signed credential says what its terms say is for customs' node to check once
the certification is disclosed to it (tradeledger.workflows.origin).

Everything here is pure: the contracts call it with what they read from ledger state.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradeledger.errors import TradeledgerError

CERTIFICATION_DOC_TYPE = "certification_of_origin"
USMCA, CAFTA_DR = "USMCA", "CAFTA-DR"
AGREEMENTS = (USMCA, CAFTA_DR)

# HTSUS General Note 3(c)(i) (FACTS §1.6). Only the two agreements this ledger verifies map
# to an agreement; the other programs are accepted on a line and left to other checks.
FTA_SPIS: dict[str, str] = {"S": USMCA, "S+": USMCA, "P": CAFTA_DR, "P+": CAFTA_DR}
OTHER_SPIS = frozenset({
    "A", "A*", "A+", "AU", "B", "BH", "C", "CL", "CO", "D", "E", "E*", "IL", "JO", "JP", "K", "KR",
    "L", "MA", "OM", "PA", "PE", "R", "SG", "W", "Y", "Z",
})
KNOWN_SPIS = frozenset(FTA_SPIS) | OTHER_SPIS

# The Parties whose goods may originate (ISO 3166 alpha-2).
PARTIES: dict[str, frozenset[str]] = {
    USMCA: frozenset({"US", "MX", "CA"}),
    CAFTA_DR: frozenset({"US", "CR", "DO", "SV", "GT", "HN", "NI"}),
}
CERTIFIER_ROLES = ("importer", "exporter", "producer")

# USMCA Art. 5.5 as the United States applies it, and 19 CFR 10.586 for CAFTA-DR: no
# certification is required for a commercial importation worth no more than US$2,500.
LOW_VALUE_LIMIT_USD = Decimal(2500)
BLANKET_MONTHS = 12
# USMCA Art. 5.2 and CAFTA-DR Art. 4.16: a certification is valid four years after it is
# completed (FACTS §2 marks this [K]: confirm before relying on it in production).
VALIDITY_YEARS = 4

SUPPORTED, WAIVED, FLAGGED, NOT_CHECKED = "supported", "waived", "flagged", "not_checked"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HS6 = re.compile(r"^\d{6}$")
_REF_NAMES = ("agreement", "certifier_role", "hs", "blanket_from", "blanket_to", "invoice", "certified_on",
              "importer", "credential")


class TermsError(TradeledgerError, ValueError):
    """A certification's public terms that cannot be read; the message names the term."""


def parse_date(text: str, what: str) -> datetime.date:
    if not isinstance(text, str) or not _DATE.match(text):
        raise TermsError(f"{what} is a date as YYYY-MM-DD, got {text!r}")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise TermsError(f"{what} {text!r} is not a calendar date") from None


def years_after(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later; 29 February falls on 1 March."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return datetime.date(day.year + years, 3, 1)


def blanket_end_limit(start: datetime.date) -> datetime.date:
    """The first day a blanket period starting on `start` may not reach (12 months on)."""
    return years_after(start, BLANKET_MONTHS // 12)


def date_of_ms(ms: int) -> datetime.date:
    """The UTC calendar date of a ledger time; pure, so contracts may use it."""
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC).date()


@dataclass(frozen=True)
class CertificationTerms:
    """What a certification of origin covers, as its anchored references state it."""

    agreement: str
    certifier_role: str
    hs: tuple[str, ...]  # HS subheadings, 6 digits each
    certified_on: datetime.date
    blanket_from: datetime.date | None = None
    blanket_to: datetime.date | None = None
    invoice: str | None = None  # the single shipment's invoice number, when not a blanket
    importer: str | None = None  # the ledger organization of the importer named, if any
    credential: str | None = None

    def __post_init__(self) -> None:
        if self.agreement not in AGREEMENTS:
            raise TermsError(f"agreement is USMCA or CAFTA-DR, got {self.agreement!r}")
        if self.certifier_role not in CERTIFIER_ROLES:
            raise TermsError(f"certifier_role is importer, exporter or producer, got {self.certifier_role!r}")
        if not self.hs or not all(_HS6.match(code) for code in self.hs):
            raise TermsError("hs lists the goods' 6-digit HS subheadings, comma separated, such as 850110,850120")
        blanket = (self.blanket_from, self.blanket_to)
        if (blanket[0] is None) != (blanket[1] is None):
            raise TermsError("a blanket period has both blanket_from and blanket_to")
        if (self.blanket_from is None) == (self.invoice is None):
            raise TermsError("a certification covers either a blanket period or one invoice's shipment")

    @property
    def is_blanket(self) -> bool:
        return self.blanket_from is not None

    def period_problems(self) -> tuple[str, ...]:
        """What is wrong with the blanket period itself (FACTS §2: at most 12 months)."""
        if self.blanket_from is None or self.blanket_to is None:
            return ()
        if self.blanket_to < self.blanket_from:
            return (f"the blanket period ends ({self.blanket_to}) before it starts ({self.blanket_from})",)
        if self.blanket_to >= blanket_end_limit(self.blanket_from):
            return (f"the blanket period {self.blanket_from} to {self.blanket_to} exceeds 12 months",)
        return ()

    def to_refs(self) -> dict[str, str]:
        refs = {
            "agreement": self.agreement,
            "certifier_role": self.certifier_role,
            "hs": ",".join(self.hs),
            "certified_on": self.certified_on.isoformat(),
        }
        if self.blanket_from is not None and self.blanket_to is not None:
            refs["blanket_from"] = self.blanket_from.isoformat()
            refs["blanket_to"] = self.blanket_to.isoformat()
        for name in ("invoice", "importer", "credential"):
            value = getattr(self, name)
            if value is not None:
                refs[name] = value
        return refs

    @classmethod
    def from_refs(cls, refs: Mapping[str, str]) -> CertificationTerms:
        missing = [name for name in ("agreement", "certifier_role", "hs", "certified_on") if name not in refs]
        if missing:
            raise TermsError(f"the certification was anchored without the references {', '.join(missing)}")
        hs = tuple(code.strip() for code in refs["hs"].split(","))
        return cls(
            agreement=refs["agreement"],
            certifier_role=refs["certifier_role"],
            hs=hs,
            certified_on=parse_date(refs["certified_on"], "certified_on"),
            blanket_from=parse_date(refs["blanket_from"], "blanket_from") if "blanket_from" in refs else None,
            blanket_to=parse_date(refs["blanket_to"], "blanket_to") if "blanket_to" in refs else None,
            invoice=refs.get("invoice"),
            importer=refs.get("importer"),
            credential=refs.get("credential"),
        )


@dataclass(frozen=True)
class AnchoredCertification:
    """A certification's ledger facts: its commitment, anchoring and who anchored it."""

    commitment: str
    doc_type: str
    owner: str  # the organization that anchored it: the certifier
    owner_role: str
    refs: Mapping[str, str]


@dataclass(frozen=True)
class ClaimedLine:
    """What the judgement of one line's claim needs from its entry."""

    line: int
    spi: str
    hts: str  # 10 digits, dotted
    origin: str
    importer: str  # the importer of record (organization)
    imported_on: datetime.date
    claimed_on: datetime.date  # the filing (or amendment) date, from the block time
    entry_value_usd: Decimal  # the entry's total entered value
    invoices: frozenset[str]  # invoice numbers of the entry's linked commercial invoices


@dataclass(frozen=True)
class ClaimOutcome:
    """How a line's preference claim stands: supported, waived, flagged or not checked."""

    spi: str
    agreement: str | None
    status: str
    reasons: tuple[str, ...] = ()
    certification: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"spi": self.spi, "agreement": self.agreement, "status": self.status,
                "reasons": list(self.reasons), "certification": self.certification}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClaimOutcome:
        return cls(data["spi"], data["agreement"], data["status"], tuple(data["reasons"]), data["certification"])


def hs6(hts: str) -> str:
    return hts.replace(".", "")[:6]


def _dotted6(code: str) -> str:
    return f"{code[:4]}.{code[4:]}"


def judge_claim(claim: ClaimedLine, certification: AnchoredCertification | None) -> ClaimOutcome:
    """Judge one line's SPI claim against the certification it references (or none)."""
    agreement = FTA_SPIS.get(claim.spi)
    if agreement is None:
        return ClaimOutcome(claim.spi, None, NOT_CHECKED, (
            f"SPI {claim.spi} is not a USMCA or CAFTA-DR claim; this ledger verifies only those",))
    reasons: list[str] = []
    if claim.origin not in PARTIES[agreement]:
        reasons.append(f"line {claim.line} claims {agreement} (SPI {claim.spi}) for goods of {claim.origin}, "
                       f"which is not a {agreement} Party")
    if certification is None:
        if claim.entry_value_usd <= LOW_VALUE_LIMIT_USD and not reasons:
            waiver = (f"no certification needed: the importation is worth US${claim.entry_value_usd}, "
                      f"not more than US${LOW_VALUE_LIMIT_USD} (low-value waiver)")
            return ClaimOutcome(claim.spi, agreement, WAIVED, (waiver,))
        if claim.entry_value_usd > LOW_VALUE_LIMIT_USD:
            reasons.append(f"line {claim.line} claims {agreement} (SPI {claim.spi}) without a certification of "
                           f"origin, and the importation (US${claim.entry_value_usd}) is over the "
                           f"US${LOW_VALUE_LIMIT_USD} low-value waiver; reference the certification")
        return ClaimOutcome(claim.spi, agreement, FLAGGED, tuple(reasons))
    reasons.extend(certification_problems(claim, agreement, certification))
    return ClaimOutcome(claim.spi, agreement, FLAGGED if reasons else SUPPORTED, tuple(reasons),
                        certification.commitment)


def certification_problems(claim: ClaimedLine, agreement: str, certification: AnchoredCertification
                           ) -> tuple[str, ...]:
    """Why the certification does not cover the line's claim; empty when it does."""
    where = f"line {claim.line}"
    if certification.doc_type != CERTIFICATION_DOC_TYPE:
        wrong_type = (f"{where}: document {certification.commitment[:12]}… is a {certification.doc_type}, "
                      "not a certification of origin")
        return (wrong_type,)
    try:
        terms = CertificationTerms.from_refs(certification.refs)
    except TermsError as exc:
        return (f"{where}: the certification's public terms cannot be read: {exc}",)
    problems = [f"{where}: {p}" for p in terms.period_problems()]
    if terms.agreement != agreement:
        problems.append(f"{where} claims {agreement} (SPI {claim.spi}) but the certification is for {terms.agreement}")
    if hs6(claim.hts) not in terms.hs:
        covered = ", ".join(_dotted6(code) for code in terms.hs)
        problems.append(f"{where}: the certification covers HS {covered}, not {_dotted6(hs6(claim.hts))} "
                        f"(HTS {claim.hts})")
    if certification.owner_role != terms.certifier_role:
        problems.append(f"{where}: the certification says its certifier is the {terms.certifier_role}, but it was "
                        f"anchored by {certification.owner}, a {certification.owner_role}")
    elif terms.certifier_role == "importer" and certification.owner != claim.importer:
        problems.append(f"{where}: an importer certifies only its own imports; {certification.owner} is not the "
                        f"importer of record {claim.importer}")
    if terms.importer is not None and terms.importer != claim.importer:
        problems.append(f"{where}: the certification names the importer {terms.importer}, not {claim.importer}")
    if terms.blanket_from is not None and terms.blanket_to is not None:
        if not terms.blanket_from <= claim.imported_on <= terms.blanket_to:
            problems.append(f"{where}: the goods were imported on {claim.imported_on}, outside the blanket period "
                            f"{terms.blanket_from} to {terms.blanket_to}")
    elif terms.invoice not in claim.invoices:
        problems.append(f"{where}: the certification covers the shipment of invoice {terms.invoice}, which is not "
                        "among the entry's commercial invoices")
    if terms.certified_on > claim.claimed_on:
        problems.append(f"{where}: the certification is dated {terms.certified_on}, after the claim "
                        f"({claim.claimed_on}); the importer must hold it when claiming")
    elif claim.claimed_on >= years_after(terms.certified_on, VALIDITY_YEARS):
        problems.append(f"{where}: the certification of {terms.certified_on} expired after {VALIDITY_YEARS} years")
    return tuple(problems)
