"""Disclosure: who may see a private document, and the bytes travelling to them.

The workflow (DESIGN.md decisions 10 and 11), on any runtime's `Node`:
1. an owner grants (`grant`, `revoke`); a requester signs an `access.request` (what, which
   fields, why) into the ledger (`request`); a default rule or a live grant approves it
   at once, else the owner approves or denies it (`approve`, `deny`); the terms, what is
   asked and why, and the decisions go, as private parts, to the collection of the owner,
   the other party and customs (`contracts.access`); anyone else learns only that the
   parties dealt, and `visible_request` tells it the request is private to them;
2. the requester's node asks the owner's node for the payload with a *signed access
   request*, through one `Transfer` interface (in-process here; node to node in a
   cluster), never through the ordering stream (`disclose`);
3. the owner's node checks the signature against the requester's registered key and the
   request against its own copy of the ledger, commits an `access.record_access`
   transaction (which the contract accepts only while a rule or grant covers the request
   at the block's time), and only then sends the payload (`serve`);
4. the requester's node checks the payload against the anchored commitment and keeps it
   (`receive`). A payload that does not match its commitment is refused on arrival and
   nothing is kept. Every delivery is on the ledger (`access_log`).
"""

from __future__ import annotations

import base64
import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tradeledger.contracts import access, documents
from tradeledger.contracts.access import AccessBasis, AccessRecord, RequestRecord
from tradeledger.crypto import canonical_bytes, commitment_of, public_key_from_did_key, sha256, verify_signature
from tradeledger.crypto.disclosure import DisclosureError, FieldSummary, open_fields
from tradeledger.errors import Refused
from tradeledger.ledger.authority import resolve_signer
from tradeledger.ledger.collections import PrivateInput
from tradeledger.ledger.contract import collection_record
from tradeledger.ledger.state import StateReader
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.node import Node
from tradeledger.runtime.receipts import Receipt, WaitLevel
from tradeledger.vault.store import ReceivedDocument

REQUEST_FORMAT = "tradeledger-access-request/1"
DELIVERY_FORMAT = "tradeledger-delivery/1"


class AccessRefused(Refused):
    """The owner's node refuses to deliver; the message says why."""


class DeliveryRefused(Refused):
    """A delivered payload does not match the anchored commitment; nothing was kept."""


@dataclass(frozen=True)
class SignedAccessRequest:
    """What a requester's node sends the owner's node: which approved request, signed by
    a key the ledger registers for the requesting organization."""

    request_id: str
    requester: str
    signer: str  # DID URL of the requester's key
    created_ms: int
    signature: bytes = b""
    # Fresh per message: the owner's node records it with the access, and the access
    # contract refuses a second record with the same nonce, so a captured request cannot
    # fetch the payload again.
    nonce: str = ""

    def signing_bytes(self) -> bytes:
        return canonical_bytes({
            "format": REQUEST_FORMAT, "request_id": self.request_id, "requester": self.requester,
            "signer": self.signer, "created_ms": self.created_ms, "nonce": self.nonce,
        })

    def to_dict(self) -> dict[str, Any]:
        return {"format": REQUEST_FORMAT, "request_id": self.request_id, "requester": self.requester,
                "signer": self.signer, "created_ms": self.created_ms, "nonce": self.nonce,
                "signature": self.signature.hex()}

    @classmethod
    def from_dict(cls, data: Any) -> SignedAccessRequest:
        try:
            if data["format"] != REQUEST_FORMAT:
                raise ValueError
            return cls(str(data["request_id"]), str(data["requester"]), str(data["signer"]),
                       int(data["created_ms"]), bytes.fromhex(data["signature"]), str(data["nonce"]))
        except (KeyError, TypeError, ValueError):
            raise AccessRefused(f"not a {REQUEST_FORMAT} message") from None


@dataclass(frozen=True)
class Delivery:
    """The payload: a whole document with its commitment salt, or a structured document's
    field summary, salt and the disclosures of the granted fields."""

    request_id: str
    commitment: str
    owner: str
    salt: bytes
    document: bytes | None = None
    summary: FieldSummary | None = None
    disclosures: tuple[str, ...] = ()
    access_txid: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": DELIVERY_FORMAT, "request_id": self.request_id, "commitment": self.commitment,
            "owner": self.owner, "salt": self.salt.hex(),
            "document": None if self.document is None else base64.b64encode(self.document).decode("ascii"),
            "summary": None if self.summary is None else self.summary.to_dict(),
            "disclosures": list(self.disclosures), "access_txid": self.access_txid,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Delivery:
        try:
            if data["format"] != DELIVERY_FORMAT:
                raise ValueError
            return cls(
                str(data["request_id"]), str(data["commitment"]), str(data["owner"]), bytes.fromhex(data["salt"]),
                None if data["document"] is None else base64.b64decode(data["document"], validate=True),
                None if data["summary"] is None else FieldSummary.from_dict(data["summary"]),
                tuple(str(d) for d in data["disclosures"]), str(data["access_txid"]),
            )
        except (KeyError, TypeError, ValueError, DisclosureError):
            raise DeliveryRefused(f"not a {DELIVERY_FORMAT} message") from None


class Transfer(Protocol):
    def fetch(self, owner: str, request: SignedAccessRequest) -> Delivery: ...


class LocalTransfer:
    """The transfer of a node that hosts the owner too (the embedded network): served in this process."""

    def __init__(self, node: Node):
        self._node = node

    def fetch(self, owner: str, request: SignedAccessRequest) -> Delivery:
        return serve(self._node, owner, request)


# --- grants and requests, decided on the ledger ----------------------------------------

@dataclass(frozen=True)
class GrantResult:
    """A grant issued (by `grant`, or by approving a request): its id is its transaction's."""

    receipt: Receipt

    @property
    def grant_id(self) -> str:
        return self.receipt.txid

    def to_dict(self) -> dict[str, Any]:
        return {"grant_id": self.grant_id, **self.receipt.to_dict()}


@dataclass(frozen=True)
class RequestResult:
    """A request on the ledger, and what became of it at once (approved by a rule or a
    grant, or pending the owner's decision)."""

    receipt: Receipt
    record: RequestRecord | None

    @property
    def request_id(self) -> str:
        return self.receipt.txid

    @property
    def status(self) -> str:
        return self.record.status if self.record else "unknown"

    @property
    def basis(self) -> AccessBasis | None:
        return self.record.basis if self.record else None

    def to_dict(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "request_status": self.status,
                "basis": self.basis.to_dict() if self.basis else None, **self.receipt.to_dict()}


ACTIONS_WITH_PARTS = {"grant": access.TERMS, "request": access.ASK, "approve": access.DECISION,
                      "deny": access.DECISION, "record_access": access.RECORD}


def access_inputs(state: StateReader, organization: str, action: str,
                  args: Mapping[str, Any]) -> tuple[dict[str, Any], list[PrivateInput]]:
    """An access action's arguments, split as the contract takes them: the public ones, and
    the private part for the pair's collection. `args` are the action's whole arguments as
    one party states them (a grant's grantee and terms, a request's document, fields and
    purpose, a decision's request and expiry or reason, a record's request and nonce);
    `state` is `organization`'s own view, where the document's owner or the request's
    collection is found."""
    rest = dict(args)
    part = ACTIONS_WITH_PARTS.get(action)
    if part is None:  # revoke, purge: public only
        return rest, []
    if action == "grant":
        grantee = str(rest.pop("grantee", ""))
        return {"grantee": grantee}, [PrivateInput(part, access.pair_collection(organization, grantee), rest)]
    if action == "request":
        commitment = rest.get("commitment")
        anchored = documents.find_by_commitment(state, commitment) if isinstance(commitment, str) else None
        if anchored is None:
            raise Refused(f"no document with commitment {commitment} is anchored")
        return {"owner": anchored.owner}, [PrivateInput(part, access.pair_collection(anchored.owner, organization),
                                                        rest)]
    request_id = str(rest.pop("request_id", ""))
    filing = access.find_request_filing(state, request_id)
    if filing is None:
        raise Refused(f"no access request {request_id} is on the ledger")
    public: dict[str, Any] = {"request_id": request_id}
    if action == "record_access":
        public["nonce"] = rest.pop("nonce", "")
    return public, [PrivateInput(part, filing.collection, rest)]


def submit_access(node: Node, organization: str, action: str, args: Mapping[str, Any],
                  wait: WaitLevel = "final") -> Receipt:
    """Submit one access action with its private part (`access_inputs`), checked first."""
    public, private = access_inputs(node.state(organization), organization, action, args)
    return node.submit_checked(organization, access.NAMESPACE, action, public, wait=wait, private=private)


def grant(node: Node, grantor: str, grantee: str, purpose: str, *, commitment: str | None = None,
          ref: str | None = None, fields: Sequence[str] = (), expires_ms: int | None = None) -> GrantResult:
    """Let `grantee` see one of `grantor`'s documents (`commitment`), or every one carrying
    a public reference (`ref`, NAME=VALUE); only `fields` of it when given, until
    `expires_ms`. The terms go to the pair's collection (grantor, grantee, customs)."""
    args: dict[str, Any] = {"grantee": grantee, "fields": list(fields), "purpose": purpose, "expires_ms": expires_ms}
    args.update({"commitment": commitment} if commitment is not None else {"ref": ref})
    return GrantResult(submit_access(node, grantor, "grant", args))


def revoke(node: Node, grantor: str, grant_id: str) -> Receipt:
    """Revoke a grant; accesses already recorded stay on the ledger."""
    return node.submit_checked(grantor, access.NAMESPACE, "revoke", {"grant_id": grant_id})


def request(node: Node, requester: str, commitment: str, purpose: str, fields: Sequence[str] = ()) -> RequestResult:
    """Ask a document's owner for access (to `fields` only, when given); what is asked and
    why go to the pair's collection (owner, requester, customs)."""
    receipt = submit_access(node, requester, "request",
                            {"commitment": commitment, "fields": list(fields), "purpose": purpose})
    return RequestResult(receipt, access.find_request(node.state(requester), receipt.txid))


def approve(node: Node, owner: str, request_id: str, expires_ms: int | None = None) -> GrantResult:
    """Approve a pending request: a grant to the requester for the fields it asked."""
    return GrantResult(submit_access(node, owner, "approve", {"request_id": request_id, "expires_ms": expires_ms}))


def deny(node: Node, owner: str, request_id: str, reason: str) -> Receipt:
    """Deny a pending request; the reason stays with the pair's collection."""
    return submit_access(node, owner, "deny", {"request_id": request_id, "reason": reason})


def find_request(node: Node, viewer: str, request_id: str) -> RequestRecord | None:
    """The request as `viewer` sees it: None when there is none, or when `viewer` is not
    one of its parties (`visible_request` says which)."""
    return access.find_request(node.state(viewer), request_id)


def visible_request(node: Node, viewer: str, request_id: str) -> RequestRecord:
    """The request, or a refusal saying whether it does not exist or is private to others."""
    state = node.state(viewer)
    filing = access.find_request_filing(state, request_id)
    if filing is None:
        raise AccessRefused(f"no access request {request_id} is on the ledger; make one with `tradeledger request`")
    record = access.find_request(state, request_id)
    if record is None:
        raise AccessRefused(f"access request {request_id} is private to its parties "
                            f"({', '.join(collection_members(state, filing.collection))}); {viewer} is not one of them")
    return record


def collection_members(state: StateReader, collection: str) -> tuple[str, ...]:
    record = collection_record(state, access.NAMESPACE, collection)
    return record.members if record is not None else ()


def access_log(node: Node, viewer: str, commitment: str | None = None) -> list[AccessRecord]:
    """Every recorded access (of one document, when given) that `viewer` is a party to
    (customs: all of them): who saw what, when, under which grant or rule."""
    return access.access_records(node.state(viewer), commitment)


# --- the owner's node ------------------------------------------------------------------

def serve(node: Node, owner: str, request: SignedAccessRequest) -> Delivery:
    """Check a signed access request, record the access on the ledger, then deliver."""
    state = node.state(owner)
    try:
        signer = resolve_signer(state, request.signer)
    except Refused as exc:
        raise AccessRefused(exc.reason) from None
    if signer.organization != request.requester:
        raise AccessRefused(f"key {signer.key} belongs to {signer.organization}, not {request.requester}")
    if not verify_signature(public_key_from_did_key(request.signer), request.signing_bytes(), request.signature):
        raise AccessRefused("the access request's signature does not verify")
    age = now_ms() - request.created_ms
    if age > node.genesis.max_past_ms or -age > node.genesis.max_future_ms:
        raise AccessRefused("the access request is stale or dated in the future; sign a fresh one")
    if not access.NONCE.match(request.nonce):
        raise AccessRefused("the access request carries no fresh nonce; sign a new one")
    record = access.find_request(state, request.request_id)
    if record is None or record.requester != request.requester or record.owner != owner:
        raise AccessRefused(f"no request {request.request_id} by {request.requester} to {owner} is on the ledger")
    if not record.approved:
        raise AccessRefused(f"request {request.request_id} is {record.status}"
                            + (f": {record.reason}" if record.reason else ""))
    vault = node.vault(owner)
    kept = vault.commitment(record.commitment)
    if kept is None or access.purge_record(state, record.commitment) is not None \
            or not vault.has_document(kept.document_sha256):
        raise AccessRefused(f"{owner}'s vault no longer holds document {record.commitment}")
    disclosures = vault.field_disclosures(record.commitment)
    if record.fields and not disclosures:
        raise AccessRefused("the document was committed whole; its fields cannot be disclosed one by one")
    missing = [name for name in record.fields if name not in disclosures]
    if missing:
        raise AccessRefused(f"the document has no fields {missing}")
    # The access is on the ledger before any byte leaves the vault; the contract accepts
    # the record only while a rule or a live grant covers the request.
    try:
        receipt = submit_access(node, owner, "record_access",
                                {"request_id": request.request_id, "nonce": request.nonce}, wait="committed")
    except (Refused, NetworkError) as exc:
        raise AccessRefused(str(exc)) from None
    if disclosures:
        chosen = record.fields or tuple(sorted(disclosures))
        summary = FieldSummary.of(disclosures.values())
        return Delivery(request.request_id, record.commitment, owner, kept.salt, None, summary,
                        tuple(disclosures[name] for name in chosen), receipt.txid)
    return Delivery(request.request_id, record.commitment, owner, kept.salt,
                    vault.get_document(kept.document_sha256), None, (), receipt.txid)


# --- the requester's node ------------------------------------------------------------

def sign_access_request(node: Node, requester: str, request_id: str) -> SignedAccessRequest:
    key = node.organization_keys(requester).admin
    unsigned = SignedAccessRequest(request_id, requester, key.verification_method, now_ms(),
                                   nonce=os.urandom(16).hex())
    return dataclasses.replace(unsigned, signature=key.sign(unsigned.signing_bytes()))


def receive(node: Node, requester: str, delivery: Delivery) -> ReceivedDocument:
    """Check a delivery against the commitment anchored on the ledger, then keep it."""
    anchored = documents.find_by_commitment(node.state(requester), delivery.commitment)
    if anchored is None:
        raise DeliveryRefused(f"no document with commitment {delivery.commitment} is anchored")
    if anchored.owner != delivery.owner:
        raise DeliveryRefused(f"the document was anchored by {anchored.owner}, not {delivery.owner}")
    # Only checked bytes are kept: document bytes beside field disclosures are checked by nothing.
    if delivery.summary is not None and delivery.document is not None:
        raise DeliveryRefused("tampered payload: it carries both a document and field disclosures")
    fields: dict[str, Any] | None = None
    if delivery.summary is not None:
        try:
            fields = open_fields(delivery.summary, delivery.disclosures)
        except DisclosureError as exc:
            raise DeliveryRefused(f"tampered payload: {exc}") from None
        digest = sha256(delivery.summary.document_bytes())
    elif delivery.document is not None:
        digest = sha256(delivery.document)
    else:
        raise DeliveryRefused("the delivery carries no payload")
    if len(delivery.salt) != 32 or commitment_of(digest, delivery.salt) != delivery.commitment:
        raise DeliveryRefused("tampered payload: it does not match the anchored commitment")
    vault = node.vault(requester)
    document_sha256 = vault.put_document(delivery.document) if delivery.document is not None else None
    received = ReceivedDocument(delivery.request_id, delivery.commitment, delivery.owner, document_sha256,
                                fields, now_ms())
    vault.record_received(received)
    return received


def disclose(node: Node, request_id: str, requester: str | None = None,
             transfer: Transfer | None = None) -> ReceivedDocument:
    """Fetch an approved request's payload from its owner and keep it in the requester's
    vault (the request's requester by default, which this node must host)."""
    viewer = requester or node.hosted[0]
    record = visible_request(node, viewer, request_id)
    requester = requester or record.requester
    signed = sign_access_request(node, requester, request_id)
    delivery = (transfer or LocalTransfer(node)).fetch(record.owner, signed)
    return receive(node, requester, delivery)


