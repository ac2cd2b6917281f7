"""TiledLog over a tile store: layout and paths (C2SP tlog-tiles), updates, history, and errors."""

from __future__ import annotations

import dataclasses

import pytest

from tradeledger.merkle import (
    MemoryTileStore,
    MerkleError,
    MissingTileError,
    TiledLog,
    TileUpdate,
    consistency_proof,
    entry_bundle_path,
    inclusion_proof,
    iter_tiles,
    leaf_hash,
    root_hash,
    tile_counts,
    tile_index_path,
    tile_path,
    verify_inclusion,
)
from tradeledger.merkle.tiles import LevelTiles

LEAVES = [leaf_hash(b"tile test %d" % i) for i in range(1200)]


def build(size: int) -> tuple[MemoryTileStore, TiledLog]:
    store = MemoryTileStore()
    log = TiledLog(store)
    store.write_tiles(log.append(0, LEAVES[:size]))
    return store, log


# -- layout and paths ---------------------------------------------------------


@pytest.mark.parametrize(
    "index, path",
    [(0, "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067"),
     (10**9, "x001/x000/x000/000")],
)
def test_tile_index_path(index, path):
    assert tile_index_path(index) == path


def test_tile_and_entry_bundle_paths():
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(0, 1234067, 256) == "tile/0/x001/x234/067"
    assert tile_path(3, 1234067, 5) == "tile/3/x001/x234/067.p/5"
    assert tile_path(63, 0, 255) == "tile/63/000.p/255"
    assert entry_bundle_path(1234067) == "tile/entries/x001/x234/067"
    assert entry_bundle_path(7, 12) == "tile/entries/007.p/12"


@pytest.mark.parametrize(
    "args", [(64, 0, 256), (-1, 0, 256), (0, -1, 256), (0, 0, 0), (0, 0, 257), (True, 0, 1), (0, 1.0, 1)]
)
def test_tile_path_rejects_out_of_range(args):
    with pytest.raises(MerkleError):
        tile_path(*args)


@pytest.mark.parametrize(
    "size, counts",
    [
        (0, []),
        (1, [(0, 0, 1)]),
        (255, [(0, 0, 255)]),
        (256, [(0, 1, 0), (1, 0, 1)]),
        (257, [(0, 1, 1), (1, 0, 1)]),
        (65536, [(0, 256, 0), (1, 1, 0), (2, 0, 1)]),
        (70000, [(0, 273, 112), (1, 1, 17), (2, 0, 1)]),
    ],
)
def test_tile_counts(size, counts):
    assert tile_counts(size) == [LevelTiles(*c) for c in counts]


def test_iter_tiles_lists_full_tiles_then_the_partial_one_per_level():
    assert list(iter_tiles(513)) == [(0, 0, 256), (0, 1, 256), (0, 2, 1), (1, 0, 2)]
    assert list(iter_tiles(0)) == []


# -- appends --------------------------------------------------------------------


def changed_tiles(old: int, new: int) -> set[tuple[int, int]]:
    """The tiles whose content differs between tree sizes old and new (per C2SP tlog-tiles)."""
    keys = set()
    level = 0
    while new >> (8 * level):
        lo, hi = old >> (8 * level), new >> (8 * level)  # hashes at this level
        if hi > lo:
            keys |= {(level, t) for t in range(lo >> 8, ((hi - 1) >> 8) + 1)}
        level += 1
    return keys


@pytest.mark.parametrize("old, batch", [(0, 1), (0, 256), (255, 1), (256, 1), (300, 700), (1, 1199), (1000, 0)])
def test_append_writes_exactly_the_tiles_that_change(old, batch):
    store, log = build(old)
    update = log.append(old, LEAVES[old : old + batch])
    assert set(update.tiles) == changed_tiles(old, old + batch)
    assert len(update.tiles) <= batch // 256 + 2 + len(tile_counts(old + batch))
    assert update.new_size == old + batch
    assert update.root == root_hash(LEAVES[: old + batch])


def test_tile_update_is_frozen():
    update = TiledLog(MemoryTileStore()).append(0, LEAVES[:3])
    with pytest.raises(dataclasses.FrozenInstanceError):
        update.new_size = 4  # type: ignore[misc]  # the write a frozen dataclass refuses, on purpose


def test_append_reads_once_and_only_the_right_edge():
    store, log = build(70 + 256 * 3)
    before = store.read_calls, store.tiles_read
    log.append(store.size, LEAVES[store.size : store.size + 5])
    assert store.read_calls - before[0] == 1
    assert store.tiles_read - before[1] == 2  # the partial tiles at level 0 and level 1


def test_partial_tiles_are_overwritten_and_history_survives():
    store, log = build(300)
    assert len(store.tiles[(0, 1)]) == 44 * 32
    old_root = store.root
    store.write_tiles(log.append(300, LEAVES[300:310]))
    assert len(store.tiles[(0, 1)]) == 54 * 32  # same key, wider value
    # Size 300 is now history, answered from a prefix of the wider tile.
    assert log.root(300) == old_root
    assert log.inclusion_proof(299, 300) == inclusion_proof(299, LEAVES[:300])
    assert log.consistency_proof(300, 310) == consistency_proof(300, LEAVES[:310])


def test_an_update_that_is_never_written_leaves_no_trace():
    """The caller owns the transaction: compute, fail to commit, and the log is as before."""
    store, log = build(300)
    tiles_before = dict(store.tiles)
    log.append(300, LEAVES[300:900])  # computed, then "rolled back"
    assert store.tiles == tiles_before
    update = log.append(300, LEAVES[300:301])
    store.write_tiles(update)
    assert update.root == root_hash(LEAVES[:301])


def test_empty_append_changes_nothing():
    store, log = build(300)
    update = log.append(300, [])
    assert update == TileUpdate(tiles={}, new_size=300, root=root_hash(LEAVES[:300]))
    assert TiledLog(MemoryTileStore()).append(0, []).root == root_hash([])


@pytest.mark.parametrize("stored, claimed", [(300, 299), (300, 256), (256, 0), (512, 256), (1000, 1)])
def test_append_refuses_a_size_behind_the_store(stored, claimed):
    # Appending there would overwrite committed leaves.
    _, log = build(stored)
    with pytest.raises(MerkleError):
        log.append(claimed, LEAVES[:1])


@pytest.mark.parametrize("stored, claimed", [(300, 301), (256, 257), (255, 256), (0, 1), (0, 512)])
def test_append_refuses_a_size_ahead_of_the_store(stored, claimed):
    _, log = build(stored)
    with pytest.raises(MissingTileError):
        log.append(claimed, LEAVES[:1])


@pytest.mark.parametrize("bad", [[b"short"], [LEAVES[0].hex()], [None], LEAVES[0], [bytearray(LEAVES[0])]])
def test_append_rejects_malformed_leaf_hashes(bad):
    with pytest.raises(MerkleError):
        TiledLog(MemoryTileStore()).append(0, bad)


# -- queries --------------------------------------------------------------------------


def test_every_query_is_one_batched_read():
    store, log = build(1200)
    for call in [
        lambda: log.root(1200),
        lambda: log.root(777),
        lambda: log.inclusion_proof(3, 1200),
        lambda: log.inclusion_proof(1199, 1200),
        lambda: log.consistency_proof(100, 1200),
        lambda: log.consistency_proof(1200, 1200),
        lambda: log.leaf_hash(700),
    ]:
        before = store.read_calls
        call()
        assert store.read_calls == before + 1


@pytest.mark.parametrize(
    "query",
    [
        lambda log: log.root(301),
        lambda log: log.root(1000),
        lambda log: log.inclusion_proof(0, 301),
        lambda log: log.inclusion_proof(300, 301),
        lambda log: log.consistency_proof(5, 301),
        lambda log: log.consistency_proof(301, 301),
        lambda log: log.consistency_proof(0, 301),
        lambda log: log.leaf_hash(300),
    ],
)
def test_queries_beyond_the_stored_size_raise(query):
    _, log = build(300)
    with pytest.raises(MissingTileError):
        query(log)


def test_a_missing_tile_error_names_the_tile_and_how_many_hashes_it_lacks():
    _, log = build(300)
    with pytest.raises(MissingTileError) as caught:
        log.root(301)
    assert (caught.value.key, caught.value.needed, caught.value.held) == ((0, 1), 45, 44)
    assert caught.value.reason == "tile (0, 1) holds 44 hashes, 45 needed (tree size beyond the store?)"
    with pytest.raises(MissingTileError) as caught:
        TiledLog(MemoryTileStore()).root(1)
    assert (caught.value.key, caught.value.needed, caught.value.held) == ((0, 0), 1, 0)
    assert "is not stored" in caught.value.reason


@pytest.mark.parametrize(
    "query",
    [
        lambda log: log.inclusion_proof(10, 10),
        lambda log: log.inclusion_proof(-1, 10),
        lambda log: log.inclusion_proof(0, 0),
        lambda log: log.inclusion_proof(True, 10),
        lambda log: log.consistency_proof(11, 10),
        lambda log: log.consistency_proof(-1, 10),
        lambda log: log.consistency_proof(1, None),
        lambda log: log.root(-1),
        lambda log: log.root(1.5),
        lambda log: log.leaf_hash(-1),
    ],
)
def test_out_of_range_requests_raise_merkle_error(query):
    _, log = build(300)
    with pytest.raises(MerkleError):
        query(log)


def test_merkle_error_is_a_value_error():
    assert issubclass(MerkleError, ValueError) and issubclass(MissingTileError, MerkleError)


def test_trivial_queries():
    store, log = build(300)
    assert log.root(0) == root_hash([])
    assert log.consistency_proof(0, 0) == []
    assert log.consistency_proof(0, 300) == []
    assert log.consistency_proof(300, 300) == []


def test_a_corrupt_tile_is_reported():
    store, log = build(300)
    store.tiles[(0, 1)] = store.tiles[(0, 1)][:-1]
    with pytest.raises(MerkleError):
        log.root(300)


def test_stores_may_return_bytes_like_values():
    """Some database drivers return memoryview for BLOB/bytea columns."""
    store, _ = build(600)

    class ViewStore:
        def read_tiles(self, keys):
            return {k: memoryview(v) for k, v in store.read_tiles(keys).items()}

    log = TiledLog(ViewStore())
    proof = log.inclusion_proof(555, 600)
    assert verify_inclusion(555, 600, LEAVES[555], proof, root_hash(LEAVES[:600]))
    assert isinstance(log.leaf_hash(5), bytes)


# -- the in-memory functions' errors -------------------------------------------------------


def test_in_memory_functions_reject_bad_requests():
    with pytest.raises(MerkleError):
        inclusion_proof(5, LEAVES[:5])
    with pytest.raises(MerkleError):
        inclusion_proof(0, [])
    with pytest.raises(MerkleError):
        consistency_proof(6, LEAVES[:5])
    with pytest.raises(MerkleError):
        consistency_proof(-1, LEAVES[:5])
    with pytest.raises(MerkleError):
        root_hash([LEAVES[0], b"x" * 31])
    with pytest.raises(MerkleError):
        root_hash(LEAVES[0])  # one hash, not a list of them
    assert consistency_proof(5, LEAVES[:5]) == []
    assert consistency_proof(0, []) == []


def test_leaf_hash_rejects_text_and_ints():
    with pytest.raises(TypeError):
        leaf_hash("text")  # type: ignore[arg-type]  # the wrong type, on purpose
    with pytest.raises(TypeError):
        leaf_hash(5)  # type: ignore[arg-type]  # the wrong type, on purpose
    assert leaf_hash(bytearray(b"ab")) == leaf_hash(b"ab") == leaf_hash(memoryview(b"ab"))
