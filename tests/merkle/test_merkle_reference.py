"""The implementation agrees with a naive transcription of RFC 9162 §2.1 (merkle_naive.py).

Every tree size from 1 to 300 is checked: roots, inclusion proofs, and
consistency proofs, both from the in-memory functions and from a TiledLog
built by appending random batches (then queried at every historical size).
Larger sizes check the places where the tiled layout changes: 256, 257,
65536 + 3.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from merkle_naive import NaiveTree, entry, naive_leaf_hash, path_sides, subproof_shape

from tradeledger.merkle import (
    MemoryTileStore,
    TiledLog,
    consistency_proof,
    inclusion_proof,
    iter_tiles,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

MAX = 300
LEAVES = [naive_leaf_hash(entry(i)) for i in range(MAX)]
NAIVE = NaiveTree(LEAVES)


def sample_indices(n: int, rng: random.Random, k: int = 8) -> list[int]:
    """All indices of small trees; for larger ones the edges, power-of-two boundaries and a random few."""
    if n <= 40:
        return list(range(n))
    special = {0, 1, n // 2, n - 2, n - 1}
    special |= {p + d for p in (32, 64, 128, 256) for d in (-1, 0) if 0 <= p + d < n}
    return sorted(special | set(rng.sample(range(n), k)))


def sample_old_sizes(n: int, rng: random.Random, k: int = 6) -> list[int]:
    """Old tree sizes 0..n for consistency proofs into a tree of size n."""
    if n <= 40:
        return list(range(n + 1))
    special = {0, 1, 2, 3, n - 1, n} | {p + d for p in (32, 64, 128, 256) for d in (-1, 0, 1) if 0 < p + d < n}
    return sorted(special | set(rng.sample(range(n + 1), k)))


# -- in-memory functions ----------------------------------------------------


def test_in_memory_root_for_every_size():
    for n in range(MAX + 1):
        assert root_hash(LEAVES[:n]) == NAIVE.root(n), n


def test_in_memory_inclusion_proofs_for_every_size():
    rng = random.Random(1)
    for n in range(1, MAX + 1):
        root = NAIVE.root(n)
        for i in sample_indices(n, rng):
            proof = inclusion_proof(i, LEAVES[:n])
            assert proof == NAIVE.inclusion(i, n), (i, n)
            assert verify_inclusion(i, n, LEAVES[i], proof, root), (i, n)


def test_in_memory_consistency_proofs_for_every_size():
    rng = random.Random(2)
    for n in range(1, MAX + 1):
        for m in sample_old_sizes(n, rng):
            proof = consistency_proof(m, LEAVES[:n])
            assert proof == (NAIVE.consistency(m, n) if m else []), (m, n)
            assert verify_consistency(m, n, proof, NAIVE.root(m), NAIVE.root(n)), (m, n)


# -- the verifier checks exactly the proof shape --------------------------------


def test_inclusion_proof_verifies_under_other_parameters_only_with_identical_shape():
    """Reusing an honest proof with another (index, size) succeeds iff the §2.1.3.1 shape is the same."""
    for n in range(1, 33):
        root = NAIVE.root(n)
        for i in range(n):
            proof = NAIVE.inclusion(i, n)
            for n2 in range(1, 41):
                for i2 in {i, 0, n2 - 1, i ^ 1}:
                    if 0 <= i2 < n2:
                        same = path_sides(i2, n2) == path_sides(i, n)
                        ok = verify_inclusion(i2, n2, LEAVES[i], proof, root)
                        assert ok == same, (i, n, i2, n2)


def test_consistency_proof_verifies_under_other_sizes_only_with_identical_shape():
    """Reusing an honest proof with other sizes succeeds iff the §2.1.4.1 shape is the same."""
    for n in range(1, 25):
        for m in range(1, n + 1):
            proof = NAIVE.consistency(m, n)
            r1, r2 = NAIVE.root(m), NAIVE.root(n)
            for m2, n2 in [(m2, n) for m2 in range(0, n + 3)] + [(m, n2) for n2 in range(0, 41)]:
                same = 0 < m2 <= n2 and subproof_shape(m2, n2) == subproof_shape(m, n)
                assert verify_consistency(m2, n2, proof, r1, r2) == same, (m, n, m2, n2)


# -- TiledLog ---------------------------------------------------------------------


def build_tiled(leaves: list[bytes], batch_sizes) -> tuple[MemoryTileStore, TiledLog, list[int]]:
    """Append *leaves* in batches of the given sizes; check each update's root on the way."""
    store = MemoryTileStore()
    log = TiledLog(store)
    sizes = [0]
    for b in batch_sizes:
        batch = leaves[store.size : store.size + b]
        update = log.append(store.size, batch)
        assert update.new_size == store.size + len(batch)
        store.write_tiles(update)
        sizes.append(store.size)
    return store, log, sizes


def check_tiled_against_naive(log: TiledLog, naive: NaiveTree, leaves, size: int, rng: random.Random) -> None:
    for n in range(1, size + 1):
        root = naive.root(n)
        assert log.root(n) == root, n
        for i in rng.sample(range(n), min(n, 3)) + [n - 1]:
            proof = log.inclusion_proof(i, n)
            assert proof == naive.inclusion(i, n), (i, n)
            assert verify_inclusion(i, n, leaves[i], proof, root)
        for m in rng.sample(range(1, n + 1), min(n, 3)):
            proof = log.consistency_proof(m, n)
            assert proof == naive.consistency(m, n), (m, n)
            assert verify_consistency(m, n, proof, naive.root(m), root)


def test_tiled_log_built_in_random_batches_agrees_at_every_size():
    rng = random.Random(3)
    batches = []
    while sum(batches) < MAX:
        batches.append(rng.choice([0, 1, 2, 3, 7, 31, 64, 100]))
    store, log, sizes = build_tiled(LEAVES, batches)
    assert store.size == MAX
    for n in sizes:
        # The root each append reported is the root at the size it reached.
        assert log.root(n) == NAIVE.root(n)
    # Every size is historical except the last, and all are answerable.
    check_tiled_against_naive(log, NAIVE, LEAVES, MAX, rng)
    for i in range(MAX):
        assert log.leaf_hash(i) == LEAVES[i]


def test_tiled_log_every_size_as_the_current_size():
    """Each size 1..300 as the *latest* size (partial tiles exactly as wide as the tree)."""
    store = MemoryTileStore()
    log = TiledLog(store)
    rng = random.Random(4)
    for n in range(1, MAX + 1):
        update = log.append(n - 1, [LEAVES[n - 1]])
        store.write_tiles(update)
        assert update.root == NAIVE.root(n)
        i = rng.randrange(n)
        assert log.inclusion_proof(i, n) == NAIVE.inclusion(i, n)
        m = rng.randrange(1, n + 1)
        assert log.consistency_proof(m, n) == NAIVE.consistency(m, n)


@settings(max_examples=25, deadline=None)
@given(
    batches=st.lists(st.integers(min_value=0, max_value=90), min_size=1, max_size=12),
    data=st.data(),
)
def test_tiled_log_any_batching(batches, data):
    store, log, _ = build_tiled(LEAVES, batches)
    size = store.size
    if size == 0:
        assert log.root(0) == NAIVE.root(0)
        return
    for n in range(1, size + 1):
        assert log.root(n) == NAIVE.root(n), n
    n = data.draw(st.integers(1, size), label="size")
    i = data.draw(st.integers(0, n - 1), label="index")
    m = data.draw(st.integers(1, n), label="size1")
    assert log.inclusion_proof(i, n) == NAIVE.inclusion(i, n)
    assert log.consistency_proof(m, n) == NAIVE.consistency(m, n)


# -- across tile boundaries --------------------------------------------------------

BIG = 65536 + 3  # three leaves past the first full level-1 tile: a level-2 tile exists


@pytest.fixture(scope="module")
def big():
    leaves = [naive_leaf_hash(b"big-%d" % i) for i in range(BIG)]
    rng = random.Random(5)
    batches = []
    while sum(batches) < BIG:
        batches.append(rng.choice([1, 255, 256, 257, 1000, 4093]))
    store, log, _ = build_tiled(leaves, batches)
    return store, log, leaves, NaiveTree(leaves)


BOUNDARY_SIZES = [1, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537, BIG]


def test_big_tree_roots_at_tile_boundaries(big):
    store, log, leaves, naive = big
    assert store.size == BIG
    for n in BOUNDARY_SIZES:
        assert log.root(n) == naive.root(n), n
    assert store.root == naive.root(BIG)
    assert sorted((k[0], k[1], len(t) // 32) for k, t in store.tiles.items()) == sorted(iter_tiles(BIG))


def test_big_tree_inclusion_proofs_at_tile_boundaries(big):
    _, log, leaves, naive = big
    rng = random.Random(6)
    for n in BOUNDARY_SIZES:
        for i in {0, 1, 255, 256, 257, 65535, 65536, n - 1, n // 2, rng.randrange(n)}:
            if i < n:
                proof = log.inclusion_proof(i, n)
                assert proof == naive.inclusion(i, n), (i, n)
                assert verify_inclusion(i, n, leaves[i], proof, naive.root(n))


def test_big_tree_consistency_proofs_at_tile_boundaries(big):
    _, log, _, naive = big
    pairs = [(1, BIG), (255, 256), (256, 257), (255, BIG), (256, 65536), (257, 65537), (65535, 65536),
             (65536, BIG), (1000, 65537), (65537, BIG), (BIG, BIG), (0, BIG)]
    for m, n in pairs:
        proof = log.consistency_proof(m, n)
        assert proof == (naive.consistency(m, n) if m else []), (m, n)
        assert verify_consistency(m, n, proof, naive.root(m), naive.root(n))


def test_batching_does_not_change_the_tiles(big):
    store, _, leaves, _ = big
    one_shot = MemoryTileStore()
    one_shot.write_tiles(TiledLog(one_shot).append(0, leaves))
    assert one_shot.tiles == store.tiles
