"""A client of a running cluster: submit envelopes to the stream and wait, by asking the
nodes, until they are ordered, committed or final.

"Ordered" is JetStream's acknowledgement (stored and fsynced on a majority of servers).
"Committed" and "final" are what the nodes say: every node publishes its progress (the
last stream position in its blocks, and the position through which its blocks are final)
and answers control requests. A client chooses which organizations' nodes must have
reached the level (`viewers`, default all of them) and reads the receipt details from the
first of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any, Self

from nats.aio.msg import Msg

from tradeledger.cluster.messages import ControlRequest, MessageError, NodeStatus, Progress, Reply, decode, encode
from tradeledger.cluster.messaging import Bus, BusError
from tradeledger.cluster.subjects import NetworkSubjects
from tradeledger.ledger.envelope import Envelope
from tradeledger.ledger.genesis import Genesis
from tradeledger.ordering.jetstream import JetStreamOrderer
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.receipts import Receipt, Settled, receipts_for, wait_level
from tradeledger.runtime.submission import leaves_of
from tradeledger.workflows.disclosure import AccessRefused

STATUS_POLL_S = 1.0  # ask nodes directly when their progress messages do not come


class ClusterClientError(NetworkError):
    """A node did not reach what was asked in time, or refused a control request."""


class ClusterClient:
    def __init__(self, servers: Sequence[str], genesis: Genesis, deadline_s: float = 30.0):
        self.genesis = genesis
        self.organizations = tuple(org.name for org in genesis.organizations)
        self.subjects = NetworkSubjects(genesis.network_id)
        self._progress: dict[str, Progress] = {}
        self._changed = threading.Condition()
        self.orderer = JetStreamOrderer(list(servers), genesis.network_id, deadline_s=deadline_s)
        try:
            self.bus = Bus(servers, "tradeledger-client")
            self.bus.subscribe(self.subjects.progress, self._on_progress)
        except BaseException:
            self.orderer.close()
            raise

    def close(self) -> None:
        self.bus.close()
        self.orderer.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- progress ---------------------------------------------------------------------------
    def _on_progress(self, msg: Msg) -> None:
        try:
            progress = decode(Progress, msg.data)
        except MessageError:
            return
        self._note(progress)

    def _note(self, progress: Progress) -> None:
        with self._changed:
            known = self._progress.get(progress.organization)
            # Messages may arrive out of order with a status poll; keep the furthest.
            if known is None or (progress.committed_position, progress.final_position) >= \
                    (known.committed_position, known.final_position):
                self._progress[progress.organization] = progress
            self._changed.notify_all()

    def progress(self, organization: str) -> Progress | None:
        with self._changed:
            return self._progress.get(organization)

    @staticmethod
    def _reached(progress: Progress | None, position: int, level: str) -> bool:
        if progress is None:
            return False
        return (progress.final_position if level == "final" else progress.committed_position) >= position

    def wait_for(self, position: int, level: str = "final", viewers: Sequence[str] | None = None,
                 timeout_s: float = 60.0) -> None:
        """Wait until every node of `viewers` (default: all) has `position` at `level`."""
        if level not in ("committed", "final"):
            raise ClusterClientError("wait for committed or final; ordered is what submit returns")
        viewers = tuple(viewers or self.organizations)
        deadline = time.monotonic() + timeout_s
        next_poll = time.monotonic() + STATUS_POLL_S
        while True:
            with self._changed:
                missing = [org for org in viewers if not self._reached(self._progress.get(org), position, level)]
                if not missing:
                    return
                now = time.monotonic()
                if now >= deadline:
                    raise ClusterClientError(
                        f"position {position} is not {level} at {', '.join(missing)} after {timeout_s:.0f} s; "
                        "check `tradeledger network status`")
                if now < next_poll:
                    self._changed.wait(min(next_poll, deadline) - now)
                    continue
            # A node that is idle publishes nothing: ask the missing ones directly.
            next_poll = time.monotonic() + STATUS_POLL_S
            for org in missing:
                try:
                    self._note(self._progress_of(self.status(org, timeout_s=2.0)))
                except (BusError, ClusterClientError):
                    pass  # down or busy; its next progress message, or the next poll, will tell

    @staticmethod
    def _progress_of(status: NodeStatus) -> Progress:
        return Progress(status.organization, status.height, status.committed_position, status.final_height,
                        status.final_position, status.log_size, status.log_root)

    # --- submitting -------------------------------------------------------------------------
    def submit(self, envelopes: Sequence[Envelope | bytes], wait: str = "final",
               viewers: Sequence[str] | None = None, timeout_s: float = 60.0) -> list[Receipt]:
        """Order the envelopes with a cut behind them, then wait as asked; the receipts'
        details come from the first viewer's node."""
        level = wait_level(wait)
        leaves, txids = leaves_of(envelopes)
        positions = self.orderer.submit(leaves, cut=True)
        if level == "ordered" or not positions:
            return receipts_for(txids, positions, {})  # none settled yet
        viewers = tuple(viewers or self.organizations)
        self.wait_for(max(positions), level, viewers, timeout_s)
        return receipts_for(txids, positions, {
            r["position"]: Settled("final" if r["final"] else "committed", r["leaf_index"], r["height"], r["valid"],
                                   r["reason"])
            for r in self.transactions(viewers[0], min(positions), max(positions))
        })

    # --- asking one node ----------------------------------------------------------------------
    def _ask(self, organization: str, op: str, args: dict[str, Any], timeout_s: float) -> Any:
        data = encode(ControlRequest(op, args))
        try:
            reply = decode(Reply, self.bus.request(self.subjects.control(organization), data, timeout_s))
        except MessageError as exc:
            raise ClusterClientError(f"{organization}'s node answered nonsense: {exc}") from None
        if not reply.ok:
            if reply.error_kind == "access_denied":
                raise AccessRefused(reply.error)
            raise ClusterClientError(f"{organization}'s node refused {op}: {reply.error}")
        return reply.result

    def status(self, organization: str, timeout_s: float = 5.0) -> NodeStatus:
        return NodeStatus.from_dict(self._ask(organization, "status", {}, timeout_s))

    def transactions(self, organization: str, first: int, last: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
        """The node's records of the envelopes at stream positions first..last."""
        return list(self._ask(organization, "txs", {"first": first, "last": last}, timeout_s))

    def disclose(self, requester: str, request_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
        """Have the requester's node fetch an approved request's payload from its owner's
        node into the requester's vault; returns what it received (no document bytes)."""
        return dict(self._ask(requester, "disclose", {"request_id": request_id}, timeout_s))
