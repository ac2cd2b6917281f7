"""Fixtures of the identity tests: a fresh four-organization network per test."""

import pytest
from _identity_world import IDENTITY_NETWORK

from tradeledger.node import EmbeddedNetwork, create_network


@pytest.fixture
def net(tmp_path):
    create_network(tmp_path / "net", IDENTITY_NETWORK)
    with EmbeddedNetwork(tmp_path / "net") as network:
        yield network
