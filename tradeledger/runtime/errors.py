"""Errors of the runtimes (the embedded network and the cluster nodes)."""

from __future__ import annotations

from tradeledger.errors import TradeledgerError


class NetworkError(TradeledgerError, RuntimeError):
    """The network folder or a node cannot be used as asked."""
