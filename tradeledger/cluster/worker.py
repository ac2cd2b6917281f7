"""A cluster node's worker: the one thread that executes the stream and writes the store.

It executes the network's JetStream stream from the peer's last committed position
(`Peer.catch_up`), woken by the stream's own subject (every publish rings it, and a cut's
message id says which position it closes) and by a short poll, so a block commits within
milliseconds of its cut. Between read windows and after them it cosigns; each step also
exchanges collection signatures, answers wants, closes a stale tail, asks for missing
lines and refreshes the status. A block whose private part waits for a payload another
member may still give (PayloadPending, cluster/private.py) stays uncommitted, and the
next step tries it again.

Other threads never execute or commit: they wake the worker, and wait for its steps.
"""

from __future__ import annotations

import logging
import threading
import time

from tradeledger.cluster.cosigning import Cosigning
from tradeledger.cluster.private import PrivateTransport
from tradeledger.cluster.status import NodeHealth, StatusBoard
from tradeledger.cluster.tail import TailWatch
from tradeledger.ledger.collections import PayloadPending
from tradeledger.ledger.peer import Peer
from tradeledger.ordering import OrdererError
from tradeledger.ordering.jetstream import JetStreamOrderer
from tradeledger.runtime.errors import NetworkError

log = logging.getLogger(__name__)

FAST_POLL_S = 0.01  # while a cut we heard of is not yet read: the replica we read may lag a little
FAST_POLL_FOR_S = 2.0
READ_WINDOW = 256  # stream items per read while executing; the node cosigns between reads


class Worker:
    def __init__(self, organization: str, peer: Peer, orderer: JetStreamOrderer, cosigning: Cosigning,
                 board: StatusBoard, health: NodeHealth, poll_interval_s: float, cut_delay_ms: int,
                 private: PrivateTransport):
        self.organization = organization
        self._peer = peer
        self._cosigning = cosigning
        self._private = private
        self._awaiting_payload = False  # the last step stopped at a block waiting for a payload
        self._board = board
        self._health = health
        self._poll_interval_s = poll_interval_s
        self._cut_delay_ms = cut_delay_ms
        self._watch = TailWatch(orderer, self._cosign, health)
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._stepped = threading.Condition()
        self._steps = 0
        self._cut_through = 0  # the highest position a cut heard on the stream's subject closes
        self._cut_heard_at = 0.0
        self._thread = threading.Thread(target=self._work, name=f"{organization}-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout_s)

    # --- from other threads -------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def heard_cut(self, position: int) -> None:
        """A cut closing `position` was published: poll fast until it is read."""
        self._cut_through = max(self._cut_through, position)
        self._cut_heard_at = time.monotonic()
        self._wake.set()

    def wait_for(self, position: int, level: str, timeout_s: float) -> None:
        """Wait until `position` is in a block here ("committed") or in a final one."""
        deadline = time.monotonic() + timeout_s
        self._wake.set()
        with self._stepped:
            while True:
                reached = self._cosigning.final[1] if level == "final" else self._peer.head.next_position - 1
                if reached >= position:
                    return
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping.is_set():
                    raise NetworkError(f"position {position} was not {level} at {self.organization} "
                                       f"within {timeout_s:.0f} s")
                self._stepped.wait(left)

    def await_fresh_step(self, timeout_s: float) -> None:
        """Wait until the worker has run a step that began after now: what was on the
        stream a moment ago is then committed here."""
        with self._stepped:
            target = self._steps + 2
            self._wake.set()
            self._stepped.wait_for(lambda: self._steps >= target or self._stopping.is_set(), timeout_s)

    # --- the thread ---------------------------------------------------------------------
    def _work(self) -> None:
        while not self._stopping.is_set():
            # Fast, but not for long: a cut that never becomes readable (a publish that was
            # refused, a bogus message id) must not keep the node polling.
            behind = (self._peer.head.next_position <= self._cut_through
                      and time.monotonic() - self._cut_heard_at < FAST_POLL_FOR_S)
            self._wake.wait(FAST_POLL_S if behind else self._poll_interval_s)
            self._wake.clear()
            if self._stopping.is_set():
                break
            try:
                self._step()
                self._health.working = True
            except Exception as exc:
                self._health.working = False
                self._health.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("step failed; retrying")
                self._stopping.wait(self._poll_interval_s)
            with self._stepped:
                self._steps += 1
                self._stepped.notify_all()

    def _step(self) -> None:
        """One round: execute new blocks, cosigning between read windows; answer wants;
        cut a stale tail; ask for missing lines; refresh the status."""
        progressed = self._execute()
        progressed |= self._cosign()
        self._private.exchange_signatures()
        self._cosigning.answer_wants()
        if not self._awaiting_payload:  # else the tail read holds closed blocks not yet committed
            self._watch.close_stale(self._peer.head.next_position, self._cut_delay_ms)
        self._cosigning.ask_for_missing()
        # Waiters follow progress messages and the worker's own head; the status (for
        # /status, /metrics and control requests) may lag by up to SNAPSHOT_INTERVAL_S.
        self._board.refresh(progressed)

    def _execute(self) -> bool:
        head = self._peer.head.height
        self._awaiting_payload = False
        try:
            # Small read windows: before each read the watch calls _cosign, so a block is
            # announced (and can go final) while the blocks behind it still execute.
            self._peer.catch_up(self._watch, batch=READ_WINDOW)
            self._health.orderer_ok = True
        except PayloadPending as pending:
            self._health.orderer_ok = True
            self._awaiting_payload = True
            log.debug("%s", pending)  # not a failure: the next step tries the block again
        except OrdererError as exc:
            self._health.orderer_ok = False
            self._health.last_error = str(exc)
            log.warning("cannot read the stream: %s", exc)
        return self._peer.head.height > head

    def _cosign(self) -> bool:
        moved = self._cosigning.cosign()
        if moved:
            self._board.publish_progress()
        return moved
