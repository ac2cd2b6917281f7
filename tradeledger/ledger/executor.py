"""Execute ordered envelopes deterministically (DESIGN.md decision 4).

Every peer runs each envelope of a block against its own state and flags it valid or
invalid with a reason. Invalid envelopes stay in the log as evidence and change nothing.
Checks, in order: well-formed canonical envelope, this network, not replayed, created
within the genesis window around the block time, a registered active signer, a valid
signature, a known contract action, valid arguments, the signer's role allowed, and the
handler's own rules.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from tradeledger.crypto import DidKeyError, public_key_from_did_key, sha256_hex
from tradeledger.ledger.authority import REGISTRY, resolve_signer, signer_record_key
from tradeledger.ledger.contract import ContractSet, Event, Refused, Signer, TxContext
from tradeledger.ledger.envelope import Envelope, EnvelopeError, decode_envelope
from tradeledger.ledger.genesis import Genesis
from tradeledger.ledger.signatures import PendingVerdicts, SignatureItem, SignatureVerifier
from tradeledger.ledger.state import Overlay, StateKey, StateReader, StateView


@dataclass(frozen=True)
class TxOutcome:
    txid: str
    leaf_index: int
    valid: bool
    reason: str
    envelope: Envelope | None
    events: tuple[Event, ...] = ()


@dataclass
class BlockExecution:
    outcomes: list[TxOutcome]
    writes: dict[StateKey, str | None] = field(default_factory=dict)  # canonical JSON text; None deletes


class Executor:
    def __init__(self, genesis: Genesis, contracts: ContractSet, signatures: SignatureVerifier | None = None):
        self.genesis = genesis
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
                events = self._execute(tx, envelope, txid, index, block_time_ms, verdicts, offset, signers)
            except Refused as rejection:
                outcomes.append(TxOutcome(txid, index, False, rejection.reason, envelope))
            else:
                tx.merge_into(block)
                if envelope.contract == REGISTRY:
                    signers.clear()
                outcomes.append(TxOutcome(txid, index, True, "", envelope, tuple(events)))
            in_block.add(txid)
        return BlockExecution(outcomes, block.encoded)

    def _predicted_reads(self, decoded: Sequence[Envelope | EnvelopeError]) -> list[StateKey]:
        keys: list[StateKey] = []
        for envelope in decoded:
            if isinstance(envelope, Envelope):
                keys.append(signer_record_key(envelope.signer))
                keys += self.contracts.predicted_reads(envelope.contract, envelope.action, envelope.args,
                                                       envelope.commitments)
        return keys

    def preview(self, state: StateReader, seen_txids: Callable[[Collection[str]], set[str]],
                leaf: bytes, next_leaf: int, time_ms: int) -> TxOutcome:
        """How one envelope would fare if its block closed at `time_ms`, changing nothing:
        lets a client refuse bad input before it reaches the log."""
        return self.execute_block(state, seen_txids, [leaf], next_leaf, time_ms).outcomes[0]

    def _execute(
        self, tx: Overlay, envelope: Envelope, txid: str, index: int, block_time_ms: int,
        verdicts: PendingVerdicts, offset: int, signers: dict[str, Signer],
    ) -> list[Event]:
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
        )
        try:
            action.handler(context, args)
        except Refused:
            raise
        except Exception as exc:  # a contract bug must not stop the ledger; keep it as the reason
            failure = f"{type(exc).__name__}: {exc}"
            raise Refused(f"contract {envelope.contract}.{envelope.action} failed: {failure}") from None
        return context.events


def _signature_item(envelope: Envelope | EnvelopeError) -> SignatureItem | None:
    if isinstance(envelope, EnvelopeError):
        return None
    try:
        public_key = public_key_from_did_key(envelope.signer)
    except DidKeyError:
        return None
    return public_key, envelope.signing_bytes(), envelope.signature
