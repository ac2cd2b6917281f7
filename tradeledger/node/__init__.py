"""Nodes: the embedded network (one process, solo orderer, SQLite) and its on-disk layout."""

from tradeledger.node.embedded import EmbeddedNetwork, NetworkError, Receipt
from tradeledger.node.setup import DEMO_ORGANIZATIONS, create_network

__all__ = ["DEMO_ORGANIZATIONS", "EmbeddedNetwork", "NetworkError", "Receipt", "create_network"]
