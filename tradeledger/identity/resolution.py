"""Resolve did:key and did:web identifiers offline, from the ledger's registry state.

* A did:key's document is derived from the key (the did:key method); the ledger adds what
  its registry knows in the document metadata: which organization and member the key
  belongs to, since when, and, once it is rotated or revoked, `deactivated: true` with
  when and why. A did:key the registry has never seen still resolves (the method needs no
  registry) with `tradeledger.registered: false`.
* An organization's did:web document lists the keys the organization had active at the
  time asked (now by default): a rotated or revoked key leaves the document from the
  block that recorded the change. The metadata keeps every key's history.

Asked `at_ms`, both answer as of that moment; the state holds every key's life, so the
answer for a past moment does not change as the registry moves on.
"""

from __future__ import annotations

from typing import Any

from tradeledger.identity.documents import (
    DidResolution,
    did_key_document,
    did_time,
    organization_document,
)
from tradeledger.identity.errors import (
    DidNotFoundError,
    InvalidDidError,
    MethodNotSupportedError,
)
from tradeledger.identity.registry import (
    KeyRecord,
    key_record,
    organization_keys,
    organization_record,
)
from tradeledger.identity.web import WebBase
from tradeledger.ledger.state import StateReader


def resolve_did(state: StateReader, base: WebBase | None, did: str, at_ms: int | None = None) -> DidResolution:
    """The DID resolution result of `did` from ledger state, as of `at_ms` (default: now)."""
    if not isinstance(did, str) or not did.startswith("did:"):
        raise InvalidDidError(f"{did!r} is not a DID; DIDs start with did: (did:key:z6Mk..., did:web:...)")
    if "#" in did or "?" in did:
        raise InvalidDidError(f"{did!r} is a DID URL; give the DID alone, without '#...' or '?...'")
    method = did.split(":", 2)[1]
    if method == "key":
        return _resolve_did_key(state, base, did, at_ms)
    if method == "web":
        return _resolve_organization(state, base, did, at_ms)
    raise MethodNotSupportedError(f"DID method {method!r} is not supported here; use did:key or did:web")


def status_at(record: KeyRecord, at_ms: int | None) -> str:
    """active, rotated, revoked, or unregistered (not yet registered at `at_ms`)."""
    if at_ms is None:
        return record.status
    if at_ms < record.since_ms:
        return "unregistered"
    return "active" if record.active_at(at_ms) else record.status


def _key_history(record: KeyRecord, base: WebBase | None, at_ms: int | None) -> dict[str, Any]:
    """What the registry records about a key, as known at `at_ms`: a later end is left out."""
    entry: dict[str, Any] = {"did": record.did, "organization": record.organization, "member": record.member,
                             "admin": record.admin, "status": status_at(record, at_ms),
                             "since": did_time(record.since_ms)}
    if base is not None:
        entry["organizationDid"] = base.organization_did(record.organization)
    if record.replaces:
        entry["replaces"] = record.replaces
    if record.ended_ms is not None and (at_ms is None or record.ended_ms <= at_ms):
        entry["ended"] = did_time(record.ended_ms)
        if record.replaced_by:
            entry["replacedBy"] = record.replaced_by
        if record.reason:
            entry["reason"] = record.reason
    return entry


def _resolve_did_key(state: StateReader, base: WebBase | None, did: str, at_ms: int | None) -> DidResolution:
    document = did_key_document(did)
    record = key_record(state, did)
    if record is None or status_at(record, at_ms) == "unregistered":
        return DidResolution(document, {"tradeledger": {"registered": False}})
    status = status_at(record, at_ms)
    metadata: dict[str, Any] = {"created": did_time(record.since_ms)}
    if status != "active":
        metadata["updated"] = did_time(record.ended_ms or record.since_ms)
        metadata["deactivated"] = True
    metadata["tradeledger"] = {"registered": True, **_key_history(record, base, at_ms)}
    return DidResolution(document, metadata)


def _resolve_organization(state: StateReader, base: WebBase | None, did: str, at_ms: int | None) -> DidResolution:
    if base is None:
        raise DidNotFoundError(f"{did}: did:web resolution needs the network's origin (open the network folder)")
    name = base.organization_of(did)
    if name is None:
        raise DidNotFoundError(f"{did} is not an organization of this network; its organizations are "
                               f"{base.did}:orgs:<name>")
    organization = organization_record(state, name)
    if organization is None:
        raise DidNotFoundError(f"{did}: no organization {name!r} is registered on this network")
    if at_ms is not None and at_ms < organization.since_ms:
        raise DidNotFoundError(f"{did}: {name} was admitted only at {did_time(organization.since_ms)}")
    history = organization_keys(state, name)
    active = [r for r in history if (r.status == "active" if at_ms is None else r.active_at(at_ms))]
    changes = [t for r in history for t in (r.since_ms, r.ended_ms)
               if t is not None and (at_ms is None or t <= at_ms)]
    metadata: dict[str, Any] = {"created": did_time(organization.since_ms)}
    if changes and max(changes) > organization.since_ms:
        metadata["updated"] = did_time(max(changes))
    if not organization.active:
        metadata["deactivated"] = True
    metadata["tradeledger"] = {
        "organization": name, "role": organization.role, "displayName": organization.display_name,
        "keys": [_key_history(r, None, at_ms) for r in history if at_ms is None or r.since_ms <= at_ms],
    }
    document = organization_document(did, [(r.did, r.admin) for r in active])
    return DidResolution(document, metadata)
