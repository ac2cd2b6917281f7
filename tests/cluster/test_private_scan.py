"""The trade-secrets scan over a cluster (issue 13): real capabilities (an entry summary,
a document's private reference, an access grant and request with their purposes) run on
three nodes over NATS JetStream; then every byte of every node's folder (SQLite with its
WAL and SHM, vault, logs) and of the JetStream store is scanned. A marker may appear only
in the folders of the organizations entitled to it; the exporter is a party to none.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _cluster_helpers import eventually

from tradeledger.cluster.launcher import CLUSTER_ORGANIZATIONS
from tradeledger.cluster.node import ClusterNode, NodeConfig
from tradeledger.contracts import access, entries
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.ordering.nats_servers import LocalCluster
from tradeledger.runtime.layout import NetworkLayout
from tradeledger.runtime.setup import create_network
from tradeledger.workflows import disclosure
from tradeledger.workflows.documents import anchor_documents
from tradeledger.workflows.entries import file_entry

ORGANIZATIONS = ("customs", "importer", "exporter")
IMPORTER_NUMBER = "98-765432100"
BILL = "MARKERBOL445566"
VALUE = "77123.45"
DESCRIPTION = "marker gear housings"
INVOICE_NUMBER = "INV-MARKER-5521"
PURPOSE_GRANT = "marker valuation of the gear housings"
PURPOSE_REQUEST = "marker check of the invoice total"
ENTRY_MARKERS = (IMPORTER_NUMBER, BILL, VALUE, DESCRIPTION)
PAIR_MARKERS = (PURPOSE_GRANT, PURPOSE_REQUEST)
ENTITLED = {"importer": (*ENTRY_MARKERS, *PAIR_MARKERS, INVOICE_NUMBER),
            "customs": (*ENTRY_MARKERS, *PAIR_MARKERS, INVOICE_NUMBER),
            "exporter": ()}
NUMBER = str(complete_entry_number("SCN-0000001"))


def summary() -> dict:
    return {"entry_number": NUMBER, "filed_with": "customs", "importer": "importer", "entry_type": "01",
            "port_code": "2304", "entry_date": "2026-03-03", "imported_on": "2026-03-02",
            "importer_number": IMPORTER_NUMBER, "mode_of_transport": "30", "country_of_export": "MX",
            "bill_of_lading": BILL, "documents": [],
            "lines": [{"line": 1, "description": DESCRIPTION, "hts": "8501.10.4020", "origin": "MX",
                       "entered_value": VALUE, "mid": "MXACEDEL450MON"}]}


def folder_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, dict[str, ClusterNode]]]:
    root = tmp_path_factory.mktemp("scan")
    directory = root / "net"
    create_network(directory, CLUSTER_ORGANIZATIONS, name="scan")
    nodes: dict[str, ClusterNode] = {}
    with LocalCluster(root / "nats") as cluster:
        try:
            for org in ORGANIZATIONS:
                nodes[org] = ClusterNode(NodeConfig(directory, org, tuple(cluster.client_urls))).start()
            importer, customs = nodes["importer"], nodes["customs"]
            filed = file_entry(importer, "importer", summary())
            assert filed.receipt.valid and filed.entry is not None
            [invoice] = anchor_documents(importer, "importer", [(Path("invoice.pdf"), b"%PDF marker invoice")],
                                         "commercial_invoice", {"entry": NUMBER, "invoice": INVOICE_NUMBER},
                                         share_with=["customs"])
            assert invoice.receipt.valid
            disclosure.grant(importer, "importer", "customs", PURPOSE_GRANT, commitment=invoice.commitment)
            asked = disclosure.request(customs, "customs", invoice.commitment, PURPOSE_REQUEST)
            assert asked.receipt.valid
            last = max(asked.receipt.height or 0, filed.receipt.height or 0)
            for org in ORGANIZATIONS:
                eventually(lambda o=org: nodes[o].head(o).height >= last, 30, f"{org} at block {last}")
            # Every node answers from its own peer: the members hold the entry, the exporter nothing.
            assert entries.find_entry(customs.state("customs"), NUMBER) is not None
            assert entries.find_entry(nodes["exporter"].state("exporter"), NUMBER) is None
            assert entries.find_filing(nodes["exporter"].state("exporter"), NUMBER) is not None
            assert access.find_request(nodes["exporter"].state("exporter"), asked.receipt.txid) is None
        finally:
            for node in nodes.values():
                node.stop()  # the scans read closed stores, WAL and SHM included
        yield root, directory, nodes


@pytest.mark.parametrize("organization", ORGANIZATIONS)
def test_a_node_folder_holds_exactly_the_markers_its_organization_is_entitled_to(scanned, organization):
    _root, directory, _nodes = scanned
    held = folder_bytes(NetworkLayout(directory).org(organization))
    for marker in (*ENTRY_MARKERS, *PAIR_MARKERS, INVOICE_NUMBER):
        assert (marker.encode() in held) == (marker in ENTITLED[organization]), (organization, marker)


def test_the_jetstream_store_holds_no_marker(scanned):
    root, _directory, _nodes = scanned
    stream = folder_bytes(root / "nats")
    assert stream, "the JetStream store directory is where the test expects it"
    for marker in (*ENTRY_MARKERS, *PAIR_MARKERS, INVOICE_NUMBER):
        assert marker.encode() not in stream, marker
