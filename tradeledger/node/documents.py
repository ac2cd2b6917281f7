"""Anchor files and prove them: the embedded network's document workflow.

The file stays in its owner's vault; only its salted commitment is signed into the log.
A proof bundle for a file is found from the file itself: its SHA-256 leads to the
commitment and salt in a vault, the commitment to its leaf, the leaf to a final checkpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tradeledger.contracts import documents
from tradeledger.crypto import commit_document, sha256
from tradeledger.ledger.bundle import DisclosedDocument, ProofBundle
from tradeledger.ledger.proving import NotProvable, build_bundle
from tradeledger.node.embedded import WAIT_LEVELS, EmbeddedNetwork, NetworkError
from tradeledger.vault.store import CommitmentRecord

COMMITMENT_POINTER = "/commitments/0"


@dataclass(frozen=True)
class AnchorResult:
    file: str
    commitment: str
    receipt: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "commitment": self.commitment, **self.receipt}


def read_files(paths: Sequence[Path]) -> list[tuple[Path, bytes]]:
    """Read every file first, so a missing one stops the command before anything changes."""
    contents = []
    for path in paths:
        if not path.is_file():
            raise NetworkError(f"{path} is not a readable file; check the path")
        contents.append((path, path.read_bytes()))
    return contents


def anchor_documents(
    network: EmbeddedNetwork,
    organization: str,
    files: Sequence[tuple[Path, bytes]],
    doc_type: str,
    refs: dict[str, str],
    wait: str = "final",
) -> list[AnchorResult]:
    if wait not in WAIT_LEVELS:
        raise NetworkError(f"wait must be one of {', '.join(WAIT_LEVELS)}")
    vault = network.vault(organization)
    prepared = []
    for path, content in files:
        commitment, salt, digest = commit_document(content)
        envelope = network.sign(organization, documents.NAMESPACE, "anchor",
                                {"doc_type": doc_type, "refs": refs}, [commitment])
        prepared.append((path, content, commitment, salt, digest, envelope))
    # The salt is kept before the envelope is ordered: a crash after ordering must not
    # lose the only means of proving the document against its commitment.
    for _path, content, commitment, salt, digest, _env in prepared:
        vault.put_document(content)
        vault.record_commitment(CommitmentRecord(commitment, digest.hex(), salt, doc_type))
    receipts = network.submit([p[5] for p in prepared], wait=wait, viewer=organization)
    results = []
    for (path, _content, commitment, *_rest), receipt in zip(prepared, receipts):
        if receipt.valid is False:
            vault.forget_commitment(commitment)
        results.append(AnchorResult(str(path), commitment, receipt.to_dict()))
    return results


def prove_document(network: EmbeddedNetwork, content: bytes, organization: str | None = None) -> ProofBundle:
    """The proof bundle, disclosing hash and salt, of a document some hosted vault holds."""
    digest = sha256(content)
    owners = [organization] if organization else list(network.keys)
    reader = network.reader.store
    for owner in owners:
        for record in network.vault(owner).commitments_of(digest.hex()):
            anchored = documents.find_by_commitment(reader, record.commitment)
            if anchored is None:
                continue
            try:
                return build_bundle(reader, network.genesis, anchored["leaf_index"], COMMITMENT_POINTER,
                                    DisclosedDocument(digest, record.salt))
            except NotProvable as exc:
                raise NetworkError(str(exc)) from None
    raise NetworkError(
        "no vault in this network holds an anchored commitment for this file "
        f"(sha256 {digest.hex()}); anchor it first with `tradeledger anchor`"
    )
