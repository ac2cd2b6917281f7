"""Private collections on a cluster node (DESIGN.md decision 15): payloads delivered to
the members, fetched from one another, and the members' collection signatures exchanged,
node to node over core NATS and never through the ordered stream.

* Delivery: the submitter's node seals each member's payloads to every administrator key
  the ledger registers for that member and sends them on the member's private subject
  (request/reply, so a member that is down is known at once); the member opens them and
  keeps them in its store's inbox. Nothing is checked at arrival: the executor checks each
  payload against its envelope's commitment when it runs the part.
* Fetch (`payload`, the peer's PayloadSource, on the worker): the inbox first, else the
  other members are asked. A holder serves a requester only if the requester is a member of
  the collection in the holder's own view, and seals the answer to a key the ledger
  registers for the requester; a holder that has not reached the transaction answers "not
  yet". While any member says "not yet" (or does not answer), the block waits
  (PayloadPending: the worker tries it again shortly), up to `deadline_s`; then the part is
  judged with no payload, and the executor halts the collection at this node.
* Collection signatures: after each block, the rows this node signed (one signature per
  block, each row with its collection's inclusion proof) go to the other
  members of each collection, sealed like payloads; received rows wait until this node
  has reached their height and are handed to `Peer.receive_collection_signatures` (a valid
  row over another digest is a fork: logged loudly and kept as evidence). A member that
  signs after us is sent ours once more, for it may have been down when we sent it.

Log lines and errors name transactions, parts, collections and organizations (public),
never a payload.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from tradeledger.cluster.messages import (
    MessageError,
    PayloadAnswer,
    PayloadFetch,
    Reply,
    SealedToMember,
    decode,
    encode,
)
from tradeledger.cluster.messaging import Bus, BusError
from tradeledger.cluster.status import NodeHealth
from tradeledger.cluster.subjects import NetworkSubjects
from tradeledger.crypto import KeyPair, canonical_bytes, parse_canonical, public_key_from_did_key
from tradeledger.crypto.sealing import SealError, open_sealed, seal_for
from tradeledger.errors import TradeledgerError
from tradeledger.identity.registry import organization_keys
from tradeledger.ledger.authority import REGISTRY, KeyRecord, did_of, key_key
from tradeledger.ledger.collections import Payload, PayloadPending, PrivatePart
from tradeledger.ledger.contract import collection_record
from tradeledger.ledger.envelope import EnvelopeError, decode_envelope
from tradeledger.ledger.peer import ForkDetected, Peer
from tradeledger.store.base import CollectionSignature, LedgerReader

log = logging.getLogger(__name__)

DELIVERY_TIMEOUT_S = 2.0  # per member: a member that is down fetches its payload later
FETCH_TIMEOUT_S = 2.0  # per member asked
RETRY_PAUSE_S = 0.2  # between two rounds of asking for the same payload
MAX_PAYLOADS_PER_MESSAGE = 256
EARLY_ROWS = 10_000  # received collection signatures kept for heights this node has not reached


def admin_keys(ledger: LedgerReader, organization: str) -> list[str]:
    """The active administrator keys the ledger registers for `organization` (did:keys)."""
    return [r.did for r in organization_keys(ledger, organization) if r.active and r.admin]


def seal_to(ledger: LedgerReader, organization: str, plaintext: bytes) -> dict[str, str]:
    """`plaintext` sealed to each registered administrator key of `organization`."""
    return {did: base64.b64encode(seal_for(public_key_from_did_key(did), plaintext)).decode("ascii")
            for did in admin_keys(ledger, organization)}


def open_for(key: KeyPair, sealed: Mapping[str, str]) -> Any:
    """The canonical JSON value sealed to `key`, or SealError."""
    box = sealed.get(key.did)
    if box is None:
        raise SealError("nothing in this message is sealed to this node's key")
    try:
        data = base64.b64decode(box, validate=True)
    except ValueError:
        raise SealError("a sealed box is not base64") from None
    return parse_canonical(open_sealed(key, data))


class PrivateTransport:
    """One node's side of delivery, fetch and the collection signature exchange (module
    docstring). `attach(bus)` once the node is connected; `payload` is the peer's
    PayloadSource and runs on the worker, as does `exchange_signatures`."""

    def __init__(self, organization: str, key: KeyPair, subjects: NetworkSubjects, health: NodeHealth,
                 deadline_s: float):
        self.organization = organization
        self._key = key
        self._subjects = subjects
        self._health = health
        self._deadline_s = deadline_s
        self._peer: Peer | None = None
        self._bus: Bus | None = None
        self._waiting: dict[tuple[str, str, str], tuple[float, float]] = {}  # part -> (first asked, last asked)
        self._heard: deque[bytes] = deque()
        self._early: list[CollectionSignature] = []
        self._sent_through = 0
        self._lock = threading.Lock()  # the serving threads count into health

    def attach_peer(self, peer: Peer) -> None:
        self._peer = peer
        self._sent_through = peer.head.height

    def attach(self, bus: Bus) -> None:
        self._bus = bus

    @property
    def _ledger(self) -> LedgerReader:
        assert self._peer is not None
        return self._peer.ledger

    # --- delivery: the submitter's side ----------------------------------------------------
    def deliver(self, payloads: Sequence[Payload], members: Mapping[tuple[str, str], tuple[str, ...]]) -> None:
        """Keep our own copies, and send each other member its payloads, sealed to its keys.
        A member that cannot be reached is logged: it fetches the payload when it executes."""
        assert self._peer is not None and self._bus is not None, "start() the node first"
        self._peer.store.put_payloads(payloads)
        by_member: dict[str, list[Payload]] = {}
        for payload in payloads:
            for member in members.get((payload.part, payload.collection), ()):
                if member != self.organization:
                    by_member.setdefault(member, []).append(payload)
        for member, theirs in sorted(by_member.items()):
            plaintext = canonical_bytes({"payloads": [p.to_dict() for p in theirs]})
            sealed = seal_to(self._ledger, member, plaintext)
            if not sealed:
                log.warning("cannot deliver to %s: the ledger registers no active administrator key for it", member)
                continue
            message = encode(SealedToMember(self.organization, "payloads", sealed))
            try:
                reply = decode(Reply, self._bus.request(self._subjects.private(member), message, DELIVERY_TIMEOUT_S))
            except (BusError, MessageError) as exc:
                log.warning("could not deliver %d payload(s) of %s to %s (%s); it will fetch them from a member",
                            len(theirs), theirs[0].txid[:16], member, exc)
                continue
            if not reply.ok:
                log.warning("%s did not keep the payloads of %s: %s", member, theirs[0].txid[:16], reply.error)

    # --- serving: requests on our private subject (pool threads) ---------------------------
    def on_request(self, data: bytes) -> bytes:
        """A delivery to keep, or a fetch to answer."""
        try:
            kind = json.loads(data).get("type")
        except (ValueError, AttributeError):
            kind = None
        try:
            if kind == SealedToMember.TYPE:
                return encode(Reply(True, result=self._keep(decode(SealedToMember, data))))
            if kind == PayloadFetch.TYPE:
                return encode(Reply(True, result=self._answer(decode(PayloadFetch, data)).to_dict()))
            raise MessageError("expected a sealed delivery or a payload fetch")
        except (TradeledgerError, KeyError, TypeError, ValueError) as exc:
            return encode(Reply(False, error=str(exc), error_kind=type(exc).__name__))

    def _keep(self, message: SealedToMember) -> dict[str, Any]:
        if message.kind != "payloads":
            raise MessageError("collection signatures go to the signatures subject")
        value = open_for(self._key, message.sealed)
        items = value.get("payloads") if isinstance(value, dict) else None
        if not isinstance(items, list) or len(items) > MAX_PAYLOADS_PER_MESSAGE:
            raise MessageError(f"a delivery holds a list of at most {MAX_PAYLOADS_PER_MESSAGE} payloads")
        payloads = [Payload.from_dict(item) for item in items]
        assert self._peer is not None
        self._peer.store.put_payloads(payloads)
        with self._lock:
            self._health.payloads_received += len(payloads)
        return {"kept": len(payloads)}

    def _answer(self, fetch: PayloadFetch) -> PayloadAnswer:
        """Serve a payload to a member that lacks it, if our own ledger says it may have it."""
        ledger = self._ledger
        record = ledger.tx_by_id(fetch.txid)
        if record is None:
            return PayloadAnswer("not_yet")  # we cannot tell yet whether the requester belongs
        served = self._servable(ledger, fetch, record.leaf)
        with self._lock:
            if served is None:
                self._health.payloads_refused += 1
            else:
                self._health.payloads_served += 1
        if served is None:
            return PayloadAnswer("none")
        sealed = seal_for(public_key_from_did_key(fetch.key), canonical_bytes(served.to_dict()))
        return PayloadAnswer("payload", base64.b64encode(sealed).decode("ascii"))

    def _servable(self, ledger: LedgerReader, fetch: PayloadFetch, leaf: bytes) -> Payload | None:
        try:
            envelope = decode_envelope(leaf)
        except EnvelopeError:
            return None
        part = next((p for p in envelope.private if (p.part, p.collection) == (fetch.part, fetch.collection)), None)
        if part is None:
            return None
        collection = collection_record(ledger, envelope.contract, fetch.collection)
        if collection is None or fetch.requester not in collection.members:
            return None  # our own view of the collection decides whom we serve
        key = ledger.get_state(REGISTRY, key_key(did_of(fetch.key)))
        try:
            registered = KeyRecord.from_dict(key) if key is not None else None
        except TradeledgerError:
            registered = None
        if registered is None or not registered.active or registered.organization != fetch.requester:
            return None  # the answer is sealed only to a key the ledger gives the requester
        held = ledger.payload(fetch.txid, fetch.part, fetch.collection)
        return held if held is not None and held.opens(part.commitment) else None

    # --- fetch: the peer's PayloadSource (the worker) ----------------------------------------
    def payload(self, txid: str, contract: str, part: PrivatePart, members: tuple[str, ...]) -> Payload | None:
        ledger = self._ledger
        own = ledger.payload(txid, part.part, part.collection)
        if own is not None and own.opens(part.commitment):
            return own
        key = (txid, part.part, part.collection)
        now = time.monotonic()
        first, last = self._waiting.get(key, (now, 0.0))
        if now - last < RETRY_PAUSE_S:
            raise PayloadPending(f"{self.organization} waits for a payload of {txid[:16]}")
        pending: list[str] = []
        for member in sorted(members):
            if member == self.organization:
                continue
            found = self._ask(member, txid, part)
            if isinstance(found, Payload):
                self._waiting.pop(key, None)
                self._health.payloads_pending = len(self._waiting)
                assert self._peer is not None
                self._peer.store.put_payloads([found])
                log.info("fetched the payload of part %s of %s (collection %s) from %s",
                         part.part, txid[:16], part.collection, member)
                return found
            if found == "not_yet":
                pending.append(member)
        if pending and now - first < self._deadline_s:
            self._waiting[key] = (first, time.monotonic())
            self._health.payloads_pending = len(self._waiting)
            raise PayloadPending(f"{self.organization} waits for a payload of {txid[:16]} "
                                 f"from {', '.join(pending)}")
        self._waiting.pop(key, None)
        self._health.payloads_pending = len(self._waiting)
        log.critical("no member could give %s the payload of part %s of %s: collection %s:%s HALTS at %s",
                     self.organization, part.part, txid[:16], contract, part.collection, self.organization)
        return None

    def _ask(self, member: str, txid: str, part: PrivatePart) -> Payload | str:
        """The payload from `member`, or why not: "not_yet" (it has not reached the
        transaction, or did not answer) or "none"."""
        assert self._bus is not None
        fetch = PayloadFetch(self.organization, self._key.did, txid, part.part, part.collection)
        try:
            reply = decode(Reply, self._bus.request(self._subjects.private(member), encode(fetch), FETCH_TIMEOUT_S))
        except BusError:
            return "not_yet"  # down or slow: it may still hold the payload
        except MessageError:
            return "none"
        if not reply.ok:
            log.warning("%s refused a payload fetch: %s", member, reply.error)
            return "none"
        try:
            answer = PayloadAnswer.from_dict(reply.result)
            if answer.status != "payload":
                return answer.status
            opened = open_sealed(self._key, base64.b64decode(answer.sealed, validate=True))
            payload = Payload.from_dict(parse_canonical(opened))
        except (TradeledgerError, KeyError, TypeError, ValueError, AttributeError):
            log.warning("%s answered a payload fetch with something that does not open", member)
            return "none"
        if (payload.txid, payload.part, payload.collection) != (txid, part.part, part.collection) or \
                not payload.opens(part.commitment):
            log.warning("%s answered a payload fetch with a payload that does not open its commitment", member)
            return "none"
        return payload

    # --- collection signatures ---------------------------------------------------------------
    def heard_signatures(self, data: bytes) -> None:
        """On the NATS thread: queue only."""
        self._heard.append(data)

    def exchange_signatures(self) -> None:
        """On the worker: send the rows this node signed since the last call to the other
        members of each collection, and take the rows received for heights reached."""
        assert self._peer is not None
        self._send_signatures()
        self._take_signatures()

    def _send_signatures(self) -> None:
        peer = self._peer
        assert peer is not None
        head = peer.head.height
        if head <= self._sent_through or self._bus is None:
            return
        rows = [r for r in peer.ledger.collection_signatures(self._sent_through + 1, head)
                if r.organization == self.organization]
        self._sent_through = head
        by_member: dict[str, list[CollectionSignature]] = {}
        for row in rows:
            for member in self._members(row.collection):
                if member != self.organization:
                    by_member.setdefault(member, []).append(row)
        for member, theirs in sorted(by_member.items()):
            self._send_rows(member, theirs)

    def _members(self, collection: str) -> tuple[str, ...]:
        contract, _sep, name = collection.partition(":")
        record = collection_record(self._ledger, contract, name)
        return record.members if record else ()

    def _send_rows(self, member: str, rows: list[CollectionSignature]) -> None:
        assert self._bus is not None
        plaintext = canonical_bytes({"rows": [row._asdict() for row in rows]})
        sealed = seal_to(self._ledger, member, plaintext)
        if sealed:
            message = SealedToMember(self.organization, "collection_signatures", sealed)
            self._bus.publish(self._subjects.collection_signatures(member), encode(message))

    def _take_signatures(self) -> None:
        peer = self._peer
        assert peer is not None
        while self._heard:
            data = self._heard.popleft()
            try:
                message = decode(SealedToMember, data)
                value = open_for(self._key, message.sealed)
                rows = [CollectionSignature(int(r["height"]), str(r["collection"]), str(r["organization"]),
                                            str(r["digest"]), str(r["line"]), int(r["leaf_index"]), int(r["size"]),
                                            str(r["proof"])) for r in value["rows"]]
            except (TradeledgerError, KeyError, TypeError, ValueError) as exc:
                log.warning("dropped a collection signature message: %s", exc)
                continue
            self._early.extend(rows)
        head = peer.head.height
        ready = [r for r in self._early if r.height <= head]
        self._early = [r for r in self._early if r.height > head][-EARLY_ROWS:]
        # A member whose row we did not hold yet, while we held ours, signed after us: it
        # may have missed ours (it was down when we sent it), so it gets ours back. The
        # exchange ends there: it then holds ours when our answer arrives.
        answers: dict[str, list[CollectionSignature]] = {}
        for row in ready:  # one at a time: a fork in one row must not drop the others
            held = {r.organization: r for r in peer.ledger.collection_signatures(row.height, row.height)
                    if r.collection == row.collection}
            try:
                peer.receive_collection_signatures([row])
            except ForkDetected as fork:
                # The digests stay out of the log: they are computed over private state.
                log.critical("COLLECTION FORK DETECTED by %s: %s signed another digest of collection %s at "
                             "block %d; the evidence is kept in the store (forks table): stop trusting that "
                             "collection until it is explained", self.organization, fork.sender, row.collection,
                             fork.height)
                continue
            mine = held.get(self.organization)
            if mine is not None and row.organization not in held and row.organization in self._members(row.collection):
                answers.setdefault(row.organization, []).append(mine)
        if self._bus is not None:
            for member, rows in sorted(answers.items()):
                self._send_rows(member, rows)
