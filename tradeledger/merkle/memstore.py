"""A dict-backed tile store, for tests, tools and benchmarks."""

from __future__ import annotations

from collections.abc import Collection

from tradeledger.merkle.log import TileUpdate
from tradeledger.merkle.tiles import TileKey


class MemoryTileStore:
    """Holds tiles in a dict; implements :class:`~tradeledger.merkle.log.TileReader`.

    ``write_tiles`` persists a :class:`~tradeledger.merkle.log.TileUpdate` the
    way any store must: every tile replaces the value under its key, and the
    size and root move forward together. ``read_calls`` and ``tiles_read``
    count traffic, so tests can check how much an operation reads.
    """

    def __init__(self) -> None:
        self.tiles: dict[TileKey, bytes] = {}
        self.size = 0
        self.root: bytes | None = None
        self.read_calls = 0
        self.tiles_read = 0

    def read_tiles(self, keys: Collection[TileKey]) -> dict[TileKey, bytes]:
        self.read_calls += 1
        found = {key: self.tiles[key] for key in keys if key in self.tiles}
        self.tiles_read += len(found)
        return found

    def write_tiles(self, update: TileUpdate) -> None:
        self.tiles.update(update.tiles)
        self.size = update.new_size
        self.root = update.root
