"""The orderer interface shared by the solo (embedded) and JetStream (cluster) engines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tradeledger.errors import TradeledgerError
from tradeledger.ledger.block import OrderedItem


class OrdererError(TradeledgerError, RuntimeError):
    """The orderer could not accept or deliver items."""


class Orderer(Protocol):
    def submit(self, payloads: Sequence[bytes], cut: bool = False) -> list[int]:
        """Append envelopes durably, then a cut marker when `cut`; return the envelopes'
        stream positions (the "ordered" acknowledgement)."""
        ...

    def cut(self) -> int:
        """Append a cut marker; the pending block closes at it."""
        ...

    def read(self, from_position: int, limit: int = 10_000) -> list[OrderedItem]:
        """Items at positions >= from_position, in order, at most `limit`."""
        ...

    def last_position(self) -> int: ...

    def close(self) -> None: ...
