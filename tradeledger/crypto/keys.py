"""Ed25519 keys (PyNaCl / libsodium) and their did:key names.

A did:key for Ed25519 is "did:key:z" + base58btc(0xed 0x01 || 32-byte public key); its
verification method is the DID URL "<did>#<same multibase value>" (did:key spec §3).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property, lru_cache

import nacl.exceptions
import nacl.signing

from tradeledger.crypto.multibase import (
    ED25519_PRIV_CODEC,
    ED25519_PUB_CODEC,
    MultibaseError,
    decode_base58btc,
    encode_base58btc,
)
from tradeledger.errors import TradeledgerError


class DidKeyError(TradeledgerError, ValueError):
    """A did:key (or DID URL) that is not an Ed25519 did:key."""


def did_key_from_public_key(public_key: bytes) -> str:
    if len(public_key) != 32:
        raise DidKeyError("an Ed25519 public key is 32 bytes")
    return "did:key:" + encode_base58btc(ED25519_PUB_CODEC + public_key)


@lru_cache(maxsize=65536)
def public_key_from_did_key(did_or_url: str) -> bytes:
    """The 32-byte Ed25519 key of a did:key or of its verification method DID URL."""
    if not isinstance(did_or_url, str) or not did_or_url.startswith("did:key:z"):
        raise DidKeyError(f"not an Ed25519 did:key: {did_or_url!r}")
    did, _, fragment = did_or_url.partition("#")
    multibase_value = did[len("did:key:") :]
    if fragment and fragment != multibase_value:
        raise DidKeyError(f"fragment of {did_or_url!r} does not name its own key")
    try:
        raw = decode_base58btc(multibase_value)
    except MultibaseError as exc:
        raise DidKeyError(str(exc)) from exc
    if len(raw) != 34 or raw[:2] != ED25519_PUB_CODEC:
        raise DidKeyError(f"{did!r} is not an Ed25519 did:key (multicodec 0xed01)")
    return raw[2:]


def verification_method(did: str) -> str:
    return f"{did}#{did[len('did:key:'):]}"


@lru_cache(maxsize=4096)
def _verify_key(public_key: bytes) -> nacl.signing.VerifyKey:
    return nacl.signing.VerifyKey(public_key)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Pure Ed25519 (RFC 8032) verification; False for any bad key or signature."""
    try:
        _verify_key(public_key).verify(message, signature)
        return True
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, TypeError, ValueError):
        return False


@dataclass(frozen=True)
class KeyPair:
    """An Ed25519 key pair held as its 32-byte seed."""

    seed: bytes

    def __post_init__(self) -> None:
        if len(self.seed) != 32:
            raise ValueError("an Ed25519 seed is 32 bytes")

    @classmethod
    def generate(cls) -> KeyPair:
        return cls(os.urandom(32))

    @cached_property
    def _signing_key(self) -> nacl.signing.SigningKey:
        return nacl.signing.SigningKey(self.seed)

    @cached_property
    def public_key(self) -> bytes:
        return bytes(self._signing_key.verify_key)

    @property
    def did(self) -> str:
        return did_key_from_public_key(self.public_key)

    @property
    def verification_method(self) -> str:
        return verification_method(self.did)

    @property
    def private_multibase(self) -> str:
        return encode_base58btc(ED25519_PRIV_CODEC + self.seed)

    @classmethod
    def from_private_multibase(cls, text: str) -> KeyPair:
        raw = decode_base58btc(text)
        if len(raw) != 34 or raw[:2] != ED25519_PRIV_CODEC:
            raise DidKeyError("not an Ed25519 private Multikey (multicodec 0x8026)")
        return cls(raw[2:])

    def sign(self, message: bytes) -> bytes:
        return self._signing_key.sign(message).signature

    def __repr__(self) -> str:  # never print the seed
        return f"KeyPair({self.did})"
