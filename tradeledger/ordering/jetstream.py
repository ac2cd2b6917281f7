"""The JetStream orderer: the cluster engine behind the same interface as the solo orderer.

One stream per network, replicated by Raft over three (or more) nats-servers that fsync
every write before acknowledging it (`sync_interval: always`, docs/cluster-durability.md).

Positions are JetStream stream sequences, unchanged: 1-based and dense, exactly as the
solo orderer numbers its rows. The stream denies deletes and purges and has no limits, so
no sequence is ever skipped. An item's timestamp is the stream's stored timestamp of the
message, in milliseconds; `form_blocks` takes the closing item's as the block time.

What is on the stream:
  * an envelope is a message whose payload is the envelope's canonical bytes, with
    Nats-Msg-Id "env-<sha256 of the bytes>", so a retried publish is stored once;
  * a cut marker is an empty message with header Tradeledger-Kind: cut and Nats-Msg-Id
    "cut-after-<P>", where P is a position already on the stream that the cut must close.
    Nodes that ask to close the same tail ask for the same P, so JetStream's duplicate
    window collapses their requests into one marker; a cut for a later tail has another P
    and is kept. A duplicate that does land (outside the window) is a cut with nothing
    pending, which form_blocks ignores.

Anything on the stream without the cut header is read as an envelope, so every peer reads
the same stream the same way whoever published to it.

The API is synchronous: nats-py runs on an asyncio loop in a background thread, and each
call waits for its coroutine there.
"""

from __future__ import annotations

import asyncio
import calendar
import json
import re
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self, TypeVar

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    PubAck,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from tradeledger.crypto.hashing import sha256_hex
from tradeledger.ledger.block import OrderedItem
from tradeledger.ordering.base import OrdererError
from tradeledger.ordering.loop import stop_loop_thread
from tradeledger.ordering.nats_servers import MIN_SERVER_VERSION

KIND_HEADER = "Tradeledger-Kind"
MSG_ID_HEADER = "Nats-Msg-Id"
EXPECTED_STREAM_HEADER = "Nats-Expected-Stream"
DEFAULT_REPLICAS = 3
DEFAULT_DUPLICATE_WINDOW_S = 120.0

# Publishes in flight per round trip: enough to fill the servers' fsync batches, few
# enough that a chunk buffered while a server is down stays small.
_PIPELINE = 1000

_T = TypeVar("_T")


class JetStreamOrdererError(OrdererError):
    """The JetStream cluster did not accept, acknowledge or deliver items in time."""


class StreamMismatch(JetStreamOrdererError):
    """The network's stream exists with settings this orderer cannot rely on (`exists`), or
    the cluster refused to create it with ours. `problems` says what differs, or why the
    cluster refused."""

    def __init__(self, stream: str, problems: Sequence[str], *, exists: bool = True) -> None:
        if exists:
            message = (f"stream {stream} exists with {'; '.join(problems)}; "
                       "fix or recreate it, or connect with matching settings")
        else:
            message = f"the cluster refused stream {stream}: {'; '.join(problems)}"
        super().__init__(message)
        self.stream = stream
        self.problems = tuple(problems)
        self.exists = exists


# --- naming and the stream's settings (pure) ---------------------------------------------
def _token(network_id: str) -> str:
    """A NATS-safe token for a network id such as 'sha256:<hex>'."""
    token = re.sub(r"[^A-Za-z0-9_-]", "_", network_id.split(":", 1)[-1])
    if not token:
        raise ValueError(f"cannot derive a stream name from network id {network_id!r}")
    return token


def stream_name_for(network_id: str) -> str:
    return f"TRADELEDGER_{_token(network_id)}"


def subject_for(network_id: str) -> str:
    return f"tradeledger.order.{_token(network_id)}"


def envelope_msg_id(payload: bytes) -> str:
    return f"env-{sha256_hex(payload)}"


def cut_msg_id(after_position: int) -> str:
    return f"cut-after-{after_position}"


def stream_config_for(network_id: str, replicas: int = DEFAULT_REPLICAS,
                      duplicate_window_s: float = DEFAULT_DUPLICATE_WINDOW_S) -> StreamConfig:
    """The stream of one network: file storage, `replicas` Raft replicas, nothing ever
    removed (no limits, deletes and purges denied), direct gets for reading."""
    return StreamConfig(
        name=stream_name_for(network_id),
        description="tradeledger ordered stream",
        subjects=[subject_for(network_id)],
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.NEW,
        max_msgs=-1,
        max_bytes=-1,
        max_age=0,
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=duplicate_window_s,
        allow_direct=True,
        deny_delete=True,
        deny_purge=True,
        allow_rollup_hdrs=False,
    )


@dataclass(frozen=True)
class StreamDescription:
    """What the cluster reports about a network's stream."""

    name: str
    subjects: tuple[str, ...]
    storage: str
    replicas: int
    duplicate_window_ms: int
    allow_direct: bool
    deny_delete: bool
    deny_purge: bool
    last_position: int
    leader: str | None
    followers: tuple[str, ...]
    current_followers: tuple[str, ...]  # followers the leader counts as caught up

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "subjects": list(self.subjects),
            "storage": self.storage,
            "replicas": self.replicas,
            "duplicate_window_ms": self.duplicate_window_ms,
            "allow_direct": self.allow_direct,
            "deny_delete": self.deny_delete,
            "deny_purge": self.deny_purge,
            "last_position": self.last_position,
            "leader": self.leader,
            "followers": list(self.followers),
            "current_followers": list(self.current_followers),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StreamDescription:
        return cls(
            name=data["name"],
            subjects=tuple(data["subjects"]),
            storage=data["storage"],
            replicas=data["replicas"],
            duplicate_window_ms=data["duplicate_window_ms"],
            allow_direct=data["allow_direct"],
            deny_delete=data["deny_delete"],
            deny_purge=data["deny_purge"],
            last_position=data["last_position"],
            leader=data["leader"],
            followers=tuple(data["followers"]),
            current_followers=tuple(data["current_followers"]),
        )


def _mismatches(found: StreamConfig, wanted: StreamConfig) -> list[str]:
    problems = []
    if sorted(found.subjects or []) != sorted(wanted.subjects or []):
        problems.append(f"subjects {found.subjects} (want {wanted.subjects})")
    if found.num_replicas != wanted.num_replicas:
        problems.append(f"{found.num_replicas} replicas (want {wanted.num_replicas})")
    if found.storage != wanted.storage:
        problems.append(f"storage {found.storage} (want {wanted.storage})")
    if not found.allow_direct:
        problems.append("direct gets disabled")
    if not (found.deny_delete and found.deny_purge):
        problems.append("deletes or purges allowed")
    if (found.max_msgs or -1) > 0 or (found.max_bytes or -1) > 0 or (found.max_age or 0) > 0:
        problems.append("retention limits set (messages would be removed)")
    return problems


_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$")


def timestamp_ms(rfc3339: str) -> int:
    """Milliseconds since the epoch of a JetStream timestamp such as
    '2026-01-02T03:04:05.123456789Z' (integer arithmetic: no float rounding)."""
    match = _RFC3339.match(rfc3339)
    if match is None:
        raise JetStreamOrdererError(f"unreadable stream timestamp {rfc3339!r}")
    day, hours, minutes, seconds, fraction, zone = match.groups()
    year, month, mday = (int(x) for x in day.split("-"))
    epoch_s = calendar.timegm((year, month, mday, int(hours), int(minutes), int(seconds), 0, 0, 0))
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        epoch_s -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    millis = int((fraction or "0")[:3].ljust(3, "0"))
    return epoch_s * 1000 + millis


def ordered_item_from_message(msg: Msg) -> OrderedItem:
    """The OrderedItem of one direct-get reply."""
    headers = msg.headers or {}
    try:
        position = int(headers["Nats-Sequence"])
        stamp = headers["Nats-Time-Stamp"]
    except (KeyError, ValueError) as exc:
        raise JetStreamOrdererError(f"a direct get reply lacks its sequence or timestamp: {headers}") from exc
    kind = "cut" if headers.get(KIND_HEADER) == "cut" else "envelope"
    return OrderedItem(position, kind, bytes(msg.data), timestamp_ms(stamp))


# --- publish acknowledgements --------------------------------------------------------------
class NotAcknowledgedYet(JetStreamOrdererError):
    """The cluster did not take a publish now (no leader, an election, the same message
    id still in flight) but may on a retry under the same Nats-Msg-Id."""


# JetStream answers these while a stream leader is missing, changing, or still storing the
# first copy of a message id; anything else (400 wrong stream, too large, ...) is final.
_TRANSIENT_CODES = {408, 500, 503}
_MSG_ID_IN_PROCESS = 10158


def ack_from_reply(msg: Msg) -> PubAck:
    """The PubAck in a publish reply; NotAcknowledgedYet when a retry may succeed,
    JetStreamOrdererError when the cluster refused the message for good."""
    status = (msg.headers or {}).get("Status")
    if status == "503":
        raise NotAcknowledgedYet("no JetStream server answered for the stream (503 no responders)")
    if status:
        raise NotAcknowledgedYet(f"JetStream answered status {status} instead of an acknowledgement")
    try:
        body = json.loads(msg.data)
    except ValueError as exc:
        raise JetStreamOrdererError(f"unreadable publish acknowledgement {msg.data[:80]!r}") from exc
    error = body.get("error")
    if error:
        code, err_code, description = error.get("code"), error.get("err_code"), error.get("description", "")
        if code in _TRANSIENT_CODES or err_code == _MSG_ID_IN_PROCESS:
            raise NotAcknowledgedYet(f"{description} ({code}/{err_code})")
        raise JetStreamOrdererError(f"JetStream refused the message: {description} ({code}/{err_code})")
    return PubAck.from_response(body)


class _AckReplies:
    """Replies to publishes on one wildcard inbox, matched by token to their futures.

    nats-py's own publish_async leaves a future unresolved when the reply is a JetStream
    error, so a retryable refusal would cost a full ack timeout; this resolves every reply.
    """

    def __init__(self, nc: Client):
        self._nc = nc
        self._prefix: str | None = None
        self._pending: dict[str, asyncio.Future[Msg]] = {}
        self._next = 0

    async def publish(self, subject: str, payload: bytes, headers: dict[str, str]) -> asyncio.Future[Msg]:
        if self._prefix is None:
            prefix = self._nc.new_inbox()
            await self._nc.subscribe(f"{prefix}.*", cb=self._on_reply)
            self._prefix = prefix
        self._next += 1
        token = str(self._next)
        reply: asyncio.Future[Msg] = asyncio.get_running_loop().create_future()
        self._pending[token] = reply
        reply.add_done_callback(lambda _done: self._pending.pop(token, None))
        try:
            await self._nc.publish(subject, payload, reply=f"{self._prefix}.{token}", headers=dict(headers))
        except BaseException:
            reply.cancel()
            raise
        return reply

    async def _on_reply(self, msg: Msg) -> None:
        reply = self._pending.get(msg.subject.rsplit(".", 1)[-1])
        if reply is not None and not reply.done():
            reply.set_result(msg)


# --- the orderer ---------------------------------------------------------------------------
_RETRYABLE = (
    NotAcknowledgedYet,
    TimeoutError,  # also asyncio's and concurrent.futures' since Python 3.11
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.StaleConnectionError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
)


class _LoopThread:
    """An asyncio loop in a daemon thread; `run` waits for a coroutine on it."""

    def __init__(self, name: str):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, factory: Callable[[], Awaitable[_T]], timeout: float) -> _T:
        if threading.current_thread() is self._thread:
            raise RuntimeError("the JetStream orderer's sync API cannot be called from its own loop")

        async def call() -> _T:
            return await factory()

        future = asyncio.run_coroutine_threadsafe(call(), self.loop)
        try:
            return future.result(timeout)
        except TimeoutError as exc:
            future.cancel()
            raise JetStreamOrdererError(f"the JetStream cluster did not answer within {timeout:.0f} s") from exc

    def stop(self) -> None:
        stop_loop_thread(self.loop, self._thread)


class JetStreamOrderer:
    """Orders envelopes on a network's JetStream stream (see the module docstring).

    `servers` are the NATS URLs of the cluster (one is enough; the client learns the
    others). The stream is created with `replicas` replicas when it does not exist, and
    checked when it does. `deadline_s` bounds each call, including the retries that ride
    out a leader election when a server dies. `connect_options` go to nats-py's connect
    as they are (credentials, TLS, ...) for a cluster that requires them.
    """

    def __init__(self, servers: str | Sequence[str], network_id: str, *, replicas: int = DEFAULT_REPLICAS,
                 duplicate_window_s: float = DEFAULT_DUPLICATE_WINDOW_S, ack_timeout_s: float = 2.0,
                 deadline_s: float = 30.0, connect_timeout_s: float = 5.0,
                 connect_options: Mapping[str, Any] | None = None):
        self.servers = [servers] if isinstance(servers, str) else list(servers)
        if not self.servers:
            raise ValueError("give at least one NATS server URL")
        self.network_id = network_id
        self.config = stream_config_for(network_id, replicas, duplicate_window_s)
        self.stream = stream_name_for(network_id)
        self.subject = subject_for(network_id)
        self._ack_timeout = ack_timeout_s
        self._deadline = deadline_s
        self._connect_timeout = connect_timeout_s
        self._connect_options = dict(connect_options or {})
        # The highest position this orderer knows to be on the stream (its acks, stream
        # info, reads): reads must reach it, so a node always reads its own writes even
        # when a lagging follower answers the direct get.
        self._known_last = 0
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._acks: _AckReplies | None = None
        self._runner = _LoopThread(f"jetstream-orderer-{self.stream[:24]}")
        try:
            self._run(self._open)
        except BaseException:
            self._runner.stop()
            raise

    # -- plumbing
    def _run(self, factory: Callable[[], Awaitable[_T]], steps: int = 1) -> _T:
        # Each step has its own deadline on the loop side; this one only catches a wedged loop.
        return self._runner.run(factory, steps * (self._deadline + 5) + 5)

    async def _open(self) -> None:
        try:
            # A few tries per server for the first connection, so that a wrong URL fails fast...
            options: dict[str, Any] = {
                "connect_timeout": self._connect_timeout, "allow_reconnect": True, "max_reconnect_attempts": 2,
                "reconnect_time_wait": 0.25, "name": "tradeledger-orderer",
                "error_cb": self._quiet, "disconnected_cb": self._nothing, "reconnected_cb": self._nothing,
            }
            options.update(self._connect_options)
            nc = await nats.connect(servers=self.servers, **options)
        except (TimeoutError, OSError, nats.errors.Error) as exc:
            raise JetStreamOrdererError(
                f"cannot connect to NATS at {', '.join(self.servers)}: {exc!r}; "
                "check the URLs and that the cluster runs"
            ) from exc
        self._nc = nc
        # ...and endless reconnection once connected: a dead server must not end the
        # connection while the others run (nats-py reads this option on each reconnect).
        nc.options["max_reconnect_attempts"] = -1
        server = nc.connected_server_version
        found = (server.major, server.minor, server.patch)
        if found < MIN_SERVER_VERSION:
            where = nc.connected_url.netloc if nc.connected_url else ", ".join(self.servers)
            await nc.close()
            raise JetStreamOrdererError(
                f"the NATS server at {where} runs {'.'.join(map(str, found))}; "
                f"the orderer needs {'.'.join(map(str, MIN_SERVER_VERSION))} "
                "or later (batched direct gets, and the fixes after Jepsen's analysis): upgrade the cluster"
            )
        self._js = nc.jetstream(timeout=self._ack_timeout)
        self._acks = _AckReplies(nc)
        await self._retrying("set up the stream", self._ensure_stream)

    @property
    def _connection(self) -> Client:
        if self._nc is None:  # only an orderer whose __init__ failed is left without one
            raise JetStreamOrdererError("the orderer is not connected to NATS")
        return self._nc

    @property
    def _jetstream(self) -> JetStreamContext:
        if self._js is None:
            raise JetStreamOrdererError("the orderer is not connected to NATS")
        return self._js

    @staticmethod
    async def _quiet(exc: Exception) -> None:
        # Connection errors during a server's death are expected and retried; the caller
        # sees an OrdererError if they outlast the deadline.
        return None

    @staticmethod
    async def _nothing() -> None:
        return None

    async def _retrying(self, what: str, step: Callable[[], Awaitable[_T]]) -> _T:
        deadline = time.monotonic() + self._deadline
        while True:
            try:
                return await step()
            except _RETRYABLE as exc:
                if time.monotonic() >= deadline:
                    raise JetStreamOrdererError(f"could not {what} within {self._deadline:.0f} s: {exc!r}") from exc
                await asyncio.sleep(0.1)

    async def _ensure_stream(self) -> None:
        try:
            info = await self._jetstream.stream_info(self.stream)
        except nats.js.errors.NotFoundError:
            try:
                info = await self._jetstream.add_stream(self.config)
            except nats.js.errors.BadRequestError as exc:
                raise StreamMismatch(self.stream, [str(exc.description)], exists=False) from exc
        problems = _mismatches(info.config, self.config)
        if problems:
            raise StreamMismatch(self.stream, problems)
        self._known_last = max(self._known_last, info.state.last_seq)

    # -- writing
    def _check_payload(self, payload: bytes) -> None:
        limit = self._connection.max_payload
        if len(payload) + 256 > limit:  # headers ride in the same frame
            raise JetStreamOrdererError(
                f"an envelope of {len(payload)} bytes exceeds the cluster's max_payload of {limit} bytes; "
                "raise max_payload on the servers or keep documents out of the envelope"
            )

    async def _publish_all(self, messages: Sequence[tuple[bytes, dict[str, str]]]) -> list[PubAck]:
        """Publish in pipelined chunks and return each message's ack, in order. Unacknowledged
        messages are published again under the same Nats-Msg-Id until the deadline (per
        chunk), so a message whose ack was lost is stored once and acknowledged with its
        first position."""
        acks: list[PubAck | None] = [None] * len(messages)
        for start in range(0, len(messages), _PIPELINE):
            deadline = time.monotonic() + self._deadline
            todo = list(range(start, min(start + _PIPELINE, len(messages))))
            while todo:
                outcomes = await self._publish_chunk([messages[i] for i in todo])
                failed: list[int] = []
                last_error: BaseException | None = None
                for index, outcome in zip(todo, outcomes, strict=True):
                    if isinstance(outcome, PubAck):
                        if outcome.stream != self.stream:
                            raise JetStreamOrdererError(
                                f"stream {outcome.stream} acknowledged a message for {self.stream}")
                        acks[index] = outcome
                    elif isinstance(outcome, _RETRYABLE):
                        failed.append(index)
                        last_error = outcome
                    else:
                        raise JetStreamOrdererError(f"JetStream refused a message: {outcome!r}") from outcome
                if failed and time.monotonic() >= deadline:
                    raise JetStreamOrdererError(
                        f"{len(failed)} messages were not acknowledged within {self._deadline:.0f} s "
                        f"(last error {last_error!r}); they may or may not be ordered: submit them again"
                    )
                if failed:
                    await asyncio.sleep(0.1)
                todo = failed
        acknowledged: list[PubAck] = []
        for ack in acks:
            assert ack is not None  # the loop above leaves no message unacknowledged, or raises
            self._known_last = max(self._known_last, ack.seq)
            acknowledged.append(ack)
        return acknowledged

    async def _publish_chunk(self, chunk: Sequence[tuple[bytes, dict[str, str]]]) -> list[Any]:
        """Publish every message, then wait for every ack: one round trip for the chunk."""
        assert self._acks is not None, "publishing before the connection opened"
        waiting: list[Any] = []
        for payload, headers in chunk:
            try:
                waiting.append(await self._acks.publish(self.subject, payload, headers))
            except _RETRYABLE as exc:
                waiting.append(exc)
            except nats.errors.ConnectionClosedError as exc:
                raise JetStreamOrdererError("the NATS connection is closed") from exc

        async def outcome(reply: Any) -> Any:
            if isinstance(reply, BaseException):
                return reply
            try:
                return ack_from_reply(await asyncio.wait_for(reply, self._ack_timeout))
            except (TimeoutError, NotAcknowledgedYet, JetStreamOrdererError) as exc:
                return exc

        return list(await asyncio.gather(*(outcome(r) for r in waiting)))

    def _envelope_message(self, payload: bytes) -> tuple[bytes, dict[str, str]]:
        return payload, {
            MSG_ID_HEADER: envelope_msg_id(payload),
            KIND_HEADER: "envelope",
            EXPECTED_STREAM_HEADER: self.stream,
        }

    def _cut_message(self, after_position: int) -> tuple[bytes, dict[str, str]]:
        return b"", {
            MSG_ID_HEADER: cut_msg_id(after_position),
            KIND_HEADER: "cut",
            EXPECTED_STREAM_HEADER: self.stream,
        }

    def submit(self, payloads: Sequence[bytes], cut: bool = False) -> list[int]:
        """Publish the envelopes and return their positions once JetStream has acknowledged
        every one (stored, fsynced, on a majority of replicas); then, when `cut`, a cut
        marker that closes the block behind them. Resubmitting identical bytes within the
        duplicate window returns the position they already have."""
        payloads = [bytes(p) for p in payloads]
        for payload in payloads:
            self._check_payload(payload)

        async def order() -> list[int]:
            acks = await self._publish_all([self._envelope_message(p) for p in payloads])
            positions = [ack.seq for ack in acks]
            if cut:
                # Behind this batch's last envelope; with no envelopes, behind the tail (as cut()).
                after = max(positions) if positions else await self._retrying(
                    "read the stream's last position", self._last_seq)
                await self._publish_all([self._cut_message(after)])
            return positions

        return self._run(order, steps=len(payloads) // _PIPELINE + 2)

    def cut(self) -> int:
        """Close the pending block: a cut marker after the stream's current last position.
        Nodes that cut the same tail get the same marker back."""

        async def close_tail() -> int:
            last = await self._retrying("read the stream's last position", self._last_seq)
            (ack,) = await self._publish_all([self._cut_message(last)])
            return ack.seq

        return self._run(close_tail, steps=2)

    def cut_after(self, position: int) -> int:
        """A cut marker that closes every item up to `position` (a position already on the
        stream); return its position. Every node that asks to close the same position,
        within the duplicate window, gets the one marker the first request appended."""

        async def close_through() -> int:
            if position < 0:
                raise ValueError("a position is never negative")
            if position > self._known_last and position > await self._retrying("read the stream's last position",
                                                                                 self._last_seq):
                raise JetStreamOrdererError(
                    f"cannot cut after position {position}: the stream ends at {self._known_last}"
                )
            (ack,) = await self._publish_all([self._cut_message(position)])
            return ack.seq

        return self._run(close_through, steps=2)

    # -- reading
    async def _last_seq(self) -> int:
        info = await self._jetstream.stream_info(self.stream)
        self._known_last = max(self._known_last, info.state.last_seq)
        return info.state.last_seq

    def last_position(self) -> int:
        return self._run(lambda: self._retrying("read the stream's last position", self._last_seq))

    async def _direct_batch(self, start: int, count: int) -> tuple[list[OrderedItem], int]:
        """One batched direct get: up to `count` items from `start`, and how many more the
        answering replica holds past them. Any replica may answer, possibly a lagging one."""
        inbox = self._connection.new_inbox()
        replies: asyncio.Queue[Msg] = asyncio.Queue()

        async def collect(msg: Msg) -> None:
            replies.put_nowait(msg)

        subscription = await self._connection.subscribe(inbox, cb=collect)
        items: list[OrderedItem] = []
        try:
            request = json.dumps({"seq": start, "batch": count}).encode()
            await self._connection.publish(f"$JS.API.DIRECT.GET.{self.stream}", request, reply=inbox)
            while True:
                msg = await asyncio.wait_for(replies.get(), self._ack_timeout)
                headers = msg.headers or {}
                status = headers.get("Status")
                if status is None:
                    items.append(ordered_item_from_message(msg))
                elif status == "204":  # end of batch
                    return items, int(headers.get("Nats-Num-Pending", "0"))
                elif status == "404":  # nothing at or after `start` on that replica
                    return items, 0
                elif status == "503":
                    raise nats.errors.NoRespondersError
                else:
                    raise JetStreamOrdererError(
                        f"direct get from {start} failed: {status} {headers.get('Description', '')}"
                    )
        finally:
            await subscription.unsubscribe()

    async def _read(self, start: int, limit: int) -> list[OrderedItem]:
        deadline = time.monotonic() + self._deadline
        items: list[OrderedItem] = []
        position = start
        while len(items) < limit:
            try:
                batch, more = await self._direct_batch(position, limit - len(items))
            except _RETRYABLE:
                batch, more = [], -1
            items.extend(batch)
            if batch:
                position = batch[-1].position + 1
                self._known_last = max(self._known_last, batch[-1].position + max(more, 0))
            if len(items) >= limit or (more == 0 and position > self._known_last):
                break
            if more > 0:
                continue  # the replica capped the batch; ask for the rest
            # A lagging replica answered (or none did): it does not yet hold positions this
            # orderer has seen acknowledged. Ask again; another replica, or the same one
            # caught up, will have them.
            if time.monotonic() >= deadline:
                raise JetStreamOrdererError(
                    f"no replica delivered positions {position}..{self._known_last} within {self._deadline:.0f} s"
                )
            await asyncio.sleep(0.01)
        return items

    def read(self, from_position: int, limit: int = 10_000) -> list[OrderedItem]:
        """Items at positions >= from_position, in order, at most `limit`; at least every
        position up to the last one this orderer has seen acknowledged."""
        if limit <= 0:
            return []
        return self._run(lambda: self._read(max(from_position, 1), limit))

    def describe(self) -> StreamDescription:
        """The stream's settings and state as the cluster reports them."""

        async def info() -> StreamDescription:
            found = await self._jetstream.stream_info(self.stream)
            cluster = found.cluster
            # The server fills in every field below; the client library types them optional.
            peers = (cluster.replicas or []) if cluster else []
            return StreamDescription(
                name=found.config.name or self.stream,
                subjects=tuple(found.config.subjects or ()),
                storage=str(getattr(found.config.storage, "value", found.config.storage)),
                replicas=found.config.num_replicas or 1,  # JetStream's default
                duplicate_window_ms=round(found.config.duplicate_window * 1000),
                allow_direct=bool(found.config.allow_direct),
                deny_delete=bool(found.config.deny_delete),
                deny_purge=bool(found.config.deny_purge),
                last_position=found.state.last_seq,
                leader=cluster.leader if cluster else None,
                followers=tuple(p.name for p in peers if p.name),
                current_followers=tuple(p.name for p in peers if p.name and p.current),
            )

        return self._run(lambda: self._retrying("describe the stream", info))

    def close(self) -> None:
        if self._runner.loop.is_closed():
            return

        async def shut() -> None:
            if self._nc is not None and not self._nc.is_closed:
                await self._nc.close()

        try:
            self._runner.run(shut, 10)
        finally:
            self._runner.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
