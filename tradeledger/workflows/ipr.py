"""IPR workflows on a node: recordations, licenses, terminations and the border check.

    record_mark     a rights holder records a mark it owns; it waits for customs;
    accept, refuse  customs decides a pending recordation (a refusal says why);
    grant_license   the mark's owner grants a license;
    sublicense      the holder of a license that may be sublicensed grants one under it;
    terminate       a party to a license ends it from today or a later day;
    check           may this importer bring in these goods bearing this mark on this day?
    check_entry     customs runs the border check of a whole entry filed with it;
    entry_check     customs' recorded check of an entry, as it was made;
    recheck_entry   a checked entry asked again of the ledger as it stands, as of any day;
    chain           the license tree of a mark or a license as of a day, as JSON (and SVG).

A step that writes signs as the organization acting, prepares its private parts from
that organization's own view (the ipr contract's `prepare_*`: license terms and usage are
private to their collections, see contracts.ipr), is refused before it reaches the log
when the ipr contract would refuse it (`Refused`, with the contract's reason), and returns
the receipt with the record as that organization's peer now holds it. A step that reads
asks the engine (tradeledger.domain.ipr) over one organization's view of the ledger
(`viewer`): it sees the licenses of the collections it is a member of, nothing else, and
writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from tradeledger.contracts import ipr
from tradeledger.contracts.ipr_book import EntryCheck, EntryRecheck, LedgerLicenseBook
from tradeledger.domain.ipr import (
    Decision,
    License,
    Question,
    Recordation,
    authorize,
    chain_json,
    chain_svg,
)
from tradeledger.domain.ipr.drawing import DEFAULT_MAX_LICENSES
from tradeledger.errors import Refused
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.node import Node
from tradeledger.runtime.receipts import Receipt

__all__ = [
    "DEFAULT_MAX_LICENSES",
    "IprWorkflowError",
    "LicenseTree",
    "Submitted",
    "accept",
    "chain",
    "check",
    "check_entry",
    "entry_check",
    "grant_license",
    "license_book",
    "recheck_entry",
    "record_mark",
    "refuse",
    "sublicense",
    "terminate",
]

class IprWorkflowError(NetworkError):
    """An IPR step whose transaction was accepted but whose record its peer does not hold."""


class _Record(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


_R = TypeVar("_R", bound=_Record)


@dataclass(frozen=True)
class Submitted(Generic[_R]):
    """An accepted ipr transaction and the record it wrote, as the signer's peer holds it."""

    receipt: Receipt
    record: _R

    def to_dict(self) -> dict[str, Any]:
        return {"receipt": self.receipt.to_dict(), "record": self.record.to_dict()}


def license_book(node: Node, viewer: str) -> LedgerLicenseBook:
    """The engine's LicenseBook over `viewer`'s view of the ledger."""
    return LedgerLicenseBook(node.state(viewer))


def _written(found: _R | None, what: str, organization: str) -> _R:
    if found is None:
        raise IprWorkflowError(f"{what} was accepted, but {organization}'s peer does not hold it; "
                               "run `tradeledger sync` and read it again")
    return found


# --- recordations ------------------------------------------------------------------------

def record_mark(node: Node, owner: str, filing: Mapping[str, Any]) -> Submitted[Recordation]:
    """`owner` records the mark the filing describes (the ipr contract's `Record` arguments)."""
    receipt = node.submit_checked(owner, ipr.NAMESPACE, "record", dict(filing))
    recordation_id = str(filing["recordation_id"])
    found = license_book(node, owner).recordation(recordation_id)
    return Submitted(receipt, _written(found, f"recordation {recordation_id}", owner))


def _decide(node: Node, customs: str, recordation_id: str, args: dict[str, Any]) -> Submitted[Recordation]:
    receipt = node.submit_checked(customs, ipr.NAMESPACE, "decide", {"recordation_id": recordation_id, **args})
    found = license_book(node, customs).recordation(recordation_id)
    return Submitted(receipt, _written(found, f"the decision on recordation {recordation_id}", customs))


def accept(node: Node, customs: str, recordation_id: str) -> Submitted[Recordation]:
    """Customs accepts a pending recordation; from today its owner may license the mark."""
    return _decide(node, customs, recordation_id, {"accepted": True})


def refuse(node: Node, customs: str, recordation_id: str, reason: str) -> Submitted[Recordation]:
    """Customs refuses a pending recordation, saying why."""
    return _decide(node, customs, recordation_id, {"accepted": False, "reason": reason})


# --- licenses ----------------------------------------------------------------------------

def _submit(node: Node, organization: str, action: str, prepared: ipr.Prepared) -> Receipt:
    return node.submit_checked(organization, ipr.NAMESPACE, action, prepared.args, private=list(prepared.private))


def _grant(node: Node, licensor: str, terms: Mapping[str, Any]) -> Submitted[License]:
    receipt = _submit(node, licensor, "license", ipr.prepare_grant(node.state(licensor), terms))
    license_id = str(terms["license_id"])
    return Submitted(receipt, _written(license_book(node, licensor).license(license_id),
                                       f"license {license_id}", licensor))


def grant_license(node: Node, owner: str, terms: Mapping[str, Any]) -> Submitted[License]:
    """The mark's owner grants a root license (the ipr contract's `Grant` arguments, no parent)."""
    if terms.get("parent_id") is not None:
        raise Refused(f"the terms name parent license {terms['parent_id']!r}; grant it as a sub-license of it")
    return _grant(node, owner, terms)


def sublicense(node: Node, holder: str, parent_id: str, terms: Mapping[str, Any]) -> Submitted[License]:
    """The holder of `parent_id` grants a license under it, within its scope, dates and generations."""
    if terms.get("parent_id") not in (None, parent_id):
        raise Refused(f"the terms name parent {terms['parent_id']!r} but the sub-license is granted under "
                      f"{parent_id!r}; drop one")
    return _grant(node, holder, {**terms, "parent_id": parent_id})


def terminate(node: Node, party: str, license_id: str, reason: str,
              effective_on: date | None = None) -> Submitted[License]:
    """A party to the license ends it from `effective_on` (default: today); every license
    below it falls with it from that day, and earlier days keep their answers."""
    prepared = ipr.prepare_termination(node.state(party), license_id, reason, effective_on)
    receipt = _submit(node, party, "terminate", prepared)
    return Submitted(receipt, _written(license_book(node, party).license(license_id),
                                       f"the termination of license {license_id}", party))


# --- the border check ----------------------------------------------------------------------

def check(node: Node, viewer: str, question: Question) -> Decision:
    """The engine's answer over `viewer`'s view of the ledger: the whole chain and, when
    no, the first broken link and the question that failed. Raises QuestionError for a
    question that cannot be asked."""
    return authorize(license_book(node, viewer), question)


def check_entry(node: Node, customs: str, entry_number: str,
                lines: Sequence[Mapping[str, Any]]) -> Submitted[EntryCheck]:
    """Customs checks every marked line of an entry filed with it (`lines`: the ipr contract's
    `LineFacts` of each); failing lines are flagged for review, authorized lines count
    against the caps of their chain.

    Customs judges the entry over its own view (the entry's lines read from it) and states
    what it read in the private parts. When another check drew on one of the same licenses
    between customs' judgement and its transaction, the contract refuses it unchanged and
    the entry is judged again, a few times at most."""
    for attempt in range(_ATTEMPTS):
        prepared = ipr.prepare_check(node.state(customs), customs, entry_number, lines, ipr.block_day(now_ms()))
        try:
            receipt = _submit(node, customs, "check_entry", prepared)
        except Refused as refused:
            if _MOVED in refused.reason and attempt + 1 < _ATTEMPTS:
                continue
            raise
        return Submitted(receipt, _written(ipr.find_check(node.state(customs), entry_number),
                                           f"the check of entry {entry_number}", customs))
    raise AssertionError("unreachable: the last attempt returns or raises")


_ATTEMPTS = 3
_MOVED = "since customs judged"


def entry_check(node: Node, viewer: str, entry_number: str) -> EntryCheck:
    """Customs' recorded check of the entry; EntryNotChecked when there is none, CheckPrivate
    when `viewer` is not a member of its collection."""
    return ipr.check_standing(node.state(viewer), entry_number)


def recheck_entry(node: Node, viewer: str, entry_number: str, on: date | None = None) -> EntryRecheck:
    """The checked entry asked again as of `on` (default: the day it was checked as of);
    CheckPrivate when `viewer` may not see the check or a license it relied on."""
    return ipr.recheck_entry(node.state(viewer), entry_number, on)


# --- the license tree ------------------------------------------------------------------------

@dataclass(frozen=True)
class LicenseTree:
    """A license tree as of a day: its JSON document (tradeledger-ipr-chain/1) and, when asked, its drawing."""

    document: dict[str, Any]
    svg: str | None = None


def chain(node: Node, viewer: str, subject: str, on: date, max_licenses: int = DEFAULT_MAX_LICENSES,
          draw: bool = False) -> LicenseTree:
    """The tree of `subject` (a license id: its chain and branch; a mark: its whole tree),
    each license with its dates and standing on `on`. UnknownSubject when it is neither."""
    book = license_book(node, viewer)
    document = chain_json(book, subject, on, max_licenses=max_licenses)
    return LicenseTree(document, chain_svg(book, subject, on, max_licenses=max_licenses) if draw else None)
