"""C2SP tlog-cosignature: timestamped Ed25519 witness cosignatures (type 0x04).

c2sp.org/tlog-cosignature:

* "Format": a cosignature is a signed-note signature line whose key ID is
  SHA-256(name || "\\n" || 0x04 || 32-byte public key)[:4] and whose signature
  is a ``timestamped_signature``: uint64 big-endian POSIX timestamp (at most
  2^63 - 1) followed by the 64-byte Ed25519 signature.
* "Ed25519 signed message": ``cosignature/v1\\n`` + ``time <decimal>\\n`` +
  the whole checkpoint note text.

The timestamp is always passed in by the caller; nothing here reads a clock,
so the same inputs always give the same bytes.  ML-DSA-44 (0x06) cosignatures
are not implemented; their lines are ignored like any unknown key.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradeledger.errors import TradeledgerError

from ._encoding import is_uint
from .checkpoint import Checkpoint
from .note import NoteSignature, SignedNote, _Ed25519Signer, _Ed25519Verifier

__all__ = [
    "COSIGNATURE_TYPE",
    "MAX_TIMESTAMP",
    "CosignatureError",
    "CosignatureSigner",
    "CosignatureVerifier",
    "cosignature_timestamp",
    "cosigned_message",
]

#: Signature type byte for Ed25519 cosignature/v1 (signed-note "Signature types").
COSIGNATURE_TYPE = 0x04
#: "It MUST NOT exceed 2^63 - 1."
MAX_TIMESTAMP = 2**63 - 1

_HEADER = "cosignature/v1\n"
_SIG_SIZE = 8 + 64


class CosignatureError(TradeledgerError, ValueError):
    """A cosignature cannot be produced from the given inputs (bad timestamp, body...)."""


def _check_timestamp(timestamp: object) -> int:
    if not is_uint(timestamp, MAX_TIMESTAMP):
        raise CosignatureError(f"timestamp must be an int in 0..2^63-1, got {timestamp!r}")
    return timestamp


def _body_text(body: Checkpoint | str) -> str:
    # Witnesses only cosign checkpoints, so a str body must parse as one.
    if isinstance(body, Checkpoint):
        return body.to_text()
    if isinstance(body, str):
        return Checkpoint.from_text(body).to_text()
    raise CosignatureError(f"body must be a Checkpoint or its text, not {type(body).__name__}")


def cosigned_message(body: Checkpoint | str, timestamp: int) -> bytes:
    """The exact bytes an Ed25519 cosigner signs for `body` at `timestamp`."""
    return f"{_HEADER}time {_check_timestamp(timestamp)}\n{_body_text(body)}".encode()


def cosignature_timestamp(signature: NoteSignature | bytes) -> int:
    """The timestamp carried by a 0x04 signature (unverified!)."""
    raw = signature.signature if isinstance(signature, NoteSignature) else signature
    if len(raw) != _SIG_SIZE:
        raise CosignatureError(f"a cosignature/v1 signature is {_SIG_SIZE} bytes, got {len(raw)}")
    return int.from_bytes(raw[:8], "big")


@dataclass(frozen=True)
class CosignatureVerifier(_Ed25519Verifier):
    """Verifies one witness's cosignature/v1 lines.

    Implements the note :class:`~.note.Verifier` protocol, so it can be mixed
    with log verifiers in :meth:`~.note.SignedNote.verify`.
    """

    _KEY_TYPE = COSIGNATURE_TYPE

    def verify_timestamp(self, message: bytes, signature: bytes) -> int | None:
        """The cosignature's timestamp if `signature` is valid over note text `message`, else None."""
        if len(signature) != _SIG_SIZE:
            return None
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return None
        signed = f"{_HEADER}time {timestamp}\n".encode("ascii") + message
        return timestamp if self._verify_ed25519(signed, signature[8:]) else None

    def verify(self, message: bytes, signature: bytes) -> bool:
        return self.verify_timestamp(message, signature) is not None

    def verify_note(self, note: SignedNote | str) -> int | None:
        """Timestamp of this witness's valid cosignature on `note`, or None.

        Only the first line with this key's name and key ID is considered,
        matching how note verification treats repeated lines.
        """
        if not isinstance(note, SignedNote):
            note = SignedNote.from_text(note)
        message = note.text.encode("utf-8")
        for sig in note.signatures:
            if sig.name == self.name and sig.key_id == self.key_id:
                return self.verify_timestamp(message, sig.signature)
        return None


@dataclass(frozen=True)
class CosignatureSigner(_Ed25519Signer[CosignatureVerifier]):
    """Produces cosignature/v1 lines for one witness key."""

    _VERIFIER = CosignatureVerifier

    def sign(self, body: Checkpoint | str, timestamp: int) -> NoteSignature:
        """The cosignature line over checkpoint `body` at `timestamp` (POSIX seconds)."""
        message = cosigned_message(body, timestamp)
        return NoteSignature(self.name, self.key_id, timestamp.to_bytes(8, "big") + self._sign_ed25519(message))

    def cosign(self, note: SignedNote | str, timestamp: int) -> SignedNote:
        """Add (or replace) this witness's cosignature on a signed checkpoint note.

        Does not check the log's signature: a witness must do that (and its
        consistency checks) before calling this.
        """
        if not isinstance(note, SignedNote):
            note = SignedNote.from_text(note)
        return note.with_signatures(self.sign(note.text, timestamp))
