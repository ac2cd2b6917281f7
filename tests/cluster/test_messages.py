"""The cluster's wire messages, records and sealing: what one side encodes the other reads
back unchanged, and what is malformed is refused with a message that says so."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from _cluster_helpers import NETWORK, a_status

from tradeledger.cluster.messages import (
    MAX_WANTED_HEIGHTS,
    CheckpointSignatures,
    ControlRequest,
    MessageError,
    PayloadAnswer,
    PayloadFetch,
    Progress,
    Reply,
    SealedToMember,
    SignatureAnnouncement,
    SignatureWant,
    decode,
    encode,
)
from tradeledger.cluster.plan import ClusterRecord, NodeProcess, PlanError, ServerProcess
from tradeledger.cluster.subjects import NetworkSubjects
from tradeledger.crypto import KeyPair
from tradeledger.crypto.disclosure import commit_fields
from tradeledger.crypto.sealing import SealError, open_sealed, seal_for
from tradeledger.ordering.jetstream import subject_for
from tradeledger.ordering.nats_servers import ServerSpec
from tradeledger.workflows.disclosure import Delivery, DeliveryRefused


@pytest.mark.parametrize("message", [
    SignatureAnnouncement("importer", (CheckpointSignatures(3, "origin\n3\nroot=\n", ("— a b", "— c d")),)),
    SignatureWant("exporter", (1, 2, 5)),
    Progress("customs", 4, 20, 3, 15, 12, "ff" * 32),
    a_status(),
    a_status(halted=("notes:n1", "entries:E-1")),
    SealedToMember("importer", "payloads", {"did:key:z6Mk": "AAAA"}),
    SealedToMember("customs", "collection_signatures", {"did:key:z6Mk": "AAAA", "did:key:z6Mn": "BBBB"}),
    PayloadFetch("customs", "did:key:z6Mk", "ab" * 32, "body", "n1"),
    PayloadAnswer("not_yet"),
    PayloadAnswer("payload", "AAAA"),
    ControlRequest("txs", {"first": 1, "last": 9}),
    Reply(False, error="no such request", error_kind="access_denied"),
    Reply(True, result={"sealed": "AAAA"}),
])
def test_every_message_reads_back_as_it_was_sent(message):
    assert decode(type(message), encode(message)) == message


def test_a_message_of_another_type_or_shape_is_refused():
    with pytest.raises(MessageError, match="expected a want message"):
        decode(SignatureWant, encode(Progress("customs", 1, 1, 1, 1, 1, "")))
    with pytest.raises(MessageError, match="not JSON"):
        decode(SignatureWant, b"\xff")
    with pytest.raises(MessageError, match="malformed"):
        decode(SignatureWant, json.dumps({"type": "want", "sender": "x", "heights": ["1"]}).encode())
    too_many = {"type": "want", "sender": "x", "heights": list(range(MAX_WANTED_HEIGHTS + 1))}
    with pytest.raises(MessageError, match="at most"):
        decode(SignatureWant, json.dumps(too_many).encode())


def test_a_node_is_healthy_only_while_it_reads_the_stream_works_and_knows_no_fork():
    assert a_status(forks=()).healthy
    assert not a_status().healthy  # it holds fork evidence
    assert not a_status(forks=(), orderer_ok=False).healthy
    assert not a_status(forks=(), working=False).healthy
    assert not a_status(forks=(), halted=("notes:n1",)).healthy  # a collection stopped short here


def test_private_messages_refuse_unknown_kinds_and_statuses():
    with pytest.raises(MessageError, match="unknown sealed kind"):
        decode(SealedToMember, json.dumps({"type": "sealed", "sender": "x", "kind": "documents",
                                           "sealed": {"did:key:z": "AA"}}).encode())
    with pytest.raises(MessageError, match="non-empty"):
        decode(SealedToMember, json.dumps({"type": "sealed", "sender": "x", "kind": "payloads",
                                           "sealed": {}}).encode())
    with pytest.raises(ValueError, match="unknown fetch status"):
        PayloadAnswer.from_dict({"status": "maybe"})


def test_subjects_are_per_network_and_per_organization():
    subjects = NetworkSubjects(NETWORK)
    other = NetworkSubjects("sha256:" + "cd" * 32)
    assert subjects.order == subject_for(NETWORK)
    assert subjects.cosign != other.cosign and subjects.disclose("importer") != other.disclose("importer")
    assert subjects.disclose("importer") != subjects.disclose("exporter")
    assert subjects.want.startswith(subjects.cosign + ".")
    with pytest.raises(ValueError, match="NATS subject token"):
        subjects.control("bad.name")


def test_the_cluster_record_reads_back_and_refuses_other_formats(tmp_path: Path):
    server = ServerProcess(ServerSpec("n1", 4222, 6222, 8222, tmp_path / "n1"), tmp_path / "nats-server",
                           tmp_path / "n1.conf", tmp_path / "n1.log", 101)
    node = NodeProcess("customs", 9100, str(tmp_path / "customs.db"), tmp_path / "customs.log", 102)
    record = ClusterRecord(NETWORK, 5, (server,), (node,))
    assert ClusterRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record
    assert record.client_urls == ["nats://127.0.0.1:4222"]
    assert record.node("customs").url == "http://127.0.0.1:9100"
    restarted = record.with_node(NodeProcess("customs", 9100, node.store, node.log, 103))
    assert restarted.node("customs").pid == 103 and restarted.servers == record.servers
    with pytest.raises(PlanError, match="no node for importer"):
        record.node("importer")
    with pytest.raises(PlanError, match="tradeledger-cluster/1"):
        ClusterRecord.from_dict({**record.to_dict(), "format": "something-else/9"})


def test_a_delivery_reads_back_whole_or_by_fields():
    whole = Delivery("req", "c0" * 32, "importer", os.urandom(32), b"%PDF-1.7 invoice", None, (), "tx")
    assert Delivery.from_dict(json.loads(json.dumps(whole.to_dict()))) == whole
    structure = commit_fields({"hts": "7208.51.0030", "value": "10000.00"})
    fields = Delivery("req", "c1" * 32, "importer", os.urandom(32), None, structure.summary,
                      (structure.disclosures["hts"].encoded,), "tx")
    assert Delivery.from_dict(json.loads(json.dumps(fields.to_dict()))) == fields
    with pytest.raises(DeliveryRefused, match="tradeledger-delivery/1"):
        Delivery.from_dict({**whole.to_dict(), "salt": "not hex"})


def test_a_sealed_delivery_opens_only_with_the_requesters_key():
    requester, someone_else = KeyPair.generate(), KeyPair.generate()
    sealed = seal_for(requester.public_key, b"the invoice")
    assert b"the invoice" not in sealed
    assert open_sealed(requester, sealed) == b"the invoice"
    with pytest.raises(SealError, match="does not open"):
        open_sealed(someone_else, sealed)
    with pytest.raises(SealError, match="does not open"):
        open_sealed(requester, sealed[:-1] + bytes([sealed[-1] ^ 1]))
