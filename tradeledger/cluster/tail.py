"""Closing a tail of envelopes that no cut closed.

A submitter orders its envelopes and then a cut; one that dies in between leaves a tail
no block closes. Every node watches the stream's last window, and once the oldest
envelope of a tail past its head is older than the network's cut delay, it asks the
orderer to cut after the tail (`cut_after`). Nodes asking to close the same tail get one
marker: JetStream de-duplicates the cuts by message id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from tradeledger.cluster.status import NodeHealth
from tradeledger.ledger.block import OrderedItem
from tradeledger.ordering import OrdererError
from tradeledger.ordering.jetstream import JetStreamOrderer
from tradeledger.runtime.clock import now_ms

log = logging.getLogger(__name__)


class TailWatch:
    """The orderer as the peer sees it. It calls `between_windows` before each read (the
    peer has then committed every block of the window before), and remembers the last
    window read: after `catch_up`, that window holds exactly the items past the last
    closed block."""

    def __init__(self, orderer: JetStreamOrderer, between_windows: Callable[[], object], health: NodeHealth):
        self.orderer = orderer
        self.tail: list[OrderedItem] = []
        self._between_windows = between_windows
        self._health = health

    def read(self, from_position: int, limit: int = 10_000) -> list[OrderedItem]:
        self._between_windows()
        self.tail = self.orderer.read(from_position, limit)
        return self.tail

    def close_stale(self, next_position: int, cut_delay_ms: int) -> None:
        """Cut after the envelopes past `next_position` (the peer's next) once the oldest
        of them is `cut_delay_ms` old."""
        pending = [item for item in self.tail if item.kind == "envelope" and item.position >= next_position]
        if not pending or now_ms() - pending[0].timestamp_ms < cut_delay_ms:
            return
        try:
            self.orderer.cut_after(pending[-1].position)
            self._health.cuts += 1
            log.info("closed a block no submitter closed, after position %d", pending[-1].position)
        except OrdererError as exc:
            self._health.last_error = str(exc)
