"""The "ipr" namespace: its keys, the records kept under them, and the engine's book over them.

Public state (every peer), in the "ipr" namespace:

    recordation/<id>               Recordation
    mark/<mark>                    id of the latest recordation filed for the mark
    node/<license id>              LicenseNode: the license's id, its parent's id, who granted it
    checked/<entry number>         CheckMark: customs checked the entry (when, by whom; no content)
    collection/<name>              the members of a collection (ledger.collections)

Private state, in each member's own store (ledger.collections.private_namespace):

    ipr#license/<id>               the collection of one license (`license_collection`)
        license/<id>               the License, with its termination once ended
        license/<ancestor id>      a copy of each license above it, kept current by terminations
        termination/<id>           Termination of it or of a license above it
        child/<child id>           a sub-license its members accepted under it
        usage/<id>                 UsageTotals: units entered under it and every license below it
        entry_usage/<entry>        EntryUsage: what one entry's check counted against it
    ipr#check/<entry number>       the collection of one entry's border check (`check_collection`)
        check/<entry number>       EntryCheck: customs' check, line by line

`LedgerLicenseBook` is the engine's LicenseBook over whatever a reader holds: a peer's
state (its own collections only: a non-member reads nothing) or, inside a private part,
the collections the read rule admits. Every key is built by tradeledger.ledger.keys, which
escapes its parts, so no mark, party or id can reach into another's index.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from tradeledger.domain.ipr import Decision, IprDataError, License, Recordation, Termination, UsageRecord
from tradeledger.ledger.collections import private_namespace
from tradeledger.ledger.keys import key_prefix, state_key
from tradeledger.ledger.state import StateReader, StateView
from tradeledger.records import FieldReader

__all__ = [
    "NAMESPACE",
    "CheckMark",
    "EntryCheck",
    "EntryRecheck",
    "EntryUsage",
    "IprWriter",
    "JudgedLine",
    "LedgerLicenseBook",
    "LicenseNode",
    "LineStatus",
    "MarkAnswer",
    "PendingUsageBook",
    "PrivateWriter",
    "UsageTotals",
    "check_collection",
    "check_key",
    "license_collection",
    "license_key",
    "node_key",
    "recordation_key",
    "termination_key",
]

NAMESPACE = "ipr"


def license_collection(license_id: str) -> str:
    """The private collection of one license: its licensor, its licensee, customs, and every
    member of the collection of the license above it."""
    return state_key("license", license_id)


def check_collection(entry_number: str) -> str:
    """The private collection of one entry's border check: customs, the entry's importer,
    and the members of every license collection the check counted units against."""
    return state_key("check", entry_number)


def recordation_key(recordation_id: str) -> str:
    return state_key("recordation", recordation_id)


def mark_key(mark: str) -> str:
    return state_key("mark", mark)


def node_key(license_id: str) -> str:
    return state_key("node", license_id)


def checked_key(entry_number: str) -> str:
    return state_key("checked", entry_number)


def license_key(license_id: str) -> str:
    return state_key("license", license_id)


def termination_key(license_id: str) -> str:
    return state_key("termination", license_id)


def child_key(license_id: str) -> str:
    return state_key("child", license_id)


def usage_key(license_id: str) -> str:
    return state_key("usage", license_id)


def entry_usage_key(entry_number: str) -> str:
    return state_key("entry_usage", entry_number)


def check_key(entry_number: str) -> str:
    return state_key("check", entry_number)


@dataclass(frozen=True, slots=True)
class LicenseNode:
    """What every peer knows of a license (public): that it exists, where it hangs in its
    tree and who granted it. Its terms, mark, dates and usage are its collection's."""

    license_id: str
    parent_id: str | None
    granted_by: str

    def to_dict(self) -> dict[str, Any]:
        return {"license_id": self.license_id, "parent_id": self.parent_id, "granted_by": self.granted_by}

    @classmethod
    def from_dict(cls, data: Any) -> LicenseNode:
        r = FieldReader("license node", data, IprDataError, absent_is_null=True)
        node = cls(r.text("license_id"), r.optional_text("parent_id"), r.text("granted_by"))
        r.done()
        return node


@dataclass(frozen=True, slots=True)
class CheckMark:
    """That customs checked an entry (public): no line, mark, quantity or verdict."""

    entry_number: str
    checked_by: str
    leaf_index: int

    def to_dict(self) -> dict[str, Any]:
        return {"entry_number": self.entry_number, "checked_by": self.checked_by, "leaf_index": self.leaf_index}

    @classmethod
    def from_dict(cls, data: Any) -> CheckMark:
        r = FieldReader("check mark", data, IprDataError, absent_is_null=True)
        mark = cls(r.text("entry_number"), r.text("checked_by"), r.integer("leaf_index"))
        r.done()
        return mark


def license_nodes(state: StateReader) -> dict[str, LicenseNode]:
    """Every license of the network as public state knows it, by id."""
    return {node.license_id: node for node in (LicenseNode.from_dict(value)
                                              for _key, value in state.scan_state(NAMESPACE, key_prefix("node")))}


def descendants(nodes: dict[str, LicenseNode], license_id: str) -> list[str]:
    """The ids of every license below `license_id`, nearest first, in id order per level."""
    found: list[str] = []
    level = [license_id]
    while level:
        below = sorted(node.license_id for node in nodes.values()
                       if node.parent_id in level and node.license_id not in found)
        found.extend(below)
        level = below
    return found


def ancestors(nodes: dict[str, LicenseNode], license_id: str) -> list[str]:
    """The ids of the licenses above `license_id`, root first (stops at a cycle)."""
    found: list[str] = []
    current = nodes.get(license_id)
    while current is not None and current.parent_id is not None and current.parent_id not in found:
        found.append(current.parent_id)
        current = nodes.get(current.parent_id)
    found.reverse()
    return found


def find_check_mark(state: StateReader, entry_number: str) -> CheckMark | None:
    data = state.get_state(NAMESPACE, checked_key(entry_number))
    return None if data is None else CheckMark.from_dict(data)


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
    """The ipr contract's public writes. It writes what it is given: the contract validates first."""

    def __init__(self, state: StateView) -> None:
        self._state = state

    def recordation(self, recordation: Recordation) -> None:
        self._state.put(recordation_key(recordation.recordation_id), recordation.to_dict())
        self._state.put(mark_key(recordation.mark), recordation.recordation_id)

    def node(self, node: LicenseNode) -> None:
        self._state.put(node_key(node.license_id), node.to_dict())

    def checked(self, mark: CheckMark) -> None:
        self._state.put(checked_key(mark.entry_number), mark.to_dict())


class _Writable(Protocol):
    def get(self, key: str) -> Any | None: ...

    def put(self, key: str, value: Any) -> None: ...


class PrivateWriter:
    """The ipr contract's writes into one collection's private state (a part's own)."""

    def __init__(self, state: _Writable) -> None:
        self._state = state

    def license(self, license: License) -> None:
        """A license record: the collection's own, or a copy of one above it."""
        self._state.put(license_key(license.license_id), license.to_dict())

    def termination(self, ended: License, termination: Termination) -> None:
        """The license record keeps its grant and gains its end, beside the termination itself."""
        self._state.put(license_key(ended.license_id), ended.to_dict())
        self._state.put(termination_key(termination.license_id), termination.to_dict())

    def child(self, license_id: str) -> None:
        self._state.put(child_key(license_id), license_id)

    def usage(self, license_id: str, counted: EntryUsage) -> None:
        """The entry's usage of this collection's license, added to its totals."""
        data = self._state.get(usage_key(license_id))
        totals = UsageTotals() if data is None else UsageTotals.from_dict(data)
        for usage in counted.usage:
            totals = totals.plus(usage.used_on, usage.quantity)
        self._state.put(usage_key(license_id), totals.to_dict())
        self._state.put(entry_usage_key(counted.entry_number), counted.to_dict())

    def check(self, check: EntryCheck) -> None:
        self._state.put(check_key(check.entry_number), check.to_dict())


# --- reading ---------------------------------------------------------------------------


def _every_collection(_name: str) -> bool:
    return True


class LedgerLicenseBook:
    """A LicenseBook (tradeledger.domain.ipr.book) over the licenses a reader holds.

    Recordations are public. Licenses are read from every license collection the reader
    holds (`readable` says which may be asked: inside a private part, the read rule's; on
    a peer, all, and a non-member's reads find nothing): each collection's own license,
    and the copies it keeps of the licenses above it. A sub-license counts only when the
    collection of its parent, if held, accepted it (`child/<id>`): a licensor that skipped
    its own preview cannot slip a refused grant past the parent's members. Usage is read
    from the license's own collection only. Sequences come back in license-id order.

    The licenses are read once, at the first lookup (the indexes are built then): make a
    new book to see a later state. Usage and checks are read at each call.
    """

    def __init__(self, state: StateReader, readable: Callable[[str], bool] = _every_collection) -> None:
        self._state = state
        self._readable = readable
        self._loaded: dict[str, License] | None = None
        self._own: set[str] = set()
        self._terminations: dict[str, Termination] = {}
        self._held: dict[tuple[str, str], list[str]] = {}
        self._roots: dict[str, list[str]] = {}
        self._children: dict[str, list[str]] = {}

    @property
    def state(self) -> StateReader:
        return self._state

    def _private(self, license_id: str) -> str | None:
        collection = license_collection(license_id)
        return private_namespace(NAMESPACE, collection) if self._readable(collection) else None

    def _get(self, key: str) -> Any | None:
        return self._state.get_state(NAMESPACE, key)

    def _licenses(self) -> dict[str, License]:
        if self._loaded is not None:
            return self._loaded
        own: dict[str, License] = {}
        copies: dict[str, License] = {}
        accepted: dict[str, set[str]] = {}
        for license_id in sorted(license_nodes(self._state)):
            namespace = self._private(license_id)
            if namespace is None:
                continue
            for _key, value in self._state.scan_state(namespace, key_prefix("license")):
                found = License.from_dict(value)
                if found.license_id == license_id:
                    own[license_id] = found
                elif found.license_id not in copies or found.terminated_on is not None:
                    copies[found.license_id] = found  # a copy that knows of a termination wins
            for _key, value in self._state.scan_state(namespace, key_prefix("termination")):
                termination = Termination.from_dict(value)
                self._terminations.setdefault(termination.license_id, termination)
            accepted[license_id] = {value for _key, value in self._state.scan_state(namespace, key_prefix("child"))}
        licenses = {**copies, **own}
        for license_id, found in list(licenses.items()):
            parent = found.parent_id
            if license_id in own and parent is not None and parent in own and license_id not in accepted[parent]:
                del licenses[license_id]
        self._own = set(own) & set(licenses)
        for license_id in sorted(licenses):
            found = licenses[license_id]
            self._held.setdefault((found.licensee, found.mark), []).append(license_id)
            if found.parent_id is None:
                self._roots.setdefault(found.mark, []).append(license_id)
            else:
                self._children.setdefault(found.parent_id, []).append(license_id)
        self._loaded = licenses
        return licenses

    def _resolve(self, ids: Sequence[str]) -> list[License]:
        licenses = self._licenses()
        return [licenses[license_id] for license_id in ids]

    # ----------------------------------------------------------------- LicenseBook

    def recordation(self, recordation_id: str) -> Recordation | None:
        data = self._get(recordation_key(recordation_id))
        return None if data is None else Recordation.from_dict(data)

    def recordation_for_mark(self, mark: str) -> Recordation | None:
        recordation_id = self._get(mark_key(mark))
        return None if recordation_id is None else self.recordation(recordation_id)

    def license(self, license_id: str) -> License | None:
        return self._licenses().get(license_id)

    def licenses_held(self, party: str, mark: str) -> Sequence[License]:
        self._licenses()
        return self._resolve(self._held.get((party, mark), ()))

    def root_licenses(self, mark: str) -> Sequence[License]:
        self._licenses()
        return self._resolve(self._roots.get(mark, ()))

    def children(self, license_id: str) -> Sequence[License]:
        self._licenses()
        return self._resolve(self._children.get(license_id, ()))

    def quantity_used(self, license_id: str, through: date, excluding_entry: str | None = None) -> int:
        used = self.usage_totals(license_id).through(through)
        if excluding_entry is not None:
            for usage in self.entry_usage(license_id, excluding_entry):
                if usage.used_on <= through:
                    used -= usage.quantity
        return used

    # ----------------------------------------------------------------- more lookups

    def holds(self, license_id: str) -> bool:
        """Whether the reader holds the license's own collection (its usage among it)."""
        self._licenses()
        return license_id in self._own

    def termination(self, license_id: str) -> Termination | None:
        self._licenses()
        return self._terminations.get(license_id)

    def usage_totals(self, license_id: str) -> UsageTotals:
        namespace = self._private(license_id)
        data = None if namespace is None else self._state.get_state(namespace, usage_key(license_id))
        return UsageTotals() if data is None else UsageTotals.from_dict(data)

    def entry_usage(self, license_id: str, entry_number: str) -> tuple[UsageRecord, ...]:
        """The units one entry's check counted against a license."""
        namespace = self._private(license_id)
        data = None if namespace is None else self._state.get_state(namespace, entry_usage_key(entry_number))
        return () if data is None else EntryUsage.from_dict(data).usage

    def entry_check(self, entry_number: str) -> EntryCheck | None:
        """Customs' recorded check of an entry, when the reader is a member of its collection."""
        collection = check_collection(entry_number)
        if not self._readable(collection):
            return None
        data = self._state.get_state(private_namespace(NAMESPACE, collection), check_key(entry_number))
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
