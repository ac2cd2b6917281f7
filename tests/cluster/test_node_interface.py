"""Both runtimes are a `tradeledger.runtime.node.Node`: one workflow, written against the
interface alone, runs unchanged on the embedded network and on a cluster node (three
nodes on one NATS cluster, so that the cluster's blocks go final), and mypy agrees that
each runtime satisfies the interface."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tradeledger.cluster.launcher import CLUSTER_ORGANIZATIONS
from tradeledger.cluster.node import ClusterNode, NodeConfig
from tradeledger.contracts.documents import find_by_commitment
from tradeledger.crypto import commit_document
from tradeledger.errors import Refused
from tradeledger.node import EmbeddedNetwork
from tradeledger.ordering.nats_servers import LocalCluster
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.node import Node
from tradeledger.runtime.receipts import Receipt
from tradeledger.runtime.setup import create_network

ANCHOR = {"doc_type": "commercial_invoice", "refs": {"entry": "E-1"}}
NOT_A_DOC_TYPE = {"doc_type": "Not A Token", "refs": {}}


def use(node: Node, organization: str) -> Receipt:
    """A workflow's whole view of a runtime: only what `Node` offers."""
    assert node.organization_keys(organization).organization == organization
    assert node.genesis.organization(organization).name == organization
    assert node.vault(organization) is node.vault(organization)
    commitment, _salt, _digest = commit_document(os.urandom(64))

    good = node.sign(organization, "documents", "anchor", ANCHOR, [commitment])
    assert node.preview(organization, good)
    bad = node.sign(organization, "documents", "anchor", NOT_A_DOC_TYPE, [commitment])
    preview = node.preview(organization, bad)
    assert not preview and "lowercase" in preview.reason
    with pytest.raises(Refused, match="lowercase") as refused:
        node.submit_checked(organization, "documents", "anchor", NOT_A_DOC_TYPE, [commitment])
    assert "lowercase" in refused.value.reason
    assert find_by_commitment(node.state(organization), commitment) is None  # the refusal changed nothing

    receipt = node.submit_checked(organization, "documents", "anchor", ANCHOR, [commitment])
    assert receipt.status == "final" and receipt.valid is True
    anchored = find_by_commitment(node.state(organization), commitment)
    assert anchored is not None and anchored.txid == receipt.txid
    record = node.ledger(organization).tx_by_id(receipt.txid)
    assert record is not None and record.leaf_index == receipt.leaf_index

    other, _salt, _digest = commit_document(os.urandom(64))
    (committed,) = node.submit([node.sign(organization, "documents", "anchor", ANCHOR, [other])],
                               wait="committed", viewer=organization)
    assert committed.status in ("committed", "final") and committed.valid is True
    (ordered,) = node.submit([bad], wait="ordered")
    assert ordered.status == "ordered" and ordered.txid == bad.txid
    return receipt


def test_the_embedded_network_is_a_node(tmp_path: Path) -> None:
    directory = tmp_path / "net"
    create_network(directory, CLUSTER_ORGANIZATIONS, name="embedded-node")
    with EmbeddedNetwork(directory) as network:
        receipt = use(network, "importer")
        # the embedded network hosts every organization: each one's ledger has the block
        assert network.ledger("customs").tx_by_id(receipt.txid) is not None


@pytest.fixture(scope="module")
def cluster_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ClusterNode]]:
    root = tmp_path_factory.mktemp("node-interface")
    directory = root / "net"
    create_network(directory, CLUSTER_ORGANIZATIONS, name="cluster-node")
    with LocalCluster(root / "nats") as cluster:
        nodes: dict[str, ClusterNode] = {}
        try:
            for org in CLUSTER_ORGANIZATIONS:
                nodes[org.name] = ClusterNode(NodeConfig(directory, org.name, tuple(cluster.client_urls))).start()
            yield nodes
        finally:
            for node in nodes.values():
                node.stop()


def test_a_cluster_node_is_a_node(cluster_nodes: dict[str, ClusterNode]) -> None:
    use(cluster_nodes["importer"], "importer")


def test_a_cluster_node_answers_for_its_own_organization_only(cluster_nodes: dict[str, ClusterNode]) -> None:
    node: Node = cluster_nodes["importer"]
    for ask in (node.state, node.ledger, node.vault, node.organization_keys):
        with pytest.raises(NetworkError, match="runs importer, not customs"):
            ask("customs")


def test_mypy_agrees_both_runtimes_are_nodes() -> None:
    # `use(network, ...)` and `use(cluster_nodes[...], ...)` above pass each runtime where
    # a `Node` is expected: mypy checks that structurally, member by member.
    api = pytest.importorskip("mypy.api")
    root = Path(__file__).resolve().parents[2]
    stdout, stderr, status = api.run([str(Path(__file__)), "--config-file", str(root / "pyproject.toml"),
                                      "--follow-imports=silent"])
    assert status == 0, stdout + stderr
