"""The access contract: who may see a private document, and a record of every access.

Documents stay in their owners' vaults; this contract keeps what decides and proves
access (DESIGN.md decisions 10 and 11):
- the default rules the genesis wrote (`policy`): by requester role, document type and a
  relation of the document to the requester (an entry filed with it, a line flagged for
  it, a permit it issued);
- grants an owner issues and revokes: to one organization, for one document or for every
  document carrying a reference such as an entry number, with a purpose, optional
  fields and an optional expiry;
- requests (who, which document, which fields, why), approved or denied by the owner, or
  approved at once when a rule or grant already covers them;
- an access record for every delivery, committed before the owner's node releases the
  bytes, and accepted only while a rule or grant covers the request at the block's time;
- purge records: an owner may drop a private payload once its retention period is over;
  the commitment and the access records stay.
"""

from __future__ import annotations

import calendar
import datetime
import re
from typing import Any

from pydantic import field_validator

from tradeledger.contracts import documents, entries
from tradeledger.ledger.access_policy import AccessPolicy
from tradeledger.ledger.authority import ACCESS, REGISTRY, org_key
from tradeledger.ledger.contract import Args, Contract, TxContext
from tradeledger.ledger.genesis import ROLES
from tradeledger.ledger.state import StateReader

NAMESPACE = ACCESS
contract = Contract(NAMESPACE, "access rules, grants, requests and access records")
NONCE = re.compile(r"^[0-9a-f]{32}$")
REF = re.compile(r"^([a-z][a-z0-9_]{0,31})=(.{1,128})$")
FIELD_NAME_LIMIT = 128


def grant_key(grant_id: str) -> str:
    return f"grant:{grant_id}"


def grants_to_prefix(grantee: str) -> str:
    return f"grants-to:{grantee}/"


def request_key(request_id: str) -> str:
    return f"request:{request_id}"


def record_prefix(commitment: str) -> str:
    return f"record:{commitment}/"


def purged_key(commitment: str) -> str:
    return f"purged:{commitment}"


# --- the decision, shared by the contract and the owner's node ------------------------

def access_basis(
    state: StateReader, requester: str, commitment: str, fields: list[str], at_ms: int
) -> dict[str, Any] | None:
    """What lets `requester` see `fields` of the document (all fields when empty) at
    `at_ms`: {"owner": ...}, {"grant": id} or {"policy": rule index}; None when nothing does."""
    document = documents.find_by_commitment(state, commitment)
    if document is None:
        return None
    if document["owner"] == requester:
        return {"owner": requester}
    for _key, grant_id in state.scan_state(NAMESPACE, grants_to_prefix(requester)):
        grant = state.get_state(NAMESPACE, grant_key(grant_id))
        if grant is not None and _grant_covers(grant, document, fields, at_ms):
            return {"grant": grant_id}
    organization = state.get_state(REGISTRY, org_key(requester))
    if organization is None or organization.get("status") != "active":
        return None
    policy = AccessPolicy.from_dict(state.get_state(NAMESPACE, "policy") or {}, ROLES)
    for index, rule in enumerate(policy.rules):
        if rule.covers(organization["role"], document["doc_type"]) and _related(
            state, rule.relation, document, requester
        ):
            return {"policy": index, "relation": rule.relation}
    return None


def _grant_covers(grant: dict[str, Any], document: dict[str, Any], fields: list[str], at_ms: int) -> bool:
    if grant["status"] != "active" or grant["grantor"] != document["owner"]:
        return False
    if grant["expires_ms"] is not None and at_ms >= grant["expires_ms"]:
        return False
    if grant["fields"] and (not fields or not set(fields) <= set(grant["fields"])):
        return False
    target = grant["target"]
    if "commitment" in target:
        return target["commitment"] == document["commitment"]
    return document["refs"].get(target["ref_name"]) == target["ref_value"]


def _related(state: StateReader, relation: str, document: dict[str, Any], requester: str) -> bool:
    if relation == "issued_by":
        return document["refs"].get("issuer") == requester
    entry_number = document["refs"].get("entry")
    entry = entries.find_entry(state, entry_number) if entry_number else None
    if entry is None:
        return False
    if relation == "entry_filed_with":
        return entry.filed_with == requester
    if relation == "entry_flagged_for":
        return any(requester in line.flags for line in entry.lines)
    return False


def retention_start_ms(state: StateReader, document: dict[str, Any]) -> int:
    """Retention runs from the date of importation of the document's entry when the ledger
    knows it, else from the document's anchoring."""
    entry_number = document["refs"].get("entry")
    entry = entries.find_entry(state, entry_number) if entry_number else None
    if entry is None:
        return document["anchored_ms"]
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

def _document(ctx: TxContext, commitment: str) -> dict[str, Any]:
    document = documents.find_by_commitment(ctx.state.reader, commitment)
    ctx.require(document is not None, f"no document with commitment {commitment} is anchored")
    ctx.require(ctx.state.get(purged_key(commitment)) is None, f"document {commitment} has been purged")
    return document


def _request(ctx: TxContext, request_id: str) -> dict[str, Any]:
    request = ctx.state.get(request_key(request_id))
    ctx.require(request is not None, f"no access request {request_id}")
    return request


@contract.action("grant", Grant)
def grant(ctx: TxContext, args: Grant) -> None:
    ctx.require((args.commitment is None) != (args.ref is None), "grant either one commitment or one ref")
    grantee = ctx.state.get(org_key(args.grantee), REGISTRY)
    ctx.require(grantee is not None and grantee["status"] == "active", f"{args.grantee} is not an active organization")
    ctx.require(args.grantee != ctx.signer.organization, "an owner needs no grant to its own documents")
    ctx.require(args.expires_ms is None or args.expires_ms > ctx.block_time_ms, "the grant would expire before it starts")
    if args.commitment is not None:
        document = _document(ctx, args.commitment)
        ctx.require(document["owner"] == ctx.signer.organization,
                    f"only the owner ({document['owner']}) grants access to document {args.commitment}")
        target: dict[str, str] = {"commitment": args.commitment}
    else:
        name, value = REF.match(args.ref).groups()  # type: ignore[union-attr]
        target = {"ref_name": name, "ref_value": value}
    ctx.state.put(grant_key(ctx.txid), {
        "id": ctx.txid, "grantor": ctx.signer.organization, "grantee": args.grantee, "target": target,
        "fields": args.fields, "purpose": args.purpose, "expires_ms": args.expires_ms,
        "status": "active", "created_ms": ctx.block_time_ms,
    })
    ctx.state.put(grants_to_prefix(args.grantee) + ctx.txid, ctx.txid)
    ctx.emit("granted", grant=ctx.txid, grantor=ctx.signer.organization, grantee=args.grantee, target=target)


@contract.action("revoke", Revoke)
def revoke(ctx: TxContext, args: Revoke) -> None:
    record = ctx.state.get(grant_key(args.grant_id))
    ctx.require(record is not None, f"no grant {args.grant_id}")
    ctx.require(record["grantor"] == ctx.signer.organization, f"only the grantor ({record['grantor']}) revokes it")
    ctx.require(record["status"] == "active", "the grant is already revoked")
    ctx.state.put(grant_key(args.grant_id), {**record, "status": "revoked", "revoked_ms": ctx.block_time_ms})
    ctx.emit("revoked", grant=args.grant_id, grantee=record["grantee"])


@contract.action("request", Request)
def request(ctx: TxContext, args: Request) -> None:
    document = _document(ctx, args.commitment)
    requester = ctx.signer.organization
    ctx.require(document["owner"] != requester, "the owner already holds its document")
    basis = access_basis(ctx.state.reader, requester, args.commitment, args.fields, ctx.block_time_ms)
    ctx.state.put(request_key(ctx.txid), {
        "id": ctx.txid, "requester": requester, "owner": document["owner"], "commitment": args.commitment,
        "doc_type": document["doc_type"], "fields": args.fields, "purpose": args.purpose,
        "status": "approved" if basis else "pending", "basis": basis,
        "created_ms": ctx.block_time_ms, "decided_ms": ctx.block_time_ms if basis else None, "reason": "",
    })
    ctx.emit("requested", request=ctx.txid, requester=requester, owner=document["owner"],
             commitment=args.commitment, status="approved" if basis else "pending")


@contract.action("approve", Approve)
def approve(ctx: TxContext, args: Approve) -> None:
    record = _request(ctx, args.request_id)
    ctx.require(record["owner"] == ctx.signer.organization, f"only the owner ({record['owner']}) decides")
    ctx.require(record["status"] == "pending", f"the request is already {record['status']}")
    ctx.require(args.expires_ms is None or args.expires_ms > ctx.block_time_ms, "the grant would expire before it starts")
    ctx.state.put(grant_key(ctx.txid), {
        "id": ctx.txid, "grantor": record["owner"], "grantee": record["requester"],
        "target": {"commitment": record["commitment"]}, "fields": record["fields"],
        "purpose": record["purpose"], "expires_ms": args.expires_ms, "status": "active",
        "created_ms": ctx.block_time_ms, "request": args.request_id,
    })
    ctx.state.put(grants_to_prefix(record["requester"]) + ctx.txid, ctx.txid)
    ctx.state.put(request_key(args.request_id), {
        **record, "status": "approved", "basis": {"grant": ctx.txid}, "decided_ms": ctx.block_time_ms,
    })
    ctx.emit("approved", request=args.request_id, grant=ctx.txid, requester=record["requester"])


@contract.action("deny", Deny)
def deny(ctx: TxContext, args: Deny) -> None:
    record = _request(ctx, args.request_id)
    ctx.require(record["owner"] == ctx.signer.organization, f"only the owner ({record['owner']}) decides")
    ctx.require(record["status"] == "pending", f"the request is already {record['status']}")
    ctx.state.put(request_key(args.request_id), {
        **record, "status": "denied", "reason": args.reason, "decided_ms": ctx.block_time_ms,
    })
    ctx.emit("denied", request=args.request_id, requester=record["requester"], reason=args.reason)


@contract.action("record_access", RecordAccess)
def record_access(ctx: TxContext, args: RecordAccess) -> None:
    record = _request(ctx, args.request_id)
    ctx.require(record["owner"] == ctx.signer.organization, "only the owner's node records a delivery")
    ctx.require(record["status"] == "approved", f"the request is {record['status']}, not approved")
    _document(ctx, record["commitment"])
    basis = access_basis(ctx.state.reader, record["requester"], record["commitment"], record["fields"],
                         ctx.block_time_ms)
    ctx.require(basis is not None, "no rule or live grant covers this request now (expired or revoked)")
    ctx.require(ctx.state.get(f"nonce:{args.nonce}") is None,
                "this signed access request was already answered; the requester must sign a new one")
    ctx.state.put(f"nonce:{args.nonce}", ctx.txid)
    ctx.state.put(record_prefix(record["commitment"]) + f"{ctx.leaf_index:012d}", {
        "request": args.request_id, "requester": record["requester"], "owner": record["owner"],
        "commitment": record["commitment"], "doc_type": record["doc_type"], "fields": record["fields"],
        "purpose": record["purpose"], "basis": basis, "at_ms": ctx.block_time_ms, "txid": ctx.txid,
        "nonce": args.nonce,
    })
    ctx.emit("accessed", request=args.request_id, requester=record["requester"],
             commitment=record["commitment"], fields=record["fields"], basis=basis)


@contract.action("purge", Purge)
def purge(ctx: TxContext, args: Purge) -> None:
    document = _document(ctx, args.commitment)
    ctx.require(document["owner"] == ctx.signer.organization, f"only the owner ({document['owner']}) purges")
    policy = AccessPolicy.from_dict(ctx.state.get("policy") or {}, ROLES)
    until = retention_start_ms(ctx.state.reader, document) + policy.retention_ms(document["doc_type"])
    ctx.require(ctx.block_time_ms >= until,
                f"{document['doc_type']} must be kept until {datetime.datetime.fromtimestamp(until / 1000, datetime.UTC):%Y-%m-%d}")
    ctx.state.put(purged_key(args.commitment), {
        "commitment": args.commitment, "by": ctx.signer.organization, "purged_ms": ctx.block_time_ms,
        "retained_until_ms": until, "txid": ctx.txid,
    })
    ctx.emit("purged", commitment=args.commitment, owner=ctx.signer.organization)


# --- queries for nodes and the CLI -----------------------------------------------------

def find_request(state: StateReader, request_id: str) -> dict[str, Any] | None:
    return state.get_state(NAMESPACE, request_key(request_id))


def find_grant(state: StateReader, grant_id: str) -> dict[str, Any] | None:
    return state.get_state(NAMESPACE, grant_key(grant_id))


def access_records(state: StateReader, commitment: str | None = None) -> list[dict[str, Any]]:
    prefix = record_prefix(commitment) if commitment else "record:"
    return sorted((value for _key, value in state.scan_state(NAMESPACE, prefix)), key=lambda r: r["at_ms"])


def purge_record(state: StateReader, commitment: str) -> dict[str, Any] | None:
    return state.get_state(NAMESPACE, purged_key(commitment))
