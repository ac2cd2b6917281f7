"""Hash primitives of the RFC 9162 Merkle tree (§2.1.1), SHA-256 only.

RFC 9162 §2.1.1 separates the two kinds of hash input with a one-byte
prefix: 0x00 for leaves and 0x01 for interior nodes. Without it a leaf whose
data happens to be the 64-byte concatenation of two node hashes would hash to
the same value as that node (a second-preimage attack on the tree).
"""

from __future__ import annotations

import hashlib

HASH_SIZE = 32
"""Size in bytes of every hash in the tree (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256 of the empty string: the root of the tree of size 0 (§2.1.1)."""

_sha256 = hashlib.sha256
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """MTH({d0}) = SHA-256(0x00 || d0): the hash of one log entry (RFC 9162 §2.1.1).

    *data* may be any bytes-like object; ``str`` and ``int`` are rejected with
    ``TypeError`` (``bytes(5)`` would silently mean five zero bytes).
    """
    h = _sha256(_LEAF_PREFIX)
    h.update(data)
    return h.digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): an interior node (RFC 9162 §2.1.1).

    The children are not length-checked here: this sits in every hot loop of
    the package, and every caller has already validated its inputs.
    """
    return _sha256(_NODE_PREFIX + left + right).digest()


def is_hash(value: object) -> bool:
    """True if *value* is a ``bytes`` object of exactly :data:`HASH_SIZE` bytes."""
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _parent_row(row: bytes, count: int) -> bytes:
    """The count // 2 parents of the first *count* hashes packed in *row*, packed the same way.

    Siblings are adjacent in a packed row, so each parent hashes one 64-byte
    window. This loop is most of the cost of a tiled proof; of the variants
    measured (hasher copies over a memoryview, map pipelines) this plain
    comprehension had the least per-hash overhead.
    """
    pair = 2 * HASH_SIZE
    return b"".join([_sha256(_NODE_PREFIX + row[i : i + pair]).digest() for i in range(0, (count >> 1) * pair, pair)])


def perfect_root(entries: bytes, count: int) -> bytes:
    """MTH of *count* consecutive hashes packed in *entries*, *count* a power of two.

    This is the root of a perfect (complete) subtree whose bottom row is the
    given hashes, e.g. the hash a level-L tile entry contributes to level L+1
    of a C2SP tlog-tiles log. *entries* must hold exactly ``count * 32`` bytes.
    """
    row = entries
    while count > 1:
        row = _parent_row(row, count)
        count >>= 1
    return row


def perfect_rows(entries: bytes, count: int) -> tuple[bytes, ...]:
    """Every row of the binary tree over *count* packed hashes, bottom (the entries) up.

    Row r packs count >> r hashes; row r, position j is the MTH of entries
    j * 2**r .. (j + 1) * 2**r - 1. When *count* is not a power of two (a
    partial tile) each row keeps only its complete aligned runs, which are
    exactly the perfect subtrees a proof can ask of such a tile.
    """
    rows = [entries]
    while count > 1:
        rows.append(_parent_row(rows[-1], count))
        count >>= 1
    return tuple(rows)
