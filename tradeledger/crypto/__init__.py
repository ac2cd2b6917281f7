"""Cryptographic primitives: canonical JSON, SHA-256, Ed25519 keys named by did:key."""

from tradeledger.crypto.canonical import (
    MAX_SAFE_INTEGER,
    NonCanonicalDataError,
    canonical_bytes,
    check_ledger_data,
    is_canonical,
    parse_canonical,
)
from tradeledger.crypto.commitment import commit_document, commitment_of, new_salt
from tradeledger.crypto.hashing import sha256, sha256_hex
from tradeledger.crypto.keys import (
    DidKeyError,
    KeyPair,
    did_key_from_public_key,
    public_key_from_did_key,
    verify_signature,
)

__all__ = [
    "MAX_SAFE_INTEGER",
    "NonCanonicalDataError",
    "canonical_bytes",
    "check_ledger_data",
    "is_canonical",
    "parse_canonical",
    "commit_document",
    "commitment_of",
    "new_salt",
    "sha256",
    "sha256_hex",
    "DidKeyError",
    "KeyPair",
    "did_key_from_public_key",
    "public_key_from_did_key",
    "verify_signature",
]
