"""The two multibase encodings credentials use: base58btc ('z') and base64url ('u').

Signatures are encoded with tradeledger.crypto.multibase. Decoding a proofValue sits on the
verification path of every credential, where the `base58` package spends about a third of
the time of the Ed25519 check itself on one 64-byte signature; base58btc decoding here is a
plain digit loop over one big integer, about 2.5 times faster, and checked against the
package in tests/credentials/test_vc_multibase.py.
"""

from __future__ import annotations

import base64
import re

from tradeledger.credentials.errors import MultibaseError
from tradeledger.crypto.multibase import encode_base58btc

__all__ = ["decode_base58btc", "decode_base64url", "encode_base58btc", "encode_base64url"]

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_DIGIT = {char: value for value, char in enumerate(BASE58_ALPHABET)}

_BASE64URL_BODY = re.compile(r"[A-Za-z0-9_-]*")


def _header(text: object, header: str, name: str) -> str:
    if not isinstance(text, str):
        raise MultibaseError(f"expected a multibase string, got {type(text).__name__}")
    if not text.startswith(header):
        found = repr(text[:1]) if text else "an empty string"
        raise MultibaseError(f"expected {name} multibase (header {header!r}), got {found}")
    return text[1:]


def decode_base58btc(text: object) -> bytes:
    """The bytes of a 'z'-prefixed base58btc multibase string."""
    body = _header(text, "z", "base58btc")
    digit = _BASE58_DIGIT
    number = 0
    try:
        for char in body:
            number = number * 58 + digit[char]
    except KeyError as exc:
        raise MultibaseError(f"{exc.args[0]!r} is not a base58btc character") from None
    # Each leading '1' (digit zero) stands for one leading zero byte.
    zeros = len(body) - len(body.lstrip("1"))
    return bytes(zeros) + number.to_bytes((number.bit_length() + 7) // 8, "big")


def encode_base64url(data: bytes) -> str:
    """'u' + base64url without padding (RFC 4648 section 5)."""
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(text: object) -> bytes:
    """The bytes of a 'u'-prefixed, unpadded base64url multibase string."""
    body = _header(text, "u", "base64url")
    if not _BASE64URL_BODY.fullmatch(body):
        raise MultibaseError("base64url text holds characters outside [A-Za-z0-9_-] (or padding)")
    if len(body) % 4 == 1:
        raise MultibaseError("base64url text has an impossible length (4n+1 characters)")
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
