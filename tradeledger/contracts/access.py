"""The access contract: who may see a private document, and a record of every access.

Documents stay in their owners' vaults; this contract keeps what decides and proves
access (DESIGN.md decisions 10 and 11), under composite keys (`tradeledger.ledger.keys`):
- `policy`: the default rules the genesis wrote (an `AccessPolicy`): by requester role,
  document type and a relation of the document to the requester (`RELATIONS`: an entry
  filed with it, a line flagged for it, a permit it issued);
- `grant/<id>`: a `GrantRecord` an owner issues and revokes: to one organization, for one
  document or for every document carrying a reference such as an entry number, with a
  purpose, optional fields and an optional expiry; `grant_to/<grantee>/<id>` indexes
  them by grantee;
- `request/<id>`: a `RequestRecord` (who, which document, which fields, why), approved or
  denied by the owner, or approved at once when a rule or grant already covers it; the
  decision (status, basis or reason, time) is recorded on the request, and an approval
  issues a grant that names the request;
- `record/<commitment>/<leaf>`: an `AccessRecord` for every delivery, committed before the
  owner's node releases the bytes, and accepted only while a rule or grant covers the
  request at the block's time; `nonce/<nonce>`: a `UsedNonce`, so that one signed access
  request fetches the payload once;
- `purged/<commitment>`: a `PurgeRecord`: an owner may drop a private payload once its
  retention period is over; the commitment and the access records stay.

`access_basis` is the decision, shared by the contract and the owner's node.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import field_validator

from tradeledger.contracts import documents, entries
from tradeledger.contracts.documents import SUPPORTING_DOCUMENTS, AnchoredDocument
from tradeledger.errors import TradeledgerError
from tradeledger.identity.registry import organization_record
from tradeledger.ledger.access_policy import ANY_DOC_TYPE, AccessPolicy, AccessPolicyError, AccessRule
from tradeledger.ledger.authority import ACCESS, ACCESS_POLICY_KEY
from tradeledger.ledger.contract import Args, Contract, TxContext
from tradeledger.ledger.genesis import ROLES
from tradeledger.ledger.keys import key_prefix, state_key
from tradeledger.ledger.state import StateReader

NAMESPACE = ACCESS
contract = Contract(NAMESPACE, "access rules, grants, requests and access records")
NONCE = re.compile(r"^[0-9a-f]{32}$")
REF = re.compile(r"^([a-z][a-z0-9_]{0,31})=(.{1,128})$")
FIELD_NAME_LIMIT = 128

ACTIVE, REVOKED = "active", "revoked"
PENDING, APPROVED, DENIED = "pending", "approved", "denied"


class AccessRecordError(TradeledgerError, ValueError):
    """Stored access state that this contract could not have written."""


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

def _malformed(what: str, exc: Exception) -> AccessRecordError:
    return AccessRecordError(f"not {what} record ({exc})")


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise TypeError("a list of strings")
    return tuple(value)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


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
            raise AccessRecordError("an access basis is an owner, a grant, or a rule with its relation")

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in (("owner", self.owner), ("grant", self.grant), ("policy", self.policy),
                                  ("relation", self.relation)) if v is not None}

    @classmethod
    def from_dict(cls, data: Any) -> AccessBasis:
        try:
            if not isinstance(data, dict) or set(data) - {"owner", "grant", "policy", "relation"}:
                raise TypeError("owner, grant or policy and relation")
            return cls(data.get("owner"), data.get("grant"), _optional_int(data.get("policy")), data.get("relation"))
        except (TypeError, ValueError) as exc:
            raise _malformed("an access basis", exc) from None


@dataclass(frozen=True)
class GrantTarget:
    """What a grant covers: one document, or every document of the grantor with a reference."""

    commitment: str | None = None
    ref_name: str | None = None
    ref_value: str | None = None

    def __post_init__(self) -> None:
        if (self.commitment is None) == (self.ref_name is None) or (self.ref_name is None) != (self.ref_value is None):
            raise AccessRecordError("a grant targets one commitment, or one reference name and value")

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
        raise AccessRecordError("a grant target is {commitment} or {ref_name, ref_value}")


@dataclass(frozen=True)
class GrantRecord:
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
        try:
            return cls(str(data["id"]), str(data["grantor"]), str(data["grantee"]),
                       GrantTarget.from_dict(data["target"]), _strings(data["fields"]), str(data["purpose"]),
                       _optional_int(data["expires_ms"]), str(data["status"]), int(data["created_ms"]),
                       data.get("request"), _optional_int(data.get("revoked_ms")))
        except (KeyError, TypeError, ValueError) as exc:
            raise _malformed("a grant", exc) from None


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
        try:
            return cls(str(data["id"]), str(data["requester"]), str(data["owner"]), str(data["commitment"]),
                       str(data["doc_type"]), _strings(data["fields"]), str(data["purpose"]), str(data["status"]),
                       AccessBasis.from_dict(data["basis"]) if data["basis"] is not None else None,
                       int(data["created_ms"]), _optional_int(data["decided_ms"]), str(data["reason"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise _malformed("an access request", exc) from None


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
        try:
            return cls(str(data["request"]), str(data["requester"]), str(data["owner"]), str(data["commitment"]),
                       str(data["doc_type"]), _strings(data["fields"]), str(data["purpose"]),
                       AccessBasis.from_dict(data["basis"]), int(data["at_ms"]), str(data["txid"]),
                       str(data["nonce"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise _malformed("an access", exc) from None


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
        try:
            return cls(str(data["commitment"]), str(data["by"]), int(data["purged_ms"]),
                       int(data["retained_until_ms"]), str(data["txid"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise _malformed("a purge", exc) from None


@dataclass(frozen=True)
class UsedNonce:
    """The nonce of a signed access request already answered, and the access that answered it."""

    nonce: str
    txid: str

    def to_dict(self) -> dict[str, Any]:
        return {"nonce": self.nonce, "txid": self.txid}

    @classmethod
    def from_dict(cls, data: Any) -> UsedNonce:
        try:
            return cls(str(data["nonce"]), str(data["txid"]))
        except (KeyError, TypeError) as exc:
            raise _malformed("a used nonce", exc) from None


# --- relations and rules: how a default rule is judged ---------------------------------

@dataclass(frozen=True)
class Relation:
    """A relation a default rule may name: what it means for a requesting organization R,
    and whether it holds between a document and R in a given state."""

    name: str
    meaning: str
    holds: Callable[[StateReader, AnchoredDocument, str], bool]


def _entry_of(state: StateReader, document: AnchoredDocument) -> entries.EntryRecord | None:
    entry_number = document.ref("entry")
    return entries.find_entry(state, entry_number) if entry_number else None


def _entry_filed_with(state: StateReader, document: AnchoredDocument, requester: str) -> bool:
    entry = _entry_of(state, document)
    return entry is not None and entry.filed_with == requester


def _entry_flagged_for(state: StateReader, document: AnchoredDocument, requester: str) -> bool:
    entry = _entry_of(state, document)
    return entry is not None and any(requester in line.flags for line in entry.lines)


def _issued_by(_state: StateReader, document: AnchoredDocument, requester: str) -> bool:
    return document.ref("issuer") == requester


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

def access_basis(
    state: StateReader, requester: str, commitment: str, fields: Sequence[str], at_ms: int
) -> AccessBasis | None:
    """What lets `requester` see `fields` of the document (all fields when empty) at
    `at_ms`: it owns it, a grant, or a default rule; None when nothing does."""
    document = documents.find_by_commitment(state, commitment)
    if document is None:
        return None
    if document.owner == requester:
        return AccessBasis(owner=requester)
    for _key, grant_id in state.scan_state(NAMESPACE, grants_to_prefix(requester)):
        grant = find_grant(state, grant_id)
        if grant is not None and grant.covers(document, fields, at_ms):
            return AccessBasis(grant=grant_id)
    organization = organization_record(state, requester)
    if organization is None or not organization.active:
        return None
    for index, rule in enumerate(policy_of(state).rules):
        if rule_applies(state, rule, organization.role, document, requester):
            return AccessBasis(policy=index, relation=rule.relation)
    return None


def retention_start_ms(state: StateReader, document: AnchoredDocument) -> int:
    """Retention runs from the date of importation of the document's entry when the ledger
    knows it, else from the document's anchoring."""
    entry = _entry_of(state, document)
    if entry is None:
        return document.anchored_ms
    imported = datetime.date.fromisoformat(entry.imported_on)
    return calendar.timegm(imported.timetuple()) * 1000


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
    commitment: str | None = None  # one document ...
    ref: str | None = None  # ... or every document of the grantor with this reference, NAME=VALUE
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
    commitment: str
    fields: list[str] = []  # empty: the whole document
    purpose: str

    _check_fields = field_validator("fields")(classmethod(lambda cls, v: _fields(v)))
    _check_purpose = field_validator("purpose")(classmethod(lambda cls, v: _purpose(v)))


class Approve(Args):
    request_id: str
    expires_ms: int | None = None


class Deny(Args):
    request_id: str
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


class Purge(Args):
    commitment: str


# --- actions -------------------------------------------------------------------------

def _document(ctx: TxContext, commitment: str) -> AnchoredDocument:
    document = documents.find_by_commitment(ctx.state.reader, commitment)
    ctx.require(document is not None, f"no document with commitment {commitment} is anchored")
    assert document is not None
    ctx.require(ctx.state.get(purged_key(commitment)) is None, f"document {commitment} has been purged")
    return document


def _request(ctx: TxContext, request_id: str) -> RequestRecord:
    request = find_request(ctx.state.reader, request_id)
    ctx.require(request is not None, f"no access request {request_id}")
    assert request is not None
    return request


def _require_future_expiry(ctx: TxContext, expires_ms: int | None) -> None:
    ctx.require(expires_ms is None or expires_ms > ctx.block_time_ms, "the grant would expire before it starts")


def _issue(ctx: TxContext, grant: GrantRecord) -> None:
    ctx.state.put(grant_key(grant.id), grant.to_dict())
    ctx.state.put(grants_to_key(grant.grantee, grant.id), grant.id)


@contract.action("grant", Grant)
def grant(ctx: TxContext, args: Grant) -> None:
    ctx.require((args.commitment is None) != (args.ref is None), "grant either one commitment or one ref")
    grantee = organization_record(ctx.state.reader, args.grantee)
    ctx.require(grantee is not None and grantee.active, f"{args.grantee} is not an active organization")
    ctx.require(args.grantee != ctx.signer.organization, "an owner needs no grant to its own documents")
    _require_future_expiry(ctx, args.expires_ms)
    if args.commitment is not None:
        document = _document(ctx, args.commitment)
        ctx.require(document.owner == ctx.signer.organization,
                    f"only the owner ({document.owner}) grants access to document {args.commitment}")
        target = GrantTarget(commitment=args.commitment)
    else:
        reference = REF.match(args.ref or "")
        ctx.require(reference is not None, "a reference is NAME=VALUE, such as entry=B76-0324527-8")
        assert reference is not None
        target = GrantTarget(ref_name=reference.group(1), ref_value=reference.group(2))
    _issue(ctx, GrantRecord(ctx.txid, ctx.signer.organization, args.grantee, target, tuple(args.fields),
                            args.purpose, args.expires_ms, ACTIVE, ctx.block_time_ms))
    ctx.emit("granted", grant=ctx.txid, grantor=ctx.signer.organization, grantee=args.grantee,
             target=target.to_dict())


@contract.action("revoke", Revoke)
def revoke(ctx: TxContext, args: Revoke) -> None:
    record = find_grant(ctx.state.reader, args.grant_id)
    ctx.require(record is not None, f"no grant {args.grant_id}")
    assert record is not None
    ctx.require(record.grantor == ctx.signer.organization, f"only the grantor ({record.grantor}) revokes it")
    ctx.require(record.status == ACTIVE, "the grant is already revoked")
    ctx.state.put(grant_key(args.grant_id), record.revoked(ctx.block_time_ms).to_dict())
    ctx.emit("revoked", grant=args.grant_id, grantee=record.grantee)


@contract.action("request", Request)
def request(ctx: TxContext, args: Request) -> None:
    document = _document(ctx, args.commitment)
    requester = ctx.signer.organization
    ctx.require(document.owner != requester, "the owner already holds its document")
    basis = access_basis(ctx.state.reader, requester, args.commitment, args.fields, ctx.block_time_ms)
    record = RequestRecord(ctx.txid, requester, document.owner, args.commitment, document.doc_type,
                           tuple(args.fields), args.purpose, APPROVED if basis else PENDING, basis,
                           ctx.block_time_ms, ctx.block_time_ms if basis else None)
    ctx.state.put(request_key(ctx.txid), record.to_dict())
    ctx.emit("requested", request=ctx.txid, requester=requester, owner=document.owner,
             commitment=args.commitment, status=record.status)


@contract.action("approve", Approve)
def approve(ctx: TxContext, args: Approve) -> None:
    record = _request(ctx, args.request_id)
    ctx.require(record.owner == ctx.signer.organization, f"only the owner ({record.owner}) decides")
    ctx.require(record.pending, f"the request is already {record.status}")
    _require_future_expiry(ctx, args.expires_ms)
    _issue(ctx, GrantRecord(ctx.txid, record.owner, record.requester, GrantTarget(commitment=record.commitment),
                            record.fields, record.purpose, args.expires_ms, ACTIVE, ctx.block_time_ms,
                            request=args.request_id))
    ctx.state.put(request_key(args.request_id),
                  record.approve(AccessBasis(grant=ctx.txid), ctx.block_time_ms).to_dict())
    ctx.emit("approved", request=args.request_id, grant=ctx.txid, requester=record.requester)


@contract.action("deny", Deny)
def deny(ctx: TxContext, args: Deny) -> None:
    record = _request(ctx, args.request_id)
    ctx.require(record.owner == ctx.signer.organization, f"only the owner ({record.owner}) decides")
    ctx.require(record.pending, f"the request is already {record.status}")
    ctx.state.put(request_key(args.request_id), record.deny(args.reason, ctx.block_time_ms).to_dict())
    ctx.emit("denied", request=args.request_id, requester=record.requester, reason=args.reason)


@contract.action("record_access", RecordAccess)
def record_access(ctx: TxContext, args: RecordAccess) -> None:
    record = _request(ctx, args.request_id)
    ctx.require(record.owner == ctx.signer.organization, "only the owner's node records a delivery")
    ctx.require(record.approved, f"the request is {record.status}, not approved")
    _document(ctx, record.commitment)
    basis = access_basis(ctx.state.reader, record.requester, record.commitment, record.fields, ctx.block_time_ms)
    ctx.require(basis is not None, "no rule or live grant covers this request now (expired or revoked)")
    assert basis is not None
    # A replay guard: the signed access request the owner's node answers carries a fresh
    # nonce, and a second record with the same nonce is refused, so a captured request
    # cannot fetch the payload again.
    ctx.require(ctx.state.get(nonce_key(args.nonce)) is None,
                "this signed access request was already answered; the requester must sign a new one")
    ctx.state.put(nonce_key(args.nonce), UsedNonce(args.nonce, ctx.txid).to_dict())
    ctx.state.put(record_key(record.commitment, ctx.leaf_index), AccessRecord(
        args.request_id, record.requester, record.owner, record.commitment, record.doc_type, record.fields,
        record.purpose, basis, ctx.block_time_ms, ctx.txid, args.nonce,
    ).to_dict())
    ctx.emit("accessed", request=args.request_id, requester=record.requester,
             commitment=record.commitment, fields=list(record.fields), basis=basis.to_dict())


@contract.action("purge", Purge)
def purge(ctx: TxContext, args: Purge) -> None:
    document = _document(ctx, args.commitment)
    ctx.require(document.owner == ctx.signer.organization, f"only the owner ({document.owner}) purges")
    retention = policy_of(ctx.state.reader).retention_ms(document.doc_type)
    until = retention_start_ms(ctx.state.reader, document) + retention
    kept_until = datetime.datetime.fromtimestamp(until / 1000, datetime.UTC)
    ctx.require(ctx.block_time_ms >= until, f"{document.doc_type} must be kept until {kept_until:%Y-%m-%d}")
    ctx.state.put(purged_key(args.commitment),
                  PurgeRecord(args.commitment, ctx.signer.organization, ctx.block_time_ms, until, ctx.txid).to_dict())
    ctx.emit("purged", commitment=args.commitment, owner=ctx.signer.organization)


# --- queries for nodes and the CLI -----------------------------------------------------

def find_request(state: StateReader, request_id: str) -> RequestRecord | None:
    data = state.get_state(NAMESPACE, request_key(request_id))
    return RequestRecord.from_dict(data) if data is not None else None


def find_grant(state: StateReader, grant_id: str) -> GrantRecord | None:
    data = state.get_state(NAMESPACE, grant_key(grant_id))
    return GrantRecord.from_dict(data) if data is not None else None


def access_records(state: StateReader, commitment: str | None = None) -> list[AccessRecord]:
    """Every recorded access (of one document, when given), oldest first."""
    records = (AccessRecord.from_dict(value) for _key, value in state.scan_state(NAMESPACE, record_prefix(commitment)))
    return sorted(records, key=lambda r: r.at_ms)


def purge_record(state: StateReader, commitment: str) -> PurgeRecord | None:
    data = state.get_state(NAMESPACE, purged_key(commitment))
    return PurgeRecord.from_dict(data) if data is not None else None
