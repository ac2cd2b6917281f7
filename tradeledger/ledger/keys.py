"""Composite state keys: one way to build and split every key a contract writes.

A key is a kind followed by its parts, joined by "/": `entry/B76-0324527-8`,
`poa/IMPORTER/BROKER`. Each part is escaped first ("%" as "%25", "/" as "%2F"), so a
part may hold any character, a name never needs a banned one, and a key always splits
back into exactly the parts it was made of. `key_prefix` gives the prefix under which
all keys with those leading parts sort, for `scan_state` (Fabric's shim does the same
with `CreateCompositeKey` / `SplitCompositeKey`; its separator is U+0000, which
PostgreSQL text cannot hold, hence escaping).
"""

from __future__ import annotations

import re

from tradeledger.errors import TradeledgerError

SEPARATOR = "/"
_KIND = re.compile(r"[a-z][a-z0-9_]*")
_checked_kinds: set[str] = set()


class StateKeyError(TradeledgerError, ValueError):
    """A key that no contract could have built."""


def _escape(part: str) -> str:
    return part.replace("%", "%25").replace(SEPARATOR, "%2F")


def _unescape(part: str) -> str:
    return part.replace("%2F", SEPARATOR).replace("%25", "%")


def state_key(kind: str, *parts: str | int) -> str:
    """The key of kind `kind` for `parts`; integers are written as decimal text."""
    # Every envelope builds several keys, so the common case is kept cheap: a kind is
    # checked once, and a part is escaped only when it holds a character to escape.
    if kind not in _checked_kinds:
        if not _KIND.fullmatch(kind):
            raise StateKeyError(f"a key kind is lowercase letters, digits and '_', not {kind!r}")
        _checked_kinds.add(kind)
    key = kind
    for part in parts:
        if type(part) is str:
            key += SEPARATOR + (_escape(part) if "%" in part or SEPARATOR in part else part)
        elif isinstance(part, bool) or not isinstance(part, str | int):
            raise StateKeyError(f"a key part is text or an integer, not {type(part).__name__}")
        else:
            key += SEPARATOR + str(part)  # decimal text: nothing to escape
    return key


def key_prefix(kind: str, *parts: str | int) -> str:
    """The prefix of every key `state_key(kind, *parts, ...)` with at least one more part."""
    return state_key(kind, *parts) + SEPARATOR


def split_key(key: str) -> tuple[str, tuple[str, ...]]:
    """(kind, parts) of a key made by `state_key`; integer parts come back as text."""
    kind, *parts = key.split(SEPARATOR)
    if not _KIND.fullmatch(kind):
        raise StateKeyError(f"{key!r} is not a composite state key")
    return kind, tuple(_unescape(p) for p in parts)
