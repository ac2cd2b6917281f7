"""Re-verify a peer's whole ledger from its envelopes (`tradeledger audit`).

The audit trusts nothing it stored: it replays every envelope through a fresh executor
(verifying every signature again), rebuilds the Merkle log and the state, and compares
each recomputed block header, transaction verdict, state row and Merkle tile with what
the store holds. It then checks every checkpoint body and signature line against the
genesis policy, and fails on any recorded fork evidence.

Private collections (docs/privacy.md, "audit"): the replay takes each private part's
payload from the audited store's own inbox, so at a member the private state and the
verdicts are replayed and compared like public state, and a payload that no longer opens
its commitment is named. Every collection signature row must verify over the statement
for its digest, and the audited organization's own rows must carry the digest the replay
computes. At a non-member the audit checks what it holds: a row of a private namespace or
a payload of a collection it was never a member of is reported (it should not have it).
No problem text quotes a private value: rows are named by namespace and key only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from tradeledger.crypto import sha256_hex
from tradeledger.ledger.block import FormedBlock
from tradeledger.ledger.checkpoints import NetworkPolicy, checkpoint_body, collection_row_statement
from tradeledger.ledger.collections import (
    OUTCOMES,
    Payload,
    PrivatePart,
    halted_collections,
    is_private_namespace,
    outcome_key,
)
from tradeledger.ledger.contract import ContractSet
from tradeledger.ledger.executor import TxOutcome
from tradeledger.ledger.genesis import Genesis
from tradeledger.ledger.keys import StateKeyError, split_key
from tradeledger.ledger.peer import Peer
from tradeledger.ledger.signatures import SignatureVerifier
from tradeledger.ledger.state import StateReader
from tradeledger.store.base import CheckpointReader, CollectionSignature, PrivateReader, StoreRows, TxIndex
from tradeledger.store.sqlite import SQLiteStore

MAX_PROBLEMS = 50


@dataclass
class AuditReport:
    organization: str
    blocks: int = 0
    transactions: int = 0
    signatures_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


class AuditedStore(TxIndex, CheckpointReader, PrivateReader, StateReader, StoreRows, Protocol):
    """What an audit reads of a store: its blocks and transactions, checkpoints and
    forks, its payloads and collection signatures, and its rows; it writes nothing."""


def audit_store(
    organization: str,
    store: AuditedStore,
    genesis: Genesis,
    contracts: ContractSet,
    progress: Callable[[int, int], None] | None = None,
) -> AuditReport:
    report = AuditReport(organization)
    if store.genesis() != genesis.canonical:
        report.problem("the store's genesis differs from the network's genesis.json")
        return report
    # A fresh verifier: the audit checks every signature again, remembering nothing.
    verifier = SignatureVerifier(parallel=False)
    replay = SQLiteStore(Path(":memory:"))
    # The replay's payloads are the audited store's own: a member replays its private
    # state from what it holds, and a tampered payload shows up as a halt the store lacks.
    replica = Peer(organization, genesis, replay, contracts, None, verifier, payloads=_HeldPayloads(store))
    policy = NetworkPolicy(genesis)
    signed = _collection_rows(store)
    members_of: set[str] = set()  # collections the organization was a member of at some point
    headers = list(store.headers())
    head = store.head()
    total = len(headers)
    for number, stored in enumerate(headers, start=1):
        where = f"block {stored.height}"
        if stored.height != number:
            report.problem(f"{where}: expected height {number} (a block is missing or renumbered)")
            break
        # The replay follows the stored transactions, not the header's counts, so that an
        # edited header shows up as a difference instead of derailing the replay.
        records = store.txs_in_block(stored.height)
        if not records:
            report.problem(f"{where}: the store holds no transactions for it")
            break
        for record in records:
            if sha256_hex(record.leaf) != record.txid:
                report.problem(f"leaf {record.leaf_index}: stored txid is not the SHA-256 of the stored envelope")
        block = FormedBlock(
            first_position=records[0].position if records else stored.stream_end,
            end_position=stored.stream_end,
            leaves=tuple(r.leaf for r in records),
            positions=tuple(r.position for r in records),
            time_ms=stored.time_ms,
        )
        try:
            committed = replica.apply(block)
        except Exception as exc:  # a store damaged beyond replay: say where, then stop
            report.problem(f"{where}: cannot be replayed ({type(exc).__name__}: {exc})")
            break
        replayed = committed.header
        report.blocks += 1
        report.transactions += len(records)
        if replayed != stored:
            fields = [name for name in stored.__dataclass_fields__ if getattr(stored, name) != getattr(replayed, name)]
            report.problem(f"{where}: stored header differs from the replay in {', '.join(fields)}")
        for record, outcome in zip(records, committed.outcomes, strict=True):
            if record.valid != outcome.valid or record.reason != outcome.reason:
                report.problem(f"leaf {record.leaf_index}: stored verdict ({record.valid}, {record.reason!r}) "
                               f"differs from the replay ({outcome.valid}, {outcome.reason!r})")
            _check_payloads(report, store, organization, outcome, members_of)
        _check_collection_rows(report, signed.pop(stored.height, []), organization, genesis, policy, replay)
        checkpoint = store.checkpoint(stored.height)
        if checkpoint is None:
            report.problem(f"{where}: no checkpoint stored")
        else:
            expected_body = checkpoint_body(genesis.origin, replayed)
            if checkpoint.body != expected_body:
                report.problem(f"{where}: stored checkpoint body differs from the replayed block")
            if checkpoint.size != replayed.log_size:
                report.problem(f"{where}: stored checkpoint size {checkpoint.size} is not the log size "
                               f"{replayed.log_size}")
            valid = policy.valid_lines(expected_body, checkpoint.signatures)
            report.signatures_checked += len(checkpoint.signatures)
            for line in checkpoint.signatures:
                if line not in valid:
                    report.problem(f"{where}: checkpoint signature line does not verify: {line[:60]}...")
            quorum = policy.is_final(expected_body, valid)
            if checkpoint.final != quorum:
                report.problem(f"{where}: checkpoint marked {'final' if checkpoint.final else 'not final'} but "
                               f"its signatures {'do not meet' if not quorum else 'meet'} the policy quorum")
        if progress:
            progress(number, total)
    if head is not None and headers:
        last = headers[-1]
        expected = (last.height, last.stream_end + 1, last.log_size, last.log_root, last.state_digest, last.hash)
        if (head.height, head.next_position, head.log_size, head.log_root, head.state_digest,
                head.header_hash) != expected:
            report.problem("the store's head does not match its last block")
    _compare_events(report, store, replay)
    _compare_state(report, store, replay, members_of)
    _compare_tiles(report, store, replay)
    for height, rows in sorted(signed.items()):
        report.problem(f"block {height}: {len(rows)} collection signature row(s) for a block the store lacks")
    for name in halted_collections(store):
        # Not tampering, but this member's copy of the collection is known to stop short.
        report.problem(f"collection {name} is halted here: a private payload could not be had from any member, "
                       "so its later parts were not executed")
    for fork in store.forks():
        if "collection" in fork:
            report.problem(f"FORK evidence at block {fork['height']}: {fork.get('sender')} signed a different "
                           f"digest of collection {fork['collection']} (detected by {fork.get('detected_by')})")
            continue
        report.problem(f"FORK evidence at log size {fork['size']}: {fork.get('sender')} signed a different "
                       f"checkpoint (detected by {fork.get('detected_by')})")
    replay.close()
    verifier.close()
    return report


class _HeldPayloads:
    """The audited store's own inbox as the replay's payload source: nothing is fetched."""

    def __init__(self, store: PrivateReader):
        self._store = store

    def payload(self, txid: str, contract: str, part: PrivatePart, members: tuple[str, ...]) -> Payload | None:
        return self._store.payload(txid, part.part, part.collection)


def _collection_rows(store: PrivateReader) -> dict[int, list[CollectionSignature]]:
    rows: dict[int, list[CollectionSignature]] = {}
    for row in store.collection_signatures():
        rows.setdefault(row.height, []).append(row)
    return rows


def _check_payloads(report: AuditReport, store: AuditedStore, organization: str, outcome: TxOutcome,
                    members_of: set[str]) -> None:
    """A member's payloads must open their commitments; a peer that was not a member at the
    transaction (never, or no longer) must hold none."""
    if outcome.envelope is None:
        return
    contract = outcome.envelope.contract
    for part in outcome.parts:
        name = f"{contract}:{part.part.collection}"
        held = store.payload(outcome.txid, part.part.part, part.part.collection)
        if part.outcome is not None:  # the replay ran it here: a member
            members_of.add(name)
            stored = store.get_state(OUTCOMES, outcome_key(contract, part.part.collection, outcome.leaf_index,
                                                          part.part.part))
            executed = isinstance(stored, dict) and stored.get("status") == "executed"
            # A payload that never opened halted the collection (an honest store may hold
            # such junk); one the store executed under must still open its commitment.
            if executed and (held is None or not held.opens(part.part.commitment)):
                report.problem(f"leaf {outcome.leaf_index}: the payload held for part {part.part.part} of "
                               f"collection {name} no longer opens its commitment")
        elif held is not None:  # delivery and fetch serve only the members at the transaction
            report.problem(f"leaf {outcome.leaf_index}: holds the payload of part {part.part.part} of collection "
                           f"{name}, of which {organization} is not a member")


def _check_collection_rows(report: AuditReport, rows: list[CollectionSignature], organization: str,
                           genesis: Genesis, policy: NetworkPolicy, replayed: StateReader) -> None:
    """Each row's inclusion proof must lead from its digest's leaf to a root and its line
    must verify over the statement for that root (each distinct statement and line is
    verified once); the organization's own rows must carry the digest of the replayed
    collection after that block."""
    verified: dict[tuple[str, str, str], bool] = {}
    for row in rows:
        where = f"block {row.height}: collection {row.collection} signature by {row.organization}"
        try:
            digest = bytes.fromhex(row.digest)
        except ValueError:
            report.problem(f"{where}: its digest is not hex")
            continue
        statement = collection_row_statement(genesis.origin, row.height, row.collection, row.digest, row.leaf_index,
                                             row.size, row.proof)
        if statement is None:
            report.problem(f"{where}: its inclusion proof does not fit its leaf index and tree size")
            continue
        key = (statement, row.line, row.organization)
        if key not in verified:
            report.signatures_checked += 1
            verified[key] = policy.signed_by(statement, row.line, row.organization, genesis.origin)
        if not verified[key]:
            report.problem(f"{where}: its line does not verify over the statement for its digest")
        if row.organization == organization:
            contract, _, name = row.collection.partition(":")
            if Peer.collection_digest(replayed, contract, name) != digest:
                report.problem(f"{where}: its digest differs from the replayed collection")


def _compare_state(report: AuditReport, stored: StoreRows, replayed: StoreRows, members_of: set[str]) -> None:
    ours = {(ns, key): value for ns, key, value in stored.state_rows()}
    theirs = {(ns, key): value for ns, key, value in replayed.state_rows()}
    for key in sorted(set(ours) | set(theirs)):
        if ours.get(key) != theirs.get(key):
            namespace = key[0]
            if key not in theirs and is_private_namespace(namespace) and not _member_of(namespace, key[1], members_of):
                report.problem(f"state row {namespace}/{key[1]}: private state of a collection this organization "
                               f"is not a member of")
                continue
            report.problem(f"state row {namespace}/{key[1]}: stored value differs from the replay")


def _member_of(namespace: str, key: str, members_of: set[str]) -> bool:
    """Whether a private row belongs to a collection the organization was ever a member of."""
    contract, _, collection = namespace.partition("#")
    if contract:  # contract#collection: the collection's own private state
        return f"{contract}:{collection}" in members_of
    # #outcomes / #halted rows: keyed outcome|halted/contract/collection/...
    try:
        parts = split_key(key)[1]
    except StateKeyError:
        return False
    return len(parts) >= 2 and f"{parts[0]}:{parts[1]}" in members_of


def _compare_events(report: AuditReport, stored: TxIndex, replayed: TxIndex) -> None:
    ours, theirs = list(stored.events()), list(replayed.events())
    for index, (a, b) in enumerate(zip(ours, theirs, strict=False)):  # lengths compared below
        if a != b:
            report.problem(f"event {index} (leaf {a[0]}): stored event differs from the replay")
            return
    if len(ours) != len(theirs):
        report.problem(f"the store holds {len(ours)} events, the replay produced {len(theirs)}")


def _compare_tiles(report: AuditReport, stored: StoreRows, replayed: StoreRows) -> None:
    rows_a = dict(((level, idx), data) for level, idx, data in stored.tile_rows())
    rows_b = dict(((level, idx), data) for level, idx, data in replayed.tile_rows())
    for key in sorted(set(rows_a) | set(rows_b)):
        if rows_a.get(key) != rows_b.get(key):
            report.problem(f"Merkle tile level {key[0]} index {key[1]}: stored hashes differ from the replay")
