"""Helpers shared by the orderer tests."""

from __future__ import annotations

import secrets
import time

from tradeledger.ordering.nats_servers import NatsClusterError, jetstream_settings


def fresh_network_id() -> str:
    """A network id of the genesis form, new for each test: each test gets its own stream."""
    return "sha256:" + secrets.token_hex(32)


def wait_until_serving(monitor_url: str, timeout: float = 15.0) -> None:
    """Wait for a standalone server (which has no meta leader to wait for) to report JetStream."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            jetstream_settings(monitor_url)
            return
        except NatsClusterError:
            assert time.monotonic() < deadline, f"the server at {monitor_url} did not start"
            time.sleep(0.05)
