"""A cluster node's status: what its roles report as they work (`NodeHealth`), and the
snapshot of it that the threads which only read (HTTP, control requests) are shown
(`StatusBoard`), with the progress messages that waiters follow.

The worker refreshes the snapshot after its steps, at most every SNAPSHOT_INTERVAL_S
unless a fork has to be shown at once; progress is published whenever it moved.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tradeledger.cluster.messages import ForkSummary, NodeStatus, Progress, encode
from tradeledger.cluster.messaging import Publish
from tradeledger.cluster.subjects import NetworkSubjects
from tradeledger.ledger.collections import halted_collections
from tradeledger.ledger.peer import Peer
from tradeledger.runtime.clock import now_ms

if TYPE_CHECKING:  # cosigning reports into NodeHealth, defined here
    from tradeledger.cluster.cosigning import Cosigning

SNAPSHOT_INTERVAL_S = 0.5  # refresh status this often even when nothing commits


@dataclass
class NodeHealth:
    """What the node's roles report: the worker (orderer reachable, last step ok, last
    error), cosigning (blocks, rejected lines), tail cuts and the disclosures served."""

    orderer_ok: bool = False
    working: bool = True
    last_error: str = ""
    blocks: int = 0
    rejected_lines: int = 0
    cuts: int = 0
    served: int = 0
    denied: int = 0
    payloads_received: int = 0  # private payloads delivered to this node (cluster/private.py)
    payloads_served: int = 0  # fetched from this node by another member
    payloads_refused: int = 0  # fetches this node had nothing for, or would not serve
    payloads_pending: int = 0  # parts whose payload the worker waits for now


class StatusBoard:
    def __init__(self, organization: str, peer: Peer, cosigning: Cosigning, health: NodeHealth,
                 subjects: NetworkSubjects, publish: Publish, publish_errors: Callable[[], int]):
        self.organization = organization
        self._peer = peer
        self._cosigning = cosigning
        self._health = health
        self._subjects = subjects
        self._publish = publish
        self._publish_errors = publish_errors
        self._started_ms = now_ms()
        self._last_progress: Progress | None = None
        self._current = self._snapshot()
        self._taken_at = 0.0  # monotonic; 0: the first step refreshes it

    def current(self) -> NodeStatus:
        """The state after the worker's last step (or at opening, before the first)."""
        return self._current

    def refresh(self, progressed: bool) -> None:
        """After a worker step: a new snapshot when the last is old, or when it does not
        show a fork yet (a fork is shown at once; plain progress waits for the interval)."""
        now = time.monotonic()
        fork_unshown = bool(self._cosigning.forked_senders) and not self._current.forks
        if now - self._taken_at >= SNAPSHOT_INTERVAL_S or (progressed and fork_unshown):
            self._current = self._snapshot()
            self._taken_at = now

    def publish_progress(self) -> None:
        head = self._peer.head
        final_height, final_position = self._cosigning.final
        progress = Progress(self.organization, head.height, head.next_position - 1, final_height, final_position,
                            head.log_size, head.log_root.hex())
        if progress != self._last_progress:
            self._publish(self._subjects.progress, encode(progress), "")
            self._last_progress = progress

    def _snapshot(self) -> NodeStatus:
        ledger = self._peer.ledger
        head = self._peer.head
        health = self._health
        final_height, final_position = self._cosigning.final
        final_header = ledger.header(final_height) if final_height else None
        forks = tuple(ForkSummary(int(f.get("height", 0)), int(f.get("size", 0)), str(f.get("sender", "")),
                                  str(f.get("detected_by", ""))) for f in ledger.forks())
        return NodeStatus(
            organization=self.organization, network_id=self._peer.genesis.network_id, height=head.height,
            committed_position=head.next_position - 1, log_size=head.log_size, log_root=head.log_root.hex(),
            state_digest=head.state_digest.hex(), final_height=final_height,
            final_position=final_position, final_log_size=final_header.log_size if final_header else 0,
            final_root=final_header.log_root.hex() if final_header else "",
            forks=forks, rejected_signature_lines=health.rejected_lines,
            blocks_committed=health.blocks, orderer_ok=health.orderer_ok,
            working=health.working, last_error=health.last_error,
            disclosures_served=health.served, disclosures_denied=health.denied,
            started_ms=self._started_ms, updated_ms=now_ms(),
            extra={"cuts": health.cuts, "waiting_heights": self._cosigning.waiting_heights,
                   "publish_errors": self._publish_errors(), "payloads_received": health.payloads_received,
                   "payloads_served": health.payloads_served, "payloads_refused": health.payloads_refused,
                   "payloads_pending": health.payloads_pending},
            halted=halted_collections(ledger),
        )
