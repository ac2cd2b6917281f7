"""The command line of one cluster node process (the launcher spawns it per organization):

    python -m tradeledger.cluster.cli --dir D --org customs --nats nats://127.0.0.1:4222,... [--store URL]

It runs the node (cluster/node.py) until SIGTERM or SIGINT, then stops it cleanly.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from tradeledger.cluster.messaging import BusError
from tradeledger.cluster.node import ClusterNode, NodeConfig
from tradeledger.ordering import OrdererError
from tradeledger.runtime.errors import NetworkError
from tradeledger.store import StoreError

log = logging.getLogger(__name__)


def parse_args(argv: Sequence[str] | None = None) -> NodeConfig:
    parser = argparse.ArgumentParser(prog="python -m tradeledger.cluster.cli",
                                     description="Run one organization's node of a tradeledger cluster.")
    parser.add_argument("--dir", required=True, type=Path, help="the network folder (genesis and keys)")
    parser.add_argument("--org", required=True, help="the organization this node runs")
    parser.add_argument("--nats", required=True, help="NATS URLs, comma-separated")
    parser.add_argument("--store", default=None, help="store path or URL (default D/orgs/<org>/ledger.db)")
    parser.add_argument("--http-host", default="127.0.0.1")
    parser.add_argument("--http-port", type=int, default=0)
    parser.add_argument("--cut-delay-ms", type=int, default=1000,
                        help="close a tail of envelopes no submitter closed after this long")
    parser.add_argument("--payload-deadline-s", type=float, default=5.0,
                        help="how long to wait for a private payload other members may still give before "
                             "its collection halts at this node")
    parser.add_argument("--parallel-verification", action="store_true",
                        help="check large blocks' signatures in a worker process")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format=f"%(asctime)s %(levelname)s [{args.org}] %(name)s: %(message)s")
    servers = tuple(url.strip() for url in args.nats.split(",") if url.strip())
    return NodeConfig(directory=args.dir, organization=args.org, nats_servers=servers, store=args.store,
                      http_host=args.http_host, http_port=args.http_port, cut_delay_ms=args.cut_delay_ms,
                      parallel_verification=args.parallel_verification, payload_deadline_s=args.payload_deadline_s)


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        node = ClusterNode(config).start()
    except (NetworkError, StoreError, OrdererError, BusError, OSError) as exc:
        log.error("the node did not start: %s", exc)
        return 2
    try:
        stop.wait()
    finally:
        log.info("stopping")
        node.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
