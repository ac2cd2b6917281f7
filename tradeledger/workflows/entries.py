"""Entry summaries on a node: file, amend, decide and read them.

    file_entry     the importer of record, or a broker it empowered, files a summary with
                   a customs authority (a broker registers its standing first:
                   tradeledger.workflows.brokers);
    amend_entry    the filer or the importer amends it: a new version, the earlier ones
                   stay readable; who filed with whom for whom does not change;
    decide_entry   the customs authority it was filed with accepts, rejects, reviews or
                   liquidates it;
    read_entry     the entry as one organization's peer holds it: every version and the
                   verifications of origin on its lines at a member; its public facts (and
                   the lines flagged to it, for an agency) elsewhere.

The summary is private to the entry's importer, filer and customs (DESIGN.md decision 15):
this module splits what a caller hands it into the public arguments (number, parties,
flagged agencies), the private part "summary" for the entry's collection and one part
"lines" per flagged agency, holding only that agency's lines (`filing_inputs`). Each change
is signed by the acting organization, refused before it reaches the log when the contract
would refuse it (`Refused`, with the contract's reason), and answered with the entry as
the actor's own peer holds it once the receipt arrives. The rules are the entries
contract's (tradeledger.contracts.entries); this module only drives them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tradeledger.contracts import documents, entries, origin
from tradeledger.contracts.entries import AgencyView, EntryFiling, EntryRecord
from tradeledger.domain.entry_number import validate_entry_number
from tradeledger.domain.errors import IdentifierError
from tradeledger.ledger.authority import utc_text
from tradeledger.ledger.collections import PrivateInput
from tradeledger.runtime.node import Node
from tradeledger.runtime.receipts import Receipt, WaitLevel

Decision = Literal["accept", "reject", "review", "liquidate"]
DECISIONS: tuple[Decision, ...] = ("accept", "reject", "review", "liquidate")
# An amendment keeps these from the filing: the contract refuses them in its arguments.
_FIXED_AT_FILING = ("entry_number", "filed_with", "importer")


@dataclass(frozen=True)
class EntryOutcome:
    """What a change left: the entry as the actor's peer holds it after the receipt (None
    when the receipt came before the block, at wait level "ordered"), and the receipt."""

    entry_number: str
    entry: EntryRecord | None
    receipt: Receipt

    def to_dict(self) -> dict[str, Any]:
        entry = self.entry
        return {"entry_number": self.entry_number, "entry_status": entry.status if entry else None,
                "version": entry.version if entry else None,
                "flagged_claims": list(entry.flagged_claims) if entry else [],
                "missing_documents": list(entry.missing_documents) if entry else [], **self.receipt.to_dict()}


_AGENCY_HEADER = ("entry_type", "port_code", "entry_date", "imported_on")


def _flags(line: Any) -> list[str]:
    flags = line.get("flags", []) if isinstance(line, Mapping) else []
    return [flag for flag in flags if isinstance(flag, str)] if isinstance(flags, list) else []


def standard_number(entry_number: str) -> str:
    """The entry number in the standard form the contract keeps (and names collections by);
    an invalid one as given, for the contract to refuse with its reason."""
    try:
        return str(validate_entry_number(entry_number))
    except IdentifierError:
        return entry_number


def filing_inputs(entry_number: str, summary: Mapping[str, Any]) -> tuple[list[str], list[PrivateInput]]:
    """The flagged agencies (public) and the private parts of a filing or an amendment of
    `summary` (the summary's own fields, with "reason" for an amendment): one "lines" part
    per flagged agency with only its lines, then the "summary" part. The contract checks
    that they agree; a malformed summary is refused there, with its reason."""
    entry_number = standard_number(entry_number)
    lines = summary.get("lines")
    lines = lines if isinstance(lines, list) else []
    flagged = sorted({flag for line in lines for flag in _flags(line)})
    header = {key: summary[key] for key in _AGENCY_HEADER if key in summary}
    parts = [PrivateInput(entries.LINES, entries.agency_collection(entry_number, agency),
                          {**header, "lines": [line for line in lines if agency in _flags(line)]})
             for agency in flagged]
    parts.append(PrivateInput(entries.SUMMARY, entries.entry_collection(entry_number), dict(summary)))
    return flagged, parts


def _change(node: Node, organization: str, action: str, entry_number: str, args: dict[str, Any],
            wait: WaitLevel, private: list[PrivateInput]) -> EntryOutcome:
    receipt = node.submit_checked(organization, entries.NAMESPACE, action, args, wait=wait, private=private)
    return EntryOutcome(entry_number, entries.find_entry(node.state(organization), entry_number), receipt)


def _with_references(node: Node, organization: str, body: dict[str, Any]) -> dict[str, Any]:
    """The summary with the private references of each linked document the filer holds
    (a certification's terms, an invoice number) stated beside it, so that the entry's
    members judge the claims on them even when not all of them may read the document's
    collection; the contract checks them against the anchor's digest."""
    linked = body.get("documents")
    if not isinstance(linked, list):
        return body
    state = node.state(organization)
    stated = []
    for item in linked:
        if isinstance(item, dict) and "references" not in item and isinstance(item.get("commitment"), str):
            held = documents.private_references(state, item["commitment"])
            if held is not None:
                item = {**item, "references": held.to_dict()}
        stated.append(item)
    return {**body, "documents": stated}


def file_entry(node: Node, organization: str, summary: Mapping[str, Any],
               wait: WaitLevel = "final") -> EntryOutcome:
    """File `summary` (entry_number, filed_with, importer and the summary itself) as
    `organization`: the importer of record, or a broker empowered by it."""
    number = str(summary.get("entry_number"))
    body = _with_references(node, organization, {k: v for k, v in summary.items() if k not in _FIXED_AT_FILING})
    flagged, private = filing_inputs(number, body)
    args = {"entry_number": summary.get("entry_number"), "filed_with": summary.get("filed_with"),
            "importer": summary.get("importer"), "flagged_agencies": flagged}
    return _change(node, organization, "file", number, args, wait, private)


def amend_entry(node: Node, organization: str, entry_number: str, summary: Mapping[str, Any], reason: str,
                wait: WaitLevel = "final") -> EntryOutcome:
    """Replace the entry's summary with `summary`, saying why; the parties stay those of the filing."""
    body = _with_references(node, organization,
                            {k: v for k, v in summary.items() if k not in _FIXED_AT_FILING})
    flagged, private = filing_inputs(entry_number, {**body, "reason": reason})
    return _change(node, organization, "amend", entry_number,
                   {"entry_number": entry_number, "flagged_agencies": flagged}, wait, private)


def decide_entry(node: Node, organization: str, decision: Decision, entry_number: str, reason: str = "",
                 wait: WaitLevel = "final") -> EntryOutcome:
    """Customs' decision on an entry filed with it; a rejection or a review says why (the
    reason is private to the entry's members)."""
    private = [PrivateInput(entries.DECISION, entries.entry_collection(standard_number(entry_number)),
                            {"reason": reason})]
    return _change(node, organization, decision, entry_number, {"entry_number": entry_number}, wait, private)


@dataclass(frozen=True)
class EntryView:
    """An entry as one peer holds it: its public facts always; at a member every version,
    oldest first, and the verifications of origin on its lines; at a flagged agency the
    lines flagged to it."""

    entry_number: str
    filing: EntryFiling
    versions: tuple[EntryRecord, ...]
    verifications: tuple[origin.Verification, ...]
    agency_lines: AgencyView | None = None

    @property
    def visible(self) -> bool:
        """Whether the viewer holds the summary (a member of the entry's collection)."""
        return bool(self.versions)

    @property
    def current(self) -> EntryRecord:
        return self.versions[-1]

    def private_notice(self) -> str:
        filing = self.filing
        return (f"entry {filing.entry_number} is filed (status {filing.status.replace('_', ' ')}, version "
                f"{filing.version}, by {filing.filer} for {filing.importer} with {filing.filed_with} at "
                f"{utc_text(filing.filed_ms)}) but its content is private to its importer, filer and customs"
                + (" (you hold the lines flagged to you)" if self.agency_lines is not None else ""))

    def to_dict(self) -> dict[str, Any]:
        """At a member: the current version, with the verifications beside its fields.
        Elsewhere: the public facts, the notice, and an agency's own lines."""
        if self.visible:
            return {**self.current.to_dict(), "verifications": [v.to_dict() for v in self.verifications]}
        return {"entry_number": self.entry_number, "filing": self.filing.to_dict(), "content": self.private_notice(),
                "agency_lines": self.agency_lines.to_dict() if self.agency_lines is not None else None}


def read_entry(node: Node, viewer: str, entry_number: str) -> EntryView | None:
    """The entry as `viewer`'s peer holds it, or None if it was never filed."""
    state = node.state(viewer)
    filing = entries.find_filing(state, entry_number)
    if filing is None:
        return None
    versions = entries.entry_versions(state, entry_number)
    if versions:
        return EntryView(entry_number, filing, tuple(versions), tuple(origin.verifications_of(state, entry_number)))
    lines = entries.find_agency_lines(state, entry_number, viewer) if viewer in filing.flagged_agencies else None
    return EntryView(entry_number, filing, (), (), lines)
