"""A vault: a content-addressed folder of documents plus the salts of their commitments.

Nothing in a vault ever enters an envelope, a block or a log line. In the embedded
network each organization's vault is its own folder.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tradeledger.crypto import sha256
from tradeledger.errors import TradeledgerError


class VaultError(TradeledgerError, RuntimeError):
    """A vault that cannot be opened or a document it does not hold."""


@dataclass(frozen=True)
class CommitmentRecord:
    commitment: str
    document_sha256: str
    salt: bytes
    doc_type: str


@dataclass(frozen=True)
class ReceivedDocument:
    """A disclosure this organization received: the whole document (its bytes are in the
    vault under `document_sha256`) or the fields disclosed."""

    request_id: str
    commitment: str
    owner: str
    document_sha256: str | None
    fields: dict[str, Any] | None = field(default=None)
    received_ms: int = 0


class Vault:
    def __init__(self, directory: Path):
        self.directory = directory
        (directory / "blobs").mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(directory / "vault.db", isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS commitments (commitment TEXT PRIMARY KEY, document_sha256 TEXT NOT NULL,"
                " salt BLOB NOT NULL, doc_type TEXT NOT NULL)"
            )
            self._db.execute("CREATE INDEX IF NOT EXISTS by_document ON commitments (document_sha256)")
            # The per-field disclosures (with their salts) of structured documents.
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS field_disclosures (commitment TEXT NOT NULL, name TEXT NOT NULL,"
                " disclosure TEXT NOT NULL, PRIMARY KEY (commitment, name))"
            )
            # What other organizations disclosed to this one, checked on arrival.
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS received (request_id TEXT PRIMARY KEY, commitment TEXT NOT NULL,"
                " owner TEXT NOT NULL, document_sha256 TEXT, fields TEXT, received_ms INTEGER NOT NULL)"
            )
        except sqlite3.Error as exc:
            raise VaultError(f"cannot open the vault at {directory}: {exc}") from exc

    def _blob(self, digest_hex: str) -> Path:
        return self.directory / "blobs" / digest_hex[:2] / digest_hex

    def put_document(self, document: bytes) -> str:
        digest = sha256(document).hex()
        path = self._blob(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(document)
            tmp.replace(path)
        return digest

    def has_document(self, digest_hex: str) -> bool:
        return self._blob(digest_hex).exists()

    def remove_document(self, digest_hex: str) -> bool:
        """Delete a document's bytes (a purge); its commitment records stay. True if removed."""
        try:
            self._blob(digest_hex).unlink()
            return True
        except FileNotFoundError:
            return False

    def get_document(self, digest_hex: str) -> bytes:
        try:
            return self._blob(digest_hex).read_bytes()
        except FileNotFoundError:
            raise VaultError(f"this vault holds no document with sha256 {digest_hex}") from None

    def record_commitment(self, record: CommitmentRecord) -> None:
        self._db.execute("INSERT OR IGNORE INTO commitments VALUES (?, ?, ?, ?)",
                         (record.commitment, record.document_sha256, record.salt, record.doc_type))

    def forget_commitment(self, commitment: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM commitments WHERE commitment = ?", (commitment,))
            self._db.execute("DELETE FROM field_disclosures WHERE commitment = ?", (commitment,))

    def record_field_disclosures(self, commitment: str, disclosures: Mapping[str, str]) -> None:
        with self._db:
            self._db.executemany("INSERT OR IGNORE INTO field_disclosures VALUES (?, ?, ?)",
                                 [(commitment, name, text) for name, text in disclosures.items()])

    def drop_field_disclosures(self, commitment: str) -> None:
        self._db.execute("DELETE FROM field_disclosures WHERE commitment = ?", (commitment,))

    def field_disclosures(self, commitment: str) -> dict[str, str]:
        """Encoded disclosures by field name; empty for a document committed whole."""
        rows = self._db.execute("SELECT name, disclosure FROM field_disclosures WHERE commitment = ?",
                                (commitment,)).fetchall()
        return dict(rows)

    def commitment(self, commitment: str) -> CommitmentRecord | None:
        row = self._db.execute(
            "SELECT commitment, document_sha256, salt, doc_type FROM commitments WHERE commitment = ?", (commitment,)
        ).fetchone()
        return CommitmentRecord(row[0], row[1], bytes(row[2]), row[3]) if row else None

    def record_received(self, received: ReceivedDocument) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO received VALUES (?, ?, ?, ?, ?, ?)",
            (received.request_id, received.commitment, received.owner, received.document_sha256,
             json.dumps(received.fields, sort_keys=True) if received.fields is not None else None,
             received.received_ms),
        )

    def received(self) -> list[ReceivedDocument]:
        rows = self._db.execute("SELECT request_id, commitment, owner, document_sha256, fields, received_ms"
                                " FROM received ORDER BY received_ms, request_id").fetchall()
        return [ReceivedDocument(r, c, o, d, json.loads(f) if f is not None else None, t) for r, c, o, d, f, t in rows]

    def commitments_of(self, document_sha256: str) -> list[CommitmentRecord]:
        rows = self._db.execute(
            "SELECT commitment, document_sha256, salt, doc_type FROM commitments WHERE document_sha256 = ?",
            (document_sha256,),
        ).fetchall()
        return [CommitmentRecord(c, d, bytes(s), t) for c, d, s, t in rows]

    def close(self) -> None:
        self._db.close()
