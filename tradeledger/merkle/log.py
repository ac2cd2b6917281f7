"""A Merkle tree log persisted as C2SP tlog-tiles, with storage left to the caller.

:class:`TiledLog` computes; it never writes. It reads tiles through a
:class:`TileReader` the caller supplies, and :meth:`TiledLog.append` returns a
:class:`TileUpdate` the caller writes itself, in its own transaction, next to
whatever else it commits (entries, the new checkpoint). The log keeps no state
of its own between calls, not even its size: the caller passes the size it has
committed, so a rolled-back transaction leaves nothing stale behind.

Costs, with 256-wide tiles and n leaves:

* ``root``, ``inclusion_proof``, ``consistency_proof``, ``leaf_hash``: one
  batched read of at most 2 * ceil(log256 n) + 1 tiles (at n = 10**8, at
  most 9; 7 in practice) and at most 255 hashes per tile read, whatever n
  is. Tiles near the top and right edge of the tree are memoized by content
  (see ``_tile_rows``), so in practice most of that hashing is the level-0
  tile of the leaf being proven.
* ``append`` of B leaves: one batched read of the right-edge (partial) tiles,
  about B + B/255 hashes, and B/256 + log256 n + 1 tiles to write.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from tradeledger.merkle.errors import MerkleError, MissingTileError
from tradeledger.merkle.hashing import EMPTY_ROOT, HASH_SIZE, node_hash, perfect_root, perfect_rows
from tradeledger.merkle.shape import consistency_nodes, inclusion_nodes, perfect_pieces
from tradeledger.merkle.tiles import FULL_TILE_BYTES, TILE_HEIGHT, TILE_WIDTH, TileKey, tile_counts
from tradeledger.merkle.tree import checked_leaf_hashes

_LOW = TILE_WIDTH - 1  # mask for the position of an entry inside its tile


class TileReader(Protocol):
    """Where a :class:`TiledLog` reads tiles from.

    ``read_tiles`` returns the stored value of each requested key it holds
    (keys it lacks are simply absent from the result). A store keeps one value
    per key, the latest: a partial tile is overwritten by its wider versions
    and finally by the full tile, and an older tree size only ever needs a
    prefix of what is stored. SQL stores answer with a single
    ``SELECT ... WHERE (level, idx) IN (...)``; every TiledLog operation makes
    at most one call.
    """

    def read_tiles(self, keys: Collection[TileKey]) -> Mapping[TileKey, bytes]: ...


@dataclass(frozen=True)
class TileUpdate:
    """The outcome of :meth:`TiledLog.append`, for the caller to persist atomically.

    ``tiles`` maps every tile the append created or grew to its complete new
    value (full or partial). Write each one, replacing any value already
    stored under the same key, in the same transaction that records
    ``new_size`` (and ``root``, e.g. in a signed checkpoint). Nothing else
    needs deleting: a level's partial tile is always rewritten under the same
    key as it grows.
    """

    tiles: dict[TileKey, bytes]
    new_size: int
    root: bytes


def _check_count(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise MerkleError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise MerkleError(f"{name} must be non-negative, got {value}")
    return value


@lru_cache(maxsize=256)
def _tile_rows(tile: bytes) -> tuple[bytes, ...]:
    """The rows of the binary tree inside a tile, memoized by the tile's *content*.

    Row r packs the MTHs of the aligned runs of 2**r entries that the tile
    holds completely. Keyed by content, the memo can never serve a stale
    answer whatever the caller's transactions do to the store: a changed tile
    is a different key. The bound (256 tiles, a few MB) keeps the tiles near
    the top and the right edge of the tree, which most proofs cross; the
    level-0 tiles of random old leaves mostly miss and cost 255 hashes.
    """
    return perfect_rows(tile, len(tile) // HASH_SIZE)


def _locate(start: int, height: int) -> tuple[TileKey, int, int]:
    """Where the perfect subtree of 2**height leaves at *start* lives in the tiles.

    It is the MTH of ``count`` consecutive entries, from ``offset``, of one
    tile: the tile level is the number of whole tile heights in *height*, and
    the remaining (height mod 8) levels are rebuilt from the tile's entries.
    Alignment (start is a multiple of 2**height, guaranteed by
    :mod:`~tradeledger.merkle.shape`) keeps the run inside one tile.
    """
    level = height >> 3
    position = start >> (TILE_HEIGHT * level)  # index of the first entry at that level
    return (level, position >> TILE_HEIGHT), position & _LOW, 1 << (height & 7)


class TiledLog:
    """RFC 9162 Merkle tree over C2SP tlog-tiles read through a :class:`TileReader`.

    Proofs and roots work for every tree size up to the size the store
    holds; requests for larger sizes raise :class:`MissingTileError`, and
    malformed or out-of-range arguments raise :class:`MerkleError` (its base
    class). The log holds no state besides the reader and is safe to share.
    """

    def __init__(self, reader: TileReader) -> None:
        self.reader = reader

    # -- reading ---------------------------------------------------------

    def _read(self, keys: Collection[TileKey]) -> dict[TileKey, bytes]:
        """One batched read, with each returned tile checked to be well formed."""
        if not keys:
            return {}
        tiles: dict[TileKey, bytes] = {}
        for key, raw in self.reader.read_tiles(keys).items():
            if key not in keys:
                continue
            # Drivers hand back bytes-like values (psycopg2 gives memoryview).
            tile = raw if isinstance(raw, bytes) else bytes(memoryview(raw))
            if not tile or len(tile) % HASH_SIZE or len(tile) > FULL_TILE_BYTES:
                raise MerkleError(f"stored tile {key} is {len(tile)} bytes: not 1..256 hashes")
            tiles[key] = tile
        return tiles

    @staticmethod
    def _require(tiles: Mapping[TileKey, bytes], need: Mapping[TileKey, int]) -> None:
        for key, width in need.items():
            tile = tiles.get(key)
            if tile is None:
                raise MissingTileError(key, width)
            if len(tile) < width * HASH_SIZE:
                raise MissingTileError(key, width, len(tile) // HASH_SIZE)

    def _fetch(self, need: Mapping[TileKey, int]) -> dict[TileKey, bytes]:
        tiles = self._read(frozenset(need))
        self._require(tiles, need)
        return tiles

    # -- planning and hashing ---------------------------------------------

    @staticmethod
    def _need_node(need: dict[TileKey, int], start: int, end: int) -> None:
        """Record the tile entries needed to hash the tree node [start, end)."""
        for piece_start, height in perfect_pieces(start, end):
            key, offset, count = _locate(piece_start, height)
            if need.get(key, 0) < offset + count:
                need[key] = offset + count

    @staticmethod
    def _need_leaf(need: dict[TileKey, int], index: int) -> None:
        # Asking for the last leaf of a tree size is what makes a request for
        # a size the store does not yet hold fail loudly instead of silently.
        key = (0, index >> TILE_HEIGHT)
        need[key] = max(need.get(key, 0), (index & _LOW) + 1)

    @staticmethod
    def _node_hash(tiles: Mapping[TileKey, bytes], start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a node of the tree, from tiles already read (RFC 9162 §2.1.1)."""
        acc = b""
        # Fold right to left: node_hash(P1, node_hash(P2, ... Pk)).
        for piece_start, height in reversed(perfect_pieces(start, end)):
            key, offset, count = _locate(piece_start, height)
            tile = tiles[key]
            if count == 1:  # a stored entry as is
                piece = tile[offset * HASH_SIZE : (offset + 1) * HASH_SIZE]
            else:
                # Row r = height mod 8 of the tile's tree; the piece is its
                # (offset / 2**r)-th hash. Pieces lie inside the tree size, so
                # the tile holds all 2**r entries and the row has that hash.
                position = (offset >> (height & 7)) * HASH_SIZE
                piece = _tile_rows(tile)[height & 7][position : position + HASH_SIZE]
            acc = node_hash(piece, acc) if acc else piece
        return acc

    # -- queries ------------------------------------------------------------

    def root(self, size: int) -> bytes:
        """MTH of the first *size* leaves (RFC 9162 §2.1.1): the root at tree size *size*."""
        _check_count("size", size)
        if size == 0:
            return EMPTY_ROOT
        need: dict[TileKey, int] = {}
        self._need_node(need, 0, size)
        return self._node_hash(self._fetch(need), 0, size)

    def leaf_hash(self, index: int) -> bytes:
        """The hash of leaf *index*, as stored in its level-0 tile."""
        _check_count("index", index)
        need: dict[TileKey, int] = {}
        self._need_leaf(need, index)
        (tile,) = self._fetch(need).values()
        offset = (index & _LOW) * HASH_SIZE
        return tile[offset : offset + HASH_SIZE]

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[size]) (RFC 9162 §2.1.3.1), read from O(log n) tiles."""
        _check_count("index", index)
        _check_count("size", size)
        if index >= size:
            raise MerkleError(f"leaf index {index} outside tree of size {size}")
        nodes = inclusion_nodes(index, size)
        need: dict[TileKey, int] = {}
        for start, end in nodes:
            self._need_node(need, start, end)
        self._need_leaf(need, size - 1)
        tiles = self._fetch(need)
        return [self._node_hash(tiles, start, end) for start, end in nodes]

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1), read from O(log n) tiles.

        Empty when size1 == size2 or size1 == 0 (see ``verify_consistency``).
        """
        _check_count("size1", size1)
        _check_count("size2", size2)
        if size1 > size2:
            raise MerkleError(f"size1 {size1} is larger than size2 {size2}")
        if size2 == 0:
            return []
        nodes = [] if size1 in (0, size2) else consistency_nodes(size1, size2)
        need: dict[TileKey, int] = {}
        for start, end in nodes:
            self._need_node(need, start, end)
        self._need_leaf(need, size2 - 1)
        tiles = self._fetch(need)
        return [self._node_hash(tiles, start, end) for start, end in nodes]

    # -- appending ------------------------------------------------------------

    def append(self, size: int, leaf_hashes: Sequence[bytes]) -> TileUpdate:
        """Append *leaf_hashes* to the log the store holds at tree size *size*.

        Reads only the right-edge tiles (one partial tile per level, in one
        call) and returns the tiles to write: the level-0 tiles the new
        leaves land in and, at each level above, the tile that gains the hash
        of every tile completed below. Raises :class:`MerkleError` if the
        store does not hold exactly *size* leaves (a stale or wrong size would
        otherwise overwrite committed leaves).
        """
        _check_count("size", size)
        leaves = checked_leaf_hashes(leaf_hashes)

        edge = {(lv.level, lv.full_tiles): lv.partial_width for lv in tile_counts(size) if lv.partial_width}
        # The level-0 tile where leaf `size` would go must hold exactly
        # size % 256 hashes (be absent if 0): more means the store is ahead.
        next_leaf_tile = (0, size >> TILE_HEIGHT)
        tiles = self._read(frozenset(edge) | {next_leaf_tile})
        self._require(tiles, edge)
        held = len(tiles.get(next_leaf_tile, b"")) // HASH_SIZE
        if held != size & _LOW or any(len(tiles[k]) != w * HASH_SIZE for k, w in edge.items()):
            raise MerkleError(f"the store holds more than {size} leaves; append needs the current size")

        new_tiles: dict[TileKey, bytes] = {}
        pending = leaves  # hashes to add at `level`
        level, count = 0, size  # count: hashes at `level` before this append
        while pending:
            first_tile = count >> TILE_HEIGHT
            partial = tiles.get((level, first_tile), b"") if count & _LOW else b""
            run = partial + b"".join(pending)
            pending = []
            for offset in range(0, len(run), FULL_TILE_BYTES):
                tile = run[offset : offset + FULL_TILE_BYTES]
                new_tiles[(level, first_tile + offset // FULL_TILE_BYTES)] = tile
                if len(tile) == FULL_TILE_BYTES:
                    # Only full tiles are hashed into the level above (C2SP
                    # tlog-tiles: partial tiles MUST NOT be).
                    pending.append(perfect_root(tile, TILE_WIDTH))
            level += 1
            count >>= TILE_HEIGHT

        new_size = size + len(leaves)
        if new_size == 0:
            root = EMPTY_ROOT
        else:
            # Every tile the new root needs is a right-edge tile: either just
            # written or, for levels the append did not reach, read above.
            root = self._node_hash({**tiles, **new_tiles}, 0, new_size)
        return TileUpdate(tiles=new_tiles, new_size=new_size, root=root)
