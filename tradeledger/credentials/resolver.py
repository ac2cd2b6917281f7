"""From a proof's verificationMethod (a DID URL) to the Ed25519 public key that checks it.

A resolver is any callable `(verification_method) -> 32-byte public key` that raises
KeyResolutionError when it cannot answer. The default reads did:key URLs offline (the key
is in the identifier); the ledger's did:web documents and trust registry plug in the same
way, and `resolver_from_keys` / `first_resolving` compose such sources.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tradeledger.credentials.errors import KeyResolutionError
from tradeledger.crypto.keys import DidKeyError, public_key_from_did_key

KeyResolver = Callable[[str], bytes]

__all__ = ["KeyResolver", "controller_of", "did_key_resolver", "first_resolving",
           "resolver_from_keys"]


def controller_of(verification_method: str) -> str:
    """The identifier a verification method belongs to: the DID URL without its fragment."""
    return verification_method.partition("#")[0]


def did_key_resolver(verification_method: str) -> bytes:
    """The key named by a did:key verification method (decoding is cached by crypto.keys)."""
    try:
        return public_key_from_did_key(verification_method)
    except DidKeyError as exc:
        raise KeyResolutionError(f"cannot resolve {verification_method!r}: {exc}") from None


def resolver_from_keys(keys: Mapping[str, bytes]) -> KeyResolver:
    """A resolver over a fixed table of verification method -> public key."""
    table = dict(keys)

    def resolve(verification_method: str) -> bytes:
        try:
            return table[verification_method]
        except KeyError:
            raise KeyResolutionError(
                f"unknown verification method {verification_method!r}"
            ) from None

    return resolve


def first_resolving(*resolvers: KeyResolver) -> KeyResolver:
    """A resolver that asks each resolver in turn and answers with the first key found."""

    def resolve(verification_method: str) -> bytes:
        reasons = []
        for resolver in resolvers:
            try:
                return resolver(verification_method)
            except KeyResolutionError as exc:
                reasons.append(str(exc))
        raise KeyResolutionError("; ".join(reasons) or "no resolver configured")

    return resolve
