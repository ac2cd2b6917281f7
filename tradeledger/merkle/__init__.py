"""RFC 9162 (Certificate Transparency v2) Merkle tree log, stored as C2SP tlog-tiles.

Pure computation: no I/O, standard library only.

* Hash primitives: :func:`leaf_hash`, :func:`node_hash`, :data:`EMPTY_ROOT`.
* In-memory trees from a list of leaf hashes: :func:`root_hash`,
  :func:`inclusion_proof`, :func:`consistency_proof`, :func:`all_inclusion_proofs`.
* Verification, total (returns False, never raises):
  :func:`verify_inclusion`, :func:`verify_consistency`; :func:`inclusion_root` gives
  the root a proof leads to, or None.
* A persistent log over tiles in a caller-supplied store: :class:`TiledLog`,
  :class:`TileReader`, :class:`TileUpdate`, :class:`MemoryTileStore`, and the
  tile layout helpers :func:`tile_path`, :func:`tile_counts`, :func:`iter_tiles`.
"""

from tradeledger.merkle.errors import MerkleError, MissingTileError
from tradeledger.merkle.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash
from tradeledger.merkle.log import TiledLog, TileReader, TileUpdate
from tradeledger.merkle.memstore import MemoryTileStore
from tradeledger.merkle.tiles import (
    FULL_TILE_BYTES,
    TILE_WIDTH,
    LevelTiles,
    TileKey,
    entry_bundle_path,
    iter_tiles,
    tile_counts,
    tile_index_path,
    tile_path,
)
from tradeledger.merkle.tree import all_inclusion_proofs, consistency_proof, inclusion_proof, root_hash
from tradeledger.merkle.verify import inclusion_root, verify_consistency, verify_inclusion

__all__ = [
    "EMPTY_ROOT",
    "FULL_TILE_BYTES",
    "HASH_SIZE",
    "TILE_WIDTH",
    "LevelTiles",
    "MemoryTileStore",
    "MerkleError",
    "MissingTileError",
    "TileKey",
    "TileReader",
    "TileUpdate",
    "TiledLog",
    "all_inclusion_proofs",
    "consistency_proof",
    "entry_bundle_path",
    "inclusion_proof",
    "inclusion_root",
    "iter_tiles",
    "leaf_hash",
    "node_hash",
    "root_hash",
    "tile_counts",
    "tile_index_path",
    "tile_path",
    "verify_consistency",
    "verify_inclusion",
]
