"""Nodes: the embedded network (one process, solo orderer, SQLite) and its on-disk layout."""

from tradeledger.node.embedded import EmbeddedNetwork
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.receipts import Receipt
from tradeledger.runtime.setup import DEMO_ORGANIZATIONS, create_network

__all__ = ["DEMO_ORGANIZATIONS", "EmbeddedNetwork", "NetworkError", "Receipt", "create_network"]
