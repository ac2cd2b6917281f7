"""Who may sign: the registry's records of organizations and keys in ledger state.

The registry contract writes these records; the executor reads them to authorize every
envelope. Genesis seeds them. Keys are did:keys; an envelope's signer is the key's DID URL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tradeledger.crypto import DidKeyError, public_key_from_did_key
from tradeledger.ledger.contract import Refused, Signer
from tradeledger.ledger.genesis import Genesis
from tradeledger.ledger.state import StateKey, StateReader

REGISTRY = "registry"
ACCESS = "access"  # the access contract's namespace; genesis seeds its default policy


def org_key(name: str) -> str:
    return f"org:{name}"


def key_key(did: str) -> str:
    return f"key:{did}"


def member_key(organization: str, member: str) -> str:
    return f"member:{organization}/{member}"


def key_record(did: str, organization: str, member: str, admin: bool, since_ms: int) -> dict[str, Any]:
    return {
        "did": did, "organization": organization, "member": member, "admin": admin,
        "status": "active", "since_ms": since_ms,
    }


def genesis_writes(genesis: Genesis) -> dict[StateKey, Any]:
    """The registry records, and the default access policy, a network starts with."""
    writes: dict[StateKey, Any] = {
        (REGISTRY, "rules:admin_roles"): list(genesis.admin_roles),
        (ACCESS, "policy"): genesis.access.to_dict(),
    }
    for org in genesis.organizations:
        writes[(REGISTRY, org_key(org.name))] = {
            "name": org.name, "role": org.role, "display_name": org.display_name,
            "status": "active", "since_ms": genesis.created_ms,
            "log_key": org.log_key, "witness_key": org.witness_key,
        }
        writes[(REGISTRY, key_key(org.admin_key))] = key_record(
            org.admin_key, org.name, "admin", True, genesis.created_ms
        )
        writes[(REGISTRY, member_key(org.name, "admin"))] = {
            "organization": org.name, "member": "admin", "key": org.admin_key, "admin": True,
        }
    return writes


def utc_text(ms: int) -> str:
    """A ledger time (Unix milliseconds) as RFC 3339 UTC; pure, so contracts may use it."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def did_of(signer_url: str) -> str:
    return signer_url.partition("#")[0]


def signer_record_key(signer_url: str) -> tuple[str, str]:
    """The registry key `resolve_signer` reads first for a signer."""
    return REGISTRY, key_key(did_of(signer_url))


def resolve_signer(state: StateReader, signer_url: str) -> Signer:
    """The registered, active key behind a signer DID URL, or Refused with the reason."""
    try:
        public_key_from_did_key(signer_url)  # refuse what is not an Ed25519 did:key URL
    except DidKeyError as exc:
        raise Refused(f"signer: {exc}") from None
    did = did_of(signer_url)
    record = state.get_state(REGISTRY, key_key(did))
    if record is None:
        raise Refused(f"signer {did} is not a key registered on this network")
    if record["status"] != "active":
        raise Refused(f"signer {did} was {record['status']} at {utc_text(record.get('ended_ms', 0))}")
    org = state.get_state(REGISTRY, org_key(record["organization"]))
    if org is None or org["status"] != "active":
        raise Refused(f"organization {record['organization']} of signer {did} is not active")
    return Signer(
        key=did, organization=org["name"], role=org["role"], member=record["member"],
        admin=record["admin"],
    )
