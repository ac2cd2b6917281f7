"""The IPR engine's LicenseBook over ledger state, and the layout of the "ipr" namespace.

The ipr contract writes these keys; LedgerLicenseBook reads them through any StateReader
(a peer's store, or a transaction's overlay inside the contract), so the contract and a
node's queries feed the pure engine (tradeledger.domain.ipr) the same book.

    recordation:<id>                    Recordation.to_dict()
    mark:<mark>                         id of the latest recordation filed for the mark
    license:<id>                        License.to_dict(), with its termination once ended
    termination:<id>                    Termination.to_dict() (when and by whom it was recorded)
    held:<party>\\n<mark>\\n<id>          index: licenses of a mark held by a party (value: id)
    roots:<mark>\\n<id>                  index: licenses the owner granted (value: id)
    children:<parent>\\n<id>             index: sub-licenses of a license (value: id)
    usage:<id>                          {"days": [...], "running": [...]}: units entered under the
                                        license and every license below it, cumulative by day
    entry-usage:<entry number>          [UsageRecord.to_dict(), ...] counted for that entry
    check:<entry number>                customs' border check of the entry, line by line

Marks, parties and ids never hold control characters (the contract refuses them), so the
newline in the index keys cannot be forged by a name.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import date
from typing import Any

from tradeledger.domain.ipr import License, Recordation, UsageRecord
from tradeledger.ledger.state import StateReader

__all__ = [
    "NAMESPACE",
    "LedgerLicenseBook",
    "PendingUsageBook",
    "add_usage",
    "check_key",
    "children_key",
    "entry_usage_key",
    "held_key",
    "license_key",
    "mark_key",
    "recordation_key",
    "roots_key",
    "termination_key",
    "usage_key",
]

NAMESPACE = "ipr"


def recordation_key(recordation_id: str) -> str:
    return f"recordation:{recordation_id}"


def mark_key(mark: str) -> str:
    return f"mark:{mark}"


def license_key(license_id: str) -> str:
    return f"license:{license_id}"


def termination_key(license_id: str) -> str:
    return f"termination:{license_id}"


def _held_prefix(party: str, mark: str) -> str:
    return f"held:{party}\n{mark}\n"


def held_key(party: str, mark: str, license_id: str) -> str:
    return _held_prefix(party, mark) + license_id


def _roots_prefix(mark: str) -> str:
    return f"roots:{mark}\n"


def roots_key(mark: str, license_id: str) -> str:
    return _roots_prefix(mark) + license_id


def _children_prefix(parent_id: str) -> str:
    return f"children:{parent_id}\n"


def children_key(parent_id: str, license_id: str) -> str:
    return _children_prefix(parent_id) + license_id


def usage_key(license_id: str) -> str:
    return f"usage:{license_id}"


def entry_usage_key(entry_number: str) -> str:
    return f"entry-usage:{entry_number}"


def check_key(entry_number: str) -> str:
    return f"check:{entry_number}"


def add_usage(totals: dict[str, Any] | None, day: date, quantity: int) -> dict[str, Any]:
    """The usage totals of one license after `quantity` more units on `day` (a new value).

    Days are kept in order with the running total through each; the contract dates usage
    by the block, so this is almost always an append at the end."""
    days = list(totals["days"]) if totals else []
    running = list(totals["running"]) if totals else []
    text = day.isoformat()
    i = bisect.bisect_right(days, text)
    if i and days[i - 1] == text:
        for j in range(i - 1, len(running)):
            running[j] += quantity
    else:
        days.insert(i, text)
        running.insert(i, (running[i - 1] if i else 0) + quantity)
        for j in range(i + 1, len(running)):
            running[j] += quantity
    return {"days": days, "running": running}


class LedgerLicenseBook:
    """A LicenseBook (tradeledger.domain.ipr.book) over the "ipr" namespace of a StateReader.

    It only reads; the ipr contract validates with the engine's rules against this same
    book and then writes. Sequences come back in license-id order, as the protocol asks.
    """

    def __init__(self, state: StateReader) -> None:
        self._state = state

    def _get(self, key: str) -> Any | None:
        return self._state.get_state(NAMESPACE, key)

    def _licenses_under(self, prefix: str) -> list[License]:
        # Stores order keys differently (PostgreSQL collations); sort here.
        ids = sorted(value for _key, value in self._state.scan_state(NAMESPACE, prefix))
        found = (self.license(license_id) for license_id in ids)
        return [license for license in found if license is not None]

    # ----------------------------------------------------------------- LicenseBook

    def recordation(self, recordation_id: str) -> Recordation | None:
        data = self._get(recordation_key(recordation_id))
        return None if data is None else Recordation.from_dict(data)

    def recordation_for_mark(self, mark: str) -> Recordation | None:
        recordation_id = self._get(mark_key(mark))
        return None if recordation_id is None else self.recordation(recordation_id)

    def license(self, license_id: str) -> License | None:
        data = self._get(license_key(license_id))
        return None if data is None else License.from_dict(data)

    def licenses_held(self, party: str, mark: str) -> Sequence[License]:
        return self._licenses_under(_held_prefix(party, mark))

    def root_licenses(self, mark: str) -> Sequence[License]:
        return self._licenses_under(_roots_prefix(mark))

    def children(self, license_id: str) -> Sequence[License]:
        return self._licenses_under(_children_prefix(license_id))

    def quantity_used(self, license_id: str, through: date, excluding_entry: str | None = None) -> int:
        used = self._used_through(license_id, through)
        if excluding_entry is not None:
            for usage in self.entry_usage(excluding_entry):
                if usage.used_on <= through and license_id in self.self_and_ancestors(usage.license_id):
                    used -= usage.quantity
        return used

    # ----------------------------------------------------------------- more lookups

    def entry_usage(self, entry_number: str) -> list[UsageRecord]:
        """The usage counted for an entry when customs checked it."""
        return [UsageRecord.from_dict(item) for item in self._get(entry_usage_key(entry_number)) or ()]

    def self_and_ancestors(self, license_id: str) -> list[str]:
        """The license and every license above it, leaf first (stops at a missing parent or a cycle)."""
        ids: list[str] = []
        current: str | None = license_id
        while current is not None and current not in ids:
            ids.append(current)
            found = self._get(license_key(current))
            current = found["parent_id"] if found is not None else None
        return ids

    def _used_through(self, license_id: str, through: date) -> int:
        totals = self._get(usage_key(license_id))
        if not totals:
            return 0
        i = bisect.bisect_right(totals["days"], through.isoformat())
        return totals["running"][i - 1] if i else 0


class PendingUsageBook:
    """A LedgerLicenseBook that also counts usage not written yet.

    Checking an entry line by line, each line's units must count against the caps the
    next line is checked against, while the entry's usage is written once, at the end
    (a question naming the entry leaves out what is written for it). Re-asking a checked
    entry adds its lines' units back the same way, so the same day gives the same answer.
    """

    def __init__(self, book: LedgerLicenseBook) -> None:
        self._book = book
        self.pending: list[UsageRecord] = []
        self._lineage: dict[str, list[str]] = {}

    def add(self, usage: UsageRecord) -> None:
        self.pending.append(usage)

    def recordation(self, recordation_id: str) -> Recordation | None:
        return self._book.recordation(recordation_id)

    def recordation_for_mark(self, mark: str) -> Recordation | None:
        return self._book.recordation_for_mark(mark)

    def license(self, license_id: str) -> License | None:
        return self._book.license(license_id)

    def licenses_held(self, party: str, mark: str) -> Sequence[License]:
        return self._book.licenses_held(party, mark)

    def root_licenses(self, mark: str) -> Sequence[License]:
        return self._book.root_licenses(mark)

    def children(self, license_id: str) -> Sequence[License]:
        return self._book.children(license_id)

    def quantity_used(self, license_id: str, through: date, excluding_entry: str | None = None) -> int:
        used = self._book.quantity_used(license_id, through, excluding_entry)
        for usage in self.pending:
            if usage.used_on <= through and license_id in self.self_and_ancestors(usage.license_id):
                used += usage.quantity
        return used

    def self_and_ancestors(self, license_id: str) -> list[str]:
        found = self._lineage.get(license_id)
        if found is None:
            found = self._lineage[license_id] = self._book.self_and_ancestors(license_id)
        return found
