"""A node's HTTP endpoint: /health, /status (JSON) and /metrics (Prometheus text format).

    GET /health   200 {"status": "ok", ...} while the node reads the stream, its worker
                  runs, no fork is known and no collection is halted; else 503 with
                  "fork", "orderer unreachable", "failing" or "collection halted" (a forked
                  node keeps running so its evidence stays at hand, but must not be
                  trusted, so it is not healthy; a node with a halted collection runs
                  every other, but that collection's state stopped short there and needs
                  its operator). The body lists the halted collections.
    GET /status   the node's NodeStatus as JSON (heights, roots, finality, forks)
    GET /metrics  the same numbers for Prometheus

The endpoint only reads the status snapshot the node's worker publishes after each step;
it never touches the store or the orderer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from tradeledger.cluster.messages import NodeStatus

StatusSource = Callable[[], NodeStatus]


def health_of(status: NodeStatus) -> tuple[int, dict[str, Any]]:
    """The HTTP status code and body of /health."""
    if status.forks:
        state = "fork"
    elif not status.orderer_ok:
        state = "orderer unreachable"
    elif not status.working:
        state = "failing"
    elif status.halted:
        state = "collection halted"
    else:
        state = "ok"
    body = {"status": state, "organization": status.organization, "height": status.height,
            "final_height": status.final_height, "forks": len(status.forks),
            "halted": list(status.halted)}
    if status.last_error and state != "ok":
        body["error"] = status.last_error
    return (200 if state == "ok" else 503), body


class StatusCollector:
    """Prometheus metrics computed from the node's status at each scrape."""

    def __init__(self, source: StatusSource):
        self._source = source

    def collect(self) -> Iterator[Metric]:
        status = self._source()
        org = [status.organization]

        def gauge(name: str, text: str, value: float) -> GaugeMetricFamily:
            family = GaugeMetricFamily(name, text, labels=["organization"])
            family.add_metric(org, value)
            return family

        def counter(name: str, text: str, value: float) -> CounterMetricFamily:
            family = CounterMetricFamily(name, text, labels=["organization"])
            family.add_metric(org, value)
            return family

        yield gauge("tradeledger_healthy", "1 while the node reads the stream, works and knows no fork",
                    1 if status.healthy else 0)
        yield gauge("tradeledger_orderer_reachable", "1 while the node can read the ordered stream",
                    1 if status.orderer_ok else 0)
        yield gauge("tradeledger_block_height", "Height of the last committed block", status.height)
        yield gauge("tradeledger_committed_position", "Last stream position executed into a block",
                    status.committed_position)
        yield gauge("tradeledger_log_size", "Leaves in the node's Merkle log", status.log_size)
        yield gauge("tradeledger_final_height", "Height through which every block is final here",
                    status.final_height)
        yield gauge("tradeledger_final_log_size", "Log size of the last block of final_height",
                    status.final_log_size)
        yield gauge("tradeledger_forks_detected", "Pieces of fork evidence kept in the node's store",
                    len(status.forks))
        yield gauge("tradeledger_collections_halted", "Private collections this node stopped executing "
                    "(a payload no member could give it)", len(status.halted))
        yield gauge("tradeledger_payloads_pending", "Private parts whose payload the node waits for",
                    int(status.extra.get("payloads_pending", 0)))
        yield gauge("tradeledger_signature_heights_waiting", "Heights ahead of the node with received lines",
                    int(status.extra.get("waiting_heights", 0)))
        yield counter("tradeledger_blocks_committed", "Blocks committed by this process",
                      status.blocks_committed)
        yield counter("tradeledger_rejected_signature_lines",
                      "Received checkpoint signature lines that verify under no policy key",
                      status.rejected_signature_lines)
        disclosures = CounterMetricFamily("tradeledger_disclosures", "Disclosure requests served by this node",
                                          labels=["organization", "outcome"])
        disclosures.add_metric([status.organization, "delivered"], status.disclosures_served)
        disclosures.add_metric([status.organization, "denied"], status.disclosures_denied)
        yield disclosures
        payloads = CounterMetricFamily("tradeledger_private_payloads", "Private payloads handled by this node",
                                       labels=["organization", "outcome"])
        for outcome in ("received", "served", "refused"):
            payloads.add_metric([status.organization, outcome], int(status.extra.get(f"payloads_{outcome}", 0)))
        yield payloads


def metrics_text(source: StatusSource) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StatusCollector(source))
    return generate_latest(registry)


class StatusService:
    """The HTTP endpoint, on its own threads; `port` is the bound port (useful with 0)."""

    def __init__(self, source: StatusSource, host: str = "127.0.0.1", port: int = 0):
        self._source = source
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        source = self._source

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/health":
                    code, body = health_of(source())
                    self._send(code, "application/json", json.dumps(body).encode())
                elif path == "/status":
                    self._send(200, "application/json", json.dumps(source().to_dict()).encode())
                elif path == "/metrics":
                    self._send(200, CONTENT_TYPE_LATEST, metrics_text(source))
                else:
                    self._send(404, "text/plain", b"not found: try /health, /status or /metrics\n")

            def _send(self, code: int, content_type: str, body: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return  # scrapes every few seconds would drown the node's log

        return Handler

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="status-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()
