"""Verifiable credentials on the ledger, in one home: issue, verify, present, status lists,
the trust registry and DIDs, written against the runtime's `Node`.

Each step reads through `node.state(org)` (the organization's own view of state) and
submits through `node.submit_checked`, so the embedded network and a cluster node run
the same code; the CLI and the demo only parse, call and print. `viewer` names the
organization whose view answers a question. A refusal raises `Refused` with its reason,
before anything reaches the log. Results are types; their `to_dict` (for a signed document,
`summary`) is what the CLI prints.

Verification with no ledger at all (a did:key issuer carries its key) is here too, so that
both answers have one shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tradeledger.credentials import (
    KeyResolutionError,
    create_presentation,
    did_key_resolver,
    issue_credential,
    verify_credential,
    verify_presentation,
)
from tradeledger.credentials.presentation import PresentationResult
from tradeledger.credentials.status_list import MIN_STATUS_LIST_LENGTH, REVOCATION, STATUS_LIST_ENTRY, SUSPENSION
from tradeledger.credentials.verify import VerificationResult
from tradeledger.errors import Refused
from tradeledger.identity import (
    DidResolution,
    LedgerPresentationVerification,
    LedgerVerification,
    TrustFinding,
    WebBase,
    check_presentation_with_ledger,
    check_with_ledger,
    resolve_did,
    status_entry,
    status_list_credential_at,
    status_records,
    trust,
    web_base_of_genesis,
)
from tradeledger.identity.documents import did_key_document
from tradeledger.identity.registry import member_record
from tradeledger.identity.resolver import from_ms
from tradeledger.identity.verification import trust_findings
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.node import Node
from tradeledger.runtime.receipts import Receipt

OFFLINE_TRUST_REASON = "not checked: give --dir to consult the network's trust registry"


def web_base(node: Node) -> WebBase:
    """The network's did:web names, from its genesis origin."""
    return web_base_of_genesis(node.genesis.canonical)


# --- issuing and verifying ------------------------------------------------------------------


@dataclass(frozen=True)
class StatusTarget:
    """One entry of one of an issuer's status lists."""

    list_id: str
    index: int


@dataclass(frozen=True)
class IssuedCredential:
    """A credential signed by an organization's administrator key, and whether the trust
    registry trusts that key for the credential's types right now."""

    credential: dict[str, Any]
    issuer: str
    verification_method: str
    trust: tuple[TrustFinding, ...]

    @property
    def trusted(self) -> bool:
        return all(f.trusted for f in self.trust)

    def summary(self) -> dict[str, Any]:
        return {"id": self.credential.get("id"), "issuer": self.issuer, "verificationMethod": self.verification_method,
                "trusted": self.trusted, "trust_reasons": [f.to_dict() for f in self.trust]}


def _with_issuer(doc: Mapping[str, Any], did: str) -> dict[str, Any]:
    issuer = doc.get("issuer")
    return {**doc, "issuer": {**issuer, "id": did} if isinstance(issuer, dict) else did}


def issue(node: Node, organization: str, doc: Mapping[str, Any],
          statuses: Sequence[StatusTarget] = ()) -> IssuedCredential:
    """Sign `doc` as `organization`: the issuer becomes its administrator's did:key, the proof
    eddsa-jcs-2022; each of `statuses` (entries of its published lists) is added to it."""
    if "proof" in doc:
        raise Refused("the credential already has a proof; issue the unsigned credential")
    keys = node.organization_keys(organization)
    state, base = node.state(organization), web_base(node)
    added = [status_entry(state, base, organization, s.list_id, s.index).to_dict() for s in statuses]
    unsigned = _with_issuer(doc, keys.admin.did)
    if added:
        present = unsigned.get("credentialStatus")
        present = [] if present is None else present if isinstance(present, list) else [present]
        merged = [*present, *added]
        unsigned["credentialStatus"] = merged[0] if len(merged) == 1 else merged
    signed = issue_credential(unsigned, keys.admin, keys.admin.verification_method)
    return IssuedCredential(signed, keys.admin.did, keys.admin.verification_method,
                            trust_findings(state, signed, now_ms()))


def verify(node: Node, viewer: str, doc: Any, at_ms: int | None = None) -> LedgerVerification:
    """Verify `doc` with keys, status lists and trust from `viewer`'s view, as of `at_ms`."""
    return check_with_ledger(doc, node.state(viewer), at_ms, base=web_base(node))


@dataclass(frozen=True)
class OfflineVerification:
    """A credential checked without a ledger: data model, proofs and dates; trust and status
    not checked."""

    credential: VerificationResult

    @property
    def verified(self) -> bool:
        return self.credential.verified

    def to_dict(self) -> dict[str, Any]:
        result = self.credential.to_dict()
        return {"verified": result["verified"], "trusted": None, "errors": result["errors"],
                "warnings": result["warnings"], "trust_reasons": [{"trusted": None, "reason": OFFLINE_TRUST_REASON}],
                "issuer": result["issuer"], "proofs": result["proofs"], "statuses": result["statuses"],
                "offline": True}


def offline_key(verification_method: str) -> bytes:
    """did:key methods carry their key; anything else needs the ledger."""
    if isinstance(verification_method, str) and verification_method.startswith("did:web:"):
        raise KeyResolutionError(f"{verification_method} is a did:web key: give --dir DIR to resolve it "
                                 "from the network's registry")
    return did_key_resolver(verification_method)


def verify_offline(doc: Any, at_ms: int | None = None) -> OfflineVerification:
    return OfflineVerification(verify_credential(doc, resolver=offline_key,
                                                 now=from_ms(at_ms) if at_ms is not None else None))


# --- presentations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Presentation:
    """A verifiable presentation signed by its holder's administrator key."""

    document: dict[str, Any]
    holder: str
    credentials: int
    challenge: str
    domain: str | None

    def summary(self) -> dict[str, Any]:
        return {"holder": self.holder, "credentials": self.credentials, "challenge": self.challenge,
                "domain": self.domain}


def present(node: Node, holder: str, credentials: Sequence[Mapping[str, Any]], challenge: str,
            domain: str | None = None) -> Presentation:
    """Present `credentials` as organization `holder`, for the verifier's challenge and domain."""
    admin = node.organization_keys(holder).admin
    document = create_presentation(list(credentials), holder=admin.did, signer=admin,
                                   verification_method=admin.verification_method, challenge=challenge, domain=domain)
    return Presentation(document, admin.did, len(credentials), challenge, domain)


def verify_presented(node: Node, viewer: str, presentation: Any, challenge: str, domain: str | None = None,
                     at_ms: int | None = None) -> LedgerPresentationVerification:
    return check_presentation_with_ledger(presentation, node.state(viewer), challenge=challenge, domain=domain,
                                          at_ms=at_ms, base=web_base(node))


@dataclass(frozen=True)
class OfflinePresentationVerification:
    presentation: PresentationResult

    @property
    def verified(self) -> bool:
        return self.presentation.verified

    def to_dict(self) -> dict[str, Any]:
        return {**self.presentation.to_dict(), "trusted": None, "offline": True}


def verify_presented_offline(presentation: Any, challenge: str, domain: str | None = None,
                             at_ms: int | None = None) -> OfflinePresentationVerification:
    return OfflinePresentationVerification(verify_presentation(
        presentation, challenge=challenge, domain=domain, resolver=offline_key,
        now=from_ms(at_ms) if at_ms is not None else None))


# --- status lists -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedList:
    list_id: str
    url: str
    purpose: str
    length: int
    receipt: Receipt

    def to_dict(self) -> dict[str, Any]:
        return {"list": self.list_id, "url": self.url, "purpose": self.purpose, "length": self.length,
                **self.receipt.to_dict()}


def publish_status_list(node: Node, organization: str, list_id: str, purpose: str,
                        length: int = MIN_STATUS_LIST_LENGTH) -> PublishedList:
    """Publish a Bitstring Status List of `organization` on the ledger."""
    receipt = node.submit_checked(organization, status_records.NAMESPACE, "publish",
                                  {"list_id": list_id, "purpose": purpose, "length": length})
    return PublishedList(list_id, web_base(node).status_list_url(organization, list_id), purpose, length, receipt)


def status_target(node: Node, organization: str, doc: Mapping[str, Any], purpose: str,
                  what: str = "the credential") -> StatusTarget:
    """The entry `doc`'s status for `purpose` points at, checked to be one of `organization`'s
    lists on this network; `what` names the credential in a refusal."""
    status = doc.get("credentialStatus")
    entries = [e for e in (status if isinstance(status, list) else [status])
               if isinstance(e, dict) and e.get("type") == STATUS_LIST_ENTRY and e.get("statusPurpose") == purpose]
    if not entries:
        raise Refused(f"{what} has no {purpose} status entry ({STATUS_LIST_ENTRY}); it cannot be changed")
    entry = entries[0]
    where = web_base(node).parse_status_list_url(str(entry.get("statusListCredential")))
    if where is None:
        raise Refused(f"{what}: its {purpose} list {entry.get('statusListCredential')!r} is not on this network")
    owner, found = where
    if owner != organization:
        raise Refused(f"{what}: its {purpose} list belongs to {owner}; only {owner} changes it (--as {owner})")
    text = str(entry.get("statusListIndex"))
    if not text.isdigit():
        raise Refused(f"{what}: statusListIndex {text!r} is not a base-10 integer")
    return StatusTarget(found, int(text))


@dataclass(frozen=True)
class StatusChanged:
    target: StatusTarget
    purpose: str
    bit: int
    receipt: Receipt

    def to_dict(self) -> dict[str, Any]:
        return {"list": self.target.list_id, "index": self.target.index, "purpose": self.purpose, "bit": self.bit,
                **self.receipt.to_dict()}


def _change(node: Node, organization: str, target: StatusTarget, purpose: str, bit: int,
            reason: str) -> StatusChanged:
    listed = status_records.find_list(node.state(organization), organization, target.list_id)
    if listed is not None and listed.purpose != purpose:
        command = "revoke" if listed.purpose == REVOCATION else "suspend"
        raise Refused(f"{target.list_id} is a {listed.purpose} list; use `vc {command}` for it")
    receipt = node.submit_checked(organization, status_records.NAMESPACE, "set" if bit else "clear",
                                  {"list_id": target.list_id, "index": target.index, "reason": reason})
    return StatusChanged(target, purpose, bit, receipt)


def revoke(node: Node, organization: str, target: StatusTarget, reason: str = "") -> StatusChanged:
    """Set a revocation bit of one of `organization`'s lists. Final."""
    return _change(node, organization, target, REVOCATION, 1, reason)


def suspend(node: Node, organization: str, target: StatusTarget, reason: str = "") -> StatusChanged:
    """Set a suspension bit of one of `organization`'s lists (`unsuspend` lifts it)."""
    return _change(node, organization, target, SUSPENSION, 1, reason)


def unsuspend(node: Node, organization: str, target: StatusTarget, reason: str = "") -> StatusChanged:
    return _change(node, organization, target, SUSPENSION, 0, reason)


def status_list_credential(node: Node, viewer: str, owner: str, list_id: str,
                           at_ms: int | None = None) -> dict[str, Any]:
    """The (unsigned) BitstringStatusListCredential of `owner`'s list as it stood at `at_ms`."""
    return status_list_credential_at(node.state(viewer), web_base(node), owner, list_id,
                                     now_ms() if at_ms is None else at_ms)


# --- the trust registry -----------------------------------------------------------------------


def issuer_did(node: Node, viewer: str, issuer: str) -> str:
    """A DID as given, or an organization's name for its administrator's did:key."""
    if issuer.startswith("did:"):
        return issuer
    admin = member_record(node.state(viewer), issuer, "admin")
    if admin is None:
        raise Refused(f"{issuer!r} is neither a DID nor an organization of this network")
    return admin.key


@dataclass(frozen=True)
class Trusted:
    credential_type: str
    issuer: str
    receipt: Receipt

    @property
    def entry(self) -> str:
        """The trust entry's id: the transaction that recorded it."""
        return self.receipt.txid

    def to_dict(self) -> dict[str, Any]:
        return {"entry": self.entry, "credential_type": self.credential_type, "issuer": self.issuer,
                **self.receipt.to_dict()}


def trust_issuer(node: Node, organization: str, credential_type: str, issuer: str, valid_from_ms: int | None = None,
                 valid_until_ms: int | None = None, note: str = "") -> Trusted:
    """Trust `issuer` (a DID) for `credential_type`, deciding as that type's authority."""
    receipt = node.submit_checked(organization, trust.NAMESPACE, "trust", {
        "credential_type": credential_type, "issuer": issuer, "valid_from_ms": valid_from_ms,
        "valid_until_ms": valid_until_ms, "note": note})
    return Trusted(credential_type, issuer, receipt)


@dataclass(frozen=True)
class TrustEnded:
    entry: str
    receipt: Receipt

    def to_dict(self) -> dict[str, Any]:
        return {"entry": self.entry, **self.receipt.to_dict()}


def end_trust(node: Node, organization: str, entry: str, reason: str) -> TrustEnded:
    """End a trust entry: credentials are trusted up to that moment, not after."""
    receipt = node.submit_checked(organization, trust.NAMESPACE, "end", {"entry": entry, "reason": reason})
    return TrustEnded(entry, receipt)


def trust_entries(node: Node, viewer: str, credential_type: str | None = None) -> list[trust.TrustEntry]:
    """The trust registry's entries, ended ones included."""
    return trust.trusted_issuers(node.state(viewer), credential_type)


# --- DIDs ---------------------------------------------------------------------------------------


def resolve(node: Node, viewer: str, identifier: str, at_ms: int | None = None) -> DidResolution:
    """Resolve a DID, or an organization's name as its did:web, from `viewer`'s view."""
    base = web_base(node)
    if not identifier.startswith("did:"):
        node.genesis.organization(identifier)  # an unknown name lists the known ones
        identifier = base.organization_did(identifier)
    return resolve_did(node.state(viewer), base, identifier, at_ms)


def resolve_offline(did: str) -> DidResolution:
    """A did:key's document, derived from the key alone."""
    if not did.startswith("did:key:"):
        raise Refused(f"{did}: only a did:key resolves without the ledger; give --dir DIR")
    return DidResolution(did_key_document(did))
