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
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Literal, TypeVar

from pydantic import field_validator

from tradeledger.contracts import entries
from tradeledger.contracts.ipr_book import (
    NAMESPACE,
    LedgerLicenseBook,
    PendingUsageBook,
    add_usage,
    check_key,
    children_key,
    entry_usage_key,
    held_key,
    license_key,
    mark_key,
    recordation_key,
    roots_key,
    termination_key,
    usage_key,
)
from tradeledger.domain.ipr import (
    Decision,
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
from tradeledger.ledger.authority import REGISTRY, org_key
from tradeledger.ledger.contract import ANY_ROLE, Args, Contract, Refused, TxContext
from tradeledger.ledger.state import StateReader

__all__ = [
    "NAMESPACE",
    "CheckEntry",
    "Decide",
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


# --- argument checks ----------------------------------------------------------------

def _name(v: str) -> str:
    # Names end up inside index keys separated by newlines (ipr_book); a control character
    # could forge another party's key.
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

    _check_names = field_validator("recordation_id", "registration_number", "mark")(classmethod(lambda cls, v: _name(v)))
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
    try:
        validate(book, record)
    except IprRefused as refused:
        raise Refused(f"{refused.code.value}: {refused.message}") from None


def _active_organization(ctx: TxContext, name: str) -> dict[str, Any] | None:
    record = ctx.state.get(org_key(name), REGISTRY)
    return record if record is not None and record.get("status") == "active" else None


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
    ctx.state.put(recordation_key(recordation.recordation_id), recordation.to_dict())
    ctx.state.put(mark_key(recordation.mark), recordation.recordation_id)
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
    ctx.state.put(recordation_key(decided.recordation_id), decided.to_dict())
    ctx.emit("decided", recordation_id=decided.recordation_id, status=decided.status.value,
             by=ctx.signer.organization, reason=decision.reason)


# --- licenses -------------------------------------------------------------------------

@contract.action("license", Grant, roles=ANY_ROLE)
def grant(ctx: TxContext, args: Grant) -> None:
    """The signer grants a license: as the mark's owner (no parent) or as the holder of the
    parent license. The engine checks the signer held the right on the grant day."""
    ctx.require(_active_organization(ctx, args.licensee) is not None,
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
    ctx.state.put(license_key(license.license_id), license.to_dict())
    ctx.state.put(held_key(license.licensee, license.mark, license.license_id), license.license_id)
    if license.parent_id is None:
        ctx.state.put(roots_key(license.mark, license.license_id), license.license_id)
    else:
        ctx.state.put(children_key(license.parent_id, license.license_id), license.license_id)
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
    # The license record keeps its grant and gains its end; what held before that day holds.
    ctx.state.put(license_key(args.license_id), terminated(current, termination).to_dict())
    ctx.state.put(termination_key(args.license_id), termination.to_dict())
    ctx.emit("terminated", license_id=args.license_id, by=termination.terminated_by,
             effective_on=termination.terminated_on.isoformat(), reason=termination.reason)


# --- the border check of an entry -----------------------------------------------------

def _line_questions(entry: dict[str, Any], line: dict[str, Any], facts: dict[str, Any], on: date) -> list[Question]:
    return [
        Question(
            importer=entry["importer"],
            mark=mark,
            hts=line["hts"],
            manufacturer=facts["manufacturer"],
            country=line["origin"],  # the country of origin is where the marked goods were made
            on=on,
            quantity=facts["quantity"],
            physically_materially_different=facts["physically_materially_different"],
            bears_lever_label=facts["bears_lever_label"],
            entry_number=entry["entry_number"],
        )
        for mark in dict.fromkeys(line.get("marks", ()))  # a mark named twice is asked, and counted, once
    ]


def _ask(book: PendingUsageBook, question: Question) -> Decision:
    try:
        return authorize(book, question)
    except QuestionError as exc:
        raise Refused(f"malformed: {exc}") from None


def _judged_line(line: dict[str, Any], facts: dict[str, Any], answers: list[tuple[str, Decision]]) -> dict[str, Any]:
    failing = [(mark, decision) for mark, decision in answers if not decision.authorized]
    return {
        "line": line["line"],
        "hts": line["hts"],
        "origin": line["origin"],
        **{k: facts[k] for k in ("manufacturer", "quantity", "physically_materially_different", "bears_lever_label")},
        "status": "review" if failing else "authorized",
        "reason": (f"mark {failing[0][0]!r}: {failing[0][1].reason}" if failing
                   else "; ".join(f"mark {mark!r}: {decision.reason}" for mark, decision in answers)),
        "marks": [{"mark": mark, **decision.to_dict()} for mark, decision in answers],
    }


def _judge_entry(
    book: PendingUsageBook, entry: dict[str, Any], facts: dict[int, dict[str, Any]], on: date, used_on: date
) -> tuple[list[dict[str, Any]], list[int]]:
    """Every marked line (those in `facts`) judged in line order as of `on`; the units of an
    authorized line go into `book.pending`, dated `used_on`, before the next line is asked."""
    lines = {line["line"]: line for line in entry["lines"]}
    judged, flagged = [], []
    for number in sorted(facts):
        line = lines[number]
        answers = [(q.mark, _ask(book, q)) for q in _line_questions(entry, line, facts[number], on)]
        judged.append(_judged_line(line, facts[number], answers))
        if any(not decision.authorized for _mark, decision in answers):
            flagged.append(number)
            continue
        for _mark, decision in answers:
            if decision.chain:  # the owner's own goods use no license
                book.add(UsageRecord(entry["entry_number"], decision.chain[-1].license_id,
                                     facts[number]["quantity"], used_on))
    return judged, flagged


@contract.action("check_entry", CheckEntry, roles={"customs"})
def check_entry(ctx: TxContext, args: CheckEntry) -> None:
    """Customs checks every line of an entry filed with it that bears marks, once."""
    entry = entries.find_entry(ctx.state.reader, args.entry_number)
    ctx.require(entry is not None, f"entry {args.entry_number} is not filed; the importer files it first")
    assert entry is not None
    ctx.require(entry["filed_with"] == ctx.signer.organization,
                f"entry {args.entry_number} was filed with {entry['filed_with']}, not {ctx.signer.organization}")
    earlier = ctx.state.get(check_key(args.entry_number))
    ctx.require(earlier is None,
                f"entry {args.entry_number} was already checked on {earlier and earlier['checked_on']}; "
                "its result stands (ask `ipr check --entry` for a fresh answer as of any day)")
    today = block_day(ctx.block_time_ms)
    imported_on = date.fromisoformat(entry["imported_on"])
    ctx.require(imported_on >= today,
                f"entry {args.entry_number} was imported on {imported_on}, before today ({today}); a check counts "
                "the entry's units against license caps, which must never change a day already past; check "
                "entries on or before their day of importation")
    marked = sorted(line["line"] for line in entry["lines"] if line.get("marks"))
    ctx.require(bool(marked), f"no line of entry {args.entry_number} bears a mark; there is nothing to check")
    facts = {item.line: item.model_dump() for item in args.lines}
    ctx.require(len(facts) == len(args.lines), "each line's facts are given once")
    unknown = sorted(set(facts) - set(marked))
    ctx.require(not unknown, f"lines {unknown} of entry {args.entry_number} bear no mark or do not exist; "
                             f"give facts for the marked lines {marked} only")
    missing = sorted(set(marked) - set(facts))
    ctx.require(not missing, f"give the quantity of marked lines {missing}")
    lines = {line["line"]: line for line in entry["lines"]}
    for number, given in facts.items():
        given["manufacturer"] = given["manufacturer"] or lines[number].get("mid")
        ctx.require(bool(given["manufacturer"]), f"line {number} names no manufacturer; give its MID")

    ledger_book = LedgerLicenseBook(ctx.state.reader)
    book = PendingUsageBook(ledger_book)
    judged, flagged = _judge_entry(book, entry, facts, imported_on, today)
    for usage in book.pending:
        _engine(validate_usage, ledger_book, usage)
        for license_id in book.self_and_ancestors(usage.license_id):
            ctx.state.put(usage_key(license_id),
                          add_usage(ctx.state.get(usage_key(license_id)), usage.used_on, usage.quantity))
    if book.pending:
        ctx.state.put(entry_usage_key(args.entry_number), [usage.to_dict() for usage in book.pending])
    ctx.state.put(check_key(args.entry_number), {
        "entry_number": args.entry_number,
        "importer": entry["importer"],
        "filed_with": entry["filed_with"],
        "entry_version": entry.get("version", 1),  # an amendment later does not change this check
        "checked_by": ctx.signer.organization,
        "checked_on": today.isoformat(),
        "as_of": imported_on.isoformat(),
        "lines": judged,
        "flagged_lines": flagged,
        "txid": ctx.txid,
        "leaf_index": ctx.leaf_index,
    })
    ctx.emit("entry_checked", entry_number=args.entry_number, flagged_lines=flagged,
             authorized_lines=[line["line"] for line in judged if line["status"] == "authorized"])


# --- queries for nodes and the CLI ----------------------------------------------------

def find_check(state: StateReader, entry_number: str) -> dict[str, Any] | None:
    """Customs' recorded check of an entry, line by line, as it was made."""
    return state.get_state(NAMESPACE, check_key(entry_number))


def recheck_entry(state: StateReader, entry_number: str, on: date | None = None) -> dict[str, Any]:
    """The border check of a checked entry asked again of the ledger as it stands now, as
    of `on` (default: the day it was checked as of), in the shape of the recorded check.

    Nothing is written. The entry's own counted units are left out and its lines counted
    again in order, so asking about the original day gives the original answer however
    the licenses changed later. Raises LookupError when the entry was never checked."""
    check = find_check(state, entry_number)
    if check is None:
        raise LookupError(f"entry {entry_number} has no IPR check on the ledger; customs checks it first")
    # The entry as it was checked: an amendment since then is a new version beside it.
    versions = entries.entry_versions(state, entry_number)
    entry = next((v for v in versions if v.get("version", 1) == check["entry_version"]), None)
    if entry is None:
        raise LookupError(f"entry {entry_number} version {check['entry_version']}, which customs checked, "
                          "is not on the ledger")
    day = on or date.fromisoformat(check["as_of"])
    facts = {line["line"]: line for line in check["lines"]}
    book = PendingUsageBook(LedgerLicenseBook(state))
    try:
        judged, flagged = _judge_entry(book, entry, facts, day, date.fromisoformat(check["checked_on"]))
    except Refused as exc:  # cannot happen for facts the contract accepted; say so plainly
        raise LookupError(f"entry {entry_number} cannot be asked again: {exc.reason}") from None
    return {"entry_number": entry_number, "as_of": day.isoformat(), "lines": judged, "flagged_lines": flagged}
