"""The ipr contract: trademark and copyright recordations, license chains, the border check.

A thin adapter over the pure engine (tradeledger.domain.ipr, FACTS §6): every action
builds the engine's record, validates it with the engine's rules against a LicenseBook
(contracts.ipr_book) and only then writes; a refusal carries the engine's reason code and
message ("wider_than_parent: license 'L-2': ...") and changes nothing.

- record      a rights holder records a mark it owns; customs `decide`s (accepts or refuses).
- license     a grant: from the mark's owner (a root license) or from the holder of a
              license that may be sublicensed (`parent_id`), to an organization of the network.
- terminate   the licensor revokes or the licensee surrenders a license, from a day on;
              every license below it falls with it from that day, earlier days keep
              their answers.
- check_entry customs runs the border check of an entry filed with it; failing lines are
              flagged for review with the reason; the units of authorized lines are counted
              against the caps of their chain.

What is public and why (DESIGN.md decision 15). Recordations and customs' decisions on
them are PUBLIC: a rights holder records a mark with customs so that everyone at the
border can know it is protected. Everything about a license is PRIVATE to the parties of
its chain and customs: its mark, scope, cap, dates, generations, termination and usage.

- One collection per license (`license_collection`): its licensor, its licensee, every
  customs organization of the network at the grant, and every member of the collection of
  the license above it. A collection with private history cannot gain members, so a
  sub-license, which brings in a new licensee, opens its own; and since it holds every
  party above it, the holders of the licenses a grant rests on see what is drawn on them,
  while a licensee sees its own license and the terms of the chain that binds it (a copy
  of each license above, kept current by terminations), never a sibling's license nor the
  usage or the collections above it. Public: the license's id, its parent's id, who granted
  it (the envelope's signer) and the collection's members (the framework's rule).
- A sub-license is judged by its parent's members: its envelope carries a `sublicense`
  part in the parent's collection, run first, which validates the grant against the chain
  that collection holds and records the child as accepted, and a `grant` part in the new
  collection, which takes the chain's terms as the licensor states them (a member of the
  parent's collection) and validates the grant again over them. A book counts a
  sub-license only when its parent's collection, if the reader holds it, accepted it.
- A termination carries an `end` part in the license's own collection (judged there, with
  every collection below it readable: its members are members of all of those) and an
  `ancestor_ended` part in the collection of every license below, which updates its copy;
  the public tree (`node/<id>`) tells every peer which parts the envelope must carry.
- check_entry is customs', a member of every entry and every license collection. The
  license collections' members are not all members of the entry's collection, so customs
  STATES in the payloads what it read in its own view of the entry (each marked line's
  HTS, origin, marks, importer, day of importation) and what it found (quantities,
  manufacturer, Lever-rule facts). The envelope carries a `usage` part in the collection of
  every license on an authorized line's chain: that collection's members, in log order,
  ask the engine again over what they hold and refuse unless the lines are authorized
  through the license and its cap holds; then they debit its usage. Customs' `seen` count
  of each collection's parts is checked publicly, so a check judged on a collection that
  has moved since (another importer drawing on the same parent cap) is refused before any
  part runs and is judged again: a cap is never overdrawn, whichever importers draw on it.
  The `result` part keeps customs' check line by line in the entry's check collection
  (`check_collection`: customs, the entry's importer, and the members of every license
  collection it debits). Its members cannot read the license collections (they hold
  fewer members), so the verdict kept there is customs' own, while each license's members
  have judged their own link. Public: that the entry was checked, by whom and when
  (`checked/<entry>`), and, as for every private part, which collections its parts name.
- A usage part's refusal names the failed question and license, never a term's value;
  the engine's reasons on a grant or termination, which may quote the terms, reach only
  the submitter (its preview) and the members (their verdicts), never public state.
- Costs: a customs organization that joins the network after a grant is not a member of
  that license's collection (collections gain no members) and cannot check entries that
  draw on it; re-grant the license to bring it in.
- Queries read a peer's own collections (LedgerLicenseBook); a non-member reads no
  license, and asking about a check it is not a member of raises CheckPrivate.

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

from pydantic import ValidationError, field_validator

from tradeledger.contracts import entries
from tradeledger.contracts.ipr_book import (
    NAMESPACE,
    CheckMark,
    EntryCheck,
    EntryRecheck,
    EntryUsage,
    IprWriter,
    JudgedLine,
    LedgerLicenseBook,
    LicenseNode,
    LineStatus,
    MarkAnswer,
    PendingUsageBook,
    PrivateWriter,
    check_collection,
    descendants,
    find_check_mark,
    license_collection,
    license_nodes,
    node_key,
)
from tradeledger.domain.ipr import (
    IprDataError,
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
from tradeledger.identity.registry import organization_record, organizations
from tradeledger.ledger.collections import PrivateInput
from tradeledger.ledger.contract import ANY_ROLE, Args, Contract, PrivateContext, TxContext, collection_record
from tradeledger.ledger.state import StateReader

__all__ = [
    "NAMESPACE",
    "CheckEntry",
    "CheckPrivate",
    "Decide",
    "EntryNotChecked",
    "Grant",
    "LineFacts",
    "Prepared",
    "Record",
    "Terminate",
    "Terms",
    "block_day",
    "check_standing",
    "contract",
    "find_check",
    "prepare_check",
    "prepare_grant",
    "prepare_termination",
    "recheck_entry",
]

contract = Contract(NAMESPACE, "trademark and copyright recordations, license chains, border checks")

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MAX_LIST = 64  # scope lists; a license names a few prefixes, countries, manufacturers


class EntryNotChecked(TradeledgerError, LookupError):
    """An entry that cannot be asked again: customs never checked it, or its record is damaged."""


class CheckPrivate(TradeledgerError, LookupError):
    """An entry customs checked, asked by an organization that may not see the check or
    every license it rests on: the answer is private to customs and the chain's parties."""


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


class Terms(Args):
    """A license's terms: private to its collection (the `sublicense` and `grant` parts)."""

    mark: str
    hts_prefixes: list[str] = []  # empty: as wide as the license above allows
    countries: list[str] = []
    manufacturers: list[str] = []
    quantity_cap: int | None = None
    start: str | None = None  # default: the day it is granted
    end: str
    may_sublicense: bool = False
    further_generations: int = 0

    _check_names = field_validator("mark")(classmethod(lambda cls, v: _name(v)))
    _check_lists = field_validator("hts_prefixes", "countries", "manufacturers")(classmethod(lambda cls, v: _names(v)))
    _check_days = field_validator("start", "end")(classmethod(lambda cls, v: _day_text(v)))


class GrantTerms(Terms):
    """The new collection's part: the terms, and the licenses above it as its licensor
    holds them (root first), which the new licensee could not read otherwise."""

    chain: list[dict[str, Any]] = []


class Grant(Args):
    """What every peer sees of a grant: the license's id, its licensee and its parent."""

    license_id: str
    licensee: str  # an organization of the network
    parent_id: str | None = None  # None: a root license granted by the mark's owner

    _check_names = field_validator("license_id", "licensee", "parent_id")(
        classmethod(lambda cls, v: v if v is None else _name(v)))


GRANT_FIELDS = frozenset(Grant.model_fields)


class Terminate(Args):
    license_id: str


class Ending(Args):
    """Why and from when a license ends: private to the collections of it and below it."""

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
    """What every peer sees of a check: the entry, and customs' count of the private parts
    of each license collection it debits when it judged the entry (a concurrency guard)."""

    entry_number: str
    seen: dict[str, int] = {}


class MarkedLine(Args):
    """One mark of one entry line as customs states it to a license collection."""

    line: int
    mark: str
    hts: str
    country: str
    manufacturer: str
    quantity: int
    physically_materially_different: bool = False
    bears_lever_label: bool = False


class Usage(Args):
    """A license collection's part of a check: the lines that draw on its license."""

    license_id: str
    entry_number: str
    importer: str
    as_of: str  # the entry's day of importation
    lines: list[MarkedLine]

    _check_day = field_validator("as_of")(classmethod(lambda cls, v: _day_text(v)))


class CheckResult(Args):
    """The check collection's part: customs' check line by line (its day, txid and leaf are the ledger's)."""

    check: dict[str, Any]


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


def _never(_collection: str) -> bool:
    return False


def _public_book(ctx: TxContext) -> LedgerLicenseBook:
    """The book a public handler may read: recordations only, no license collection."""
    return LedgerLicenseBook(ctx.state.reader, readable=_never)


def _part_book(ctx: PrivateContext) -> LedgerLicenseBook:
    """The book a private part may read: its own collection and every collection the read
    rule admits (those that hold all of its members: the collections below its license)."""
    members = set(ctx.members)

    def readable(collection: str) -> bool:
        if collection == ctx.collection:
            return True
        record = collection_record(ctx.public, NAMESPACE, collection)
        return record is not None and members <= set(record.members)

    return LedgerLicenseBook(ctx.public, readable)


def _customs(state: StateReader) -> list[str]:
    """Every active customs organization: a member of every license collection."""
    return [org.name for org in organizations(state) if org.role == "customs" and org.active]


def _node(state: StateReader, license_id: str) -> LicenseNode | None:
    data = state.get_state(NAMESPACE, node_key(license_id))
    return None if data is None else LicenseNode.from_dict(data)


def _parts(ctx: TxContext) -> list[tuple[str, str]]:
    return [(part.part, part.collection) for part in ctx.private_parts]


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
    _engine(validate_recordation, _public_book(ctx), recordation)
    IprWriter(ctx.state).recordation(recordation)
    ctx.emit("recorded", recordation_id=recordation.recordation_id, mark=recordation.mark,
             owner=recordation.owner, kind=recordation.kind.value)


@contract.action("decide", Decide, roles={"customs"})
def decide(ctx: TxContext, args: Decide) -> None:
    """Customs accepts or refuses a pending recordation, once."""
    decision = RecordationDecision(args.recordation_id, args.accepted, block_day(ctx.block_time_ms), args.reason)
    book = _public_book(ctx)
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
    parent license. Public: the id is new, the parent exists and the signer is a party to
    its collection; the terms are judged by the parts (see the module docstring)."""
    reader = ctx.state.reader
    ctx.require(_is_active_organization(reader, args.licensee),
                f"licensee {args.licensee} is not an active organization of the network; "
                "license an organization that can sign on the ledger")
    collection = license_collection(args.license_id)
    ctx.require(_node(reader, args.license_id) is None and ctx.collection(collection) is None,
                f"duplicate_id: license {args.license_id!r}: that license id is already on file; choose a new one")
    members = {ctx.signer.organization, args.licensee, *_customs(reader)}
    expected = [("grant", collection)]
    if args.parent_id is not None:
        parent = ctx.collection(license_collection(args.parent_id))
        ctx.require(_node(reader, args.parent_id) is not None and parent is not None,
                    f"unknown_parent: license {args.license_id!r}: parent {args.parent_id!r} is not on file; "
                    "check the id")
        assert parent is not None
        ctx.require(ctx.signer.organization in parent.members,
                    f"licensor_holds_no_right: license {args.license_id!r}: {ctx.signer.organization!r} is not a "
                    f"party to parent {args.parent_id!r}; only its licensee may sublicense it")
        members |= set(parent.members)
        expected = [("sublicense", license_collection(args.parent_id)), *expected]
    ctx.require(_parts(ctx) == expected,
                "a license carries its terms as private parts: " + ", then ".join(
                    f"{part} in collection {name}" for part, name in expected))
    ctx.set_members(collection, members)
    IprWriter(ctx.state).node(LicenseNode(args.license_id, args.parent_id, ctx.signer.organization))
    ctx.emit("licensed", license_id=args.license_id, parent_id=args.parent_id)


def _license(ctx: PrivateContext, args: Grant, terms: Terms) -> License:
    today = block_day(ctx.block_time_ms)
    return License(
        license_id=args.license_id,
        mark=terms.mark,
        licensor=ctx.signer.organization,
        licensee=args.licensee,
        hts_prefixes=tuple(terms.hts_prefixes),
        countries=tuple(terms.countries),
        manufacturers=tuple(terms.manufacturers),
        quantity_cap=terms.quantity_cap,
        start=_optional_day(terms.start) or today,
        end=date.fromisoformat(terms.end),
        may_sublicense=terms.may_sublicense,
        further_generations=terms.further_generations,
        parent_id=args.parent_id,
        granted_on=today,
    )


@contract.private("license", "sublicense", Terms)
def sublicense_in_parent(ctx: PrivateContext, args: Grant, terms: Terms) -> None:
    """The parent's members judge the sub-license against the chain they hold, and accept it."""
    license = _license(ctx, args, terms)
    _engine(validate_license, _part_book(ctx), license)
    PrivateWriter(ctx.state).child(license.license_id)


@contract.private("license", "grant", GrantTerms)
def grant_terms(ctx: PrivateContext, args: Grant, terms: GrantTerms) -> None:
    """The new collection takes the license and the chain above it, and judges the grant over them."""
    try:
        chain = [License.from_dict(link) for link in terms.chain]
    except IprDataError as exc:
        raise Refused(f"malformed: license {args.license_id!r}: the chain above it: {exc}") from None
    ids = [link.license_id for link in chain]
    parents = [None, *ids[:-1]] if ids else []
    ctx.require([link.parent_id for link in chain] == parents and (ids[-1] if ids else None) == args.parent_id,
                f"malformed: license {args.license_id!r}: the chain above it must run from a root license to "
                "its parent, each link the child of the one before")
    writer = PrivateWriter(ctx.state)
    for link in chain:
        writer.license(link)
    license = _license(ctx, args, terms)
    _engine(validate_license, _part_book(ctx), license)
    writer.license(license)


@contract.action("terminate", Terminate, roles=ANY_ROLE)
def terminate(ctx: TxContext, args: Terminate) -> None:
    """Its licensor or licensee ends a license from a day (today or later): an `end` part in
    its collection, an `ancestor_ended` part in the collection of every license below it."""
    reader = ctx.state.reader
    record = ctx.collection(license_collection(args.license_id))
    ctx.require(_node(reader, args.license_id) is not None and record is not None,
                f"unknown_license: termination of license {args.license_id!r}: no such license is on file; "
                "check the id")
    assert record is not None
    ctx.require(ctx.signer.organization in record.members,
                f"not_a_party: termination of license {args.license_id!r}: {ctx.signer.organization!r} is not a "
                "party to it; only its licensor or licensee may end it")
    below = descendants(license_nodes(reader), args.license_id)
    expected = [("end", license_collection(args.license_id)),
                *(("ancestor_ended", license_collection(license_id)) for license_id in below)]
    ctx.require(_parts(ctx) == expected,
                f"a termination of license {args.license_id} carries an end part in its collection and an "
                f"ancestor_ended part in the collection of each license below it ({', '.join(below) or 'none'})")
    ctx.emit("terminated", license_id=args.license_id, by=ctx.signer.organization)


def _termination(ctx: PrivateContext, args: Terminate, ending: Ending) -> Termination:
    today = block_day(ctx.block_time_ms)
    return Termination(license_id=args.license_id, terminated_by=ctx.signer.organization,
                       terminated_on=_optional_day(ending.effective_on) or today, recorded_on=today,
                       reason=ending.reason)


def _record_termination(ctx: PrivateContext, args: Terminate, ending: Ending) -> None:
    termination = _termination(ctx, args, ending)
    book = _part_book(ctx)
    _engine(validate_termination, book, termination)
    current = book.license(args.license_id)
    assert current is not None  # validate_termination refuses an unknown id
    # What held before the termination's day keeps holding: the record gains its end only.
    PrivateWriter(ctx.state).termination(terminated(current, termination), termination)


@contract.private("terminate", "end", Ending)
def end_license(ctx: PrivateContext, args: Terminate, ending: Ending) -> None:
    """The license's members judge the termination (every collection below it readable)."""
    _record_termination(ctx, args, ending)


@contract.private("terminate", "ancestor_ended", Ending)
def ancestor_ended(ctx: PrivateContext, args: Terminate, ending: Ending) -> None:
    """A collection below the license judges it over its copy, and updates the copy."""
    _record_termination(ctx, args, ending)


# --- the border check of an entry -----------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Line:
    """One marked line as the check judges it: the entry's facts and customs' findings."""

    line: int
    hts: str
    origin: str  # the country of origin is where the marked goods were made
    marks: tuple[str, ...]
    quantity: int
    manufacturer: str
    physically_materially_different: bool
    bears_lever_label: bool


def _questions(importer: str, entry_number: str, line: _Line, on: date) -> list[Question]:
    return [
        Question(importer=importer, mark=mark, hts=line.hts, manufacturer=line.manufacturer, country=line.origin,
                 on=on, quantity=line.quantity,
                 physically_materially_different=line.physically_materially_different,
                 bears_lever_label=line.bears_lever_label, entry_number=entry_number)
        for mark in dict.fromkeys(line.marks)  # a mark named twice is asked, and counted, once
    ]


def _ask(book: PendingUsageBook, question: Question) -> MarkAnswer:
    try:
        return MarkAnswer(question.mark, authorize(book, question))
    except QuestionError as exc:
        raise Refused(f"malformed: {exc}") from None


def _judged_line(line: _Line, answers: Sequence[MarkAnswer]) -> JudgedLine:
    failing = [answer for answer in answers if not answer.decision.authorized]
    return JudgedLine(
        line=line.line, hts=line.hts, origin=line.origin, manufacturer=line.manufacturer,
        quantity=line.quantity, physically_materially_different=line.physically_materially_different,
        bears_lever_label=line.bears_lever_label,
        status=LineStatus.REVIEW if failing else LineStatus.AUTHORIZED,
        reason=(f"mark {failing[0].mark!r}: {failing[0].decision.reason}" if failing
                else "; ".join(f"mark {answer.mark!r}: {answer.decision.reason}" for answer in answers)),
        marks=tuple(answers),
    )


@dataclass(frozen=True, slots=True)
class _Judgement:
    lines: tuple[JudgedLine, ...]
    flagged: tuple[int, ...]


def _judge(book: PendingUsageBook, importer: str, entry_number: str, lines: Sequence[_Line], on: date,
           used_on: date) -> _Judgement:
    """Every marked line judged in line order as of `on`; the units of an authorized line
    go into `book.pending`, dated `used_on`, before the next line is asked."""
    judged, flagged = [], []
    for line in sorted(lines, key=lambda item: item.line):
        answers = [_ask(book, q) for q in _questions(importer, entry_number, line, on)]
        judged.append(_judged_line(line, answers))
        if any(not answer.decision.authorized for answer in answers):
            flagged.append(line.line)
            continue
        for answer in answers:
            if answer.decision.chain:  # the owner's own goods use no license
                book.add(UsageRecord(entry_number, answer.decision.chain[-1].license_id, line.quantity, used_on))
    return _Judgement(tuple(judged), tuple(flagged))


@contract.action("check_entry", CheckEntry, roles={"customs"})
def check_entry(ctx: TxContext, args: CheckEntry) -> None:
    """Customs checks an entry filed with it, once. Public: the entry is filed with the
    signer and not checked yet, the parts are those of a check (module docstring), and no
    license collection it debits has moved since customs judged the entry."""
    reader = ctx.state.reader
    number = args.entry_number
    filing = entries.find_filing(reader, number)
    ctx.require(filing is not None, f"entry {number} is not filed; the importer files it first")
    assert filing is not None
    ctx.require(filing.filed_with == ctx.signer.organization,
                f"entry {number} was filed with {filing.filed_with}, not {ctx.signer.organization}")
    earlier = find_check_mark(reader, number)
    ctx.require(earlier is None,
                f"entry {number} was already checked (leaf {earlier and earlier.leaf_index}); its result stands "
                "(ask `ipr check --entry` for a fresh answer as of any day)")
    results = ctx.parts_named("result")
    ctx.require(len(results) == 1 and results[0].collection == check_collection(number),
                f"a check carries one result part in collection {check_collection(number)}")
    by_collection = {license_collection(license_id): license_id for license_id in license_nodes(reader)}
    debited: list[str] = []
    for part in ctx.parts_named("usage"):
        license_id = by_collection.get(part.collection)
        ctx.require(license_id is not None, f"usage part for {part.collection}, which is no license collection")
        assert license_id is not None
        ctx.require(license_id not in debited, f"license {license_id} is debited twice; one usage part each")
        debited.append(license_id)
    ctx.require(len(results) + len(debited) == len(ctx.private_parts), "a check carries result and usage parts only")
    ctx.require(set(debited) == set(args.seen),
                "name in `seen` the part count of exactly the license collections the check debits")
    members = {ctx.signer.organization, filing.importer}
    for license_id in debited:
        node = _node(reader, license_id)
        assert node is not None
        ctx.require(node.parent_id is None or node.parent_id in debited,
                    f"license {license_id} is debited without {node.parent_id} above it; a line's units count "
                    "against every license of its chain")
        record = ctx.collection(license_collection(license_id))
        assert record is not None
        # Guards the caps: the parts run on exactly the usage customs judged, or not at all.
        ctx.require(record.parts == args.seen[license_id],
                    f"license {license_id} has taken another private part since customs judged entry {number}; "
                    "check the entry again")
        members |= set(record.members)
    ctx.set_members(check_collection(number), members)
    IprWriter(ctx.state).checked(CheckMark(number, ctx.signer.organization, ctx.leaf_index))
    ctx.emit("entry_checked", entry_number=number, by=ctx.signer.organization)


def _not_before_today(ctx: PrivateContext, entry_number: str, as_of: date) -> None:
    today = block_day(ctx.block_time_ms)
    ctx.require(as_of >= today,
                f"entry {entry_number} was imported before today ({today}); a check counts the entry's units "
                "against license caps, which must never change a day already past; check entries on or before "
                "their day of importation")


@contract.private("check_entry", "usage", Usage)
def debit_usage(ctx: PrivateContext, args: CheckEntry, usage: Usage) -> None:
    """A license's members ask the engine again over what they hold, for the lines customs
    says draw on their license; they debit it only when every line is authorized through
    it within its cap. Reasons name the failing question, never a value of the terms."""
    ctx.require(usage.entry_number == args.entry_number and ctx.collection == license_collection(usage.license_id),
                "the usage part names another entry or license than its envelope")
    as_of = date.fromisoformat(usage.as_of)
    _not_before_today(ctx, usage.entry_number, as_of)
    today = block_day(ctx.block_time_ms)
    ledger_book = _part_book(ctx)
    book = PendingUsageBook(ledger_book)
    ctx.require(book.license(usage.license_id) is not None, f"license {usage.license_id} is not in its collection")
    ctx.require(bool(usage.lines), "a usage part names the lines that draw on the license")
    total = 0
    for line in sorted(usage.lines, key=lambda item: (item.line, item.mark)):
        question = Question(importer=usage.importer, mark=line.mark, hts=line.hts, manufacturer=line.manufacturer,
                            country=line.country, on=as_of, quantity=line.quantity,
                            physically_materially_different=line.physically_materially_different,
                            bears_lever_label=line.bears_lever_label, entry_number=usage.entry_number)
        decision = _ask(book, question).decision
        failed = decision.failed_question.value if decision.failed_question else "chain"
        ctx.require(decision.authorized, f"line {line.line} of entry {usage.entry_number} fails the {failed} "
                                         f"question at license {decision.broken_link or usage.license_id}")
        ctx.require(usage.license_id in [link.license_id for link in decision.chain],
                    f"line {line.line} of entry {usage.entry_number} is not authorized through license "
                    f"{usage.license_id}")
        book.add(UsageRecord(usage.entry_number, decision.chain[-1].license_id, line.quantity, today))
        total += line.quantity
    counted = UsageRecord(usage.entry_number, usage.license_id, total, today)
    _engine(validate_usage, ledger_book, counted)
    PrivateWriter(ctx.state).usage(usage.license_id, EntryUsage(usage.entry_number, (counted,)))


@contract.private("check_entry", "result", CheckResult)
def keep_result(ctx: PrivateContext, args: CheckEntry, result: CheckResult) -> None:
    """The check collection keeps customs' check as customs made it, dated by the block."""
    # The block dates the check, as it dates the usage parts' debits beside it.
    today = block_day(ctx.block_time_ms).isoformat()
    try:
        check = EntryCheck.from_dict({**result.check, "checked_on": today, "txid": ctx.txid,
                                      "leaf_index": ctx.leaf_index})
    except (IprDataError, TypeError) as exc:
        raise Refused(f"malformed: the check of entry {args.entry_number}: {exc}") from None
    ctx.require(check.entry_number == args.entry_number and check.checked_by == ctx.signer.organization,
                "the check names another entry or another customs office than its envelope")
    _not_before_today(ctx, check.entry_number, check.as_of)
    PrivateWriter(ctx.state).check(check)


# --- what a submitter prepares from its own view --------------------------------------

def _parse(model: type[_A], data: Mapping[str, Any], what: str) -> _A:
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'args'}: {err['msg']}"
                             for err in exc.errors())
        raise Refused(f"invalid {what}: {problems}") from None


_A = TypeVar("_A", bound=Args)


@dataclass(frozen=True)
class Prepared:
    """An ipr transaction as its submitter prepared it: public arguments and private parts."""

    args: dict[str, Any]
    private: tuple[PrivateInput, ...]


def prepare_grant(state: StateReader, terms: Mapping[str, Any]) -> Prepared:
    """A grant from the licensor's own view (`state`): the terms as the contract's `Grant`
    arguments and `Terms` together; the chain above a sub-license is read from the parent's
    collection, which the licensor holds."""
    public = {key: value for key, value in terms.items() if key in GRANT_FIELDS}
    private = {key: value for key, value in terms.items() if key not in GRANT_FIELDS}
    args = _parse(Grant, public, "arguments for license")
    _parse(Terms, private, "license terms")
    collection = license_collection(args.license_id)
    if args.parent_id is None:
        return Prepared(args.model_dump(), (PrivateInput("grant", collection, {**private, "chain": []}),))
    book = LedgerLicenseBook(state)
    chain = [book.license(license_id) for license_id in reversed(book.self_and_ancestors(args.parent_id))]
    links = [link.to_dict() for link in chain if link is not None]
    return Prepared(args.model_dump(), (
        PrivateInput("sublicense", license_collection(args.parent_id), private),
        PrivateInput("grant", collection, {**private, "chain": links}),
    ))


def prepare_termination(state: StateReader, license_id: str, reason: str, effective_on: date | None) -> Prepared:
    """A termination: its end part and a part for every license below it (public tree)."""
    ending: dict[str, Any] = {"reason": reason}
    if effective_on is not None:
        ending["effective_on"] = effective_on.isoformat()
    below = descendants(license_nodes(state), license_id)
    return Prepared({"license_id": license_id}, (
        PrivateInput("end", license_collection(license_id), ending),
        *(PrivateInput("ancestor_ended", license_collection(child), ending) for child in below),
    ))


def _entry_lines(record: Any) -> tuple[str, date, dict[int, tuple[str, str, str | None, tuple[str, ...]]]]:
    """The one place that reads the entries contract's record: importer, day of
    importation and, by line number, (HTS, origin, MID, marks)."""
    data: Mapping[str, Any] = record.to_dict() if hasattr(record, "to_dict") else record
    lines = {line["line"]: (line["hts"], line["origin"], line.get("mid"), tuple(line.get("marks") or ()))
             for line in data["lines"]}
    return data["importer"], date.fromisoformat(data["imported_on"]), lines


def prepare_check(state: StateReader, customs: str, entry_number: str, facts: Sequence[Mapping[str, Any]],
                  today: date) -> Prepared:
    """Customs' check of an entry, judged over its own view (`state`: customs is a member of
    the entry's and of every license collection), as the transaction that records it.
    Raises Refused, with the reason, for an entry that cannot be checked; nothing is written."""
    filing = entries.find_filing(state, entry_number)
    if filing is None:
        raise Refused(f"entry {entry_number} is not filed; the importer files it first")
    if filing.filed_with != customs:
        raise Refused(f"entry {entry_number} was filed with {filing.filed_with}, not {customs}")
    record = entries.find_entry(state, entry_number)
    if record is None:
        raise Refused(f"entry {entry_number} is private to its importer, filer and {filing.filed_with}; "
                      f"{customs} does not hold it")
    earlier = find_check_mark(state, entry_number)
    if earlier is not None:
        raise Refused(f"entry {entry_number} was already checked (leaf {earlier.leaf_index}); its result stands "
                      "(ask `ipr check --entry` for a fresh answer as of any day)")
    importer, imported_on, lines = _entry_lines(record)
    if imported_on < today:
        raise Refused(f"entry {entry_number} was imported on {imported_on}, before today ({today}); a check "
                      "counts the entry's units against license caps, which must never change a day already "
                      "past; check entries on or before their day of importation")
    marked = sorted(number for number, line in lines.items() if line[3])
    if not marked:
        raise Refused(f"no line of entry {entry_number} bears a mark; there is nothing to check")
    given: dict[int, LineFacts] = {}
    for raw in facts:
        parsed = _parse(LineFacts, raw, "line facts")
        if parsed.line in given:
            raise Refused("each line's facts are given once")
        given[parsed.line] = parsed
    unknown = sorted(set(given) - set(marked))
    if unknown:
        raise Refused(f"lines {unknown} of entry {entry_number} bear no mark or do not exist; "
                      f"give facts for the marked lines {marked} only")
    missing = sorted(set(marked) - set(given))
    if missing:
        raise Refused(f"give the quantity of marked lines {missing}")
    judged_lines = []
    for number, item in sorted(given.items()):
        hts, origin, mid, marks = lines[number]
        manufacturer = item.manufacturer or mid
        if not manufacturer:
            raise Refused(f"line {number} names no manufacturer; give its MID")
        judged_lines.append(_Line(number, hts, origin, marks, item.quantity, manufacturer,
                                  item.physically_materially_different, item.bears_lever_label))
    ledger_book = LedgerLicenseBook(state)
    book = PendingUsageBook(ledger_book)
    judgement = _judge(book, importer, entry_number, judged_lines, imported_on, today)
    for usage in book.pending:
        _engine(validate_usage, ledger_book, usage)
    check = EntryCheck(
        entry_number=entry_number, importer=importer, filed_with=customs, entry_version=filing.version,
        checked_by=customs, checked_on=today, as_of=imported_on, lines=judgement.lines,
        flagged_lines=judgement.flagged, txid="", leaf_index=0,
    )
    drawn: dict[str, list[dict[str, Any]]] = {}
    for judged in judgement.lines:
        if not judged.authorized:
            continue
        for answer in judged.marks:
            for link in answer.decision.chain:
                drawn.setdefault(link.license_id, []).append(MarkedLine(
                    line=judged.line, mark=answer.mark, hts=judged.hts, country=judged.origin,
                    manufacturer=judged.manufacturer, quantity=judged.quantity,
                    physically_materially_different=judged.physically_materially_different,
                    bears_lever_label=judged.bears_lever_label).model_dump())
    seen = {}
    for license_id in drawn:
        collection = collection_record(state, NAMESPACE, license_collection(license_id))
        seen[license_id] = collection.parts if collection is not None else 0
    stated = {key: value for key, value in check.to_dict().items() if key not in ("checked_on", "txid", "leaf_index")}
    parts = [PrivateInput("result", check_collection(entry_number), {"check": stated})]
    parts += [PrivateInput("usage", license_collection(license_id), {
        "license_id": license_id, "entry_number": entry_number, "importer": importer,
        "as_of": imported_on.isoformat(), "lines": drawn[license_id]}) for license_id in sorted(drawn)]
    return Prepared({"entry_number": entry_number, "seen": seen}, tuple(parts))


# --- queries for nodes and the CLI ----------------------------------------------------

def find_check(state: StateReader, entry_number: str) -> EntryCheck | None:
    """Customs' recorded check of an entry, line by line, as it was made; None when there
    is none or the reader is not a member of its collection (see `check_standing`)."""
    return LedgerLicenseBook(state).entry_check(entry_number)


def check_standing(state: StateReader, entry_number: str) -> EntryCheck:
    """The recorded check, or EntryNotChecked when customs never checked the entry, or
    CheckPrivate when it did and the reader is not a member of the check's collection."""
    found = find_check(state, entry_number)
    if found is not None:
        return found
    mark = find_check_mark(state, entry_number)
    if mark is None:
        raise EntryNotChecked(f"entry {entry_number} has no IPR check on the ledger; customs checks it first")
    raise CheckPrivate(f"entry {entry_number} was checked by {mark.checked_by} (leaf {mark.leaf_index}); the "
                       "check is private to customs, the importer and the parties of the licenses it concerns")


def _cap_or_unknown(license: License | None) -> bool:
    return license is None or license.quantity_cap is not None


def recheck_entry(state: StateReader, entry_number: str, on: date | None = None) -> EntryRecheck:
    """The border check of a checked entry asked again of the ledger as it stands now, as
    of `on` (default: the day it was checked as of).

    Nothing is written. The lines are asked as the check recorded them; the entry's own
    counted units are left out and its lines counted again in order, so asking about the
    original day gives the original answer however the licenses changed later. Raises
    EntryNotChecked or CheckPrivate (`check_standing`), and CheckPrivate too when the
    reader does not hold the usage of a capped license the check relied on."""
    check = check_standing(state, entry_number)
    book = LedgerLicenseBook(state)
    relied = sorted({link.license_id for line in check.lines for answer in line.marks
                     for link in answer.decision.chain})
    # A license above the reader's own is known by its copy, kept current by terminations:
    # enough to ask again, unless its cap needs the usage its own collection alone holds.
    hidden = [license_id for license_id in relied if not book.holds(license_id)
              and _cap_or_unknown(book.license(license_id))]
    if hidden:
        raise CheckPrivate(f"entry {entry_number} relied on licenses {', '.join(hidden)}, whose terms and usage "
                           "are private to their parties and customs; ask customs to check it again")
    lines = [_Line(line.line, line.hts, line.origin, tuple(answer.mark for answer in line.marks), line.quantity,
                   line.manufacturer, line.physically_materially_different, line.bears_lever_label)
             for line in check.lines]
    try:
        judgement = _judge(PendingUsageBook(book), check.importer, entry_number, lines, on or check.as_of,
                           check.checked_on)
    except Refused as exc:  # cannot happen for facts the contract accepted; say so plainly
        raise EntryNotChecked(f"entry {entry_number} cannot be asked again: {exc.reason}") from None
    return EntryRecheck(entry_number, on or check.as_of, judgement.lines, judgement.flagged)
