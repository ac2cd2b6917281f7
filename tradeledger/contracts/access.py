"""The access contract: who may see a private document, and a record of every access.

Documents stay in their owners' vaults; this contract keeps what decides and proves
access (DESIGN.md decisions 10 and 11).

What is public, and why (decision 15). Grants, requests, their decisions and the access
records say what one party wants of another and why (a purpose such as "valuation
review", the fields asked, the document): trade data. They live in one private
collection per ordered pair of parties, `between/<owner>/<party>` (`pair_collection`),
whose members are the owner, the other party (grantee or requester) and the customs
authorities (every active organization of role customs when the pair's collection
opens; a collection with private history gains no member later). Every peer keeps only:
- `collection/<pair collection>`: the collection's members (the framework's record);
- `grant/<id>`: a `GrantFiling`: that the owner granted the party something, and whether
  the grant is active or revoked (a revocation is the grantor's public act; the
  disclosure path needs nothing more of it publicly); `grant_to/<grantee>/<id>` indexes
  them by grantee, so that a member finds the grants it must judge;
- `request/<id>`: a `RequestFiling`: that the party asked the owner for something. Its
  status stays private: a request is approved at once when a grant already covers it,
  and whether one does is the grants' private content. (The envelope of an owner's
  approval or denial is public, as every envelope's action is; its terms and reason are
  not.);
- `nonce/<nonce>`: a `UsedNonce`, the replay guard of the disclosure path, judged by all;
- `purged/<commitment>`: a `PurgeRecord` (the owner's document, by its public commitment);
- `policy`: the default rules the genesis wrote (an `AccessPolicy`): by requester role,
  document type and a relation of the document to the requester (`RELATIONS`, judged
  from public facts only: an entry's filing as `entries.find_filing` gives it, and the
  document's public references).

In the pair's collection (`access#between/<owner>/<party>`), at its members only:
- `grant/<id>`: a `GrantTerms` (one document or every document of the owner with a
  public reference such as entry=..., the purpose, the fields, the expiry);
- `request/<id>`: a `RequestRecord` (which document, which fields, why; approved at once,
  pending, approved or denied by the owner, with the basis or the reason);
- `record/<commitment>/<leaf>`: an `AccessRecord` for every delivery, committed before the
  owner's node releases the bytes, and accepted only while a rule or grant covers the
  request at the block's time.

The owner's peer is a member of every pair it is the owner of, so the owner's node reads
the private request it serves; the requester's peer reads its own. Each action's public
handler checks what public facts decide (who signs, which parties, the nonce) and its
private part the rest (the document, the grant, the basis): a private refusal comes back
to the submitter from its own peer's preview, before anything is ordered.

A grant by reference names a public reference (`documents.PUBLIC_REFS`): its coverage is
judged by the pair's members, who need not hold the document's private references.
Retention runs from the entry's filing (public) rather than the date of importation
(private to the entry): importation precedes filing, so no document goes before its time.

`access_basis` is the decision, shared by the contract and the owner's node.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import field_validator

from tradeledger.contracts import documents, entries
from tradeledger.contracts.documents import SUPPORTING_DOCUMENTS, AnchoredDocument
from tradeledger.identity.registry import organization_record, organizations
from tradeledger.ledger.access_policy import ANY_DOC_TYPE, AccessPolicy, AccessPolicyError, AccessRule
from tradeledger.ledger.authority import ACCESS, ACCESS_POLICY_KEY
from tradeledger.ledger.collections import COLLECTION, private_namespace
from tradeledger.ledger.contract import Args, Contract, PrivateContext, TxContext
from tradeledger.ledger.genesis import ROLES
from tradeledger.ledger.keys import key_prefix, split_key, state_key
from tradeledger.ledger.state import StateReader
from tradeledger.records import FieldReader, RecordError

NAMESPACE = ACCESS
contract = Contract(NAMESPACE, "access rules, grants, requests and access records")
NONCE = re.compile(r"^[0-9a-f]{32}$")
REF = re.compile(r"^([a-z][a-z0-9_]{0,31})=(.{1,128})$")
FIELD_NAME_LIMIT = 128
PAIR = "between"
CUSTOMS_ROLE = "customs"
TERMS, ASK, DECISION, RECORD = "terms", "ask", "decision", "record"  # the private parts

ACTIVE, REVOKED = "active", "revoked"
PENDING, APPROVED, DENIED = "pending", "approved", "denied"


class AccessRecordError(RecordError):
    """Stored access state that this contract could not have written."""


def pair_collection(owner: str, party: str) -> str:
    """The collection of what passes between a document owner and one other party."""
    return state_key(PAIR, owner, party)


def grant_key(grant_id: str) -> str:
    return state_key("grant", grant_id)


def grants_to_key(grantee: str, grant_id: str) -> str:
    return state_key("grant_to", grantee, grant_id)


def grants_to_prefix(grantee: str) -> str:
    return key_prefix("grant_to", grantee)


def request_key(request_id: str) -> str:
    return state_key("request", request_id)


def record_key(commitment: str, leaf_index: int) -> str:
    # Zero-padded so that a document's records sort in log order.
    return state_key("record", commitment, f"{leaf_index:012d}")


def record_prefix(commitment: str | None = None) -> str:
    return key_prefix("record", commitment) if commitment is not None else key_prefix("record")


def purged_key(commitment: str) -> str:
    return state_key("purged", commitment)


def nonce_key(nonce: str) -> str:
    return state_key("nonce", nonce)


# --- records -----------------------------------------------------------------------------

def _record(what: str, data: Any) -> FieldReader:
    """A stored access record's fields; an optional field may be left out (to_dict omits it)."""
    return FieldReader(what, data, AccessRecordError, absent_is_null=True)


@dataclass(frozen=True)
class AccessBasis:
    """What lets a requester see a document: it owns it, a grant, or a default rule."""

    owner: str | None = None
    grant: str | None = None
    policy: int | None = None  # the rule's index in the genesis policy
    relation: str | None = None  # the rule's relation

    def __post_init__(self) -> None:
        if sum(v is not None for v in (self.owner, self.grant, self.policy)) != 1 \
                or (self.relation is None) != (self.policy is None):
            raise AccessRecordError("access basis", "", "is an owner, a grant, or a rule with its relation")

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in (("owner", self.owner), ("grant", self.grant), ("policy", self.policy),
                                  ("relation", self.relation)) if v is not None}

    @classmethod
    def from_dict(cls, data: Any) -> AccessBasis:
        read = _record("access basis", data)
        basis = cls(read.optional_text("owner"), read.optional_text("grant"), read.optional_integer("policy"),
                    read.optional_text("relation"))
        read.done()
        return basis


@dataclass(frozen=True)
class GrantTarget:
    """What a grant covers: one document, or every document of the grantor with a reference."""

    commitment: str | None = None
    ref_name: str | None = None
    ref_value: str | None = None

    def __post_init__(self) -> None:
        if (self.commitment is None) == (self.ref_name is None) or (self.ref_name is None) != (self.ref_value is None):
            raise AccessRecordError("grant target", "", "is one commitment, or one reference name and value")

    def covers(self, document: AnchoredDocument) -> bool:
        if self.commitment is not None:
            return self.commitment == document.commitment
        return self.ref_name is not None and document.ref(self.ref_name) == self.ref_value

    def to_dict(self) -> dict[str, str]:
        if self.commitment is not None:
            return {"commitment": self.commitment}
        return {"ref_name": self.ref_name or "", "ref_value": self.ref_value or ""}

    @classmethod
    def from_dict(cls, data: Any) -> GrantTarget:
        if isinstance(data, dict) and set(data) == {"commitment"} and isinstance(data["commitment"], str):
            return cls(commitment=data["commitment"])
        if isinstance(data, dict) and set(data) == {"ref_name", "ref_value"} \
                and all(isinstance(v, str) for v in data.values()):
            return cls(ref_name=data["ref_name"], ref_value=data["ref_value"])
        raise AccessRecordError("grant target", "", "is {commitment} or {ref_name, ref_value}")


@dataclass(frozen=True)
class GrantFiling:
    """That `grantor` granted `grantee` something, and whether it still stands (public)."""

    id: str
    grantor: str
    grantee: str
    collection: str
    status: str
    created_ms: int
    request: str | None = None  # the request whose approval issued it
    revoked_ms: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "grantor": self.grantor, "grantee": self.grantee,
                                "collection": self.collection, "status": self.status, "created_ms": self.created_ms}
        if self.request is not None:
            data["request"] = self.request
        if self.revoked_ms is not None:
            data["revoked_ms"] = self.revoked_ms
        return data

    @classmethod
    def from_dict(cls, data: Any) -> GrantFiling:
        read = _record("grant filing", data)
        return cls(read.text("id"), read.text("grantor"), read.text("grantee"), read.text("collection"),
                   read.text("status"), read.integer("created_ms"), read.optional_text("request"),
                   read.optional_integer("revoked_ms"))


@dataclass(frozen=True)
class GrantTerms:
    """What a grant covers, why and until when (private to the pair's collection)."""

    id: str
    target: GrantTarget
    fields: tuple[str, ...]  # empty: every field
    purpose: str
    expires_ms: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "target": self.target.to_dict(), "fields": list(self.fields),
                "purpose": self.purpose, "expires_ms": self.expires_ms}

    @classmethod
    def from_dict(cls, data: Any) -> GrantTerms:
        read = _record("grant terms", data)
        return cls(read.text("id"), GrantTarget.from_dict(read.optional_object("target")), read.texts("fields"),
                   read.text("purpose"), read.optional_integer("expires_ms"))


@dataclass(frozen=True)
class RequestFiling:
    """That `requester` asked `owner` for access (public); the rest is in the collection."""

    id: str
    requester: str
    owner: str
    collection: str
    created_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "requester": self.requester, "owner": self.owner, "collection": self.collection,
                "created_ms": self.created_ms}

    @classmethod
    def from_dict(cls, data: Any) -> RequestFiling:
        read = _record("request filing", data)
        return cls(read.text("id"), read.text("requester"), read.text("owner"), read.text("collection"),
                   read.integer("created_ms"))


@dataclass(frozen=True)
class GrantRecord:
    """A grant as a member of its pair sees it (`find_grant`)."""

    id: str
    grantor: str
    grantee: str
    target: GrantTarget
    fields: tuple[str, ...]  # empty: every field
    purpose: str
    expires_ms: int | None
    status: str
    created_ms: int
    request: str | None = None  # the request whose approval issued it
    revoked_ms: int | None = None

    def covers(self, document: AnchoredDocument, fields: Sequence[str], at_ms: int) -> bool:
        """Does this grant let its grantee see `fields` (all fields when empty) of `document` at `at_ms`?"""
        if self.status != ACTIVE or self.grantor != document.owner:
            return False
        if self.expires_ms is not None and at_ms >= self.expires_ms:
            return False
        if self.fields and (not fields or not set(fields) <= set(self.fields)):
            return False
        return self.target.covers(document)

    def revoked(self, at_ms: int) -> GrantRecord:
        return replace(self, status=REVOKED, revoked_ms=at_ms)

    @classmethod
    def of(cls, filing: GrantFiling, terms: GrantTerms) -> GrantRecord:
        """A grant as a member sees it: its public filing and its private terms."""
        return cls(filing.id, filing.grantor, filing.grantee, terms.target, terms.fields, terms.purpose,
                   terms.expires_ms, filing.status, filing.created_ms, filing.request, filing.revoked_ms)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "grantor": self.grantor, "grantee": self.grantee, "target": self.target.to_dict(),
            "fields": list(self.fields), "purpose": self.purpose, "expires_ms": self.expires_ms,
            "status": self.status, "created_ms": self.created_ms,
        }
        if self.request is not None:
            data["request"] = self.request
        if self.revoked_ms is not None:
            data["revoked_ms"] = self.revoked_ms
        return data

    @classmethod
    def from_dict(cls, data: Any) -> GrantRecord:
        read = _record("grant", data)
        return cls(read.text("id"), read.text("grantor"), read.text("grantee"),
                   GrantTarget.from_dict(read.optional_object("target")), read.texts("fields"), read.text("purpose"),
                   read.optional_integer("expires_ms"), read.text("status"), read.integer("created_ms"),
                   read.optional_text("request"), read.optional_integer("revoked_ms"))


@dataclass(frozen=True)
class RequestRecord:
    """A request for access, and the decision on it (approved at once, or by the owner; or denied)."""

    id: str
    requester: str
    owner: str
    commitment: str
    doc_type: str
    fields: tuple[str, ...]  # empty: the whole document
    purpose: str
    status: str  # pending | approved | denied
    basis: AccessBasis | None
    created_ms: int
    decided_ms: int | None = None
    reason: str = ""  # why it was denied

    @property
    def pending(self) -> bool:
        return self.status == PENDING

    @property
    def approved(self) -> bool:
        return self.status == APPROVED

    def approve(self, basis: AccessBasis, at_ms: int) -> RequestRecord:
        return replace(self, status=APPROVED, basis=basis, decided_ms=at_ms)

    def deny(self, reason: str, at_ms: int) -> RequestRecord:
        return replace(self, status=DENIED, reason=reason, decided_ms=at_ms)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "requester": self.requester, "owner": self.owner, "commitment": self.commitment,
                "doc_type": self.doc_type, "fields": list(self.fields), "purpose": self.purpose,
                "status": self.status, "basis": self.basis.to_dict() if self.basis else None,
                "created_ms": self.created_ms, "decided_ms": self.decided_ms, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Any) -> RequestRecord:
        read = _record("access request", data)
        basis = read.optional_object("basis")
        return cls(read.text("id"), read.text("requester"), read.text("owner"), read.text("commitment"),
                   read.text("doc_type"), read.texts("fields"), read.text("purpose"), read.text("status"),
                   AccessBasis.from_dict(basis) if basis is not None else None,
                   read.integer("created_ms"), read.optional_integer("decided_ms"), read.text("reason"))


@dataclass(frozen=True)
class AccessRecord:
    """One delivery of a document (or of some of its fields), as the ledger recorded it."""

    request: str
    requester: str
    owner: str
    commitment: str
    doc_type: str
    fields: tuple[str, ...]
    purpose: str
    basis: AccessBasis
    at_ms: int
    txid: str
    nonce: str

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.request, "requester": self.requester, "owner": self.owner,
                "commitment": self.commitment, "doc_type": self.doc_type, "fields": list(self.fields),
                "purpose": self.purpose, "basis": self.basis.to_dict(), "at_ms": self.at_ms, "txid": self.txid,
                "nonce": self.nonce}

    @classmethod
    def from_dict(cls, data: Any) -> AccessRecord:
        read = _record("access", data)
        return cls(read.text("request"), read.text("requester"), read.text("owner"), read.text("commitment"),
                   read.text("doc_type"), read.texts("fields"), read.text("purpose"),
                   AccessBasis.from_dict(read.optional_object("basis")), read.integer("at_ms"), read.text("txid"),
                   read.text("nonce"))


@dataclass(frozen=True)
class PurgeRecord:
    commitment: str
    by: str
    purged_ms: int
    retained_until_ms: int
    txid: str

    def to_dict(self) -> dict[str, Any]:
        return {"commitment": self.commitment, "by": self.by, "purged_ms": self.purged_ms,
                "retained_until_ms": self.retained_until_ms, "txid": self.txid}

    @classmethod
    def from_dict(cls, data: Any) -> PurgeRecord:
        read = _record("purge", data)
        return cls(read.text("commitment"), read.text("by"), read.integer("purged_ms"),
                   read.integer("retained_until_ms"), read.text("txid"))


@dataclass(frozen=True)
class UsedNonce:
    """The nonce of a signed access request already answered, and the access that answered it."""

    nonce: str
    txid: str

    def to_dict(self) -> dict[str, Any]:
        return {"nonce": self.nonce, "txid": self.txid}

    @classmethod
    def from_dict(cls, data: Any) -> UsedNonce:
        read = _record("used nonce", data)
        return cls(read.text("nonce"), read.text("txid"))


# --- relations and rules: how a default rule is judged ---------------------------------

@dataclass(frozen=True)
class Relation:
    """A relation a default rule may name: what it means for a requesting organization R,
    and whether it holds between a document and R in a given state (public facts only)."""

    name: str
    meaning: str
    holds: Callable[[StateReader, AnchoredDocument, str], bool]


def _filing_of(state: StateReader, document: AnchoredDocument) -> entries.EntryFiling | None:
    entry_number = document.ref(documents.ENTRY_REF)
    return entries.find_filing(state, entry_number) if entry_number else None


def _entry_filed_with(state: StateReader, document: AnchoredDocument, requester: str) -> bool:
    filing = _filing_of(state, document)
    return filing is not None and filing.filed_with == requester


def _entry_flagged_for(state: StateReader, document: AnchoredDocument, requester: str) -> bool:
    filing = _filing_of(state, document)
    return filing is not None and requester in filing.flagged_agencies


def _issued_by(_state: StateReader, document: AnchoredDocument, requester: str) -> bool:
    return document.ref(documents.ISSUER_REF) == requester


RELATIONS = {relation.name: relation for relation in (
    Relation("entry_filed_with", "the document references an entry filed with R", _entry_filed_with),
    Relation("entry_flagged_for", "the document references an entry with a line flagged for R", _entry_flagged_for),
    Relation("issued_by", "the document names R as its issuer (reference issuer=R)", _issued_by),
)}


def rule_covers(rule: AccessRule, role: str, doc_type: str) -> bool:
    """Does `rule` speak of organizations of `role` and documents of `doc_type`?"""
    return role == rule.role and (ANY_DOC_TYPE in rule.doc_types or doc_type in rule.doc_types)


def rule_applies(state: StateReader, rule: AccessRule, role: str, document: AnchoredDocument, requester: str) -> bool:
    relation = RELATIONS.get(rule.relation)
    return relation is not None and rule_covers(rule, role, document.doc_type) \
        and relation.holds(state, document, requester)


def check_policy(policy: AccessPolicy) -> AccessPolicy:
    """`policy`, when every rule names a relation this contract knows."""
    for rule in policy.rules:
        if rule.relation not in RELATIONS:
            raise AccessPolicyError(
                f"access rule relation {rule.relation!r} is unknown; relations: {', '.join(sorted(RELATIONS))}"
            )
    return policy


def default_access_policy() -> AccessPolicy:
    """Customs sees the supporting documents and certifications of entries filed with it;
    a partner agency sees the documents of lines flagged for it and the permits it issued."""
    return AccessPolicy((
        AccessRule("customs", SUPPORTING_DOCUMENTS, "entry_filed_with"),
        AccessRule("agency", (ANY_DOC_TYPE,), "entry_flagged_for"),
        AccessRule("agency", ("permit", "license"), "issued_by"),
    ))


def policy_of(state: StateReader) -> AccessPolicy:
    """The default rules and retention periods the genesis wrote."""
    return AccessPolicy.from_dict(state.get_state(NAMESPACE, ACCESS_POLICY_KEY) or {}, ROLES)


# --- the decision, shared by the contract and the owner's node ------------------------

def policy_basis(state: StateReader, requester: str, document: AnchoredDocument) -> AccessBasis | None:
    """What public facts alone give `requester`: its own document, or a default rule."""
    if document.owner == requester:
        return AccessBasis(owner=requester)
    organization = organization_record(state, requester)
    if organization is None or not organization.active:
        return None
    for index, rule in enumerate(policy_of(state).rules):
        if rule_applies(state, rule, organization.role, document, requester):
            return AccessBasis(policy=index, relation=rule.relation)
    return None


def access_basis(
    state: StateReader, requester: str, commitment: str, fields: Sequence[str], at_ms: int
) -> AccessBasis | None:
    """What lets `requester` see `fields` of the document (all fields when empty) at
    `at_ms`: it owns it, a grant, or a default rule; None when nothing does.

    Grants are read from the pair's collection: `state` must hold it (a member's store,
    or the pair's own private part); elsewhere only `policy_basis` can be judged."""
    document = documents.find_by_commitment(state, commitment)
    if document is None:
        return None
    if document.owner == requester:
        return AccessBasis(owner=requester)
    for filing in grant_filings(state, requester):
        if filing.grantor != document.owner or filing.status != ACTIVE:
            continue
        grant = find_grant(state, filing.id)
        if grant is not None and grant.covers(document, fields, at_ms):
            return AccessBasis(grant=filing.id)
    return policy_basis(state, requester, document)


def retention_start_ms(state: StateReader, document: AnchoredDocument) -> int:
    """Retention runs from the filing of the document's entry when the ledger knows it
    (public; the date of importation, private to the entry, precedes it), else from the
    document's anchoring."""
    filing = _filing_of(state, document)
    return document.anchored_ms if filing is None else max(filing.filed_ms, document.anchored_ms)


# --- arguments -----------------------------------------------------------------------

def _fields(v: list[str]) -> list[str]:
    if len(set(v)) != len(v) or not all(0 < len(name) <= FIELD_NAME_LIMIT for name in v):
        raise ValueError("fields are distinct, non-empty field names")
    return sorted(v)


def _purpose(v: str) -> str:
    if len(v.strip()) < 3 or len(v) > 500:
        raise ValueError("state the purpose in 3 to 500 characters")
    return v


class Grant(Args):
    grantee: str


class Terms(Args):
    """The private part of a grant."""

    commitment: str | None = None  # one document ...
    ref: str | None = None  # ... or every document of the grantor with this public reference, NAME=VALUE
    fields: list[str] = []  # empty: every field
    purpose: str
    expires_ms: int | None = None

    _check_fields = field_validator("fields")(classmethod(lambda cls, v: _fields(v)))
    _check_purpose = field_validator("purpose")(classmethod(lambda cls, v: _purpose(v)))

    @field_validator("ref")
    @classmethod
    def _ref(cls, v: str | None) -> str | None:
        if v is not None and not REF.match(v):
            raise ValueError("a reference is NAME=VALUE, such as entry=B76-0324527-8")
        return v


class Revoke(Args):
    grant_id: str


class Request(Args):
    owner: str


class Ask(Args):
    """The private part of a request."""

    commitment: str
    fields: list[str] = []  # empty: the whole document
    purpose: str

    _check_fields = field_validator("fields")(classmethod(lambda cls, v: _fields(v)))
    _check_purpose = field_validator("purpose")(classmethod(lambda cls, v: _purpose(v)))


class Decide(Args):
    request_id: str


class Approval(Args):
    """The private part of an approval."""

    expires_ms: int | None = None


class Denial(Args):
    """The private part of a denial."""

    reason: str

    _check_reason = field_validator("reason")(classmethod(lambda cls, v: _purpose(v)))


class RecordAccess(Args):
    request_id: str
    nonce: str  # of the signed access request the owner's node answers; used once

    @field_validator("nonce")
    @classmethod
    def _nonce(cls, v: str) -> str:
        if not NONCE.match(v):
            raise ValueError("the nonce is 16 random bytes in lowercase hex")
        return v


class Delivered(Args):
    """The private part of an access record: nothing the request does not already hold."""


class Purge(Args):
    commitment: str


# --- actions: public handlers ----------------------------------------------------------

def customs_authorities(state: StateReader) -> tuple[str, ...]:
    """The active organizations of role customs (public registry facts)."""
    return tuple(r.name for r in organizations(state) if r.role == CUSTOMS_ROLE and r.active)


def _open_pair(ctx: TxContext, owner: str, party: str) -> str:
    """The pair's collection, opened with its members the first time."""
    name = pair_collection(owner, party)
    if ctx.collection(name) is None:
        ctx.set_members(name, {owner, party, *customs_authorities(ctx.state.reader)})
    return name


def _one_part(ctx: TxContext, part: str, collection: str) -> None:
    parts = ctx.parts_named(part)
    ctx.require(len(parts) == 1 and len(ctx.private_parts) == 1, f"this action carries one part {part}")
    ctx.require(parts[0].collection == collection, f"the part {part} goes to collection {collection}")


def _active_org(ctx: TxContext, name: str) -> None:
    record = organization_record(ctx.state.reader, name)
    ctx.require(record is not None and record.active, f"{name} is not an active organization")


def _request_filing(ctx: TxContext, request_id: str) -> RequestFiling:
    filing = find_request_filing(ctx.state.reader, request_id)
    ctx.require(filing is not None, f"no access request {request_id}")
    assert filing is not None
    return filing


def _file_grant(ctx: TxContext, filing: GrantFiling) -> None:
    ctx.state.put(grant_key(filing.id), filing.to_dict())
    ctx.state.put(grants_to_key(filing.grantee, filing.id), filing.id)


@contract.action("grant", Grant)
def grant(ctx: TxContext, args: Grant) -> None:
    grantor = ctx.signer.organization
    _active_org(ctx, args.grantee)
    ctx.require(args.grantee != grantor, "an owner needs no grant to its own documents")
    collection = pair_collection(grantor, args.grantee)
    _one_part(ctx, TERMS, collection)
    _open_pair(ctx, grantor, args.grantee)
    _file_grant(ctx, GrantFiling(ctx.txid, grantor, args.grantee, collection, ACTIVE, ctx.block_time_ms))
    ctx.emit("granted", grant=ctx.txid, grantor=grantor, grantee=args.grantee)


@contract.action("revoke", Revoke)
def revoke(ctx: TxContext, args: Revoke) -> None:
    filing = find_grant_filing(ctx.state.reader, args.grant_id)
    ctx.require(filing is not None, f"no grant {args.grant_id}")
    assert filing is not None
    ctx.require(filing.grantor == ctx.signer.organization, f"only the grantor ({filing.grantor}) revokes it")
    ctx.require(filing.status == ACTIVE, "the grant is already revoked")
    ctx.state.put(grant_key(args.grant_id), replace(filing, status=REVOKED, revoked_ms=ctx.block_time_ms).to_dict())
    ctx.emit("revoked", grant=args.grant_id, grantee=filing.grantee)


@contract.action("request", Request)
def request(ctx: TxContext, args: Request) -> None:
    requester = ctx.signer.organization
    ctx.require(organization_record(ctx.state.reader, args.owner) is not None, f"{args.owner} is not an organization")
    ctx.require(args.owner != requester, "the owner already holds its document")
    collection = pair_collection(args.owner, requester)
    _one_part(ctx, ASK, collection)
    _open_pair(ctx, args.owner, requester)
    ctx.state.put(request_key(ctx.txid), RequestFiling(ctx.txid, requester, args.owner, collection,
                                                       ctx.block_time_ms).to_dict())
    ctx.emit("requested", request=ctx.txid, requester=requester, owner=args.owner)


def _decision(ctx: TxContext, request_id: str) -> RequestFiling:
    filing = _request_filing(ctx, request_id)
    ctx.require(filing.owner == ctx.signer.organization, f"only the owner ({filing.owner}) decides")
    _one_part(ctx, DECISION, filing.collection)
    return filing


@contract.action("approve", Decide)
def approve(ctx: TxContext, args: Decide) -> None:
    filing = _decision(ctx, args.request_id)
    _file_grant(ctx, GrantFiling(ctx.txid, filing.owner, filing.requester, filing.collection, ACTIVE,
                                 ctx.block_time_ms, request=args.request_id))
    ctx.emit("approved", request=args.request_id, grant=ctx.txid, requester=filing.requester)


@contract.action("deny", Decide)
def deny(ctx: TxContext, args: Decide) -> None:
    filing = _decision(ctx, args.request_id)
    ctx.emit("denied", request=args.request_id, requester=filing.requester)


@contract.action("record_access", RecordAccess)
def record_access(ctx: TxContext, args: RecordAccess) -> None:
    filing = _request_filing(ctx, args.request_id)
    ctx.require(filing.owner == ctx.signer.organization, "only the owner's node records a delivery")
    _one_part(ctx, RECORD, filing.collection)
    # A replay guard: the signed access request the owner's node answers carries a fresh
    # nonce, and a second record with the same nonce is refused, so a captured request
    # cannot fetch the payload again.
    ctx.require(ctx.state.get(nonce_key(args.nonce)) is None,
                "this signed access request was already answered; the requester must sign a new one")
    ctx.state.put(nonce_key(args.nonce), UsedNonce(args.nonce, ctx.txid).to_dict())
    ctx.emit("accessed", request=args.request_id, requester=filing.requester, owner=filing.owner)


def _document(ctx: TxContext | PrivateContext, state: StateReader, commitment: str) -> AnchoredDocument:
    document = documents.find_by_commitment(state, commitment)
    ctx.require(document is not None, f"no document with commitment {commitment} is anchored")
    assert document is not None
    ctx.require(state.get_state(NAMESPACE, purged_key(commitment)) is None, f"document {commitment} has been purged")
    return document


@contract.action("purge", Purge)
def purge(ctx: TxContext, args: Purge) -> None:
    document = _document(ctx, ctx.state.reader, args.commitment)
    ctx.require(document.owner == ctx.signer.organization, f"only the owner ({document.owner}) purges")
    retention = policy_of(ctx.state.reader).retention_ms(document.doc_type)
    until = retention_start_ms(ctx.state.reader, document) + retention
    kept_until = datetime.datetime.fromtimestamp(until / 1000, datetime.UTC)
    ctx.require(ctx.block_time_ms >= until, f"{document.doc_type} must be kept until {kept_until:%Y-%m-%d}")
    ctx.state.put(purged_key(args.commitment),
                  PurgeRecord(args.commitment, ctx.signer.organization, ctx.block_time_ms, until, ctx.txid).to_dict())
    ctx.emit("purged", commitment=args.commitment, owner=ctx.signer.organization)


# --- actions: private parts, run by the pair's members ----------------------------------
# Their reasons stay at the members (and reach the submitter from its own preview).

def _require_future_expiry(ctx: PrivateContext, expires_ms: int | None) -> None:
    ctx.require(expires_ms is None or expires_ms > ctx.block_time_ms, "the grant would expire before it starts")


@contract.private("grant", TERMS, Terms)
def grant_terms(ctx: PrivateContext, args: Grant, terms: Terms) -> None:
    ctx.require((terms.commitment is None) != (terms.ref is None), "grant either one commitment or one ref")
    _require_future_expiry(ctx, terms.expires_ms)
    if terms.commitment is not None:
        document = _document(ctx, ctx.public, terms.commitment)
        ctx.require(document.owner == ctx.signer.organization,
                    f"only the owner ({document.owner}) grants access to document {terms.commitment}")
        target = GrantTarget(commitment=terms.commitment)
    else:
        reference = REF.match(terms.ref or "")
        ctx.require(reference is not None, "a reference is NAME=VALUE, such as entry=B76-0324527-8")
        assert reference is not None
        ctx.require(documents.is_public_ref(reference.group(1)),
                    f"a grant by reference names a public reference ({', '.join(sorted(documents.PUBLIC_REFS))}); "
                    "grant a private one document by document")
        target = GrantTarget(ref_name=reference.group(1), ref_value=reference.group(2))
    ctx.state.put(grant_key(ctx.txid), GrantTerms(ctx.txid, target, tuple(terms.fields), terms.purpose,
                                                  terms.expires_ms).to_dict())


@contract.private("request", ASK, Ask)
def request_ask(ctx: PrivateContext, args: Request, ask: Ask) -> None:
    document = _document(ctx, ctx.public, ask.commitment)
    requester = ctx.signer.organization
    ctx.require(document.owner == args.owner, f"the document is {document.owner}'s, not {args.owner}'s")
    basis = access_basis(ctx.public, requester, ask.commitment, ask.fields, ctx.block_time_ms)
    record = RequestRecord(ctx.txid, requester, document.owner, ask.commitment, document.doc_type,
                           tuple(ask.fields), ask.purpose, APPROVED if basis else PENDING, basis,
                           ctx.block_time_ms, ctx.block_time_ms if basis else None)
    ctx.state.put(request_key(ctx.txid), record.to_dict())


def _pending(ctx: PrivateContext, request_id: str) -> RequestRecord:
    data = ctx.state.get(request_key(request_id))
    ctx.require(data is not None, f"no access request {request_id} in this collection")
    record = RequestRecord.from_dict(data)
    ctx.require(record.pending, f"the request is already {record.status}")
    return record


@contract.private("approve", DECISION, Approval)
def approve_decision(ctx: PrivateContext, args: Decide, approval: Approval) -> None:
    record = _pending(ctx, args.request_id)
    _require_future_expiry(ctx, approval.expires_ms)
    ctx.state.put(grant_key(ctx.txid), GrantTerms(ctx.txid, GrantTarget(commitment=record.commitment),
                                                  record.fields, record.purpose, approval.expires_ms).to_dict())
    ctx.state.put(request_key(args.request_id),
                  record.approve(AccessBasis(grant=ctx.txid), ctx.block_time_ms).to_dict())


@contract.private("deny", DECISION, Denial)
def deny_decision(ctx: PrivateContext, args: Decide, denial: Denial) -> None:
    record = _pending(ctx, args.request_id)
    ctx.state.put(request_key(args.request_id), record.deny(denial.reason, ctx.block_time_ms).to_dict())


@contract.private("record_access", RECORD, Delivered)
def record_delivery(ctx: PrivateContext, args: RecordAccess, _delivered: Delivered) -> None:
    data = ctx.state.get(request_key(args.request_id))
    ctx.require(data is not None, f"no access request {args.request_id} in this collection")
    record = RequestRecord.from_dict(data)
    ctx.require(record.approved, f"the request is {record.status}, not approved")
    _document(ctx, ctx.public, record.commitment)
    basis = access_basis(ctx.public, record.requester, record.commitment, record.fields, ctx.block_time_ms)
    ctx.require(basis is not None, "no rule or live grant covers this request now (expired or revoked)")
    assert basis is not None
    ctx.state.put(record_key(record.commitment, ctx.leaf_index), AccessRecord(
        args.request_id, record.requester, record.owner, record.commitment, record.doc_type, record.fields,
        record.purpose, basis, ctx.block_time_ms, ctx.txid, args.nonce,
    ).to_dict())


# --- queries for nodes and the CLI -----------------------------------------------------
# On a member's store these see the pair's private records; elsewhere they answer None
# (or nothing), which callers report as "private to its parties".

def find_request_filing(state: StateReader, request_id: str) -> RequestFiling | None:
    data = state.get_state(NAMESPACE, request_key(request_id))
    return RequestFiling.from_dict(data) if data is not None else None


def find_request(state: StateReader, request_id: str) -> RequestRecord | None:
    """The request and its decision, when `state` holds the pair's collection."""
    filing = find_request_filing(state, request_id)
    if filing is None:
        return None
    data = state.get_state(private_namespace(NAMESPACE, filing.collection), request_key(request_id))
    return RequestRecord.from_dict(data) if data is not None else None


def find_grant_filing(state: StateReader, grant_id: str) -> GrantFiling | None:
    data = state.get_state(NAMESPACE, grant_key(grant_id))
    return GrantFiling.from_dict(data) if data is not None else None


def grant_filings(state: StateReader, grantee: str) -> list[GrantFiling]:
    """The grants to `grantee` (public), oldest index first."""
    found = (find_grant_filing(state, grant_id) for _key, grant_id in state.scan_state(NAMESPACE,
                                                                                        grants_to_prefix(grantee)))
    return [filing for filing in found if filing is not None]


def find_grant(state: StateReader, grant_id: str) -> GrantRecord | None:
    """The grant with its terms, when `state` holds the pair's collection."""
    filing = find_grant_filing(state, grant_id)
    if filing is None:
        return None
    data = state.get_state(private_namespace(NAMESPACE, filing.collection), grant_key(grant_id))
    return GrantRecord.of(filing, GrantTerms.from_dict(data)) if data is not None else None


def pair_collections(state: StateReader) -> list[str]:
    """Every pair's collection (public membership records)."""
    names = []
    for key, _value in state.scan_state(NAMESPACE, key_prefix(COLLECTION)):
        _kind, (name,) = split_key(key)
        if name.startswith(PAIR + "/"):
            names.append(name)
    return names


def access_records(state: StateReader, commitment: str | None = None) -> list[AccessRecord]:
    """Every recorded access (of one document, when given) that `state` holds: a member's
    store holds those of its pairs; customs, a member of every pair, holds them all."""
    by_leaf = [(int(split_key(key)[1][1]), AccessRecord.from_dict(value))
               for name in pair_collections(state)
               for key, value in state.scan_state(private_namespace(NAMESPACE, name), record_prefix(commitment))]
    return [record for _leaf, record in sorted(by_leaf, key=lambda pair: pair[0])]  # log order


def purge_record(state: StateReader, commitment: str) -> PurgeRecord | None:
    data = state.get_state(NAMESPACE, purged_key(commitment))
    return PurgeRecord.from_dict(data) if data is not None else None
