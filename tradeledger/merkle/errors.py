"""Exceptions raised by the non-verifying APIs of :mod:`tradeledger.merkle`.

The ``verify_*`` functions never raise: they answer ``False`` instead.
"""

from __future__ import annotations

from tradeledger.errors import TradeledgerError


class MerkleError(TradeledgerError, ValueError):
    """A request outside the tree: bad index or size, malformed hash, and the like."""


class MissingTileError(MerkleError):
    """The tile store lacks a tile (or enough of one) that the request needs.

    Either the requested tree size is beyond what the store holds, or the
    store is inconsistent with the size the caller believes it holds.
    """

    def __init__(self, message: str, key: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.key = key
