"""Validating a new recordation, decision, license, termination or usage against a book.

Each validate_* function returns None when the record may be added, and otherwise
raises a subclass of IprRefused carrying a RefusalReason `code` and a one-line message
that says what is wrong and what to do. Nothing is changed either way: the caller (the
in-memory book, or the ledger contract) writes only after validation passes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from tradeledger.errors import Refused

from .lineage import lineage, statuses_on
from .model import License, LinkStatus, Recordation, RecordationDecision, RecordationStatus, Termination, UsageRecord
from .scope import ScopeAxis, effective_cap, effective_values, is_country, is_hts_prefix, prefixes_within, values_within

if TYPE_CHECKING:
    from .book import LicenseBook

__all__ = [
    "DecisionRefused",
    "IprRefused",
    "LicenseRefused",
    "RecordationRefused",
    "RefusalReason",
    "TerminationRefused",
    "UsageRefused",
    "recordation_standing",
    "validate_decision",
    "validate_license",
    "validate_recordation",
    "validate_termination",
    "validate_usage",
]

MAX_PARTY_LENGTH = 256


class RefusalReason(str, enum.Enum):
    MALFORMED = "malformed"
    DUPLICATE_ID = "duplicate_id"
    DATES_OUT_OF_ORDER = "dates_out_of_order"
    BACKDATED = "backdated"
    UNKNOWN_MARK = "unknown_mark"
    UNKNOWN_RECORDATION = "unknown_recordation"
    MARK_ALREADY_RECORDED = "mark_already_recorded"
    RECORDATION_NOT_PENDING = "recordation_not_pending"
    UNKNOWN_PARENT = "unknown_parent"
    UNKNOWN_LICENSE = "unknown_license"
    LICENSOR_HOLDS_NO_RIGHT = "licensor_holds_no_right"
    PARENT_NOT_SUBLICENSABLE = "parent_not_sublicensable"
    DEPTH_EXHAUSTED = "depth_exhausted"
    WIDER_THAN_PARENT = "wider_than_parent"
    DATES_OUTSIDE_PARENT = "dates_outside_parent"
    NOT_A_PARTY = "not_a_party"
    ALREADY_TERMINATED = "already_terminated"


class IprRefused(Refused, ValueError):
    """A record the book refuses; `code` is the machine-readable reason, `reason` its line."""

    def __init__(self, code: RefusalReason, message: str, axis: ScopeAxis | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.axis = axis  # for WIDER_THAN_PARENT: which part of the scope is too wide


class RecordationRefused(IprRefused):
    """A recordation filing that cannot be filed."""


class DecisionRefused(IprRefused):
    """A customs decision on a recordation that cannot be taken."""


class LicenseRefused(IprRefused):
    """A license or sub-license that cannot be granted."""


class TerminationRefused(IprRefused):
    """A termination that cannot be recorded."""


class UsageRefused(IprRefused):
    """A usage record that cannot be counted."""


def _party_problem(value: str, what: str) -> str | None:
    if not value or value != value.strip() or len(value) > MAX_PARTY_LENGTH:
        return (
            f"{what} must be a non-empty id of at most {MAX_PARTY_LENGTH} characters "
            f"without surrounding spaces, not {value!r}"
        )
    return None


def _scope_problem(
    hts_prefixes: tuple[str, ...], countries: tuple[str, ...], manufacturers: tuple[str, ...]
) -> str | None:
    bad_hts = [p for p in hts_prefixes if not is_hts_prefix(p)]
    if bad_hts:
        return f"HTS prefixes {bad_hts} must be 2 to 10 digits without dots, e.g. 640399"
    bad_countries = [c for c in countries if not is_country(c)]
    if bad_countries:
        return f"countries {bad_countries} must be ISO 3166-1 alpha-2 codes in capitals, e.g. VN"
    for name, values in (("HTS prefixes", hts_prefixes), ("countries", countries), ("manufacturers", manufacturers)):
        if len(set(values)) != len(values):
            return f"{name} list a value twice; list each once"
    for manufacturer in manufacturers:
        problem = _party_problem(manufacturer, "each manufacturer")
        if problem:
            return problem
    return None


# --------------------------------------------------------------------------- recordations


def validate_recordation(book: LicenseBook, recordation: Recordation) -> None:
    """A new filing: well formed, pending, a fresh id, and a mark not already recorded."""

    def refuse(reason: RefusalReason, message: str) -> RecordationRefused:
        return RecordationRefused(reason, f"recordation {recordation.recordation_id!r}: {message}")

    for value, what in (
        (recordation.recordation_id, "the recordation id"),
        (recordation.registration_number, "the registration number"),
        (recordation.mark, "the mark"),
        (recordation.owner, "the owner"),
    ):
        problem = _party_problem(value, what)
        if problem:
            raise refuse(RefusalReason.MALFORMED, problem)
    problem = _scope_problem(
        recordation.hts_prefixes, recordation.manufacturing_countries, recordation.authorized_manufacturers
    )
    if problem:
        raise refuse(RefusalReason.MALFORMED, problem)
    if recordation.status is not RecordationStatus.PENDING or recordation.decided_on is not None:
        raise refuse(
            RefusalReason.MALFORMED, "a recordation is filed pending and undecided; customs decides it afterwards"
        )
    if book.recordation(recordation.recordation_id) is not None:
        raise refuse(RefusalReason.DUPLICATE_ID, "that recordation id is already on file; choose a new one")
    if recordation.expires_on is not None and recordation.expires_on < recordation.filed_on:
        raise refuse(
            RefusalReason.DATES_OUT_OF_ORDER,
            f"expires on {recordation.expires_on} before it was filed on {recordation.filed_on}",
        )
    current = book.recordation_for_mark(recordation.mark)
    if current is not None and current.status is not RecordationStatus.REFUSED:
        raise refuse(
            RefusalReason.MARK_ALREADY_RECORDED,
            f"mark {recordation.mark!r} is already {current.status.value} as {current.recordation_id!r}; "
            "extend that recordation instead",
        )


def validate_decision(book: LicenseBook, decision: RecordationDecision) -> None:
    """Customs decides a pending recordation once, not before it was filed."""

    def refuse(reason: RefusalReason, message: str) -> DecisionRefused:
        return DecisionRefused(reason, f"decision on recordation {decision.recordation_id!r}: {message}")

    recordation = book.recordation(decision.recordation_id)
    if recordation is None:
        raise refuse(RefusalReason.UNKNOWN_RECORDATION, "no such recordation is on file; check the id")
    if recordation.status is not RecordationStatus.PENDING:
        raise refuse(
            RefusalReason.RECORDATION_NOT_PENDING,
            f"it was already {recordation.status.value} on {recordation.decided_on}; decisions are final",
        )
    if decision.decided_on < recordation.filed_on:
        raise refuse(
            RefusalReason.DATES_OUT_OF_ORDER,
            f"decided on {decision.decided_on}, before it was filed on {recordation.filed_on}",
        )
    if decision.accepted and recordation.expires_on is not None and decision.decided_on > recordation.expires_on:
        raise refuse(
            RefusalReason.DATES_OUT_OF_ORDER,
            f"accepted on {decision.decided_on}, after it expires on {recordation.expires_on}",
        )
    if not decision.accepted and not decision.reason.strip():
        raise refuse(RefusalReason.MALFORMED, "a refusal must say why")


# --------------------------------------------------------------------------- licenses


def validate_license(book: LicenseBook, license: License) -> None:
    """A new license or sub-license: granted by a party holding the right on the grant day,
    never wider than what it extends (scope, dates, generations)."""

    def refuse(reason: RefusalReason, message: str, axis: ScopeAxis | None = None) -> LicenseRefused:
        return LicenseRefused(reason, f"license {license.license_id!r}: {message}", axis)

    for value, what in (
        (license.license_id, "the license id"),
        (license.mark, "the mark"),
        (license.licensor, "the licensor"),
        (license.licensee, "the licensee"),
    ):
        problem = _party_problem(value, what)
        if problem:
            raise refuse(RefusalReason.MALFORMED, problem)
    problem = _scope_problem(license.hts_prefixes, license.countries, license.manufacturers)
    if problem:
        raise refuse(RefusalReason.MALFORMED, problem)
    if license.licensor == license.licensee:
        raise refuse(RefusalReason.MALFORMED, "licensor and licensee are the same party; a party cannot license itself")
    if license.quantity_cap is not None and license.quantity_cap <= 0:
        raise refuse(RefusalReason.MALFORMED, "the quantity cap must be a positive number of units, or absent")
    if license.further_generations < 0 or license.may_sublicense != (license.further_generations > 0):
        raise refuse(
            RefusalReason.MALFORMED,
            "may_sublicense must be true exactly when further_generations is 1 or more",
        )
    if license.terminated_on is not None or license.termination_reason:
        raise refuse(RefusalReason.MALFORMED, "a new license cannot arrive terminated; record a termination after it")
    if book.license(license.license_id) is not None:
        raise refuse(RefusalReason.DUPLICATE_ID, "that license id is already on file; choose a new one")
    if license.start > license.end:
        raise refuse(RefusalReason.DATES_OUT_OF_ORDER, f"starts on {license.start}, after it ends on {license.end}")
    if license.start < license.granted_on:
        raise refuse(
            RefusalReason.BACKDATED,
            f"starts on {license.start}, before it was granted on {license.granted_on}; "
            "a grant cannot change what was true before it",
        )

    recordation = book.recordation_for_mark(license.mark)
    if recordation is None:
        raise refuse(RefusalReason.UNKNOWN_MARK, f"mark {license.mark!r} is not recorded; record it first")

    if license.parent_id is None:
        _validate_root(license, recordation, refuse)
        chain: tuple[License, ...] = ()
    else:
        chain = _validate_sublicense(book, license, recordation, refuse)

    _validate_scope(license, recordation, chain, refuse)


_Refuse = Callable[..., IprRefused]


def _validate_root(license: License, recordation: Recordation, refuse: _Refuse) -> None:
    if license.licensor != recordation.owner:
        raise refuse(
            RefusalReason.LICENSOR_HOLDS_NO_RIGHT,
            f"{license.licensor!r} does not own mark {license.mark!r} (owner {recordation.owner!r}) "
            "and names no parent license; a licensee grants sub-licenses under its own license",
        )
    if not recordation.is_recorded_on(license.granted_on):
        raise refuse(
            RefusalReason.LICENSOR_HOLDS_NO_RIGHT,
            f"recordation {recordation.recordation_id!r} is {recordation_standing(recordation, license.granted_on)} "
            f"on the grant day {license.granted_on}; the owner can license it once customs accepts it",
        )
    if recordation.expires_on is not None and license.end > recordation.expires_on:
        raise refuse(
            RefusalReason.DATES_OUTSIDE_PARENT,
            f"ends on {license.end}, after recordation {recordation.recordation_id!r} expires on "
            f"{recordation.expires_on}; end it by then",
        )


def _validate_sublicense(
    book: LicenseBook, license: License, recordation: Recordation, refuse: _Refuse
) -> tuple[License, ...]:
    assert license.parent_id is not None
    parent = book.license(license.parent_id)
    if parent is None:
        raise refuse(RefusalReason.UNKNOWN_PARENT, f"parent license {license.parent_id!r} is not on file; check the id")
    if parent.mark != license.mark:
        raise refuse(
            RefusalReason.WIDER_THAN_PARENT,
            f"is for mark {license.mark!r} but its parent {parent.license_id!r} covers {parent.mark!r}",
            ScopeAxis.MARK,
        )
    if license.licensor != parent.licensee:
        raise refuse(
            RefusalReason.LICENSOR_HOLDS_NO_RIGHT,
            f"{license.licensor!r} is not the licensee of parent {parent.license_id!r} ({parent.licensee!r}); "
            "only the holder of a license may sublicense it",
        )
    if not parent.may_sublicense:
        raise refuse(
            RefusalReason.PARENT_NOT_SUBLICENSABLE,
            f"parent {parent.license_id!r} does not permit sublicensing; ask its licensor for that right",
        )
    if license.further_generations > parent.further_generations - 1:
        raise refuse(
            RefusalReason.DEPTH_EXHAUSTED,
            f"allows {license.further_generations} further generations, but its parent "
            f"{parent.license_id!r} leaves {parent.further_generations - 1}; lower it",
        )
    chain = lineage(book, parent)
    if chain.missing_parent is not None:
        raise refuse(
            RefusalReason.UNKNOWN_PARENT,
            f"the chain above it names license {chain.missing_parent!r}, which is not on file",
        )
    statuses = statuses_on(
        chain.links, license.granted_on, root_in_force=recordation.is_recorded_on(license.granted_on)
    )
    for link, status in zip(chain.links, statuses, strict=True):
        if status is not LinkStatus.VALID:
            raise refuse(
                RefusalReason.LICENSOR_HOLDS_NO_RIGHT,
                f"on the grant day {license.granted_on} license {link.license_id!r} above it was "
                f"{status.value.replace('_', ' ')}, so {license.licensor!r} held no right to grant",
            )
    if license.start < parent.start or license.end > parent.end:
        raise refuse(
            RefusalReason.DATES_OUTSIDE_PARENT,
            f"runs {license.start}..{license.end}, outside its parent {parent.license_id!r} "
            f"({parent.start}..{parent.end}); keep within the parent's dates",
        )
    # A termination already recorded above caps how long the right lasts.
    for link in chain.links:
        if link.terminated_on is not None and license.end >= link.terminated_on:
            raise refuse(
                RefusalReason.DATES_OUTSIDE_PARENT,
                f"ends on {license.end}, but license {link.license_id!r} above it is terminated from "
                f"{link.terminated_on}; end it before then",
            )
    return chain.links


def _validate_scope(license: License, recordation: Recordation, chain: tuple[License, ...], refuse: _Refuse) -> None:
    above = "its parent " + repr(chain[-1].license_id) if chain else f"recordation {recordation.recordation_id!r}"
    wider = prefixes_within(license.hts_prefixes, effective_values(recordation, chain, ScopeAxis.HTS))
    if wider:
        raise refuse(
            RefusalReason.WIDER_THAN_PARENT,
            f"HTS prefixes {wider} reach outside those {above} allows; narrow them",
            ScopeAxis.HTS,
        )
    for axis, values, label in (
        (ScopeAxis.COUNTRY, license.countries, "countries of manufacture"),
        (ScopeAxis.MANUFACTURER, license.manufacturers, "manufacturers"),
    ):
        wider = values_within(values, effective_values(recordation, chain, axis))
        if wider:
            raise refuse(
                RefusalReason.WIDER_THAN_PARENT,
                f"{label} {wider} are not among those {above} allows; drop them",
                axis,
            )
    # An absent cap is fine: usage counts against every capped license up the chain.
    cap_above = effective_cap(chain)
    if cap_above is not None and license.quantity_cap is not None and license.quantity_cap > cap_above:
        raise refuse(
            RefusalReason.WIDER_THAN_PARENT,
            f"caps {license.quantity_cap} units, more than the {cap_above} {above} allows; lower it",
            ScopeAxis.QUANTITY,
        )


def recordation_standing(recordation: Recordation, day: date) -> str:
    """How a recordation stands on `day`, in words for a reason text."""
    if recordation.status is RecordationStatus.PENDING:
        return "still pending"
    if recordation.status is RecordationStatus.REFUSED:
        return f"refused ({recordation.decision_reason})" if recordation.decision_reason else "refused"
    if recordation.decided_on is not None and day < recordation.decided_on:
        return f"not yet accepted (accepted on {recordation.decided_on})"
    if recordation.expires_on is not None and day > recordation.expires_on:
        return f"expired (on {recordation.expires_on})"
    return "in force"


# --------------------------------------------------------------------------- terminations and usage


def validate_termination(book: LicenseBook, termination: Termination) -> None:
    """A party to the license ends it from a day that is not before the day it is recorded."""

    def refuse(reason: RefusalReason, message: str) -> TerminationRefused:
        return TerminationRefused(reason, f"termination of license {termination.license_id!r}: {message}")

    license = book.license(termination.license_id)
    if license is None:
        raise refuse(RefusalReason.UNKNOWN_LICENSE, "no such license is on file; check the id")
    if termination.terminated_by not in (license.licensor, license.licensee):
        raise refuse(
            RefusalReason.NOT_A_PARTY,
            f"{termination.terminated_by!r} is neither its licensor {license.licensor!r} nor its licensee "
            f"{license.licensee!r}; only they may end it",
        )
    if not termination.reason.strip():
        raise refuse(RefusalReason.MALFORMED, "a termination must say why")
    if license.terminated_on is not None:
        raise refuse(
            RefusalReason.ALREADY_TERMINATED,
            f"it is already terminated from {license.terminated_on} ({license.termination_reason})",
        )
    if termination.terminated_on < termination.recorded_on:
        raise refuse(
            RefusalReason.BACKDATED,
            f"takes effect on {termination.terminated_on}, before it is recorded on {termination.recorded_on}; "
            "a termination cannot change what was true before it",
        )
    if termination.terminated_on > license.end:
        raise refuse(
            RefusalReason.DATES_OUT_OF_ORDER,
            f"takes effect on {termination.terminated_on}, after the license already ends on {license.end}",
        )
    # Sub-licenses granted while this license was in force stay validly granted: ending it
    # on or before such a grant day would undo a grant the book already holds as good.
    granted_below = _first_grant_on_or_after(book, license.license_id, termination.terminated_on)
    if granted_below is not None:
        raise refuse(
            RefusalReason.BACKDATED,
            f"takes effect on {termination.terminated_on}, but sub-license {granted_below.license_id!r} was "
            f"granted under it on {granted_below.granted_on}; end it after that day",
        )


def _first_grant_on_or_after(book: LicenseBook, license_id: str, day: date) -> License | None:
    pending = list(book.children(license_id))
    while pending:
        child = pending.pop()
        if child.granted_on >= day:
            return child
        pending.extend(book.children(child.license_id))
    return None


def validate_usage(book: LicenseBook, usage: UsageRecord) -> None:
    """Units entered under a license on file."""

    def refuse(reason: RefusalReason, message: str) -> UsageRefused:
        return UsageRefused(reason, f"usage on entry {usage.entry_number!r}: {message}")

    problem = _party_problem(usage.entry_number, "the entry number")
    if problem:
        raise refuse(RefusalReason.MALFORMED, problem)
    if usage.quantity <= 0:
        raise refuse(RefusalReason.MALFORMED, f"quantity {usage.quantity} must be a positive number of units")
    if book.license(usage.license_id) is None:
        raise refuse(RefusalReason.UNKNOWN_LICENSE, f"license {usage.license_id!r} is not on file; check the id")
