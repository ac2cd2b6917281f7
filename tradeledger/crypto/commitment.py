"""Salted document commitments (DESIGN.md decision 13).

commitment = lowercase hex of SHA-256(salt || SHA-256(document bytes)), with a fresh
32-byte random salt per commitment, so a low-entropy document (a short form, a number)
cannot be found by hashing guesses against the ledger.
"""

from __future__ import annotations

import os

from tradeledger.crypto.hashing import sha256

SALT_BYTES = 32


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def commitment_of(document_sha256: bytes, salt: bytes) -> str:
    if len(document_sha256) != 32 or len(salt) != SALT_BYTES:
        raise ValueError("a commitment takes a 32-byte document hash and a 32-byte salt")
    return sha256(salt + document_sha256).hex()


def commit_document(document: bytes, salt: bytes | None = None) -> tuple[str, bytes, bytes]:
    """(commitment, salt, document sha256) for a document's bytes."""
    salt = salt if salt is not None else new_salt()
    digest = sha256(document)
    return commitment_of(digest, salt), salt, digest
