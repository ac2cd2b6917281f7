"""The genesis file: who the network's organizations are, their keys, and the quorum.

A network is created from one JSON document. Its SHA-256 is the network id that every
envelope names, so an envelope cannot be replayed into another network.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from tradeledger.crypto import DidKeyError, canonical_bytes, public_key_from_did_key, sha256_hex
from tradeledger.errors import TradeledgerError
from tradeledger.ledger.access_policy import AccessPolicy, AccessPolicyError

GENESIS_FORMAT = "tradeledger-genesis/1"
ROLES = frozenset(
    {
        "customs", "agency", "importer", "broker", "exporter", "producer", "carrier",
        "rights_holder", "carnet_association", "mill", "surety", "auditor",
    }
)
ORG_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


class GenesisError(TradeledgerError, ValueError):
    """A genesis document that cannot start a network."""


@dataclass(frozen=True)
class OrganizationSpec:
    name: str
    role: str
    display_name: str
    admin_key: str  # did:key of the organization's first administrator key
    log_key: str  # C2SP vkey (type 0x01) its node signs checkpoints with, named by the origin
    witness_key: str  # C2SP vkey (type 0x04) its node cosigns checkpoints with

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: Any) -> OrganizationSpec:
        if not isinstance(data, dict):
            raise GenesisError("each organization is an object")
        fields = ("name", "role", "display_name", "admin_key", "log_key", "witness_key")
        missing = [f for f in fields if not isinstance(data.get(f), str)]
        if missing:
            raise GenesisError(f"organization {data.get('name', '?')!r} lacks string fields {missing}")
        extra = sorted(set(data) - set(fields))
        if extra:
            raise GenesisError(f"organization {data['name']!r} has unknown fields {extra}")
        return cls(**{f: data[f] for f in fields})


@dataclass(frozen=True)
class Genesis:
    name: str
    origin: str  # checkpoint origin line, unique to this network
    created_ms: int
    organizations: tuple[OrganizationSpec, ...]
    policy: str  # C2SP tlog-policy text: log keys, witnesses, quorum
    admin_roles: tuple[str, ...] = ("customs",)
    max_block_transactions: int = 500
    max_past_ms: int = 10 * 60 * 1000  # envelopes older than this at block time are refused
    max_future_ms: int = 2 * 60 * 1000  # ... and this far ahead of the block time
    access: AccessPolicy = field(default_factory=AccessPolicy)  # default rules; owners grant more
    raw: bytes = field(default=b"", compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": GENESIS_FORMAT,
            "name": self.name,
            "origin": self.origin,
            "created_ms": self.created_ms,
            "organizations": [o.to_dict() for o in self.organizations],
            "policy": self.policy,
            "admin_roles": list(self.admin_roles),
            "max_block_transactions": self.max_block_transactions,
            "max_past_ms": self.max_past_ms,
            "max_future_ms": self.max_future_ms,
            "access": self.access.to_dict(),
        }

    @cached_property
    def canonical(self) -> bytes:
        return canonical_bytes(self.to_dict())

    @cached_property
    def network_id(self) -> str:
        return "sha256:" + sha256_hex(self.canonical)

    def organization(self, name: str) -> OrganizationSpec:
        for org in self.organizations:
            if org.name == name:
                return org
        names = ", ".join(o.name for o in self.organizations)
        raise GenesisError(f"unknown organization {name!r}; this network has: {names}")

    @classmethod
    def from_dict(cls, data: Any) -> Genesis:
        if not isinstance(data, dict) or data.get("format") != GENESIS_FORMAT:
            raise GenesisError(f"not a genesis document: expected \"format\": \"{GENESIS_FORMAT}\"")
        known = {"format", "name", "origin", "created_ms", "organizations", "policy", "admin_roles",
                 "max_block_transactions", "max_past_ms", "max_future_ms", "access"}
        extra = sorted(set(data) - known)
        if extra:
            raise GenesisError(f"genesis has unknown fields {extra}")
        for name in ("name", "origin", "policy"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise GenesisError(f"genesis field {name!r} must be a non-empty string")
        orgs = data.get("organizations")
        if not isinstance(orgs, list) or not orgs:
            raise GenesisError("genesis must name at least one organization")
        ints: dict[str, int] = {}
        for k, default in (("created_ms", None), ("max_block_transactions", 500),
                           ("max_past_ms", 600000), ("max_future_ms", 120000)):
            v = data.get(k, default)
            if type(v) is not int or v < 0:
                raise GenesisError(f"genesis field {k!r} must be a non-negative integer")
            ints[k] = v
        admin_roles = data.get("admin_roles", ["customs"])
        if not isinstance(admin_roles, list) or not all(isinstance(r, str) for r in admin_roles):
            raise GenesisError("genesis field 'admin_roles' must be a list of role names")
        if ints["max_block_transactions"] < 1:
            raise GenesisError("max_block_transactions must be at least 1")
        try:
            access = AccessPolicy.from_dict(data.get("access", {}), ROLES)
        except AccessPolicyError as exc:
            raise GenesisError(f"access: {exc}") from exc
        genesis = cls(
            name=data["name"],
            origin=data["origin"],
            created_ms=ints["created_ms"],
            organizations=tuple(OrganizationSpec.from_dict(o) for o in orgs),
            policy=data["policy"],
            admin_roles=tuple(admin_roles),
            max_block_transactions=ints["max_block_transactions"],
            max_past_ms=ints["max_past_ms"],
            max_future_ms=ints["max_future_ms"],
            access=access,
        )
        genesis.validate()
        return genesis

    def validate(self) -> None:
        seen: set[str] = set()
        for org in self.organizations:
            if not ORG_NAME.match(org.name):
                raise GenesisError(f"organization name {org.name!r}: use lowercase letters, digits and '-'")
            if org.name in seen:
                raise GenesisError(f"organization {org.name!r} appears twice")
            seen.add(org.name)
            if org.role not in ROLES:
                raise GenesisError(
                    f"organization {org.name!r} has unknown role {org.role!r}; roles: {', '.join(sorted(ROLES))}"
                )
            try:
                public_key_from_did_key(org.admin_key)
            except DidKeyError as exc:
                raise GenesisError(f"organization {org.name!r}: admin_key: {exc}") from exc
        unknown_roles = set(self.admin_roles) - ROLES
        if unknown_roles:
            raise GenesisError(f"admin_roles names unknown roles {sorted(unknown_roles)}")
        if any(c in self.origin for c in "\n+ \t") :
            raise GenesisError("origin must be one line without spaces or '+'")
        # The policy must parse and name exactly the organizations' keys.
        from tradeledger.tlog import Policy, PolicyError  # tlog sits below the ledger

        try:
            policy = Policy.from_text(self.policy)
        except PolicyError as exc:
            raise GenesisError(f"policy: {exc}") from exc
        log_keys = {org.log_key for org in self.organizations}
        witness_keys = {org.witness_key for org in self.organizations}
        if {log.verifier.vkey for log in policy.logs} != log_keys:
            raise GenesisError("policy log lines must be exactly the organizations' log keys")
        if {w.verifier.vkey for w in policy.witnesses} != witness_keys:
            raise GenesisError("policy witness lines must be exactly the organizations' witness keys")


def load_genesis(path: Path) -> Genesis:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise GenesisError(f"{path} does not exist; create a network with `tradeledger init`") from None
    except ValueError as exc:
        raise GenesisError(f"{path} is not JSON: {exc}") from exc
    except OSError as exc:
        raise GenesisError(f"cannot read {path}: {exc.strerror}") from exc
    return Genesis.from_dict(data)
