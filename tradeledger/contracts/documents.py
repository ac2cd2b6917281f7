"""The documents contract: anchor a document's salted commitment with its type and references.

The document itself stays in its owner's vault (DESIGN.md decision 10); the envelope
carries only the commitment (its first entry of `commitments`).

What is public, and why (decision 15). Every peer keeps, and the state digest covers
(decision 14), what lets anyone check a document's existence and what the other
contracts judge from public facts: the commitment, the document type, the owner, the
anchoring's leaf and time, and the references that are public keys of the ledger
(`PUBLIC_REFS`: the entry the document belongs to, whose number is public with its filer
and status; the verification of origin it answers; the organization that issued it). Any
other business reference (a bill of lading, an invoice number, a certification's terms)
is trade data: it travels in the anchor's private part `references` to a collection of
the owner, the organizations it names and, when the anchor names a filed entry, that
entry's members (importer, filer, customs). A non-member's store holds no byte of it;
the public anchor holds only `refs_digest`, a salted digest of those references, so that
a member can later prove them to a party or a contract that cannot read them
(`references_prove`: the references and the salt are stated, the digest is checked).

For other contracts: `find_by_commitment` gives the public facts, at every peer, public
handlers included. `find_visible` adds the private references where the reader may read
them: a member's store, or a private part of a collection whose members all hold the
document's collection (the framework's read rule; e.g. an entry's part, when the entry's
importer, filer and customs office are all members), else it answers the public facts.

Public state, under composite keys (`tradeledger.ledger.keys`):
- `document/<commitment>`: an `AnchoredDocument` (type, public references, owner, leaf,
  time, the digest of its private references if any);
- `reference/<name>/<value>/<commitment>`: the leaf index of the anchoring, the index
  that finds the documents carrying one public reference;
- `member/<organization>/<commitment>`: the leaf index, for each member of a document's
  collection (membership is public): the index a member's `find` walks for the private
  references it holds;
- `collection/<document collection>`: the collection's members (the framework's record).

Private state, in `documents#document/<commitment>` at its members: `references`, a
`PrivateReferences` (the references and the salt of their digest).

It also names the document types the trade exchanges (`SUPPORTING_DOCUMENTS`); a
document's type is any lowercase token, these are the ones the default access rules name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import field_validator

from tradeledger.crypto import canonical_bytes, sha256_hex
from tradeledger.errors import Refused, TradeledgerError
from tradeledger.identity.registry import organization_record
from tradeledger.ledger.collections import private_namespace
from tradeledger.ledger.contract import ANY_ROLE, Args, Contract, PrivateContext, TxContext, collection_record
from tradeledger.ledger.keys import key_prefix, split_key, state_key
from tradeledger.ledger.state import PrivateStateRead, StateReader

NAMESPACE = "documents"
contract = Contract(NAMESPACE, "anchored document commitments")
TOKEN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
MAX_REFS = 16
MAX_MEMBERS = 16
REFERENCES = "references"  # the private part, and its key in the collection

# The references that are public keys of the ledger (module docstring); any other is private.
ENTRY_REF, VERIFICATION_REF, ISSUER_REF = "entry", "verification", "issuer"
PUBLIC_REFS = frozenset({ENTRY_REF, VERIFICATION_REF, ISSUER_REF})

# The supporting documents of an entry: what customs sees of an entry filed with it.
SUPPORTING_DOCUMENTS = (
    "commercial_invoice", "packing_list", "bill_of_lading", "certification_of_origin",
    "mill_certificate", "entry_summary", "permit", "license",
)


class DocumentRecordError(TradeledgerError, ValueError):
    """Stored documents state that this contract could not have written."""


def document_key(commitment: str) -> str:
    return state_key("document", commitment)


def reference_key(name: str, value: str, commitment: str) -> str:
    return state_key("reference", name, value, commitment)


def reference_prefix(name: str, value: str) -> str:
    return key_prefix("reference", name, value)


def member_key(organization: str, commitment: str) -> str:
    return state_key("member", organization, commitment)


def member_prefix(organization: str) -> str:
    return key_prefix("member", organization)


def document_collection(commitment: str) -> str:
    """The collection holding a document's private references."""
    return state_key("document", commitment)


def is_public_ref(name: str) -> bool:
    return name in PUBLIC_REFS


def split_refs(refs: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(public, private) references, as the anchor carries them."""
    public = {k: v for k, v in refs.items() if is_public_ref(k)}
    return public, {k: v for k, v in refs.items() if not is_public_ref(k)}


def references_digest(refs: Mapping[str, str], salt: str) -> str:
    """The public digest of private references: SHA-256 of the canonical JSON of the
    references and a 32-byte random salt (hex), so that a guess cannot be checked."""
    return sha256_hex(canonical_bytes({"refs": dict(refs), "salt": salt}))


# --- records -----------------------------------------------------------------------------

@dataclass(frozen=True)
class AnchoredDocument:
    """An anchored commitment: what the ledger knows of a document it never saw (public)."""

    commitment: str
    doc_type: str
    owner: str
    txid: str
    leaf_index: int
    anchored_ms: int
    refs: Mapping[str, str] = field(default_factory=dict)  # the public references only
    refs_digest: str | None = None  # of its private references, when it has some

    def ref(self, name: str) -> str | None:
        """A public reference (`PUBLIC_REFS`); private ones are read with `private_references`."""
        return self.refs.get(name)

    def to_dict(self) -> dict[str, Any]:
        data = {"commitment": self.commitment, "doc_type": self.doc_type, "refs": dict(self.refs),
                "owner": self.owner, "txid": self.txid, "leaf_index": self.leaf_index,
                "anchored_ms": self.anchored_ms}
        if self.refs_digest is not None:
            data["refs_digest"] = self.refs_digest
        return data

    @classmethod
    def from_dict(cls, data: Any) -> AnchoredDocument:
        try:
            refs = data["refs"]
            if not isinstance(refs, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                     for k, v in refs.items()):
                raise TypeError("refs")
            digest = data.get("refs_digest")
            if digest is not None and not (isinstance(digest, str) and HEX64.match(digest)):
                raise TypeError("refs_digest")
            return cls(str(data["commitment"]), str(data["doc_type"]), str(data["owner"]), str(data["txid"]),
                       int(data["leaf_index"]), int(data["anchored_ms"]), dict(refs), digest)
        except (KeyError, TypeError, ValueError) as exc:
            raise DocumentRecordError(f"not an anchored document record ({exc})") from None


@dataclass(frozen=True)
class PrivateReferences:
    """A document's private references and the salt of their public digest (at its members)."""

    refs: Mapping[str, str]
    salt: str

    def proves(self, document: AnchoredDocument) -> bool:
        return document.refs_digest is not None and references_digest(self.refs, self.salt) == document.refs_digest

    def to_dict(self) -> dict[str, Any]:
        return {"refs": dict(self.refs), "salt": self.salt}

    @classmethod
    def from_dict(cls, data: Any) -> PrivateReferences:
        try:
            refs, salt = data["refs"], data["salt"]
            if not isinstance(refs, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                     for k, v in refs.items()) or not isinstance(salt, str):
                raise TypeError("refs and salt")
            return cls(dict(refs), salt)
        except (KeyError, TypeError) as exc:
            raise DocumentRecordError(f"not a private references record ({exc})") from None


# --- the action --------------------------------------------------------------------------

def _check_refs(v: dict[str, str]) -> dict[str, str]:
    if len(v) > MAX_REFS:
        raise ValueError(f"at most {MAX_REFS} references")
    for name, value in v.items():
        if not TOKEN.match(name):
            raise ValueError(f"reference name {name!r} must be a lowercase token such as entry or bol")
        if not value or len(value) > 128 or "\n" in value:
            raise ValueError(f"reference {name} must be 1-128 characters on one line")
    return v


class Anchor(Args):
    doc_type: str
    refs: dict[str, str] = {}  # the public references (PUBLIC_REFS) only
    refs_digest: str | None = None  # of the private references, sent in the part `references`
    members: list[str] = []  # whom the owner shares its private references with

    @field_validator("doc_type")
    @classmethod
    def _doc_type(cls, v: str) -> str:
        if not TOKEN.match(v):
            raise ValueError("document types are lowercase tokens such as commercial_invoice")
        return v

    @field_validator("refs")
    @classmethod
    def _refs(cls, v: dict[str, str]) -> dict[str, str]:
        _check_refs(v)
        private = sorted(name for name in v if not is_public_ref(name))
        if private:
            raise ValueError(f"references {', '.join(private)} are trade data: send them in the private part "
                             f"references (public ones: {', '.join(sorted(PUBLIC_REFS))})")
        return v

    @field_validator("refs_digest")
    @classmethod
    def _digest(cls, v: str | None) -> str | None:
        if v is not None and not HEX64.match(v):
            raise ValueError("refs_digest is 64 lowercase hex digits")
        return v

    @field_validator("members")
    @classmethod
    def _members(cls, v: list[str]) -> list[str]:
        if len(v) > MAX_MEMBERS or len(set(v)) != len(v):
            raise ValueError(f"members are at most {MAX_MEMBERS} distinct organizations")
        return v


class References(Args):
    """The private part of an anchor: the document's private references, and the salt of
    their digest."""

    refs: dict[str, str]
    salt: str

    @field_validator("refs")
    @classmethod
    def _refs(cls, v: dict[str, str]) -> dict[str, str]:
        _check_refs(v)
        if not v or any(is_public_ref(name) for name in v):
            raise ValueError("the private references are one or more references that are not public")
        return v

    @field_validator("salt")
    @classmethod
    def _salt(cls, v: str) -> str:
        if not HEX64.match(v):
            raise ValueError("the salt is 32 random bytes in lowercase hex")
        return v


def collection_members(state: StateReader, owner: str, named: list[str] | tuple[str, ...],
                       entry_number: str | None) -> tuple[str, ...]:
    """Who holds a document's private references: its owner, whom it names and, when the
    document names a filed entry, that entry's importer, filer and customs office."""
    from tradeledger.contracts import entries  # entries imports this module; imported here, no cycle at load

    members = {owner, *named}
    filing = entries.find_filing(state, entry_number) if entry_number else None
    if filing is not None:
        members |= {filing.importer, filing.filer, filing.filed_with}
    return tuple(sorted(members))


@contract.action("anchor", Anchor, roles=ANY_ROLE,
                 reads=lambda _args, commitments: [(NAMESPACE, document_key(c)) for c in commitments[:1]])
def anchor(ctx: TxContext, args: Anchor) -> None:
    ctx.require(len(ctx.commitments) == 1, "anchor carries exactly one commitment")
    commitment = ctx.commitments[0]
    key = document_key(commitment)
    existing = ctx.state.get(key)
    ctx.require(existing is None, f"commitment already anchored at leaf {existing and existing['leaf_index']}")
    parts = ctx.parts_named(REFERENCES)
    ctx.require(len(ctx.private_parts) == len(parts), "an anchor's only private part is references")
    ctx.require(len(parts) <= 1, "an anchor carries one references part")
    ctx.require((args.refs_digest is None) == (not parts),
                "private references come as the part references with their refs_digest, or not at all")
    ctx.require(bool(parts) or not args.members, "members share private references: send them, or name no one")
    owner = ctx.signer.organization
    if parts:
        collection = document_collection(commitment)
        ctx.require(parts[0].collection == collection, f"the references part goes to collection {collection}")
        for member in args.members:
            record = organization_record(ctx.state.reader, member)
            ctx.require(record is not None and record.active, f"{member} is not an active organization")
        members = collection_members(ctx.state.reader, owner, args.members, args.refs.get(ENTRY_REF))
        ctx.set_members(collection, members)
        for member in members:
            ctx.state.put(member_key(member, commitment), ctx.leaf_index)
    document = AnchoredDocument(commitment, args.doc_type, owner, ctx.txid, ctx.leaf_index,
                                ctx.block_time_ms, args.refs, args.refs_digest)
    ctx.state.put(key, document.to_dict())
    for name, value in args.refs.items():
        ctx.state.put(reference_key(name, value, commitment), ctx.leaf_index)
    ctx.emit("anchored", commitment=commitment, doc_type=args.doc_type, refs=args.refs, owner=owner,
             **({"private_refs": True} if parts else {}))


@contract.private("anchor", REFERENCES, References)
def anchor_references(ctx: PrivateContext, args: Anchor, payload: References) -> None:
    # A payload that does not open the public digest would leave members holding
    # references nobody could prove: refused (a private verdict, caught by the owner's preview).
    ctx.require(references_digest(payload.refs, payload.salt) == args.refs_digest,
                "the private references do not match the anchor's refs_digest")
    ctx.state.put(REFERENCES, PrivateReferences(payload.refs, payload.salt).to_dict())


# --- queries -----------------------------------------------------------------------------

def find_by_commitment(state: StateReader, commitment: str) -> AnchoredDocument | None:
    """The public facts of an anchored document (commitment, type, owner, public references)."""
    data = state.get_state(NAMESPACE, document_key(commitment))
    return AnchoredDocument.from_dict(data) if data is not None else None


def document_members(state: StateReader, commitment: str) -> tuple[str, ...]:
    """Who holds the document's private references (public); empty when it has none."""
    record = collection_record(state, NAMESPACE, document_collection(commitment))
    return record.members if record is not None else ()


def private_references(state: StateReader, commitment: str) -> PrivateReferences | None:
    """The document's private references as `state` holds them: a member's store (or a
    private part whose read rule admits the document's collection) has them; anyone else,
    and a document anchored without them, gets None."""
    data = state.get_state(private_namespace(NAMESPACE, document_collection(commitment)), REFERENCES)
    return PrivateReferences.from_dict(data) if data is not None else None


def all_references(state: StateReader, document: AnchoredDocument) -> dict[str, str]:
    """Public and (where `state` holds them) private references of a document."""
    private = _readable_references(state, document)
    return {**dict(document.refs), **(dict(private.refs) if private else {})}


def _readable_references(state: StateReader, document: AnchoredDocument) -> PrivateReferences | None:
    if document.refs_digest is None:
        return None
    try:
        return private_references(state, document.commitment)
    except (PrivateStateRead, Refused):
        # A public handler, or a private part whose read rule does not admit the
        # document's collection: the same answer at every peer that runs it.
        return None


def find_visible(state: StateReader, commitment: str) -> AnchoredDocument | None:
    """The anchored document with every reference `state` may read: the public ones, and
    the private ones where `state` is a member's store or a private part whose read rule
    admits the document's collection (then all of its executing peers hold them). Never
    write the result to public state; elsewhere it equals `find_by_commitment`."""
    document = find_by_commitment(state, commitment)
    if document is None:
        return None
    private = _readable_references(state, document)
    return replace(document, refs={**dict(document.refs), **dict(private.refs)}) if private else document


def references_prove(document: AnchoredDocument, refs: Mapping[str, str], salt: str) -> bool:
    """Do stated private references and salt open the document's public digest? For a
    contract part or a party that cannot read the document's collection: a member states
    them (in a payload, say), and this check binds them to the anchoring."""
    return PrivateReferences(refs, salt).proves(document)


def find_by_reference(state: StateReader, name: str, value: str, viewer: str | None = None) -> list[AnchoredDocument]:
    """Every document carrying reference `name`=`value`, in the order they were anchored.

    A public reference is found in the public index. A private one only among the
    documents whose collection `viewer` belongs to, in `viewer`'s own store: anyone else
    (or no viewer) finds nothing."""
    found = []
    if is_public_ref(name):
        for key, _leaf_index in state.scan_state(NAMESPACE, reference_prefix(name, value)):
            _kind, (_name, _value, commitment) = split_key(key)
            document = find_by_commitment(state, commitment)
            if document is not None:
                found.append(document)
    elif viewer is not None:
        for key, _leaf_index in state.scan_state(NAMESPACE, member_prefix(viewer)):
            _kind, (_member, commitment) = split_key(key)
            private = private_references(state, commitment)
            document = find_by_commitment(state, commitment) if private is not None else None
            if document is not None and private is not None and private.refs.get(name) == value:
                found.append(document)
    return sorted(found, key=lambda d: d.leaf_index)
