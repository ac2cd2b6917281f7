"""One organization's node process in cluster mode.

    python -m tradeledger.cluster.node --dir D --org customs --nats nats://127.0.0.1:4222,... [--store URL]

The node opens its own store (D/orgs/<org>/ledger.db, or a PostgreSQL URL), vault and keys,
and runs one worker thread that owns its `Peer`:

* it executes the network's JetStream stream from its last committed position
  (`Peer.catch_up`), woken by the stream's own subject (every publish rings it) and by a
  short poll, so a block commits within milliseconds of its cut;
* after each block it announces its checkpoint signature lines on the network's cosign
  subject, and takes the other nodes' (`Peer.receive_signatures`) until the genesis policy
  makes the block final; lines for heights it has not reached yet wait in memory;
* a node missing a quorum (it was down or stopped) asks for the lines it lacks, and every
  node answers such wants from its store, so finality catches up after an outage;
* a valid line over a different checkpoint is a fork: logged loudly, kept as evidence in
  the store, and shown on /health (503), /status and /metrics. Lines that verify under no
  policy key are counted and dropped;
* a tail of envelopes that no cut closed (its submitter died between envelopes and cut) is
  closed by `cut_after` once it is older than `cut_delay_ms`; nodes asking to close the same
  tail get one marker (JetStream de-duplication);
* it serves the disclosure transfer for its organization's documents on its NATS subject,
  and fetches approved requests from other owners (cluster/messaging.py).

Other threads (NATS callbacks, HTTP, request handlers) never execute or commit: they read
the store (whose reads are locked against the worker's transactions) or the status
snapshot the worker publishes after each step.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from nats.aio.msg import Msg

from tradeledger.cluster.messages import (
    MAX_WANTED_HEIGHTS,
    CheckpointSignatures,
    ControlRequest,
    ForkSummary,
    MessageError,
    NodeStatus,
    Progress,
    Reply,
    SignatureAnnouncement,
    SignatureWant,
    decode,
    encode,
)
from tradeledger.cluster.messaging import Bus, BusError, NatsTransfer, answer_disclosure
from tradeledger.cluster.service import StatusService
from tradeledger.cluster.subjects import NetworkSubjects
from tradeledger.contracts import default_contracts
from tradeledger.crypto import sha256_hex
from tradeledger.errors import Refused, TradeledgerError
from tradeledger.ledger.block import OrderedItem
from tradeledger.ledger.envelope import sign_envelope
from tradeledger.ledger.executor import Executor
from tradeledger.ledger.genesis import Genesis, load_genesis
from tradeledger.ledger.peer import ForkDetected, Peer
from tradeledger.ledger.signatures import SignatureVerifier
from tradeledger.ledger.state import StateReader
from tradeledger.ordering import OrdererError
from tradeledger.ordering.jetstream import KIND_HEADER, MSG_ID_HEADER, JetStreamOrderer
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.keys import OrganizationKeys
from tradeledger.runtime.layout import NetworkLayout
from tradeledger.runtime.receipts import WAIT_LEVELS, Receipt
from tradeledger.store import Store, StoreError, open_store
from tradeledger.store.base import CheckpointRecord, LedgerReader
from tradeledger.vault import Vault
from tradeledger.workflows.disclosure import AccessRefused, DeliveryRefused, disclose

log = logging.getLogger("tradeledger.cluster.node")

ANNOUNCE_CHUNK = 128  # checkpoints per signature message: well under NATS's 1 MB max_payload
EARLY_WINDOW = 20_000  # heights past our head whose incoming lines we keep until we get there
FAST_POLL_S = 0.01  # while a cut we heard of is not yet read: the replica we read may lag a little
FAST_POLL_FOR_S = 2.0
MAX_WANT_BACKOFF_S = 30.0
MAX_TXS_PER_QUERY = 10_000
READ_WINDOW = 256  # stream items per read while executing; the node cosigns between reads
SNAPSHOT_INTERVAL_S = 0.5  # refresh status this often even when nothing commits


class NodeError(NetworkError):
    """The node cannot start or do what was asked; the message says what to fix."""


@dataclass(frozen=True)
class NodeConfig:
    directory: Path
    organization: str
    nats_servers: tuple[str, ...]
    store: str | None = None  # a path or URL (open_store); default D/orgs/<org>/ledger.db
    http_host: str = "127.0.0.1"
    http_port: int = 0  # 0: any free port (see ClusterNode.http_port)
    cut_delay_ms: int = 1000
    poll_interval_s: float = 0.25
    want_interval_s: float = 0.5
    want_after_s: float = 2.0  # ask for lines of a block not final this long after its commit
    parallel_verification: bool = False
    orderer_deadline_s: float = 30.0


class _TailWatch:
    """The orderer as the peer sees it. It calls `between_windows` before each read (the
    peer has then committed every block of the window before), and remembers the last
    window read: after `catch_up`, that window holds exactly the items past the last
    closed block."""

    def __init__(self, orderer: JetStreamOrderer, between_windows: Callable[[], object]):
        self.orderer = orderer
        self.tail: list[OrderedItem] = []
        self._between_windows = between_windows

    def read(self, from_position: int, limit: int = 10_000) -> list[OrderedItem]:
        self._between_windows()
        self.tail = self.orderer.read(from_position, limit)
        return self.tail


class ClusterNode:
    """One organization's node: see the module docstring. `start()` runs it in background
    threads; `stop()` ends them and closes everything it opened."""

    def __init__(self, config: NodeConfig):
        self.config = config
        self.organization = config.organization
        self.layout = NetworkLayout(config.directory)
        if not self.layout.genesis.exists():
            raise NodeError(f"no network in {config.directory}; create one with "
                            f"`tradeledger network up --dir {config.directory}`")
        self.genesis: Genesis = load_genesis(self.layout.genesis)
        self.genesis.organization(config.organization)  # raises with the known names
        key_path = self.layout.keys(config.organization)
        if not key_path.exists():
            raise NodeError(f"{config.directory} holds no keys for {config.organization}; "
                            "a node runs where its organization's keys are")
        self.keys = OrganizationKeys.load(key_path)
        self.subjects = NetworkSubjects(self.genesis.network_id)
        self._locks: list[Any] = []
        self._store: Store | None = None
        self._vault: Vault | None = None
        self._orderer: JetStreamOrderer | None = None
        self._bus: Bus | None = None
        self._service: StatusService | None = None
        self._worker: threading.Thread | None = None
        # Disclosures served wait for their access record to commit; control requests
        # (status, transactions, a disclosure fetched from another node) must not queue
        # behind them.
        self._serve_pool = ThreadPoolExecutor(2, thread_name_prefix=f"{self.organization}-serve")
        self._control_pool = ThreadPoolExecutor(4, thread_name_prefix=f"{self.organization}-control")
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._stepped = threading.Condition()
        self._steps = 0
        self._inbox: deque[tuple[str, Any]] = deque()
        self._cut_through = 0  # the highest position a cut heard on the stream's subject closes
        self._cut_heard_at = 0.0
        self._early: dict[int, list[tuple[str, CheckpointSignatures]]] = {}
        self._committed_at: dict[int, float] = {}
        self._wants: list[tuple[SignatureWant, str]] = []
        self._forked_senders: set[str] = set()
        self._next_want = 0.0
        self._want_backoff = config.want_interval_s
        self._counters = {"rejected_lines": 0, "blocks": 0, "served": 0, "denied": 0, "cuts": 0}
        self._counting = threading.Lock()
        self._orderer_ok = False
        self._working = True
        self._last_error = ""
        self._started_ms = now_ms()
        self._final = (0, 0)  # (height, stream position) through which every block is final
        self._status: NodeStatus | None = None
        self._snapshot_at = 0.0
        self._last_progress: Progress | None = None
        self._open_local()

    # --- opening and closing ---------------------------------------------------------------
    def _open_local(self) -> None:
        try:
            self._lock_folder()
            store_location = self.config.store or str(self.layout.store(self.organization))
            self._store = open_store(store_location)
            self._signatures = SignatureVerifier(parallel=self.config.parallel_verification)
            self.peer_node = Peer(self.organization, self.genesis, self._store, default_contracts(),
                                  self.keys.node_signer, self._signatures)
            # Previews for requests served on other threads get their own executor: the
            # worker's caches are the worker's alone.
            self._previewer = Executor(self.genesis, default_contracts(), SignatureVerifier(parallel=False))
            self._vault = Vault(self.layout.vault(self.organization))
            self._final = self._contiguous_final()
            self._announced = self.peer_node.head.height  # announced before, or wanted from the store
            self._status = self._snapshot()
        except BaseException:
            self._close_local()
            raise

    def _lock_folder(self) -> None:
        # Exclusive per organization: one node process per store. Shared on the network
        # folder: the embedded commands (which lock it exclusively) stay off a live cluster.
        for path, mode, message in (
            (self.layout.org(self.organization) / "node.lock", fcntl.LOCK_EX,
             f"a node for {self.organization} already runs on {self.config.directory}"),
            (self.layout.lock, fcntl.LOCK_SH,
             f"an embedded tradeledger command is using {self.config.directory}; wait for it to finish"),
        ):
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a+")  # noqa: SIM115 - held open: the lock lives as long as the node
            try:
                fcntl.flock(handle, mode | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                raise NodeError(message) from None
            self._locks.append(handle)

    def start(self) -> ClusterNode:
        """Start the HTTP endpoint, connect to NATS and run the worker."""
        try:
            self._service = StatusService(self.status, self.config.http_host, self.config.http_port)
            self._service.start()
            self._orderer = JetStreamOrderer(list(self.config.nats_servers), self.genesis.network_id,
                                             deadline_s=self.config.orderer_deadline_s)
            self._orderer_ok = True
            self._watch = _TailWatch(self._orderer, self._cosign)
            # no_echo: the node does not hear its own announcements and wants.
            self._bus = Bus(self.config.nats_servers, f"tradeledger-node-{self.organization}", no_echo=True)
            self._subscribe(self._bus)
            self._worker = threading.Thread(target=self._work, name=f"{self.organization}-worker", daemon=True)
            self._worker.start()
        except BaseException:
            self.stop()
            raise
        log.info("node %s serving on http://%s:%d, NATS %s", self.organization, self.config.http_host,
                 self.http_port, ",".join(self.config.nats_servers))
        return self

    @property
    def http_port(self) -> int:
        return self._service.port if self._service else 0

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._worker is not None:
            self._worker.join(timeout=30)
        self._serve_pool.shutdown(wait=True, cancel_futures=True)
        self._control_pool.shutdown(wait=True, cancel_futures=True)
        if self._bus is not None:
            self._bus.close()
        if self._orderer is not None:
            self._orderer.close()
        if self._service is not None:
            self._service.stop()
        self._close_local()

    def _close_local(self) -> None:
        if self._vault is not None:
            self._vault.close()
            self._vault = None
        if self._store is not None:
            self._store.close()
            self._store = None
        signatures = getattr(self, "_signatures", None)
        if signatures is not None:
            signatures.close()
            self._signatures = None
        for handle in self._locks:
            handle.close()
        self._locks = []

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- what the disclosure workflow needs (node/disclosure.py DisclosureNode) ---------------
    @property
    def reader(self) -> Peer:
        return self.peer_node

    def _ours(self, name: str) -> None:
        if name != self.organization:
            self.genesis.organization(name)  # raises with the list of known names
            raise NetworkError(f"this node runs {self.organization}, not {name}")

    def peer(self, name: str) -> Peer:
        self._ours(name)
        return self.peer_node

    def vault(self, name: str) -> Vault:
        self._ours(name)
        assert self._vault is not None
        return self._vault

    def state(self, name: str) -> StateReader:
        self._ours(name)
        return self.peer_node.store

    def ledger(self, name: str) -> LedgerReader:
        self._ours(name)
        return self.peer_node.store

    def organization_keys(self, name: str) -> OrganizationKeys:
        self._ours(name)
        return self.keys

    def submit_checked(self, organization: str, contract: str, action: str, args: dict[str, Any],
                       commitments: Sequence[str] = (), wait: str = "final") -> Receipt:
        """Sign as this node's organization, refuse what would be invalid now, order it and
        wait until this node has it `wait` (committed or final)."""
        self._ours(organization)
        if wait not in WAIT_LEVELS:
            raise NetworkError(f"wait must be one of {', '.join(WAIT_LEVELS)}")
        envelope = sign_envelope(self.keys.admin, network=self.genesis.network_id, contract=contract,
                                 action=action, args=args, commitments=tuple(commitments), created_ms=now_ms())
        leaf = envelope.leaf_bytes()
        store = self.peer_node.store
        outcome = self._previewer.preview(store, store.seen_txids, leaf, self.peer_node.head.log_size, now_ms())
        if not outcome.valid:
            raise Refused(outcome.reason)
        assert self._orderer is not None
        (position,) = self._orderer.submit([leaf], cut=True)
        txid = sha256_hex(leaf)
        if wait == "ordered":
            return Receipt(txid, "ordered", position)
        self._wait_for(position, wait, self.config.orderer_deadline_s * 2)
        record = store.tx_by_position(position)
        if record is None:
            return Receipt(txid, "ordered", position)
        status = "final" if self._final[1] >= position else "committed"
        if record.valid is False:
            raise Refused(record.reason)
        return Receipt(txid, status, position, record.leaf_index, record.height, record.valid, record.reason)

    def _wait_for(self, position: int, level: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        self._wake.set()
        with self._stepped:
            while True:
                reached = (self._final[1] if level == "final" else self.peer_node.head.next_position - 1)
                if reached >= position:
                    return
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping.is_set():
                    raise NetworkError(f"position {position} was not {level} at {self.organization} "
                                       f"within {timeout_s:.0f} s")
                self._stepped.wait(left)

    def _await_fresh_step(self, timeout_s: float) -> None:
        """Wait until the worker has run a step that began after now: what was on the
        stream a moment ago is then committed here."""
        with self._stepped:
            target = self._steps + 2
            self._wake.set()
            self._stepped.wait_for(lambda: self._steps >= target or self._stopping.is_set(), timeout_s)

    # --- NATS --------------------------------------------------------------------------------
    def _subscribe(self, bus: Bus) -> None:
        subjects = self.subjects
        bus.subscribe(subjects.order, self._on_stream)
        bus.subscribe(subjects.cosign, self._on_signatures)
        bus.subscribe(subjects.answers_to(self.organization), self._on_signatures)
        bus.subscribe(subjects.want, self._on_want)
        bus.serve_requests(subjects.disclose(self.organization), self._on_disclosure, self._serve_pool)
        bus.serve_requests(subjects.control(self.organization), self._on_control, self._control_pool)

    def _on_stream(self, msg: Msg) -> None:
        # Every publish to the stream's subject reaches this subscription too. Only a cut
        # closes a block (short of the size limit, which the poll catches), so a cut wakes
        # the worker, and its message id says which position it closes: until the worker
        # has committed that far, it polls fast (the replica it reads may lag a little).
        headers = msg.headers or {}
        if headers.get(KIND_HEADER) != "cut":
            return
        _prefix, _sep, after = headers.get(MSG_ID_HEADER, "").rpartition("-")
        if after.isdigit():
            self._cut_through = max(self._cut_through, int(after))
            self._cut_heard_at = time.monotonic()
        self._wake.set()

    def _on_signatures(self, msg: Msg) -> None:
        try:
            announcement = decode(SignatureAnnouncement, msg.data)
        except MessageError as exc:
            log.warning("dropped a signature message: %s", exc)
            return
        self._inbox.append(("signatures", announcement))
        self._wake.set()

    def _on_want(self, msg: Msg) -> None:
        try:
            want = decode(SignatureWant, msg.data)
        except MessageError as exc:
            log.warning("dropped a want: %s", exc)
            return
        if msg.reply:
            self._inbox.append(("want", (want, msg.reply)))
            self._wake.set()

    def _on_disclosure(self, data: bytes) -> bytes:
        self._await_fresh_step(2.0)  # the request may have been ordered a moment ago
        reply, delivered = answer_disclosure(self, self.organization, data)
        with self._counting:  # two serving threads
            self._counters["served" if delivered else "denied"] += 1
        return reply

    def _on_control(self, data: bytes) -> bytes:
        try:
            request = decode(ControlRequest, data)
            return encode(Reply(True, result=self._control(request)))
        except (AccessRefused, DeliveryRefused) as exc:
            return encode(Reply(False, error=str(exc), error_kind="access_denied"))
        except (MessageError, TradeledgerError, KeyError, TypeError, ValueError) as exc:
            return encode(Reply(False, error=str(exc), error_kind=type(exc).__name__))

    def _control(self, request: ControlRequest) -> Any:
        if request.op == "status":
            return self.status().to_dict()
        if request.op == "txs":
            first, last = int(request.args["first"]), int(request.args["last"])
            if last < first or last - first >= MAX_TXS_PER_QUERY:
                raise ValueError(f"ask for 1 to {MAX_TXS_PER_QUERY} positions at a time")
            final_position = self._final[1]
            records = self.peer_node.store.txs_at_positions(first, last)
            return [{"position": r.position, "txid": r.txid, "leaf_index": r.leaf_index, "height": r.height,
                     "valid": r.valid, "reason": r.reason, "final": r.position <= final_position}
                    for r in sorted(records.values(), key=lambda r: r.position)]
        if request.op == "disclose":
            assert self._bus is not None
            transfer = NatsTransfer(self._bus, self.subjects, self.keys.admin)
            received = disclose(self, str(request.args["request_id"]), self.organization, transfer)
            return {"request_id": received.request_id, "commitment": received.commitment, "owner": received.owner,
                    "document_sha256": received.document_sha256, "fields": received.fields}
        raise ValueError(f"unknown operation {request.op!r}; use status, txs or disclose")

    # --- the worker ------------------------------------------------------------------------------
    def _work(self) -> None:
        while not self._stopping.is_set():
            # Fast, but not for long: a cut that never becomes readable (a publish that was
            # refused, a bogus message id) must not keep the node polling.
            behind = (self.peer_node.head.next_position <= self._cut_through
                      and time.monotonic() - self._cut_heard_at < FAST_POLL_FOR_S)
            self._wake.wait(FAST_POLL_S if behind else self.config.poll_interval_s)
            self._wake.clear()
            if self._stopping.is_set():
                break
            try:
                self.step()
                self._working = True
            except Exception as exc:
                self._working = False
                self._last_error = f"{type(exc).__name__}: {exc}"
                log.exception("step failed; retrying")
                self._stopping.wait(self.config.poll_interval_s)
            with self._stepped:
                self._steps += 1
                self._stepped.notify_all()

    def step(self) -> None:
        """One round of the worker: execute new blocks, cosigning between read windows;
        answer wants; cut a stale tail; ask for missing lines; refresh the status."""
        progressed = self._execute()
        progressed |= self._cosign()
        wants, self._wants = self._wants, []
        for want, reply in wants:
            self._answer(want, reply)
        self._close_stale_tail()
        self._ask_for_missing()
        # Waiters follow progress messages and the worker's own head; the status (for
        # /status, /metrics and control requests) may lag by up to SNAPSHOT_INTERVAL_S.
        now = time.monotonic()
        if now - self._snapshot_at >= SNAPSHOT_INTERVAL_S or (progressed and self._status_stale()):
            self._status = self._snapshot()
            self._snapshot_at = now

    def _execute(self) -> bool:
        head = self.peer_node.head.height
        try:
            # Small read windows: before each read the watch calls _cosign, so a block is
            # announced (and can go final) while the blocks behind it still execute.
            self.peer_node.catch_up(self._watch, batch=READ_WINDOW)
            self._orderer_ok = True
        except OrdererError as exc:
            self._orderer_ok = False
            self._last_error = str(exc)
            log.warning("cannot read the stream: %s", exc)
        return self.peer_node.head.height > head

    def _cosign(self) -> bool:
        """Announce the blocks committed since the last call, take the lines received, and
        publish progress when anything moved."""
        head = self.peer_node.head
        store = self.peer_node.store
        now = time.monotonic()
        fresh = []
        for height in range(self._announced + 1, head.height + 1):
            record = store.checkpoint(height)
            if record is not None:
                fresh.append(CheckpointSignatures(height, record.body, record.signatures))
            self._committed_at[height] = now
        self._counters["blocks"] += head.height - self._announced
        self._announced = head.height
        if fresh:
            self._announce(fresh)
        self._drain_inbox()
        changed = self._take_signatures()
        if fresh or changed:
            before = self._final
            self._final = self._contiguous_final()
            if self._final[0] > before[0]:
                self._want_backoff = self.config.want_interval_s
                self._forget_before(self._final[0])
            self._publish_progress()
        return bool(fresh or changed)

    def _drain_inbox(self) -> None:
        while self._inbox:
            kind, item = self._inbox.popleft()
            if kind == "signatures":
                for checkpoint in item.checkpoints:
                    self._early.setdefault(checkpoint.height, []).append((item.sender, checkpoint))
            else:
                self._wants.append(item)

    def _announce(self, checkpoints: list[CheckpointSignatures]) -> None:
        assert self._bus is not None
        for first in range(0, len(checkpoints), ANNOUNCE_CHUNK):
            message = SignatureAnnouncement(self.organization, tuple(checkpoints[first:first + ANNOUNCE_CHUNK]))
            self._bus.publish(self.subjects.cosign, encode(message))

    def _take_signatures(self) -> bool:
        """Apply the lines received for heights we have; keep those for heights ahead."""
        head = self.peer_node.head.height
        changed = False
        for height in sorted([h for h in self._early if h <= head]):
            received = self._early.pop(height)
            ours = self.peer_node.store.checkpoint(height)
            if ours is None:
                continue
            # Every sender's lines over our own checkpoint at once: one verification pass
            # and one write per block, however many nodes announced it in this round.
            agreeing = [(sender, c) for sender, c in received if c.body == ours.body]
            if agreeing:
                changed |= self._take_agreeing(ours, agreeing)
            for sender, checkpoint in received:
                if checkpoint.body != ours.body:
                    changed |= self._take_different(sender, checkpoint)
        for height in [h for h in self._early if h > head + EARLY_WINDOW]:
            del self._early[height]  # too far ahead to hold; wants will bring them back
        return changed

    def _take_agreeing(self, ours: CheckpointRecord, received: list[tuple[str, CheckpointSignatures]]) -> bool:
        held = set(ours.signatures)
        lines = list(dict.fromkeys(line for _s, c in received for line in c.lines if line not in held))
        if not lines:
            return False
        senders = "+".join(sorted({sender for sender, _c in received}))
        self.peer_node.receive_signatures(ours.height, ours.body, lines, senders)
        after = self.peer_node.store.checkpoint(ours.height)
        kept = set(after.signatures) if after else set()
        self._reject([line for line in lines if line not in kept], senders, ours.height)
        return True

    def _take_different(self, sender: str, checkpoint: CheckpointSignatures) -> bool:
        """Lines over a checkpoint that is not ours: a fork if any verifies, else junk."""
        peer = self.peer_node
        valid = peer.policy.valid_lines(checkpoint.body, checkpoint.lines)
        self._reject([line for line in checkpoint.lines if line not in valid], sender, checkpoint.height)
        if not valid or sender in self._forked_senders:
            return False  # junk; or a sender whose first fork is already in the store
        try:
            peer.receive_signatures(checkpoint.height, checkpoint.body, valid, sender)
        except ForkDetected as fork:
            self._forked_senders.add(sender)
            log.critical("FORK DETECTED by %s: %s\nthe evidence is kept in the store (forks table); "
                         "stop trusting this network until it is explained", self.organization, fork)
        return True

    def _reject(self, lines: list[str], sender: str, height: int) -> None:
        if lines:
            self._counters["rejected_lines"] += len(lines)
            log.warning("REJECTED %d signature line(s) from %r at height %d: they verify under no key of the "
                        "network's policy", len(lines), sender, height)

    def _answer(self, want: SignatureWant, reply: str) -> None:
        assert self._bus is not None
        found = []
        for height in want.heights:
            record = self.peer_node.store.checkpoint(height)
            if record is not None and record.signatures:
                found.append(CheckpointSignatures(height, record.body, record.signatures))
        for first in range(0, len(found), ANNOUNCE_CHUNK):
            message = SignatureAnnouncement(self.organization, tuple(found[first:first + ANNOUNCE_CHUNK]))
            self._bus.publish(reply, encode(message))

    def _ask_for_missing(self) -> None:
        now = time.monotonic()
        if now < self._next_want:
            return
        assert self._bus is not None
        grace = self.config.want_after_s
        missing = [h for h in self.peer_node.store.non_final_heights()
                   if now - self._committed_at.get(h, 0.0) >= grace][:MAX_WANTED_HEIGHTS]
        if missing:
            want = SignatureWant(self.organization, tuple(missing))
            self._bus.publish(self.subjects.want, encode(want), reply=self.subjects.answers_to(self.organization))
            # Back off while wants bring no finality (e.g. the quorum's nodes are down).
            self._next_want = now + self._want_backoff
            self._want_backoff = min(self._want_backoff * 2, MAX_WANT_BACKOFF_S)
        else:
            self._next_want = now + self.config.want_interval_s

    def _forget_before(self, height: int) -> None:
        for old in [h for h in self._committed_at if h < height]:
            del self._committed_at[old]

    def _close_stale_tail(self) -> None:
        pending = [item for item in self._watch.tail
                   if item.kind == "envelope" and item.position >= self.peer_node.head.next_position]
        if not pending or now_ms() - pending[0].timestamp_ms < self.config.cut_delay_ms:
            return
        assert self._orderer is not None
        try:
            self._orderer.cut_after(pending[-1].position)
            self._counters["cuts"] += 1
            log.info("closed a block no submitter closed, after position %d", pending[-1].position)
        except OrdererError as exc:
            self._last_error = str(exc)

    def _contiguous_final(self) -> tuple[int, int]:
        """(height, stream position) through which every block is final here."""
        store = self.peer_node.store
        head = self.peer_node.head
        non_final = store.non_final_heights()
        height = non_final[0] - 1 if non_final else head.height
        if height <= 0:
            return 0, 0
        header = store.header(height)
        return height, header.stream_end if header else 0

    # --- status -------------------------------------------------------------------------------
    def _snapshot(self) -> NodeStatus:
        store = self.peer_node.store
        head = self.peer_node.head
        final_height, final_position = self._final
        final_header = store.header(final_height) if final_height else None
        forks = tuple(ForkSummary(int(f.get("height", 0)), int(f.get("size", 0)), str(f.get("sender", "")),
                                  str(f.get("detected_by", ""))) for f in store.forks())
        for fork in forks:
            self._forked_senders.add(fork.sender)
        return NodeStatus(
            organization=self.organization, network_id=self.genesis.network_id, height=head.height,
            committed_position=head.next_position - 1, log_size=head.log_size, log_root=head.log_root.hex(),
            state_digest=head.state_digest.hex(), final_height=final_height,
            final_position=final_position, final_log_size=final_header.log_size if final_header else 0,
            final_root=final_header.log_root.hex() if final_header else "",
            forks=forks, rejected_signature_lines=self._counters["rejected_lines"],
            blocks_committed=self._counters["blocks"], orderer_ok=self._orderer_ok,
            working=self._working, last_error=self._last_error,
            disclosures_served=self._counters["served"], disclosures_denied=self._counters["denied"],
            started_ms=self._started_ms, updated_ms=now_ms(),
            extra={"cuts": self._counters["cuts"], "waiting_heights": len(self._early),
                   "publish_errors": self._bus.publish_errors if self._bus else 0},
        )

    def _status_stale(self) -> bool:
        # A fork is shown at once; plain progress waits for the next interval.
        return bool(self._forked_senders) and not (self._status and self._status.forks)

    def status(self) -> NodeStatus:
        """The state after the worker's last step (or at opening, before the first)."""
        assert self._status is not None
        return self._status

    def _publish_progress(self) -> None:
        assert self._bus is not None
        head = self.peer_node.head
        progress = Progress(self.organization, head.height, head.next_position - 1, self._final[0], self._final[1],
                            head.log_size, head.log_root.hex())
        if progress != self._last_progress:
            self._bus.publish(self.subjects.progress, encode(progress))
            self._last_progress = progress


# --- the process ----------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> NodeConfig:
    parser = argparse.ArgumentParser(prog="python -m tradeledger.cluster.node",
                                     description="Run one organization's node of a tradeledger cluster.")
    parser.add_argument("--dir", required=True, type=Path, help="the network folder (genesis and keys)")
    parser.add_argument("--org", required=True, help="the organization this node runs")
    parser.add_argument("--nats", required=True, help="NATS URLs, comma-separated")
    parser.add_argument("--store", default=None, help="store path or URL (default D/orgs/<org>/ledger.db)")
    parser.add_argument("--http-host", default="127.0.0.1")
    parser.add_argument("--http-port", type=int, default=0)
    parser.add_argument("--cut-delay-ms", type=int, default=1000,
                        help="close a tail of envelopes no submitter closed after this long")
    parser.add_argument("--parallel-verification", action="store_true",
                        help="check large blocks' signatures in a worker process")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format=f"%(asctime)s %(levelname)s [{args.org}] %(name)s: %(message)s")
    servers = tuple(url.strip() for url in args.nats.split(",") if url.strip())
    return NodeConfig(directory=args.dir, organization=args.org, nats_servers=servers, store=args.store,
                      http_host=args.http_host, http_port=args.http_port, cut_delay_ms=args.cut_delay_ms,
                      parallel_verification=args.parallel_verification)


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        node = ClusterNode(config).start()
    except (NetworkError, StoreError, OrdererError, BusError, OSError) as exc:
        log.error("the node did not start: %s", exc)
        return 2
    try:
        stop.wait()
    finally:
        log.info("stopping")
        node.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
