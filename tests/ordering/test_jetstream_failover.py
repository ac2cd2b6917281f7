"""A server of the three dies under load: no acknowledged envelope is lost, ordering goes
on with the other two, and the server catches up when it comes back.

Bounded: 2,000 envelopes in 40 acknowledged batches, one SIGKILL of the stream leader
while they are being submitted, one restart.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from pathlib import Path

from _ordering_helpers import fresh_network_id

from tradeledger.ordering.jetstream import JetStreamOrderer
from tradeledger.ordering.nats_servers import LocalCluster

BATCHES = 40
BATCH_SIZE = 50


def stream_last_seq_on(monitor_url: str, stream: str) -> int | None:
    """The last sequence of `stream` in that one server's own store (None if it has none)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{monitor_url}/jsz?accounts=true&streams=true", timeout=2) as response:
        jsz = json.load(response)
    for account in jsz.get("account_details") or []:
        for detail in account.get("stream_detail") or []:
            if detail["name"] == stream:
                return detail["state"]["last_seq"]
    return None


def test_killing_one_server_of_three_under_load_loses_no_acknowledged_envelope(tmp_path: Path):
    with LocalCluster(tmp_path / "cluster") as cluster:
        orderer = JetStreamOrderer(cluster.client_urls, fresh_network_id(), ack_timeout_s=1.0, deadline_s=30)
        try:
            names = [server.name for server in cluster.servers]
            victim = names.index(orderer.describe().leader)  # the leader: an election must follow

            acknowledged: dict[bytes, int] = {}
            failures: list[BaseException] = []

            def submit_load() -> None:
                try:
                    for batch in range(BATCHES):
                        payloads = [b"envelope-%d-%d" % (batch, i) for i in range(BATCH_SIZE)]
                        positions = orderer.submit(payloads, cut=(batch % 4 == 3))
                        acknowledged.update(zip(payloads, positions, strict=True))
                except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                    failures.append(exc)

            load = threading.Thread(target=submit_load)
            load.start()
            deadline = time.monotonic() + 30
            while len(acknowledged) < BATCHES * BATCH_SIZE // 4 and load.is_alive() and time.monotonic() < deadline:
                time.sleep(0.005)
            cluster.kill(victim)
            load.join(timeout=120)

            assert not load.is_alive(), "the submissions did not finish after the kill"
            assert failures == []
            assert len(acknowledged) == BATCHES * BATCH_SIZE

            # Ordering goes on with two of three servers.
            (after_kill,) = orderer.submit([b"after-the-kill"], cut=True)
            assert after_kill > max(acknowledged.values())
            assert orderer.describe().leader != names[victim]

            cluster.restart(victim)
            cluster.wait_until_ready()

            items = orderer.read(1, 10_000)
            assert [i.position for i in items] == list(range(1, len(items) + 1))  # dense, in order
            at = {i.position: i for i in items}
            for payload, position in acknowledged.items():
                assert at[position].kind == "envelope" and at[position].payload == payload
            envelopes = [i.payload for i in items if i.kind == "envelope"]
            assert len(envelopes) == len(set(envelopes)) == BATCHES * BATCH_SIZE + 1  # each stored once

            # The restarted server catches up from the others: its own store holds the stream.
            last = orderer.last_position()
            deadline = time.monotonic() + 30
            while stream_last_seq_on(cluster.monitor_urls[victim], orderer.stream) != last:
                assert time.monotonic() < deadline, "the restarted server did not catch up"
                time.sleep(0.1)
        finally:
            orderer.close()
