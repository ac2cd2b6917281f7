"""What the ledger's registry says about organizations, members and keys, at any moment.

The registry contract keeps one record per key (organization, member, status active |
rotated | revoked, since_ms, ended_ms) and never deletes one, so whether a key belonged
to an organization and could sign at a given time is a pure function of state. The
records are the ledger's own (tradeledger.ledger.authority, where the executor reads
them); these are the readers everything above the ledger uses.
"""

from __future__ import annotations

from tradeledger.ledger.authority import (
    KEYS_PREFIX,
    ORGANIZATIONS_PREFIX,
    REGISTRY,
    KeyRecord,
    MemberRecord,
    OrganizationRecord,
    key_key,
    member_key,
    org_key,
)
from tradeledger.ledger.state import StateReader

__all__ = [
    "KeyRecord",
    "MemberRecord",
    "OrganizationRecord",
    "active_identifiers",
    "all_keys",
    "key_record",
    "member_record",
    "organization_keys",
    "organization_record",
    "organizations",
]


def organization_record(state: StateReader, name: str) -> OrganizationRecord | None:
    data = state.get_state(REGISTRY, org_key(name))
    return OrganizationRecord.from_dict(data) if data else None


def key_record(state: StateReader, did: str) -> KeyRecord | None:
    data = state.get_state(REGISTRY, key_key(did))
    return KeyRecord.from_dict(data) if data else None


def member_record(state: StateReader, organization: str, member: str) -> MemberRecord | None:
    data = state.get_state(REGISTRY, member_key(organization, member))
    return MemberRecord.from_dict(data) if data else None


def organizations(state: StateReader) -> list[OrganizationRecord]:
    """Every organization the registry has ever recorded, by name."""
    return sorted((OrganizationRecord.from_dict(value)
                   for _key, value in state.scan_state(REGISTRY, ORGANIZATIONS_PREFIX)), key=lambda r: r.name)


def all_keys(state: StateReader) -> list[KeyRecord]:
    """Every key the registry has ever recorded, oldest first."""
    records = [KeyRecord.from_dict(value) for _key, value in state.scan_state(REGISTRY, KEYS_PREFIX)]
    return sorted(records, key=lambda r: (r.since_ms, r.did))


def organization_keys(state: StateReader, name: str) -> list[KeyRecord]:
    """Every key the organization ever registered, oldest first.

    Key records are keyed by DID, not organization, so this reads all of them: fine for
    the registry's size (organizations times members), revisit if keys number millions."""
    return [record for record in all_keys(state) if record.organization == name]


def active_identifiers(state: StateReader, name: str) -> set[str]:
    """The DIDs an organization issues under now: its active keys' did:keys."""
    return {record.did for record in organization_keys(state, name) if record.active}
