"""A node's HTTP endpoint: /health says ok or why not, /status is the node's status as
JSON, /metrics is Prometheus text format with the node's numbers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from _cluster_helpers import a_status
from prometheus_client.parser import text_string_to_metric_families

from tradeledger.cluster.messages import NodeStatus
from tradeledger.cluster.service import StatusService, health_of

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Holder:
    def __init__(self, status: NodeStatus):
        self.status = status

    def __call__(self) -> NodeStatus:
        return self.status


@pytest.fixture
def served() -> Iterator[tuple[Holder, str]]:
    holder = Holder(a_status(forks=()))
    service = StatusService(holder)
    service.start()
    try:
        yield holder, f"http://127.0.0.1:{service.port}"
    finally:
        service.stop()


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with _DIRECT.open(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def test_health_is_200_ok_for_a_working_node_and_503_with_the_reason_otherwise(served):
    holder, url = served
    code, _type, body = get(f"{url}/health")
    assert code == 200 and json.loads(body)["status"] == "ok"

    holder.status = a_status()  # holds fork evidence
    code, _type, body = get(f"{url}/health")
    assert code == 503 and json.loads(body)["status"] == "fork" and json.loads(body)["forks"] == 1

    holder.status = a_status(forks=(), orderer_ok=False, last_error="no replica answered")
    assert health_of(holder.status) == (503, {"status": "orderer unreachable", "organization": "customs",
                                              "height": 7, "final_height": 6, "forks": 0, "halted": [],
                                              "error": "no replica answered"})

    holder.status = a_status(forks=(), halted=("notes:n3",))  # a payload no member could give it
    code, _type, body = get(f"{url}/health")
    assert code == 503 and json.loads(body)["status"] == "collection halted"
    assert json.loads(body)["halted"] == ["notes:n3"]


def test_status_is_the_nodes_status_as_json(served):
    holder, url = served
    code, content_type, body = get(f"{url}/status")
    assert code == 200 and content_type == "application/json"
    assert NodeStatus.from_dict(json.loads(body)) == holder.status


def test_metrics_are_prometheus_text_with_the_nodes_numbers(served):
    holder, url = served
    holder.status = a_status()
    code, content_type, body = get(f"{url}/metrics")
    assert code == 200 and content_type.startswith("text/plain")
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(body.decode()) for s in family.samples}
    org = (("organization", "customs"),)
    assert samples[("tradeledger_block_height", org)] == 7
    assert samples[("tradeledger_final_height", org)] == 6
    assert samples[("tradeledger_log_size", org)] == 30
    assert samples[("tradeledger_forks_detected", org)] == 1
    assert samples[("tradeledger_healthy", org)] == 0
    assert samples[("tradeledger_rejected_signature_lines_total", org)] == 2
    assert samples[("tradeledger_disclosures_total", (("organization", "customs"), ("outcome", "denied")))] == 3
    assert samples[("tradeledger_collections_halted", org)] == 0
    holder.status = a_status(halted=("notes:n3", "notes:n4"))
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(get(f"{url}/metrics")[2].decode())
               for s in family.samples}
    assert samples[("tradeledger_collections_halted", org)] == 2


def test_other_paths_are_not_found(served):
    _holder, url = served
    assert get(f"{url}/admin")[0] == 404
