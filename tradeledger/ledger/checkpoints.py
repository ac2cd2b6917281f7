"""Checkpoints of the ledger in C2SP formats, and the network's quorum over them.

After each block every organization's node signs the same checkpoint body twice: as a
log (C2SP signed-note Ed25519, key name = the network's origin) and as a witness (C2SP
tlog-cosignature/v1, key name = the organization's witness name). The genesis policy
(C2SP tlog-policy) lists every node's log key and witness key and the quorum over the
witnesses. The body carries the block height, the block header hash and the state digest
as extension lines, so a final checkpoint fixes the state as well as the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tradeledger import merkle
from tradeledger.crypto.canonical import canonical_bytes
from tradeledger.ledger.block import BlockHeader
from tradeledger.ledger.genesis import Genesis
from tradeledger.tlog import (
    Checkpoint,
    CosignatureSigner,
    NoteError,
    NoteSignature,
    NoteSigner,
    Policy,
    SignedNote,
)

BLOCK_EXTENSION = "tradeledger-block"
STATE_EXTENSION = "tradeledger-state"


def checkpoint_body(origin: str, header: BlockHeader) -> str:
    return Checkpoint(
        origin,
        header.log_size,
        header.log_root,
        (
            f"{BLOCK_EXTENSION} {header.height} {header.hash.hex()}",
            f"{STATE_EXTENSION} {header.state_digest.hex()}",
        ),
    ).to_text()


COLLECTION_EXTENSION = "tradeledger-collection"


def collection_leaf(collection: str, digest_hex: str) -> bytes:
    """The leaf hash of one collection's digest in a member's per-block tree: the RFC 9162
    leaf hash of JCS([collection, digest_hex])."""
    return merkle.leaf_hash(canonical_bytes([collection, digest_hex]))


def collection_statement(origin: str, height: int, size: int, root: bytes) -> str:
    """What a member signs after block `height` over the collections it executed there
    (decision 15): one statement whose root is the RFC 9162 tree over the sorted leaves
    `collection_leaf` of those collections, `size` of them.

    It is shaped as a checkpoint so the witness key can cosign it, but under the origin
    `<origin>/collections`, so it can never pass for a checkpoint of the log."""
    return Checkpoint(f"{origin}/collections", size, root, (f"{COLLECTION_EXTENSION} {height}",)).to_text()


@dataclass(frozen=True)
class CollectionTree:
    """A member's tree over the digests of its collections after one block.

    `proofs[collection]` is (leaf index, inclusion proof as concatenated hex hashes).
    The proof that goes to one collection's members is made of hashes of sibling
    leaves and subtrees, each a SHA-256 over a collection name and its digest (or over
    such hashes): it tells them nothing of the other collections, not even their
    names, beyond how many there are (the tree size)."""

    statement: str
    size: int
    proofs: Mapping[str, tuple[int, str]]


def collection_tree(origin: str, height: int, digests: Mapping[str, str]) -> CollectionTree:
    """The tree and statement over `digests` (collection -> digest hex), leaves sorted."""
    leaves = sorted((canonical_bytes([name, digest]), name) for name, digest in digests.items())
    hashes = [merkle.leaf_hash(data) for data, _name in leaves]
    root, paths = merkle.all_inclusion_proofs(hashes)
    proofs = {name: (i, b"".join(paths[i]).hex()) for i, (_data, name) in enumerate(leaves)}
    return CollectionTree(collection_statement(origin, height, len(hashes), root), len(hashes), proofs)


def collection_row_statement(origin: str, height: int, collection: str, digest_hex: str, index: int, size: int,
                             proof_hex: str) -> str | None:
    """The statement a collection signature row's line must verify over, or None when its
    inclusion proof is malformed (hashes only: no signature is checked here)."""
    try:
        raw = bytes.fromhex(proof_hex)
        bytes.fromhex(digest_hex)
    except (ValueError, TypeError):
        return None
    if len(raw) % merkle.HASH_SIZE:
        return None
    path = [raw[i:i + merkle.HASH_SIZE] for i in range(0, len(raw), merkle.HASH_SIZE)]
    root = merkle.inclusion_root(index, size, collection_leaf(collection, digest_hex), path)
    return None if root is None else collection_statement(origin, height, size, root)


def witness_key_name(origin: str, organization: str) -> str:
    return f"{origin}/witness/{organization}"


@dataclass(frozen=True)
class NodeSigner:
    """An organization node's two checkpoint keys."""

    log: NoteSigner
    witness: CosignatureSigner

    @classmethod
    def from_seeds(cls, origin: str, organization: str, log_seed: bytes, witness_seed: bytes) -> NodeSigner:
        witness = CosignatureSigner(witness_seed, witness_key_name(origin, organization))
        return cls(NoteSigner(log_seed, origin), witness)

    def sign(self, body: str, timestamp: int) -> tuple[str, ...]:
        """Signature lines for a checkpoint body; `timestamp` is the block time in seconds,
        so re-signing the same block reproduces the same lines."""
        return (self.log.sign(body).to_line(), self.witness.sign(body, timestamp).to_line())


class NetworkPolicy:
    """The genesis tlog-policy, applied to checkpoint bodies and signature lines."""

    def __init__(self, genesis: Genesis):
        self.policy = Policy.from_text(genesis.policy)
        self._verifiers = [log.verifier for log in self.policy.logs] + [w.verifier for w in self.policy.witnesses]
        self._witnesses = {w.verifier.name: w.verifier for w in self.policy.witnesses}

    def valid_lines(self, body: str, lines: Iterable[str]) -> list[str]:
        """The lines that are valid signatures over `body` by keys the policy names."""
        parsed: list[tuple[str, NoteSignature]] = []
        for line in lines:
            try:
                parsed.append((line, NoteSignature.from_line(line)))
            except NoteError:
                continue
        valid: list[str] = []
        for line, signature in parsed:
            result = SignedNote(body, (signature,)).verify(self._verifiers)
            if result.verified:
                valid.append(line)
        return valid

    def signed_by(self, body: str, line: str, organization: str, origin: str) -> bool:
        """Whether `line` is `organization`'s valid witness signature over `body` (checked
        against that one witness key, not every key the policy names)."""
        verifier = self._witnesses.get(witness_key_name(origin, organization))
        if verifier is None:
            return False
        try:
            signature = NoteSignature.from_line(line)
        except NoteError:
            return False
        return signature.name == verifier.name and bool(SignedNote(body, (signature,)).verify([verifier]).verified)

    def is_final(self, body: str, lines: Sequence[str]) -> bool:
        return self.verify(body, lines).ok

    def verify(self, body: str, lines: Sequence[str]):
        note = body + "\n" + "".join(line + "\n" for line in lines)
        return self.policy.verify_checkpoint(note)
