"""The "ipr" namespace: its keys, the records kept under them, and the engine's book over them.

The ipr contract writes through `IprWriter`; `LedgerLicenseBook` reads through any
StateReader (a peer's state, or a transaction's overlay inside the contract), so the
contract and a node's queries feed the pure engine (tradeledger.domain.ipr) the same book.
The engine's own records (Recordation, License, Termination, UsageRecord, Decision) are
stored as they are; the records below are the contract's own.

    recordation/<id>               Recordation
    mark/<mark>                    id of the latest recordation filed for the mark
    license/<id>                   License, with its termination once ended
    termination/<id>               Termination (when and by whom it was recorded)
    held/<party>/<mark>/<id>       index: licenses of a mark held by a party (value: id)
    roots/<mark>/<id>              index: licenses the owner granted (value: id)
    children/<parent>/<id>         index: sub-licenses of a license (value: id)
    usage/<id>                     UsageTotals: units entered under the license and every
                                   license below it, cumulative by day
    entry_usage/<entry number>     EntryUsage: the usage counted for that entry
    check/<entry number>           EntryCheck: customs' border check of the entry, line by line

Every key is built by tradeledger.ledger.keys, which escapes its parts, so no mark, party
or id can reach into another's index.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tradeledger.domain.ipr import Decision, IprDataError, License, Recordation, Termination, UsageRecord
from tradeledger.ledger.keys import key_prefix, state_key
from tradeledger.ledger.state import StateReader, StateView
from tradeledger.records import FieldReader

__all__ = [
    "NAMESPACE",
    "EntryCheck",
    "EntryRecheck",
    "EntryUsage",
    "IprWriter",
    "JudgedLine",
    "LedgerLicenseBook",
    "LineStatus",
    "MarkAnswer",
    "PendingUsageBook",
    "UsageTotals",
    "check_key",
    "license_key",
    "recordation_key",
    "termination_key",
]

NAMESPACE = "ipr"


def recordation_key(recordation_id: str) -> str:
    return state_key("recordation", recordation_id)


def mark_key(mark: str) -> str:
    return state_key("mark", mark)


def license_key(license_id: str) -> str:
    return state_key("license", license_id)


def termination_key(license_id: str) -> str:
    return state_key("termination", license_id)


def usage_key(license_id: str) -> str:
    return state_key("usage", license_id)


def entry_usage_key(entry_number: str) -> str:
    return state_key("entry_usage", entry_number)


def check_key(entry_number: str) -> str:
    return state_key("check", entry_number)


# --- the contract's records ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """Units entered under one license and every license below it: the days with usage, in
    order, and the running total through each."""

    days: tuple[date, ...] = ()
    running: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if len(self.days) != len(self.running) or list(self.days) != sorted(set(self.days)):
            raise IprDataError("usage totals", "", "needs one running total per day, days in order and each once")

    def through(self, day: date) -> int:
        i = bisect.bisect_right(self.days, day)
        return self.running[i - 1] if i else 0

    def plus(self, day: date, quantity: int) -> UsageTotals:
        """The totals after `quantity` more units on `day` (a new value). The contract dates
        usage by the block, so this is almost always an append at the end."""
        days, running = list(self.days), list(self.running)
        i = bisect.bisect_right(days, day)
        if i and days[i - 1] == day:
            start = i - 1
        else:
            days.insert(i, day)
            running.insert(i, running[i - 1] if i else 0)
            start = i
        for j in range(start, len(running)):
            running[j] += quantity
        return UsageTotals(tuple(days), tuple(running))

    def to_dict(self) -> dict[str, Any]:
        return {"days": [day.isoformat() for day in self.days], "running": list(self.running)}

    @classmethod
    def from_dict(cls, data: Any) -> UsageTotals:
        r = FieldReader("usage totals", data, IprDataError, absent_is_null=True)
        totals = cls(r.days("days"), r.integers("running"))
        r.done()
        return totals


@dataclass(frozen=True, slots=True)
class EntryUsage:
    """The usage counted for one entry when customs checked it."""

    entry_number: str
    usage: tuple[UsageRecord, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"entry_number": self.entry_number, "usage": [usage.to_dict() for usage in self.usage]}

    @classmethod
    def from_dict(cls, data: Any) -> EntryUsage:
        r = FieldReader("entry usage", data, IprDataError, absent_is_null=True)
        found = cls(r.text("entry_number"), tuple(UsageRecord.from_dict(item) for item in r.items("usage")))
        r.done()
        return found


class LineStatus(str, enum.Enum):
    AUTHORIZED = "authorized"
    REVIEW = "review"  # flagged: customs reviews the line before the goods are released


@dataclass(frozen=True, slots=True)
class MarkAnswer:
    """The engine's answer for one mark a line bears."""

    mark: str
    decision: Decision

    def to_dict(self) -> dict[str, Any]:
        return {"mark": self.mark, **self.decision.to_dict()}

    @classmethod
    def from_dict(cls, data: Any) -> MarkAnswer:
        mark = FieldReader("mark answer", data, IprDataError, absent_is_null=True).text("mark")
        return cls(mark, Decision.from_dict({k: v for k, v in data.items() if k != "mark"}))


@dataclass(frozen=True, slots=True)
class JudgedLine:
    """One marked line of an entry as the border check judged it, with the facts it was judged on."""

    line: int
    hts: str
    origin: str
    manufacturer: str
    quantity: int
    physically_materially_different: bool
    bears_lever_label: bool
    status: LineStatus
    reason: str  # the first failing mark's reason, or every mark's reason when all pass
    marks: tuple[MarkAnswer, ...]

    @property
    def authorized(self) -> bool:
        return self.status is LineStatus.AUTHORIZED

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line, "hts": self.hts, "origin": self.origin, "manufacturer": self.manufacturer,
            "quantity": self.quantity, "physically_materially_different": self.physically_materially_different,
            "bears_lever_label": self.bears_lever_label, "status": self.status.value, "reason": self.reason,
            "marks": [answer.to_dict() for answer in self.marks],
        }

    @classmethod
    def from_dict(cls, data: Any) -> JudgedLine:
        r = FieldReader("judged line", data, IprDataError, absent_is_null=True)
        judged = cls(
            line=r.integer("line"), hts=r.text("hts"), origin=r.text("origin"), manufacturer=r.text("manufacturer"),
            quantity=r.integer("quantity"),
            physically_materially_different=r.boolean("physically_materially_different"),
            bears_lever_label=r.boolean("bears_lever_label"), status=r.enum("status", LineStatus),
            reason=r.text("reason"), marks=tuple(MarkAnswer.from_dict(item) for item in r.items("marks")),
        )
        r.done()
        return judged


def _judged_lines(r: FieldReader) -> tuple[JudgedLine, ...]:
    return tuple(JudgedLine.from_dict(item) for item in r.items("lines"))


@dataclass(frozen=True, slots=True)
class EntryCheck:
    """Customs' border check of an entry, as it was made; it stands once recorded."""

    entry_number: str
    importer: str
    filed_with: str
    entry_version: int  # the version checked: a later amendment does not change this check
    checked_by: str
    checked_on: date  # the block's day
    as_of: date  # the entry's day of importation
    lines: tuple[JudgedLine, ...]
    flagged_lines: tuple[int, ...]
    txid: str
    leaf_index: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry_number": self.entry_number, "importer": self.importer, "filed_with": self.filed_with,
            "entry_version": self.entry_version, "checked_by": self.checked_by,
            "checked_on": self.checked_on.isoformat(), "as_of": self.as_of.isoformat(),
            "lines": [line.to_dict() for line in self.lines], "flagged_lines": list(self.flagged_lines),
            "txid": self.txid, "leaf_index": self.leaf_index,
        }

    @classmethod
    def from_dict(cls, data: Any) -> EntryCheck:
        r = FieldReader("entry check", data, IprDataError, absent_is_null=True)
        check = cls(
            entry_number=r.text("entry_number"), importer=r.text("importer"), filed_with=r.text("filed_with"),
            entry_version=r.integer("entry_version"), checked_by=r.text("checked_by"),
            checked_on=r.day("checked_on"), as_of=r.day("as_of"), lines=_judged_lines(r),
            flagged_lines=r.integers("flagged_lines"), txid=r.text("txid"), leaf_index=r.integer("leaf_index"),
        )
        r.done()
        return check


@dataclass(frozen=True, slots=True)
class EntryRecheck:
    """The border check of a checked entry asked again of the ledger as it stands, as of a day.
    Nothing of it is written."""

    entry_number: str
    as_of: date
    lines: tuple[JudgedLine, ...]
    flagged_lines: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"entry_number": self.entry_number, "as_of": self.as_of.isoformat(),
                "lines": [line.to_dict() for line in self.lines], "flagged_lines": list(self.flagged_lines)}

    @classmethod
    def from_dict(cls, data: Any) -> EntryRecheck:
        r = FieldReader("entry recheck", data, IprDataError, absent_is_null=True)
        found = cls(r.text("entry_number"), r.day("as_of"), _judged_lines(r), r.integers("flagged_lines"))
        r.done()
        return found


# --- writing ---------------------------------------------------------------------------


class IprWriter:
    """The ipr contract's writes, each record under its key with the indexes that find it.

    It writes what it is given: the contract validates with the engine's rules first."""

    def __init__(self, state: StateView) -> None:
        self._state = state

    def recordation(self, recordation: Recordation) -> None:
        self._state.put(recordation_key(recordation.recordation_id), recordation.to_dict())
        self._state.put(mark_key(recordation.mark), recordation.recordation_id)

    def license(self, license: License) -> None:
        """A new license, indexed under its holder and under its owner's grants or its parent."""
        self._state.put(license_key(license.license_id), license.to_dict())
        self._state.put(state_key("held", license.licensee, license.mark, license.license_id), license.license_id)
        if license.parent_id is None:
            self._state.put(state_key("roots", license.mark, license.license_id), license.license_id)
        else:
            self._state.put(state_key("children", license.parent_id, license.license_id), license.license_id)

    def termination(self, ended: License, termination: Termination) -> None:
        """The license record keeps its grant and gains its end, beside the termination itself."""
        self._state.put(license_key(ended.license_id), ended.to_dict())
        self._state.put(termination_key(termination.license_id), termination.to_dict())

    def usage(self, book: LedgerLicenseBook, counted: EntryUsage) -> None:
        """The entry's usage, added to the totals of each license used and every license above it."""
        if not counted.usage:
            return
        for usage in counted.usage:
            for license_id in book.self_and_ancestors(usage.license_id):
                totals = book.usage_totals(license_id).plus(usage.used_on, usage.quantity)
                self._state.put(usage_key(license_id), totals.to_dict())
        self._state.put(entry_usage_key(counted.entry_number), counted.to_dict())

    def check(self, check: EntryCheck) -> None:
        self._state.put(check_key(check.entry_number), check.to_dict())


# --- reading ---------------------------------------------------------------------------


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
        return self._licenses_under(key_prefix("held", party, mark))

    def root_licenses(self, mark: str) -> Sequence[License]:
        return self._licenses_under(key_prefix("roots", mark))

    def children(self, license_id: str) -> Sequence[License]:
        return self._licenses_under(key_prefix("children", license_id))

    def quantity_used(self, license_id: str, through: date, excluding_entry: str | None = None) -> int:
        used = self.usage_totals(license_id).through(through)
        if excluding_entry is not None:
            for usage in self.entry_usage(excluding_entry):
                if usage.used_on <= through and license_id in self.self_and_ancestors(usage.license_id):
                    used -= usage.quantity
        return used

    # ----------------------------------------------------------------- more lookups

    def termination(self, license_id: str) -> Termination | None:
        data = self._get(termination_key(license_id))
        return None if data is None else Termination.from_dict(data)

    def usage_totals(self, license_id: str) -> UsageTotals:
        data = self._get(usage_key(license_id))
        return UsageTotals() if data is None else UsageTotals.from_dict(data)

    def entry_usage(self, entry_number: str) -> tuple[UsageRecord, ...]:
        """The usage counted for an entry when customs checked it."""
        data = self._get(entry_usage_key(entry_number))
        return () if data is None else EntryUsage.from_dict(data).usage

    def entry_check(self, entry_number: str) -> EntryCheck | None:
        """Customs' recorded check of an entry, line by line, as it was made."""
        data = self._get(check_key(entry_number))
        return None if data is None else EntryCheck.from_dict(data)

    def self_and_ancestors(self, license_id: str) -> list[str]:
        """The license and every license above it, leaf first (stops at a missing parent or a cycle)."""
        ids: list[str] = []
        current: str | None = license_id
        while current is not None and current not in ids:
            ids.append(current)
            found = self.license(current)
            current = found.parent_id if found is not None else None
        return ids


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
