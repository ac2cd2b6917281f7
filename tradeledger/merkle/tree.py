"""In-memory Merkle tree functions over a list of leaf hashes (RFC 9162 §2.1.1-§2.1.4.1).

These take the whole list of leaf *hashes* (not leaf data: hash entries with
:func:`~tradeledger.merkle.hashing.leaf_hash` first) and cost O(n) hashing per
call. They suit small trees, tests and tools; a log that grows uses
:class:`~tradeledger.merkle.log.TiledLog`, which answers from O(log n) tiles.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradeledger.merkle.errors import MerkleError
from tradeledger.merkle.hashing import EMPTY_ROOT, HASH_SIZE, is_hash, node_hash
from tradeledger.merkle.shape import consistency_nodes, inclusion_nodes


def checked_leaf_hashes(leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The leaf hashes as a list, each checked to be a 32-byte hash."""
    if isinstance(leaf_hashes, (str, bytes, bytearray, memoryview)):
        # A bare bytes object is a Sequence of ints; catching it here gives a
        # clear error instead of a confusing one about the first "hash".
        raise MerkleError("leaf_hashes must be a sequence of 32-byte hashes, not one bytes object")
    leaves = list(leaf_hashes)
    for i, h in enumerate(leaves):
        if not is_hash(h):
            raise MerkleError(f"leaf hash {i} is not {HASH_SIZE} bytes")
    return leaves


def _check_int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise MerkleError(f"{name} must be an int, got {type(value).__name__}")
    return value


def _mth(hashes: Sequence[bytes]) -> bytes:
    """MTH over already-validated leaf hashes, bottom-up.

    Pairing neighbours level by level and promoting an unpaired last node
    unchanged builds exactly the §2.1.1 tree (split at the largest power of
    two below n), without the recursion.
    """
    if not hashes:
        return EMPTY_ROOT
    row = list(hashes)
    while len(row) > 1:
        paired = [node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        if len(row) & 1:
            paired.append(row[-1])
        row = paired
    return row[0]


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the tree whose leaves have these hashes (RFC 9162 §2.1.1).

    The empty tree has root :data:`EMPTY_ROOT`. Raises :class:`MerkleError` if
    an element is not a 32-byte ``bytes``.
    """
    return _mth(checked_leaf_hashes(leaf_hashes))


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]): the audit path for leaf *index* (RFC 9162 §2.1.3.1).

    Hashes are ordered from the leaf's sibling up to the root's child.
    Raises :class:`MerkleError` unless 0 <= index < len(leaf_hashes).
    """
    leaves = checked_leaf_hashes(leaf_hashes)
    _check_int("index", index)
    if not 0 <= index < len(leaves):
        raise MerkleError(f"leaf index {index} outside tree of size {len(leaves)}")
    return [_mth(leaves[a:b]) for a, b in inclusion_nodes(index, len(leaves))]


def all_inclusion_proofs(leaf_hashes: Sequence[bytes]) -> tuple[bytes, list[list[bytes]]]:
    """MTH(D[n]) and PATH(i, D[n]) for every leaf i, in one pass of n - 1 node hashes.

    Calling :func:`inclusion_proof` for each leaf costs O(n) hashing each, O(n²) in
    all; this builds the §2.1.1 tree once (split at the largest power of two below n)
    and hands each subtree's root to the proofs of the other side. Raises
    :class:`MerkleError` if an element is not a 32-byte ``bytes``; the empty tree has
    root :data:`EMPTY_ROOT` and no proofs.
    """
    leaves = checked_leaf_hashes(leaf_hashes)
    if not leaves:
        return EMPTY_ROOT, []
    proofs: list[list[bytes]] = [[] for _ in leaves]

    def build(start: int, end: int) -> bytes:
        if end - start == 1:
            return leaves[start]
        k = 1 << ((end - start - 1).bit_length() - 1)
        left, right = build(start, start + k), build(start + k, end)
        for i in range(start, start + k):
            proofs[i].append(right)
        for i in range(start + k, end):
            proofs[i].append(left)
        return node_hash(left, right)

    return build(0, len(leaves)), proofs


def consistency_proof(size1: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(size1, D[n]): consistency of the first *size1* leaves with all n (RFC 9162 §2.1.4.1).

    The proof is empty when size1 == n (§2.1.4.1: SUBPROOF(m, D[m], true) is
    empty) and when size1 == 0: every tree extends the empty tree, and the
    verifier needs nothing but the empty root (see ``verify_consistency``).
    Raises :class:`MerkleError` unless 0 <= size1 <= len(leaf_hashes).
    """
    leaves = checked_leaf_hashes(leaf_hashes)
    _check_int("size1", size1)
    if not 0 <= size1 <= len(leaves):
        raise MerkleError(f"size1 {size1} outside 0..{len(leaves)}")
    if size1 == 0 or size1 == len(leaves):
        return []
    return [_mth(leaves[a:b]) for a, b in consistency_nodes(size1, len(leaves))]
