"""The public terms of a certification of origin: what its certifier anchors beside the commitment.

A certification of origin (FACTS §2) stays in its certifier's vault. Its certifier anchors
it (doc type `certification_of_origin`) with its public terms as references:

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
Whether the signed credential says what its terms say is checked once the certification is
disclosed to customs (`domain.origin.determination`). Pure: no state, no clock, no I/O.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass

from tradeledger.errors import TradeledgerError

CERTIFICATION_DOC_TYPE = "certification_of_origin"
USMCA, CAFTA_DR = "USMCA", "CAFTA-DR"
AGREEMENTS = (USMCA, CAFTA_DR)

CERTIFIER_ROLES = ("importer", "exporter", "producer")

BLANKET_MONTHS = 12
# USMCA Art. 5.2 and CAFTA-DR Art. 4.16: a certification is valid four years after it is
# completed (FACTS §2 marks this [K]: confirm before relying on it in production).
VALIDITY_YEARS = 4

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HS6 = re.compile(r"^\d{6}$")


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
