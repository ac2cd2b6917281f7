"""Fixtures shared by the ledger and contract tests: a small embedded network."""

import pytest

from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.setup import OrgPlan

SMALL_NETWORK = (
    OrgPlan("customs", "customs", "Customs"),
    OrgPlan("importer", "importer", "Importer"),
    OrgPlan("exporter", "exporter", "Exporter"),
)


@pytest.fixture(scope="session")
def small_network_plan():
    return SMALL_NETWORK


@pytest.fixture
def network(tmp_path):
    create_network(tmp_path / "net", SMALL_NETWORK)
    with EmbeddedNetwork(tmp_path / "net") as net:
        yield net
