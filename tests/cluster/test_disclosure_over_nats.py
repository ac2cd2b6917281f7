"""Private documents travel node to node over NATS (DESIGN.md decisions 10 and 11): the
requester's node asks the owner's node with a signed access request; the owner's node
checks the key and the ledger's grants, records the access on the ledger, and answers with
the document sealed to the requester's key. Nothing of it goes through the ordered stream.

Three nodes run in this test process (their own stores, vaults and keys, one NATS cluster),
so the test can look into their vaults.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _cluster_helpers import eventually, keys_of

from tradeledger.cluster.client import ClusterClient
from tradeledger.cluster.launcher import CLUSTER_ORGANIZATIONS
from tradeledger.cluster.messages import Reply, decode
from tradeledger.cluster.messaging import Bus, NatsTransfer
from tradeledger.cluster.node import ClusterNode, NodeConfig
from tradeledger.contracts import access
from tradeledger.crypto import commit_document
from tradeledger.crypto.sealing import open_sealed
from tradeledger.ledger.envelope import sign_envelope
from tradeledger.ledger.genesis import Genesis
from tradeledger.ordering.nats_servers import LocalCluster
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import create_network
from tradeledger.vault.store import CommitmentRecord
from tradeledger.workflows.disclosure import AccessRefused, Delivery, SignedAccessRequest, sign_access_request

ORGANIZATIONS = ("customs", "importer", "exporter")
INVOICE = b"COMMERCIAL INVOICE 2026-0042: 40 t hot-rolled coil, HTS 7208.51.0030, USD 31,200.00"


@dataclass
class Running:
    directory: Path
    genesis: Genesis
    nodes: dict[str, ClusterNode]
    client: ClusterClient
    cluster: LocalCluster

    def submit(self, organization: str, contract: str, action: str, args: dict, commitments=()) -> str:
        envelope = sign_envelope(keys_of(self.directory, organization).admin, network=self.genesis.network_id,
                                 contract=contract, action=action, args=args, commitments=tuple(commitments),
                                 created_ms=now_ms())
        (receipt,) = self.client.submit([envelope], wait="final")
        assert receipt.valid, receipt.reason
        return receipt.txid

    def signed_request(self, request_id: str, requester: str, signed_by: str,
                       created_ms: int | None = None) -> SignedAccessRequest:
        """A request as `signed_by`'s node signs it, claiming to come from `requester`."""
        signed = sign_access_request(self.nodes[signed_by], signed_by, request_id)
        unsigned = dataclasses.replace(signed, requester=requester, signature=b"",
                                       created_ms=signed.created_ms if created_ms is None else created_ms)
        key = keys_of(self.directory, signed_by).admin
        return dataclasses.replace(unsigned, signature=key.sign(unsigned.signing_bytes()))


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("disclosure")
    directory = root / "net"
    genesis = create_network(directory, CLUSTER_ORGANIZATIONS, name="disclosure")
    with LocalCluster(root / "nats") as cluster:
        nodes: dict[str, ClusterNode] = {}
        client = None
        try:
            for org in ORGANIZATIONS:
                nodes[org] = ClusterNode(NodeConfig(directory, org, tuple(cluster.client_urls))).start()
            client = ClusterClient(cluster.client_urls, genesis)
            yield Running(directory, genesis, nodes, client, cluster)
        finally:
            if client is not None:
                client.close()
            for node in nodes.values():
                node.stop()


@pytest.fixture(scope="module")
def invoice(running: Running) -> str:
    """The importer's invoice: in the importer's vault, its commitment anchored on the ledger."""
    commitment, salt, digest = commit_document(INVOICE)
    vault = running.nodes["importer"].vault("importer")
    vault.put_document(INVOICE)
    vault.record_commitment(CommitmentRecord(commitment, digest.hex(), salt, "commercial_invoice"))
    running.submit("importer", "documents", "anchor",
                   {"doc_type": "commercial_invoice", "refs": {"entry": "B76-0324527-8"}}, [commitment])
    return commitment


def test_a_granted_request_is_delivered_into_the_requesters_vault_and_recorded(running: Running, invoice: str):
    running.submit("importer", access.NAMESPACE, "grant",
                   {"grantee": "customs", "commitment": invoice, "fields": [], "purpose": "entry review"})
    request_id = running.submit("customs", access.NAMESPACE, "request",
                                {"commitment": invoice, "fields": [], "purpose": "entry review"})

    received = running.client.disclose("customs", request_id)

    assert received["owner"] == "importer" and received["commitment"] == invoice
    customs_vault = running.nodes["customs"].vault("customs")
    assert customs_vault.get_document(received["document_sha256"]) == INVOICE
    for org in ORGANIZATIONS:  # the access is on every node's ledger
        records = eventually(lambda org=org: access.access_records(running.nodes[org].state(org), invoice),
                             what=f"the access recorded at {org}")
        assert [(r.requester, r.request) for r in records] == [("customs", request_id)]
    eventually(lambda: running.nodes["importer"].status().disclosures_served == 1, 5, "one delivery counted")


def test_the_document_never_enters_the_ordered_stream(running: Running, invoice: str):
    stream = running.client.orderer.read(1, 100_000)
    assert stream and not any(INVOICE in item.payload for item in stream)
    assert not any(base64.b64encode(INVOICE) in item.payload for item in stream)


def test_on_the_wire_the_delivery_is_sealed_to_the_requesters_key(running: Running, invoice: str):
    request_id = running.submit("customs", access.NAMESPACE, "request",
                                {"commitment": invoice, "fields": [], "purpose": "second look"})
    signed = running.signed_request(request_id, "customs", "customs")
    with Bus(running.cluster.client_urls, "eavesdropper") as bus:
        raw = bus.request(running.nodes["importer"].subjects.disclose("importer"),
                          json.dumps(signed.to_dict()).encode())
    assert INVOICE not in raw and base64.b64encode(INVOICE) not in raw
    reply = decode(Reply, raw)
    assert reply.ok
    opened = open_sealed(keys_of(running.directory, "customs").admin, base64.b64decode(reply.result["sealed"]))
    assert Delivery.from_dict(json.loads(opened)).document == INVOICE


def test_an_organization_without_a_grant_gets_nothing(running: Running, invoice: str):
    request_id = running.submit("exporter", access.NAMESPACE, "request",
                                {"commitment": invoice, "fields": [], "purpose": "curiosity"})
    with pytest.raises(AccessRefused, match="is pending"):
        running.client.disclose("exporter", request_id)
    assert running.nodes["exporter"].vault("exporter").received() == []


def test_a_request_signed_with_another_organizations_key_is_refused(running: Running, invoice: str):
    granted = running.submit("customs", access.NAMESPACE, "request",
                             {"commitment": invoice, "fields": [], "purpose": "entry review"})
    forged = running.signed_request(granted, "customs", signed_by="exporter")
    with Bus(running.cluster.client_urls, "forger") as bus:
        transfer = NatsTransfer(bus, running.nodes["importer"].subjects, keys_of(running.directory, "exporter").admin)
        with pytest.raises(AccessRefused, match="belongs to exporter, not customs"):
            transfer.fetch("importer", forged)
        stale = running.signed_request(granted, "customs", "customs", created_ms=now_ms() - 3_600_000)
        with pytest.raises(AccessRefused, match="stale"):
            transfer.fetch("importer", stale)
    # the pending request, the forged key and the stale request: three refusals at the owner
    eventually(lambda: running.nodes["importer"].status().disclosures_denied == 3, 5, "three refusals counted")
