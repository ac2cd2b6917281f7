"""C2SP tlog-proof@v1: an offline-verifiable proof that an entry is in a log.

c2sp.org/tlog-proof "Format", line by line:

1. ``c2sp.org/tlog-proof@v1``
2. optionally ``extra <base64 opaque data>`` (unauthenticated!)
3. ``index <decimal, no leading zeros>``
4. zero or more base64 SHA-256 hashes: the RFC 6962 inclusion path, from the
   leaf's sibling up to the root's child
5. an empty line
6. the signed checkpoint note, verbatim.

Merkle hashing lives elsewhere: :meth:`TlogProof.verify` takes the caller's
inclusion-proof checker as a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tradeledger.errors import TradeledgerError

from ._encoding import b64decode, b64encode, decode_text, is_uint, parse_decimal
from .checkpoint import HASH_SIZE, Checkpoint, CheckpointError
from .note import NoteError, SignedNote
from .policy import CheckpointVerification, Policy

__all__ = ["HEADER", "MAX_PATH_LENGTH", "InclusionVerifier", "ProofFormatError", "ProofVerification", "TlogProof"]

HEADER = "c2sp.org/tlog-proof@v1"
#: A tree has at most 2^64 - 1 leaves, so an inclusion path has at most 64 hashes.
MAX_PATH_LENGTH = 64

#: ``verify_inclusion(leaf_hash, index, tree_size, inclusion_path, root_hash) -> bool``.
#: It must return True for a valid proof; False, or raising ValueError, means invalid.
InclusionVerifier = Callable[[bytes, int, int, Sequence[bytes], bytes], bool]


class ProofFormatError(TradeledgerError, ValueError):
    """Proof text (or TlogProof fields) violates tlog-proof@v1."""


@dataclass(frozen=True)
class ProofVerification:
    """``checkpoint`` is the policy-verified checkpoint, when that step passed."""

    ok: bool
    reason: str | None = None
    checkpoint: CheckpointVerification | None = None


@dataclass(frozen=True)
class TlogProof:
    index: int
    inclusion_path: tuple[bytes, ...]
    checkpoint_note: str
    extra: bytes | None = None

    def __post_init__(self) -> None:
        if not is_uint(self.index):
            raise ProofFormatError(f"index must be an int in 0..2^64-1, got {self.index!r}")
        path = tuple(self.inclusion_path)
        object.__setattr__(self, "inclusion_path", path)
        if len(path) > MAX_PATH_LENGTH:
            raise ProofFormatError(f"inclusion path has {len(path)} hashes; at most {MAX_PATH_LENGTH} are possible")
        for i, h in enumerate(path):
            if not isinstance(h, bytes) or len(h) != HASH_SIZE:
                raise ProofFormatError(f"inclusion path hash {i + 1} must be {HASH_SIZE} bytes")
        if self.extra is not None and (not isinstance(self.extra, bytes) or not self.extra):
            # An empty "extra" would be indistinguishable in meaning from an
            # absent one; the spec says to omit the line when there is no data.
            raise ProofFormatError("extra must be None or non-empty bytes")
        if not isinstance(self.checkpoint_note, str):
            raise ProofFormatError("checkpoint_note must be the signed checkpoint note text (str)")
        try:
            Checkpoint.from_text(SignedNote.from_text(self.checkpoint_note).text)
        except (NoteError, CheckpointError) as exc:
            raise ProofFormatError(f"checkpoint: {exc}") from None

    @property
    def checkpoint(self) -> Checkpoint:
        """The checkpoint body, *unverified*; use :meth:`verify` or a Policy first."""
        return Checkpoint.from_text(SignedNote.from_text(self.checkpoint_note).text)

    def to_text(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append(f"extra {b64encode(self.extra)}")
        lines.append(f"index {self.index}")
        lines += [b64encode(h) for h in self.inclusion_path]
        return "\n".join(lines) + "\n\n" + self.checkpoint_note

    @classmethod
    def from_text(cls, text: str | bytes) -> TlogProof:
        text = decode_text(text, "proof", ProofFormatError)
        # Header lines are all non-empty, so the first empty line ends them.
        head, sep, note = text.partition("\n\n")
        if not sep:
            raise ProofFormatError("missing the empty line before the checkpoint")
        lines = head.split("\n")
        if lines[0] != HEADER:
            raise ProofFormatError(f"first line must be {HEADER!r}, got {lines[0]!r}")
        pos = 1
        extra = None
        if pos < len(lines) and lines[pos].startswith("extra "):
            try:
                extra = b64decode(lines[pos][len("extra ") :], "extra")
            except ValueError as exc:
                raise ProofFormatError(str(exc)) from None
            pos += 1
        if pos >= len(lines) or not lines[pos].startswith("index "):
            found = repr(lines[pos]) if pos < len(lines) else "nothing"
            raise ProofFormatError(f"expected 'index <n>' on line {pos + 1}, got {found}")
        try:
            index = parse_decimal(lines[pos][len("index ") :], "index")
        except ValueError as exc:
            raise ProofFormatError(str(exc)) from None
        path = []
        for lineno, line in enumerate(lines[pos + 1 :], start=pos + 2):
            try:
                h = b64decode(line, f"line {lineno}: inclusion path hash")
            except ValueError as exc:
                raise ProofFormatError(str(exc)) from None
            if len(h) != HASH_SIZE:
                raise ProofFormatError(f"line {lineno}: inclusion path hash must be {HASH_SIZE} bytes, got {len(h)}")
            path.append(h)
        return cls(index, tuple(path), note, extra)

    def verify(
        self,
        leaf_hash: bytes,
        policy: Policy,
        verify_inclusion: InclusionVerifier,
    ) -> ProofVerification:
        """Check the checkpoint against `policy`, then the inclusion path against it.

        `verify_inclusion` is called as ``verify_inclusion(leaf_hash, index,
        tree_size, inclusion_path, root_hash)``.  The extra data is not looked
        at: it is unauthenticated.
        """
        cv = policy.verify_checkpoint(self.checkpoint_note)
        if not cv.ok or cv.checkpoint is None:
            return ProofVerification(False, f"checkpoint rejected: {cv.reason}", cv)
        cp = cv.checkpoint
        if self.index >= cp.size:
            return ProofVerification(False, f"index {self.index} is outside the tree of size {cp.size}", cv)
        try:
            valid = verify_inclusion(leaf_hash, self.index, cp.size, self.inclusion_path, cp.root_hash)
        except ValueError as exc:
            return ProofVerification(False, f"inclusion proof invalid: {exc}", cv)
        if valid is not True:
            return ProofVerification(False, "inclusion proof does not lead to the checkpoint root hash", cv)
        return ProofVerification(True, None, cv)
