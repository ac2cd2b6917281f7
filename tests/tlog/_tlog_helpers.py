"""Test helpers: deterministic keys and a tiny RFC 6962 Merkle tree.

The Merkle code here exists only so the proof tests have real inclusion paths
to feed to TlogProof.verify; the package itself does no Merkle hashing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from tradeledger.tlog import Checkpoint, CosignatureSigner, NoteSigner


def seed(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def log_signer(origin: str = "example.com/log", label: str | None = None) -> NoteSigner:
    return NoteSigner(seed(label or "log:" + origin), origin)


def witness_signer(name: str, label: str | None = None) -> CosignatureSigner:
    return CosignatureSigner(seed(label or "witness:" + name), name)


def signed_checkpoint(
    checkpoint: Checkpoint,
    log: NoteSigner,
    witnesses: Sequence[CosignatureSigner] = (),
    timestamp: int = 1_700_000_000,
) -> str:
    note = checkpoint.sign(log)
    for w in witnesses:
        note = w.cosign(note, timestamp)
    return note.to_text()


# --- RFC 6962 section 2.1 -------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    # Largest power of two strictly smaller than n.
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def root(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = _split(len(leaves))
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return inclusion_path(index, leaves[:k]) + [root(leaves[k:])]
    return inclusion_path(index - k, leaves[k:]) + [root(leaves[:k])]


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash
