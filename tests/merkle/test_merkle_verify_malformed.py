"""verify_inclusion / verify_consistency are total: malformed input gives False, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeledger.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [leaf_hash(b"%d" % i) for i in range(13)]
ROOT = root_hash(LEAVES)
INDEX = 5
PROOF = inclusion_proof(INDEX, LEAVES)
M = 6
CPROOF = consistency_proof(M, LEAVES)
ROOT1 = root_hash(LEAVES[:M])


class Weird:
    """Not a hash, not a sequence, not anything."""


class ExplodingList(list):
    def __iter__(self):
        raise RuntimeError("boom")


BAD_INTS = [None, -1, -(2**70), 2**64, 2**100, 1.0, float("nan"), "5", b"5", True, False, [5], Weird()]
BAD_HASHES = [
    None,
    b"",
    ROOT[:31],
    ROOT + b"\0",
    ROOT.hex(),
    bytearray(ROOT),
    memoryview(ROOT),
    list(ROOT),
    32,
    Weird(),
]
BAD_PROOFS = [
    None,
    b"".join(PROOF),
    "".join(p.hex() for p in PROOF),
    PROOF[0],
    iter(PROOF),
    {p: None for p in PROOF},
    set(PROOF),
    [*PROOF[:-1], None],
    [*PROOF[:-1], PROOF[-1][:31]],
    [*PROOF[:-1], PROOF[-1].hex()],
    [*PROOF[:-1], bytearray(PROOF[-1])],
    [PROOF[0]] * 10_000,
    ExplodingList(PROOF),
    Weird(),
    42,
]


def test_the_unmodified_inputs_verify():
    assert verify_inclusion(INDEX, len(LEAVES), LEAVES[INDEX], PROOF, ROOT) is True
    assert verify_consistency(M, len(LEAVES), CPROOF, ROOT1, ROOT) is True


@pytest.mark.parametrize("bad", BAD_INTS, ids=repr)
def test_inclusion_bad_index_or_size(bad):
    assert verify_inclusion(bad, len(LEAVES), LEAVES[INDEX], PROOF, ROOT) is False
    assert verify_inclusion(INDEX, bad, LEAVES[INDEX], PROOF, ROOT) is False


@pytest.mark.parametrize("bad", BAD_HASHES, ids=repr)
def test_inclusion_bad_hashes(bad):
    assert verify_inclusion(INDEX, len(LEAVES), bad, PROOF, ROOT) is False
    assert verify_inclusion(INDEX, len(LEAVES), LEAVES[INDEX], PROOF, bad) is False


@pytest.mark.parametrize("bad", BAD_PROOFS, ids=lambda p: type(p).__name__)
def test_inclusion_bad_proofs(bad):
    assert verify_inclusion(INDEX, len(LEAVES), LEAVES[INDEX], bad, ROOT) is False


def test_inclusion_index_not_below_size():
    assert verify_inclusion(0, 0, LEAVES[0], [], EMPTY_ROOT) is False
    assert verify_inclusion(1, 1, LEAVES[0], [], LEAVES[0]) is False
    assert verify_inclusion(0, 1, LEAVES[0], [], LEAVES[0]) is True


@pytest.mark.parametrize("bad", BAD_INTS, ids=repr)
def test_consistency_bad_sizes(bad):
    assert verify_consistency(bad, len(LEAVES), CPROOF, ROOT1, ROOT) is False
    assert verify_consistency(M, bad, CPROOF, ROOT1, ROOT) is False


@pytest.mark.parametrize("bad", BAD_HASHES, ids=repr)
def test_consistency_bad_roots(bad):
    assert verify_consistency(M, len(LEAVES), CPROOF, bad, ROOT) is False
    assert verify_consistency(M, len(LEAVES), CPROOF, ROOT1, bad) is False
    # Even where no proof hash is involved, the roots must be well formed.
    assert verify_consistency(M, M, [], bad, bad) is False
    assert verify_consistency(0, len(LEAVES), [], EMPTY_ROOT, bad) is False


@pytest.mark.parametrize("bad", BAD_PROOFS, ids=lambda p: type(p).__name__)
def test_consistency_bad_proofs(bad):
    assert verify_consistency(M, len(LEAVES), bad, ROOT1, ROOT) is False
    assert verify_consistency(M, M, bad, ROOT1, ROOT1) is False


class TestConsistencyEdgeCases:
    """The cases RFC 9162 §2.1.4.2 leaves to the implementation, as documented in verify_consistency."""

    def test_equal_sizes_need_an_empty_proof_and_equal_roots(self):
        assert verify_consistency(M, M, [], ROOT1, ROOT1) is True
        assert verify_consistency(M, M, (), ROOT1, ROOT1) is True
        assert verify_consistency(M, M, [], ROOT1, ROOT) is False
        assert verify_consistency(M, M, [ROOT1], ROOT1, ROOT1) is False

    def test_from_the_empty_tree_needs_an_empty_proof_and_the_empty_root(self):
        assert consistency_proof(0, LEAVES) == []
        assert verify_consistency(0, len(LEAVES), [], EMPTY_ROOT, ROOT) is True
        assert verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT) is True
        assert verify_consistency(0, len(LEAVES), [], ROOT1, ROOT) is False
        assert verify_consistency(0, len(LEAVES), [ROOT], EMPTY_ROOT, ROOT) is False
        assert verify_consistency(0, 0, [], ROOT, ROOT) is False
        assert verify_consistency(0, 0, [], EMPTY_ROOT, ROOT) is False

    def test_older_size_larger_than_newer_size(self):
        assert verify_consistency(len(LEAVES), M, CPROOF, ROOT, ROOT1) is False

    def test_nonempty_sizes_need_a_nonempty_proof(self):
        assert verify_consistency(M, len(LEAVES), [], ROOT1, ROOT) is False
        assert verify_consistency(4, 8, [], root_hash(LEAVES[:4]), root_hash(LEAVES[:8])) is False


anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=40),
    st.binary(max_size=40),
    st.lists(st.binary(min_size=30, max_size=33), max_size=70),
    st.lists(st.integers(), max_size=5),
)
hashes = st.one_of(st.binary(min_size=32, max_size=32), anything)


@settings(max_examples=300, deadline=None)
@given(index=anything, size=anything, leaf=hashes, proof=anything, root=hashes)
def test_inclusion_never_raises(index, size, leaf, proof, root):
    result = verify_inclusion(index, size, leaf, proof, root)
    # The only proof random inputs can hit: a one-leaf tree, whose root is its leaf.
    trivial = type(index) is int and type(size) is int and (index, size) == (0, 1)
    assert result is (trivial and proof == [] and isinstance(leaf, bytes) and len(leaf) == 32 and leaf == root)


@settings(max_examples=300, deadline=None)
@given(size1=anything, size2=anything, proof=anything, root1=hashes, root2=hashes)
def test_consistency_never_raises(size1, size2, proof, root1, root2):
    result = verify_consistency(size1, size2, proof, root1, root2)
    # Random inputs can only hit the trivially true cases of verify_consistency.
    if result:
        assert type(size1) is int and type(size2) is int and size1 in (0, size2) and proof == []


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, 2**64 - 1),
    size=st.integers(1, 2**64 - 1),
    proof=st.lists(st.binary(min_size=32, max_size=32), max_size=70),
    leaf=st.binary(min_size=32, max_size=32),
    root=st.binary(min_size=32, max_size=32),
)
def test_well_typed_random_inclusion_proofs_fail(index, size, proof, leaf, root):
    expected = index == 0 and size == 1 and proof == [] and leaf == root
    assert verify_inclusion(index, size, leaf, proof, root) is expected


@settings(max_examples=300, deadline=None)
@given(
    size1=st.integers(1, 2**64 - 1),
    size2=st.integers(1, 2**64 - 1),
    proof=st.lists(st.binary(min_size=32, max_size=32), max_size=140),
    root1=st.binary(min_size=32, max_size=32),
    root2=st.binary(min_size=32, max_size=32),
)
def test_well_typed_random_consistency_proofs_fail(size1, size2, proof, root1, root2):
    expected = size1 == size2 and proof == [] and root1 == root2
    assert verify_consistency(size1, size2, proof, root1, root2) is expected
