"""The ipr contract: trademark and copyright recordations, license chains, the border check.

A thin adapter over the pure engine (tradeledger.domain.ipr, FACTS §6): every action
builds the engine's record, validates it with the engine's rules against the ledger's
LicenseBook (contracts.ipr_book) and only then writes; a refusal carries the engine's
reason code and message ("wider_than_parent: license 'L-2': ...") and changes nothing.

- record      a rights holder records a mark it owns; customs `decide`s (accepts or refuses).
- license     a grant: from the mark's owner (a root license) or from the holder of a
              license that may be sublicensed (`parent_id`), to an organization of the network.
- terminate   the licensor revokes or the licensee surrenders a license, from a day on;
              every license below it falls with it from that day, earlier days keep
              their answers.
- check_entry customs runs the border check for every line of an entry filed with it that
              bears marks; failing lines are flagged for review with the reason; the units
              of authorized lines are counted against the caps of their chain.

The ledger sets every date that decides what was true when: a recordation is filed and
decided, a license granted, a termination recorded and usage counted on the block's UTC
day, never on a day the client names. A license may start and a termination take effect
on a later day, never an earlier one; an entry is checked on or before its day of
importation, so usage is never counted in the past and "as of" answers never move.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, TypeVar

from pydantic import field_validator

from tradeledger.contracts import entries
from tradeledger.contracts.ipr_book import (
    NAMESPACE,
    EntryCheck,
    EntryRecheck,
    EntryUsage,
    IprWriter,
    JudgedLine,
    LedgerLicenseBook,
    LineStatus,
    MarkAnswer,
    PendingUsageBook,
)
from tradeledger.domain.ipr import (
    IprRefused,
    License,
    Question,
    QuestionError,
    Recordation,
    RecordationDecision,
    RecordationKind,
    RecordationStatus,
    Termination,
    UsageRecord,
    authorize,
    validate_decision,
    validate_license,
    validate_recordation,
    validate_termination,
    validate_usage,
)
from tradeledger.domain.ipr.model import terminated
from tradeledger.errors import Refused, TradeledgerError
from tradeledger.identity.registry import organization_record
from tradeledger.ledger.contract import ANY_ROLE, Args, Contract, TxContext
from tradeledger.ledger.state import StateReader

__all__ = [
    "NAMESPACE",
    "CheckEntry",
    "Decide",
    "EntryNotChecked",
    "Grant",
    "LineFacts",
    "Record",
    "Terminate",
    "block_day",
    "contract",
    "find_check",
    "recheck_entry",
]

contract = Contract(NAMESPACE, "trademark and copyright recordations, license chains, border checks")

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MAX_LIST = 64  # scope lists; a license names a few prefixes, countries, manufacturers


class EntryNotChecked(TradeledgerError, LookupError):
    """An entry that cannot be asked again: customs never checked it, or the version it
    checked is not on the ledger."""


# --- argument checks ----------------------------------------------------------------

def _name(v: str) -> str:
    # Keys escape any character (ledger.keys), but these names are printed in reasons,
    # reports and the chain drawing: a newline or tab would let one name pass for two.
    if _CONTROL.search(v):
        raise ValueError("must not contain control characters such as newlines or tabs")
    return v


def _names(v: list[str]) -> list[str]:
    if len(v) > _MAX_LIST:
        raise ValueError(f"at most {_MAX_LIST} values")
    for item in v:
        _name(item)
    return v


def _day_text(v: str | None) -> str | None:
    if v is None:
        return None
    try:
        if not _DAY.match(v):
            raise ValueError
        date.fromisoformat(v)
    except ValueError:
        raise ValueError(f"{v!r} is not a date YYYY-MM-DD") from None
    return v


def _optional_day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


class Record(Args):
    recordation_id: str  # the CBP recordation number, e.g. "TMK 24-00017"
    registration_number: str  # USPTO or Copyright Office registration number
    kind: Literal["trademark", "copyright"]
    mark: str
    goods_description: str
    hts_prefixes: list[str] = []
    manufacturing_countries: list[str] = []
    authorized_manufacturers: list[str] = []
    gray_market_protection: bool = False  # Lever-rule protection (19 CFR 133.23)
    expires_on: str | None = None

    _check_names = field_validator("recordation_id", "registration_number", "mark")(
        classmethod(lambda cls, v: _name(v)))
    _check_lists = field_validator("hts_prefixes", "manufacturing_countries", "authorized_manufacturers")(
        classmethod(lambda cls, v: _names(v)))
    _check_day = field_validator("expires_on")(classmethod(lambda cls, v: _day_text(v)))


class Decide(Args):
    recordation_id: str
    accepted: bool
    reason: str = ""  # required when refusing


class Grant(Args):
    license_id: str
    mark: str
    licensee: str  # an organization of the network
    parent_id: str | None = None  # None: a root license granted by the mark's owner
    hts_prefixes: list[str] = []  # empty: as wide as the license above allows
    countries: list[str] = []
    manufacturers: list[str] = []
    quantity_cap: int | None = None
    start: str | None = None  # default: the day it is granted
    end: str
    may_sublicense: bool = False
    further_generations: int = 0

    _check_names = field_validator("license_id", "mark", "licensee", "parent_id")(
        classmethod(lambda cls, v: v if v is None else _name(v)))
    _check_lists = field_validator("hts_prefixes", "countries", "manufacturers")(classmethod(lambda cls, v: _names(v)))
    _check_days = field_validator("start", "end")(classmethod(lambda cls, v: _day_text(v)))


class Terminate(Args):
    license_id: str
    reason: str
    effective_on: str | None = None  # default: the day it is recorded

    _check_day = field_validator("effective_on")(classmethod(lambda cls, v: _day_text(v)))


class LineFacts(Args):
    """What customs found for one entry line bearing marks (the entry gives HTS, origin and MID)."""

    line: int
    quantity: int  # units on the line
    manufacturer: str | None = None  # default: the line's MID (7501 block 13); a party id also works
    physically_materially_different: bool = False  # made for a foreign market
    bears_lever_label: bool = False


class CheckEntry(Args):
    entry_number: str
    lines: list[LineFacts]


# --- helpers --------------------------------------------------------------------------

def block_day(block_time_ms: int) -> date:
    """The UTC calendar day of a block time: the ledger's date for what happens in it."""
    return datetime.fromtimestamp(block_time_ms / 1000, tz=UTC).date()


_R = TypeVar("_R")


def _engine(validate: Callable[[LedgerLicenseBook, _R], None], book: LedgerLicenseBook, record: _R) -> None:
    """The engine's refusal as the contract's, its code first ("wider_than_parent: ...")."""
    try:
        validate(book, record)
    except IprRefused as refused:
        raise Refused(f"{refused.code.value}: {refused.reason}") from None


def _is_active_organization(state: StateReader, name: str) -> bool:
    found = organization_record(state, name)
    return found is not None and found.active


# --- recordations ---------------------------------------------------------------------

@contract.action("record", Record, roles={"rights_holder"})
def record(ctx: TxContext, args: Record) -> None:
    """The signing rights holder records a mark as its owner; it waits for customs."""
    recordation = Recordation(
        recordation_id=args.recordation_id,
        registration_number=args.registration_number,
        kind=RecordationKind(args.kind),
        mark=args.mark,
        owner=ctx.signer.organization,
        goods_description=args.goods_description,
        hts_prefixes=tuple(args.hts_prefixes),
        manufacturing_countries=tuple(args.manufacturing_countries),
        authorized_manufacturers=tuple(args.authorized_manufacturers),
        gray_market_protection=args.gray_market_protection,
        filed_on=block_day(ctx.block_time_ms),
        expires_on=_optional_day(args.expires_on),
    )
    _engine(validate_recordation, LedgerLicenseBook(ctx.state.reader), recordation)
    IprWriter(ctx.state).recordation(recordation)
    ctx.emit("recorded", recordation_id=recordation.recordation_id, mark=recordation.mark,
             owner=recordation.owner, kind=recordation.kind.value)


@contract.action("decide", Decide, roles={"customs"})
def decide(ctx: TxContext, args: Decide) -> None:
    """Customs accepts or refuses a pending recordation, once."""
    decision = RecordationDecision(args.recordation_id, args.accepted, block_day(ctx.block_time_ms), args.reason)
    book = LedgerLicenseBook(ctx.state.reader)
    _engine(validate_decision, book, decision)
    filed = book.recordation(args.recordation_id)
    assert filed is not None  # validate_decision refuses an unknown id
    decided = dataclasses.replace(
        filed,
        status=RecordationStatus.ACCEPTED if decision.accepted else RecordationStatus.REFUSED,
        decided_on=decision.decided_on,
        decision_reason=decision.reason,
    )
    IprWriter(ctx.state).recordation(decided)
    ctx.emit("decided", recordation_id=decided.recordation_id, status=decided.status.value,
             by=ctx.signer.organization, reason=decision.reason)


# --- licenses -------------------------------------------------------------------------

@contract.action("license", Grant, roles=ANY_ROLE)
def grant(ctx: TxContext, args: Grant) -> None:
    """The signer grants a license: as the mark's owner (no parent) or as the holder of the
    parent license. The engine checks the signer held the right on the grant day."""
    ctx.require(_is_active_organization(ctx.state.reader, args.licensee),
                f"licensee {args.licensee} is not an active organization of the network; "
                "license an organization that can sign on the ledger")
    today = block_day(ctx.block_time_ms)
    license = License(
        license_id=args.license_id,
        mark=args.mark,
        licensor=ctx.signer.organization,
        licensee=args.licensee,
        hts_prefixes=tuple(args.hts_prefixes),
        countries=tuple(args.countries),
        manufacturers=tuple(args.manufacturers),
        quantity_cap=args.quantity_cap,
        start=_optional_day(args.start) or today,
        end=date.fromisoformat(args.end),
        may_sublicense=args.may_sublicense,
        further_generations=args.further_generations,
        parent_id=args.parent_id,
        granted_on=today,
    )
    _engine(validate_license, LedgerLicenseBook(ctx.state.reader), license)
    IprWriter(ctx.state).license(license)
    ctx.emit("licensed", license_id=license.license_id, mark=license.mark, licensor=license.licensor,
             licensee=license.licensee, parent_id=license.parent_id)


@contract.action("terminate", Terminate, roles=ANY_ROLE)
def terminate(ctx: TxContext, args: Terminate) -> None:
    """Its licensor or licensee ends a license from `effective_on` (today or later)."""
    today = block_day(ctx.block_time_ms)
    termination = Termination(
        license_id=args.license_id,
        terminated_by=ctx.signer.organization,
        terminated_on=_optional_day(args.effective_on) or today,
        recorded_on=today,
        reason=args.reason,
    )
    book = LedgerLicenseBook(ctx.state.reader)
    _engine(validate_termination, book, termination)
    current = book.license(args.license_id)
    assert current is not None  # validate_termination refuses an unknown id
    # What held before the termination's day keeps holding: the record gains its end only.
    IprWriter(ctx.state).termination(terminated(current, termination), termination)
    ctx.emit("terminated", license_id=args.license_id, by=termination.terminated_by,
             effective_on=termination.terminated_on.isoformat(), reason=termination.reason)


# --- the border check of an entry -----------------------------------------------------

@dataclass(frozen=True, slots=True)
class _EntryLine:
    line: int
    hts: str
    origin: str  # the country of origin is where the marked goods were made
    mid: str | None  # the manufacturer ID (7501 block 13)
    marks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    """What the border check reads of an entry summary the entries contract keeps."""

    entry_number: str
    importer: str
    filed_with: str
    imported_on: date
    version: int
    lines: tuple[_EntryLine, ...]

    @property
    def marked_lines(self) -> list[int]:
        return sorted(line.line for line in self.lines if line.marks)


def _entry(record: Any) -> _Entry:
    """The one place that reads the entries contract's record of an entry."""
    # The entries contract is turning its records into typed ones; until every caller has
    # them, a record may come as its type (with to_dict) or as the stored dict.
    data: Mapping[str, Any] = record.to_dict() if hasattr(record, "to_dict") else record
    return _Entry(
        entry_number=data["entry_number"], importer=data["importer"], filed_with=data["filed_with"],
        imported_on=date.fromisoformat(data["imported_on"]), version=data.get("version", 1),
        lines=tuple(_EntryLine(line["line"], line["hts"], line["origin"], line.get("mid"),
                               tuple(line.get("marks") or ())) for line in data["lines"]),
    )


def _find_entry(state: StateReader, entry_number: str) -> _Entry | None:
    found = entries.find_entry(state, entry_number)
    return None if found is None else _entry(found)


@dataclass(frozen=True, slots=True)
class _Facts:
    """What customs found for one marked line, the manufacturer settled."""

    line: int
    quantity: int
    manufacturer: str
    physically_materially_different: bool
    bears_lever_label: bool


def _line_questions(entry: _Entry, line: _EntryLine, facts: _Facts, on: date) -> list[Question]:
    return [
        Question(
            importer=entry.importer,
            mark=mark,
            hts=line.hts,
            manufacturer=facts.manufacturer,
            country=line.origin,
            on=on,
            quantity=facts.quantity,
            physically_materially_different=facts.physically_materially_different,
            bears_lever_label=facts.bears_lever_label,
            entry_number=entry.entry_number,
        )
        for mark in dict.fromkeys(line.marks)  # a mark named twice is asked, and counted, once
    ]


def _ask(book: PendingUsageBook, question: Question) -> MarkAnswer:
    try:
        return MarkAnswer(question.mark, authorize(book, question))
    except QuestionError as exc:
        raise Refused(f"malformed: {exc}") from None


def _judged_line(line: _EntryLine, facts: _Facts, answers: Sequence[MarkAnswer]) -> JudgedLine:
    failing = [answer for answer in answers if not answer.decision.authorized]
    return JudgedLine(
        line=line.line, hts=line.hts, origin=line.origin, manufacturer=facts.manufacturer,
        quantity=facts.quantity, physically_materially_different=facts.physically_materially_different,
        bears_lever_label=facts.bears_lever_label,
        status=LineStatus.REVIEW if failing else LineStatus.AUTHORIZED,
        reason=(f"mark {failing[0].mark!r}: {failing[0].decision.reason}" if failing
                else "; ".join(f"mark {answer.mark!r}: {answer.decision.reason}" for answer in answers)),
        marks=tuple(answers),
    )


@dataclass(frozen=True, slots=True)
class _Judgement:
    lines: tuple[JudgedLine, ...]
    flagged: tuple[int, ...]


def _judge_entry(book: PendingUsageBook, entry: _Entry, facts: Mapping[int, _Facts], on: date,
                 used_on: date) -> _Judgement:
    """Every marked line (those in `facts`) judged in line order as of `on`; the units of an
    authorized line go into `book.pending`, dated `used_on`, before the next line is asked."""
    lines = {line.line: line for line in entry.lines}
    judged, flagged = [], []
    for number in sorted(facts):
        line = lines[number]
        answers = [_ask(book, q) for q in _line_questions(entry, line, facts[number], on)]
        judged.append(_judged_line(line, facts[number], answers))
        if any(not answer.decision.authorized for answer in answers):
            flagged.append(number)
            continue
        for answer in answers:
            if answer.decision.chain:  # the owner's own goods use no license
                book.add(UsageRecord(entry.entry_number, answer.decision.chain[-1].license_id,
                                     facts[number].quantity, used_on))
    return _Judgement(tuple(judged), tuple(flagged))


@contract.action("check_entry", CheckEntry, roles={"customs"})
def check_entry(ctx: TxContext, args: CheckEntry) -> None:
    """Customs checks every line of an entry filed with it that bears marks, once."""
    entry = _find_entry(ctx.state.reader, args.entry_number)
    ctx.require(entry is not None, f"entry {args.entry_number} is not filed; the importer files it first")
    assert entry is not None
    ctx.require(entry.filed_with == ctx.signer.organization,
                f"entry {args.entry_number} was filed with {entry.filed_with}, not {ctx.signer.organization}")
    ledger_book = LedgerLicenseBook(ctx.state.reader)
    earlier = ledger_book.entry_check(args.entry_number)
    ctx.require(earlier is None,
                f"entry {args.entry_number} was already checked on {earlier and earlier.checked_on}; "
                "its result stands (ask `ipr check --entry` for a fresh answer as of any day)")
    today = block_day(ctx.block_time_ms)
    ctx.require(entry.imported_on >= today,
                f"entry {args.entry_number} was imported on {entry.imported_on}, before today ({today}); a check "
                "counts the entry's units against license caps, which must never change a day already past; "
                "check entries on or before their day of importation")
    marked = entry.marked_lines
    ctx.require(bool(marked), f"no line of entry {args.entry_number} bears a mark; there is nothing to check")
    given = {item.line: item for item in args.lines}
    ctx.require(len(given) == len(args.lines), "each line's facts are given once")
    unknown = sorted(set(given) - set(marked))
    ctx.require(not unknown, f"lines {unknown} of entry {args.entry_number} bear no mark or do not exist; "
                             f"give facts for the marked lines {marked} only")
    missing = sorted(set(marked) - set(given))
    ctx.require(not missing, f"give the quantity of marked lines {missing}")
    mids = {line.line: line.mid for line in entry.lines}
    facts = {}
    for number, item in given.items():
        manufacturer = item.manufacturer or mids[number]
        ctx.require(bool(manufacturer), f"line {number} names no manufacturer; give its MID")
        assert manufacturer is not None
        facts[number] = _Facts(number, item.quantity, manufacturer, item.physically_materially_different,
                               item.bears_lever_label)

    book = PendingUsageBook(ledger_book)
    judgement = _judge_entry(book, entry, facts, entry.imported_on, today)
    for usage in book.pending:
        _engine(validate_usage, ledger_book, usage)
    writer = IprWriter(ctx.state)
    writer.usage(ledger_book, EntryUsage(args.entry_number, tuple(book.pending)))
    writer.check(EntryCheck(
        entry_number=args.entry_number, importer=entry.importer, filed_with=entry.filed_with,
        entry_version=entry.version, checked_by=ctx.signer.organization, checked_on=today,
        as_of=entry.imported_on, lines=judgement.lines, flagged_lines=judgement.flagged,
        txid=ctx.txid, leaf_index=ctx.leaf_index,
    ))
    ctx.emit("entry_checked", entry_number=args.entry_number, flagged_lines=list(judgement.flagged),
             authorized_lines=[line.line for line in judgement.lines if line.authorized])


# --- queries for nodes and the CLI ----------------------------------------------------

def find_check(state: StateReader, entry_number: str) -> EntryCheck | None:
    """Customs' recorded check of an entry, line by line, as it was made."""
    return LedgerLicenseBook(state).entry_check(entry_number)


def recheck_entry(state: StateReader, entry_number: str, on: date | None = None) -> EntryRecheck:
    """The border check of a checked entry asked again of the ledger as it stands now, as
    of `on` (default: the day it was checked as of).

    Nothing is written. The entry's own counted units are left out and its lines counted
    again in order, so asking about the original day gives the original answer however
    the licenses changed later. Raises EntryNotChecked when the entry was never checked."""
    check = find_check(state, entry_number)
    if check is None:
        raise EntryNotChecked(f"entry {entry_number} has no IPR check on the ledger; customs checks it first")
    # The entry as it was checked: an amendment since then is a new version beside it.
    versions = [_entry(version) for version in entries.entry_versions(state, entry_number)]
    entry = next((version for version in versions if version.version == check.entry_version), None)
    if entry is None:
        raise EntryNotChecked(f"entry {entry_number} version {check.entry_version}, which customs checked, "
                              "is not on the ledger")
    day = on or check.as_of
    facts = {line.line: _Facts(line.line, line.quantity, line.manufacturer, line.physically_materially_different,
                               line.bears_lever_label) for line in check.lines}
    book = PendingUsageBook(LedgerLicenseBook(state))
    try:
        judgement = _judge_entry(book, entry, facts, day, check.checked_on)
    except Refused as exc:  # cannot happen for facts the contract accepted; say so plainly
        raise EntryNotChecked(f"entry {entry_number} cannot be asked again: {exc.reason}") from None
    return EntryRecheck(entry_number, day, judgement.lines, judgement.flagged)
