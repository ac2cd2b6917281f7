"""Execute ordered envelopes deterministically (DESIGN.md decision 4).

Every peer runs each envelope of a block against its own state and flags it valid or
invalid with a reason. Invalid envelopes stay in the log as evidence and change nothing.
Checks, in order: well-formed canonical envelope, this network, not replayed, created
within the genesis window around the block time, a registered active signer, a valid
signature, a known contract action, valid arguments, the signer's role allowed, and the
handler's own rules. A private transaction's public verdict adds: each part is one the
action declares, its collection exists after the public handler, and the signer's
organization is a member of it (a payload from a non-member is refused by every peer).

Then, at the members of each part's collection only, the part executes on its payload
(docs/privacy.md): a payload that does not open its commitment, or fails its schema or its
handler's rules, is a private refusal kept in the collection's verdicts; the public verdict
stands, because non-members could not have reached another. A payload the peer cannot
get halts that collection at this peer (`HALTED`) rather than letting it diverge.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tradeledger.crypto import DidKeyError, public_key_from_did_key, sha256_hex
from tradeledger.ledger.authority import REGISTRY, resolve_signer, signer_record_key
from tradeledger.ledger.collections import (
    HALTED,
    OUTCOMES,
    Payload,
    PrivateOutcome,
    PrivatePart,
    halted_key,
    membership_key,
    outcome_key,
    private_namespace,
    qualified,
)
from tradeledger.ledger.contract import (
    Action,
    ContractSet,
    Event,
    PrivateContext,
    Refused,
    Signer,
    TxContext,
    collection_record,
)
from tradeledger.ledger.envelope import Envelope, EnvelopeError, decode_envelope
from tradeledger.ledger.genesis import Genesis
from tradeledger.ledger.signatures import PendingVerdicts, SignatureItem, SignatureVerifier
from tradeledger.ledger.state import Overlay, PrivateStateRead, StateKey, StateReader, StateView


class PayloadSource(Protocol):
    """Where a member's executor gets a private part's payload: its own inbox, then the
    other members (the runtime's delivery). None when it cannot be had."""

    def payload(self, txid: str, contract: str, part: PrivatePart, members: tuple[str, ...]) -> Payload | None: ...


class PayloadBook:
    """Payloads held in memory: a submitter's own, for its preview."""

    def __init__(self, payloads: Sequence[Payload] = ()):
        self._by_part = {(p.txid, p.part, p.collection): p for p in payloads}

    def payload(self, txid: str, contract: str, part: PrivatePart, members: tuple[str, ...]) -> Payload | None:
        return self._by_part.get((txid, part.part, part.collection))


@dataclass(frozen=True)
class PartOutcome:
    """A private part as this peer saw it: the members of its collection after the
    transaction, and, when this peer is one, its verdict."""

    part: PrivatePart
    members: tuple[str, ...]
    outcome: PrivateOutcome | None  # None: this peer is not a member


@dataclass(frozen=True)
class TxOutcome:
    txid: str
    leaf_index: int
    valid: bool
    reason: str
    envelope: Envelope | None
    events: tuple[Event, ...] = ()
    parts: tuple[PartOutcome, ...] = ()

    @property
    def private_refusal(self) -> str | None:
        """The first private refusal this peer recorded, if any."""
        for part in self.parts:
            if part.outcome is not None and not part.outcome.valid:
                return part.outcome.reason
        return None


@dataclass
class BlockExecution:
    outcomes: list[TxOutcome]
    writes: dict[StateKey, str | None] = field(default_factory=dict)  # canonical JSON text; None deletes
    state: Overlay | None = None  # the state after the block, for what is computed over it (collection digests)
    # The payloads this peer's private parts ran on, kept with the block in place of any
    # other copy its inbox holds (a junk delivery under the same name cannot shadow them).
    payloads: list[Payload] = field(default_factory=list)


class Executor:
    def __init__(self, genesis: Genesis, contracts: ContractSet, signatures: SignatureVerifier | None = None,
                 organization: str | None = None):
        self.genesis = genesis
        self.organization = organization  # whose private parts this executor runs; None: none
        self.network_id = genesis.network_id
        self.contracts = contracts
        self.signatures = signatures or SignatureVerifier(parallel=False)

    def execute_block(
        self,
        state: StateReader,
        seen_txids: Callable[[Collection[str]], set[str]],
        leaves: Sequence[bytes],
        first_leaf: int,
        block_time_ms: int,
        txids: Sequence[str] | None = None,
        payloads: PayloadSource | None = None,
    ) -> BlockExecution:
        block = Overlay(state, cache_reads=True)
        outcomes: list[TxOutcome] = []
        in_block: set[str] = set()
        if txids is None:
            txids = [sha256_hex(leaf) for leaf in leaves]
        seen = seen_txids(txids)  # one look-up for the block, not one per envelope
        decoded: list[Envelope | EnvelopeError] = []
        for leaf in leaves:
            try:
                decoded.append(decode_envelope(leaf))
            except EnvelopeError as exc:
                decoded.append(exc)
        verdicts = self.signatures.start(txids, lambda i: _signature_item(decoded[i]))
        block.preload(self._predicted_reads(decoded))
        # Signers resolved in this block. Only the registry contract writes registry state,
        # so a valid registry transaction (a key revoked mid-block ...) clears them.
        signers: dict[str, Signer] = {}
        used: list[Payload] = []
        for offset, (txid, envelope_or_error) in enumerate(zip(txids, decoded, strict=True)):
            index = first_leaf + offset
            envelope: Envelope | None = None
            tx = Overlay(block)
            try:
                if isinstance(envelope_or_error, EnvelopeError):
                    raise Refused(f"malformed envelope: {envelope_or_error}")
                envelope = envelope_or_error
                if txid in in_block or txid in seen:
                    raise Refused("replayed: this envelope is already in the log")
                events, action, args, signer = self._execute(tx, envelope, txid, index, block_time_ms, verdicts,
                                                             offset, signers)
            except Refused as rejection:
                outcomes.append(TxOutcome(txid, index, False, rejection.reason, envelope))
            else:
                tx.merge_into(block)
                if envelope.contract == REGISTRY:
                    signers.clear()
                parts = tuple(self._private_part(block, envelope, part, action, args, signer, txid, index,
                                                 block_time_ms, payloads, used) for part in envelope.private)
                outcomes.append(TxOutcome(txid, index, True, "", envelope, tuple(events), parts))
            in_block.add(txid)
        return BlockExecution(outcomes, block.encoded, block, used)

    def _predicted_reads(self, decoded: Sequence[Envelope | EnvelopeError]) -> list[StateKey]:
        keys: list[StateKey] = []
        for envelope in decoded:
            if isinstance(envelope, Envelope):
                keys.append(signer_record_key(envelope.signer))
                keys += self.contracts.predicted_reads(envelope.contract, envelope.action, envelope.args,
                                                       envelope.commitments)
        return keys

    def preview(self, state: StateReader, seen_txids: Callable[[Collection[str]], set[str]],
                leaf: bytes, next_leaf: int, time_ms: int, payloads: PayloadSource | None = None) -> TxOutcome:
        """How one envelope would fare if its block closed at `time_ms`, changing nothing:
        lets a client refuse bad input before it reaches the log."""
        return self.execute_block(state, seen_txids, [leaf], next_leaf, time_ms, payloads=payloads).outcomes[0]

    def _execute(
        self, tx: Overlay, envelope: Envelope, txid: str, index: int, block_time_ms: int,
        verdicts: PendingVerdicts, offset: int, signers: dict[str, Signer],
    ) -> tuple[list[Event], Action[Any], Any, Signer]:
        genesis = self.genesis
        if envelope.network != self.network_id:
            raise Refused("envelope is for another network")
        age = block_time_ms - envelope.created_ms
        if age > genesis.max_past_ms:
            raise Refused(f"backdated: created {age} ms before its block (limit {genesis.max_past_ms} ms)")
        if -age > genesis.max_future_ms:
            raise Refused(f"created {-age} ms after its block time (limit {genesis.max_future_ms} ms)")
        signer = signers.get(envelope.signer)
        if signer is None:
            signer = signers[envelope.signer] = resolve_signer(tx, envelope.signer)
        if not verdicts.result(offset):
            raise Refused(f"bad signature by {signer.key}")
        action = self.contracts.find(envelope.contract, envelope.action)
        action.authorize(signer)
        args = action.parse_args(envelope.args)
        context = TxContext(
            txid=txid,
            leaf_index=index,
            block_time_ms=block_time_ms,
            signer=signer,
            commitments=envelope.commitments,
            state=StateView(tx, envelope.contract),
            network=self.network_id,
            private_parts=envelope.private,
        )
        try:
            action.handler(context, args)
        except Refused:
            raise
        except PrivateStateRead as exc:
            raise Refused(f"contract {envelope.contract}.{envelope.action} failed: {exc}") from None
        except Exception as exc:  # a contract bug must not stop the ledger; keep it as the reason
            failure = f"{type(exc).__name__}: {exc}"
            raise Refused(f"contract {envelope.contract}.{envelope.action} failed: {failure}") from None
        self._check_parts(tx, envelope, action, signer)
        return context.events, action, args, signer

    @staticmethod
    def _check_parts(tx: Overlay, envelope: Envelope, action: Action[Any], signer: Signer) -> None:
        """The public side of private parts, which every peer judges alike."""
        for part in envelope.private:
            if part.part not in action.parts:
                raise Refused(f"{envelope.contract}.{envelope.action} has no private part {part.part!r}")
            record = collection_record(tx, envelope.contract, part.collection)
            if record is None:
                raise Refused(f"no collection {qualified(envelope.contract, part.collection)}")
            if signer.organization not in record.members:
                raise Refused(f"{signer.organization} is not a member of collection "
                              f"{qualified(envelope.contract, part.collection)}: it may not send its payloads")
            counted = dataclasses.replace(record, parts=record.parts + 1)
            tx.put(envelope.contract, membership_key(part.collection), counted.to_dict())

    def _private_part(self, block: Overlay, envelope: Envelope, part: PrivatePart, action: Action[Any], args: Any,
                      signer: Signer, txid: str, index: int, block_time_ms: int,
                      payloads: PayloadSource | None, used: list[Payload]) -> PartOutcome:
        contract = envelope.contract
        record = collection_record(block, contract, part.collection)
        assert record is not None  # checked by _check_parts in this transaction
        if self.organization is None or self.organization not in record.members:
            return PartOutcome(part, record.members, None)
        outcome = self._run_part(block, envelope, part, action, args, signer, txid, index, block_time_ms,
                                 record.members, payloads, used)
        block.put(OUTCOMES, outcome_key(contract, part.collection, index, part.part), outcome.to_dict())
        return PartOutcome(part, record.members, outcome)

    def _run_part(self, block: Overlay, envelope: Envelope, part: PrivatePart, action: Action[Any], args: Any,
                  signer: Signer, txid: str, index: int, block_time_ms: int, members: tuple[str, ...],
                  payloads: PayloadSource | None, used: list[Payload]) -> PrivateOutcome:
        contract = envelope.contract
        halted = block.get_state(HALTED, halted_key(contract, part.collection))
        if halted is not None:
            return PrivateOutcome(False, f"collection halted at this member since leaf {halted['leaf_index']}",
                                  "skipped")
        payload = payloads.payload(txid, contract, part, members) if payloads is not None else None
        if payload is None or not payload.opens(part.commitment):
            block.put(HALTED, halted_key(contract, part.collection),
                      {"leaf_index": index, "txid": txid, "part": part.part})
            return PrivateOutcome(False, "the payload could not be had from any member", "halted")
        used.append(payload)
        spec = action.parts[part.part]
        own = private_namespace(contract, part.collection)
        ptx = Overlay(block)
        try:
            parsed = spec.parse_payload(payload.arguments())
            context = PrivateContext(txid, index, block_time_ms, signer, self.network_id, contract, part.part,
                                     part.collection, members, ptx)
            try:
                spec.handler(context, args, parsed)
            except Refused:
                raise
            except Exception as exc:  # a contract bug refuses the part; the reason names only its type
                raise Refused(f"private part {part.part} of {contract}.{envelope.action} failed: "
                              f"{type(exc).__name__}") from None
            strays = sorted({ns for ns, _ in ptx.writes if ns != own})
            if strays:
                raise Refused(f"private part {part.part} wrote outside its collection ({', '.join(strays)})")
        except Refused as refusal:
            return PrivateOutcome(False, refusal.reason)
        ptx.merge_into(block)
        return PrivateOutcome(True)


def _signature_item(envelope: Envelope | EnvelopeError) -> SignatureItem | None:
    if isinstance(envelope, EnvelopeError):
        return None
    try:
        public_key = public_key_from_did_key(envelope.signer)
    except DidKeyError:
        return None
    return public_key, envelope.signing_bytes(), envelope.signature
