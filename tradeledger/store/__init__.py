"""Peer stores behind one interface (DESIGN.md decision 9): SQLite by default, PostgreSQL
for a node that outgrows one file, chosen by a URL (`open_store`)."""

from tradeledger.store.base import BlockCommit, Head, Store, StoreError, TxRecord
from tradeledger.store.sqlite import SQLiteStore
from tradeledger.store.url import open_store

__all__ = ["BlockCommit", "Head", "Store", "StoreError", "TxRecord", "SQLiteStore", "open_store"]
