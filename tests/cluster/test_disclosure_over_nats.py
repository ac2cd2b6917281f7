"""Private documents travel node to node over NATS (DESIGN.md decisions 10, 11 and 15): the
requester's node asks the owner's node with a signed access request; the owner's node
checks the key and the pair's grants, records the access, and answers with the document
sealed to the requester's key. Nothing of it goes through the ordered stream.

Grants, requests and access records live in the private collection of their pair (owner,
party, customs: `access.pair_collection`): they are submitted with their private parts
through the workflows (`workflows.disclosure`), delivered sealed to the pair's members, and
held by them alone. The exporter is the non-member of the importer's pair with customs.

Three nodes run in this test process (their own stores, vaults and keys, one NATS cluster),
so the test can look into their vaults, their states and their folders.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _cluster_helpers import eventually, keys_of
from nats.aio.msg import Msg

from tradeledger.cluster.client import ClusterClient
from tradeledger.cluster.launcher import CLUSTER_ORGANIZATIONS
from tradeledger.cluster.messages import Reply, decode
from tradeledger.cluster.messaging import Bus, NatsTransfer
from tradeledger.cluster.node import ClusterNode, NodeConfig
from tradeledger.contracts import access
from tradeledger.crypto.sealing import SealError, open_sealed
from tradeledger.ledger.collections import private_namespace
from tradeledger.ledger.genesis import Genesis
from tradeledger.ordering.nats_servers import LocalCluster
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.layout import NetworkLayout
from tradeledger.runtime.setup import create_network
from tradeledger.workflows import disclosure
from tradeledger.workflows.disclosure import AccessRefused, Delivery, SignedAccessRequest, sign_access_request
from tradeledger.workflows.documents import anchor_documents

ORGANIZATIONS = ("customs", "importer", "exporter")
PAIR_MEMBERS = ("customs", "importer")  # the pair (importer, customs), with customs as the authority
OUTSIDER = "exporter"
PAIR = access.pair_collection("importer", "customs")
INVOICE = b"COMMERCIAL INVOICE 2026-0042: 40 t hot-rolled coil, HTS 7208.51.0030, USD 31,200.00"
PURPOSE = "valuation review of lot QX-7781 under ruling N-318442"  # a marker: private to the pair
SECOND_PURPOSE = "second look at lot QX-7781 freight terms"


@dataclass
class Running:
    root: Path
    directory: Path
    genesis: Genesis
    nodes: dict[str, ClusterNode]
    client: ClusterClient
    cluster: LocalCluster

    def signed_request(self, request_id: str, requester: str, signed_by: str,
                       created_ms: int | None = None) -> SignedAccessRequest:
        """A request as `signed_by`'s node signs it, claiming to come from `requester`."""
        signed = sign_access_request(self.nodes[signed_by], signed_by, request_id)
        unsigned = dataclasses.replace(signed, requester=requester, signature=b"",
                                       created_ms=signed.created_ms if created_ms is None else created_ms)
        key = keys_of(self.directory, signed_by).admin
        return dataclasses.replace(unsigned, signature=key.sign(unsigned.signing_bytes()))

    def request(self, requester: str, commitment: str, purpose: str) -> disclosure.RequestResult:
        result = disclosure.request(self.nodes[requester], requester, commitment, purpose)
        assert result.receipt.valid, result.receipt.reason
        return result

    def executed(self, organization: str, txid: str) -> None:
        """Wait until `organization`'s node has executed transaction `txid`."""
        ledger = self.nodes[organization].ledger(organization)
        eventually(lambda: ledger.tx_by_id(txid) is not None, 20, f"{txid[:16]} executed at {organization}")


@dataclass(frozen=True)
class Granted:
    """The first access: the importer's grant to customs, customs' request, what customs'
    node received, and everything an eavesdropper heard on the wire meanwhile."""

    grant: disclosure.GrantResult
    asked: disclosure.RequestResult
    received: dict[str, Any]
    heard: tuple[bytes, ...]

    @property
    def request_id(self) -> str:
        return self.asked.request_id


def folder_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


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
            yield Running(root, directory, genesis, nodes, client, cluster)
        finally:
            if client is not None:
                client.close()
            for node in nodes.values():
                node.stop()


@pytest.fixture(scope="module")
def invoice(running: Running) -> str:
    """The importer's invoice: in the importer's vault, its commitment anchored on the ledger."""
    (anchored,) = anchor_documents(running.nodes["importer"], "importer", [(Path("invoice.txt"), INVOICE)],
                                   "commercial_invoice", {"entry": "B76-0324527-8"})
    assert anchored.receipt.valid, anchored.receipt.reason
    return anchored.commitment


@pytest.fixture(scope="module")
def granted(running: Running, invoice: str) -> Granted:
    """The importer grants customs its invoice; customs requests it (approved at once by the
    grant) and its node fetches it. Everything on the wire meanwhile is overheard."""
    heard: list[bytes] = []

    def overhear(msg: Msg) -> None:
        heard.append(bytes(msg.data))

    with Bus(running.cluster.client_urls, "eavesdropper") as bus:
        bus.subscribe(">", overhear)  # deliveries, disclosures, replies, the stream
        bus.flush()
        # The subscription's interest reaches the other servers of the cluster a moment later.
        eventually(lambda: running.client.bus.publish("probe", b"probe") or b"probe" in heard, 10, "the probe")
        time.sleep(0.5)
        grant = disclosure.grant(running.nodes["importer"], "importer", "customs", PURPOSE, commitment=invoice)
        assert grant.receipt.valid, grant.receipt.reason
        asked = running.request("customs", invoice, PURPOSE)
        received = running.client.disclose("customs", asked.request_id)
        bus.flush()
    return Granted(grant, asked, received, tuple(heard))


def test_a_granted_request_is_delivered_into_the_requesters_vault(running: Running, invoice: str, granted: Granted):
    assert granted.asked.status == access.APPROVED and granted.asked.basis == access.AccessBasis(
        grant=granted.grant.grant_id)
    assert granted.received["owner"] == "importer" and granted.received["commitment"] == invoice
    customs_vault = running.nodes["customs"].vault("customs")
    assert customs_vault.get_document(granted.received["document_sha256"]) == INVOICE
    assert [(r.request_id, r.commitment) for r in customs_vault.received()] == [(granted.request_id, invoice)]
    eventually(lambda: running.nodes["importer"].status().disclosures_served == 1, 5, "one delivery counted")


def test_the_access_record_is_held_by_the_pairs_members(running: Running, invoice: str, granted: Granted):
    for member in PAIR_MEMBERS:
        records = eventually(lambda m=member: disclosure.access_log(running.nodes[m], m, invoice), 20,
                             f"the access recorded at {member}")
        assert [(r.requester, r.request, r.purpose) for r in records] == [("customs", granted.request_id, PURPOSE)]
        seen = disclosure.visible_request(running.nodes[member], member, granted.request_id)
        assert seen.purpose == PURPOSE and seen.approved


def test_a_non_member_holds_nothing_of_the_pairs_grant_request_or_record(running: Running, invoice: str,
                                                                         granted: Granted):
    (record,) = eventually(lambda: disclosure.access_log(running.nodes["importer"], "importer", invoice), 20,
                           "the access recorded at the importer")
    running.executed(OUTSIDER, record.txid)  # the outsider has the record's transaction, judged public
    outsider = running.nodes[OUTSIDER]
    state = outsider.state(OUTSIDER)
    assert outsider.ledger(OUTSIDER).tx_by_id(record.txid).valid
    assert access.find_request_filing(state, granted.request_id) is not None  # that the parties dealt: public
    assert access.find_grant_filing(state, granted.grant.grant_id) is not None
    namespace = private_namespace(access.NAMESPACE, PAIR)
    for member in PAIR_MEMBERS:  # what a member holds there, the outsider lacks
        assert list(running.nodes[member].state(member).scan_state(namespace, ""))
    assert list(state.scan_state(namespace, "")) == []
    assert state.get_state(namespace, access.request_key(granted.request_id)) is None
    assert state.get_state(namespace, access.grant_key(granted.grant.grant_id)) is None
    assert disclosure.access_log(outsider, OUTSIDER, invoice) == []
    assert access.find_request(state, granted.request_id) is None
    assert access.find_grant(state, granted.grant.grant_id) is None
    with pytest.raises(AccessRefused, match=r"is private to its parties \(customs, importer\)"):
        disclosure.visible_request(outsider, OUTSIDER, granted.request_id)
    for txid in (granted.grant.grant_id, granted.request_id, record.txid):  # the payloads never reached it
        assert all(outsider.ledger(OUTSIDER).payload(txid, part, PAIR) is None
                   for part in (access.TERMS, access.ASK, access.RECORD))

    layout = NetworkLayout(running.directory)
    for member in PAIR_MEMBERS:  # the marker is findable where it is kept ...
        assert PURPOSE.encode() in folder_bytes(layout.org(member))
    assert PURPOSE.encode() not in folder_bytes(layout.org(OUTSIDER))  # ... and not at the outsider


def test_neither_the_purpose_nor_the_document_travels_in_the_clear(running: Running, granted: Granted):
    heard = b"\0".join(granted.heard)
    assert b"probe" in heard and b'"kind":"payloads"' in heard  # the eavesdropper heard the sealed deliveries
    for secret in (PURPOSE.encode(), INVOICE, base64.b64encode(INVOICE)):
        assert secret not in heard
    stream = running.client.orderer.read(1, 100_000)
    assert stream and not any(PURPOSE.encode() in item.payload or INVOICE in item.payload for item in stream)
    assert PURPOSE.encode() not in folder_bytes(running.root / "nats")  # the JetStream store


def test_on_the_wire_the_delivery_is_sealed_to_the_requesters_key(running: Running, invoice: str, granted: Granted):
    asked = running.request("customs", invoice, SECOND_PURPOSE)
    assert asked.status == access.APPROVED
    signed = sign_access_request(running.nodes["customs"], "customs", asked.request_id)
    with Bus(running.cluster.client_urls, "eavesdropper") as bus:
        raw = bus.request(running.nodes["importer"].subjects.disclose("importer"),
                          json.dumps(signed.to_dict()).encode())
    assert INVOICE not in raw and base64.b64encode(INVOICE) not in raw
    reply = decode(Reply, raw)
    assert reply.ok, reply.error
    sealed = base64.b64decode(reply.result["sealed"])
    with pytest.raises(SealError):
        open_sealed(keys_of(running.directory, OUTSIDER).admin, sealed)
    opened = open_sealed(keys_of(running.directory, "customs").admin, sealed)
    assert Delivery.from_dict(json.loads(opened)).document == INVOICE
    for member in PAIR_MEMBERS:  # this delivery is recorded too, with its own purpose
        eventually(lambda m=member: [r.purpose for r in disclosure.access_log(running.nodes[m], m, invoice)]
                   == [PURPOSE, SECOND_PURPOSE], 20, f"the second access recorded at {member}")


def test_an_organization_without_a_grant_gets_nothing(running: Running, invoice: str, granted: Granted):
    asked = running.request(OUTSIDER, invoice, "curiosity")
    assert asked.status == access.PENDING  # the exporter is a member of its own pair with the importer
    with pytest.raises(AccessRefused, match="is pending"):
        running.client.disclose(OUTSIDER, asked.request_id)
    # Nor does it ride on customs' approved request, signed with its own key.
    piggyback = running.signed_request(granted.request_id, OUTSIDER, signed_by=OUTSIDER)
    with Bus(running.cluster.client_urls, "piggyback") as bus:
        transfer = NatsTransfer(bus, running.nodes["importer"].subjects, keys_of(running.directory, OUTSIDER).admin)
        with pytest.raises(AccessRefused, match=f"no request {granted.request_id} by exporter to importer"):
            transfer.fetch("importer", piggyback)
    assert running.nodes[OUTSIDER].vault(OUTSIDER).received() == []
    assert all(r.requester == "customs" for r in disclosure.access_log(running.nodes["importer"], "importer", invoice))


def test_a_request_signed_with_another_organizations_key_is_refused(running: Running, invoice: str, granted: Granted):
    asked = running.request("customs", invoice, PURPOSE)
    assert asked.status == access.APPROVED
    forged = running.signed_request(asked.request_id, "customs", signed_by=OUTSIDER)
    with Bus(running.cluster.client_urls, "forger") as bus:
        transfer = NatsTransfer(bus, running.nodes["importer"].subjects, keys_of(running.directory, OUTSIDER).admin)
        with pytest.raises(AccessRefused, match="belongs to exporter, not customs"):
            transfer.fetch("importer", forged)
        stale = running.signed_request(asked.request_id, "customs", "customs", created_ms=now_ms() - 3_600_000)
        with pytest.raises(AccessRefused, match="stale"):
            transfer.fetch("importer", stale)
    # the pending request, the piggyback, the forged key and the stale request: four refusals at the owner
    eventually(lambda: running.nodes["importer"].status().disclosures_denied == 4, 5, "four refusals counted")
    assert not any(r.request == asked.request_id
                   for r in disclosure.access_log(running.nodes["importer"], "importer", invoice))
