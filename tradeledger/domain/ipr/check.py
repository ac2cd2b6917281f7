"""The border authorization check: may this importer bring in these goods bearing this mark?

authorize(book, question) asks the questions of FACTS §6 in order and stops at the first
that fails:

1. recorded            the mark has a recordation customs accepted, in force on the day;
2. chain               an unbroken chain owner -> licensee -> ... -> importer, each license
                       granted by the holder of its parent, which permitted sublicensing
                       with generations to spare and was in force on the grant day;
3. validity            every link in force on the day (started, not ended, not terminated);
4. scope_product       the HTS number lies within every link's HTS prefixes;
5. scope_country       the country of manufacture is allowed at every link;
6. scope_manufacturer  the manufacturer is allowed at every link;
7. quantity            units already entered under each capped link, plus these, fit its cap;
8. gray_market         under Lever-rule protection, goods physically and materially different
                       from the U.S. version must bear the Lever label (19 CFR 133.23).

An importer that is the recordation's owner needs no license (a chain of length zero),
and the Lever-rule restriction, which protects the owner, does not apply to its own goods.
An importer holding several licenses of the mark is authorized when any one chain passes;
when none does, the answer is the chain that got furthest down the list (ties: lowest
license id), so the same book and question always give the same answer.

Every judgment is "as of" the question's day: a license terminated from a later day, or a
recordation decided later, does not change the answer for that day.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from tradeledger.errors import TradeledgerError
from tradeledger.records import FieldReader

from .lineage import lineage, statuses_on
from .model import IprDataError, License, LinkStatus, Recordation
from .rules import recordation_standing
from .scope import hts_covered, is_country, is_hts_prefix, normalize_hts

if TYPE_CHECKING:
    from .book import LicenseBook

__all__ = ["ChainLink", "Decision", "FailedQuestion", "Question", "QuestionError", "authorize"]


class QuestionError(TradeledgerError, ValueError):
    """A question that cannot be asked (a malformed HTS number, a quantity of zero ...)."""


class FailedQuestion(str, enum.Enum):
    """The questions in the order they are asked; later ones are more specific failures."""

    RECORDED = "recorded"
    CHAIN = "chain"
    VALIDITY = "validity"
    SCOPE_PRODUCT = "scope_product"
    SCOPE_COUNTRY = "scope_country"
    SCOPE_MANUFACTURER = "scope_manufacturer"
    QUANTITY = "quantity"
    GRAY_MARKET = "gray_market"


_SPECIFICITY = {question: rank for rank, question in enumerate(FailedQuestion)}


@dataclass(frozen=True, slots=True)
class Question:
    """May `importer` enter `quantity` units of HTS `hts` bearing `mark`, made by
    `manufacturer` in `country`, on day `on`?

    `physically_materially_different` says the goods differ from the U.S.-authorized
    version (made for a foreign market); `bears_lever_label` says they carry the label
    that lifts the Lever-rule restriction. `entry_number`, when given, is left out of the
    quantity already used, so asking again about an entry already counted gives the same
    answer.
    """

    importer: str
    mark: str
    hts: str
    manufacturer: str
    country: str
    on: date
    quantity: int
    physically_materially_different: bool = False
    bears_lever_label: bool = False
    entry_number: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "importer": self.importer,
            "mark": self.mark,
            "hts": self.hts,
            "manufacturer": self.manufacturer,
            "country": self.country,
            "on": self.on.isoformat(),
            "quantity": self.quantity,
            "physically_materially_different": self.physically_materially_different,
            "bears_lever_label": self.bears_lever_label,
            "entry_number": self.entry_number,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Question:
        r = FieldReader("question", data, IprDataError, absent_is_null=True)
        question = cls(
            importer=r.text("importer"),
            mark=r.text("mark"),
            hts=r.text("hts"),
            manufacturer=r.text("manufacturer"),
            country=r.text("country"),
            on=r.day("on"),
            quantity=r.integer("quantity"),
            physically_materially_different=r.optional_boolean("physically_materially_different") or False,
            bears_lever_label=r.optional_boolean("bears_lever_label") or False,
            entry_number=r.optional_text("entry_number"),
        )
        r.done()
        return question


@dataclass(frozen=True, slots=True)
class ChainLink:
    """One license of the chain, with its standing on the question's day."""

    license_id: str
    parent_id: str | None
    licensor: str
    licensee: str
    start: date
    end: date
    terminated_on: date | None
    quantity_cap: int | None
    status: LinkStatus

    @classmethod
    def of(cls, license: License, status: LinkStatus) -> ChainLink:
        return cls(
            license_id=license.license_id,
            parent_id=license.parent_id,
            licensor=license.licensor,
            licensee=license.licensee,
            start=license.start,
            end=license.end,
            terminated_on=license.terminated_on,
            quantity_cap=license.quantity_cap,
            status=status,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "license_id": self.license_id,
            "parent_id": self.parent_id,
            "licensor": self.licensor,
            "licensee": self.licensee,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "terminated_on": None if self.terminated_on is None else self.terminated_on.isoformat(),
            "quantity_cap": self.quantity_cap,
            "status": self.status.value,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ChainLink:
        r = FieldReader("chain link", data, IprDataError, absent_is_null=True)
        link = cls(
            license_id=r.text("license_id"),
            parent_id=r.optional_text("parent_id"),
            licensor=r.text("licensor"),
            licensee=r.text("licensee"),
            start=r.day("start"),
            end=r.day("end"),
            terminated_on=r.optional_day("terminated_on"),
            quantity_cap=r.optional_integer("quantity_cap"),
            status=r.enum("status", LinkStatus),
        )
        r.done()
        return link


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer. `chain` runs from the owner's grant (root) to the importer's license;
    it is empty when the importer is the owner or holds nothing. `broken_link` is the
    license id of the first link that fails, or the recordation id when the recordation
    itself stops the goods (its scope, Lever-rule protection), or None."""

    authorized: bool
    reason: str
    recordation_id: str | None
    owner: str | None
    chain: tuple[ChainLink, ...]
    failed_question: FailedQuestion | None = None
    broken_link: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "authorized": self.authorized,
            "reason": self.reason,
            "recordation_id": self.recordation_id,
            "owner": self.owner,
            "chain": [link.to_dict() for link in self.chain],
            "failed_question": None if self.failed_question is None else self.failed_question.value,
            "broken_link": self.broken_link,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Decision:
        r = FieldReader("decision", data, IprDataError, absent_is_null=True)
        chain = r.items("chain")
        failed = r.optional_text("failed_question")
        decision = cls(
            authorized=r.boolean("authorized"),
            reason=r.text("reason"),
            recordation_id=r.optional_text("recordation_id"),
            owner=r.optional_text("owner"),
            chain=tuple(ChainLink.from_dict(link) for link in chain),
            failed_question=None if failed is None else _failed_question(failed),
            broken_link=r.optional_text("broken_link"),
        )
        r.done()
        return decision


def _failed_question(text: str) -> FailedQuestion:
    try:
        return FailedQuestion(text)
    except ValueError:
        raise IprDataError("decision", "failed_question", f"has unknown value {text!r}") from None


# ---------------------------------------------------------------------------------------


def authorize(book: LicenseBook, question: Question) -> Decision:
    """Answer the question from the book as it stands on the question's day."""
    hts = _checked(question)
    recordation = book.recordation_for_mark(question.mark)
    if recordation is None:
        return Decision(
            False, f"mark {question.mark!r} is not recorded with customs, so no import of it is authorized",
            None, None, (), FailedQuestion.RECORDED, None,
        )
    if not recordation.is_recorded_on(question.on):
        standing = recordation_standing(recordation, question.on)
        return Decision(
            False,
            f"recordation {recordation.recordation_id!r} of mark {question.mark!r} is {standing} on {question.on}",
            recordation.recordation_id, recordation.owner, (), FailedQuestion.RECORDED, None,
        )
    if question.importer == recordation.owner:
        return _judge(book, recordation, (), (), question, hts)

    held = book.licenses_held(question.importer, question.mark)
    if not held:
        return _refuse(
            recordation, (), FailedQuestion.CHAIN, None,
            f"{question.importer!r} holds no license of mark {question.mark!r} and is not its owner "
            f"{recordation.owner!r}",
        )
    best, best_rank = None, -1
    # Sorting again costs little and keeps the answer independent of the book's order.
    for leaf in sorted(held, key=lambda held_license: held_license.license_id):
        decision = _judge_license(book, recordation, leaf, question, hts)
        if decision.authorized:
            return decision
        rank = _SPECIFICITY[decision.failed_question]  # type: ignore[index]
        if rank > best_rank:
            best, best_rank = decision, rank
    assert best is not None
    return best


def _checked(question: Question) -> str:
    """Refuses a malformed question; returns its HTS number as plain digits."""
    hts = normalize_hts(question.hts)
    if not is_hts_prefix(hts) or len(hts) < 4:
        raise QuestionError(f"HTS number {question.hts!r} must have 4 to 10 digits, e.g. 6403.99.6075")
    if not is_country(question.country):
        raise QuestionError(f"country {question.country!r} must be an ISO 3166-1 alpha-2 code in capitals, e.g. VN")
    if question.quantity <= 0:
        raise QuestionError(f"quantity {question.quantity} must be a positive number of units")
    named = ((question.importer, "importer"), (question.mark, "mark"), (question.manufacturer, "manufacturer"))
    for value, what in named:
        if not value:
            raise QuestionError(f"the {what} must be named")
    return hts


def _refuse(recordation: Recordation, chain: tuple[ChainLink, ...], failed: FailedQuestion,
            broken: str | None, reason: str) -> Decision:
    return Decision(False, reason, recordation.recordation_id, recordation.owner, chain, failed, broken)


def _judge_license(
    book: LicenseBook, recordation: Recordation, leaf: License, question: Question, hts: str
) -> Decision:
    found = lineage(book, leaf)
    links = found.links
    statuses = statuses_on(links, question.on)
    chain = tuple(ChainLink.of(link, status) for link, status in zip(links, statuses, strict=True))
    if found.missing_parent is not None:
        return _refuse(
            recordation, chain, FailedQuestion.CHAIN, links[0].license_id,
            f"license {links[0].license_id!r} extends {found.missing_parent!r}, which is not on the ledger",
        )
    broken = _chain_break(recordation, links)
    if broken is not None:
        link, why = broken
        return _refuse(recordation, chain, FailedQuestion.CHAIN, link.license_id, why)
    return _judge(book, recordation, links, chain, question, hts)


def _chain_break(recordation: Recordation, links: tuple[License, ...]) -> tuple[License, str] | None:
    """The first link not granted by a party holding the right on its grant day, with why."""
    # The days on which every link so far was in force: [latest start, earliest end], and
    # before the earliest termination. Kept as we go, so a deep chain costs O(depth).
    in_force_from = in_force_until = stopped_on = None
    for i, link in enumerate(links):
        if link.mark != recordation.mark:
            return link, f"license {link.license_id!r} is for mark {link.mark!r}, not {recordation.mark!r}"
        if i == 0:
            if link.parent_id is not None:
                return link, f"license {link.license_id!r} names parent {link.parent_id!r} but starts the chain"
            if link.licensor != recordation.owner:
                return link, (
                    f"license {link.license_id!r} was granted by {link.licensor!r}, "
                    f"who is not the owner {recordation.owner!r}"
                )
            if not recordation.is_recorded_on(link.granted_on):
                return link, (
                    f"license {link.license_id!r} was granted on {link.granted_on}, when recordation "
                    f"{recordation.recordation_id!r} was {recordation_standing(recordation, link.granted_on)}"
                )
            in_force_from, in_force_until, stopped_on = link.start, link.end, link.terminated_on
            continue
        parent = links[i - 1]
        if link.licensor != parent.licensee:
            return link, (
                f"license {link.license_id!r} was granted by {link.licensor!r}, but its parent "
                f"{parent.license_id!r} was held by {parent.licensee!r}"
            )
        if not parent.may_sublicense:
            return link, (
                f"license {parent.license_id!r} does not permit sublicensing, yet {link.license_id!r} extends it"
            )
        if link.further_generations >= parent.further_generations:
            return link, (
                f"license {link.license_id!r} is one generation deeper than its parent "
                f"{parent.license_id!r} allows"
            )
        granted = link.granted_on
        assert in_force_from is not None and in_force_until is not None
        held = (
            in_force_from <= granted <= in_force_until
            and (stopped_on is None or granted < stopped_on)
            and recordation.is_recorded_on(granted)
        )
        if not held:
            above = statuses_on(links[:i], granted, root_in_force=recordation.is_recorded_on(granted))
            ancestor, status = next((a, s) for a, s in zip(links[:i], above, strict=True) if s is not LinkStatus.VALID)
            return link, (
                f"license {link.license_id!r} was granted on {granted}, when license "
                f"{ancestor.license_id!r} above it was {_words(status)}, so {link.licensor!r} held no right"
            )
        in_force_from = max(in_force_from, link.start)
        in_force_until = min(in_force_until, link.end)
        if link.terminated_on is not None and (stopped_on is None or link.terminated_on < stopped_on):
            stopped_on = link.terminated_on
    return None


def _judge(book: LicenseBook, recordation: Recordation, links: tuple[License, ...], chain: tuple[ChainLink, ...],
           question: Question, hts: str) -> Decision:
    """Questions 3-8 on a chain whose parties are in order (empty chain: the owner)."""
    for link, status in zip(links, (c.status for c in chain), strict=True):
        if status is not LinkStatus.VALID:
            reason = _invalid_reason(link, status, question.on)
            return _refuse(recordation, chain, FailedQuestion.VALIDITY, link.license_id, reason)

    stops = (
        (FailedQuestion.SCOPE_PRODUCT, f"HTS {hts}",
         lambda item: not item.hts_prefixes or hts_covered(hts, item.hts_prefixes),
         lambda item: f"HTS prefixes {list(item.hts_prefixes)}"),
        (FailedQuestion.SCOPE_COUNTRY, f"manufacture in {question.country}",
         lambda item: not _countries(item) or question.country in _countries(item),
         lambda item: f"countries {list(_countries(item))}"),
        (FailedQuestion.SCOPE_MANUFACTURER, f"manufacturer {question.manufacturer!r}",
         lambda item: not _manufacturers(item) or question.manufacturer in _manufacturers(item),
         lambda item: f"manufacturers {list(_manufacturers(item))}"),
    )
    bounds: tuple[Recordation | License, ...] = (recordation, *links)
    for failed, goods, covers, allowed in stops:
        for item in bounds:
            if not covers(item):
                name = (f"recordation {item.recordation_id!r}" if isinstance(item, Recordation)
                        else f"license {item.license_id!r}")
                broken = item.recordation_id if isinstance(item, Recordation) else item.license_id
                return _refuse(recordation, chain, failed, broken,
                               f"{name} does not cover {goods}: it allows {allowed(item)}")

    for link in links:
        if link.quantity_cap is None:
            continue
        used = book.quantity_used(link.license_id, question.on, question.entry_number)
        if used + question.quantity > link.quantity_cap:
            return _refuse(
                recordation, chain, FailedQuestion.QUANTITY, link.license_id,
                f"license {link.license_id!r} caps {link.quantity_cap} units; {used} already entered under it "
                f"through {question.on}, so {question.quantity} more would exceed it by "
                f"{used + question.quantity - link.quantity_cap}",
            )

    is_owner = not links
    if (recordation.gray_market_protection and question.physically_materially_different
            and not question.bears_lever_label and not is_owner):
        return _refuse(
            recordation, chain, FailedQuestion.GRAY_MARKET, recordation.recordation_id,
            f"mark {recordation.mark!r} has Lever-rule protection and these goods are physically and materially "
            "different from the U.S. version; they may enter only bearing the Lever label (19 CFR 133.23)",
        )

    if is_owner:
        reason = (f"{question.importer!r} is the recorded owner of mark {recordation.mark!r} "
                  f"(recordation {recordation.recordation_id!r}) and the goods are within its recordation")
    else:
        path = " -> ".join([repr(recordation.owner)] + [f"{link.license_id} {link.licensee!r}" for link in links])
        reason = (f"{question.importer!r} holds the right through {path}; every license is in force on "
                  f"{question.on} and covers HTS {hts} made by {question.manufacturer!r} in {question.country}, "
                  f"{question.quantity} units within every cap")
    return Decision(True, reason, recordation.recordation_id, recordation.owner, chain)


def _countries(item: Recordation | License) -> tuple[str, ...]:
    return item.manufacturing_countries if isinstance(item, Recordation) else item.countries


def _manufacturers(item: Recordation | License) -> tuple[str, ...]:
    return item.authorized_manufacturers if isinstance(item, Recordation) else item.manufacturers


def _words(status: LinkStatus) -> str:
    return status.value.replace("_", " ")


def _invalid_reason(link: License, status: LinkStatus, day: date) -> str:
    name = f"license {link.license_id!r} ({link.licensor!r} -> {link.licensee!r})"
    if status is LinkStatus.TERMINATED:
        why = f" ({link.termination_reason})" if link.termination_reason else ""
        return (f"{name} is terminated from {link.terminated_on}{why}; every license below it "
                f"falls with it from that day (asked for {day})")
    if status is LinkStatus.NOT_YET_VALID:
        return f"{name} starts on {link.start}, after {day}"
    if status is LinkStatus.EXPIRED:
        return f"{name} ended on {link.end}, before {day}"
    return f"{name} is not in force on {day}"
