"""Every section of the shared RFC 9162 / tlog-tiles vector file, checked against the code.

data/merkle_rfc9162_vectors.json is a verbatim copy of
/work/shared/vectors/merkle_rfc9162_vectors.json; it names its upstream
sources (transparency-dev/merkle, ietf-plants-wg/merkle-tree-certs, C2SP).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from merkle_naive import path_sides, subproof_shape

from tradeledger.merkle import (
    EMPTY_ROOT,
    FULL_TILE_BYTES,
    MemoryTileStore,
    TiledLog,
    consistency_proof,
    inclusion_proof,
    iter_tiles,
    leaf_hash,
    node_hash,
    root_hash,
    tile_counts,
    tile_index_path,
    tile_path,
    verify_consistency,
    verify_inclusion,
)
from tradeledger.merkle.tiles import LevelTiles

VECTORS = json.loads((Path(__file__).parent / "data" / "merkle_rfc9162_vectors.json").read_text())
H = bytes.fromhex

LEAF_INPUTS = [H(x) for x in VECTORS["leaf_inputs_hex"]]
LEAF_HASHES = [leaf_hash(d) for d in LEAF_INPUTS]
INCLUSION = VECTORS["inclusion_proofs_public"]
CONSISTENCY = VECTORS["consistency_proofs_public"]
TILES = VECTORS["tlog_tiles_examples"]


def test_vector_file_has_the_sections_this_module_checks():
    assert set(VECTORS) == {
        "description",
        "source",
        "hash_primitives",
        "leaf_inputs_hex",
        "node_hashes_by_level",
        "roots_by_tree_size",
        "inclusion_proofs_public",
        "consistency_proofs_public",
        "tlog_tiles_examples",
    }
    assert {s["repo"] for s in VECTORS["source"]} == {"transparency-dev/merkle", "ietf-plants-wg/merkle-tree-certs"}


@pytest.fixture(scope="module")
def tiled_log() -> TiledLog:
    """The eight vector leaves, appended one at a time into a tile store."""
    store = MemoryTileStore()
    log = TiledLog(store)
    for h in LEAF_HASHES:
        store.write_tiles(log.append(store.size, [h]))
    return log


# -- hash primitives (RFC 9162 §2.1.1) -------------------------------------


class TestHashPrimitives:
    vectors = {v["desc"]: v for v in VECTORS["hash_primitives"]}

    def test_all_primitive_vectors_are_covered(self):
        assert len(self.vectors) == 4

    def test_empty_tree_root_is_sha256_of_empty_string(self):
        (v,) = [v for d, v in self.vectors.items() if d.startswith("empty tree root")]
        assert EMPTY_ROOT == H(v["want"])
        assert root_hash([]) == H(v["want"])

    def test_leaf_hash_of_empty_input(self):
        (v,) = [v for d, v in self.vectors.items() if d.startswith("leaf hash of empty")]
        assert leaf_hash(H(v["input_hex"])) == H(v["want"])

    def test_leaf_hash_of_ascii_input(self):
        (v,) = [v for v in self.vectors.values() if "input_ascii" in v]
        assert leaf_hash(v["input_ascii"].encode("ascii")) == H(v["want"])

    def test_node_hash_of_raw_child_bytes(self):
        (v,) = [v for v in self.vectors.values() if "left_ascii" in v]
        assert node_hash(v["left_ascii"].encode(), v["right_ascii"].encode()) == H(v["want"])


# -- roots and interior nodes (RFC 9162 §2.1.1) ------------------------------


@pytest.mark.parametrize("size", sorted(int(s) for s in VECTORS["roots_by_tree_size"]))
def test_root_by_tree_size(size, tiled_log):
    want = H(VECTORS["roots_by_tree_size"][str(size)])
    assert root_hash(LEAF_HASHES[:size]) == want
    assert tiled_log.root(size) == want


def test_node_hashes_by_level():
    """Level l, entry i is MTH of the perfect subtree D[i*2**l : (i+1)*2**l]."""
    levels = VECTORS["node_hashes_by_level"]
    assert [len(row) for row in levels] == [8, 4, 2, 1]
    assert [h.hex() for h in LEAF_HASHES] == levels[0]
    for level, row in enumerate(levels):
        width = 1 << level
        for i, want in enumerate(row):
            assert root_hash(LEAF_HASHES[i * width : (i + 1) * width]) == H(want)
        if level:
            # ...and each is node_hash of its two children one level down.
            below = levels[level - 1]
            for i, want in enumerate(row):
                assert node_hash(H(below[2 * i]), H(below[2 * i + 1])) == H(want)


# -- inclusion proofs (RFC 9162 §2.1.3) ------------------------------------


def _flip(h: bytes, bit: int = 0) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


def shape_changing_sizes(size, changes_shape):
    """Wrong sizes near *size* for which the proof shape differs (see merkle_naive).

    A wrong size that leaves the shape unchanged is *not* detectable by any
    verifier (test_same_shape_sizes_are_indistinguishable below); every one
    that changes it must be rejected.
    """
    candidates = [size - 2, size - 1, size + 1, size + 2, size + 3, 2 * size, 2 * size + 1, 1000]
    return [s for s in candidates if s >= 0 and s != size and changes_shape(s)]


def inclusion_mutations(v):
    """(description, args) for altered versions of a correct inclusion proof, none of which verifies."""
    i, n, leaf, root = v["leaf_index"], v["tree_size"], H(v["leaf_hash"]), H(v["root"])
    proof = [H(p) for p in v["proof"]]
    yield "flipped leaf hash bit", (i, n, _flip(leaf), proof, root)
    yield "flipped root bit", (i, n, leaf, proof, _flip(root, 7))
    for k in range(len(proof)):
        yield f"flipped bit in proof[{k}]", (i, n, leaf, proof[:k] + [_flip(proof[k], 3)] + proof[k + 1 :], root)
        yield f"31-byte proof[{k}]", (i, n, leaf, proof[:k] + [proof[k][:31]] + proof[k + 1 :], root)
        yield f"33-byte proof[{k}]", (i, n, leaf, proof[:k] + [proof[k] + b"\0"] + proof[k + 1 :], root)
    for wrong in (i + 1, i - 1, n, n + 1):
        if 0 <= wrong != i:
            yield f"wrong index {wrong}", (wrong, n, leaf, proof, root)
    for wrong in shape_changing_sizes(n, lambda s: s > i and path_sides(i, s) != path_sides(i, n)):
        yield f"wrong size {wrong}", (i, wrong, leaf, proof, root)
    if proof:
        yield "truncated proof (last dropped)", (i, n, leaf, proof[:-1], root)
        yield "truncated proof (first dropped)", (i, n, leaf, proof[1:], root)
        yield "reversed proof", (i, n, leaf, proof[::-1], root) if len(proof) > 1 else (i, n, leaf, [], root)
    yield "extended proof (leaf appended)", (i, n, leaf, proof + [leaf], root)
    yield "extended proof (root appended)", (i, n, leaf, proof + [root], root)
    yield "31-byte leaf hash", (i, n, leaf[:31], proof, root)
    yield "31-byte root", (i, n, leaf, proof, root[:31])
    yield "leaf data instead of leaf hash", (i, n, bytes.fromhex(v["leaf_input_hex"]), proof, root)


@pytest.mark.parametrize("v", INCLUSION, ids=lambda v: f"leaf{v['leaf_index']}-of-{v['tree_size']}")
class TestPublicInclusionProofs:
    def test_leaf_hash_matches_leaf_input(self, v):
        assert leaf_hash(H(v["leaf_input_hex"])) == H(v["leaf_hash"])
        assert LEAF_HASHES[v["leaf_index"]] == H(v["leaf_hash"])

    def test_generated_proof_equals_vector(self, v, tiled_log):
        want = [H(p) for p in v["proof"]]
        size, index = v["tree_size"], v["leaf_index"]
        assert inclusion_proof(index, LEAF_HASHES[:size]) == want
        assert tiled_log.inclusion_proof(index, size) == want
        assert root_hash(LEAF_HASHES[:size]) == H(v["root"])

    def test_vector_proof_verifies(self, v):
        proof = [H(p) for p in v["proof"]]
        assert verify_inclusion(v["leaf_index"], v["tree_size"], H(v["leaf_hash"]), proof, H(v["root"])) is True
        # Tuples are sequences too.
        assert verify_inclusion(v["leaf_index"], v["tree_size"], H(v["leaf_hash"]), tuple(proof), H(v["root"]))

    def test_mutated_proofs_fail(self, v):
        mutations = dict(inclusion_mutations(v))
        assert any(d.startswith("wrong size") for d in mutations)
        assert any(d.startswith("wrong index") for d in mutations)
        for desc, args in mutations.items():
            assert verify_inclusion(*args) is False, desc


# -- consistency proofs (RFC 9162 §2.1.4) ------------------------------------


def consistency_mutations(v):
    """(description, args) for altered versions of a correct consistency proof, none of which verifies."""
    m, n, r1, r2 = v["size1"], v["size2"], H(v["root1"]), H(v["root2"])
    proof = [H(p) for p in v["proof"]]
    yield "flipped root1 bit", (m, n, proof, _flip(r1), r2)
    yield "flipped root2 bit", (m, n, proof, r1, _flip(r2, 5))
    for k in range(len(proof)):
        yield f"flipped bit in proof[{k}]", (m, n, proof[:k] + [_flip(proof[k], 1)] + proof[k + 1 :], r1, r2)
        yield f"31-byte proof[{k}]", (m, n, proof[:k] + [proof[k][:31]] + proof[k + 1 :], r1, r2)
    for wrong in shape_changing_sizes(m, lambda s: 0 < s <= n and subproof_shape(s, n) != subproof_shape(m, n)):
        yield f"wrong size1 {wrong}", (wrong, n, proof, r1, r2)
    yield "size1 0", (0, n, proof, r1, r2)
    for wrong in shape_changing_sizes(n, lambda s: s >= m and subproof_shape(m, s) != subproof_shape(m, n)):
        yield f"wrong size2 {wrong}", (m, wrong, proof, r1, r2)
    yield "size2 below size1", (m, m - 1, proof, r1, r2)
    yield "sizes swapped", (n, m, proof, r2, r1) if m != n else (m, n, proof, r2, _flip(r1))
    yield "roots swapped", (m, n, proof, r2, r1) if r1 != r2 else (m, n, proof, r1, _flip(r2))
    if proof:
        yield "truncated proof (last dropped)", (m, n, proof[:-1], r1, r2)
        yield "truncated proof (first dropped)", (m, n, proof[1:], r1, r2)
    yield "extended proof (root2 appended)", (m, n, proof + [r2], r1, r2)
    yield "extended proof (root1 prepended)", (m, n, [r1] + proof, r1, r2)
    yield "31-byte root1", (m, n, proof, r1[:31], r2)
    yield "31-byte root2", (m, n, proof, r1, r2[:31])


@pytest.mark.parametrize("v", CONSISTENCY, ids=lambda v: f"{v['size1']}-to-{v['size2']}")
class TestPublicConsistencyProofs:
    def test_roots_match_the_leaves(self, v):
        assert root_hash(LEAF_HASHES[: v["size1"]]) == H(v["root1"])
        assert root_hash(LEAF_HASHES[: v["size2"]]) == H(v["root2"])

    def test_generated_proof_equals_vector(self, v, tiled_log):
        want = [H(p) for p in v["proof"]]
        assert consistency_proof(v["size1"], LEAF_HASHES[: v["size2"]]) == want
        assert tiled_log.consistency_proof(v["size1"], v["size2"]) == want

    def test_vector_proof_verifies(self, v):
        proof = [H(p) for p in v["proof"]]
        assert verify_consistency(v["size1"], v["size2"], proof, H(v["root1"]), H(v["root2"])) is True

    def test_mutated_proofs_fail(self, v):
        mutations = dict(consistency_mutations(v))
        assert any(d.startswith("wrong size2") for d in mutations)
        for desc, args in mutations.items():
            assert verify_consistency(*args) is False, desc


def test_same_shape_sizes_are_indistinguishable():
    """What a verifier cannot see: claimed sizes with the same proof shape.

    The proof of leaf 0 in the size-8 tree combines three right siblings; so
    would a proof of leaf 0 in a size-7 tree, so the same hashes verify under
    either claimed size. RFC 9162 binds the size through the signed tree head
    (root and size are signed together), not through the proof.
    """
    v = INCLUSION[1]
    assert (v["leaf_index"], v["tree_size"]) == (0, 8)
    assert path_sides(0, 7) == path_sides(0, 8) == ("R", "R", "R")
    proof = [H(p) for p in v["proof"]]
    assert verify_inclusion(0, 7, H(v["leaf_hash"]), proof, H(v["root"]))
    assert not verify_inclusion(0, 4, H(v["leaf_hash"]), proof, H(v["root"]))


# -- C2SP tlog-tiles examples -------------------------------------------------


def test_tile_index_path_example():
    for index, want in TILES["tile_index_path"].items():
        if index.isdigit():
            assert tile_index_path(int(index)) == want
            assert tile_path(0, int(index)) == f"tile/0/{want}"


def test_tree_size_70000_tile_counts():
    want = [LevelTiles(c["level"], c["full_tiles"], c["partial_width"]) for c in TILES["tree_size_70000"]["computed"]]
    assert tile_counts(70000) == want
    # The prose form of the same example from the spec.
    assert TILES["tree_size_70000"]["want"].startswith("273 full level-0 tiles + partial level-0 width 112")


def test_tree_size_256_is_one_full_level0_tile_and_a_level1_tile_of_width_1():
    assert "one full level-0 tile and a partial level-1 tile of width 1" in TILES["tree_size_256"]
    assert list(iter_tiles(256)) == [(0, 0, 256), (1, 0, 1)]
    store = MemoryTileStore()
    log = TiledLog(store)
    leaves = [leaf_hash(b"%d" % i) for i in range(256)]
    store.write_tiles(log.append(0, leaves))
    assert {k: len(v) // 32 for k, v in store.tiles.items()} == {(0, 0): 256, (1, 0): 1}
    assert store.tiles[(1, 0)] == root_hash(leaves)


@pytest.fixture(scope="module")
def log_70000():
    store = MemoryTileStore()
    log = TiledLog(store)
    leaves = [leaf_hash(b"leaf %d" % i) for i in range(70000)]
    for start in range(0, 70000, 9999):  # batches that straddle tile edges
        store.write_tiles(log.append(store.size, leaves[start : start + 9999]))
    return store, log, leaves


def test_a_built_log_of_70000_stores_exactly_the_spec_tiles(log_70000):
    store, _, _ = log_70000
    stored = sorted((level, index, len(tile) // 32) for (level, index), tile in store.tiles.items())
    assert stored == sorted(iter_tiles(70000))
    assert len([t for t in stored if t[0] == 0]) == 274
    assert (0, 273, 112) in stored and (1, 1, 17) in stored and (2, 0, 1) in stored
    assert tile_path(0, 273, 112) == "tile/0/273.p/112"
    assert tile_path(1, 1, 17) == "tile/1/001.p/17"
    assert tile_path(2, 0, 1) == "tile/2/000.p/1"


def test_tile_constants_full_tile_size_and_entry_definition(log_70000):
    """'full tile = 256 hashes = 8192 bytes; tile hash i at level l = MTH(D[(n*256+i)*256**l : (n*256+i+1)*256**l])'."""
    store, _, leaves = log_70000
    assert "8192 bytes" in TILES["constants"] and FULL_TILE_BYTES == 8192
    assert all(len(store.tiles[(0, n)]) == 8192 for n in range(273))
    for (level, n), i in [((0, 5), 17), ((1, 0), 0), ((1, 0), 255), ((1, 1), 16), ((2, 0), 0)]:
        tile = store.tiles[(level, n)]
        start, end = (n * 256 + i) * 256**level, (n * 256 + i + 1) * 256**level
        assert tile[i * 32 : (i + 1) * 32] == root_hash(leaves[start:end])
