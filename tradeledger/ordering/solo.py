"""The solo orderer: the embedded default, a single SQLite file in the network folder.

An envelope is acknowledged as "ordered" only after its row is committed with
`synchronous=FULL`, so a process killed at any instant loses no acknowledged envelope.
Timestamps never go backwards, so block times are monotone even if the clock steps back.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from tradeledger.ledger.block import OrderedItem
from tradeledger.ordering.base import OrdererError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS stream (
    position INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('envelope', 'cut')),
    payload BLOB NOT NULL,
    timestamp_ms INTEGER NOT NULL
);
"""


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class SoloOrderer:
    def __init__(self, path: Path, clock=_now_ms):
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise OrdererError(f"cannot open the orderer at {path}: {exc}") from exc
        row = self._db.execute("SELECT MAX(position), MAX(timestamp_ms) FROM stream").fetchone()
        self._last = row[0] or 0
        self._last_ts = row[1] or 0

    def _append(self, items: Sequence[tuple[str, bytes]]) -> list[int]:
        with self._lock:
            timestamp = max(self._clock(), self._last_ts)
            first = self._last + 1
            rows = [(first + i, kind, payload, timestamp) for i, (kind, payload) in enumerate(items)]
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT INTO stream VALUES (?, ?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise OrdererError(f"the orderer could not append: {exc}") from exc
            self._last += len(rows)
            self._last_ts = timestamp
            return [r[0] for r in rows]

    def submit(self, payloads: Sequence[bytes], cut: bool = False) -> list[int]:
        """Append envelopes, and a cut marker after them when `cut`, in one fsync."""
        items = [("envelope", bytes(p)) for p in payloads]
        positions = self._append(items + [("cut", b"")] if cut else items)
        return positions[: len(items)]

    def cut(self) -> int:
        return self._append([("cut", b"")])[0]

    def read(self, from_position: int, limit: int = 10_000) -> list[OrderedItem]:
        with self._lock:
            rows = self._db.execute(
                "SELECT position, kind, payload, timestamp_ms FROM stream WHERE position >= ? "
                "ORDER BY position LIMIT ?",
                (from_position, limit),
            ).fetchall()
        return list(map(OrderedItem._make, rows))  # BLOB columns come back as bytes

    def last_position(self) -> int:
        return self._last

    def close(self) -> None:
        self._db.close()
