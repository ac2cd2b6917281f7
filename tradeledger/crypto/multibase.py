"""Multibase base58btc ('z' prefix) and the multicodec prefixes we use."""

import base58

from tradeledger.errors import TradeledgerError

ED25519_PUB_CODEC = b"\xed\x01"
ED25519_PRIV_CODEC = b"\x80\x26"


class MultibaseError(TradeledgerError, ValueError):
    """A multibase string that is not base58btc or does not decode."""


def encode_base58btc(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(text: object) -> bytes:
    if not isinstance(text, str) or not text.startswith("z") or len(text) < 2:
        raise MultibaseError(f"not a base58btc multibase string: {text!r}")
    try:
        return base58.b58decode(text[1:])
    except ValueError as exc:
        raise MultibaseError(f"invalid base58btc in {text!r}") from exc
