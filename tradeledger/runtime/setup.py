"""Create an embedded network: keys for each organization, the genesis and its policy."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tradeledger.contracts.access import check_policy, default_access_policy
from tradeledger.crypto import KeyPair
from tradeledger.ledger.access_policy import AccessPolicy, AccessPolicyError
from tradeledger.ledger.checkpoints import witness_key_name
from tradeledger.ledger.genesis import Genesis, GenesisError, OrganizationSpec, load_genesis
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.keys import OrganizationKeys
from tradeledger.runtime.layout import NetworkLayout
from tradeledger.tlog import CosignatureSigner, NoteSigner


@dataclass(frozen=True)
class OrgPlan:
    name: str
    role: str
    display_name: str


DEMO_ORGANIZATIONS: tuple[OrgPlan, ...] = (
    OrgPlan("customs", "customs", "U.S. Customs and Border Protection"),
    OrgPlan("importer", "importer", "Northwind Imports LLC"),
    OrgPlan("exporter", "exporter", "Aceros del Norte S.A. de C.V."),
    OrgPlan("agency", "agency", "U.S. Food and Drug Administration"),
    OrgPlan("broker", "broker", "Harbor Customs Brokerage Inc."),
)


def quorum_policy(log_keys: Sequence[str], witnesses: Sequence[tuple[str, str]], anchor: str | None) -> str:
    """A C2SP tlog-policy: every node's log key; a witness per organization; the quorum is
    the anchor organization (customs) and a majority of the others, or a majority of all
    when there is no anchor."""
    lines = ["# tradeledger network checkpoint policy (C2SP tlog-policy)"]
    lines += [f"log {vkey}" for vkey in log_keys]
    lines += [f"witness {name} {vkey}" for name, vkey in witnesses]
    others = [name for name, _ in witnesses if name != anchor]
    if anchor and others:
        lines.append(f"group others {len(others) // 2 + 1} {' '.join(others)}")
        lines.append(f"group network all {anchor} others")
    elif anchor:
        lines.append(f"group network all {anchor}")
    else:
        lines.append(f"group network {len(others) // 2 + 1} {' '.join(others)}")
    lines.append("quorum network")
    return "\n".join(lines) + "\n"


def create_network(
    directory: Path,
    organizations: Sequence[OrgPlan] = DEMO_ORGANIZATIONS,
    *,
    name: str = "demo",
    max_block_transactions: int = 500,
    policy: str | None = None,
    access: AccessPolicy | None = None,
) -> Genesis:
    """Write a new network into an empty (or missing) folder and return its genesis."""
    layout = NetworkLayout(directory)
    if directory.exists() and not directory.is_dir():
        raise GenesisError(f"{directory} is a file; choose a new folder for a new network")
    if layout.genesis.exists() or (directory.exists() and any(directory.iterdir())):
        raise GenesisError(f"{directory} is not empty; choose a new folder for a new network")
    origin = f"tradeledger.local/{name}-{os.urandom(4).hex()}"
    keys = [
        OrganizationKeys(
            organization=org.name,
            admin=KeyPair.generate(),
            log=NoteSigner(os.urandom(32), origin),
            witness=CosignatureSigner(os.urandom(32), witness_key_name(origin, org.name)),
        )
        for org in organizations
    ]
    anchor = next((o.name for o in organizations if o.role == "customs"), None)
    policy_text = policy or quorum_policy(
        [k.log.vkey for k in keys], [(k.organization, k.witness.vkey) for k in keys], anchor
    )
    genesis = Genesis(
        name=name,
        origin=origin,
        created_ms=now_ms(),
        organizations=tuple(
            OrganizationSpec(o.name, o.role, o.display_name, k.admin.did, k.log.vkey, k.witness.vkey)
            for o, k in zip(organizations, keys, strict=True)
        ),
        policy=policy_text,
        max_block_transactions=max_block_transactions,
        access=check_policy(access) if access is not None else default_access_policy(),
    )
    genesis.validate()
    directory.mkdir(parents=True, exist_ok=True)
    for org_keys in keys:
        org_keys.save(layout.keys(org_keys.organization))
    layout.genesis.write_text(json.dumps(genesis.to_dict(), indent=2) + "\n")
    return genesis


def open_genesis(path: Path) -> Genesis:
    """The genesis at `path`, refused (GenesisError) unless the access contract knows every
    relation its rules name: a rule it did not know would silently never match."""
    genesis = load_genesis(path)
    try:
        check_policy(genesis.access)
    except AccessPolicyError as exc:
        raise GenesisError(f"{path}: {exc}") from None
    return genesis
