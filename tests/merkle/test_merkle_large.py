"""Proofs at 10**8 leaves (and beyond) read a handful of tiles, never the leaves.

A real 10**8-leaf tree is too slow to build in a unit test, so the tree here
is periodic: leaf i has hash PERIOD[i % 256]. Every full level-0 tile is then
the same 256 hashes, so every level-L tile entry is the same hash X[L], and a
reader can synthesize any tile of the tree in O(1), while the tree is still a
genuine RFC 9162 tree with a root that an independent reference (written from
§2.1.1 with hashlib) computes in O(log n). The reader counts what it is asked
for, so a proof that tried to load all leaves would fail loudly.
"""

from __future__ import annotations

import hashlib
import math
import random
from functools import cache

import pytest
from merkle_naive import largest_power_of_two_below, naive_leaf_hash

from tradeledger.merkle import MemoryTileStore, TiledLog, verify_consistency, verify_inclusion

PERIOD = [naive_leaf_hash(b"periodic %d" % j) for j in range(256)]


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


@cache
def perfect(height: int) -> bytes:
    """MTH of any aligned perfect subtree of 2**height >= 256 leaves (all are equal here)."""
    if height == 8:
        row = PERIOD
        while len(row) > 1:
            row = [_node(row[i], row[i + 1]) for i in range(0, len(row), 2)]
        return row[0]
    half = perfect(height - 1)
    return _node(half, half)


@cache
def ref_mth(lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) per RFC 9162 §2.1.1, short-cut only through perfect()."""
    n = hi - lo
    if n == 1:
        return PERIOD[lo % 256]
    if n >= 256 and n & (n - 1) == 0 and lo % n == 0:
        return perfect(n.bit_length() - 1)
    k = largest_power_of_two_below(n)
    return _node(ref_mth(lo, lo + k), ref_mth(lo + k, hi))


def ref_path(m: int, lo: int, hi: int) -> list[bytes]:
    """PATH(m, D[lo:hi]), §2.1.3.1."""
    if hi - lo == 1:
        return []
    k = largest_power_of_two_below(hi - lo)
    if m < k:
        return ref_path(m, lo, lo + k) + [ref_mth(lo + k, hi)]
    return ref_path(m - k, lo + k, hi) + [ref_mth(lo, lo + k)]


class SyntheticReader:
    """Serves the tiles of the periodic tree of *size* leaves, counting every request."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.calls = 0
        self.keys: list[tuple[int, int]] = []
        self.bytes_served = 0

    def read_tiles(self, keys):
        self.calls += 1
        self.keys += list(keys)
        assert len(keys) <= 64, "a proof asked for a bulk read"
        out = {}
        for level, index in keys:
            width = min(256, (self.size >> (8 * level)) - 256 * index)
            if width <= 0:
                continue
            entry = b"".join(PERIOD) if level == 0 else perfect(8 * level) * 256
            out[(level, index)] = entry[: 32 * width]
            self.bytes_served += 32 * width
        return out


def tile_budget(n: int) -> int:
    """The promised bound: about two tiles per tile level of the tree."""
    return 2 * math.ceil(math.log(n, 256)) + 2


N = 10**8
GIANT = 2**62 + 12345


@pytest.mark.parametrize("n", [N, GIANT], ids=["1e8", "2^62"])
def test_inclusion_proofs_read_a_handful_of_tiles(n):
    rng = random.Random(7)
    root = ref_mth(0, n)
    for index in [0, 1, 255, 256, n // 2, 2**24 + 5, n - 2, n - 1, *rng.sample(range(n), 5)]:
        reader = SyntheticReader(n)
        proof = TiledLog(reader).inclusion_proof(index, n)
        assert reader.calls == 1
        assert len(set(reader.keys)) <= tile_budget(n), (index, reader.keys)
        assert reader.bytes_served <= tile_budget(n) * 8192
        assert proof == ref_path(index, 0, n)
        assert verify_inclusion(index, n, PERIOD[index % 256], proof, root)


def test_the_budget_is_about_a_dozen_tiles_at_1e8():
    assert tile_budget(N) == 10


@pytest.mark.parametrize("n", [N, GIANT], ids=["1e8", "2^62"])
def test_consistency_proofs_read_a_handful_of_tiles(n):
    rng = random.Random(8)
    for size1 in [1, 256, 257, 2**24, 12345678, n // 3, n - 1, *rng.sample(range(1, n), 5)]:
        reader = SyntheticReader(n)
        proof = TiledLog(reader).consistency_proof(size1, n)
        assert reader.calls == 1
        assert len(set(reader.keys)) <= tile_budget(n), (size1, reader.keys)
        assert verify_consistency(size1, n, proof, ref_mth(0, size1), ref_mth(0, n))


def test_historical_proofs_at_1e8_read_a_handful_of_tiles():
    """The store is at 10**8; proofs for older sizes use prefixes of its partial tiles."""
    rng = random.Random(9)
    for size in [N - 1, N - 256, 99_999_744, 2**26 + 3, *rng.sample(range(2, N), 4)]:
        reader = SyntheticReader(N)
        index = rng.randrange(size)
        proof = TiledLog(reader).inclusion_proof(index, size)
        assert len(set(reader.keys)) <= tile_budget(size)
        assert verify_inclusion(index, size, PERIOD[index % 256], proof, ref_mth(0, size))


def test_root_and_append_at_1e8_read_only_the_right_edge():
    reader = SyntheticReader(N)
    log = TiledLog(reader)
    assert log.root(N) == ref_mth(0, N)
    assert len(reader.keys) <= math.ceil(math.log(N, 256))

    reader = SyntheticReader(N)
    update = TiledLog(reader).append(N, [PERIOD[(N + j) % 256] for j in range(3)])
    assert reader.calls == 1 and len(reader.keys) <= math.ceil(math.log(N, 256)) + 1
    assert update.root == ref_mth(0, N + 3)
    assert len(update.tiles) == 1  # three leaves land in the level-0 partial tile


def test_proofs_in_a_real_store_read_at_most_two_tiles_per_level():
    """The same bound, counted on a MemoryTileStore holding a real 70,000-leaf tree."""
    store = MemoryTileStore()
    log = TiledLog(store)
    n = 70_000
    store.write_tiles(log.append(0, [naive_leaf_hash(b"%d" % i) for i in range(n)]))
    rng = random.Random(10)
    levels = 3  # 70,000 leaves span tile levels 0, 1 and 2
    for _ in range(200):
        size = rng.randrange(1, n + 1)
        before = store.tiles_read
        log.inclusion_proof(rng.randrange(size), size)
        assert store.tiles_read - before <= 2 * levels + 1
        before = store.tiles_read
        log.consistency_proof(rng.randrange(size + 1), size)
        assert store.tiles_read - before <= 2 * levels + 1
