"""The entries contract: entry summaries (CBP Form 7501) filed with a customs authority.

An importer or its broker files an entry summary: the header (entry type, port, dates,
importer number, mode of transport, country of export, bill of lading), its lines (HTS-10,
country of origin, entered value, special program indicator, manufacturer ID, country of
melt and pour for steel) and the supporting documents it rests on, linked by their
anchored commitments (invoice, packing list, bill of lading, certification of origin, mill
certificate); a steel summary without its mill certificate lists it as missing (block 18).
A broker files and amends only while it holds a trusted license and the importer's power
of attorney, each registered once in the `brokers` contract and re-checked at every block.
Identifiers are checked by the pure domain engines (`contracts.entry_summary`); each
USMCA or CAFTA-DR claim is judged against the certification it references
(`contracts.preference`) and recorded as supported, waived or flagged with the reasons.

The customs authority the entry was filed with decides its lifecycle:

    filed --accept--> accepted --liquidate--> liquidated
      |  \\--review--> under_review --accept / reject
      \\--reject (reason)--> rejected --amend--> filed

The filer or the importer amends an entry until it is liquidated; each amendment is a new
version and the versions before it stay readable (`entry_versions`). Liquidation waits
while a verification of origin on one of its lines is open (the `origin` contract keeps
that index under the key format defined here).

The record keeps the fields other contracts read: `filed_with` and `lines[].flags` (access
rules), `importer`, `imported_on` (retention) and `lines[].marks` (the IPR check).
"""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from tradeledger.contracts import brokers, documents
from tradeledger.contracts.entry_summary import (
    EntryLine,
    EntrySummary,
    SupportingDocument,
    identifier,
    reason_text,
)
from tradeledger.contracts.preference import (
    AnchoredCertification,
    ClaimedLine,
    date_of_ms,
    judge_claim,
    parse_date,
)
from tradeledger.domain.entry_number import validate_entry_number
from tradeledger.ledger.authority import REGISTRY, org_key
from tradeledger.ledger.contract import Args, Contract, Refused, TxContext
from tradeledger.ledger.state import StateReader

__all__ = [
    "EntryLine",
    "EntrySummary",
    "SupportingDocument",
    "contract",
    "entries_linking",
    "entry_key",
    "entry_versions",
    "find_entry",
    "find_line",
]

NAMESPACE = "entries"
contract = Contract(NAMESPACE, "entry summaries filed with customs")
FILED, ACCEPTED, REJECTED, UNDER_REVIEW, LIQUIDATED = "filed", "accepted", "rejected", "under_review", "liquidated"

# ACE rejects type 86 from 29 August 2025, 12:01 a.m. Eastern (EO 14324; 90 FR 42418).
TYPE_86_ENDS_MS = 1756440060000  # 2025-08-29T04:01:00Z
# The origin contract's namespace and its index of open verifications, by entry: the
# lifecycle reads it to hold liquidation, and the origin contract writes it.
VERIFICATIONS_NAMESPACE = "origin"


def entry_key(entry_number: str) -> str:
    return f"entry:{entry_number}"


def version_key(entry_number: str, version: int) -> str:
    return f"version:{entry_number}/{version:06d}"


def linked_key(commitment: str, entry_number: str) -> str:
    return f"linked:{commitment}/{entry_number}"


def open_verification_prefix(entry_number: str) -> str:
    return f"open:{entry_number}/"


def open_verification_key(entry_number: str, line: int) -> str:
    return f"{open_verification_prefix(entry_number)}{line:04d}"


def _standard_entry_number(value: str) -> str:
    return identifier(validate_entry_number, value)


class FileEntry(EntrySummary):
    entry_number: str
    filed_with: str  # the customs organization
    importer: str  # the importer of record (organization name)

    _entry_number = field_validator("entry_number")(classmethod(lambda cls, v: _standard_entry_number(v)))


class AmendEntry(EntrySummary):
    entry_number: str
    reason: str  # why the summary changes; kept in the history

    _entry_number = field_validator("entry_number")(classmethod(lambda cls, v: _standard_entry_number(v)))
    _reason = field_validator("reason")(classmethod(lambda cls, v: reason_text(v)))


class DecideEntry(Args):
    entry_number: str
    reason: str = ""

    _entry_number = field_validator("entry_number")(classmethod(lambda cls, v: _standard_entry_number(v)))

    @field_validator("reason")
    @classmethod
    def _optional_reason(cls, v: str) -> str:
        return v if v == "" else reason_text(v)


class DecideWithReason(Args):
    entry_number: str
    reason: str  # required: a rejection or a review says why

    _entry_number = field_validator("entry_number")(classmethod(lambda cls, v: _standard_entry_number(v)))
    _reason = field_validator("reason")(classmethod(lambda cls, v: reason_text(v)))


# --- checks against ledger state ----------------------------------------------------------

def _organization(ctx: TxContext, name: str) -> dict[str, Any]:
    record = ctx.state.get(org_key(name), REGISTRY)
    ctx.require(record is not None and record.get("status") == "active", f"{name} is not an active organization")
    return record


def _filer_may_file(ctx: TxContext, importer: str) -> None:
    """The importer of record files its own entries; a broker files them while it holds a
    trusted, unrevoked license and the importer's power of attorney at this block's time
    (registered once in the `brokers` contract, re-checked here from state)."""
    if ctx.signer.organization == importer:
        return
    ctx.require(ctx.signer.role == "broker", "only the importer of record or a broker files its entries")
    why = brokers.refusal(ctx.state.reader, ctx.signer.organization, importer, ctx.block_time_ms)
    ctx.require(why is None, f"{ctx.signer.organization} may not act for {importer}: {why}")


def _linked_documents(ctx: TxContext, summary: EntrySummary) -> dict[str, dict[str, Any]]:
    """The anchored records of the linked documents, each of the type it is linked as."""
    found = {}
    for linked in summary.documents:
        record = documents.find_by_commitment(ctx.state.reader, linked.commitment)
        ctx.require(record is not None,
                    f"supporting document {linked.commitment[:12]}… is not anchored; anchor it first")
        assert record is not None
        ctx.require(record.doc_type == linked.doc_type,
                    f"supporting document {linked.commitment[:12]}… was anchored as a {record.doc_type}, "
                    f"not a {linked.doc_type}")
        found[linked.commitment] = record.to_dict()
    return found


def _check_summary(ctx: TxContext, summary: EntrySummary) -> dict[str, dict[str, Any]]:
    ctx.require(summary.entry_type != "86" or ctx.block_time_ms < TYPE_86_ENDS_MS,
                "entry type 86 (Section 321) is refused since 29 August 2025; file a formal or informal entry")
    for line in summary.lines:
        for agency in line.flags:
            ctx.require(_organization(ctx, agency)["role"] == "agency",
                        f"line {line.line} is flagged for {agency}, which is not a partner agency")
    return _linked_documents(ctx, summary)


def _claims(ctx: TxContext, summary: EntrySummary, importer: str, linked: dict[str, dict[str, Any]]
            ) -> list[dict[str, Any] | None]:
    """Each line's claim judged against its certification, in line order (None: no SPI)."""
    invoices = frozenset(record["refs"]["invoice"] for record in linked.values()
                         if record["doc_type"] == "commercial_invoice" and "invoice" in record["refs"])
    total = summary.total_entered_value()
    claims: list[dict[str, Any] | None] = []
    for line in summary.lines:
        if line.spi is None:
            claims.append(None)
            continue
        certification = None
        if line.certification is not None:
            record = linked[line.certification]
            owner = ctx.state.get(org_key(record["owner"]), REGISTRY) or {}
            certification = AnchoredCertification(record["commitment"], record["doc_type"], record["owner"],
                                                  owner.get("role", "unknown"), record["refs"])
        claim = ClaimedLine(line.line, line.spi, line.hts, line.origin, importer,
                            parse_date(summary.imported_on, "imported_on"), date_of_ms(ctx.block_time_ms), total,
                            invoices)
        claims.append(judge_claim(claim, certification).to_dict())
    return claims


def _record(ctx: TxContext, summary: EntrySummary, entry_number: str, importer: str, filed_with: str,
            filer: str, linked: dict[str, dict[str, Any]]) -> dict[str, Any]:
    claims = _claims(ctx, summary, importer, linked)
    lines = [{**line.model_dump(), "claim": claim} for line, claim in zip(summary.lines, claims)]
    return {
        "entry_number": entry_number,
        "filer": filer,
        "importer": importer,
        "filed_with": filed_with,
        "entry_type": summary.entry_type,
        "port_code": summary.port_code,
        "entry_date": summary.entry_date,
        "imported_on": summary.imported_on,
        "importer_number": summary.importer_number,
        "mode_of_transport": summary.mode_of_transport,
        "country_of_export": summary.country_of_export,
        "bill_of_lading": summary.bill_of_lading,
        "lines": lines,
        "documents": [d.model_dump() for d in summary.documents],
        "total_entered_value": str(summary.total_entered_value()),
        "missing_documents": summary.missing_documents(),
        "flagged_claims": [line["line"] for line in lines if line["claim"] and line["claim"]["status"] == "flagged"],
    }


def _event(ctx: TxContext, status: str, reason: str, version: int) -> dict[str, Any]:
    return {"status": status, "by": ctx.signer.organization, "at_ms": ctx.block_time_ms, "reason": reason,
            "version": version, "txid": ctx.txid}


def _link(ctx: TxContext, entry_number: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    for document in old:
        ctx.state.delete(linked_key(document["commitment"], entry_number))
    for document in new:
        ctx.state.put(linked_key(document["commitment"], entry_number), document["doc_type"])


# --- actions ------------------------------------------------------------------------------

@contract.action("file", FileEntry, roles={"importer", "broker"})
def file_entry(ctx: TxContext, args: FileEntry) -> None:
    ctx.require(ctx.state.get(entry_key(args.entry_number)) is None,
                f"entry {args.entry_number} is already filed; entry numbers are never reused")
    ctx.require(_organization(ctx, args.filed_with)["role"] == "customs",
                f"{args.filed_with} is not a customs authority")
    ctx.require(_organization(ctx, args.importer)["role"] == "importer",
                f"{args.importer} is not an importer")
    _filer_may_file(ctx, args.importer)
    linked = _check_summary(ctx, args)
    record = _record(ctx, args, args.entry_number, args.importer, args.filed_with, ctx.signer.organization, linked)
    record.update({
        "status": FILED, "status_reason": "", "version": 1, "filed_ms": ctx.block_time_ms,
        "updated_ms": ctx.block_time_ms, "txid": ctx.txid, "history": [_event(ctx, FILED, "", 1)],
    })
    ctx.state.put(entry_key(args.entry_number), record)
    _link(ctx, args.entry_number, [], record["documents"])
    ctx.emit("filed", entry_number=args.entry_number, filed_with=args.filed_with, importer=args.importer,
             flagged_claims=record["flagged_claims"])


@contract.action("amend", AmendEntry, roles={"importer", "broker"})
def amend_entry(ctx: TxContext, args: AmendEntry) -> None:
    current = _entry(ctx, args.entry_number)
    ctx.require(ctx.signer.organization in (current["filer"], current["importer"]),
                f"only the filer ({current['filer']}) or the importer ({current['importer']}) amends the entry")
    _filer_may_file(ctx, current["importer"])
    ctx.require(current["status"] != LIQUIDATED, "a liquidated entry is not amended; ask customs to reliquidate")
    linked = _check_summary(ctx, args)
    version = current["version"] + 1
    ctx.state.put(version_key(args.entry_number, current["version"]), current)
    record = _record(ctx, args, args.entry_number, current["importer"], current["filed_with"], current["filer"],
                     linked)
    record.update({
        "status": FILED, "status_reason": "", "version": version, "filed_ms": current["filed_ms"],
        "updated_ms": ctx.block_time_ms, "txid": ctx.txid,
        "history": current["history"] + [_event(ctx, "amended", args.reason, version)],
    })
    ctx.state.put(entry_key(args.entry_number), record)
    _link(ctx, args.entry_number, current["documents"], record["documents"])
    ctx.emit("amended", entry_number=args.entry_number, version=version, reason=args.reason,
             flagged_claims=record["flagged_claims"])


def _entry(ctx: TxContext, entry_number: str) -> dict[str, Any]:
    record = ctx.state.get(entry_key(entry_number))
    ctx.require(record is not None, f"no entry {entry_number} is filed")
    return record


def _decide(ctx: TxContext, entry_number: str, to: str, allowed_from: tuple[str, ...], reason: str) -> None:
    record = _entry(ctx, entry_number)
    ctx.require(ctx.signer.organization == record["filed_with"],
                f"only {record['filed_with']}, the customs authority the entry was filed with, decides it")
    ctx.require(record["status"] in allowed_from,
                f"entry {entry_number} is {record['status'].replace('_', ' ')}; it can become "
                f"{to.replace('_', ' ')} only from {' or '.join(s.replace('_', ' ') for s in allowed_from)}")
    ctx.state.put(entry_key(entry_number), {
        **record, "status": to, "status_reason": reason, "updated_ms": ctx.block_time_ms,
        "history": record["history"] + [_event(ctx, to, reason, record["version"])],
    })
    ctx.emit(to, entry_number=entry_number, reason=reason)


@contract.action("accept", DecideEntry, roles={"customs"})
def accept(ctx: TxContext, args: DecideEntry) -> None:
    _decide(ctx, args.entry_number, ACCEPTED, (FILED, UNDER_REVIEW), args.reason)


@contract.action("reject", DecideWithReason, roles={"customs"})
def reject(ctx: TxContext, args: DecideWithReason) -> None:
    _decide(ctx, args.entry_number, REJECTED, (FILED, UNDER_REVIEW), args.reason)


@contract.action("review", DecideWithReason, roles={"customs"})
def review(ctx: TxContext, args: DecideWithReason) -> None:
    _decide(ctx, args.entry_number, UNDER_REVIEW, (FILED, ACCEPTED), args.reason)


@contract.action("liquidate", DecideEntry, roles={"customs"})
def liquidate(ctx: TxContext, args: DecideEntry) -> None:
    open_lines = [int(key.rsplit("/", 1)[1]) for key, _ in
                  ctx.state.scan(open_verification_prefix(args.entry_number), VERIFICATIONS_NAMESPACE)]
    if open_lines:
        raise Refused(f"entry {args.entry_number} has an open verification of origin on line "
                       f"{open_lines[0]}; determine it before liquidating")
    _decide(ctx, args.entry_number, LIQUIDATED, (ACCEPTED,), args.reason)


# --- queries for contracts, nodes and the CLI -----------------------------------------------

def find_entry(state: StateReader, entry_number: str) -> dict[str, Any] | None:
    return state.get_state(NAMESPACE, entry_key(entry_number))


def entry_versions(state: StateReader, entry_number: str) -> list[dict[str, Any]]:
    """Every version of the entry, oldest first, the current one last; empty if not filed."""
    current = find_entry(state, entry_number)
    if current is None:
        return []
    earlier = [value for _key, value in state.scan_state(NAMESPACE, f"version:{entry_number}/")]
    return earlier + [current]


def entries_linking(state: StateReader, commitment: str) -> list[str]:
    """The entries whose current version links the document, such as one blanket certification."""
    prefix = f"linked:{commitment}/"
    return [key[len(prefix):] for key, _ in state.scan_state(NAMESPACE, prefix)]


def find_line(entry: dict[str, Any], line: int) -> dict[str, Any] | None:
    return next((item for item in entry["lines"] if item["line"] == line), None)
