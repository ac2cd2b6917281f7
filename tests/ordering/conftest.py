"""Fixtures for the orderer tests: throwaway nats-server clusters on free loopback ports.

Every cluster is started by a fixture and stopped in its finalizer, so the servers go away
also when a test fails. One three-server cluster is shared by the module's tests; each test
gets its own network (its own stream) on it. Tests that kill servers start their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _ordering_helpers import fresh_network_id

from tradeledger.ordering import SoloOrderer
from tradeledger.ordering.jetstream import JetStreamOrderer
from tradeledger.ordering.nats_servers import LocalCluster


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    with LocalCluster(tmp_path_factory.mktemp("nats-cluster")) as running:
        yield running


@pytest.fixture
def network_id() -> str:
    return fresh_network_id()


@pytest.fixture
def jetstream(cluster: LocalCluster, network_id: str) -> Iterator[JetStreamOrderer]:
    orderer = JetStreamOrderer(cluster.client_urls, network_id)
    try:
        yield orderer
    finally:
        orderer.close()


@pytest.fixture
def solo(tmp_path: Path) -> Iterator[SoloOrderer]:
    orderer = SoloOrderer(tmp_path / "stream.db")
    try:
        yield orderer
    finally:
        orderer.close()


@pytest.fixture(params=["solo", "jetstream"])
def orderer(request: pytest.FixtureRequest):
    """Each behavioural test runs once on the solo orderer and once on JetStream."""
    return request.getfixturevalue(request.param)
