"""Peer stores behind one interface (DESIGN.md decision 9): SQLite now, PostgreSQL later."""

from tradeledger.store.base import BlockCommit, Head, Store, StoreError, TxRecord
from tradeledger.store.sqlite import SQLiteStore

__all__ = ["BlockCommit", "Head", "Store", "StoreError", "TxRecord", "SQLiteStore"]
