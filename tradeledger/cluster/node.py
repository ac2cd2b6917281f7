"""One organization's node in cluster mode (run it with `python -m tradeledger.cluster.cli`).

The node opens its own store (D/orgs/<org>/ledger.db, or a PostgreSQL URL), vault and
keys, and is the composition of its roles, each in its own module:

* the worker (cluster/worker.py): the one thread that owns the `Peer`, executes the
  network's JetStream stream and commits;
* cosigning (cluster/cosigning.py): the signature exchange after each block until the
  genesis policy makes it final, the wants that catch finality up after an outage, and
  forks (logged loudly, kept as evidence, shown on /health (503), /status and /metrics);
* tail cuts (cluster/tail.py): a tail of envelopes that no cut closed is closed once it is
  older than `cut_delay_ms`;
* status (cluster/status.py, served over HTTP by cluster/service.py): the snapshot the
  worker publishes after its steps, and the progress messages waiters follow;
* the disclosure transfer for its organization's documents on its NATS subject, and
  approved requests fetched from other owners (cluster/messaging.py);
* private collections (cluster/private.py): payloads delivered sealed to the members,
  fetched from another member when the inbox lacks one (the peer's PayloadSource, up to
  `payload_deadline_s`, after which the collection halts here, shown on /health (503),
  /status and /metrics), and the members' collection signatures exchanged.

It implements the runtime interface (`tradeledger.runtime.node.Node`) for its one
organization. Other threads (NATS callbacks, HTTP, request handlers) never execute or
commit: they read the store (whose reads are locked against the worker's transactions)
or the status snapshot.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from nats.aio.msg import Msg

from tradeledger.cluster.cosigning import Cosigning
from tradeledger.cluster.messages import (
    ControlRequest,
    MessageError,
    NodeStatus,
    Reply,
    SignatureAnnouncement,
    SignatureWant,
    decode,
    encode,
)
from tradeledger.cluster.messaging import Bus, NatsTransfer, answer_disclosure
from tradeledger.cluster.private import PrivateTransport
from tradeledger.cluster.service import StatusService
from tradeledger.cluster.status import NodeHealth, StatusBoard
from tradeledger.cluster.subjects import NetworkSubjects
from tradeledger.cluster.worker import Worker
from tradeledger.contracts import default_contracts
from tradeledger.errors import TradeledgerError
from tradeledger.ledger.collections import Payload, PrivateInput, PrivatePart
from tradeledger.ledger.contract import ContractSet
from tradeledger.ledger.envelope import Envelope
from tradeledger.ledger.executor import Executor
from tradeledger.ledger.genesis import Genesis
from tradeledger.ledger.peer import Peer
from tradeledger.ledger.signatures import SignatureVerifier
from tradeledger.ledger.state import StateReader
from tradeledger.ordering.jetstream import KIND_HEADER, MSG_ID_HEADER, JetStreamOrderer
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.keys import OrganizationKeys
from tradeledger.runtime.layout import NetworkLayout
from tradeledger.runtime.lock import FolderLock
from tradeledger.runtime.node import Preview
from tradeledger.runtime.receipts import Receipt, Settled, receipts_for, wait_level
from tradeledger.runtime.setup import open_genesis
from tradeledger.runtime.submission import leaves_of, preview_on, sign_as, submit_checked
from tradeledger.store import Store, open_store
from tradeledger.store.base import Head, LedgerReader
from tradeledger.vault import Vault
from tradeledger.workflows.disclosure import AccessRefused, DeliveryRefused, disclose

log = logging.getLogger(__name__)

MAX_TXS_PER_QUERY = 10_000


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
    # How long a member waits for a payload other members may still give (one has not
    # reached the transaction, or does not answer) before that collection halts here.
    payload_deadline_s: float = 5.0


class ClusterNode:
    """One organization's node: see the module docstring. `start()` runs it in background
    threads; `stop()` ends them and closes everything it opened. `contracts` replaces the
    default contracts, for tests of the framework itself (as the embedded network's)."""

    def __init__(self, config: NodeConfig, contracts: ContractSet | None = None):
        self.config = config
        self._contracts = contracts or default_contracts()
        self.organization = config.organization
        self.layout = NetworkLayout(config.directory)
        if not self.layout.genesis.exists():
            raise NodeError(f"no network in {config.directory}; create one with "
                            f"`tradeledger network up --dir {config.directory}`")
        self.genesis: Genesis = open_genesis(self.layout.genesis)
        self.genesis.organization(config.organization)  # raises with the known names
        key_path = self.layout.keys(config.organization)
        if not key_path.exists():
            raise NodeError(f"{config.directory} holds no keys for {config.organization}; "
                            "a node runs where its organization's keys are")
        self.keys = OrganizationKeys.load(key_path)
        self.subjects = NetworkSubjects(self.genesis.network_id)
        self.health = NodeHealth()
        self._locks: list[FolderLock] = []
        self._store: Store | None = None
        self._signatures: SignatureVerifier | None = None
        self._vault: Vault | None = None
        self._orderer: JetStreamOrderer | None = None
        self._bus: Bus | None = None
        self._service: StatusService | None = None
        self._worker: Worker | None = None
        # Disclosures served wait for their access record to commit; control requests
        # (status, transactions, a disclosure fetched from another node) must not queue
        # behind them.
        self._serve_pool = ThreadPoolExecutor(2, thread_name_prefix=f"{self.organization}-serve")
        self._control_pool = ThreadPoolExecutor(4, thread_name_prefix=f"{self.organization}-control")
        # Payload deliveries and fetches: other members' workers wait on these answers.
        self._private_pool = ThreadPoolExecutor(4, thread_name_prefix=f"{self.organization}-private")
        self._private = PrivateTransport(self.organization, self.keys.admin, self.subjects, self.health,
                                         config.payload_deadline_s)
        self._counting = threading.Lock()
        self._open_local()

    # --- opening and closing ---------------------------------------------------------------
    def _open_local(self) -> None:
        try:
            # Exclusive per organization: one node process per store. Shared on the network
            # folder: the embedded commands (which lock it exclusively) stay off a live cluster.
            self._locks.append(FolderLock(
                self.layout.org(self.organization) / "node.lock",
                f"a node for {self.organization} already runs on {self.config.directory}"))
            self._locks.append(FolderLock(
                self.layout.lock,
                f"an embedded tradeledger command is using {self.config.directory}; wait for it to finish",
                shared=True))
            self._store = open_store(self.config.store or str(self.layout.store(self.organization)))
            self._signatures = SignatureVerifier(parallel=self.config.parallel_verification)
            self._peer = Peer(self.organization, self.genesis, self._store, self._contracts,
                              self.keys.node_signer, self._signatures, payloads=self._private)
            self._private.attach_peer(self._peer)
            # Previews for requests served on other threads get their own executor: the
            # worker's caches are the worker's alone.
            self._previewer = Executor(self.genesis, self._contracts, SignatureVerifier(parallel=False),
                                       self.organization)
            self._vault = Vault(self.layout.vault(self.organization))
            self._cosigning = Cosigning(self.organization, self._peer, self.subjects, self._publish, self.health,
                                        self.config.want_interval_s, self.config.want_after_s)
            self._board = StatusBoard(self.organization, self._peer, self._cosigning, self.health, self.subjects,
                                      self._publish, lambda: self._bus.publish_errors if self._bus else 0)
        except BaseException:
            self._close_local()
            raise

    def start(self) -> Self:
        """Start the HTTP endpoint, connect to NATS and run the worker."""
        try:
            self._service = StatusService(self.status, self.config.http_host, self.config.http_port)
            self._service.start()
            self._orderer = JetStreamOrderer(list(self.config.nats_servers), self.genesis.network_id,
                                             deadline_s=self.config.orderer_deadline_s)
            self.health.orderer_ok = True
            self._worker = Worker(self.organization, self._peer, self._orderer, self._cosigning, self._board,
                                  self.health, self.config.poll_interval_s, self.config.cut_delay_ms,
                                  self._private)
            # no_echo: the node does not hear its own announcements and wants.
            self._bus = Bus(self.config.nats_servers, f"tradeledger-node-{self.organization}", no_echo=True)
            self._private.attach(self._bus)
            self._subscribe(self._bus)
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
        if self._worker is not None:
            self._worker.stop()
        self._serve_pool.shutdown(wait=True, cancel_futures=True)
        self._control_pool.shutdown(wait=True, cancel_futures=True)
        self._private_pool.shutdown(wait=True, cancel_futures=True)
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
        if self._signatures is not None:
            self._signatures.close()
            self._signatures = None
        for lock in self._locks:
            lock.release()
        self._locks = []

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- the runtime interface (runtime/node.py), for this node's organization ----------------
    def _ours(self, name: str) -> None:
        if name != self.organization:
            self.genesis.organization(name)  # raises with the list of known names
            raise NetworkError(f"this node runs {self.organization}, not {name}")

    def peer(self, name: str) -> Peer:
        self._ours(name)
        return self._peer

    @property
    def hosted(self) -> tuple[str, ...]:
        return (self.organization,)

    def head(self, name: str) -> Head:
        return self.peer(name).head

    def vault(self, name: str) -> Vault:
        self._ours(name)
        assert self._vault is not None
        return self._vault

    def state(self, name: str) -> StateReader:
        self._ours(name)
        return self._peer.ledger

    def ledger(self, name: str) -> LedgerReader:
        self._ours(name)
        return self._peer.ledger

    def organization_keys(self, name: str) -> OrganizationKeys:
        self._ours(name)
        return self.keys

    def sign(self, organization: str, contract: str, action: str, args: dict[str, Any],
             commitments: Sequence[str] = (), created_ms: int | None = None,
             private: Sequence[PrivatePart] = ()) -> Envelope:
        return sign_as(self.organization_keys(organization), self.genesis, contract, action, args,
                       commitments, created_ms, private)

    def preview(self, organization: str, envelope: Envelope, payloads: Sequence[Payload] = ()) -> Preview:
        """Would `envelope` be valid if ordered now, its private parts judged on `payloads`?
        Judged on this node's peer, by an executor of its own (this runs on request
        threads, not the worker)."""
        self._ours(organization)
        return preview_on(self._previewer, self._peer.ledger, self._peer.head.log_size, envelope, payloads)

    def deliver(self, organization: str, payloads: Sequence[Payload],
                members: Mapping[tuple[str, str], tuple[str, ...]]) -> None:
        """Keep the payloads here and send each, sealed to its keys, to every other member
        of its collection over NATS (cluster/private.py); never through the stream."""
        self._ours(organization)
        self._private.deliver(payloads, members)

    def submit_checked(self, organization: str, contract: str, action: str, args: dict[str, Any],
                       commitments: Sequence[str] = (), wait: str = "final",
                       private: Sequence[PrivateInput] = ()) -> Receipt:
        """Sign as this node's organization, refuse what would be invalid now, else deliver
        its private payloads, order it and wait until this node has it `wait`
        (runtime/submission.py)."""
        return submit_checked(self, organization, contract, action, args, commitments, wait, private)

    def submit(self, envelopes: Sequence[Envelope | bytes], wait: str = "final",
               viewer: str | None = None) -> list[Receipt]:
        """Order the envelopes with a cut behind them and wait until this node has them
        `wait`; the receipts are this node's (the only `viewer` it can answer for)."""
        level = wait_level(wait)
        if viewer is not None:
            self._ours(viewer)
        assert self._orderer is not None and self._worker is not None, "start() the node first"
        leaves, txids = leaves_of(envelopes)
        positions = self._orderer.submit(leaves, cut=True)
        if level == "ordered" or not positions:
            return receipts_for(txids, positions, {})  # none settled yet
        self._worker.wait_for(max(positions), level, self.config.orderer_deadline_s * 2)
        final_position = self._cosigning.final[1]
        records = self._peer.ledger.txs_at_positions(min(positions), max(positions))
        return receipts_for(txids, positions, {
            position: Settled("final" if position <= final_position else "committed", r.leaf_index, r.height,
                              r.valid, r.reason)
            for position, r in records.items()
        })

    def status(self) -> NodeStatus:
        """The state after the worker's last step (or at opening, before the first)."""
        return self._board.current()

    # --- NATS --------------------------------------------------------------------------------
    def _publish(self, subject: str, data: bytes, reply: str) -> None:
        assert self._bus is not None
        self._bus.publish(subject, data, reply)

    def _subscribe(self, bus: Bus) -> None:
        subjects = self.subjects
        bus.subscribe(subjects.order, self._on_stream)
        bus.subscribe(subjects.cosign, self._on_signatures)
        bus.subscribe(subjects.answers_to(self.organization), self._on_signatures)
        bus.subscribe(subjects.want, self._on_want)
        bus.serve_requests(subjects.disclose(self.organization), self._on_disclosure, self._serve_pool)
        bus.serve_requests(subjects.control(self.organization), self._on_control, self._control_pool)
        bus.serve_requests(subjects.private(self.organization), self._private.on_request, self._private_pool)
        bus.subscribe(subjects.collection_signatures(self.organization), self._on_collection_signatures)

    def _on_stream(self, msg: Msg) -> None:
        # Every publish to the stream's subject reaches this subscription too. Only a cut
        # closes a block (short of the size limit, which the poll catches), so a cut wakes
        # the worker, and its message id says which position it closes.
        assert self._worker is not None
        headers = msg.headers or {}
        if headers.get(KIND_HEADER) != "cut":
            return
        _prefix, _sep, after = headers.get(MSG_ID_HEADER, "").rpartition("-")
        if after.isdigit():
            self._worker.heard_cut(int(after))
        else:
            self._worker.wake()

    def _on_signatures(self, msg: Msg) -> None:
        assert self._worker is not None
        try:
            announcement = decode(SignatureAnnouncement, msg.data)
        except MessageError as exc:
            log.warning("dropped a signature message: %s", exc)
            return
        self._cosigning.heard(announcement)
        self._worker.wake()

    def _on_collection_signatures(self, msg: Msg) -> None:
        assert self._worker is not None
        self._private.heard_signatures(bytes(msg.data))
        self._worker.wake()

    def _on_want(self, msg: Msg) -> None:
        assert self._worker is not None
        try:
            want = decode(SignatureWant, msg.data)
        except MessageError as exc:
            log.warning("dropped a want: %s", exc)
            return
        if msg.reply:
            self._cosigning.wanted(want, msg.reply)
            self._worker.wake()

    def _on_disclosure(self, data: bytes) -> bytes:
        assert self._worker is not None
        self._worker.await_fresh_step(2.0)  # the request may have been ordered a moment ago
        reply, delivered = answer_disclosure(self, self.organization, data)
        with self._counting:  # two serving threads
            if delivered:
                self.health.served += 1
            else:
                self.health.denied += 1
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
            final_position = self._cosigning.final[1]
            records = self._peer.ledger.txs_at_positions(first, last)
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
