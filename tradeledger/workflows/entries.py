"""Entry summaries on a node: file, amend, decide and read them.

    file_entry     the importer of record, or a broker it empowered, files a summary with
                   a customs authority (a broker registers its standing first:
                   tradeledger.workflows.brokers);
    amend_entry    the filer or the importer amends it: a new version, the earlier ones
                   stay readable; who filed with whom for whom does not change;
    decide_entry   the customs authority it was filed with accepts, rejects, reviews or
                   liquidates it;
    read_entry     every version of an entry and the verifications of origin on its lines,
                   as one organization's peer holds them.

Each change is signed by the acting organization, refused before it reaches the log when
the contract would refuse it (`Refused`, with the contract's reason), and answered with
the entry as the actor's own peer holds it once the receipt arrives. The rules are the
entries contract's (tradeledger.contracts.entries); this module only drives them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tradeledger.contracts import entries, origin
from tradeledger.contracts.entries import EntryRecord
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


def _change(node: Node, organization: str, action: str, entry_number: str, args: dict[str, Any],
            wait: WaitLevel) -> EntryOutcome:
    receipt = node.submit_checked(organization, entries.NAMESPACE, action, args, wait=wait)
    return EntryOutcome(entry_number, entries.find_entry(node.state(organization), entry_number), receipt)


def file_entry(node: Node, organization: str, summary: Mapping[str, Any],
               wait: WaitLevel = "final") -> EntryOutcome:
    """File `summary` (entry_number, filed_with, importer and the summary itself) as
    `organization`: the importer of record, or a broker empowered by it."""
    return _change(node, organization, "file", str(summary.get("entry_number")), dict(summary), wait)


def amend_entry(node: Node, organization: str, entry_number: str, summary: Mapping[str, Any], reason: str,
                wait: WaitLevel = "final") -> EntryOutcome:
    """Replace the entry's summary with `summary`, saying why; the parties stay those of the filing."""
    args = {k: v for k, v in summary.items() if k not in _FIXED_AT_FILING}
    return _change(node, organization, "amend", entry_number,
                   {**args, "entry_number": entry_number, "reason": reason}, wait)


def decide_entry(node: Node, organization: str, decision: Decision, entry_number: str, reason: str = "",
                 wait: WaitLevel = "final") -> EntryOutcome:
    """Customs' decision on an entry filed with it; a rejection or a review says why."""
    return _change(node, organization, decision, entry_number, {"entry_number": entry_number, "reason": reason},
                   wait)


@dataclass(frozen=True)
class EntryView:
    """Every version of an entry, oldest first, and the verifications of origin on its lines."""

    entry_number: str
    versions: tuple[EntryRecord, ...]
    verifications: tuple[origin.Verification, ...]

    @property
    def current(self) -> EntryRecord:
        return self.versions[-1]

    def to_dict(self) -> dict[str, Any]:
        """The current version, with the verifications beside its fields."""
        return {**self.current.to_dict(), "verifications": [v.to_dict() for v in self.verifications]}


def read_entry(node: Node, viewer: str, entry_number: str) -> EntryView | None:
    """The entry as `viewer`'s peer holds it, or None if it was never filed."""
    state = node.state(viewer)
    versions = entries.entry_versions(state, entry_number)
    if not versions:
        return None
    return EntryView(entry_number, tuple(versions), tuple(origin.verifications_of(state, entry_number)))
