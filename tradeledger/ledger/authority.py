"""Who may sign: the registry's records of organizations, members and keys in ledger state.

The registry contract writes these records; the executor reads them to authorize every
envelope, and genesis seeds them, so they are defined here, at the bottom, where the
ledger can use them (identity.registry reads them for everyone above). Keys are did:keys;
an envelope's signer is the key's DID URL. State (namespace "registry"):

    org/<name>                  OrganizationRecord: role, display name, status, log and witness keys
    key/<did>                   KeyRecord: whose key, since when, and its end (rotated or revoked)
    member/<org>/<member>       MemberRecord: the member's current key
    rules/admin_roles           AdminRoles: the roles whose administrators run the network

No record is ever deleted: a key's life (since_ms, ended_ms) stays in state, so whether it
could sign at a given moment is a pure function of state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from tradeledger.crypto import DidKeyError, public_key_from_did_key
from tradeledger.errors import TradeledgerError
from tradeledger.ledger.contract import Refused, Signer
from tradeledger.ledger.genesis import Genesis
from tradeledger.ledger.keys import key_prefix, state_key
from tradeledger.ledger.state import StateKey, StateReader

REGISTRY = "registry"
ACCESS = "access"  # the access contract's namespace; genesis seeds its default policy
ACCESS_POLICY_KEY = state_key("policy")
ADMIN_ROLES_KEY = state_key("rules", "admin_roles")
ORGANIZATIONS_PREFIX = key_prefix("org")
KEYS_PREFIX = key_prefix("key")

ACTIVE = "active"
ROTATED = "rotated"
REVOKED = "revoked"
KEY_STATUSES = (ACTIVE, ROTATED, REVOKED)
DEFAULT_ADMIN_ROLES = ("customs",)


class RegistryRecordError(TradeledgerError, ValueError):
    """A registry record that the registry contract could not have written."""


def org_key(name: str) -> str:
    return state_key("org", name)


def key_key(did: str) -> str:
    return state_key("key", did)


def member_key(organization: str, member: str) -> str:
    return state_key("member", organization, member)


def utc_text(ms: int) -> str:
    """A ledger time (Unix milliseconds) as RFC 3339 UTC; pure, so contracts may use it."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _check(record: str, **fields: tuple[object, type | tuple[type, ...]]) -> None:
    """Refuse a field of the wrong type (bool is not accepted as an int)."""
    for name, (value, kinds) in fields.items():
        wrong_int = isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,))
        if wrong_int or not isinstance(value, kinds):
            raise RegistryRecordError(f"{record} record: {name} {value!r} is not of the expected type")


def _from(record: str, build: Any, data: object) -> Any:
    if not isinstance(data, Mapping):
        raise RegistryRecordError(f"a {record} record is a JSON object, not {type(data).__name__}")
    try:
        return build(data)
    except KeyError as exc:
        raise RegistryRecordError(f"{record} record: missing field {exc}") from None


@dataclass(frozen=True)
class OrganizationRecord:
    """One organization of the network: admitted at since_ms with a role."""

    name: str
    role: str
    display_name: str
    status: str
    since_ms: int
    log_key: str = ""
    witness_key: str = ""

    def __post_init__(self) -> None:
        _check("organization", name=(self.name, str), role=(self.role, str), display_name=(self.display_name, str),
               status=(self.status, str), since_ms=(self.since_ms, int), log_key=(self.log_key, str),
               witness_key=(self.witness_key, str))
        if not self.status:
            raise RegistryRecordError(f"organization {self.name}: a record has a status")

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "display_name": self.display_name, "status": self.status,
                "since_ms": self.since_ms, "log_key": self.log_key, "witness_key": self.witness_key}

    @classmethod
    def from_dict(cls, data: object) -> OrganizationRecord:
        return _from("organization", lambda d: cls(
            d["name"], d["role"], d.get("display_name", ""), d["status"], d["since_ms"],
            d.get("log_key", ""), d.get("witness_key", "")), data)


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

    def __post_init__(self) -> None:
        _check("key", did=(self.did, str), organization=(self.organization, str), member=(self.member, str),
               admin=(self.admin, bool), status=(self.status, str), since_ms=(self.since_ms, int),
               ended_ms=(self.ended_ms, (int, type(None))), replaced_by=(self.replaced_by, (str, type(None))),
               replaces=(self.replaces, (str, type(None))), reason=(self.reason, str))
        if self.status not in KEY_STATUSES:
            raise RegistryRecordError(f"key {self.did}: unknown status {self.status!r}")
        if (self.status == ACTIVE) != (self.ended_ms is None):
            raise RegistryRecordError(f"key {self.did}: an active key has no end, an ended one has its time")

    @classmethod
    def registered(cls, did: str, organization: str, member: str, admin: bool, since_ms: int,
                   replaces: str | None = None) -> KeyRecord:
        return cls(did, organization, member, admin, ACTIVE, since_ms, replaces=replaces)

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def rotated(self, at_ms: int, new_key: str) -> KeyRecord:
        return replace(self, status=ROTATED, ended_ms=at_ms, replaced_by=new_key)

    def revoked(self, at_ms: int, reason: str) -> KeyRecord:
        return replace(self, status=REVOKED, ended_ms=at_ms, reason=reason)

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
        if self.status == ROTATED:
            return f"key {self.did} was rotated at {ended} (replaced by {self.replaced_by})"
        detail = f": {self.reason}" if self.reason else ""
        return f"key {self.did} was {self.status} at {ended}{detail}"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"did": self.did, "organization": self.organization, "member": self.member,
                                "admin": self.admin, "status": self.status, "since_ms": self.since_ms}
        optional = {"ended_ms": self.ended_ms, "replaced_by": self.replaced_by, "replaces": self.replaces,
                    "reason": self.reason or None}
        return {**data, **{name: value for name, value in optional.items() if value is not None}}

    @classmethod
    def from_dict(cls, data: object) -> KeyRecord:
        return _from("key", lambda d: cls(
            d["did"], d["organization"], d["member"], d["admin"], d["status"], d["since_ms"],
            d.get("ended_ms"), d.get("replaced_by"), d.get("replaces"), d.get("reason", "")), data)


@dataclass(frozen=True)
class MemberRecord:
    """A member of an organization and the key it signs with now."""

    organization: str
    member: str
    key: str
    admin: bool

    def __post_init__(self) -> None:
        _check("member", organization=(self.organization, str), member=(self.member, str), key=(self.key, str),
               admin=(self.admin, bool))

    def to_dict(self) -> dict[str, Any]:
        return {"organization": self.organization, "member": self.member, "key": self.key, "admin": self.admin}

    @classmethod
    def from_dict(cls, data: object) -> MemberRecord:
        return _from("member", lambda d: cls(d["organization"], d["member"], d["key"], d["admin"]), data)


@dataclass(frozen=True)
class AdminRoles:
    """The roles whose administrator keys run the network (admit organizations, revoke any key)."""

    roles: tuple[str, ...] = DEFAULT_ADMIN_ROLES

    def __post_init__(self) -> None:
        _check("admin roles", roles=(self.roles, tuple))
        if not all(isinstance(role, str) for role in self.roles):
            raise RegistryRecordError("admin roles record: every role is a name")

    def to_dict(self) -> dict[str, Any]:
        return {"roles": list(self.roles)}

    @classmethod
    def from_dict(cls, data: object) -> AdminRoles:
        def build(d: Mapping[str, Any]) -> AdminRoles:
            if not isinstance(d["roles"], list):
                raise RegistryRecordError("admin roles record: roles is a list of role names")
            return cls(tuple(d["roles"]))

        return _from("admin roles", build, data)


def admin_roles(state: StateReader) -> AdminRoles:
    data = state.get_state(REGISTRY, ADMIN_ROLES_KEY)
    return AdminRoles.from_dict(data) if data is not None else AdminRoles()


def organization_admission(name: str, role: str, display_name: str, admin_key: str, since_ms: int, log_key: str,
                           witness_key: str) -> dict[StateKey, Any]:
    """The records that admit an organization with its administrator key, by state key."""
    return {
        (REGISTRY, org_key(name)): OrganizationRecord(name, role, display_name, ACTIVE, since_ms, log_key,
                                                      witness_key).to_dict(),
        (REGISTRY, key_key(admin_key)): KeyRecord.registered(admin_key, name, "admin", True, since_ms).to_dict(),
        (REGISTRY, member_key(name, "admin")): MemberRecord(name, "admin", admin_key, True).to_dict(),
    }


def genesis_writes(genesis: Genesis) -> dict[StateKey, Any]:
    """The registry records, and the default access policy, a network starts with."""
    writes: dict[StateKey, Any] = {
        (REGISTRY, ADMIN_ROLES_KEY): AdminRoles(tuple(genesis.admin_roles)).to_dict(),
        (ACCESS, ACCESS_POLICY_KEY): genesis.access.to_dict(),
    }
    for org in genesis.organizations:
        writes.update(organization_admission(org.name, org.role, org.display_name, org.admin_key, genesis.created_ms,
                                             org.log_key, org.witness_key))
    return writes


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
    data = state.get_state(REGISTRY, key_key(did))
    if data is None:
        raise Refused(f"signer {did} is not a key registered on this network")
    try:
        record = KeyRecord.from_dict(data)
    except RegistryRecordError as exc:  # damaged state makes this envelope invalid, not the block
        raise Refused(f"signer {did}: {exc}") from None
    if not record.active:
        raise Refused(f"signer {did} was {record.status} at {utc_text(record.ended_ms or 0)}")
    org_data = state.get_state(REGISTRY, org_key(record.organization))
    try:
        org = OrganizationRecord.from_dict(org_data) if org_data is not None else None
    except RegistryRecordError as exc:
        raise Refused(f"organization {record.organization} of signer {did}: {exc}") from None
    if org is None or not org.active:
        raise Refused(f"organization {record.organization} of signer {did} is not active")
    return Signer(key=did, organization=org.name, role=org.role, member=record.member, admin=record.admin)
