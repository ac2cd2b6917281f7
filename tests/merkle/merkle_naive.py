"""A deliberately naive RFC 9162 §2.1 reference, written straight from the RFC's definitions.

It shares no code with tradeledger.merkle: it hashes with hashlib directly
and follows the recursive definitions of MTH (§2.1.1), PATH (§2.1.3.1) and
PROOF/SUBPROOF (§2.1.4.1) literally. Results for a node are cached per leaf
range so the property tests can afford every tree size up to a few hundred,
and one large tree.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def naive_leaf_hash(entry: bytes) -> bytes:
    return sha256(b"\x00" + entry)


def largest_power_of_two_below(n: int) -> int:
    """k such that k < n <= 2k (RFC 9162 §2.1.1), for n > 1."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class NaiveTree:
    """The tree over a fixed list of leaf hashes; every method takes sub-ranges D[lo:hi]."""

    def __init__(self, leaf_hashes: list[bytes]) -> None:
        self.leaves = list(leaf_hashes)
        self.mth = lru_cache(maxsize=None)(self._mth)

    def _mth(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]), §2.1.1."""
        n = hi - lo
        if n == 0:
            return sha256(b"")
        if n == 1:
            return self.leaves[lo]
        k = largest_power_of_two_below(n)
        return sha256(b"\x01" + self.mth(lo, lo + k) + self.mth(lo + k, hi))

    def root(self, size: int) -> bytes:
        return self.mth(0, size)

    def path(self, m: int, lo: int, hi: int) -> list[bytes]:
        """PATH(m, D[lo:hi]), §2.1.3.1; m is relative to lo."""
        n = hi - lo
        if n == 1:
            return []
        k = largest_power_of_two_below(n)
        if m < k:
            return self.path(m, lo, lo + k) + [self.mth(lo + k, hi)]
        return self.path(m - k, lo + k, hi) + [self.mth(lo, lo + k)]

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return self.path(index, 0, size)

    def subproof(self, m: int, lo: int, hi: int, b: bool) -> list[bytes]:
        """SUBPROOF(m, D[lo:hi], b), §2.1.4.1; m is relative to lo."""
        n = hi - lo
        if m == n:
            return [] if b else [self.mth(lo, hi)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return self.subproof(m, lo, lo + k, b) + [self.mth(lo + k, hi)]
        return self.subproof(m - k, lo + k, hi, False) + [self.mth(lo, lo + k)]

    def consistency(self, size1: int, size2: int) -> list[bytes]:
        """PROOF(m, D[n]) = SUBPROOF(m, D[n], true), §2.1.4.1, for 0 < m <= n."""
        return self.subproof(size1, 0, size2, True)


def entry(i: int) -> bytes:
    """Deterministic, varied-length leaf data for test trees."""
    return b"entry-%d-" % i + bytes([i % 251]) * (i % 5)


# -- proof shapes ------------------------------------------------------------
#
# A verifier sees only hashes, so what it checks about (index, size) or
# (size1, size2) is the *shape* of the proof: for each hash, which side it is
# combined on. Two parameter pairs with the same shape accept exactly the
# same proofs; that is inherent to RFC 9162 (the size is bound by the signed
# tree head, not by the proof). These annotate the §2.1.3.1 / §2.1.4.1
# recursions with that shape.


def path_sides(m: int, n: int) -> tuple[str, ...]:
    """For PATH(m, D[n]): 'R' where the proof hash is a right sibling, 'L' where left."""
    if n == 1:
        return ()
    k = largest_power_of_two_below(n)
    if m < k:
        return path_sides(m, k) + ("R",)
    return path_sides(m - k, n - k) + ("L",)


def subproof_shape(m: int, n: int, b: bool = True) -> tuple[str, ...]:
    """For SUBPROOF(m, D[n], b): 'seed' (MTH(D[m]) emitted), 'old' (left subtree of both
    trees), 'new' (right subtree only the new tree has); for 0 < m <= n."""
    if m == n:
        return () if b else ("seed",)
    k = largest_power_of_two_below(n)
    if m <= k:
        return subproof_shape(m, k, b) + ("new",)
    return subproof_shape(m - k, n - k, False) + ("old",)
