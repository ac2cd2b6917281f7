"""RFC 8785 (JCS) canonical JSON for everything that is hashed or signed.

Ledger data is JSON without floating-point numbers (DESIGN.md decision 1): amounts are
decimal strings or integer minor units, and integers stay within the I-JSON safe range
(|n| <= 2^53 - 1) so that every peer, in any language, computes the same bytes.

`rfc8785` is the reference implementation. For data that passes `check_ledger_data`
(no floats, safe integers, string keys) orjson with sorted keys produces the same bytes,
with one exception that we route to the reference: JCS sorts object keys by UTF-16 code
units while orjson sorts by code points, and the two orders differ only when a key holds
a character at or above U+E000.
tests/crypto/test_canonical.py proves the fast path byte-identical to rfc8785 on
generated ledger data.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import rfc8785

from tradeledger.errors import TradeledgerError

MAX_SAFE_INTEGER = 2**53 - 1

# UTF-8 lead bytes of the characters (U+E000 and above) whose UTF-16 order differs from
# their code point order; their presence anywhere routes encoding to the reference.
_REFERENCE_ORDER_BYTES = re.compile(rb"[\xee-\xf4]")


class NonCanonicalDataError(TradeledgerError, ValueError):
    """Data that cannot go on the ledger (floats, huge integers, non-string keys ...)."""


def _where(path: tuple[str | int, ...]) -> str:
    return "/" + "/".join(str(p) for p in path) if path else "/"


def _is_ledger_data(value: Any) -> bool:
    """The check without the bookkeeping of where a problem lies: the common case."""
    stack = [value]
    extend = stack.extend
    for item in stack:  # the loop also visits what extend() appends on the way
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                continue
            return False
        if kind is dict:
            for key in item:
                if type(key) is not str:
                    return False
            extend(item.values())
        elif kind is list or kind is tuple:
            extend(item)
        else:
            return False
    return True


def check_ledger_data(value: Any) -> None:
    """Raise NonCanonicalDataError unless `value` is valid ledger data."""
    if _is_ledger_data(value):
        return
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        if kind is int:
            if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                continue
            raise NonCanonicalDataError(
                f"integer {item} at {_where(path)} is beyond 2^53-1; "
                "write large amounts as decimal strings"
            )
        if kind is float:
            raise NonCanonicalDataError(
                f"floating-point number {item!r} at {_where(path)}; "
                "write amounts as decimal strings (\"12.50\") or integer minor units"
            )
        if kind is dict:
            for key, child in item.items():
                if type(key) is not str:
                    raise NonCanonicalDataError(
                        f"object key {key!r} at {_where(path)} is not a string"
                    )
                stack.append((child, path + (key,)))
            continue
        if kind is list or kind is tuple:
            stack.extend((child, path + (i,)) for i, child in enumerate(item))
            continue
        raise NonCanonicalDataError(
            f"value of type {kind.__name__} at {_where(path)} is not JSON ledger data"
        )


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ledger data, after checking it."""
    check_ledger_data(value)
    return _encode_checked(value)


def _encode_checked(value: Any) -> bytes:
    """Canonical bytes of data that passed `check_ledger_data`."""
    try:
        data = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:  # a lone surrogate in a string
        raise NonCanonicalDataError(f"string is not valid Unicode: {exc}") from None
    if not data.isascii() and _REFERENCE_ORDER_BYTES.search(data):
        return rfc8785.dumps(value)
    return data


def json_string_bytes(text: str) -> bytes:
    """The canonical JSON bytes of one string. JCS escapes strings as orjson does (the
    property test of `canonical_bytes` covers every string it generates)."""
    if type(text) is not str:
        raise NonCanonicalDataError(f"expected a string, got {type(text).__name__}")
    try:
        return orjson.dumps(text)
    except orjson.JSONEncodeError as exc:  # a lone surrogate
        raise NonCanonicalDataError(f"string is not valid Unicode: {exc}") from None


def parse_canonical(data: bytes) -> Any:
    """Parse bytes that must be canonical ledger data; raise NonCanonicalDataError if not.

    One C parse, the ledger-data walk (floats and unsafe integers parse, then are refused
    with their place), and one C encode compared with the input: duplicate members, other
    spacing or escapes, and unsorted keys all change the bytes.
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise NonCanonicalDataError(f"not JSON: {exc}") from None
    check_ledger_data(value)
    if _encode_checked(value) != data:
        raise NonCanonicalDataError("bytes are not in RFC 8785 canonical form")
    return value


def is_canonical(data: bytes) -> bool:
    """True when `data` is exactly the canonical encoding of the JSON it holds."""
    try:
        parse_canonical(data)
        return True
    except NonCanonicalDataError:
        return False
