"""What the ledger's registry says about organizations and keys, at any moment.

The registry contract keeps one record per key (`key:<did>`: organization, member, status
active | rotated | revoked, since_ms, ended_ms) and never deletes one, so whether a key
belonged to an organization and could sign at a given time is a pure function of state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tradeledger.ledger.authority import REGISTRY, key_key, org_key, utc_text
from tradeledger.ledger.state import StateReader

ACTIVE = "active"


@dataclass(frozen=True)
class OrganizationRecord:
    name: str
    role: str
    display_name: str
    status: str
    since_ms: int

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "display_name": self.display_name,
                "status": self.status, "since_ms": self.since_ms}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OrganizationRecord:
        return cls(data["name"], data["role"], data.get("display_name", ""), data["status"], data["since_ms"])


@dataclass(frozen=True)
class KeyRecord:
    """One registered key and its life: registered at since_ms, rotated or revoked at ended_ms."""

    did: str
    organization: str
    member: str
    admin: bool
    status: str
    since_ms: int
    ended_ms: int | None = None
    replaced_by: str | None = None
    replaces: str | None = None
    reason: str = ""

    def active_at(self, at_ms: int) -> bool:
        return self.since_ms <= at_ms and (self.ended_ms is None or at_ms < self.ended_ms)

    def active_during(self, start_ms: int, end_ms: int) -> bool:
        """Could a signature stated as made in [start_ms, end_ms] come from this key? The key
        must have been registered by the end of the window and not ended by its start."""
        return self.since_ms <= end_ms and (self.ended_ms is None or start_ms < self.ended_ms)

    def why_inactive(self, start_ms: int) -> str:
        """Why the key could not sign at `start_ms` (call when active_during is False)."""
        if start_ms < self.since_ms:
            return f"key {self.did} was registered only at {utc_text(self.since_ms)}"
        ended = utc_text(self.ended_ms or 0)
        if self.status == "rotated":
            return f"key {self.did} was rotated at {ended} (replaced by {self.replaced_by})"
        detail = f": {self.reason}" if self.reason else ""
        return f"key {self.did} was {self.status} at {ended}{detail}"

    def to_dict(self) -> dict[str, Any]:
        return {"did": self.did, "organization": self.organization, "member": self.member, "admin": self.admin,
                "status": self.status, "since_ms": self.since_ms, "ended_ms": self.ended_ms,
                "replaced_by": self.replaced_by, "replaces": self.replaces, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KeyRecord:
        return cls(data["did"], data["organization"], data["member"], bool(data["admin"]), data["status"],
                   data["since_ms"], data.get("ended_ms"), data.get("replaced_by"), data.get("replaces"),
                   data.get("reason", ""))


def organization_record(state: StateReader, name: str) -> OrganizationRecord | None:
    data = state.get_state(REGISTRY, org_key(name))
    return OrganizationRecord.from_dict(data) if data else None


def key_record(state: StateReader, did: str) -> KeyRecord | None:
    data = state.get_state(REGISTRY, key_key(did))
    return KeyRecord.from_dict(data) if data else None


def organizations(state: StateReader) -> list[OrganizationRecord]:
    """Every organization the registry has ever recorded, by name."""
    return sorted((OrganizationRecord.from_dict(value) for _key, value in state.scan_state(REGISTRY, "org:")),
                  key=lambda r: r.name)


def all_keys(state: StateReader) -> list[KeyRecord]:
    """Every key the registry has ever recorded, oldest first."""
    records = [KeyRecord.from_dict(value) for _key, value in state.scan_state(REGISTRY, "key:")]
    return sorted(records, key=lambda r: (r.since_ms, r.did))


def organization_keys(state: StateReader, name: str) -> list[KeyRecord]:
    """Every key the organization ever registered, oldest first.

    Key records are keyed by DID, not organization, so this reads all of them: fine for
    the registry's size (organizations times members), revisit if keys number millions."""
    return [record for record in all_keys(state) if record.organization == name]
