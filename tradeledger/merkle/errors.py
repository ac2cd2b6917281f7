"""Exceptions raised by the non-verifying APIs of :mod:`tradeledger.merkle`.

The ``verify_*`` functions never raise: they answer ``False`` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradeledger.errors import TradeledgerError

if TYPE_CHECKING:  # tiles imports this module
    from tradeledger.merkle.tiles import TileKey


class MerkleError(TradeledgerError, ValueError):
    """A request outside the tree: bad index or size, malformed hash, and the like."""


class MissingTileError(MerkleError):
    """The tile store lacks a tile (or enough of one) that the request needs.

    Either the requested tree size is beyond what the store holds, or the
    store is inconsistent with the size the caller believes it holds.
    ``needed`` is how many hashes of tile ``key`` the request reads, ``held``
    how many the store has (0: no such tile; a stored tile is never empty).
    """

    def __init__(self, key: TileKey, needed: int, held: int = 0) -> None:
        found = "is not stored" if held == 0 else f"holds {held} hashes, {needed} needed"
        super().__init__(f"tile {key} {found} (tree size beyond the store?)")
        self.key = key
        self.needed = needed
        self.held = held
