"""Private collections on a cluster (DESIGN.md decision 15): a private part's payload goes
from the submitter's node to the members' nodes over NATS, sealed to their keys; a member
that missed it fetches it from another member; a payload no member has halts the
collection at the members, loudly; the members exchange their collection signatures, and a
member signing another digest is a fork; and no byte of the payload reaches the
non-member's folder or the ordered stream's.

Three nodes run in this test process (their own stores, one NATS cluster), with a small
contract written for the tests (tests/_notes.py): a note private to the organizations its opener names.
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _cluster_helpers import eventually
from _notes import notes
from nats.aio.msg import Msg

from tradeledger.cluster.client import ClusterClient
from tradeledger.cluster.launcher import CLUSTER_ORGANIZATIONS, http_get_json
from tradeledger.cluster.messages import PayloadFetch, Reply, SealedToMember, decode, encode
from tradeledger.cluster.messaging import Bus
from tradeledger.cluster.node import ClusterNode, NodeConfig
from tradeledger.cluster.private import seal_to
from tradeledger.contracts import default_contracts
from tradeledger.crypto import canonical_bytes
from tradeledger.ledger.checkpoints import collection_tree
from tradeledger.ledger.collections import PrivateInput, commit_part, private_namespace
from tradeledger.ledger.contract import ContractSet
from tradeledger.ordering.nats_servers import LocalCluster
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.layout import NetworkLayout
from tradeledger.runtime.setup import create_network
from tradeledger.store.base import CollectionSignature

ORGANIZATIONS = ("customs", "importer", "exporter")
MEMBERS = ("importer", "customs")  # every note here: opened by the importer for customs
MARKER = "valuation 18,442.17 USD for lot QX-7781"
DEADLINE_S = 3.0

CONTRACTS = ContractSet([*default_contracts(), notes])
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Running:
    root: Path
    directory: Path
    nodes: dict[str, ClusterNode]
    client: ClusterClient
    cluster: LocalCluster

    def config(self, organization: str) -> NodeConfig:
        return NodeConfig(self.directory, organization, tuple(self.cluster.client_urls),
                          payload_deadline_s=DEADLINE_S)

    def start(self, organization: str) -> ClusterNode:
        self.nodes[organization] = ClusterNode(self.config(organization), contracts=CONTRACTS).start()
        return self.nodes[organization]

    def open_note(self, name: str, text: str, wait: str = "final"):
        return self.nodes["importer"].submit_checked(
            "importer", "notes", "open", {"name": name, "members": ["customs"]}, wait=wait,
            private=[PrivateInput("body", name, {"text": text})])

    def text_at(self, organization: str, name: str) -> str | None:
        return self.nodes[organization].state(organization).get_state(private_namespace("notes", name), "text")

    def health(self, organization: str) -> tuple[int, dict]:
        return http_get_json(f"http://127.0.0.1:{self.nodes[organization].http_port}/health")


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("private")
    directory = root / "net"
    genesis = create_network(directory, CLUSTER_ORGANIZATIONS, name="private")
    with LocalCluster(root / "nats") as cluster:
        world = Running(root, directory, {}, None, cluster)  # type: ignore[arg-type]
        try:
            for org in ORGANIZATIONS:
                world.start(org)
            world.client = ClusterClient(cluster.client_urls, genesis)
            yield world
        finally:
            if world.client is not None:
                world.client.close()
            for node in world.nodes.values():
                node.stop()


def folder_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_a_private_transaction_reaches_its_members_and_only_them(running: Running):
    heard: list[bytes] = []

    def overhear(msg: Msg) -> None:
        heard.append(bytes(msg.data))

    with Bus(running.cluster.client_urls, "eavesdropper") as bus:
        bus.subscribe(">", overhear)  # everything on the wire: deliveries, replies, the stream
        bus.flush()
        # The subscription's interest reaches the other servers of the cluster a moment later.
        eventually(lambda: running.client.bus.publish("probe", b"probe") or b"probe" in heard, 10, "the probe")
        time.sleep(0.5)
        receipt = running.open_note("n1", MARKER)
        assert receipt.valid and receipt.status == "final"
        for member in MEMBERS:
            eventually(lambda m=member: running.text_at(m, "n1") == MARKER, 20, f"the note at {member}")
        eventually(lambda: running.nodes["exporter"].head("exporter").height >= receipt.height, 20,
                   "the exporter at the note's block")
        bus.flush()
    assert running.text_at("exporter", "n1") is None
    assert running.nodes["exporter"].ledger("exporter").payload(receipt.txid, "body", "n1") is None
    assert running.nodes["customs"].ledger("customs").payload(receipt.txid, "body", "n1") is not None
    assert heard and not any(MARKER.encode() in data for data in heard)  # sealed on the wire
    assert any(b'"type":"sealed"' in data and b'"kind":"payloads"' in data for data in heard)
    for org in ORGANIZATIONS:
        code, body = running.health(org)
        assert code == 200 and body["halted"] == []


def test_members_exchange_their_collection_signatures(running: Running):
    def both_signed() -> bool:
        rows = [r for r in running.nodes["customs"].ledger("customs").collection_signatures()
                if r.collection == "notes:n1"]
        return {r.organization for r in rows} == set(MEMBERS) and len({r.digest for r in rows}) == 1

    eventually(both_signed, 20, "customs holding the importer's signature over the same digest")
    eventually(lambda: {r.organization for r in running.nodes["importer"].ledger("importer").collection_signatures()
                        if r.collection == "notes:n1"} == set(MEMBERS), 20, "the importer holding customs'")
    assert running.nodes["exporter"].ledger("exporter").collection_signatures() == []


def test_no_byte_of_the_payload_reaches_the_non_member_or_the_stream(running: Running):
    layout = NetworkLayout(running.directory)
    for member in MEMBERS:
        assert MARKER.encode() in folder_bytes(layout.org(member))
    assert MARKER.encode() not in folder_bytes(layout.org("exporter"))
    assert MARKER.encode() not in folder_bytes(running.root / "nats")  # the JetStream store
    stream = running.client.orderer.read(1, 100_000)
    assert stream and not any(MARKER.encode() in item.payload for item in stream)


def test_a_holder_serves_only_members_of_the_collection(running: Running):
    receipt = running.nodes["importer"].ledger("importer").tx_by_id(
        next(r.txid for r in running.nodes["importer"].ledger("importer").txs() if b'"collection":"n1"' in r.leaf))
    assert receipt is not None
    exporter_key = running.nodes["exporter"].keys.admin.did
    customs_key = running.nodes["customs"].keys.admin.did
    importer = running.nodes["importer"]
    with Bus(running.cluster.client_urls, "asker") as bus:
        def ask(requester: str, key: str) -> dict:
            fetch = PayloadFetch(requester, key, receipt.txid, "body", "n1")
            reply = decode(Reply, bus.request(importer.subjects.private("importer"), encode(fetch)))
            assert reply.ok, reply.error
            return reply.result

        assert ask("exporter", exporter_key)["status"] == "none"  # not a member
        assert ask("customs", exporter_key)["status"] == "none"  # a key the ledger does not give customs
        answer = ask("customs", customs_key)
        assert answer["status"] == "payload" and MARKER.encode() not in answer["sealed"].encode()
        unknown = decode(Reply, bus.request(importer.subjects.private("importer"),
                                            encode(PayloadFetch("customs", customs_key, "00" * 32, "body", "n1"))))
        assert unknown.result["status"] == "not_yet"  # a transaction it has not reached


def test_a_member_that_missed_its_delivery_fetches_the_payload_from_another_member(running: Running):
    running.nodes.pop("customs").stop()  # customs misses the delivery
    receipt = running.open_note("n2", MARKER + " (second)", wait="committed")
    assert receipt.valid
    served_before = running.nodes["importer"].status().extra["payloads_served"]
    customs = running.start("customs")
    eventually(lambda: running.text_at("customs", "n2") == MARKER + " (second)", 30, "customs fetching the note")
    assert customs.ledger("customs").payload(receipt.txid, "body", "n2") is not None  # kept in its inbox
    eventually(lambda: running.nodes["importer"].status().extra["payloads_served"] > served_before, 5,
               "the importer counting what it served")
    assert customs.status().halted == ()
    eventually(lambda: {r.organization for r in customs.ledger("customs").collection_signatures()
                        if r.collection == "notes:n2"} == set(MEMBERS), 20,
               "customs holding the importer's signature it was down for")


def test_a_payload_no_member_has_halts_the_collection_and_health_says_so(running: Running):
    importer = running.nodes["importer"]
    part = commit_part(PrivateInput("body", "n3", {"text": "a payload no one will deliver"}))
    envelope = importer.sign("importer", "notes", "open", {"name": "n3", "members": ["customs"]},
                             private=[part.part])
    (receipt,) = importer.submit([envelope], wait="committed", viewer="importer")  # delivered to no one
    assert receipt.valid

    for member in MEMBERS:
        eventually(lambda m=member: running.nodes[m].status().halted == ("notes:n3",), 30, f"the halt at {member}")
        code, body = eventually(lambda m=member: (lambda h: h if h[0] == 503 else None)(running.health(m)), 10,
                                f"{member}'s /health turning 503")
        assert body["status"] == "collection halted" and body["halted"] == ["notes:n3"]
        with _DIRECT.open(f"http://127.0.0.1:{running.nodes[member].http_port}/metrics", timeout=5) as response:
            metrics = response.read().decode()
        assert f'tradeledger_collections_halted{{organization="{member}"}} 1.0' in metrics
    assert running.text_at("importer", "n3") is None
    assert running.text_at("importer", "n1") == MARKER  # the other collections still stand
    code, body = running.health("exporter")  # not a member: nothing to halt
    assert code == 200 and body["halted"] == []


def test_a_member_signing_another_digest_of_a_collection_is_a_fork_kept_as_evidence(running: Running):
    # Last in this module: the importer holds fork evidence from here on.
    importer = running.nodes["importer"]
    ours = next(r for r in importer.ledger("importer").collection_signatures()
                if r.collection == "notes:n1" and r.organization == "importer")
    other = "ff" * 32
    tree = collection_tree(importer.genesis.origin, ours.height, {ours.collection: other})
    line = running.nodes["customs"].keys.node_signer.witness.sign(tree.statement, now_ms() // 1000).to_line()
    index, proof = tree.proofs[ours.collection]
    row = CollectionSignature(ours.height, ours.collection, "customs", other, line, index, tree.size, proof)
    sealed = seal_to(importer.ledger("importer"), "importer", canonical_bytes({"rows": [row._asdict()]}))
    with Bus(running.cluster.client_urls, "customs-gone-wrong") as bus:
        bus.publish(importer.subjects.collection_signatures("importer"),
                    encode(SealedToMember("customs", "collection_signatures", sealed)))
        bus.flush()
    forks = eventually(lambda: importer.status().forks, 20, "the importer showing the fork")
    assert [(f.height, f.sender, f.detected_by) for f in forks] == [(ours.height, "customs", "importer")]
    (evidence,) = importer.ledger("importer").forks()
    assert evidence["collection"] == "notes:n1" and evidence["theirs"] == other
    code, body = running.health("importer")
    assert code == 503 and body["status"] == "fork"
