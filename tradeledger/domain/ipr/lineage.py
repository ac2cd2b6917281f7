"""A license's chain up to its recordation, and each link's standing on a given day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from .model import License, LinkStatus

if TYPE_CHECKING:
    from .book import LicenseBook

__all__ = ["MAX_CHAIN_LENGTH", "Lineage", "lineage", "statuses_on"]

# Far beyond any real license tree; it only stops a corrupted book (a cycle of parents)
# from looping forever.
MAX_CHAIN_LENGTH = 1000


@dataclass(frozen=True, slots=True)
class Lineage:
    """The chain root first. `missing_parent` names a parent that is not in the book (or a
    cycle), in which case `links` starts at the license that names it."""

    links: tuple[License, ...]
    missing_parent: str | None = None


def lineage(book: LicenseBook, leaf: License) -> Lineage:
    links = [leaf]
    seen = {leaf.license_id}
    current = leaf
    while current.parent_id is not None:
        parent = book.license(current.parent_id)
        if parent is None or parent.license_id in seen or len(links) >= MAX_CHAIN_LENGTH:
            links.reverse()
            return Lineage(tuple(links), current.parent_id)
        links.append(parent)
        seen.add(parent.license_id)
        current = parent
    links.reverse()
    return Lineage(tuple(links))


def statuses_on(chain: Sequence[License], day: date, *, root_in_force: bool = True) -> tuple[LinkStatus, ...]:
    """Each link's standing on `day`, root first. A link that is itself in force but sits
    below one that is not (or below a recordation not in force: root_in_force=False) is
    ANCESTOR_INVALID: terminating a license takes every descendant down with it."""
    statuses = []
    above_in_force = root_in_force
    for link in chain:
        own = link.own_status_on(day)
        if own is LinkStatus.VALID and not above_in_force:
            own = LinkStatus.ANCESTOR_INVALID
        statuses.append(own)
        above_in_force = own is LinkStatus.VALID
    return tuple(statuses)
