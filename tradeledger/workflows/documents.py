"""Documents: anchor files, find them, prove them, purge them; on any runtime's `Node`.

The file stays in its owner's vault; only its salted commitment is signed into the log.
Its references are split (`contracts.documents`): the public ones (entry, verification,
issuer) go in the envelope; the others (a bill of lading, an invoice number ...) travel
sealed, as the anchor's private part, to the owner, the organizations it shares them with
and the members of the entry it names, so `find` by such a reference works in their
stores only.
A proof bundle for a file is found from the file itself: its SHA-256 leads to the
commitment and salt in a vault, the commitment to its leaf, the leaf to a final checkpoint.
A purge is recorded on the ledger (the access contract refuses it before the retention
period ends) before the owner's vault drops the bytes; the commitment stays provable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tradeledger.contracts import access, documents
from tradeledger.contracts.documents import AnchoredDocument
from tradeledger.crypto import commit_document, sha256
from tradeledger.crypto.disclosure import DisclosureError, FieldSummary, commit_fields
from tradeledger.ledger.bundle import DisclosedDocument, DisclosedFields, ProofBundle
from tradeledger.ledger.collections import CommittedPart, PrivateInput, commit_part
from tradeledger.ledger.proving import NotProvable, build_bundle
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.node import Node
from tradeledger.runtime.receipts import Receipt, wait_level
from tradeledger.vault.store import CommitmentRecord

COMMITMENT_POINTER = "/commitments/0"


@dataclass(frozen=True)
class AnchorResult:
    """One file anchored (or refused): its commitment and the receipt of its envelope."""

    file: str
    commitment: str
    receipt: Receipt

    @property
    def valid(self) -> bool | None:
        return self.receipt.valid

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "commitment": self.commitment, **self.receipt.to_dict()}


@dataclass(frozen=True)
class PurgeResult:
    """A purge recorded on the ledger, and whether the owner's vault dropped the bytes
    (they stay while another unpurged commitment of the same bytes needs them)."""

    commitment: str
    removed_bytes: bool
    receipt: Receipt

    def to_dict(self) -> dict[str, Any]:
        return {"commitment": self.commitment, "removed_bytes": self.removed_bytes, **self.receipt.to_dict()}


def read_files(paths: Sequence[Path]) -> list[tuple[Path, bytes]]:
    """Read every file first, so a missing one stops the command before anything changes."""
    contents = []
    for path in paths:
        if not path.is_file():
            raise NetworkError(f"{path} is not a readable file; check the path")
        contents.append((path, path.read_bytes()))
    return contents


# --- anchor ------------------------------------------------------------------------------

def anchor_documents(
    node: Node,
    organization: str,
    files: Sequence[tuple[Path, bytes]],
    doc_type: str,
    refs: dict[str, str],
    wait: str = "final",
    structured: bool = False,
    share_with: Sequence[str] = (),
) -> list[AnchorResult]:
    """Anchor each file's salted commitment; `structured` commits a JSON object field by
    field, so that chosen fields can be disclosed later. Private references are shared
    with the organizations in `share_with` (and the named entry's members)."""
    level = wait_level(wait)
    public, private = documents.split_refs(refs)
    if share_with and not private:
        raise NetworkError("share-with names whom the private references go to; this anchor has none "
                           f"(public references: {', '.join(sorted(documents.PUBLIC_REFS))})")
    if private:
        _check_private_refs(private)
    vault = node.vault(organization)
    prepared = []
    for path, content in files:
        fields: dict[str, str] = {}
        committed = content
        if structured:
            structure = commit_fields(_json_object(path, content))
            fields = {name: d.encoded for name, d in structure.disclosures.items()}
            committed = structure.summary.document_bytes()
        commitment, salt, _digest = commit_document(committed)
        args: dict[str, Any] = {"doc_type": doc_type, "refs": public}
        parts: list[CommittedPart] = []
        if private:
            refs_salt = os.urandom(32).hex()
            args["refs_digest"] = documents.references_digest(private, refs_salt)
            if share_with:
                args["members"] = list(share_with)
            parts.append(commit_part(PrivateInput(documents.REFERENCES, documents.document_collection(commitment),
                                                  {"refs": private, "salt": refs_salt})))
        envelope = node.sign(organization, documents.NAMESPACE, "anchor", args, [commitment],
                             private=[p.part for p in parts])
        prepared.append((path, content, commitment, salt, fields, envelope, parts))
    # The salt is kept before the envelope is ordered: a crash after ordering must not
    # lose the only means of proving the document against its commitment.
    for _path, content, commitment, salt, fields, _env, _parts in prepared:
        digest = vault.put_document(content)
        vault.record_commitment(CommitmentRecord(commitment, digest, salt, doc_type))
        if fields:
            vault.record_field_disclosures(commitment, fields)
    for *_rest, envelope, parts in prepared:
        if parts:  # the sealed references reach the members before the envelope is ordered
            payloads = [p.payload(envelope.txid) for p in parts]
            preview = node.preview(organization, envelope, payloads)
            if preview.valid:
                node.deliver(organization, payloads, preview.members)
    receipts = node.submit([p[5] for p in prepared], wait=level, viewer=organization)
    results = []
    for (path, content, commitment, *_rest), receipt in zip(prepared, receipts, strict=True):
        if receipt.valid is False:  # refused: the vault keeps nothing of it
            vault.forget_commitment(commitment)
            digest_hex = sha256(content).hex()
            if not vault.commitments_of(digest_hex):
                vault.remove_document(digest_hex)
        results.append(AnchorResult(str(path), commitment, receipt))
    return results


def _check_private_refs(private: dict[str, str]) -> None:
    """The private part's own rules, checked before anything is signed: a private part
    refused at the members would leave a valid anchor whose references nobody holds."""
    try:
        documents.References.model_validate({"refs": private, "salt": "0" * 64})
    except ValidationError as exc:
        problems = "; ".join(str(err["msg"]) for err in exc.errors())  # the messages name no value
        raise NetworkError(f"the private references are refused: {problems}") from None


def _json_object(path: Path, content: bytes) -> dict[str, Any]:
    try:
        value = json.loads(content)
    except ValueError:
        raise NetworkError(f"{path} is not JSON; only a JSON object can be committed field by field") from None
    if not isinstance(value, dict) or not value:
        raise NetworkError(f"{path} is not a non-empty JSON object; only those can be committed field by field")
    try:
        commit_fields(value)
    except DisclosureError as exc:
        raise NetworkError(f"{path}: {exc}") from None
    return value


# --- find --------------------------------------------------------------------------------

def find_by_reference(node: Node, viewer: str, name: str, value: str) -> list[AnchoredDocument]:
    """The documents anchored with reference `name`=`value`, in `viewer`'s copy of the
    ledger: a private reference only among the documents `viewer` holds the references of."""
    return documents.find_by_reference(node.state(viewer), name, value, viewer)


def find_by_commitment(node: Node, viewer: str, commitment: str) -> AnchoredDocument | None:
    return documents.find_by_commitment(node.state(viewer), commitment)


def shown(node: Node, viewer: str, document: AnchoredDocument) -> dict[str, Any]:
    """A document as `viewer` may see it: its public facts, with its private references
    when `viewer` holds them, else a note that they are private to the collection."""
    data = document.to_dict()
    if document.refs_digest is None:
        return data
    state = node.state(viewer)
    private = documents.private_references(state, document.commitment)
    if private is not None:
        data["private_refs"] = dict(private.refs)
    else:
        data["private_refs"] = f"private to {', '.join(documents.document_members(state, document.commitment))}"
    return data


# --- prove -------------------------------------------------------------------------------

def prove_document(node: Node, content: bytes, organization: str | None = None,
                   fields: list[str] | None = None) -> ProofBundle:
    """The proof bundle of a document a vault on this node holds (`organization`'s, or any
    hosted one's): disclosing its hash and salt, or for a document committed field by
    field, the chosen `fields` (all if None)."""
    digest = sha256(content)
    owners = [organization] if organization else node.hosted
    for owner in owners:
        vault = node.vault(owner)
        for record in vault.commitments_of(digest.hex()):
            anchored = documents.find_by_commitment(node.state(owner), record.commitment)
            if anchored is None:
                continue
            disclosures = vault.field_disclosures(record.commitment)
            disclosed: DisclosedDocument | DisclosedFields
            if disclosures:
                disclosed = _disclosed_fields(disclosures, record.salt, fields)
            elif fields is not None:
                raise NetworkError("this document was anchored whole; anchor it with --structured "
                                   "to disclose chosen fields")
            else:
                disclosed = DisclosedDocument(digest, record.salt)
            return _bundle(node, owner, anchored, disclosed)
    raise NetworkError(
        "no vault in this network holds an anchored commitment for this file "
        f"(sha256 {digest.hex()}); anchor it first with `tradeledger anchor`"
    )


def _disclosed_fields(disclosures: dict[str, str], salt: bytes, fields: list[str] | None) -> DisclosedFields:
    unknown = sorted(set(fields or ()) - set(disclosures))
    if unknown:
        raise NetworkError(f"the document has no fields {unknown}; it has {sorted(disclosures)}")
    chosen = sorted(disclosures) if fields is None else sorted(set(fields))
    summary = FieldSummary.of(disclosures.values())
    return DisclosedFields(summary, salt, tuple(disclosures[name] for name in chosen))


def _bundle(node: Node, viewer: str, anchored: AnchoredDocument,
            disclosed: DisclosedDocument | DisclosedFields | None) -> ProofBundle:
    try:
        return build_bundle(node.ledger(viewer), node.genesis, anchored.leaf_index, COMMITMENT_POINTER, disclosed)
    except NotProvable as exc:
        raise NetworkError(str(exc)) from None


def prove_commitment(node: Node, commitment: str, viewer: str | None = None) -> ProofBundle:
    """The existence-and-time bundle of an anchored commitment, disclosing nothing: what
    remains provable after the document itself is purged. Read from `viewer`'s copy of
    the ledger (default: the first organization this node hosts)."""
    viewer = viewer or node.hosted[0]
    anchored = documents.find_by_commitment(node.state(viewer), commitment)
    if anchored is None:
        raise NetworkError(f"no document with commitment {commitment} is anchored in this network")
    return _bundle(node, viewer, anchored, None)


# --- purge -------------------------------------------------------------------------------

def purge_document(node: Node, owner: str, commitment: str) -> PurgeResult:
    """Record the purge on the ledger (refused before the retention period ends), then
    drop the private payload from the owner's vault; commitment and salt stay."""
    node.organization_keys(owner)  # an unknown organization is refused with the known ones
    # Ask the ledger first: opening the vault of an organization that has none would create one.
    anchored = documents.find_by_commitment(node.state(owner), commitment)
    kept = node.vault(owner).commitment(commitment) if anchored and anchored.owner == owner else None
    if kept is None:
        raise NetworkError(f"{owner}'s vault holds no document with commitment {commitment}")
    receipt = node.submit_checked(owner, access.NAMESPACE, "purge", {"commitment": commitment})
    vault = node.vault(owner)
    removed = vault.remove_document(kept.document_sha256) if not _still_needed(node, owner, kept) else False
    vault.drop_field_disclosures(commitment)
    return PurgeResult(commitment, removed, receipt)


def _still_needed(node: Node, owner: str, kept: CommitmentRecord) -> bool:
    """The same bytes anchored again under another, unpurged commitment stay."""
    state = node.state(owner)
    return any(
        other.commitment != kept.commitment and access.purge_record(state, other.commitment) is None
        and documents.find_by_commitment(state, other.commitment) is not None
        for other in node.vault(owner).commitments_of(kept.document_sha256)
    )
