"""Audit every peer hosted in an embedded network folder, and check they agree."""

from __future__ import annotations

from collections.abc import Callable

from tradeledger.ledger.audit import AuditReport, audit_store
from tradeledger.ledger.block import OrderedItem
from tradeledger.ledger.peer import StreamReader
from tradeledger.node.embedded import EmbeddedNetwork
from tradeledger.store.base import TxIndex


def audit_network(
    network: EmbeddedNetwork, progress: Callable[[str, int, int], None] | None = None
) -> tuple[list[AuditReport], list[str]]:
    reports = []
    contracts = network.contracts
    # The audit reads each store's raw rows as well as its ledger: it is the runtime's own
    # check of the stores it opened.
    for name, peer in network.peers.items():
        callback = (lambda done, total, name=name: progress(name, done, total)) if progress else None
        reports.append(audit_store(name, peer.store, network.genesis, contracts, callback))
    disagreements = []
    for name, peer in network.peers.items():
        disagreements.extend(_compare_with_stream(name, peer.ledger, network.orderer))
    disagreements.extend(_compare_collections(network))
    heads = {name: peer.store.head() for name, peer in network.peers.items()}
    reference_name, reference = next(iter(heads.items()))
    for name, head in heads.items():
        if head and reference and head.height == reference.height and head.header_hash != reference.header_hash:
            disagreements.append(f"{name} and {reference_name} disagree at block {head.height}")
    return reports, disagreements


def _compare_with_stream(name: str, txs: TxIndex, orderer: StreamReader, batch: int = 5000) -> list[str]:
    """Every leaf a peer holds must be the envelope the orderer holds at its position."""
    problems: list[str] = []
    window: dict[int, OrderedItem] = {}
    for record in txs.txs():
        if record.position not in window:
            window = {item.position: item for item in orderer.read(record.position, batch)}
        item = window.get(record.position)
        if item is None or item.kind != "envelope" or item.payload != record.leaf:
            problems.append(f"{name}: leaf {record.leaf_index} differs from the orderer stream at position "
                            f"{record.position}")
            if len(problems) >= 10:
                break
    return problems


def _compare_collections(network: EmbeddedNetwork) -> list[str]:
    """Members hosted here must have signed the same digest of a collection after the same
    block: a difference is a fork of that collection (decision 7, docs/privacy.md)."""
    signed: dict[tuple[int, str], dict[str, str]] = {}
    for name, peer in network.peers.items():
        for row in peer.ledger.collection_signatures():
            if row.organization == name:
                signed.setdefault((row.height, row.collection), {})[name] = row.digest
    problems = []
    for (height, collection), digests in sorted(signed.items()):
        if len(set(digests.values())) > 1:
            who = ", ".join(f"{org} {digest[:16]}" for org, digest in sorted(digests.items()))
            problems.append(f"collection {collection} after block {height}: members signed different digests "
                            f"({who})")
    return problems
