"""A vault: a content-addressed folder of documents plus the salts of their commitments.

Nothing in a vault ever enters an envelope, a block or a log line. In the embedded
network each organization's vault is its own folder.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from tradeledger.crypto import sha256


class VaultError(RuntimeError):
    """A vault that cannot be opened or a document it does not hold."""


@dataclass(frozen=True)
class CommitmentRecord:
    commitment: str
    document_sha256: str
    salt: bytes
    doc_type: str


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

    def get_document(self, digest_hex: str) -> bytes:
        try:
            return self._blob(digest_hex).read_bytes()
        except FileNotFoundError:
            raise VaultError(f"this vault holds no document with sha256 {digest_hex}") from None

    def record_commitment(self, record: CommitmentRecord) -> None:
        self._db.execute("INSERT OR IGNORE INTO commitments VALUES (?, ?, ?, ?)",
                         (record.commitment, record.document_sha256, record.salt, record.doc_type))

    def forget_commitment(self, commitment: str) -> None:
        self._db.execute("DELETE FROM commitments WHERE commitment = ?", (commitment,))

    def commitments_of(self, document_sha256: str) -> list[CommitmentRecord]:
        rows = self._db.execute(
            "SELECT commitment, document_sha256, salt, doc_type FROM commitments WHERE document_sha256 = ?",
            (document_sha256,),
        ).fetchall()
        return [CommitmentRecord(c, d, bytes(s), t) for c, d, s, t in rows]

    def close(self) -> None:
        self._db.close()
