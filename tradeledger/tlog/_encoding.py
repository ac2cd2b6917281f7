"""Shared low-level encoding rules for the C2SP text formats.

Private module: base64 (RFC 4648 section 4, the "standard" alphabet with
padding, as every C2SP tlog spec's "Conventions" section requires), decimal
numbers without leading zeros, and the character rules of c2sp.org/signed-note
("Format": valid UTF-8, no ASCII control characters other than newline).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import TypeGuard

# Go's unicode.IsSpace, i.e. the Unicode White_Space property.  signed-note
# forbids "Unicode spaces" in key names and Go's note package tests exactly
# this set; Python's str.isspace() differs (it also matches U+001C..U+001F and
# not U+200B-like characters), so we spell the set out.
UNICODE_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

MAX_UINT64 = 2**64 - 1

_DECIMAL = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_NOT_IN_NOTES = re.compile("[\x00-\x09\x0b-\x1f\ud800-\udfff]")


def b64encode(data: bytes) -> str:
    """Standard base64 with padding (RFC 4648 section 4)."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, what: str) -> bytes:
    """Decode standard, padded, *canonical* base64 or raise ValueError.

    Canonical means re-encoding gives back the same string (no non-zero pad
    bits, RFC 4648 section 3.5).  Go's decoder tolerates non-zero pad bits; we
    refuse them so that every byte string has exactly one text form and our
    parse/format functions round-trip exactly (and nobody can make a second,
    differently spelled note that carries the same signature).
    """
    if not text:
        raise ValueError(f"{what}: empty base64")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{what}: invalid base64 ({exc})") from None
    if b64encode(raw) != text:
        raise ValueError(f"{what}: non-canonical base64 {text!r}")
    return raw


def decode_text(data: object, what: str, error: type[ValueError]) -> str:
    """`data` as a str, decoding bytes as UTF-8; anything else raises `error`."""
    if isinstance(data, (bytes, bytearray)):
        try:
            return bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise error(f"{what} is not valid UTF-8: {exc}") from None
    if not isinstance(data, str):
        raise error(f"{what} must be str or bytes, not {type(data).__name__}")
    return data


def parse_decimal(text: str, what: str, maximum: int = MAX_UINT64) -> int:
    """ASCII decimal with no leading zeros ("0" itself is allowed)."""
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"{what}: expected a decimal number without leading zeros, got {text!r}")
    value = int(text)
    if value > maximum:
        raise ValueError(f"{what}: {value} exceeds the maximum {maximum}")
    return value


def is_uint(value: object, maximum: int = MAX_UINT64) -> TypeGuard[int]:
    """True for a real int (not bool) in 0..maximum."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= maximum


def note_text_problem(text: str) -> str | None:
    """Why `text` cannot appear in a signed note, or None if it can.

    signed-note "Format": notes MUST be valid UTF-8 and MUST NOT contain ASCII
    control characters (below U+0020) other than newline.  A Python str is
    valid UTF-8 unless it holds lone surrogates, so we check for those too.
    """
    m = _NOT_IN_NOTES.search(text)
    if m is None:
        return None
    code = ord(m.group())
    if code < 0x20:
        return f"control character U+{code:04X} at offset {m.start()}"
    return f"lone surrogate U+{code:04X} at offset {m.start()} (not valid UTF-8)"


def key_name_problem(name: object) -> str | None:
    """Why `name` is not a valid signed-note key name, or None if it is.

    signed-note "Format": key names MUST be non-empty and MUST NOT contain
    Unicode spaces or "+".  We also refuse control characters and lone
    surrogates, since a name that can't appear in a note is useless.
    """
    if not isinstance(name, str):
        return f"key name must be a str, not {type(name).__name__}"
    if not name:
        return "key name is empty"
    for ch in name:
        if ch in UNICODE_SPACES:
            return f"key name {name!r} contains a space character U+{ord(ch):04X}"
        if ch == "+":
            return f"key name {name!r} contains '+'"
    problem = note_text_problem(name)
    if problem:
        return f"key name {name!r} contains a {problem}"
    return None
