"""Faults in a running cluster (issue 7, item 6): three nats-servers and three node
processes on loopback, the importer's node on PostgreSQL, the others on SQLite.

* a submitter dies between its envelopes and their cut: the nodes close the block;
* a node is stopped for a while (SIGSTOP): the others go on committing (finality waits for
  its cosignature, which the three-organization policy needs), and when it runs again
  (SIGCONT) it catches up, and every block becomes final everywhere;
* a node is killed (SIGKILL) under load and restarted: it resumes from its last committed
  block and reaches the same roots;
* a nats-server is killed under load: no acknowledged envelope is lost, ordering goes on,
  and every node holds every acknowledged envelope at its position.

Bounded: a few hundred envelopes per test, one fault each; everything started here is
stopped in the fixture's finalizer, also when a test fails.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _cluster_helpers import all_agree_at, anchors, eventually, force_down
from pgcluster import ThrowawayPostgres

from tradeledger.cluster import launcher
from tradeledger.cluster.client import ClusterClient
from tradeledger.crypto import sha256_hex
from tradeledger.ledger.genesis import Genesis, load_genesis
from tradeledger.runtime.layout import NetworkLayout

ORGANIZATIONS = ("customs", "importer", "exporter")


@dataclass
class Cluster:
    directory: Path
    genesis: Genesis
    client: ClusterClient

    @property
    def record(self):
        record = launcher.read_record(self.directory)
        assert record is not None
        return record

    def size(self) -> int:
        return self.client.status("customs").log_size


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    directory = tmp_path_factory.mktemp("faults") / "net"
    postgres = ThrowawayPostgres()
    record = client = None
    try:
        postgres.start()
        record = launcher.up(directory, stores={"importer": postgres.url(postgres.create_database())})
        genesis = load_genesis(NetworkLayout(directory).genesis)
        client = ClusterClient(record.client_urls, genesis)
        yield Cluster(directory, genesis, client)
    finally:
        if client is not None:
            client.close()
        force_down(directory, launcher.read_record(directory) if directory.exists() else record)
        postgres.stop()


class Load:
    """Submits `batches` acknowledged batches in a thread, remembering every position."""

    def __init__(self, cluster: Cluster, batches: int, size: int, tag: str, pause_s: float = 0.0):
        self.leaves = anchors(cluster.directory, cluster.genesis, batches * size, tag)
        self.acknowledged: dict[bytes, int] = {}
        self.failures: list[BaseException] = []
        self._cluster, self._size, self._pause_s = cluster, size, pause_s
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            for first in range(0, len(self.leaves), self._size):
                batch = self.leaves[first:first + self._size]
                receipts = self._cluster.client.submit(batch, wait="ordered")
                self.acknowledged.update(zip(batch, (r.position for r in receipts), strict=True))
                time.sleep(self._pause_s)
        except BaseException as exc:  # noqa: BLE001 - reported by finish()
            self.failures.append(exc)

    def start(self) -> Load:
        self._thread.start()
        return self

    def wait_for(self, count: int, timeout_s: float = 60.0) -> None:
        eventually(lambda: len(self.acknowledged) >= count or not self._thread.is_alive(), timeout_s,
                   f"{count} envelopes acknowledged")

    def finish(self, timeout_s: float = 120.0) -> None:
        self._thread.join(timeout_s)
        assert not self._thread.is_alive(), "the load did not finish"
        assert self.failures == []
        assert len(self.acknowledged) == len(self.leaves)


def test_a_tail_that_no_cut_closed_is_closed_by_the_nodes(cluster: Cluster):
    before = cluster.size()
    # A submitter that dies between its envelopes and their cut: ordered, never cut.
    cluster.client.orderer.submit(anchors(cluster.directory, cluster.genesis, 3, "NOCUT"), cut=False)
    all_agree_at(cluster.client, ORGANIZATIONS, before + 3, timeout_s=30)


def test_a_stopped_node_catches_up_when_it_runs_again(cluster: Cluster):
    before = cluster.size()
    final_before = cluster.client.status("customs").final_height
    exporter = cluster.record.node("exporter")
    os.kill(exporter.pid, signal.SIGSTOP)
    try:
        load = Load(cluster, batches=8, size=25, tag="STOPPED").start()
        load.finish()
        last = max(load.acknowledged.values())
        # The others go on committing. The three-organization policy (customs and a
        # majority of the two others) needs the exporter's cosignature, so nothing new is
        # final while it is stopped.
        cluster.client.wait_for(last, "committed", ["customs", "importer"], timeout_s=60)
        time.sleep(1.0)  # stopped a while longer, missing announcements
        assert cluster.client.status("customs").final_height == final_before
    finally:
        os.kill(exporter.pid, signal.SIGCONT)
    agreed = all_agree_at(cluster.client, ORGANIZATIONS, before + 200)
    assert len({s.final_height for s in agreed.values()}) == 1


def test_a_node_killed_under_load_restarts_and_reaches_the_same_roots(cluster: Cluster):
    before = cluster.size()
    importer = cluster.record.node("importer")  # the one on PostgreSQL
    load = Load(cluster, batches=12, size=25, tag="KILLED", pause_s=0.05).start()
    load.wait_for(100)
    os.kill(importer.pid, signal.SIGKILL)
    eventually(lambda: not launcher.process_alive(importer.pid), 10, "the importer's node gone")
    load.finish()
    restarted = launcher.restart_node(cluster.directory, "importer")
    assert restarted.pid != importer.pid and restarted.store.startswith("postgresql://")
    agreed = all_agree_at(cluster.client, ORGANIZATIONS, before + 300)
    assert agreed["importer"].log_root == agreed["customs"].log_root
    assert not any(status.forks for status in agreed.values())


def test_killing_a_nats_server_under_load_loses_no_acknowledged_envelope(cluster: Cluster):
    before = cluster.size()
    record = cluster.record
    leader = cluster.client.orderer.describe().leader
    victim = next(server for server in record.servers if server.spec.name == leader)
    load = Load(cluster, batches=16, size=25, tag="NATSKILL").start()
    load.wait_for(100)
    os.kill(victim.pid, signal.SIGKILL)
    try:
        load.finish()
        assert cluster.client.orderer.describe().leader != leader  # ordering went on under a new leader
        agreed = all_agree_at(cluster.client, ORGANIZATIONS, before + 400, timeout_s=90)
        # Every acknowledged envelope is in every node's log, at the position it was acknowledged with.
        positions = sorted(load.acknowledged.values())
        for org in ORGANIZATIONS:
            records = {r["position"]: r for r in cluster.client.transactions(org, positions[0], positions[-1])}
            for leaf, position in load.acknowledged.items():
                assert records[position]["txid"] == sha256_hex(leaf)
                assert records[position]["valid"] and records[position]["final"]
        assert len({s.log_root for s in agreed.values()}) == 1
    finally:
        launcher.restart_server(cluster.directory, victim.spec.name)
