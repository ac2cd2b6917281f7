"""What a license covers: HTS prefixes, countries of manufacture, manufacturers, quantity.

A license's scope is the recordation's scope narrowed at each link of its chain. An empty
axis means "whatever the link above allows", so the effective value of an axis is the
nearest non-empty one walking up to the recordation (rules.py makes every non-empty axis
lie within the one above it).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence

from .model import License, Recordation

__all__ = [
    "ScopeAxis",
    "axis_values",
    "effective_cap",
    "effective_values",
    "hts_covered",
    "is_country",
    "is_hts_prefix",
    "normalize_hts",
    "prefixes_within",
    "values_within",
]

_HTS_PREFIX = re.compile(r"^[0-9]{2,10}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class ScopeAxis(str, enum.Enum):
    MARK = "mark"
    HTS = "hts"
    COUNTRY = "country"
    MANUFACTURER = "manufacturer"
    QUANTITY = "quantity"


def is_hts_prefix(text: str) -> bool:
    """2 to 10 HTSUS digits without dots: a chapter (64), heading (6403) ... statistical line."""
    return bool(_HTS_PREFIX.match(text))


def is_country(text: str) -> bool:
    """An ISO 3166-1 alpha-2 code in capitals (the shape only; the list is not bundled)."""
    return bool(_COUNTRY.match(text))


def normalize_hts(text: str) -> str:
    """"6403.99.6075" -> "6403996075"; the caller checks the digits with is_hts_prefix."""
    return text.replace(".", "").replace(" ", "")


def hts_covered(hts: str, prefixes: Iterable[str]) -> bool:
    return any(hts.startswith(prefix) for prefix in prefixes)


def prefixes_within(child: Sequence[str], parent: Sequence[str]) -> list[str]:
    """The child prefixes that reach outside the parent's (empty parent = no limit)."""
    if not parent:
        return []
    return [p for p in child if not hts_covered(p, parent)]


def values_within(child: Sequence[str], parent: Sequence[str]) -> list[str]:
    """The child values that the parent's list does not hold (empty parent = no limit)."""
    if not parent:
        return []
    allowed = set(parent)
    return [v for v in child if v not in allowed]


def _axis(item: Recordation | License, axis: ScopeAxis) -> tuple[str, ...]:
    if axis is ScopeAxis.HTS:
        return item.hts_prefixes
    if axis is ScopeAxis.COUNTRY:
        return item.manufacturing_countries if isinstance(item, Recordation) else item.countries
    if axis is ScopeAxis.MANUFACTURER:
        return item.authorized_manufacturers if isinstance(item, Recordation) else item.manufacturers
    raise ValueError(f"{axis.value} is not a list axis")


def axis_values(item: Recordation | License, axis: ScopeAxis) -> tuple[str, ...]:
    """The values one link (or the recordation) names on a list axis; empty = inherits."""
    return _axis(item, axis)


def effective_values(recordation: Recordation, chain: Sequence[License], axis: ScopeAxis) -> tuple[str, ...]:
    """The effective list at the end of `chain` (root first): the nearest non-empty one."""
    for link in reversed(chain):
        values = _axis(link, axis)
        if values:
            return values
    return _axis(recordation, axis)


def effective_cap(chain: Sequence[License]) -> int | None:
    """The tightest quantity cap along the chain, None when no link has one."""
    caps = [link.quantity_cap for link in chain if link.quantity_cap is not None]
    return min(caps) if caps else None
