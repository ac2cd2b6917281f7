"""Issue 13's byte scan over a cluster: real capabilities through the workflows on three
nodes (customs, importer, exporter; one NATS cluster), a distinct marker in every private
field, then the nodes and the nats-servers stopped and every byte read raw: each node's
folder (SQLite with -wal/-shm, vault, keys), the rest of the network folder, the JetStream
store and the nodes' log (in-process nodes log to one file, which may hold no marker).

A marker may be in the folder of exactly the organizations entitled to it:
  entry summary and decision reason    importer (its filer too) and customs
  a document's private references      its owner and those it shares them with
  grants, requests and their purposes  the pair: owner, party, customs
  a document's bytes                   its owner and who had it disclosed
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from _cluster_helpers import eventually

from tradeledger.cluster.client import ClusterClient
from tradeledger.cluster.launcher import CLUSTER_ORGANIZATIONS
from tradeledger.cluster.node import ClusterNode, NodeConfig
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.ordering.nats_servers import LocalCluster
from tradeledger.runtime.layout import NetworkLayout
from tradeledger.runtime.setup import create_network
from tradeledger.workflows import disclosure
from tradeledger.workflows.documents import anchor_documents
from tradeledger.workflows.entries import decide_entry, file_entry

ORGANIZATIONS = ("customs", "importer", "exporter")
ENTRY = ("importer", "customs")
NUMBER = str(complete_entry_number("ZSC-0047113"))

# Marker -> the organizations entitled to hold it. Each is found nowhere else.
IMPORTER_NUMBER = "47-3918265Q7"
BILL = "ZQXBOL55019283"
VALUE = "731942.58"
HTS = "8479.89.9897"
MID = "MXZQXWVY7731MTY"
DESCRIPTION = "zqx frobnicator assemblies"
REVIEW_REASON = "zqx valuation query 88124"
INVOICE_REF = "INV-ZQX-55018"  # the importer's invoice, anchored on the entry: entry members
INVOICE = b"COMMERCIAL INVOICE zqx-body-40412: 12 frobnicators"
PACKING_REF = "PKG-ZQX-66120"  # the exporter's packing list, shared with the importer only
PACKING = b"PACKING LIST zqx-body-90233: 3 pallets"
PURPOSE_GRANT = "zqx audit purpose of the grant 7741"
PURPOSE_REQUEST = "zqx audit purpose of the request 7742"
PURPOSE_EXPORTER = "zqx exporter grant purpose 7743"
ENTITLED: dict[str, frozenset[str]] = {
    **{m: frozenset(ENTRY) for m in (IMPORTER_NUMBER, BILL, VALUE, HTS, MID, DESCRIPTION, REVIEW_REASON,
                                      INVOICE_REF, PURPOSE_GRANT, PURPOSE_REQUEST)},
    INVOICE.decode(): frozenset(ENTRY),  # the importer's vault, and customs' after the disclosure
    PACKING_REF: frozenset({"exporter", "importer"}),
    PACKING.decode(): frozenset({"exporter"}),
    PURPOSE_EXPORTER: frozenset(ORGANIZATIONS),  # the pair (exporter, importer) with customs
}


@dataclass(frozen=True)
class Scan:
    root: Path
    directory: Path
    log: Path

    def org_bytes(self, organization: str) -> bytes:
        return folder_bytes(NetworkLayout(self.directory).org(organization))

    def elsewhere(self) -> bytes:
        """Every file that is not an organization's folder: the network folder's others,
        the JetStream store and the servers' logs, the nodes' log."""
        orgs = [NetworkLayout(self.directory).org(org).resolve() for org in ORGANIZATIONS]
        return b"".join(p.read_bytes() for p in sorted(self.root.rglob("*"))
                        if p.is_file() and not any(p.resolve().is_relative_to(o) for o in orgs))


def folder_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def summary() -> dict:
    return {"entry_number": NUMBER, "filed_with": "customs", "importer": "importer", "entry_type": "01",
            "port_code": "2304", "entry_date": "2026-03-03", "imported_on": "2026-03-02",
            "importer_number": IMPORTER_NUMBER, "mode_of_transport": "30", "country_of_export": "MX",
            "bill_of_lading": BILL, "documents": [],
            "lines": [{"line": 1, "description": DESCRIPTION, "hts": HTS, "origin": "MX", "entered_value": VALUE,
                       "mid": MID}]}


def run_story(nodes: dict[str, ClusterNode], client: ClusterClient) -> None:
    importer, customs, exporter = nodes["importer"], nodes["customs"], nodes["exporter"]
    filed = file_entry(importer, "importer", summary())
    assert filed.receipt.valid, filed.receipt.reason
    decided = decide_entry(customs, "customs", "review", NUMBER, REVIEW_REASON)
    assert decided.receipt.valid, decided.receipt.reason
    (invoice,) = anchor_documents(importer, "importer", [(Path("invoice.txt"), INVOICE)], "commercial_invoice",
                                  {"entry": NUMBER, "invoice_number": INVOICE_REF})
    assert invoice.receipt.valid, invoice.receipt.reason
    (packing,) = anchor_documents(exporter, "exporter", [(Path("packing.txt"), PACKING)], "packing_list",
                                  {"packing_ref": PACKING_REF}, share_with=["importer"])
    assert packing.receipt.valid, packing.receipt.reason
    grant = disclosure.grant(importer, "importer", "customs", PURPOSE_GRANT, commitment=invoice.commitment)
    assert grant.receipt.valid, grant.receipt.reason
    asked = disclosure.request(customs, "customs", invoice.commitment, PURPOSE_REQUEST)
    assert asked.receipt.valid and asked.status == "approved", asked.receipt.reason
    received = client.disclose("customs", asked.request_id)
    assert received["commitment"] == invoice.commitment
    other = disclosure.grant(exporter, "exporter", "importer", PURPOSE_EXPORTER, commitment=packing.commitment)
    assert other.receipt.valid, other.receipt.reason
    def at_the_end(org: str) -> bool:
        if org in ENTRY:  # the access record of customs' disclosure
            return len(disclosure.access_log(nodes[org], org, invoice.commitment)) == 1
        return nodes[org].ledger(org).tx_by_id(other.receipt.txid) is not None

    for org in ORGANIZATIONS:
        eventually(partial(at_the_end, org), 30, f"{org} at the end of the story")
    top = max(nodes[o].head(o).height for o in ORGANIZATIONS)

    def at_top(org: str) -> bool:
        return nodes[org].head(org).height >= top

    for org in ORGANIZATIONS:
        eventually(partial(at_top, org), 30, f"{org} at height {top}")


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scan]:
    root = tmp_path_factory.mktemp("private-scan")
    directory = root / "net"
    log = root / "logs" / "nodes.log"
    log.parent.mkdir()
    create_network(directory, CLUSTER_ORGANIZATIONS, name="private-scan")
    handler = logging.FileHandler(log)
    handler.setLevel(logging.DEBUG)
    logger = logging.getLogger()
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        with LocalCluster(root / "nats") as cluster:
            nodes: dict[str, ClusterNode] = {}
            client = None
            try:
                for org in ORGANIZATIONS:
                    nodes[org] = ClusterNode(NodeConfig(directory, org, tuple(cluster.client_urls))).start()
                client = ClusterClient(cluster.client_urls, nodes["customs"].genesis)
                run_story(nodes, client)
            finally:
                if client is not None:
                    client.close()
                for node in nodes.values():
                    node.stop()
    finally:  # the nodes and the servers are stopped: their files are complete
        logger.removeHandler(handler)
        logger.setLevel(previous)
        handler.close()
    yield Scan(root, directory, log)


def test_the_nodes_log_was_written(scan: Scan):
    assert scan.log.stat().st_size > 0 and any((scan.root / "nats").rglob("*.blk"))


@pytest.mark.parametrize("marker", sorted(ENTITLED))
def test_a_marker_is_in_the_folders_of_the_organizations_entitled_and_nowhere_else(scan: Scan, marker: str):
    holders = {org for org in ORGANIZATIONS if marker.encode() in scan.org_bytes(org)}
    assert holders == ENTITLED[marker]
    assert marker.encode() not in scan.elsewhere()  # JetStream, servers' logs, nodes' log, network files
