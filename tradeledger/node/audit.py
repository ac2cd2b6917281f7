"""Audit every peer hosted in an embedded network folder, and check they agree."""

from __future__ import annotations

from collections.abc import Callable

from tradeledger.contracts import default_contracts
from tradeledger.ledger.audit import AuditReport, audit_store
from tradeledger.node.embedded import EmbeddedNetwork


def audit_network(
    network: EmbeddedNetwork, progress: Callable[[str, int, int], None] | None = None
) -> tuple[list[AuditReport], list[str]]:
    reports = []
    contracts = default_contracts()
    for name, peer in network.peers.items():
        callback = (lambda done, total, name=name: progress(name, done, total)) if progress else None
        reports.append(audit_store(name, peer.store, network.genesis, contracts, callback))
    disagreements = []
    heads = {name: peer.store.head() for name, peer in network.peers.items()}
    reference_name, reference = next(iter(heads.items()))
    for name, head in heads.items():
        if head and reference and head.height == reference.height and head.header_hash != reference.header_hash:
            disagreements.append(f"{name} and {reference_name} disagree at block {head.height}")
    return reports, disagreements
