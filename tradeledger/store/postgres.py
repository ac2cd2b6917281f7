"""The PostgreSQL store: the SQLite store's behavior on a server, for a node that outgrows
one file (DESIGN.md decision 9). A block commits in one transaction.

Same rows, same answers as `SQLiteStore`, with three things to know:

* Text that SQLite compares byte by byte (state namespaces and keys, signature lines) is
  compared byte by byte here too: state namespaces and keys are stored as their UTF-8
  bytes (`bytea`), and signature lines use the "C" collation, so `scan_state` and
  `state_rows` return keys in the same order on both engines, whatever the database
  locale. Keys and rejection reasons come from envelopes and may hold U+0000, which
  PostgreSQL `text` refuses; storing them as bytes keeps a peer on PostgreSQL from
  halting on a block that a peer on SQLite commits.
* State values are stored as the canonical JSON text the peer hands over, unchanged, so
  the stored rows hash to the same state digest on either engine.
* Every session sets `synchronous_commit = on`: a block this store reports committed has
  reached the server's write-ahead log on disk (stronger than SQLite's WAL with
  `synchronous=NORMAL`).

Writers serialize on a lock of the `head` table (as SQLite's `BEGIN IMMEDIATE` does), so
two processes on one store cannot interleave blocks. Readers never wait for it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from tradeledger.crypto import canonical_bytes
from tradeledger.ledger.block import BlockHeader
from tradeledger.ledger.collections import Payload
from tradeledger.store.base import BlockCommit, CheckpointRecord, CollectionSignature, Head, StoreError, TxRecord

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT COLLATE "C" PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS head (
    id SMALLINT PRIMARY KEY CHECK (id = 1), height BIGINT NOT NULL, next_position BIGINT NOT NULL,
    log_size BIGINT NOT NULL, log_root BYTEA NOT NULL, state_digest BYTEA NOT NULL, header_hash BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS blocks (height BIGINT PRIMARY KEY, header TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS txs (
    leaf_index BIGINT PRIMARY KEY, txid TEXT COLLATE "C" NOT NULL, leaf BYTEA NOT NULL,
    valid BOOLEAN NOT NULL, reason BYTEA NOT NULL, height BIGINT NOT NULL, position BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS txs_by_id ON txs (txid);
CREATE UNIQUE INDEX IF NOT EXISTS txs_by_position ON txs (position);
CREATE INDEX IF NOT EXISTS txs_by_height ON txs (height);
CREATE TABLE IF NOT EXISTS tiles (
    level INTEGER NOT NULL, idx BIGINT NOT NULL, hashes BYTEA NOT NULL, PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS state (ns BYTEA NOT NULL, key BYTEA NOT NULL, value TEXT NOT NULL, PRIMARY KEY (ns, key));
CREATE TABLE IF NOT EXISTS events (
    seq BIGINT PRIMARY KEY, leaf_index BIGINT NOT NULL, contract TEXT NOT NULL, type TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_leaf ON events (leaf_index);
CREATE TABLE IF NOT EXISTS checkpoints (
    height BIGINT PRIMARY KEY, size BIGINT NOT NULL, body TEXT NOT NULL, final BOOLEAN NOT NULL
);
CREATE INDEX IF NOT EXISTS checkpoints_final ON checkpoints (final, size);
CREATE TABLE IF NOT EXISTS signatures (
    height BIGINT NOT NULL, line TEXT COLLATE "C" NOT NULL, PRIMARY KEY (height, line)
);
CREATE TABLE IF NOT EXISTS forks (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, size BIGINT NOT NULL, evidence TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payloads (
    txid TEXT COLLATE "C" NOT NULL, part TEXT COLLATE "C" NOT NULL, collection BYTEA NOT NULL,
    salt BYTEA NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (txid, part, collection)
);
CREATE TABLE IF NOT EXISTS collection_signatures (
    height BIGINT NOT NULL, collection BYTEA NOT NULL, organization TEXT COLLATE "C" NOT NULL,
    digest TEXT NOT NULL, line TEXT NOT NULL, leaf_index BIGINT NOT NULL, tree_size BIGINT NOT NULL,
    proof TEXT NOT NULL, PRIMARY KEY (height, collection, organization)
);
"""

# Any constant will do: it only keeps two processes from creating the tables at once.
_SCHEMA_LOCK = 0x7472_6164_656C_6467  # "tradeldg"

# Long scans read this many rows per query, so a large store never sits in memory whole.
_PAGE = 1000

_TX_COLUMNS = "SELECT leaf_index, txid, leaf, valid, reason, height, position FROM txs "

# A checkpoint and its signature lines in one query, so both come from one snapshot.
_CHECKPOINT_COLUMNS = (
    "SELECT c.height, c.size, c.body, c.final, "
    "ARRAY(SELECT s.line FROM signatures s WHERE s.height = c.height ORDER BY s.line) FROM checkpoints c "
)

# The largest code point: `prefix + _TOP` bounds every key that starts with `prefix`,
# exactly as the SQLite store bounds it.
_TOP = "\U0010ffff"


def _json(value: Any) -> str:
    return canonical_bytes(value).decode("utf-8")


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def _text(data: bytes) -> str:
    return bytes(data).decode("utf-8")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def describe_url(url: str) -> str:
    """The URL without its password, fit for messages and logs."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise StoreError(f"cannot read the PostgreSQL URL: {_first_line(exc)}; "
                         "write it as postgresql://USER@HOST:PORT/DATABASE") from None
    user = str(params.get("user", ""))
    host = str(params.get("host", ""))
    port = str(params.get("port", ""))
    where = f"{host}:{port}" if port else host
    return f"postgresql://{user + '@' if user else ''}{where}/{params.get('dbname', '')}"


class PostgresStore:
    """A peer's store in a PostgreSQL database (in `schema`, when given, else the
    connection's default schema). Tables are created on first open."""

    def __init__(self, url: str, *, schema: str | None = None):
        self.url = url
        self.schema = schema
        self.location = describe_url(url) + (f" (schema {schema})" if schema else "")
        self._lock = threading.RLock()
        self._closed = False
        self._db = self._connect()
        try:
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                if schema is not None:  # already on the search path (see _connect)
                    self._db.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
                self._db.execute(_SCHEMA)
        except psycopg.Error as exc:
            self._db.close()
            raise StoreError(f"cannot create the store's tables in {self.location}: {_first_line(exc)}") from None

    # --- connection ----------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection:
        try:
            db = psycopg.connect(self.url, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the store at {self.location}: {_first_line(exc)}") from None
        try:
            encoding = db.info.parameter_status("server_encoding")
            if encoding != "UTF8":
                raise StoreError(f"the database at {self.location} uses encoding {encoding}; "
                                 "create it with ENCODING 'UTF8'")
            db.execute("SET synchronous_commit TO on")
            if self.schema is not None:
                db.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
        except BaseException:
            db.close()
            raise
        return db

    @contextmanager
    def _session(self, action: str) -> Iterator[psycopg.Connection]:
        """The connection, held by this thread, opened again if it was lost."""
        with self._lock:
            if self._closed:
                raise StoreError(f"the store at {self.location} is closed")
            if self._db.closed:
                self._db = self._connect()
            try:
                yield self._db
            except psycopg.Error as exc:
                raise StoreError(f"cannot {action} in {self.location}: {_first_line(exc)}") from None

    @contextmanager
    def _transaction(self, action: str) -> Iterator[psycopg.Connection]:
        # A write is never repeated here: if the connection drops, the call fails (a commit
        # in flight may or may not have landed; `head()` tells), and the next call reconnects.
        with self._session(action) as db, db.transaction():
            # Writers take turns, as under SQLite's BEGIN IMMEDIATE; readers do not wait.
            db.execute("LOCK TABLE head IN SHARE ROW EXCLUSIVE MODE")
            yield db

    def _read(self, action: str, query: str, params: Any, one: bool) -> Any:
        with self._session(action) as db:
            try:
                cursor = db.execute(query, params)
            except psycopg.OperationalError:
                # A connection lost while idle (server restart, idle timeout) is noticed
                # on first use; a read is safe to repeat, once, on a new connection.
                if not db.closed:
                    raise
                self._db = db = self._connect()
                cursor = db.execute(query, params)
            return cursor.fetchone() if one else cursor.fetchall()

    def _rows(self, action: str, query: str, params: Any = ()) -> list[tuple[Any, ...]]:
        return self._read(action, query, params, one=False)

    def _row(self, action: str, query: str, params: Any = ()) -> tuple[Any, ...] | None:
        return self._read(action, query, params, one=True)

    # --- lifecycle -------------------------------------------------------------------------
    def initialize(self, genesis: bytes, writes: Mapping[tuple[str, str], Any], head: Head) -> None:
        with self._transaction("initialize the ledger") as db:
            if db.execute("SELECT 1 FROM meta WHERE name = 'genesis'").fetchone():
                raise StoreError(f"{self.location} already holds a ledger")
            db.execute("INSERT INTO meta VALUES ('genesis', %s)", (genesis,))
            self._write_head(db, head)
            rows = sorted(writes.items())
            self._upsert_state(db, [(ns, key, _json(value)) for (ns, key), value in rows])

    def genesis(self) -> bytes | None:
        row = self._row("read the genesis", "SELECT value FROM meta WHERE name = 'genesis'")
        return bytes(row[0]) if row else None

    @staticmethod
    def _write_head(db: psycopg.Connection, head: Head) -> None:
        db.execute(
            "INSERT INTO head VALUES (1, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
            "height = EXCLUDED.height, next_position = EXCLUDED.next_position, log_size = EXCLUDED.log_size, "
            "log_root = EXCLUDED.log_root, state_digest = EXCLUDED.state_digest, header_hash = EXCLUDED.header_hash",
            (head.height, head.next_position, head.log_size, head.log_root, head.state_digest, head.header_hash),
        )

    def head(self) -> Head | None:
        row = self._row(
            "read the head", "SELECT height, next_position, log_size, log_root, state_digest, header_hash FROM head"
        )
        if row is None:
            return None
        return Head(row[0], row[1], row[2], bytes(row[3]), bytes(row[4]), bytes(row[5]))

    @staticmethod
    def _upsert_state(db: psycopg.Connection, rows: list[tuple[str, str, str]]) -> None:
        if not rows:
            return
        db.execute(
            "INSERT INTO state SELECT * FROM unnest(%b::bytea[], %b::bytea[], %b::text[]) "
            "ON CONFLICT (ns, key) DO UPDATE SET value = EXCLUDED.value",
            ([_utf8(ns) for ns, _, _ in rows], [_utf8(key) for _, key, _ in rows], [text for _, _, text in rows]),
        )

    def commit_block(self, commit: BlockCommit) -> None:
        # Each table takes one statement over arrays (not one per row): a 100-transaction
        # block is a dozen round trips to the server, whatever its size.
        header = commit.header
        txs = commit.txs
        deletes = [(ns, key) for (ns, key), text in commit.writes.items() if text is None]
        upserts = [(ns, key, text) for (ns, key), text in commit.writes.items() if text is not None]
        with self._transaction(f"commit block {header.height}") as db:
            db.execute("INSERT INTO blocks VALUES (%s, %s)", (header.height, _json(header.to_dict())))
            if txs:
                db.execute(
                    "INSERT INTO txs SELECT * FROM unnest(%b::bigint[], %b::text[], %b::bytea[], %b::boolean[], "
                    "%b::bytea[], %b::bigint[], %b::bigint[])",
                    ([t.leaf_index for t in txs], [t.txid for t in txs], [bytes(t.leaf) for t in txs],
                     [bool(t.valid) for t in txs], [_utf8(t.reason) for t in txs], [t.height for t in txs],
                     [t.position for t in txs]),
                )
            if commit.tiles:
                keys = list(commit.tiles)
                db.execute(
                    "INSERT INTO tiles SELECT * FROM unnest(%b::integer[], %b::bigint[], %b::bytea[]) "
                    "ON CONFLICT (level, idx) DO UPDATE SET hashes = EXCLUDED.hashes",
                    ([level for level, _ in keys], [idx for _, idx in keys], [bytes(commit.tiles[k]) for k in keys]),
                )
            if deletes:
                db.execute(
                    "DELETE FROM state WHERE (ns, key) IN (SELECT * FROM unnest(%b::bytea[], %b::bytea[]))",
                    ([_utf8(ns) for ns, _ in deletes], [_utf8(key) for _, key in deletes]),
                )
            self._upsert_state(db, upserts)
            if commit.events:
                events = commit.events
                # Numbered after the last event, in the order given: `events()` reads them back so.
                db.execute(
                    "INSERT INTO events "
                    "SELECT (SELECT coalesce(max(seq), 0) FROM events) + n, leaf_index, contract, type, data "
                    "FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::text[]) "
                    "WITH ORDINALITY AS e(leaf_index, contract, type, data, n)",
                    ([e[0] for e in events], [e[1] for e in events], [e[2] for e in events],
                     [e[3] for e in events]),
                )
            db.execute("INSERT INTO checkpoints VALUES (%s, %s, %s, %s)",
                       (header.height, header.log_size, commit.checkpoint_body, bool(commit.final)))
            self._insert_signatures(db, header.height, commit.signatures)
            self._insert_collection_signatures(db, commit.collection_signatures)
            for p in commit.payloads:
                db.execute("INSERT INTO payloads VALUES (%s, %s, %s, %s, %s) ON CONFLICT (txid, part, collection) "
                           "DO UPDATE SET salt = EXCLUDED.salt, data = EXCLUDED.data",
                           (p.txid, p.part, _utf8(p.collection), p.salt, p.data))
            self._write_head(db, Head(header.height, commit.next_position, header.log_size, header.log_root,
                                      header.state_digest, header.hash))

    @staticmethod
    def _insert_collection_signatures(db: psycopg.Connection, rows: Iterable[CollectionSignature]) -> None:
        for row in rows:
            db.execute("INSERT INTO collection_signatures VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                       "ON CONFLICT DO NOTHING",
                       (row.height, _utf8(row.collection), row.organization, row.digest, row.line, row.leaf_index,
                        row.size, row.proof))

    # --- private collections -------------------------------------------------------------
    def put_payloads(self, payloads: Iterable[Payload]) -> None:
        with self._transaction("keep private payloads") as db:
            for p in payloads:
                db.execute("INSERT INTO payloads VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                           (p.txid, p.part, _utf8(p.collection), p.salt, p.data))

    def payload(self, txid: str, part: str, collection: str) -> Payload | None:
        row = self._row("read a private payload",
                        "SELECT salt, data FROM payloads WHERE txid = %s AND part = %s AND collection = %s",
                        (txid, part, _utf8(collection)))
        return Payload(txid, part, collection, bytes(row[0]), bytes(row[1])) if row else None

    def add_collection_signatures(self, rows: Iterable[CollectionSignature]) -> None:
        with self._transaction("keep collection signatures") as db:
            self._insert_collection_signatures(db, rows)

    def collection_signatures(self, first_height: int = 0, last_height: int | None = None
                              ) -> list[CollectionSignature]:
        rows = self._rows("read collection signatures",
                          "SELECT height, collection, organization, digest, line, leaf_index, tree_size, proof "
                          "FROM collection_signatures "
                          "WHERE height BETWEEN %s AND %s",
                          (first_height, last_height if last_height is not None else 2**62))
        found = [CollectionSignature(r[0], _text(bytes(r[1])), r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]
        return sorted(found)

    @staticmethod
    def _insert_signatures(db: psycopg.Connection, height: int, lines: Iterable[str]) -> None:
        lines = list(lines)
        if lines:
            db.execute(
                "INSERT INTO signatures SELECT %s, line FROM unnest(%b::text[]) AS l(line) ON CONFLICT DO NOTHING",
                (height, lines),
            )

    # --- reads -------------------------------------------------------------------------------
    def read_tiles(self, keys: Collection[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        if not keys:
            return {}
        keys = list(keys)
        rows = self._rows(
            "read Merkle tiles",
            "SELECT t.level, t.idx, t.hashes FROM tiles t "
            "JOIN unnest(%b::integer[], %b::bigint[]) AS k(level, idx) ON t.level = k.level AND t.idx = k.idx",
            ([level for level, _ in keys], [idx for _, idx in keys]),
        )
        return {(level, idx): bytes(data) for level, idx, data in rows}

    def get_state(self, namespace: str, key: str) -> Any | None:
        row = self._row("read state", "SELECT value FROM state WHERE ns = %s AND key = %s",
                        (_utf8(namespace), _utf8(key)))
        return json.loads(row[0]) if row else None

    def get_states(self, keys: Collection[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        """Many values in one query; absent keys are left out."""
        if not keys:
            return {}
        keys = list(keys)
        rows = self._rows(
            "read state",
            "SELECT s.ns, s.key, s.value FROM state s "
            "JOIN unnest(%b::bytea[], %b::bytea[]) AS k(ns, key) ON s.ns = k.ns AND s.key = k.key",
            ([_utf8(ns) for ns, _ in keys], [_utf8(key) for _, key in keys]),
        )
        return {(_text(ns), _text(key)): json.loads(value) for ns, key, value in rows}

    def scan_state(self, namespace: str, prefix: str) -> Iterable[tuple[str, Any]]:
        rows = self._rows(
            "scan state",
            "SELECT key, value FROM state WHERE ns = %s AND key >= %s AND key < %s ORDER BY key",
            (_utf8(namespace), _utf8(prefix), _utf8(prefix + _TOP)),
        )
        return [(_text(key), json.loads(value)) for key, value in rows]

    def state_rows(self) -> Iterator[tuple[str, str, Any]]:
        query = "SELECT ns, key, value FROM state ORDER BY ns, key LIMIT %s"
        params: tuple[Any, ...] = (_PAGE,)
        while True:
            rows = self._rows("read state", query, params)
            for ns, key, value in rows:
                yield _text(ns), _text(key), json.loads(value)
            if len(rows) < _PAGE:
                return
            query = "SELECT ns, key, value FROM state WHERE (ns, key) > (%s, %s) ORDER BY ns, key LIMIT %s"
            params = (bytes(rows[-1][0]), bytes(rows[-1][1]), _PAGE)

    def tile_rows(self) -> Iterator[tuple[int, int, bytes]]:
        after = (-1, -1)
        while True:
            rows = self._rows(
                "read Merkle tiles",
                "SELECT level, idx, hashes FROM tiles WHERE (level, idx) > (%s, %s) ORDER BY level, idx LIMIT %s",
                (after[0], after[1], _PAGE),
            )
            for level, idx, data in rows:
                yield level, idx, bytes(data)
            if len(rows) < _PAGE:
                return
            after = (rows[-1][0], rows[-1][1])

    @staticmethod
    def _tx(row: tuple[Any, ...]) -> TxRecord:
        return TxRecord(row[0], row[1], bytes(row[2]), bool(row[3]), _text(row[4]), row[5], row[6])

    def tx_by_id(self, txid: str) -> TxRecord | None:
        row = self._row("read a transaction", _TX_COLUMNS + "WHERE txid = %s ORDER BY leaf_index LIMIT 1", (txid,))
        return self._tx(row) if row else None

    def txs_at_positions(self, first: int, last: int) -> dict[int, TxRecord]:
        rows = self._rows("read transactions", _TX_COLUMNS + "WHERE position BETWEEN %s AND %s", (first, last))
        return {row[6]: self._tx(row) for row in rows}

    def seen_txids(self, txids: Collection[str]) -> set[str]:
        if not txids:
            return set()
        rows = self._rows("read transactions", "SELECT txid FROM txs WHERE txid = ANY(%b::text[])", (list(txids),))
        return {txid for (txid,) in rows}

    def final_heights(self, first: int, last: int) -> set[int]:
        rows = self._rows("read checkpoints",
                          "SELECT height FROM checkpoints WHERE height BETWEEN %s AND %s AND final", (first, last))
        return {height for (height,) in rows}

    def tx_by_position(self, position: int) -> TxRecord | None:
        row = self._row("read a transaction", _TX_COLUMNS + "WHERE position = %s", (position,))
        return self._tx(row) if row else None

    def txs_in_block(self, height: int) -> list[TxRecord]:
        rows = self._rows("read transactions", _TX_COLUMNS + "WHERE height = %s ORDER BY leaf_index", (height,))
        return [self._tx(row) for row in rows]

    def tx_by_index(self, leaf_index: int) -> TxRecord | None:
        row = self._row("read a transaction", _TX_COLUMNS + "WHERE leaf_index = %s", (leaf_index,))
        return self._tx(row) if row else None

    def txs(self, first: int = 0, limit: int | None = None) -> Iterator[TxRecord]:
        # `limit` bounds the leaf indexes (first .. first + limit - 1), as in the SQLite store.
        position = first
        while True:
            rows = self._rows("read transactions",
                              _TX_COLUMNS + "WHERE leaf_index >= %s ORDER BY leaf_index LIMIT %s", (position, _PAGE))
            for row in rows:
                if limit is not None and row[0] >= first + limit:
                    return
                yield self._tx(row)
            if len(rows) < _PAGE:
                return
            position = rows[-1][0] + 1

    def header(self, height: int) -> BlockHeader | None:
        row = self._row("read a block header", "SELECT header FROM blocks WHERE height = %s", (height,))
        return BlockHeader.from_dict(json.loads(row[0])) if row else None

    def headers(self) -> Iterator[BlockHeader]:
        after = -1
        while True:
            rows = self._rows("read block headers",
                              "SELECT height, header FROM blocks WHERE height > %s ORDER BY height LIMIT %s",
                              (after, _PAGE))
            for _height, text in rows:
                yield BlockHeader.from_dict(json.loads(text))
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]

    def block_of_leaf(self, leaf_index: int) -> BlockHeader | None:
        record = self.tx_by_index(leaf_index)
        return self.header(record.height) if record else None

    def events(self, first_leaf: int = 0) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
        after = 0
        while True:
            rows = self._rows(
                "read events",
                "SELECT seq, leaf_index, contract, type, data FROM events WHERE leaf_index >= %s AND seq > %s "
                "ORDER BY seq LIMIT %s",
                (first_leaf, after, _PAGE),
            )
            for _seq, leaf_index, contract, type_, data in rows:
                yield leaf_index, contract, type_, json.loads(data)
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]

    # --- checkpoints -------------------------------------------------------------------------
    @staticmethod
    def _checkpoint(row: tuple[Any, ...]) -> CheckpointRecord:
        return CheckpointRecord(row[0], row[1], row[2], tuple(row[4]), bool(row[3]))

    def checkpoint(self, height: int) -> CheckpointRecord | None:
        row = self._row("read a checkpoint", _CHECKPOINT_COLUMNS + "WHERE c.height = %s", (height,))
        return self._checkpoint(row) if row else None

    def checkpoints(self) -> Iterator[CheckpointRecord]:
        after = -1
        while True:
            rows = self._rows("read checkpoints",
                              _CHECKPOINT_COLUMNS + "WHERE c.height > %s ORDER BY c.height LIMIT %s", (after, _PAGE))
            for row in rows:
                yield self._checkpoint(row)
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]

    def add_signatures(self, height: int, lines: Iterable[str], final: bool) -> None:
        with self._transaction(f"add signatures to checkpoint {height}") as db:
            self._insert_signatures(db, height, lines)
            if final:
                db.execute("UPDATE checkpoints SET final = TRUE WHERE height = %s", (height,))

    def latest_final_checkpoint(self, min_size: int = 0) -> CheckpointRecord | None:
        row = self._row("read checkpoints",
                        _CHECKPOINT_COLUMNS + "WHERE c.final AND c.size >= %s ORDER BY c.height DESC LIMIT 1",
                        (min_size,))
        return self._checkpoint(row) if row else None

    def non_final_heights(self) -> list[int]:
        rows = self._rows("read checkpoints", "SELECT height FROM checkpoints WHERE NOT final ORDER BY height")
        return [height for (height,) in rows]

    def record_fork(self, size: int, evidence: dict[str, Any]) -> None:
        with self._transaction("record fork evidence") as db:
            db.execute("INSERT INTO forks (size, evidence) VALUES (%s, %s)",
                       (size, json.dumps(evidence, sort_keys=True)))

    def forks(self) -> list[dict[str, Any]]:
        rows = self._rows("read fork evidence", "SELECT size, evidence FROM forks ORDER BY seq")
        return [{"size": size, **json.loads(evidence)} for size, evidence in rows]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()
