"""tradeledger: a shared, tamper-evident ledger for trade documents and compliance workflows."""

__version__ = "0.1.0"
