"""NATS messaging between nodes: a small synchronous bus, and the disclosure transfer.

`Bus` is one NATS connection on an asyncio loop in a background thread. Subscription
handlers run on that loop and must return quickly (a node's handlers only queue work for
its worker thread); request handlers run on a thread pool and their answer is sent back
as the reply. Every other method may be called from any thread but the loop's.

The disclosure transfer (workflows/disclosure.py) runs node to node on request/reply:
`NatsTransfer.fetch` sends the requester's SignedAccessRequest to the owner's subject; the
owner's node answers with `answer_disclosure`, which runs the same `serve` as the embedded
network (signature, ledger grants, the access recorded on the ledger first) and seals the
delivery to the requesting key. Nothing of it touches the ordered stream.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Any, Self

import nats
import nats.errors
from nats.aio.msg import Msg

from tradeledger.cluster.messages import MessageError, Reply, decode, encode
from tradeledger.cluster.subjects import NetworkSubjects
from tradeledger.crypto import KeyPair, public_key_from_did_key
from tradeledger.crypto.sealing import SealError, open_sealed, seal_for
from tradeledger.errors import TradeledgerError
from tradeledger.ordering.loop import stop_loop_thread
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.node import Node
from tradeledger.workflows.disclosure import (
    AccessRefused,
    Delivery,
    DeliveryRefused,
    SignedAccessRequest,
    serve,
)

log = logging.getLogger("tradeledger.cluster")

DEFAULT_REQUEST_TIMEOUT_S = 30.0

Publish = Callable[[str, bytes, str], None]  # (subject, data, reply subject or ""): Bus.publish


class BusError(TradeledgerError, RuntimeError):
    """NATS could not be reached, or nobody answered a request in time."""


class Bus:
    def __init__(self, servers: Sequence[str], name: str, connect_timeout_s: float = 5.0, no_echo: bool = False):
        self.servers = list(servers)
        self.name = name
        self.no_echo = no_echo
        self.publish_errors = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"bus-{name}", daemon=True)
        self._thread.start()
        self._nc: Any = None
        try:
            self._call(self._connect(connect_timeout_s), connect_timeout_s * len(self.servers) * 3 + 5)
        except BaseException:
            self._stop_loop()
            raise

    # --- plumbing ------------------------------------------------------------------------
    def _call(self, coroutine: Any, timeout: float) -> Any:
        if threading.current_thread() is self._thread:
            raise RuntimeError("the bus's blocking API cannot be called from its own loop")
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise BusError(f"NATS did not answer within {timeout:.0f} s") from None

    async def _connect(self, timeout: float) -> None:
        async def quiet(*_args: Any) -> None:
            return None  # disconnections are retried forever; callers see timeouts

        try:
            self._nc = await nats.connect(
                servers=self.servers, name=self.name, connect_timeout=timeout, allow_reconnect=True,
                max_reconnect_attempts=2, reconnect_time_wait=0.25, no_echo=self.no_echo, error_cb=quiet,
                disconnected_cb=quiet, reconnected_cb=quiet,
            )
        except (TimeoutError, OSError, nats.errors.Error) as exc:
            raise BusError(f"cannot connect to NATS at {', '.join(self.servers)}: {exc!r}; "
                           "check the URLs and that the cluster runs") from None
        # Once connected, never give up: a dead server must not end the connection.
        self._nc.options["max_reconnect_attempts"] = -1

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    # --- subscribing -----------------------------------------------------------------------
    def subscribe(self, subject: str, handler: Callable[[Msg], None]) -> None:
        """Call `handler(msg)` on the loop thread for each message; it must not block."""

        async def on_message(msg: Msg) -> None:
            try:
                handler(msg)
            except Exception:  # a bad message must not end the subscription
                log.exception("handler for %s failed", subject)

        self._call(self._nc.subscribe(subject, cb=on_message, pending_msgs_limit=1_000_000,
                                      pending_bytes_limit=1 << 30), 10)

    def serve_requests(self, subject: str, handler: Callable[[bytes], bytes], pool: Executor) -> None:
        """Answer requests on `subject`: `handler(data)` runs on `pool`; its bytes are the reply."""

        def on_request(msg: Msg) -> None:
            if not msg.reply:
                return
            reply = msg.reply
            future = pool.submit(handler, bytes(msg.data))
            future.add_done_callback(lambda done: self._answer(reply, done))

        self.subscribe(subject, on_request)

    def _answer(self, reply: str, done: Any) -> None:
        try:
            data = done.result()
        except Exception as exc:  # the handler should answer errors itself; this is the backstop
            log.exception("request handler failed")
            data = encode(Reply(False, error=f"the node failed to answer: {type(exc).__name__}: {exc}"))
        self.publish(reply, data)

    # --- sending ----------------------------------------------------------------------------
    def publish(self, subject: str, data: bytes, reply: str = "") -> None:
        """Send without waiting. A message lost while NATS is unreachable is counted; the
        protocols above resend what matters (signature wants, client retries)."""

        async def send() -> None:
            try:
                await self._nc.publish(subject, data, reply=reply)
            except (nats.errors.Error, OSError):
                self.publish_errors += 1

        if self._loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(send(), self._loop)

    def request(self, subject: str, data: bytes, timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S) -> bytes:
        async def ask() -> bytes:
            try:
                return bytes((await self._nc.request(subject, data, timeout=timeout_s)).data)
            except nats.errors.NoRespondersError:
                raise BusError(f"nobody serves {subject}; is that node running?") from None
            except (TimeoutError, nats.errors.TimeoutError):
                raise BusError(f"no answer on {subject} within {timeout_s:.0f} s") from None

        return self._call(ask(), timeout_s + 5)

    def flush(self, timeout_s: float = 5.0) -> None:
        try:
            self._call(self._nc.flush(timeout=timeout_s), timeout_s + 2)
        except (nats.errors.Error, TimeoutError) as exc:
            raise BusError(f"NATS did not confirm delivery within {timeout_s:.0f} s: {exc!r}") from None

    # --- closing ----------------------------------------------------------------------------
    def close(self) -> None:
        if self._loop.is_closed():
            return

        async def shut() -> None:
            if self._nc is not None and not self._nc.is_closed:
                try:
                    await asyncio.wait_for(self._nc.close(), 5)
                except (TimeoutError, nats.errors.Error):
                    pass

        try:
            self._call(shut(), 10)
        except BusError:
            pass
        self._stop_loop()

    def _stop_loop(self) -> None:
        stop_loop_thread(self._loop, self._thread)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --- the disclosure transfer ------------------------------------------------------------
def answer_disclosure(node: Node, owner: str, data: bytes) -> tuple[bytes, bool]:
    """The owner's side: check and serve one signed access request; return the reply and
    whether a payload was delivered."""
    try:
        request = SignedAccessRequest.from_dict(json.loads(data))
        delivery = serve(node, owner, request)
        plaintext = json.dumps(delivery.to_dict(), separators=(",", ":")).encode()
        sealed = seal_for(public_key_from_did_key(request.signer), plaintext)
    except (AccessRefused, SealError, ValueError) as exc:
        return encode(Reply(False, error=str(exc), error_kind="access_denied")), False
    except NetworkError as exc:
        return encode(Reply(False, error=str(exc), error_kind="network")), False
    return encode(Reply(True, result={"sealed": base64.b64encode(sealed).decode("ascii")})), True


class NatsTransfer:
    """The requester's side of the transfer: fetch from the owner's node over NATS and open
    the sealed delivery with the requester's key."""

    def __init__(self, bus: Bus, subjects: NetworkSubjects, requester_key: KeyPair,
                 timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S):
        self._bus = bus
        self._subjects = subjects
        self._key = requester_key
        self._timeout_s = timeout_s

    def fetch(self, owner: str, request: SignedAccessRequest) -> Delivery:
        data = json.dumps(request.to_dict(), separators=(",", ":")).encode()
        try:
            answer = decode(Reply, self._bus.request(self._subjects.disclose(owner), data, self._timeout_s))
        except BusError as exc:
            raise AccessRefused(f"{owner}'s node did not answer: {exc}") from None
        except MessageError as exc:
            raise DeliveryRefused(f"{owner}'s node answered nonsense: {exc}") from None
        if not answer.ok:
            raise AccessRefused(answer.error)
        try:
            sealed = base64.b64decode(answer.result["sealed"], validate=True)
            return Delivery.from_dict(json.loads(open_sealed(self._key, sealed)))
        except (KeyError, TypeError, ValueError, SealError) as exc:
            raise DeliveryRefused(f"{owner}'s delivery cannot be opened: {exc}") from None
