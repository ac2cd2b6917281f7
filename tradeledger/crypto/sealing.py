"""Seal a disclosure to the requester's key, so only the requester's node can read it.

A delivery crosses NATS servers the owner does not control (DESIGN.md decision 11: "a
private payload travels peer to peer only to a requester"). The owner's node seals it with
libsodium's sealed box to the X25519 form of the Ed25519 key that signed the access request,
a key the ledger registers for the requesting organization. Integrity needs no sender
signature: the requester checks the payload against the commitment anchored on the ledger.
"""

from __future__ import annotations

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.signing

from tradeledger.crypto import KeyPair
from tradeledger.errors import TradeledgerError


class SealError(TradeledgerError, ValueError):
    """A sealed payload that this key cannot open, or a key that cannot receive one."""


def seal_for(recipient_ed25519_public_key: bytes, plaintext: bytes) -> bytes:
    try:
        curve = nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(recipient_ed25519_public_key)
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
        raise SealError(f"cannot seal to that key: {exc}") from None
    return nacl.public.SealedBox(nacl.public.PublicKey(curve)).encrypt(plaintext)


def open_sealed(key: KeyPair, sealed: bytes) -> bytes:
    private = nacl.signing.SigningKey(key.seed).to_curve25519_private_key()
    try:
        return nacl.public.SealedBox(private).decrypt(sealed)
    except nacl.exceptions.CryptoError:
        raise SealError("the sealed delivery does not open with this organization's key") from None
