"""Forks are detected by the other nodes, with evidence (issue 7, item 6; DESIGN.md
decision 7): nothing a node or an outsider publishes on the cosign subject is taken on
trust, and a node whose store was tampered with is caught by the checkpoints it signs.

* lines that verify under no key of the policy are counted and dropped: no fork, no harm;
* a valid signature (an insider's key) over a different checkpoint of a height the nodes
  have is a fork: every node keeps the evidence, logs it, and reports it on /health (503),
  /status and /metrics;
* a node whose stored log was rewritten while it was down signs different checkpoints
  after it restarts: the others record fork evidence naming it.

One cluster for the module; the tests run in order and each builds on the one before.
"""

from __future__ import annotations

import base64
import sqlite3
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _cluster_helpers import all_agree_at, anchors, eventually, force_down, keys_of
from nats.aio.msg import Msg
from prometheus_client.parser import text_string_to_metric_families

from tradeledger import merkle
from tradeledger.cluster import launcher
from tradeledger.cluster.client import ClusterClient
from tradeledger.cluster.messages import CheckpointSignatures, SignatureAnnouncement, decode, encode
from tradeledger.cluster.messaging import Bus
from tradeledger.ledger.checkpoints import NetworkPolicy
from tradeledger.ledger.genesis import Genesis, load_genesis
from tradeledger.runtime.layout import NetworkLayout
from tradeledger.store import SQLiteStore
from tradeledger.tlog import Checkpoint

ORGANIZATIONS = ("customs", "importer", "exporter")
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Cluster:
    directory: Path
    genesis: Genesis
    client: ClusterClient
    bus: Bus
    heard: list[SignatureAnnouncement]

    def node_url(self, organization: str) -> str:
        record = launcher.read_record(self.directory)
        assert record is not None
        return record.node(organization).url

    def evidence(self, organization: str) -> list[dict]:
        store = SQLiteStore(NetworkLayout(self.directory).store(organization))
        try:
            return store.forks()
        finally:
            store.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    directory = tmp_path_factory.mktemp("forks") / "net"
    record = client = bus = None
    try:
        record = launcher.up(directory)
        genesis = load_genesis(NetworkLayout(directory).genesis)
        client = ClusterClient(record.client_urls, genesis)
        bus = Bus(record.client_urls, "outsider")
        heard: list[SignatureAnnouncement] = []
        lock = threading.Lock()

        def listen(msg: Msg) -> None:
            with lock:
                heard.append(decode(SignatureAnnouncement, msg.data))

        bus.subscribe(client.subjects.cosign, listen)
        client.submit(anchors(directory, genesis, 10, "FIRST"), wait="final")
        all_agree_at(client, ORGANIZATIONS, 10)
        yield Cluster(directory, genesis, client, bus, heard)
    finally:
        for closeable in (bus, client):
            if closeable is not None:
                closeable.close()
        force_down(directory, launcher.read_record(directory) if directory.exists() else record)


def metric(cluster: Cluster, organization: str, name: str) -> float:
    with _DIRECT.open(f"{cluster.node_url(organization)}/metrics", timeout=5) as response:
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    raise AssertionError(f"no metric {name}")


def a_real_announcement(cluster: Cluster) -> CheckpointSignatures:
    return eventually(lambda: next((c for a in cluster.heard for c in a.checkpoints), None), 10,
                      "a node's announcement heard")


def test_lines_that_verify_under_no_policy_key_are_counted_and_dropped(cluster: Cluster):
    real = a_real_announcement(cluster)
    before = {org: cluster.client.status(org).rejected_signature_lines for org in ORGANIZATIONS}
    junk = []
    for line in real.lines:  # same key names and key ids, signatures of random bytes
        prefix, _sep, signature = line.rpartition(" ")
        raw = base64.b64decode(signature)
        junk.append(f"{prefix} {base64.b64encode(raw[:-64] + bytes(64)).decode()}")
    other_body = real.body.replace(real.body.splitlines()[2], base64.b64encode(bytes(32)).decode())
    cluster.bus.publish(cluster.client.subjects.cosign, encode(SignatureAnnouncement("mallory", (
        CheckpointSignatures(real.height, real.body, tuple(junk)),
        CheckpointSignatures(real.height, other_body, tuple(junk)),
    ))))
    cluster.bus.flush()

    for org in ORGANIZATIONS:
        status = eventually(lambda org=org: (s := cluster.client.status(org)).rejected_signature_lines
                            >= before[org] + 2 * len(junk) and s, 10, f"junk rejected at {org}")
        assert status.forks == () and status.healthy
    assert metric(cluster, "customs", "tradeledger_rejected_signature_lines_total") >= 2 * len(junk)
    assert metric(cluster, "customs", "tradeledger_forks_detected") == 0


def test_an_insiders_signature_over_a_different_checkpoint_is_a_fork_with_evidence(cluster: Cluster):
    real = a_real_announcement(cluster)
    ours = Checkpoint.from_text(real.body)
    forged_body = Checkpoint(ours.origin, ours.size, merkle.leaf_hash(b"a rewritten history"),
                             ours.extensions).to_text()
    # The importer's own checkpoint keys, as an insider who took them would use them.
    lines = keys_of(cluster.directory, "importer").node_signer.sign(forged_body, 1_700_000_000)
    cluster.bus.publish(cluster.client.subjects.cosign,
                        encode(SignatureAnnouncement("importer", (CheckpointSignatures(real.height, forged_body,
                                                                                        lines),))))
    cluster.bus.flush()

    for org in ("customs", "exporter"):
        status = eventually(lambda org=org: (s := cluster.client.status(org)).forks and s, 10,
                            f"the fork detected at {org}")
        assert [(f.height, f.sender, f.detected_by) for f in status.forks] == [(real.height, "importer", org)]
        code, health = launcher.http_get_json(f"{cluster.node_url(org)}/health")
        assert code == 503 and health["status"] == "fork"
        assert metric(cluster, org, "tradeledger_forks_detected") == 1
        (evidence,) = cluster.evidence(org)
        # The evidence proves itself: the other checkpoint carries valid signatures by a
        # key of the network's policy, over a root that differs from ours.
        theirs_body, _blank, theirs_lines = evidence["theirs"].partition("\n\n")
        assert evidence["ours"].startswith(real.body) and theirs_body + "\n" == forged_body
        assert NetworkPolicy(cluster.genesis).valid_lines(forged_body, theirs_lines.splitlines())


def test_a_node_whose_stored_log_was_rewritten_is_caught_by_the_others(cluster: Cluster):
    record = launcher.read_record(cluster.directory)
    exporter = record.node("exporter")
    assert launcher.stop_process(exporter.pid, launcher.node_marker(cluster.directory, "exporter"))
    # While it is down, someone rewrites its first leaf, and the leaf's hash in its tile.
    database = sqlite3.connect(NetworkLayout(cluster.directory).store("exporter"))
    with database:
        (tile,) = database.execute("SELECT hashes FROM tiles WHERE level = 0 AND idx = 0").fetchone()
        rewritten = b'{"forged": "history"}'
        database.execute("UPDATE tiles SET hashes = ? WHERE level = 0 AND idx = 0",
                         (merkle.leaf_hash(rewritten) + bytes(tile)[32:],))
        database.execute("UPDATE txs SET leaf = ? WHERE leaf_index = 0", (rewritten,))
    database.close()
    launcher.restart_node(cluster.directory, "exporter")

    receipts = cluster.client.submit(anchors(cluster.directory, cluster.genesis, 5, "AFTER"), wait="committed",
                                     viewers=ORGANIZATIONS)
    height = receipts[0].height
    for org in ("customs", "importer"):
        status = eventually(lambda org=org: next((f for f in cluster.client.status(org).forks
                                                  if f.sender == "exporter"), None), 15,
                            f"the exporter's fork detected at {org}")
        assert status.height == height and status.detected_by == org
        code, health = launcher.http_get_json(f"{cluster.node_url(org)}/health")
        assert code == 503 and health["status"] == "fork"
    roots = {org: cluster.client.status(org).log_root for org in ORGANIZATIONS}
    assert roots["customs"] == roots["importer"] != roots["exporter"]
