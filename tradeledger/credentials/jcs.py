"""RFC 8785 (JCS) canonical bytes of credential JSON, floats included.

tradeledger.crypto.canonical encodes *ledger* data, which holds no floats by design
(DESIGN.md decision 1). Credentials come from other issuers and do carry them (a mill test
report's chemical composition is `"c": 0.0189`), and eddsa-jcs-2022 signs their JCS form as
it is, so this module accepts every JSON value and still reaches rfc8785's bytes.

The fast path is a C encoder with sorted keys, whose output is the JCS bytes except in
three cases, which go to the reference implementation (rfc8785) instead:

* a float that is integral, or outside [1e-4, 1e16): Python writes `2.0` and `1e-05`,
  ECMAScript (and so JCS) writes `2` and `0.00001`; inside that range both print the same
  shortest round-trip digits;
* an integer beyond 2^53 - 1, which JCS cannot represent exactly (the reference refuses it);
* a character at or above U+E000, where JCS's UTF-16 key order differs from the code point
  order both encoders sort by.

The C encoder is orjson when it is installed (about ten times faster on a credential, which
matters because a verifier canonicalizes every document it checks), else the standard
library's. Anything that is not plain JSON goes to the reference, which writes subclasses
as their base type and refuses the rest (a datetime, a dataclass), where orjson would
quietly serialize them.

tests/credentials/test_vc_jcs.py proves the result byte-identical to rfc8785 on generated JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

from tradeledger.credentials.errors import CanonicalizationError

MAX_SAFE_INTEGER = 2**53 - 1

try:  # optional accelerator; without it the standard library's encoder is used
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    # mypy types the name as the module; None is how the rest of this module (and its
    # tests) learn the accelerator is absent.
    orjson = None  # type: ignore[assignment]

_stdlib_encode = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
).encode

# UTF-8 lead bytes of U+E000..U+10FFFF, the characters whose UTF-16 order differs.
_REFERENCE_ORDER_BYTES = re.compile(rb"[\xee-\xf4]")

_SCALARS = (str, bool, type(None))


def _needs_reference(value: Any, check_keys: bool = False) -> bool:
    """True when a C encoder's bytes could differ from JCS for this value.

    With check_keys, a non-string key counts too: the standard library's encoder writes the
    key 1 as "1" where JCS refuses it (orjson refuses it by itself).
    """
    stack = [value]
    extend = stack.extend
    for item in stack:  # the loop also visits what extend() appends on the way
        kind = type(item)
        if kind is str:
            continue
        if kind is dict:
            if check_keys and not all(type(key) is str for key in item):
                return True
            extend(item.values())
        elif kind is list or kind is tuple:
            extend(item)
        elif kind is float:
            # NaN and infinities fail this test too, and the reference refuses them.
            if item.is_integer() or not 1e-4 <= abs(item) < 1e16:
                return True
        elif kind is int:
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                return True
        elif kind not in _SCALARS:
            return True  # subclasses and foreign types: let the reference decide
    return False


def stdlib_jcs_bytes(value: Any) -> bytes:
    """JCS bytes through the standard library's encoder (the path without orjson)."""
    if _needs_reference(value, check_keys=True):
        return _reference(value)
    try:
        data = _stdlib_encode(value).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate in a string
        raise CanonicalizationError(f"string is not valid Unicode: {exc.reason}") from None
    except (TypeError, ValueError, RecursionError) as exc:
        raise CanonicalizationError(f"value has no JSON form: {exc}") from None
    return _checked_order(value, data)


def orjson_jcs_bytes(value: Any) -> bytes:
    """JCS bytes through orjson (requires orjson)."""
    if _needs_reference(value):
        return _reference(value)
    try:
        data = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError) as exc:
        raise CanonicalizationError(f"value has no JSON form: {exc}") from None
    return _checked_order(value, data)


def _checked_order(value: Any, data: bytes) -> bytes:
    if not data.isascii() and _REFERENCE_ORDER_BYTES.search(data):
        return _reference(value)
    return data


def _reference(value: Any) -> bytes:
    try:
        return rfc8785.dumps(value)
    except rfc8785.IntegerDomainError as exc:
        raise CanonicalizationError(
            f"{exc}; write integers beyond 2^53-1 as strings"
        ) from None
    except (rfc8785.CanonicalizationError, RecursionError) as exc:
        raise CanonicalizationError(f"value has no JCS form: {exc}") from None


# jcs_bytes(value) -> the RFC 8785 canonical UTF-8 bytes of a JSON value.
jcs_bytes = orjson_jcs_bytes if orjson is not None else stdlib_jcs_bytes
