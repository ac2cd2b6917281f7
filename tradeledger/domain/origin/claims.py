"""Preference claims on entry lines, and whether a certification of origin supports them.

A line claims free-trade preference with a special program indicator (SPI) before its HTS
number (FACTS §1.6): S or S+ for USMCA, P or P+ for CAFTA-DR. The claim rests on a
certification of origin the importer holds (FACTS §2), unless the low-value waiver applies.
`judge_claim` judges it against the certification's public terms (`domain.origin.terms`)
as the entries contract reads them from ledger state when the line is filed or amended.
Pure: the same line and terms give the same outcome on every peer.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradeledger.domain.origin.errors import OriginRecordError
from tradeledger.domain.origin.terms import (
    CAFTA_DR,
    CERTIFICATION_DOC_TYPE,
    USMCA,
    VALIDITY_YEARS,
    CertificationTerms,
    TermsError,
    years_after,
)

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

# USMCA Art. 5.5 as the United States applies it, and 19 CFR 10.586 for CAFTA-DR: no
# certification is required for a commercial importation worth no more than US$2,500.
LOW_VALUE_LIMIT_USD = Decimal(2500)

SUPPORTED, WAIVED, FLAGGED, NOT_CHECKED = "supported", "waived", "flagged", "not_checked"


def date_of_ms(ms: int) -> datetime.date:
    """The UTC calendar date of a ledger time; pure, so contracts may use it."""
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC).date()


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
        try:
            return cls(data["spi"], data["agreement"], data["status"], tuple(data["reasons"]),
                       data["certification"])
        except (KeyError, TypeError):
            raise OriginRecordError("not a claim outcome: spi, agreement, status, reasons, certification") from None


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
