"""Helpers shared by the cluster tests: signed envelopes, waiting on nodes, cleanup."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from tradeledger.cluster import launcher
from tradeledger.cluster.client import ClusterClient
from tradeledger.cluster.messages import ForkSummary, NodeStatus
from tradeledger.cluster.plan import ClusterRecord
from tradeledger.ledger.envelope import sign_envelope
from tradeledger.ledger.genesis import Genesis
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.keys import OrganizationKeys
from tradeledger.runtime.layout import NetworkLayout

T = TypeVar("T")
NETWORK = "sha256:" + "ab" * 32


def a_status(**changes) -> NodeStatus:
    fields = {"organization": "customs", "network_id": NETWORK, "height": 7, "committed_position": 40, "log_size": 30,
                  "log_root": "11" * 32, "state_digest": "22" * 32, "final_height": 6, "final_position": 35,
                  "final_log_size": 25, "final_root": "33" * 32,
                  "forks": (ForkSummary(5, 20, "exporter", "customs"),), "rejected_signature_lines": 2,
                  "blocks_committed": 7, "orderer_ok": True, "working": True, "last_error": "", "disclosures_served": 1,
                  "disclosures_denied": 3, "started_ms": 1, "updated_ms": 2, "extra": {"cuts": 1}}
    fields.update(changes)
    return NodeStatus(**fields)


def keys_of(directory: Path, organization: str) -> OrganizationKeys:
    return OrganizationKeys.load(NetworkLayout(directory).keys(organization))


def anchors(directory: Path, genesis: Genesis, count: int, tag: str, organization: str = "importer") -> list[bytes]:
    """`count` signed documents.anchor envelopes, as a submitter would send them."""
    key = keys_of(directory, organization).admin
    return [
        sign_envelope(key, network=genesis.network_id, contract="documents", action="anchor",
                      args={"doc_type": "commercial_invoice", "refs": {"entry": f"{tag}-{i:06d}"}},
                      commitments=(os.urandom(32).hex(),), created_ms=now_ms()).leaf_bytes()
        for i in range(count)
    ]


def eventually(check: Callable[[], T], timeout_s: float = 30.0, what: str = "the condition") -> T:
    """Poll `check` until it returns something truthy; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as exc:  # noqa: BLE001 - a node may be restarting; keep polling
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout_s:.0f} s (last: {last!r})")


def statuses(client: ClusterClient, organizations: Sequence[str]) -> dict[str, NodeStatus]:
    return {org: client.status(org) for org in organizations}


def all_agree_at(client: ClusterClient, organizations: Sequence[str], log_size: int,
                 timeout_s: float = 60.0) -> dict[str, NodeStatus]:
    """Wait until every node has exactly `log_size` leaves, the same root, and holds it final."""
    def agreed() -> dict[str, NodeStatus] | None:
        found = statuses(client, organizations)
        if all(s.log_size == log_size and s.final_log_size == log_size for s in found.values()) and \
                len({(s.log_root, s.state_digest) for s in found.values()}) == 1:
            return found
        return None

    return eventually(agreed, timeout_s, f"every node final at log size {log_size} with one root")


def force_down(directory: Path, record: ClusterRecord | None) -> None:
    """The finalizer: stop everything the cluster started, whatever state it is in."""
    try:
        launcher.down(directory)
    except launcher.LauncherError:
        pass
    if record is not None:  # processes started after the record was read, or a lost record
        for node in record.nodes:
            launcher.stop_process(node.pid, launcher.node_marker(directory, node.organization), grace_s=5)
        for server in record.servers:
            launcher.stop_process(server.pid, launcher.server_marker(server), grace_s=5)
