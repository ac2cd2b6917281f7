"""The data of an entry summary (CBP Form 7501) the ledger keeps, and its validation.

Argument schemas of the entries contract: the header, the lines and the linked supporting
documents. Identifiers are checked by the pure domain engines (entry number, HTS-10, MID,
port code, importer number); code lists are those of the form's instructions (FACTS §1).
Every check here needs only the data itself; checks against ledger state are the
contract's (tradeledger.contracts.entries).
"""

from __future__ import annotations

import re
from decimal import Decimal

from pydantic import field_validator, model_validator

from tradeledger.domain.errors import IdentifierError
from tradeledger.domain.hts import validate_hts10
from tradeledger.domain.importer_number import validate_importer_number
from tradeledger.domain.mid import CANADIAN_PROVINCE_CODES, validate_mid
from tradeledger.domain.origin.claims import FTA_SPIS, KNOWN_SPIS
from tradeledger.domain.origin.terms import CERTIFICATION_DOC_TYPE, parse_date
from tradeledger.domain.port_code import validate_port_code
from tradeledger.ledger.contract import Args

COUNTRY = re.compile(r"^[A-Z]{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
COMMITMENT = re.compile(r"^[0-9a-f]{64}$")
AMOUNT = re.compile(r"^(0|[1-9]\d{0,11})(\.\d{1,2})?$")  # US dollars, at most cents

# Block 2 entry types (FACTS §1.4).
ENTRY_TYPES = {
    "01": "free and dutiable consumption", "02": "quota/visa", "03": "antidumping/countervailing duty",
    "04": "appraisement", "05": "vessel repair", "06": "foreign trade zone consumption",
    "07": "quota/visa and AD/CVD", "08": "duty deferral", "11": "informal free and dutiable",
    "12": "informal quota", "21": "warehouse", "22": "re-warehouse", "23": "temporary importation bond",
    "24": "trade fair", "25": "permanent exhibition", "26": "foreign trade zone admission",
    "31": "warehouse withdrawal for consumption", "32": "warehouse withdrawal quota/visa",
    "34": "warehouse withdrawal AD/CVD", "38": "warehouse withdrawal quota/visa and AD/CVD",
    "51": "Defense Contract Management Agency", "52": "other federal agency",
    "86": "Section 321 de minimis cargo release",
}
# Block 9 modes of transport (FACTS §1.5, UN/ECE Rec. 19 tens).
MODES_OF_TRANSPORT = {
    "10": "vessel, non-container", "11": "vessel, container", "12": "border waterborne", "20": "rail",
    "21": "rail, container", "30": "truck", "31": "truck, container", "32": "auto", "33": "pedestrian",
    "34": "road, other", "40": "air", "41": "air, container", "50": "mail", "60": "passenger, hand-carried",
    "70": "fixed transport installation (pipeline, power line)",
}
# Supporting documents an entry links, by anchored doc type (the access rules name the same).
LINKABLE_DOCUMENTS = ("commercial_invoice", "packing_list", "bill_of_lading", CERTIFICATION_DOC_TYPE,
                      "mill_certificate")
STEEL_CHAPTERS = ("72", "73")
# A steel mill certificate must be submitted for chapter 72 and headings 7301-7307 (FACTS §7).
MILL_CERTIFICATE_HEADINGS = tuple(f"730{i}" for i in range(1, 8))


def identifier(parse, value: str) -> str:
    """A domain engine's parse of an identifier, in standard form; its error as a ValueError for pydantic."""
    try:
        return str(parse(value))
    except IdentifierError as exc:
        raise ValueError(str(exc)) from None


def _date(value: str, name: str) -> str:
    if not DATE.match(value):
        raise ValueError(f"{name} is a date as YYYY-MM-DD")
    try:
        parse_date(value, name)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    return value


def _country(value: str, what: str) -> str:
    if not COUNTRY.match(value):
        raise ValueError(f"{what} is an ISO 3166 alpha-2 code such as MX")
    return value


def reason_text(value: str) -> str:
    if len(value.strip()) < 3 or len(value) > 500:
        raise ValueError("state the reason in 3 to 500 characters")
    return value


class StatedReferences(Args):
    """A document's private references as the filer states them, with the salt of their
    public digest: for a filer that is not a member of the document's collection (a broker
    given the certification's terms by the importer). The contract checks them against the
    document's public references digest."""

    refs: dict[str, str]
    salt: str


class SupportingDocument(Args):
    doc_type: str  # one of LINKABLE_DOCUMENTS
    commitment: str  # the document's anchored commitment
    references: StatedReferences | None = None

    @field_validator("doc_type")
    @classmethod
    def _doc_type(cls, v: str) -> str:
        if v not in LINKABLE_DOCUMENTS:
            raise ValueError(f"supporting documents are {', '.join(LINKABLE_DOCUMENTS)}")
        return v

    @field_validator("commitment")
    @classmethod
    def _commitment(cls, v: str) -> str:
        if not COMMITMENT.match(v):
            raise ValueError("a commitment is 64 lowercase hex digits")
        return v


class EntryLine(Args):
    line: int
    description: str  # block 32
    hts: str  # block 33A, HTS-10
    origin: str  # country of origin, ISO alpha-2
    entered_value: str  # block 36A, US dollars as a decimal string
    mid: str  # manufacturer ID (block 13, reported per line)
    spi: str | None = None  # special program indicator claimed before the HTS number
    melt_pour: str | None = None  # block 21, country of melt and pour: steel (chapters 72, 73) only
    certification: str | None = None  # commitment of the certification of origin an S/P claim rests on
    flags: list[str] = []  # partner agencies (organization names) the line is flagged for
    marks: list[str] = []  # trademarks the goods bear, for the border IPR check

    _hts = field_validator("hts")(classmethod(lambda cls, v: identifier(validate_hts10, v)))
    _mid = field_validator("mid")(classmethod(lambda cls, v: identifier(validate_mid, v)))
    _origin = field_validator("origin")(classmethod(lambda cls, v: _country(v, "country of origin")))

    @field_validator("description")
    @classmethod
    def _description(cls, v: str) -> str:
        if not v.strip() or len(v) > 500:
            raise ValueError("describe the merchandise in 1 to 500 characters")
        return v

    @field_validator("entered_value")
    @classmethod
    def _entered_value(cls, v: str) -> str:
        if not AMOUNT.match(v):
            raise ValueError('entered value is US dollars as a decimal string such as "28500" or "28500.00"')
        return v

    @field_validator("spi")
    @classmethod
    def _spi(cls, v: str | None) -> str | None:
        if v is not None and v not in KNOWN_SPIS:
            raise ValueError(f"{v!r} is not a special program indicator of HTSUS General Note 3(c)(i) "
                             "(USMCA is S or S+, CAFTA-DR P or P+)")
        return v

    @field_validator("melt_pour")
    @classmethod
    def _melt_pour(cls, v: str | None) -> str | None:
        return None if v is None else _country(v, "country of melt and pour")

    @field_validator("certification")
    @classmethod
    def _certification(cls, v: str | None) -> str | None:
        if v is not None and not COMMITMENT.match(v):
            raise ValueError("certification is the commitment (64 lowercase hex digits) of the certification of origin")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> EntryLine:
        chapter = self.hts[:2]
        if chapter in STEEL_CHAPTERS and self.melt_pour is None:
            raise ValueError(f"line {self.line}: steel of chapter {chapter} reports its country of melt and pour "
                             "(melt_pour, block 21)")
        if chapter not in STEEL_CHAPTERS and self.melt_pour is not None:
            raise ValueError(f"line {self.line}: the country of melt and pour is reported for steel "
                             "(chapters 72 and 73) only")
        if self.certification is not None and self.spi not in FTA_SPIS:
            raise ValueError(f"line {self.line}: a certification of origin supports an S, S+, P or P+ claim, "
                             "and the line claims none")
        mid_country = self.mid[:2]
        expected = set(CANADIAN_PROVINCE_CODES.values()) if self.origin == "CA" else {self.origin}
        if mid_country not in expected:
            raise ValueError(f"line {self.line}: MID {self.mid} starts with {mid_country}, but a MID starts with "
                             f"the country of origin {self.origin}"
                             + (" (for Canada, the province code)" if self.origin == "CA" else ""))
        return self


class EntrySummary(Args):
    """The data of a CBP Form 7501 that the ledger keeps, filed or amended."""

    entry_type: str  # block 2
    port_code: str  # block 6, Schedule D
    entry_date: str  # block 7, YYYY-MM-DD
    imported_on: str  # block 11, date of importation; record retention counts from it
    importer_number: str  # block 27
    mode_of_transport: str  # block 9
    country_of_export: str  # block 14
    bill_of_lading: str | None = None  # block 12, B/L or air waybill number
    lines: list[EntryLine]
    documents: list[SupportingDocument] = []

    _port = field_validator("port_code")(classmethod(lambda cls, v: identifier(validate_port_code, v)))
    _importer_number = field_validator("importer_number")(
        classmethod(lambda cls, v: identifier(validate_importer_number, v)))
    _entry_date = field_validator("entry_date")(classmethod(lambda cls, v: _date(v, "entry_date")))
    _imported_on = field_validator("imported_on")(classmethod(lambda cls, v: _date(v, "imported_on")))
    _export = field_validator("country_of_export")(classmethod(lambda cls, v: _country(v, "country of export")))

    @field_validator("entry_type")
    @classmethod
    def _entry_type(cls, v: str) -> str:
        if v not in ENTRY_TYPES:
            raise ValueError(f"entry type {v!r} is not a block 2 code such as 01 (consumption) or 11 (informal)")
        return v

    @field_validator("mode_of_transport")
    @classmethod
    def _mode(cls, v: str) -> str:
        if v not in MODES_OF_TRANSPORT:
            raise ValueError(f"mode of transport {v!r} is not a block 9 code such as 11 (vessel, container), "
                             "30 (truck) or 40 (air)")
        return v

    @field_validator("bill_of_lading")
    @classmethod
    def _bill_of_lading(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^[A-Z0-9-]{1,50}$", v):
            raise ValueError("the bill of lading or air waybill number is 1 to 50 capital letters, digits and hyphens")
        return v

    @field_validator("lines")
    @classmethod
    def _lines(cls, v: list[EntryLine]) -> list[EntryLine]:
        if not v:
            raise ValueError("an entry has at least one line")
        if [line.line for line in v] != list(range(1, len(v) + 1)):
            raise ValueError("lines are numbered 1, 2, 3 ... in order")
        return v

    @model_validator(mode="after")
    def _documents(self) -> EntrySummary:
        commitments = [d.commitment for d in self.documents]
        if len(set(commitments)) != len(commitments):
            raise ValueError("each supporting document is linked once")
        certifications = {d.commitment for d in self.documents if d.doc_type == CERTIFICATION_DOC_TYPE}
        for line in self.lines:
            if line.certification is not None and line.certification not in certifications:
                raise ValueError(f"line {line.line}: list its certification of origin among the documents "
                                 f"(doc_type {CERTIFICATION_DOC_TYPE})")
        return self

    def missing_documents(self) -> list[str]:
        """Documents the lines call for that the summary does not link (block 18, missing
        documents): a mill certificate for chapter 72 and headings 7301-7307."""
        steel = any(line.hts[:2] == "72" or line.hts[:4] in MILL_CERTIFICATE_HEADINGS for line in self.lines)
        if steel and not any(d.doc_type == "mill_certificate" for d in self.documents):
            return ["mill_certificate"]
        return []

    def total_entered_value(self) -> Decimal:
        return sum((Decimal(line.entered_value) for line in self.lines), Decimal(0))


class AgencyLines(Args):
    """The private part "lines" of a filing for one flagged agency: the minimum header an
    agency needs to act on a line, and the lines flagged to it, nothing of the others."""

    entry_type: str
    port_code: str
    entry_date: str
    imported_on: str
    lines: list[EntryLine]

    @classmethod
    def of(cls, summary: EntrySummary, agency: str) -> AgencyLines:
        return cls(entry_type=summary.entry_type, port_code=summary.port_code, entry_date=summary.entry_date,
                   imported_on=summary.imported_on, lines=[line for line in summary.lines if agency in line.flags])
