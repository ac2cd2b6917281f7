"""What a peer keeps, and the interface every store engine implements."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from tradeledger.errors import TradeledgerError
from tradeledger.ledger.block import BlockHeader
from tradeledger.ledger.collections import Payload
from tradeledger.ledger.state import StateReader


class StoreError(TradeledgerError, RuntimeError):
    """The store cannot be opened, is from another network, or failed to commit."""


@dataclass(frozen=True)
class Head:
    """Where a peer stands: its last committed block and the stream position after it."""

    height: int
    next_position: int
    log_size: int
    log_root: bytes
    state_digest: bytes
    header_hash: bytes


class TxRecord(NamedTuple):
    """One envelope as a peer keeps it (a NamedTuple: blocks build hundreds at a time)."""

    leaf_index: int
    txid: str
    leaf: bytes
    valid: bool
    reason: str
    height: int
    position: int  # where the orderer put it in the stream


@dataclass(frozen=True)
class CheckpointRecord:
    height: int
    size: int
    body: str
    signatures: tuple[str, ...]  # signed-note signature lines, without their newline
    final: bool

    @property
    def note(self) -> str:
        return self.body + "\n" + "".join(line + "\n" for line in self.signatures)


class CollectionSignature(NamedTuple):
    """A member's signature over a collection's digest after a block (decision 15).

    The member signs once per block, over the tree of all the collections it executed
    there (`ledger.checkpoints.collection_tree`); a row carries its collection's leaf
    index, the tree size and the inclusion proof, from which the signed statement's root
    follows (`collection_row_statement`). The proof's hashes are hashes of hashes: they
    reveal nothing of the member's other collections."""

    height: int
    collection: str  # contract:collection
    organization: str
    digest: str  # hex
    line: str  # signed-note signature line over `collection_statement` of the member's tree
    leaf_index: int = 0  # the collection's leaf in the tree
    size: int = 1  # leaves in the tree
    proof: str = ""  # inclusion proof: the hashes, hex, concatenated, leaf's sibling first


@dataclass(frozen=True)
class BlockCommit:
    """Everything one block changes, written in one transaction."""

    header: BlockHeader
    next_position: int
    txs: list[TxRecord]
    tiles: Mapping[tuple[int, int], bytes]
    writes: Mapping[tuple[str, str], str | None]  # canonical JSON text of each value; None deletes
    events: list[tuple[int, str, str, str]]  # (leaf_index, contract, type, canonical JSON of data)
    checkpoint_body: str
    signatures: tuple[str, ...]
    final: bool
    collection_signatures: tuple[CollectionSignature, ...] = ()
    payloads: tuple[Payload, ...] = ()  # the payloads the block's private parts ran on, replacing other copies


class TileReader(Protocol):
    """The tiles of the peer's Merkle log (C2SP tlog-tiles), by (level, index)."""

    def read_tiles(self, keys: Collection[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]: ...


class TxIndex(Protocol):
    """The transactions a peer has committed, their blocks and events, read-only."""

    def tx_by_id(self, txid: str) -> TxRecord | None: ...
    def tx_by_index(self, leaf_index: int) -> TxRecord | None: ...
    def tx_by_position(self, position: int) -> TxRecord | None: ...
    def txs_at_positions(self, first: int, last: int) -> dict[int, TxRecord]: ...
    def txs_in_block(self, height: int) -> list[TxRecord]: ...
    def txs(self, first: int = 0, limit: int | None = None) -> Iterator[TxRecord]: ...
    def seen_txids(self, txids: Collection[str]) -> set[str]: ...
    def header(self, height: int) -> BlockHeader | None: ...
    def headers(self) -> Iterator[BlockHeader]: ...
    def events(self, first_leaf: int = 0) -> Iterator[tuple[int, str, str, dict[str, Any]]]: ...


class CheckpointReader(Protocol):
    """The peer's signed checkpoints, which are final, and the forks it has seen."""

    def checkpoint(self, height: int) -> CheckpointRecord | None: ...
    def checkpoints(self) -> Iterator[CheckpointRecord]: ...
    def latest_final_checkpoint(self, min_size: int = 0) -> CheckpointRecord | None: ...
    def final_heights(self, first: int, last: int) -> set[int]: ...
    def non_final_heights(self) -> list[int]: ...
    def forks(self) -> list[dict[str, Any]]: ...


class CheckpointStore(CheckpointReader, Protocol):
    """Checkpoints as the peer's cosigning writes them."""

    def add_signatures(self, height: int, lines: Iterable[str], final: bool) -> None: ...
    def record_fork(self, size: int, evidence: dict[str, Any]) -> None: ...


class PrivateReader(Protocol):
    """What a member holds of its collections beside their state: payloads it received
    and the digests members signed."""

    def payload(self, txid: str, part: str, collection: str) -> Payload | None: ...
    def collection_signatures(self, first_height: int = 0, last_height: int | None = None
                              ) -> list[CollectionSignature]: ...


class PrivateStore(PrivateReader, Protocol):
    def put_payloads(self, payloads: Iterable[Payload]) -> None: ...
    def add_collection_signatures(self, rows: Iterable[CollectionSignature]) -> None: ...


class LedgerReader(StateReader, TileReader, TxIndex, CheckpointReader, PrivateReader, Protocol):
    """Everything a caller above the peer may read of one organization's ledger: the
    narrow door the runtimes hand out (`ledger(org)`). Nothing here writes."""


class StoreRows(Protocol):
    """What a store holds, row by row: the genesis it was opened for, its head, and every
    state and tile row, for an audit to compare with a replay."""

    def genesis(self) -> bytes | None: ...
    def head(self) -> Head | None: ...
    def state_rows(self) -> Iterator[tuple[str, str, Any]]: ...
    def tile_rows(self) -> Iterator[tuple[int, int, bytes]]: ...


class Store(LedgerReader, CheckpointStore, PrivateStore, StoreRows, Protocol):
    """A peer store engine: what the peer commits, and everything it reads back."""

    def initialize(self, genesis: bytes, writes: Mapping[tuple[str, str], Any], head: Head) -> None: ...
    def commit_block(self, commit: BlockCommit) -> None: ...
    def close(self) -> None: ...
