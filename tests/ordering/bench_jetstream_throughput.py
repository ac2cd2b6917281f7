"""Envelopes per second submitted with acknowledgements on a local three-server R3 cluster
with `sync_interval: always` (a measurement, not a test: pytest does not collect it).

    .venv/bin/python tests/ordering/bench_jetstream_throughput.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _ordering_helpers import fresh_network_id  # noqa: E402

from tradeledger.ordering.jetstream import JetStreamOrderer  # noqa: E402
from tradeledger.ordering.nats_servers import LocalCluster  # noqa: E402

ENVELOPE = os.urandom(300).hex().encode()  # about the size of a signed anchoring envelope
RUNS = ((1, 500), (100, 10_000), (1000, 20_000))  # (envelopes per submit, envelopes in all)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, LocalCluster(Path(folder)) as cluster:
        orderer = JetStreamOrderer(cluster.client_urls, fresh_network_id())
        try:
            for batch, total in RUNS:
                started = time.perf_counter()
                for first in range(0, total, batch):
                    orderer.submit([ENVELOPE + b"%d-%d" % (batch, first + i) for i in range(batch)], cut=True)
                elapsed = time.perf_counter() - started
                print(f"submit(cut=True) of {batch:>4}: {total:>6} envelopes in {elapsed:5.2f} s "
                      f"= {total / elapsed:>7,.0f} envelopes/s")
            last = orderer.last_position()
            started = time.perf_counter()
            items = orderer.read(1, last)
            elapsed = time.perf_counter() - started
            print(f"read: {len(items)} items in {elapsed:.2f} s = {len(items) / elapsed:,.0f} items/s")
        finally:
            orderer.close()


if __name__ == "__main__":
    main()
