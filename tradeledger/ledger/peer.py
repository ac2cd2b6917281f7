"""A peer: one organization's node. It executes ordered blocks against its own store,
appends them to its Merkle log, and signs a checkpoint for each block.

The peer never trusts another peer's state: it recomputes everything from the ordered
stream. Other peers' checkpoint signatures count toward finality only when they verify
against the checkpoint this peer computed itself; a valid signature over a different
checkpoint of the same size is a fork, and its evidence is kept (DESIGN.md decision 7).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from tradeledger import merkle
from tradeledger.errors import TradeledgerError
from tradeledger.ledger.authority import genesis_writes
from tradeledger.ledger.block import ZERO_HASH, BlockHeader, FormedBlock, OrderedItem, form_blocks, validity_string
from tradeledger.ledger.checkpoints import (
    NetworkPolicy,
    NodeSigner,
    checkpoint_body,
    collection_row_statement,
    collection_tree,
)
from tradeledger.ledger.collections import (
    HALTED,
    OUTCOMES,
    Payload,
    PrivatePart,
    collection_digest,
    halted_key,
    is_private_namespace,
    outcomes_prefix,
    private_namespace,
    qualified,
)
from tradeledger.ledger.contract import ContractSet, collection_record
from tradeledger.ledger.executor import Executor, PayloadSource
from tradeledger.ledger.genesis import Genesis
from tradeledger.ledger.keys import split_key
from tradeledger.ledger.signatures import SignatureVerifier
from tradeledger.ledger.state import Overlay, genesis_state_digest, next_state_digest
from tradeledger.store.base import (
    BlockCommit,
    CheckpointRecord,
    CollectionSignature,
    Head,
    LedgerReader,
    Store,
    StoreError,
    TxRecord,
)


@dataclass(frozen=True)
class CommittedBlock:
    header: BlockHeader
    outcomes: list[Any]
    checkpoint: CheckpointRecord


class StreamReader(Protocol):
    """The ordered stream as a peer reads it (either orderer, or a watch over one)."""

    def read(self, from_position: int, limit: int = 10_000) -> list[OrderedItem]: ...


class Peer:
    def __init__(
        self,
        organization: str,
        genesis: Genesis,
        store: Store,
        contracts: ContractSet,
        signer: NodeSigner | None,
        signatures: SignatureVerifier | None = None,
        payloads: PayloadSource | None = None,
    ):
        self.organization = organization
        self.genesis = genesis
        self.store = store
        self.policy = NetworkPolicy(genesis)
        self.signer = signer
        self.executor = Executor(genesis, contracts, signatures, organization)
        # Where this peer's private parts get their payloads: its own inbox unless the
        # runtime hands a delivery that also asks the other members.
        self.payloads: PayloadSource = payloads or InboxPayloads(store)
        self.log = merkle.TiledLog(store)
        stored = store.genesis()
        if stored is None:
            head = Head(0, 1, 0, merkle.EMPTY_ROOT, genesis_state_digest(genesis.canonical), ZERO_HASH)
            store.initialize(genesis.canonical, genesis_writes(genesis), head)
        elif stored != genesis.canonical:
            raise StoreError(f"the store of {organization} belongs to another network (genesis differs)")
        stored_head = store.head()
        assert stored_head is not None
        self.head: Head = stored_head

    @property
    def ledger(self) -> LedgerReader:
        """What this peer has committed, read-only: the door the runtimes hand out."""
        return self.store

    # --- executing the stream --------------------------------------------------------
    def catch_up(self, orderer: StreamReader, batch: int = 5000) -> list[CommittedBlock]:
        """Form and commit every block the stream holds past this peer's position.

        The stream is read a window ahead of execution, and each window's signatures are
        handed to the verifier (`prefetch`) before the window before it executes, so a
        verification worker never waits for this process between windows.
        """
        committed: list[CommittedBlock] = []
        window = self._closed_blocks(orderer, self.head.next_position, batch)
        if window:
            self._prefetch(window[0])
        while window:
            blocks, resume = window
            window = self._closed_blocks(orderer, resume, batch)
            if window:
                self._prefetch(window[0])
            for block in blocks:
                committed.append(self.apply(block))
        return committed

    def _prefetch(self, blocks: list[FormedBlock]) -> None:
        self.executor.signatures.prefetch([leaf for block in blocks for leaf in block.leaves],
                                          [txid for block in blocks for txid in block.txids])

    def _closed_blocks(self, orderer: StreamReader, position: int, batch: int) -> tuple[list[FormedBlock], int] | None:
        """The blocks that close in the stream from `position`, and where to read on; None
        when no block closes there yet."""
        while True:
            items = orderer.read(position, batch)
            if not items:
                return None
            blocks, resume = form_blocks(items, next_position=position,
                                         max_transactions=self.genesis.max_block_transactions)
            if blocks:
                return blocks, resume
            if len(items) < batch:
                return None
            batch *= 2  # a window with no closing item: widen it until a block closes

    def apply(self, block: FormedBlock) -> CommittedBlock:
        head = self.head
        execution = self.executor.execute_block(
            self.store, self.store.seen_txids, block.leaves, head.log_size, block.time_ms, block.txids,
            payloads=self.payloads,
        )
        height = head.height + 1
        update = self.log.append(head.log_size, [merkle.leaf_hash(leaf) for leaf in block.leaves])
        public = {key: text for key, text in execution.writes.items() if not is_private_namespace(key[0])}
        state_digest = next_state_digest(head.state_digest, public)
        header = BlockHeader(
            network=self.genesis.network_id,
            height=height,
            previous_hash=head.header_hash,
            first_leaf=head.log_size,
            leaf_count=len(block.leaves),
            log_size=update.new_size,
            log_root=update.root,
            state_digest=state_digest,
            time_ms=block.time_ms,
            validity=validity_string([o.valid for o in execution.outcomes]),
            stream_end=block.end_position,
        )
        body = checkpoint_body(self.genesis.origin, header)
        lines = self.signer.sign(body, block.time_ms // 1000) if self.signer else ()
        final = self.policy.is_final(body, lines)
        txs = [
            TxRecord(o.leaf_index, o.txid, leaf, o.valid, o.reason, height, position)
            for o, leaf, position in zip(execution.outcomes, block.leaves, block.positions, strict=True)
        ]
        events = [(o.leaf_index, e.contract, e.type, e.data_json) for o in execution.outcomes for e in o.events]
        self.store.commit_block(BlockCommit(
            header=header, next_position=block.end_position + 1, txs=txs, tiles=update.tiles,
            writes=execution.writes, events=events, checkpoint_body=body, signatures=lines, final=final,
            collection_signatures=self._sign_collections(height, block.time_ms, execution.writes, execution.state),
            payloads=tuple(execution.payloads),
        ))
        self.head = Head(height, block.end_position + 1, header.log_size, header.log_root, state_digest, header.hash)
        return CommittedBlock(header, execution.outcomes, CheckpointRecord(height, header.log_size, body, lines, final))

    def _sign_collections(self, height: int, time_ms: int, writes: dict[tuple[str, str], str | None],
                          state: Overlay | None) -> tuple[CollectionSignature, ...]:
        """Sign, once, the tree over the digests of every collection whose private parts
        this block executed here; each collection's row carries its inclusion proof."""
        if self.signer is None or state is None:
            return ()
        touched = sorted({split_key(key)[1][:2] for ns, key in writes if ns == OUTCOMES})
        digests = {}
        for contract, name in touched:
            if state.get_state(HALTED, halted_key(contract, name)) is not None:
                continue  # a halted collection is not vouched for: its state stopped short
            digests[qualified(contract, name)] = self.collection_digest(state, contract, name).hex()
        if not digests:
            return ()
        tree = collection_tree(self.genesis.origin, height, digests)
        line = self.signer.witness.sign(tree.statement, time_ms // 1000).to_line()
        return tuple(CollectionSignature(height, collection, self.organization, digest, line,
                                         tree.proofs[collection][0], tree.size, tree.proofs[collection][1])
                     for collection, digest in digests.items())

    @staticmethod
    def collection_digest(state: Any, contract: str, name: str) -> bytes:
        record = collection_record(state, contract, name)
        return collection_digest(record.members if record else (),
                                 state.scan_state(private_namespace(contract, name), ""),
                                 state.scan_state(OUTCOMES, outcomes_prefix(contract, name)))

    def receive_collection_signatures(self, rows: Iterable[CollectionSignature]) -> None:
        """Take other members' collection signatures. One over the digest this peer signed
        for the same block counts as agreement; a valid one over another digest is a fork
        of that collection (decision 7), kept as evidence and raised.

        A row is valid when its inclusion proof (hashes only) leads from its collection's
        leaf to a root, and its line is the member's witness signature over the statement
        for that root; each distinct (statement, line) is verified once per call, since a
        member's rows of one block share one signature. A row whose proof or line fails
        is ignored. The proof's hashes are hashes of hashes: they reveal nothing of the
        member's other collections to this peer."""
        rows = list(rows)
        if not rows:
            return
        heights = [r.height for r in rows]
        ours = {(r.height, r.collection): r for r in self.store.collection_signatures(min(heights), max(heights))
                if r.organization == self.organization}
        kept = []
        verified: dict[tuple[str, str, str], bool] = {}  # one check per member's statement and line
        for row in rows:
            if row.organization == self.organization:
                continue
            mine = ours.get((row.height, row.collection))
            if mine is None:
                continue  # not a collection this peer executed at that block
            statement = collection_row_statement(self.genesis.origin, row.height, row.collection, row.digest,
                                                 row.leaf_index, row.size, row.proof)
            if statement is None:
                continue  # a malformed inclusion proof: nothing the member signed
            key = (statement, row.line, row.organization)
            if key not in verified:
                verified[key] = self.policy.signed_by(statement, row.line, row.organization, self.genesis.origin)
            if not verified[key]:
                continue
            if row.digest != mine.digest:
                self.store.record_fork(row.height, {
                    "height": row.height, "collection": row.collection, "ours": mine.digest,
                    "theirs": row.digest, "sender": row.organization, "detected_by": self.organization,
                })
                raise ForkDetected(row.height, row.organization, f"collection {row.collection} {mine.digest}\n",
                                   f"collection {row.collection} {row.digest}\n")
            kept.append(row)
        if kept:
            self.store.add_collection_signatures(kept)

    # --- cosigning ---------------------------------------------------------------------
    def receive_signatures(self, height: int, body: str, lines: Iterable[str], sender: str) -> bool:
        """Take another node's signatures on its checkpoint for `height`; True when final here.

        Lines over the checkpoint we computed count toward the quorum. Valid lines over a
        different checkpoint body of the same height are a fork: kept as evidence, never
        merged.
        """
        ours = self.store.checkpoint(height)
        if ours is None:
            return False  # we have not reached that height yet; the sender will resend
        lines = list(lines)
        if body != ours.body:
            signed = self.policy.valid_lines(body, lines)
            if signed:
                self.store.record_fork(ours.size, {
                    "height": height,
                    "ours": ours.note,
                    "theirs": body + "\n" + "".join(line + "\n" for line in signed),
                    "sender": sender,
                    "detected_by": self.organization,
                })
                raise ForkDetected(height, sender, ours.body, body)
            return ours.final
        valid = self.policy.valid_lines(ours.body, lines)
        new = [line for line in valid if line not in ours.signatures]
        if not new and ours.final:
            return True
        final = self.policy.is_final(ours.body, list(ours.signatures) + new)
        self.store.add_signatures(height, new, final)
        return final


class InboxPayloads:
    """Payloads from the peer's own inbox only (what a member was sent)."""

    def __init__(self, store: Store):
        self._store = store

    def payload(self, txid: str, contract: str, part: PrivatePart, members: tuple[str, ...]) -> Payload | None:
        return self._store.payload(txid, part.part, part.collection)


class ForkDetected(TradeledgerError, RuntimeError):
    """Two valid checkpoints for the same log size disagree: history has been split."""

    def __init__(self, height: int, sender: str, ours: str, theirs: str):
        super().__init__(
            f"FORK at block {height}: {sender} signed a different checkpoint\n"
            f"--- ours\n{ours}--- theirs\n{theirs}"
        )
        self.height = height
        self.sender = sender


