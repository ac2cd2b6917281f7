"""C2SP tlog-checkpoint: the note text of a transparency log tree head.

c2sp.org/tlog-checkpoint "Note text": at least three non-empty lines,

1. the origin (non-empty; a schema-less URL is only RECOMMENDED),
2. the tree size in ASCII decimal without leading zeros,
3. the base64 RFC 6962 (SHA-256) root hash,

followed by optional, non-empty, opaque extension lines.  The text is a
signed-note text, so it ends in a newline and carries no control characters.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradeledger.errors import TradeledgerError

from ._encoding import MAX_UINT64, b64decode, b64encode, is_uint, note_text_problem, parse_decimal
from .note import SignedNote, Signer, sign_note

__all__ = ["HASH_SIZE", "Checkpoint", "CheckpointError"]

#: RFC 6962 Merkle trees use SHA-256.
HASH_SIZE = 32


class CheckpointError(TradeledgerError, ValueError):
    """A checkpoint body (or a Checkpoint's fields) violates tlog-checkpoint."""


def _check_line(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise CheckpointError(f"{what} must be a str, not {type(value).__name__}")
    if not value:
        raise CheckpointError(f"{what} must be non-empty")
    if "\n" in value:
        raise CheckpointError(f"{what} must be a single line: {value!r}")
    problem = note_text_problem(value)
    if problem:
        raise CheckpointError(f"{what} contains a {problem}")
    return value


@dataclass(frozen=True)
class Checkpoint:
    """A log's signed statement of tree size and root hash (unsigned body)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if not is_uint(self.size):
            raise CheckpointError(f"tree size must be an int in 0..{MAX_UINT64}, got {self.size!r}")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"root hash must be {HASH_SIZE} bytes")
        if isinstance(self.extensions, str):
            raise CheckpointError("extensions must be a sequence of lines, not a str")
        extensions = tuple(self.extensions)
        for i, line in enumerate(extensions):
            _check_line(line, f"extension line {i + 1}")
        object.__setattr__(self, "extensions", extensions)

    def to_text(self) -> str:
        """The checkpoint body, i.e. the note text, ending in a newline."""
        lines = (self.origin, str(self.size), b64encode(self.root_hash), *self.extensions)
        return "".join(line + "\n" for line in lines)

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body (a note text, not a whole signed note)."""
        if not isinstance(text, str):
            raise CheckpointError(f"checkpoint text must be a str, not {type(text).__name__}")
        if not text.endswith("\n"):
            raise CheckpointError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError(f"checkpoint needs origin, size and root hash lines; got {len(lines)} line(s)")
        origin, size_line, root_line, *extensions = lines
        if not origin:
            raise CheckpointError("checkpoint origin line is empty")
        try:
            size = parse_decimal(size_line, "tree size")
            root = b64decode(root_line, "root hash")
        except ValueError as exc:
            raise CheckpointError(str(exc)) from None
        if len(root) != HASH_SIZE:
            raise CheckpointError(f"root hash must be {HASH_SIZE} bytes, got {len(root)}")
        for i, line in enumerate(extensions):
            if not line:
                raise CheckpointError(f"extension line {i + 1} is empty (extension lines MUST be non-empty)")
        return cls(origin, size, root, tuple(extensions))

    def sign(self, *signers: Signer) -> SignedNote:
        """Sign the body as a note, e.g. with the log's :class:`~.note.NoteSigner`."""
        return sign_note(self.to_text(), *signers)
