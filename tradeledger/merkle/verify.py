"""Proof verification (RFC 9162 §2.1.3.2 and §2.1.4.2).

Both verifiers are total functions: for *any* input, however malformed
(wrong types, hashes not 32 bytes, negative or oversized sizes, proofs of the
wrong length, None, ...), they answer ``False`` and never raise. A verifier
that can be made to throw is a verifier a caller can forget to wrap, and an
exception path is where "accept by accident" bugs live.

Hashes are compared with plain ``==``: roots and proofs are public values,
so there is no secret for a timing side channel to leak.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradeledger.merkle.hashing import EMPTY_ROOT, is_hash, node_hash

# RFC 9162 tree sizes are uint64 (§4.8 tree_size, §4.5 leaf_index). Bounding
# them also bounds every proof: an inclusion path is at most 64 hashes and a
# consistency path at most 2 * 64.
_MAX_SIZE = 1 << 64
_MAX_CONSISTENCY_PROOF = 2 * 64


def _is_size(value: object) -> bool:
    # bool is an int subclass; True is not a tree size.
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _MAX_SIZE


def _hash_list(proof: object, limit: int) -> list[bytes] | None:
    """The proof as a list of 32-byte hashes, or None if it is anything else."""
    if not isinstance(proof, Sequence) or isinstance(proof, (str, bytes, bytearray, memoryview)):
        return None
    if len(proof) > limit:
        return None
    path = list(proof)
    if not all(is_hash(p) for p in path):
        return None
    return path


def _inclusion_proof_length(index: int, size: int) -> int:
    # Below the level where the paths to `index` and to the last leaf part
    # ways, the subtree around `index` is perfect and every level contributes
    # a sibling; above it, `index` walks the right edge and only levels where
    # it is a right child have a (left) sibling.
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def inclusion_root(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]) -> bytes | None:
    """The root that *proof* leads to from leaf *index* of a size-*size* tree, or None.

    RFC 9162 §2.1.3.2 without the final comparison: for a caller that learns the root
    from what it verifies next (a signature over it). None (never raises) on any
    malformed input, including index >= size or a proof of the wrong length.
    """
    try:
        if not (_is_size(index) and _is_size(size) and index < size):
            return None
        if not is_hash(leaf_hash):
            return None
        path = _hash_list(proof, 64)
        if path is None or len(path) != _inclusion_proof_length(index, size):
            return None

        fn, sn, r = index, size - 1, leaf_hash
        for p in path:
            if sn == 0:
                return None
            if fn & 1 or fn == sn:
                # r is a right child (or the last node of its level, promoted
                # until it becomes one): the proof hash goes on the left.
                r = node_hash(p, r)
                if not fn & 1:
                    while fn and not fn & 1:
                        fn >>= 1
                        sn >>= 1
            else:
                r = node_hash(r, p)
            fn >>= 1
            sn >>= 1
        return r if sn == 0 else None
    except Exception:  # a Sequence whose methods raise, and anything else unforeseen
        return None


def verify_inclusion(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """True iff *proof* shows leaf *index* of the size-*size* tree with root *root* is *leaf_hash*.

    RFC 9162 §2.1.3.2, with the proof length also checked up front. Returns
    False (never raises) on any malformed input, including index >= size.
    Hashes must be ``bytes`` of exactly 32 bytes.
    """
    if not is_hash(root):
        return False
    return inclusion_root(index, size, leaf_hash, proof) == root


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> bool:
    """True iff *proof* shows the size-*size1* tree (root1) is a prefix of the size-*size2* tree (root2).

    RFC 9162 §2.1.4.2 for 0 < size1 < size2. The cases the RFC algorithm
    does not cover are decided as follows:

    * size1 == size2: the proof must be empty and root1 == root2 (§2.1.4.1
      produces an empty proof there); for size 0 both must be EMPTY_ROOT.
    * size1 == 0: every tree extends the empty tree, so the proof must be
      empty and root1 must be EMPTY_ROOT, MTH({}) of §2.1.1; root2 is only
      checked to be a well-formed hash (nothing can tie it to no leaves).
    * size1 > size2: False.

    Returns False (never raises) on any malformed input.
    """
    try:
        if not (_is_size(size1) and _is_size(size2) and size1 <= size2):
            return False
        if not (is_hash(root1) and is_hash(root2)):
            return False
        path = _hash_list(proof, _MAX_CONSISTENCY_PROOF)
        if path is None:
            return False

        if size1 == 0:
            equal = root1 == root2 if size2 == 0 else True
            return not path and equal and root1 == EMPTY_ROOT
        if size1 == size2:
            return not path and root1 == root2
        if not path:
            return False

        # Step 2: when the old tree is a perfect subtree of the new one, its
        # root is a node of the new tree and the proof leaves it out.
        if size1 & (size1 - 1) == 0:
            path = [root1, *path]
        fn, sn = size1 - 1, size2 - 1
        while fn & 1:
            fn >>= 1
            sn >>= 1
        fr = sr = path[0]
        for c in path[1:]:
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                fr = node_hash(c, fr)
                sr = node_hash(c, sr)
                if not fn & 1:
                    while fn and not fn & 1:
                        fn >>= 1
                        sn >>= 1
            else:
                # A node only the new tree has: it extends sr, not fr.
                sr = node_hash(sr, c)
            fn >>= 1
            sn >>= 1
        return sn == 0 and fr == root1 and sr == root2
    except Exception:  # a Sequence whose methods raise, and anything else unforeseen
        return False
