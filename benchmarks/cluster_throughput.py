"""Cluster throughput and latency to final, against the embedded network, in one run.

Three organizations (customs, importer, exporter) on this machine, both ways:

* embedded: one process, solo orderer, the three peers sharing it (as
  benchmarks/commit_throughput.py drives it): envelopes per second from submit to final;
* cluster (`tradeledger network up`): three nats-servers with fsync before every
  acknowledgement, three node processes, and this process as the client.
  - maximum load: batches submitted back to back (each waits only for JetStream's
    acknowledgement), timed from the first submit until every node has committed the
    last envelope (and, reported too, until every node holds it final);
  - half of that load, offered at a steady rate in small batches: latency of each
    envelope from its submit until every node holds its block final, p50 and p99.

Envelopes are signed beforehand, as submitters sign on their own machines.

    .venv/bin/python benchmarks/cluster_throughput.py [--envelopes N] [--batch B] [--latency-seconds S]
Last line: cluster_tx_per_s=<x> embedded_tx_per_s=<y> ratio=<x/y> p99_final_ms=<z>
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

from nats.aio.msg import Msg
from rich.console import Console

from tradeledger.cluster import launcher
from tradeledger.cluster.client import ClusterClient
from tradeledger.cluster.messages import MessageError, Progress, decode
from tradeledger.ledger.envelope import sign_envelope
from tradeledger.ledger.genesis import Genesis, load_genesis
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.keys import OrganizationKeys
from tradeledger.runtime.layout import NetworkLayout

console = Console(stderr=True)
ORGANIZATIONS = launcher.CLUSTER_ORGANIZATIONS


def signed_leaves(directory: Path, genesis: Genesis, count: int, tag: str) -> list[bytes]:
    layout = NetworkLayout(directory)
    keys = [OrganizationKeys.load(layout.keys(org.name)).admin for org in genesis.organizations]
    return [
        sign_envelope(keys[i % len(keys)], network=genesis.network_id, contract="documents", action="anchor",
                      args={"doc_type": "commercial_invoice", "refs": {"entry": f"{tag}-{i:08d}"}},
                      commitments=(os.urandom(32).hex(),), created_ms=now_ms()).leaf_bytes()
        for i in range(count)
    ]


def embedded_rate(envelopes: int, batch: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "net"
        genesis = create_network(directory, ORGANIZATIONS, name="bench", max_block_transactions=batch)
        leaves = signed_leaves(directory, genesis, envelopes, "E")
        with EmbeddedNetwork(directory, parallel_verification=True) as network:
            start = time.perf_counter()
            for first in range(0, envelopes, batch):
                receipts = network.submit(leaves[first:first + batch], wait="final")
                assert all(r.valid and r.status == "final" for r in receipts), receipts[0]
            return envelopes / (time.perf_counter() - start)


class FinalityTracker:
    """Times, from the nodes' progress messages, when a position is committed, and final,
    at every node."""

    def __init__(self, organizations: list[str]):
        self._committed = dict.fromkeys(organizations, 0)
        self._final = dict.fromkeys(organizations, 0)
        self._lock = threading.Lock()
        self._watched: deque[tuple[int, float, int]] = deque()  # (last position, submitted at, envelopes)
        self.latencies_ms: list[float] = []

    def watch(self, last_position: int, submitted_at: float, envelopes: int) -> None:
        with self._lock:
            self._watched.append((last_position, submitted_at, envelopes))
        self._settle(time.perf_counter())

    def on_progress(self, msg: Msg) -> None:
        try:
            progress = decode(Progress, msg.data)
        except MessageError:
            return
        now = time.perf_counter()
        with self._lock:
            org = progress.organization
            if org in self._final:
                self._committed[org] = max(self._committed[org], progress.committed_position)
                self._final[org] = max(self._final[org], progress.final_position)
        self._settle(now)

    def _settle(self, now: float) -> None:
        with self._lock:
            everywhere = min(self._final.values())
            while self._watched and self._watched[0][0] <= everywhere:
                _position, submitted_at, envelopes = self._watched.popleft()
                self.latencies_ms.extend([(now - submitted_at) * 1000] * envelopes)

    def pending(self) -> int:
        with self._lock:
            return len(self._watched)


def cluster_run(envelopes: int, batch: int, latency_seconds: float, latency_batch: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "net"
        create_network(directory, ORGANIZATIONS, name="bench", max_block_transactions=batch)
        genesis = load_genesis(NetworkLayout(directory).genesis)
        record = launcher.up(directory)
        try:
            with ClusterClient(record.client_urls, genesis) as client:
                organizations = [org.name for org in genesis.organizations]
                tracker = FinalityTracker(organizations)
                client.bus.subscribe(client.subjects.progress, tracker.on_progress)

                # Maximum load: back-to-back batches, each acknowledged by JetStream only.
                leaves = signed_leaves(directory, genesis, envelopes, "M")
                start = time.perf_counter()
                last = 0
                for first in range(0, envelopes, batch):
                    last = max(client.submit(leaves[first:first + batch], wait="ordered")[-1].position, last)
                ordered_s = time.perf_counter() - start
                client.wait_for(last, "committed", organizations, timeout_s=600)
                committed_s = time.perf_counter() - start
                client.wait_for(last, "final", organizations, timeout_s=600)
                final_s = time.perf_counter() - start
                max_rate = envelopes / committed_s

                # Half of that load, offered at a steady rate; latency from submit to final everywhere.
                offered = max_rate / 2
                interval = latency_batch / offered
                count = max(int(latency_seconds * offered) // latency_batch, 1) * latency_batch
                leaves = signed_leaves(directory, genesis, count, "L")
                phase_start = next_at = time.perf_counter()
                for first in range(0, count, latency_batch):
                    delay = next_at - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    submitted_at = time.perf_counter()
                    receipts = client.submit(leaves[first:first + latency_batch], wait="ordered")
                    tracker.watch(receipts[-1].position, submitted_at, len(receipts))
                    next_at += interval
                achieved = count / (time.perf_counter() - phase_start)
                deadline = time.monotonic() + 120
                while tracker.pending() and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert not tracker.pending(), "some batches never became final at every node"
                # Every node ends with the same log (statuses refresh every half second).
                deadline = time.monotonic() + 10
                while True:
                    statuses = [client.status(org) for org in organizations]
                    if len({(s.log_size, s.log_root, s.final_root) for s in statuses}) == 1:
                        break
                    assert time.monotonic() < deadline, statuses
                    time.sleep(0.2)
                assert all(not s.forks for s in statuses)
        finally:
            launcher.down(directory)
    latencies = sorted(tracker.latencies_ms)
    return {
        "ordered_per_s": envelopes / ordered_s, "committed_per_s": max_rate, "final_per_s": envelopes / final_s,
        "offered_per_s": offered, "achieved_per_s": achieved, "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], "latency_envelopes": len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envelopes", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500, help="envelopes per submit and per block at full load")
    parser.add_argument("--latency-seconds", type=float, default=10.0, help="how long to offer half load")
    parser.add_argument("--latency-batch", type=int, default=50, help="envelopes per submit at half load")
    args = parser.parse_args()

    console.print(f"embedded: {len(ORGANIZATIONS)} peers in one process, {args.envelopes} envelopes …")
    embedded = embedded_rate(args.envelopes, args.batch)
    console.print(f"cluster: 3 nats-servers + {len(ORGANIZATIONS)} node processes, {args.envelopes} envelopes …")
    cluster = cluster_run(args.envelopes, args.batch, args.latency_seconds, args.latency_batch)
    print(f"embedded, {len(ORGANIZATIONS)} peers in one process, submit to final: {embedded:10.0f} /s")
    print(f"cluster, ordered (JetStream acknowledged):        {cluster['ordered_per_s']:10.0f} /s")
    print(f"cluster, committed at every node:                  {cluster['committed_per_s']:10.0f} /s")
    print(f"cluster, final at every node:                      {cluster['final_per_s']:10.0f} /s")
    print(f"half load: offered {cluster['offered_per_s']:.0f} /s, achieved {cluster['achieved_per_s']:.0f} /s, "
          f"{cluster['latency_envelopes']} envelopes in batches of {args.latency_batch}: submit to final at every "
          f"node p50 {cluster['p50_ms']:.0f} ms, p99 {cluster['p99_ms']:.0f} ms")
    ratio = cluster["committed_per_s"] / embedded
    print(f"cluster_tx_per_s={cluster['committed_per_s']:.0f} embedded_tx_per_s={embedded:.0f} "
          f"ratio={ratio:.3f} p99_final_ms={cluster['p99_ms']:.0f}")


if __name__ == "__main__":
    main()
