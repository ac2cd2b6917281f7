"""The SQLite store: one WAL-mode file per peer; a block commits in one transaction.

A block's transaction is atomic: a peer killed at any instant reopens at its last
committed block and replays the rest from the orderer. The store runs WAL with
`synchronous=NORMAL`: a committed block survives the process being killed; after a power
loss the last blocks may roll back, and the peer replays them from the orderer (whose
stream is fsynced before every acknowledgement) into the same blocks, with the same
deterministic checkpoint signatures, so nothing acknowledged is lost and no fork appears.

Copying the WAL back into the database file (a WAL checkpoint, with its two fsyncs) is
the slowest part of a commit when SQLite does it inside the committing call. A
background thread with its own connection does it instead, after each block; SQLite
releases the GIL while it works, so the copy overlaps the execution of the next block.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tradeledger.crypto import canonical_bytes
from tradeledger.ledger.block import BlockHeader
from tradeledger.ledger.collections import Payload
from tradeledger.store.base import BlockCommit, CheckpointRecord, CollectionSignature, Head, StoreError, TxRecord

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS head (
    id INTEGER PRIMARY KEY CHECK (id = 1), height INTEGER NOT NULL, next_position INTEGER NOT NULL,
    log_size INTEGER NOT NULL, log_root BLOB NOT NULL, state_digest BLOB NOT NULL, header_hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS blocks (height INTEGER PRIMARY KEY, header TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS txs (
    leaf_index INTEGER PRIMARY KEY, txid TEXT NOT NULL, leaf BLOB NOT NULL,
    valid INTEGER NOT NULL, reason TEXT NOT NULL, height INTEGER NOT NULL, position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS txs_by_id ON txs (txid);
CREATE UNIQUE INDEX IF NOT EXISTS txs_by_position ON txs (position);
CREATE TABLE IF NOT EXISTS tiles (level INTEGER NOT NULL, idx INTEGER NOT NULL, hashes BLOB NOT NULL,
    PRIMARY KEY (level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS state_by_key ON state (ns, key);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, leaf_index INTEGER NOT NULL, contract TEXT NOT NULL,
    type TEXT NOT NULL, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
    height INTEGER PRIMARY KEY, size INTEGER NOT NULL, body TEXT NOT NULL, final INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS checkpoints_final ON checkpoints (final, size);
CREATE TABLE IF NOT EXISTS signatures (
    height INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY (height, line)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS forks (seq INTEGER PRIMARY KEY AUTOINCREMENT, size INTEGER NOT NULL,
    evidence TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS payloads (txid TEXT NOT NULL, part TEXT NOT NULL, collection TEXT NOT NULL,
    salt BLOB NOT NULL, data BLOB NOT NULL, PRIMARY KEY (txid, part, collection)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS collection_signatures (height INTEGER NOT NULL, collection TEXT NOT NULL,
    organization TEXT NOT NULL, digest TEXT NOT NULL, line TEXT NOT NULL, leaf_index INTEGER NOT NULL,
    tree_size INTEGER NOT NULL, proof TEXT NOT NULL,
    PRIMARY KEY (height, collection, organization)) WITHOUT ROWID;
"""


# Stored bytes are read back as bytes even if a hand edit turned them into text.
_TX_COLUMNS = "SELECT leaf_index, txid, CAST(leaf AS BLOB), valid, reason, height, position FROM txs "


def _blob(value: bytes | str) -> bytes:
    # A row edited by hand may hold text where bytes belong; read it as its UTF-8 bytes
    # so that the audit reports the change instead of failing on it.
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _json(value: Any) -> str:
    return canonical_bytes(value).decode("utf-8")


_KEYS_PER_QUERY = 500  # well under SQLite's limit of bound parameters

# If the background checkpointer falls behind, the committing connection checkpoints
# once the WAL holds this many pages (64 MiB at 4 KiB pages), so the WAL stays bounded.
_FALLBACK_AUTOCHECKPOINT_PAGES = 16_384


class _WalCheckpointer:
    """Copies committed WAL frames into the database file on its own thread and connection.

    PASSIVE checkpoints never block the writer; frames committed while one runs are
    copied by the next. Once every frame is copied, SQLite restarts the WAL from its
    beginning at the next commit, so the file does not grow under steady load.
    """

    def __init__(self, path: Path):
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"wal-checkpoint {path.name}", daemon=True)
        self._thread.start()

    def after_commit(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            try:
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                pass  # busy or closing: the next block, or the fallback, checkpoints

    def close(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join()
        self._db.close()


class SQLiteStore:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.RLock()
        self._checkpointer: _WalCheckpointer | None = None
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            if self._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":  # not :memory:
                self._db.execute(f"PRAGMA wal_autocheckpoint={_FALLBACK_AUTOCHECKPOINT_PAGES}")
                self._checkpointer = _WalCheckpointer(Path(path))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc

    # --- lifecycle ---------------------------------------------------------------------
    @contextmanager
    def _transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        """One write transaction, rolled back whole if anything in it fails; an SQLite
        failure is reported as a StoreError naming what could not be done."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreError(f"cannot {action} in {self.path}: {exc}") from None

    def initialize(self, genesis: bytes, writes: Mapping[tuple[str, str], Any], head: Head) -> None:
        with self._transaction("initialize the ledger") as db:
            if db.execute("SELECT 1 FROM meta WHERE name = 'genesis'").fetchone():
                raise StoreError(f"{self.path} already holds a ledger")
            db.execute("INSERT INTO meta VALUES ('genesis', ?)", (genesis,))
            self._write_head(db, head)
            db.executemany("INSERT INTO state VALUES (?, ?, ?)",
                           [(ns, key, _json(value)) for (ns, key), value in sorted(writes.items())])

    def genesis(self) -> bytes | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = 'genesis'").fetchone()
        return bytes(row[0]) if row else None

    def _write_head(self, db: sqlite3.Connection, head: Head) -> None:
        db.execute(
            "INSERT OR REPLACE INTO head VALUES (1, ?, ?, ?, ?, ?, ?)",
            (head.height, head.next_position, head.log_size, head.log_root, head.state_digest, head.header_hash),
        )

    def head(self) -> Head | None:
        row = self._db.execute(
            "SELECT height, next_position, log_size, log_root, state_digest, header_hash FROM head"
        ).fetchone()
        if row is None:
            return None
        return Head(row[0], row[1], row[2], bytes(row[3]), bytes(row[4]), bytes(row[5]))

    def commit_block(self, commit: BlockCommit) -> None:
        header = commit.header
        with self._transaction(f"commit block {header.height}") as db:
            db.execute("INSERT INTO blocks VALUES (?, ?)", (header.height, _json(header.to_dict())))
            db.executemany("INSERT INTO txs VALUES (?, ?, ?, ?, ?, ?, ?)", commit.txs)  # valid: True is 1
            db.executemany("INSERT OR REPLACE INTO tiles VALUES (?, ?, ?)",
                           [(level, idx, data) for (level, idx), data in commit.tiles.items()])
            deletes = [(ns, key) for (ns, key), value in commit.writes.items() if value is None]
            upserts = sorted((ns, key, text) for (ns, key), text in commit.writes.items() if text is not None)
            db.executemany("DELETE FROM state WHERE ns = ? AND key = ?", deletes)
            db.executemany("INSERT INTO state VALUES (?, ?, ?) "
                           "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value", upserts)
            db.executemany("INSERT INTO events (leaf_index, contract, type, data) VALUES (?, ?, ?, ?)",
                           commit.events)
            db.execute("INSERT INTO checkpoints VALUES (?, ?, ?, ?)",
                       (header.height, header.log_size, commit.checkpoint_body, int(commit.final)))
            db.executemany("INSERT OR IGNORE INTO signatures VALUES (?, ?)",
                           [(header.height, line) for line in commit.signatures])
            db.executemany("INSERT OR IGNORE INTO collection_signatures VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           commit.collection_signatures)
            db.executemany("INSERT OR REPLACE INTO payloads VALUES (?, ?, ?, ?, ?)",
                           [(p.txid, p.part, p.collection, p.salt, p.data) for p in commit.payloads])
            self._write_head(db, Head(header.height, commit.next_position, header.log_size, header.log_root,
                                      header.state_digest, header.hash))
        if self._checkpointer is not None:
            self._checkpointer.after_commit()

    # --- reads -------------------------------------------------------------------------
    def read_tiles(self, keys: Collection[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        if not keys:
            return {}
        clause = " OR ".join("(level = ? AND idx = ?)" for _ in keys)
        params = [v for key in keys for v in key]
        with self._lock:
            rows = self._db.execute(f"SELECT level, idx, CAST(hashes AS BLOB) FROM tiles WHERE {clause}",
                                    params).fetchall()
        return {(level, idx): _blob(data) for level, idx, data in rows}

    def get_state(self, namespace: str, key: str) -> Any | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE ns = ? AND key = ?", (namespace, key)).fetchone()
        return json.loads(row[0]) if row else None

    def get_states(self, keys: Collection[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        """Many values in a few queries (one per namespace and 500 keys); absent keys are left out."""
        by_namespace: dict[str, list[str]] = {}
        for namespace, key in keys:
            by_namespace.setdefault(namespace, []).append(key)
        found: dict[tuple[str, str], Any] = {}
        with self._lock:
            for namespace, names in by_namespace.items():
                for first in range(0, len(names), _KEYS_PER_QUERY):
                    chunk = names[first:first + _KEYS_PER_QUERY]
                    rows = self._db.execute(
                        f"SELECT key, value FROM state WHERE ns = ? AND key IN ({','.join('?' * len(chunk))})",
                        [namespace, *chunk],
                    ).fetchall()
                    for key, value in rows:
                        found[(namespace, key)] = json.loads(value)
        return found

    def scan_state(self, namespace: str, prefix: str) -> Iterable[tuple[str, Any]]:
        # Keys are compared as text; the upper bound is the prefix followed by U+10FFFF.
        with self._lock:
            rows = self._db.execute(
                "SELECT key, value FROM state WHERE ns = ? AND key >= ? AND key < ? ORDER BY key",
                (namespace, prefix, prefix + "\U0010ffff"),
            ).fetchall()
        return [(key, json.loads(value)) for key, value in rows]

    def state_rows(self) -> Iterator[tuple[str, str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT ns, key, value FROM state ORDER BY ns, key").fetchall()
        for ns, key, value in rows:
            yield ns, key, json.loads(value)

    def tile_rows(self) -> Iterator[tuple[int, int, bytes]]:
        with self._lock:
            rows = self._db.execute("SELECT level, idx, CAST(hashes AS BLOB) FROM tiles ORDER BY level, idx").fetchall()
        for level, idx, data in rows:
            yield level, idx, _blob(data)

    @staticmethod
    def _tx(row) -> TxRecord:
        return TxRecord(row[0], row[1], _blob(row[2]), bool(row[3]), row[4], row[5], row[6])

    def tx_by_id(self, txid: str) -> TxRecord | None:
        with self._lock:
            row = self._db.execute(_TX_COLUMNS + " WHERE txid = ? ORDER BY leaf_index LIMIT 1", (txid,)).fetchone()
        return self._tx(row) if row else None

    def txs_at_positions(self, first: int, last: int) -> dict[int, TxRecord]:
        with self._lock:
            rows = self._db.execute(_TX_COLUMNS + " WHERE position BETWEEN ? AND ?", (first, last)).fetchall()
        return {row[6]: self._tx(row) for row in rows}

    def seen_txids(self, txids: Collection[str]) -> set[str]:
        if not txids:
            return set()
        marks = ",".join("?" * len(txids))
        with self._lock:
            rows = self._db.execute(f"SELECT txid FROM txs WHERE txid IN ({marks})", list(txids)).fetchall()
        return {txid for (txid,) in rows}

    def final_heights(self, first: int, last: int) -> set[int]:
        with self._lock:
            rows = self._db.execute("SELECT height FROM checkpoints WHERE height BETWEEN ? AND ? AND final = 1",
                                    (first, last)).fetchall()
        return {height for (height,) in rows}

    def tx_by_position(self, position: int) -> TxRecord | None:
        with self._lock:
            row = self._db.execute(_TX_COLUMNS + " WHERE position = ?", (position,)).fetchone()
        return self._tx(row) if row else None

    def txs_in_block(self, height: int) -> list[TxRecord]:
        with self._lock:
            rows = self._db.execute(_TX_COLUMNS + " WHERE height = ? ORDER BY leaf_index", (height,)).fetchall()
        return [self._tx(row) for row in rows]

    def tx_by_index(self, leaf_index: int) -> TxRecord | None:
        with self._lock:
            row = self._db.execute(_TX_COLUMNS + " WHERE leaf_index = ?", (leaf_index,)).fetchone()
        return self._tx(row) if row else None

    def txs(self, first: int = 0, limit: int | None = None) -> Iterator[TxRecord]:
        position = first
        while True:
            with self._lock:
                rows = self._db.execute(
                    _TX_COLUMNS + " WHERE leaf_index >= ? ORDER BY leaf_index LIMIT 1000", (position,)
                ).fetchall()
            for row in rows:
                if limit is not None and row[0] >= first + limit:
                    return
                yield self._tx(row)
            if len(rows) < 1000:
                return
            position = rows[-1][0] + 1

    def header(self, height: int) -> BlockHeader | None:
        with self._lock:
            row = self._db.execute("SELECT header FROM blocks WHERE height = ?", (height,)).fetchone()
        return BlockHeader.from_dict(json.loads(row[0])) if row else None

    def headers(self) -> Iterator[BlockHeader]:
        with self._lock:
            rows = self._db.execute("SELECT header FROM blocks ORDER BY height").fetchall()
        for (text,) in rows:
            yield BlockHeader.from_dict(json.loads(text))

    def block_of_leaf(self, leaf_index: int) -> BlockHeader | None:
        record = self.tx_by_index(leaf_index)
        return self.header(record.height) if record else None

    def events(self, first_leaf: int = 0) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT leaf_index, contract, type, data FROM events WHERE leaf_index >= ? ORDER BY seq",
                (first_leaf,),
            ).fetchall()
        for leaf_index, contract, type_, data in rows:
            yield leaf_index, contract, type_, json.loads(data)

    # --- checkpoints -------------------------------------------------------------------
    def _checkpoint(self, row) -> CheckpointRecord:
        lines = self._db.execute("SELECT line FROM signatures WHERE height = ? ORDER BY line", (row[0],)).fetchall()
        return CheckpointRecord(row[0], row[1], row[2], tuple(line for (line,) in lines), bool(row[3]))

    def checkpoint(self, height: int) -> CheckpointRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM checkpoints WHERE height = ?", (height,)).fetchone()
            return self._checkpoint(row) if row else None

    def checkpoints(self) -> Iterator[CheckpointRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM checkpoints ORDER BY height").fetchall()
            records = [self._checkpoint(row) for row in rows]
        yield from records

    def add_signatures(self, height: int, lines: Iterable[str], final: bool) -> None:
        with self._transaction(f"add signatures to checkpoint {height}") as db:
            db.executemany("INSERT OR IGNORE INTO signatures VALUES (?, ?)", [(height, line) for line in lines])
            if final:
                db.execute("UPDATE checkpoints SET final = 1 WHERE height = ?", (height,))

    def latest_final_checkpoint(self, min_size: int = 0) -> CheckpointRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM checkpoints WHERE final = 1 AND size >= ? ORDER BY height DESC LIMIT 1", (min_size,)
            ).fetchone()
            return self._checkpoint(row) if row else None

    def non_final_heights(self) -> list[int]:
        with self._lock:
            return [h for (h,) in self._db.execute("SELECT height FROM checkpoints WHERE final = 0 ORDER BY height")]

    def record_fork(self, size: int, evidence: dict[str, Any]) -> None:
        with self._transaction("record fork evidence") as db:
            db.execute("INSERT INTO forks (size, evidence) VALUES (?, ?)", (size, json.dumps(evidence, sort_keys=True)))

    def forks(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT size, evidence FROM forks ORDER BY seq").fetchall()
        return [{"size": size, **json.loads(evidence)} for size, evidence in rows]

    # --- private collections -----------------------------------------------------------
    def put_payloads(self, payloads: Iterable[Payload]) -> None:
        with self._transaction("keep private payloads") as db:
            db.executemany("INSERT OR IGNORE INTO payloads VALUES (?, ?, ?, ?, ?)",
                           [(p.txid, p.part, p.collection, p.salt, p.data) for p in payloads])

    def payload(self, txid: str, part: str, collection: str) -> Payload | None:
        with self._lock:
            row = self._db.execute("SELECT CAST(salt AS BLOB), CAST(data AS BLOB) FROM payloads "
                                   "WHERE txid = ? AND part = ? AND collection = ?",
                                   (txid, part, collection)).fetchone()
        return Payload(txid, part, collection, _blob(row[0]), _blob(row[1])) if row else None

    def add_collection_signatures(self, rows: Iterable[CollectionSignature]) -> None:
        with self._transaction("keep collection signatures") as db:
            db.executemany("INSERT OR IGNORE INTO collection_signatures VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(rows))

    def collection_signatures(self, first_height: int = 0, last_height: int | None = None
                              ) -> list[CollectionSignature]:
        with self._lock:
            rows = self._db.execute(
                "SELECT height, collection, organization, digest, line, leaf_index, tree_size, proof "
                "FROM collection_signatures "
                "WHERE height BETWEEN ? AND ? ORDER BY height, collection, organization",
                (first_height, last_height if last_height is not None else 2**62)).fetchall()
        return [CollectionSignature(*row) for row in rows]

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        self._db.close()
