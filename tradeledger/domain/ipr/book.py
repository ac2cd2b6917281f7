"""The lookups the IPR engine reads (LicenseBook) and an in-memory book that keeps them.

The engine never writes: authorize() and the validators read a LicenseBook. The ledger
contract implements the same protocol over ledger state; MemoryLicenseBook serves tests,
benchmarks and offline tools. Sequences come back in license-id order so that every
implementation gives the engine the same input, and so the same answer.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from . import rules
from .model import License, Recordation, RecordationDecision, RecordationStatus, Termination, UsageRecord, terminated

__all__ = ["LicenseBook", "MemoryLicenseBook"]


class LicenseBook(Protocol):
    def recordation(self, recordation_id: str) -> Recordation | None:
        """The recordation filed under this CBP recordation number."""

    def recordation_for_mark(self, mark: str) -> Recordation | None:
        """The latest recordation filed for this mark (whatever its status)."""

    def license(self, license_id: str) -> License | None:
        """The license as it stands now (with its termination, if any)."""

    def licenses_held(self, party: str, mark: str) -> Sequence[License]:
        """Licenses of `mark` whose licensee is `party`, in license-id order."""

    def root_licenses(self, mark: str) -> Sequence[License]:
        """Licenses of `mark` granted by its owner (no parent), in license-id order."""

    def children(self, license_id: str) -> Sequence[License]:
        """Sub-licenses that extend this license, in license-id order."""

    def quantity_used(self, license_id: str, through: date, excluding_entry: str | None = None) -> int:
        """Units entered on or before `through` under this license or any license below it,
        leaving out the entry `excluding_entry` (so an entry already counted can be re-asked)."""


class _UsageTotals:
    """Usage of one license and its descendants: days in order with running totals."""

    __slots__ = ("days", "running")

    def __init__(self) -> None:
        self.days: list[date] = []
        self.running: list[int] = []

    def add(self, day: date, quantity: int) -> None:
        i = bisect.bisect_right(self.days, day)
        before = self.running[i - 1] if i else 0
        self.days.insert(i, day)
        self.running.insert(i, before + quantity)
        for j in range(i + 1, len(self.running)):
            self.running[j] += quantity

    def through(self, day: date) -> int:
        i = bisect.bisect_right(self.days, day)
        return self.running[i - 1] if i else 0


class MemoryLicenseBook:
    """A LicenseBook in memory, with indexes for every lookup.

    file_recordation, decide_recordation, grant, terminate and record_usage validate with
    rules.py first and raise its IprRefused subclasses; a refused call changes nothing.
    """

    def __init__(self) -> None:
        self._recordations: dict[str, Recordation] = {}
        self._latest_for_mark: dict[str, str] = {}
        self._licenses: dict[str, License] = {}
        self._held: dict[tuple[str, str], list[str]] = {}
        self._roots: dict[str, list[str]] = {}
        self._children: dict[str, list[str]] = {}
        self._usage: dict[str, _UsageTotals] = {}
        self._usage_by_entry: dict[str, list[UsageRecord]] = {}
        self._usage_log: list[UsageRecord] = []
        self._terminations: list[Termination] = []

    # ----------------------------------------------------------------- LicenseBook

    def recordation(self, recordation_id: str) -> Recordation | None:
        return self._recordations.get(recordation_id)

    def recordation_for_mark(self, mark: str) -> Recordation | None:
        recordation_id = self._latest_for_mark.get(mark)
        return None if recordation_id is None else self._recordations[recordation_id]

    def license(self, license_id: str) -> License | None:
        return self._licenses.get(license_id)

    def licenses_held(self, party: str, mark: str) -> Sequence[License]:
        return self._resolve(self._held.get((party, mark), ()))

    def root_licenses(self, mark: str) -> Sequence[License]:
        return self._resolve(self._roots.get(mark, ()))

    def children(self, license_id: str) -> Sequence[License]:
        return self._resolve(self._children.get(license_id, ()))

    def quantity_used(self, license_id: str, through: date, excluding_entry: str | None = None) -> int:
        totals = self._usage.get(license_id)
        used = totals.through(through) if totals is not None else 0
        if excluding_entry is not None:
            for usage in self._usage_by_entry.get(excluding_entry, ()):
                if usage.used_on <= through and license_id in self._self_and_ancestors(usage.license_id):
                    used -= usage.quantity
        return used

    # ----------------------------------------------------------------- writing

    def file_recordation(self, recordation: Recordation) -> None:
        rules.validate_recordation(self, recordation)
        self._recordations[recordation.recordation_id] = recordation
        self._latest_for_mark[recordation.mark] = recordation.recordation_id

    def decide_recordation(self, decision: RecordationDecision) -> Recordation:
        rules.validate_decision(self, decision)
        filed = self._recordations[decision.recordation_id]
        decided = _with_decision(filed, decision)
        self._recordations[decided.recordation_id] = decided
        return decided

    def grant(self, license: License) -> None:
        rules.validate_license(self, license)
        self._licenses[license.license_id] = license
        _insert_sorted(self._held.setdefault((license.licensee, license.mark), []), license.license_id)
        if license.parent_id is None:
            _insert_sorted(self._roots.setdefault(license.mark, []), license.license_id)
        else:
            _insert_sorted(self._children.setdefault(license.parent_id, []), license.license_id)

    def terminate(self, termination: Termination) -> License:
        rules.validate_termination(self, termination)
        ended = terminated(self._licenses[termination.license_id], termination)
        self._licenses[ended.license_id] = ended
        self._terminations.append(termination)
        return ended

    def record_usage(self, usage: UsageRecord) -> None:
        rules.validate_usage(self, usage)
        for license_id in self._self_and_ancestors(usage.license_id):
            self._usage.setdefault(license_id, _UsageTotals()).add(usage.used_on, usage.quantity)
        self._usage_by_entry.setdefault(usage.entry_number, []).append(usage)
        self._usage_log.append(usage)

    # ----------------------------------------------------------------- inspection

    def __len__(self) -> int:
        """The number of licenses on file."""
        return len(self._licenses)

    def to_dict(self) -> dict[str, Any]:
        """Everything on file, as JSON-safe data (in id order; usage and terminations as recorded)."""
        return {
            "recordations": [self._recordations[k].to_dict() for k in sorted(self._recordations)],
            "licenses": [self._licenses[k].to_dict() for k in sorted(self._licenses)],
            "terminations": [t.to_dict() for t in self._terminations],
            "usage": [u.to_dict() for u in self._usage_log],
        }

    # ----------------------------------------------------------------- helpers

    def _resolve(self, ids: Sequence[str]) -> list[License]:
        return [self._licenses[i] for i in ids]

    def _self_and_ancestors(self, license_id: str) -> list[str]:
        ids = []
        current: str | None = license_id
        while current is not None and current not in ids:
            ids.append(current)
            found = self._licenses.get(current)
            current = found.parent_id if found is not None else None
        return ids


def _insert_sorted(ids: list[str], license_id: str) -> None:
    # Ids usually arrive in order, so this is an append.
    if not ids or ids[-1] < license_id:
        ids.append(license_id)
    else:
        bisect.insort(ids, license_id)


def _with_decision(recordation: Recordation, decision: RecordationDecision) -> Recordation:
    return dataclasses.replace(
        recordation,
        status=RecordationStatus.ACCEPTED if decision.accepted else RecordationStatus.REFUSED,
        decided_on=decision.decided_on,
        decision_reason=decision.reason,
    )
