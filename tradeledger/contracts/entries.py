"""The entries contract: entry summaries (CBP Form 7501) filed with a customs authority.

An importer or its broker files an entry summary: the header (entry type, port, dates,
importer number, mode of transport, country of export, bill of lading), its lines (HTS-10,
country of origin, entered value, special program indicator, manufacturer ID, country of
melt and pour for steel) and the supporting documents it rests on, linked by their
anchored commitments (invoice, packing list, bill of lading, certification of origin, mill
certificate); a steel summary without its mill certificate lists it as missing (block 18).
A broker files and amends only while it holds a trusted license and the importer's power
of attorney, each registered in the `brokers` contract and re-checked at every filing as
of its block time. Identifiers are checked by the pure domain engines
(`contracts.entry_summary`); each USMCA or CAFTA-DR claim is judged against the
certification it references (its public anchor, `documents.find_by_commitment`;
`domain.origin.claims`) and recorded as supported, waived or flagged with the reasons.

The customs authority the entry was filed with decides its lifecycle:

    filed --accept--> accepted --liquidate--> liquidated
      |  \\--review--> under_review --accept / reject
      \\--reject (reason)--> rejected --amend--> filed

The filer or the importer amends an entry until it is liquidated; each amendment is a new
version and the versions before it stay readable (`entry_versions`). Liquidation waits
while a verification of origin on one of its lines is open (the `origin` contract keeps
that index under the key format defined here).

What is public and what is private (DESIGN.md decision 15). Public, judged by every peer:
the entry number, its filer, importer and customs office, which agencies its lines are
flagged to, its status, version and the history of its transitions without their reasons
(`EntryFiling`, `find_filing`): so anyone can prove that an entry exists, when it was filed
and where it stands, and every peer can judge who may act on it. Private:

* the summary itself (importer number, bill of lading, lines with values, HTS, MIDs,
  origin, claims and their judgements, supporting documents, dates) and every version of
  it, with the reasons of amendments and decisions: the part "summary" (and "decision") in
  `entry_collection(number)`, members the importer, the filer and customs (`find_entry`,
  `entry_versions`, answering None and [] to anyone else);
* for each flagged agency, the lines flagged to it and the header it needs: the part
  "lines" in `agency_collection(number, agency)`, members the entry's and the agency
  (`find_agency_lines`). The agency sees no other line.

The filer states both. The summary part runs last and checks, where the entry's members
hold both, that each agency was handed exactly its lines and that the public list of
flagged agencies is the one the lines bear; a filing that fails is refused there (a
private verdict, with submit_checked refusing it before it reaches the log). The broker's
standing is private to its power of attorney's collection (importer, broker, customs),
which the summary part reads under the read rule. What other contracts need of an entry
and may not read enters their private parts as payload stated by a member of both.

The record (`EntryRecord`) keeps the fields other contracts read: `filed_with` and
`lines[].flags` (access rules), `importer`, `imported_on` (retention) and `lines[].marks`
(the IPR check).

State (namespace "entries"), public:

    filing/<number>                 the entry's public facts, an EntryFiling

private, in `entry_collection(number)`'s namespace:

    entry/<number>                  the entry's current version, an EntryRecord
    version/<number>/<000001>       each earlier version, an EntryRecord

and in `agency_collection(number, agency)`'s: `lines`, the agency's lines (AgencyView).
In the origin contract's namespace, written by it (`open_verification_key`):

    open/<number>/<0001>            the open verification of origin on that line
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import field_validator

from tradeledger.contracts import brokers, documents
from tradeledger.contracts.entry_summary import (
    AgencyLines,
    EntryLine,
    EntrySummary,
    SupportingDocument,
    identifier,
    reason_text,
)
from tradeledger.domain.entry_number import validate_entry_number
from tradeledger.domain.origin.claims import (
    FLAGGED,
    AnchoredCertification,
    ClaimedLine,
    ClaimOutcome,
    date_of_ms,
    judge_claim,
)
from tradeledger.domain.origin.errors import OriginRecordError
from tradeledger.domain.origin.terms import parse_date
from tradeledger.errors import Refused
from tradeledger.identity.registry import OrganizationRecord, organization_record
from tradeledger.ledger.collections import private_namespace
from tradeledger.ledger.contract import Args, Contract, PrivateContext, TxContext
from tradeledger.ledger.keys import key_prefix, split_key, state_key
from tradeledger.ledger.state import StateReader
from tradeledger.records import FieldReader, RecordError

__all__ = [
    "ACCEPTED",
    "FILED",
    "LIQUIDATED",
    "REJECTED",
    "UNDER_REVIEW",
    "AgencyLines",
    "AgencyView",
    "EntryEvent",
    "EntryFiling",
    "EntryLine",
    "EntryRecord",
    "EntrySummary",
    "FilingEvent",
    "LineRecord",
    "LinkedDocument",
    "SupportingDocument",
    "agency_collection",
    "contract",
    "entry_collection",
    "entry_key",
    "entry_versions",
    "find_agency_lines",
    "find_entry",
    "find_filing",
    "flags_of",
    "open_verification_key",
    "open_verification_lines",
]

NAMESPACE = "entries"
contract = Contract(NAMESPACE, "entry summaries filed with customs")
FILED, ACCEPTED, REJECTED, UNDER_REVIEW, LIQUIDATED = "filed", "accepted", "rejected", "under_review", "liquidated"
AMENDED = "amended"  # a history event, not a status: an amendment leaves the entry filed

# ACE rejects type 86 from 29 August 2025, 12:01 a.m. Eastern (EO 14324; 90 FR 42418).
TYPE_86_ENDS_MS = 1756440060000  # 2025-08-29T04:01:00Z
# The origin contract's namespace and its index of open verifications, by entry: the
# lifecycle reads it to hold liquidation, and the origin contract writes it.
VERIFICATIONS_NAMESPACE = "origin"
ENTRY, VERSION, FILING, OPEN = "entry", "version", "filing", "open"
SUMMARY, LINES, DECISION = "summary", "lines", "decision"  # the private parts (and LINES the agency's key)


def filing_key(entry_number: str) -> str:
    return state_key(FILING, entry_number)


def entry_key(entry_number: str) -> str:
    return state_key(ENTRY, entry_number)


def version_key(entry_number: str, version: int) -> str:
    # Zero-padded so that a scan returns the versions in order.
    return state_key(VERSION, entry_number, f"{version:06d}")


def open_verification_key(entry_number: str, line: int) -> str:
    """The key, in the origin contract's namespace, of an open verification on the line."""
    return state_key(OPEN, entry_number, f"{line:04d}")


# --- the records it keeps -------------------------------------------------------------------

@dataclass(frozen=True)
class LinkedDocument:
    """A supporting document an entry links, by its anchored commitment."""

    doc_type: str
    commitment: str

    def to_dict(self) -> dict[str, Any]:
        return {"doc_type": self.doc_type, "commitment": self.commitment}

    @classmethod
    def from_dict(cls, data: Any) -> LinkedDocument:
        fields = FieldReader("linked document", data)
        return cls(fields.text("doc_type"), fields.text("commitment"))


@dataclass(frozen=True)
class LineRecord:
    """One line of a filed summary, with the judgement of its preference claim."""

    line: int
    description: str
    hts: str
    origin: str
    entered_value: str
    mid: str
    spi: str | None
    melt_pour: str | None
    certification: str | None
    flags: tuple[str, ...]
    marks: tuple[str, ...]
    claim: ClaimOutcome | None  # None: the line claims no preference

    @classmethod
    def of(cls, line: EntryLine, claim: ClaimOutcome | None) -> LineRecord:
        return cls(line.line, line.description, line.hts, line.origin, line.entered_value, line.mid, line.spi,
                   line.melt_pour, line.certification, tuple(line.flags), tuple(line.marks), claim)

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "description": self.description, "hts": self.hts, "origin": self.origin,
                "entered_value": self.entered_value, "mid": self.mid, "spi": self.spi, "melt_pour": self.melt_pour,
                "certification": self.certification, "flags": list(self.flags), "marks": list(self.marks),
                "claim": None if self.claim is None else self.claim.to_dict()}

    @classmethod
    def from_dict(cls, data: Any) -> LineRecord:
        fields = FieldReader("entry line", data)
        claim = fields.optional_object("claim")
        return cls(fields.integer("line"), fields.text("description"), fields.text("hts"), fields.text("origin"),
                   fields.text("entered_value"), fields.text("mid"), fields.optional_text("spi"),
                   fields.optional_text("melt_pour"), fields.optional_text("certification"),
                   fields.texts("flags"), fields.texts("marks"), None if claim is None else _claim(claim))


def _claim(data: Mapping[str, Any]) -> ClaimOutcome:
    try:
        return ClaimOutcome.from_dict(data)
    except OriginRecordError as exc:
        raise RecordError("entry line", "claim", f"is not a claim outcome ({exc})") from None


@dataclass(frozen=True)
class EntryEvent:
    """One step of an entry's history: who made it what, when, why, at which version."""

    status: str  # a status, or AMENDED
    by: str
    at_ms: int
    reason: str
    version: int
    txid: str

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "by": self.by, "at_ms": self.at_ms, "reason": self.reason,
                "version": self.version, "txid": self.txid}

    @classmethod
    def from_dict(cls, data: Any) -> EntryEvent:
        fields = FieldReader("entry event", data)
        return cls(fields.text("status"), fields.text("by"), fields.integer("at_ms"), fields.text("reason"),
                   fields.integer("version"), fields.text("txid"))


@dataclass(frozen=True)
class EntryRecord:
    """One version of an entry summary as the ledger keeps it: the parties, the summary's
    header, lines and linked documents, what the ledger found (total, missing documents,
    flagged claims) and where the entry stands in its lifecycle."""

    entry_number: str
    filer: str
    importer: str
    filed_with: str
    entry_type: str
    port_code: str
    entry_date: str
    imported_on: str
    importer_number: str
    mode_of_transport: str
    country_of_export: str
    bill_of_lading: str | None
    lines: tuple[LineRecord, ...]
    documents: tuple[LinkedDocument, ...]
    total_entered_value: str
    missing_documents: tuple[str, ...]
    flagged_claims: tuple[int, ...]
    status: str
    status_reason: str
    version: int
    filed_ms: int
    updated_ms: int
    txid: str  # the transaction that made this version
    history: tuple[EntryEvent, ...]

    def line(self, number: int) -> LineRecord | None:
        return next((line for line in self.lines if line.line == number), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry_number": self.entry_number, "filer": self.filer, "importer": self.importer,
            "filed_with": self.filed_with, "entry_type": self.entry_type, "port_code": self.port_code,
            "entry_date": self.entry_date, "imported_on": self.imported_on, "importer_number": self.importer_number,
            "mode_of_transport": self.mode_of_transport, "country_of_export": self.country_of_export,
            "bill_of_lading": self.bill_of_lading, "lines": [line.to_dict() for line in self.lines],
            "documents": [document.to_dict() for document in self.documents],
            "total_entered_value": self.total_entered_value, "missing_documents": list(self.missing_documents),
            "flagged_claims": list(self.flagged_claims), "status": self.status, "status_reason": self.status_reason,
            "version": self.version, "filed_ms": self.filed_ms, "updated_ms": self.updated_ms, "txid": self.txid,
            "history": [event.to_dict() for event in self.history],
        }

    @classmethod
    def from_dict(cls, data: Any) -> EntryRecord:
        fields = FieldReader("entry", data)
        return cls(
            fields.text("entry_number"), fields.text("filer"), fields.text("importer"), fields.text("filed_with"),
            fields.text("entry_type"), fields.text("port_code"), fields.text("entry_date"),
            fields.text("imported_on"), fields.text("importer_number"), fields.text("mode_of_transport"),
            fields.text("country_of_export"), fields.optional_text("bill_of_lading"),
            tuple(LineRecord.from_dict(line) for line in fields.items("lines")),
            tuple(LinkedDocument.from_dict(document) for document in fields.items("documents")),
            fields.text("total_entered_value"), fields.texts("missing_documents"),
            fields.integers("flagged_claims"), fields.text("status"), fields.text("status_reason"),
            fields.integer("version"), fields.integer("filed_ms"), fields.integer("updated_ms"),
            fields.text("txid"), tuple(EntryEvent.from_dict(event) for event in fields.items("history")),
        )


@dataclass(frozen=True)
class AgencyView:
    """What a flagged agency holds of an entry: the header it needs and its lines, as of
    the version and transaction that handed them over."""

    entry_number: str
    agency: str
    version: int
    txid: str
    entry_type: str
    port_code: str
    entry_date: str
    imported_on: str
    lines: tuple[EntryLine, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"entry_number": self.entry_number, "agency": self.agency, "version": self.version,
                "txid": self.txid, "entry_type": self.entry_type, "port_code": self.port_code,
                "entry_date": self.entry_date, "imported_on": self.imported_on,
                "lines": [line.model_dump() for line in self.lines]}

    @classmethod
    def from_dict(cls, data: Any) -> AgencyView:
        fields = FieldReader("agency lines", data)
        try:
            lines = tuple(EntryLine.model_validate(line) for line in fields.items("lines"))
        except ValueError:
            raise RecordError("agency lines", "lines", "are not entry lines") from None
        return cls(fields.text("entry_number"), fields.text("agency"), fields.integer("version"),
                   fields.text("txid"), fields.text("entry_type"), fields.text("port_code"),
                   fields.text("entry_date"), fields.text("imported_on"), lines)


# --- arguments and payloads --------------------------------------------------------------

def _standard_entry_number(value: str) -> str:
    return identifier(validate_entry_number, value)


def _agency_list(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("each flagged agency is named once")
    return sorted(value)


class FileEntry(Args):
    """The public arguments of a filing: who files what number for whom with whom, and which
    agencies its lines are flagged to. The summary itself is the private part "summary"."""

    entry_number: str
    filed_with: str  # the customs organization
    importer: str  # the importer of record (organization name)
    flagged_agencies: list[str] = []  # the partner agencies any line is flagged to

    _entry_number = field_validator("entry_number")(classmethod(lambda cls, v: _standard_entry_number(v)))
    _flagged = field_validator("flagged_agencies")(classmethod(lambda cls, v: _agency_list(v)))


class AmendEntry(Args):
    entry_number: str
    flagged_agencies: list[str] = []  # as amended

    _entry_number = field_validator("entry_number")(classmethod(lambda cls, v: _standard_entry_number(v)))
    _flagged = field_validator("flagged_agencies")(classmethod(lambda cls, v: _agency_list(v)))


class AmendedSummary(EntrySummary):
    """The private part "summary" of an amendment: the whole summary as amended, and why."""

    reason: str  # kept in the entry's private history

    _reason = field_validator("reason")(classmethod(lambda cls, v: reason_text(v)))


class DecideEntry(Args):
    entry_number: str

    _entry_number = field_validator("entry_number")(classmethod(lambda cls, v: _standard_entry_number(v)))


class Decision(Args):
    """The private part "decision" of customs' decision: its reason, kept in the private history."""

    reason: str = ""

    @field_validator("reason")
    @classmethod
    def _optional_reason(cls, v: str) -> str:
        return v if v == "" else reason_text(v)


# --- checks against ledger state ----------------------------------------------------------

def _organization(state: StateReader, name: str) -> OrganizationRecord:
    record = organization_record(state, name)
    if record is None or not record.active:
        raise Refused(f"{name} is not an active organization")
    return record


def _filer_may_file(ctx: PrivateContext, importer: str) -> None:
    """The importer of record files its own entries; a broker files them while it holds a
    trusted, unrevoked license and the importer's power of attorney at this block's time.
    Both are private to the power of attorney's collection (importer, broker, customs),
    which this part may read: each member of the entry's collection is a member of it."""
    if ctx.signer.organization == importer:
        return
    standing = brokers.standing(ctx.public, ctx.signer.organization, importer, ctx.block_time_ms)
    ctx.require(bool(standing), f"{ctx.signer.organization} may not act for {importer}: {standing.reason}")


def _linked_documents(ctx: PrivateContext, summary: EntrySummary) -> dict[str, documents.AnchoredDocument]:
    """The anchored records of the linked documents, each of the type it is linked as, with
    their private references where this part may read them: from the document's collection
    when every member of the entry's is a member of it, else as the filer states them,
    checked against the anchor's public references digest."""
    found = {}
    for linked in summary.documents:
        record = documents.find_visible(ctx.public, linked.commitment)
        if record is None:
            raise Refused(f"supporting document {linked.commitment[:12]}… is not anchored; anchor it first")
        ctx.require(record.doc_type == linked.doc_type,
                    f"supporting document {linked.commitment[:12]}… was anchored as a {record.doc_type}, "
                    f"not a {linked.doc_type}")
        stated = linked.references
        if stated is not None:
            ctx.require(documents.references_prove(record, stated.refs, stated.salt),
                        f"the references stated for supporting document {linked.commitment[:12]}… are not "
                        "those it was anchored with")
            record = dataclasses.replace(record, refs={**dict(record.refs), **stated.refs})
        found[linked.commitment] = record
    return found


def flags_of(summary: EntrySummary) -> list[str]:
    """The agencies any line of the summary is flagged to, sorted: the public list."""
    return sorted({agency for line in summary.lines for agency in line.flags})


def _check_summary(ctx: PrivateContext, summary: EntrySummary, flagged: list[str]
                   ) -> dict[str, documents.AnchoredDocument]:
    ctx.require(summary.entry_type != "86" or ctx.block_time_ms < TYPE_86_ENDS_MS,
                "entry type 86 (Section 321) is refused since 29 August 2025; file a formal or informal entry")
    # The public list is the filer's statement: the lines must bear it out, or an agency
    # would be left out of lines flagged to it (or named for none).
    ctx.require(flags_of(summary) == flagged,
                "the flagged agencies the filing names are not those its lines are flagged to")
    return _linked_documents(ctx, summary)


def _check_agency_lines(ctx: PrivateContext, entry_number: str, summary: EntrySummary, flagged: list[str]) -> None:
    """Each flagged agency was handed exactly its lines, in this transaction: its collection
    counts every member of the entry's, so this part reads what the "lines" parts wrote."""
    for agency in flagged:
        held = ctx.read(agency_collection(entry_number, agency)).get(LINES)
        expected = AgencyLines.of(summary, agency).model_dump()
        ctx.require(held is not None and held.get("txid") == ctx.txid
                    and {k: held.get(k) for k in expected} == expected,
                    f"the lines handed to {agency} are not the summary's lines flagged to it")


def _claims(ctx: PrivateContext, summary: EntrySummary, importer: str,
            linked: dict[str, documents.AnchoredDocument]) -> list[ClaimOutcome | None]:
    """Each line's claim judged against its certification, in line order (None: no SPI).
    The certification's anchor is public (`documents.find_by_commitment`)."""
    invoices = frozenset(record.refs["invoice"] for record in linked.values()
                         if record.doc_type == "commercial_invoice" and "invoice" in record.refs)
    total = summary.total_entered_value()
    claims: list[ClaimOutcome | None] = []
    for line in summary.lines:
        if line.spi is None:
            claims.append(None)
            continue
        certification = None
        if line.certification is not None:
            record = linked[line.certification]
            owner = organization_record(ctx.public, record.owner)
            certification = AnchoredCertification(record.commitment, record.doc_type, record.owner,
                                                  owner.role if owner else "unknown", dict(record.refs))
        claim = ClaimedLine(line.line, line.spi, line.hts, line.origin, importer,
                            parse_date(summary.imported_on, "imported_on"), date_of_ms(ctx.block_time_ms), total,
                            invoices)
        claims.append(judge_claim(claim, certification))
    return claims


def _event(ctx: TxContext | PrivateContext, status: str, reason: str, version: int) -> EntryEvent:
    return EntryEvent(status, ctx.signer.organization, ctx.block_time_ms, reason, version, ctx.txid)


def _version(ctx: PrivateContext, summary: EntrySummary, linked: dict[str, documents.AnchoredDocument], *,
             entry_number: str, importer: str, filed_with: str, filer: str, version: int, filed_ms: int,
             history: tuple[EntryEvent, ...]) -> EntryRecord:
    """The record of a summary just filed or amended: status filed, at this block."""
    claims = _claims(ctx, summary, importer, linked)
    lines = tuple(LineRecord.of(line, claim) for line, claim in zip(summary.lines, claims, strict=True))
    return EntryRecord(
        entry_number=entry_number, filer=filer, importer=importer, filed_with=filed_with,
        entry_type=summary.entry_type, port_code=summary.port_code, entry_date=summary.entry_date,
        imported_on=summary.imported_on, importer_number=summary.importer_number,
        mode_of_transport=summary.mode_of_transport, country_of_export=summary.country_of_export,
        bill_of_lading=summary.bill_of_lading, lines=lines,
        documents=tuple(LinkedDocument(d.doc_type, d.commitment) for d in summary.documents),
        total_entered_value=str(summary.total_entered_value()),
        missing_documents=tuple(summary.missing_documents()),
        flagged_claims=tuple(line.line for line in lines if line.claim and line.claim.status == FLAGGED),
        status=FILED, status_reason="", version=version, filed_ms=filed_ms, updated_ms=ctx.block_time_ms,
        txid=ctx.txid, history=history,
    )


def _filing(ctx: TxContext, entry_number: str) -> EntryFiling:
    record = find_filing(ctx.state.reader, entry_number)
    if record is None:
        raise Refused(f"no entry {entry_number} is filed")
    return record


def _held(ctx: PrivateContext, entry_number: str) -> EntryRecord:
    data = ctx.state.get(entry_key(entry_number))
    if data is None:  # a member that lost it halts instead; this is a collection never filed into
        raise Refused(f"this member holds no summary of entry {entry_number}")
    return EntryRecord.from_dict(data)


def _open_collections(ctx: TxContext, entry_number: str, importer: str, filer: str, filed_with: str,
                      flagged: list[str], summary_part: str) -> None:
    """Name the entry's collection and each flagged agency's, and require the envelope's
    parts: one "lines" per flagged agency, then the summary part last (it checks what the
    agencies were handed)."""
    for agency in flagged:
        ctx.require(_organization(ctx.state.reader, agency).role == "agency",
                    f"the entry is flagged for {agency}, which is not a partner agency")
    members = {importer, filer, filed_with}
    ctx.set_members(entry_collection(entry_number), members)
    for agency in flagged:
        ctx.set_members(agency_collection(entry_number, agency), members | {agency})
    parts = ctx.private_parts
    ctx.require(bool(parts) and parts[-1].part == summary_part
                and parts[-1].collection == entry_collection(entry_number)
                and len(ctx.parts_named(summary_part)) == 1,
                f"an entry's summary travels as one private part {summary_part!r} in its collection, "
                "after the agencies' lines")
    lines = ctx.parts_named(LINES)
    ctx.require(len(lines) == len(parts) - 1
                and sorted(p.collection for p in lines) == sorted(agency_collection(entry_number, a)
                                                                  for a in flagged),
                "an entry carries one private part 'lines' for each flagged agency, in that agency's collection")


# --- actions ------------------------------------------------------------------------------

@contract.action("file", FileEntry, roles={"importer", "broker"})
def file_entry(ctx: TxContext, args: FileEntry) -> None:
    state = ctx.state.reader
    ctx.require(ctx.state.get(filing_key(args.entry_number)) is None,
                f"entry {args.entry_number} is already filed; entry numbers are never reused")
    ctx.require(_organization(state, args.filed_with).role == "customs",
                f"{args.filed_with} is not a customs authority")
    ctx.require(_organization(state, args.importer).role == "importer", f"{args.importer} is not an importer")
    filer = ctx.signer.organization
    ctx.require(filer == args.importer or ctx.signer.role == "broker",
                "only the importer of record or a broker files its entries")
    _open_collections(ctx, args.entry_number, args.importer, filer, args.filed_with, args.flagged_agencies,
                      SUMMARY)
    filing = EntryFiling(args.entry_number, filer, args.importer, args.filed_with, tuple(args.flagged_agencies),
                         FILED, 1, ctx.block_time_ms, ctx.block_time_ms,
                         (FilingEvent(FILED, filer, ctx.block_time_ms, 1, ctx.txid),))
    ctx.state.put(filing_key(args.entry_number), filing.to_dict())
    ctx.emit("filed", entry_number=args.entry_number, filed_with=args.filed_with, importer=args.importer,
             filer=filer, flagged_agencies=list(args.flagged_agencies))


@contract.private("file", SUMMARY, EntrySummary)
def file_summary(ctx: PrivateContext, args: FileEntry, summary: EntrySummary) -> None:
    _filer_may_file(ctx, args.importer)
    linked = _check_summary(ctx, summary, args.flagged_agencies)
    _check_agency_lines(ctx, args.entry_number, summary, args.flagged_agencies)
    record = _version(ctx, summary, linked, entry_number=args.entry_number, importer=args.importer,
                      filed_with=args.filed_with, filer=ctx.signer.organization, version=1,
                      filed_ms=ctx.block_time_ms, history=(_event(ctx, FILED, "", 1),))
    ctx.state.put(entry_key(args.entry_number), record.to_dict())


def _agency_lines_part(ctx: PrivateContext, entry_number: str, lines: AgencyLines) -> None:
    """At the agency (and the entry's members): the lines flagged to it, and only those."""
    _kind, (_number, agency) = split_key(ctx.collection)
    ctx.require(bool(lines.lines) and all(agency in line.flags for line in lines.lines),
                f"an agency is handed the lines flagged to it ({agency}), at least one, and no other")
    filing = find_filing(ctx.public, entry_number)
    assert filing is not None  # the public handler wrote it in this transaction
    ctx.state.put(LINES, {**lines.model_dump(), "entry_number": entry_number, "agency": agency,
                          "version": filing.version, "txid": ctx.txid})


@contract.private("file", LINES, AgencyLines)
def file_agency_lines(ctx: PrivateContext, args: FileEntry, lines: AgencyLines) -> None:
    _agency_lines_part(ctx, args.entry_number, lines)


@contract.action("amend", AmendEntry, roles={"importer", "broker"})
def amend_entry(ctx: TxContext, args: AmendEntry) -> None:
    current = _filing(ctx, args.entry_number)
    ctx.require(ctx.signer.organization in (current.filer, current.importer),
                f"only the filer ({current.filer}) or the importer ({current.importer}) amends the entry")
    ctx.require(current.status != LIQUIDATED, "a liquidated entry is not amended; ask customs to reliquidate")
    _open_collections(ctx, args.entry_number, current.importer, current.filer, current.filed_with,
                      args.flagged_agencies, SUMMARY)
    version = current.version + 1
    amended = dataclasses.replace(
        current, flagged_agencies=tuple(args.flagged_agencies), status=FILED, version=version,
        updated_ms=ctx.block_time_ms,
        history=current.history + (FilingEvent(AMENDED, ctx.signer.organization, ctx.block_time_ms, version,
                                                ctx.txid),))
    ctx.state.put(filing_key(args.entry_number), amended.to_dict())
    ctx.emit("amended", entry_number=args.entry_number, version=version,
             flagged_agencies=list(args.flagged_agencies))


@contract.private("amend", SUMMARY, AmendedSummary)
def amend_summary(ctx: PrivateContext, args: AmendEntry, summary: AmendedSummary) -> None:
    current = _held(ctx, args.entry_number)
    _filer_may_file(ctx, current.importer)
    linked = _check_summary(ctx, summary, args.flagged_agencies)
    _check_agency_lines(ctx, args.entry_number, summary, args.flagged_agencies)
    version = current.version + 1
    ctx.state.put(version_key(args.entry_number, current.version), current.to_dict())
    record = _version(ctx, summary, linked, entry_number=args.entry_number, importer=current.importer,
                      filed_with=current.filed_with, filer=current.filer, version=version,
                      filed_ms=current.filed_ms,
                      history=current.history + (_event(ctx, AMENDED, summary.reason, version),))
    ctx.state.put(entry_key(args.entry_number), record.to_dict())


@contract.private("amend", LINES, AgencyLines)
def amend_agency_lines(ctx: PrivateContext, args: AmendEntry, lines: AgencyLines) -> None:
    _agency_lines_part(ctx, args.entry_number, lines)


def _decide(ctx: TxContext, entry_number: str, to: str, allowed_from: tuple[str, ...]) -> None:
    """A status transition, judged on the public record; its reason travels in the private
    part "decision" to the entry's members."""
    record = _filing(ctx, entry_number)
    ctx.require(ctx.signer.organization == record.filed_with,
                f"only {record.filed_with}, the customs authority the entry was filed with, decides it")
    ctx.require(record.status in allowed_from,
                f"entry {entry_number} is {record.status.replace('_', ' ')}; it can become "
                f"{to.replace('_', ' ')} only from {' or '.join(s.replace('_', ' ') for s in allowed_from)}")
    parts = ctx.private_parts
    ctx.require(len(parts) == 1 and parts[0].part == DECISION and parts[0].collection == entry_collection(entry_number),
                f"a decision carries one private part {DECISION!r} (its reason) in the entry's collection")
    decided = dataclasses.replace(record, status=to, updated_ms=ctx.block_time_ms,
                                  history=record.history + (FilingEvent(to, ctx.signer.organization,
                                                                        ctx.block_time_ms, record.version,
                                                                        ctx.txid),))
    ctx.state.put(filing_key(entry_number), decided.to_dict())
    ctx.emit(to, entry_number=entry_number)


def _decided(ctx: PrivateContext, entry_number: str, to: str, decision: Decision, reason_required: bool) -> None:
    ctx.require(bool(decision.reason) or not reason_required,
                f"state the reason the entry becomes {to.replace('_', ' ')}")
    record = _held(ctx, entry_number)
    decided = dataclasses.replace(record, status=to, status_reason=decision.reason, updated_ms=ctx.block_time_ms,
                                  history=record.history + (_event(ctx, to, decision.reason, record.version),))
    ctx.state.put(entry_key(entry_number), decided.to_dict())


def _declare_decision(action: str, to: str, allowed_from: tuple[str, ...], *, reason_required: bool,
                      precondition: Callable[[TxContext, DecideEntry], None] | None = None) -> None:
    """Customs' decision `action`: the public transition to `to` and its private reason."""

    def decide(ctx: TxContext, args: DecideEntry) -> None:
        if precondition is not None:
            precondition(ctx, args)
        _decide(ctx, args.entry_number, to, allowed_from)

    def decided(ctx: PrivateContext, args: DecideEntry, decision: Decision) -> None:
        _decided(ctx, args.entry_number, to, decision, reason_required=reason_required)

    contract.action(action, DecideEntry, roles={"customs"})(decide)
    contract.private(action, DECISION, Decision)(decided)


def _no_open_verification(ctx: TxContext, args: DecideEntry) -> None:
    open_lines = open_verification_lines(ctx.state.reader, args.entry_number)
    if open_lines:
        raise Refused(f"entry {args.entry_number} has an open verification of origin on line "
                      f"{open_lines[0]}; determine it before liquidating")


_declare_decision("accept", ACCEPTED, (FILED, UNDER_REVIEW), reason_required=False)
_declare_decision("reject", REJECTED, (FILED, UNDER_REVIEW), reason_required=True)
_declare_decision("review", UNDER_REVIEW, (FILED, ACCEPTED), reason_required=True)
_declare_decision("liquidate", LIQUIDATED, (ACCEPTED,), reason_required=False, precondition=_no_open_verification)


# --- queries for contracts, nodes and the CLI -----------------------------------------------

def entry_collection(entry_number: str) -> str:
    """The private collection of an entry: its importer, its filer and the customs office
    it is filed with (DESIGN.md decision 15)."""
    return state_key(ENTRY, entry_number)


def agency_collection(entry_number: str, agency: str) -> str:
    """The private collection of the lines of an entry flagged to one partner agency: the
    entry's members and that agency, which sees those lines only."""
    return state_key("agency_lines", entry_number, agency)


@dataclass(frozen=True)
class FilingEvent:
    """One public step of an entry's life: the status it took (or AMENDED), by whom, when,
    at which version. Its reason is private (`EntryEvent`)."""

    status: str
    by: str
    at_ms: int
    version: int
    txid: str

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "by": self.by, "at_ms": self.at_ms, "version": self.version,
                "txid": self.txid}

    @classmethod
    def from_dict(cls, data: Any) -> FilingEvent:
        fields = FieldReader("filing event", data)
        return cls(fields.text("status"), fields.text("by"), fields.integer("at_ms"), fields.integer("version"),
                   fields.text("txid"))


@dataclass(frozen=True)
class EntryFiling:
    """What every participant may know of an entry (public): its number, who filed it for
    whom with which customs office, where it stands, and which agencies its lines are
    flagged to. Its content is private to the entry's collection (`find_entry`)."""

    entry_number: str
    filer: str
    importer: str
    filed_with: str
    flagged_agencies: tuple[str, ...]
    status: str
    version: int
    filed_ms: int
    updated_ms: int
    history: tuple[FilingEvent, ...] = ()

    @property
    def members(self) -> tuple[str, ...]:
        """The members of the entry's collection."""
        return tuple(sorted({self.importer, self.filer, self.filed_with}))

    def to_dict(self) -> dict[str, Any]:
        return {"entry_number": self.entry_number, "filer": self.filer, "importer": self.importer,
                "filed_with": self.filed_with, "flagged_agencies": list(self.flagged_agencies),
                "status": self.status, "version": self.version, "filed_ms": self.filed_ms,
                "updated_ms": self.updated_ms, "history": [event.to_dict() for event in self.history]}

    @classmethod
    def from_dict(cls, data: Any) -> EntryFiling:
        fields = FieldReader("entry filing", data)
        return cls(fields.text("entry_number"), fields.text("filer"), fields.text("importer"),
                   fields.text("filed_with"), fields.texts("flagged_agencies"), fields.text("status"),
                   fields.integer("version"), fields.integer("filed_ms"), fields.integer("updated_ms"),
                   tuple(FilingEvent.from_dict(event) for event in fields.items("history")))


def find_filing(state: StateReader, entry_number: str) -> EntryFiling | None:
    """The public facts of an entry, or None if it was never filed."""
    data = state.get_state(NAMESPACE, filing_key(entry_number))
    return None if data is None else EntryFiling.from_dict(data)


def find_entry(state: StateReader, entry_number: str) -> EntryRecord | None:
    """The entry's current version, or None if it was never filed or `state` is not a
    member's (its content is private to the importer, the filer and customs)."""
    data = state.get_state(private_namespace(NAMESPACE, entry_collection(entry_number)), entry_key(entry_number))
    return None if data is None else EntryRecord.from_dict(data)


def entry_versions(state: StateReader, entry_number: str) -> list[EntryRecord]:
    """Every version of the entry, oldest first, the current one last; empty if not filed
    or not visible to `state`."""
    current = find_entry(state, entry_number)
    if current is None:
        return []
    namespace = private_namespace(NAMESPACE, entry_collection(entry_number))
    earlier = [EntryRecord.from_dict(value)
               for _key, value in state.scan_state(namespace, key_prefix(VERSION, entry_number))]
    return [*earlier, current]


def find_agency_lines(state: StateReader, entry_number: str, agency: str) -> AgencyView | None:
    """The lines of the entry flagged to `agency`, as the agency's collection holds them
    (at that agency and the entry's members); None elsewhere or if never flagged to it."""
    data = state.get_state(private_namespace(NAMESPACE, agency_collection(entry_number, agency)), LINES)
    return None if data is None else AgencyView.from_dict(data)


def open_verification_lines(state: StateReader, entry_number: str) -> list[int]:
    """The entry's lines under an open verification of origin, in line order."""
    return [int(split_key(key)[1][1])
            for key, _ in state.scan_state(VERIFICATIONS_NAMESPACE, key_prefix(OPEN, entry_number))]
