"""Ordering engines behind one small interface (DESIGN.md decision 8).

The orderer only fixes the order of envelopes: submit bytes, read the stream from a
position. Peers do not know whether they run on the solo orderer or on JetStream.
"""

from tradeledger.ordering.base import Orderer, OrdererError
from tradeledger.ordering.solo import SoloOrderer

__all__ = ["Orderer", "OrdererError", "SoloOrderer"]
