"""Blocks: consecutive leaves of the log, formed deterministically from the ordered stream.

Block formation is a pure function of the stream (DESIGN.md decision 6): a block closes
when it reaches the size limit or when the stream carries a cut marker; a cut with nothing
pending is ignored. The block time is the orderer's timestamp of the closing item, so
every peer forms identical blocks with identical times from the same stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

from tradeledger.crypto import canonical_bytes, sha256, sha256_hex

ZERO_HASH = bytes(32)


class OrderedItem(NamedTuple):
    """One item of the ordered stream: an envelope's bytes or a cut marker (a NamedTuple:
    peers read thousands at a time)."""

    position: int  # 1-based stream sequence, as JetStream numbers messages
    kind: str  # "envelope" | "cut"
    payload: bytes
    timestamp_ms: int


@dataclass(frozen=True)
class FormedBlock:
    first_position: int
    end_position: int  # position of the item that closed the block
    leaves: tuple[bytes, ...]
    positions: tuple[int, ...]  # stream position of each leaf
    time_ms: int

    @cached_property
    def txids(self) -> tuple[str, ...]:
        return tuple(sha256_hex(leaf) for leaf in self.leaves)


def form_blocks(
    items: Iterable[OrderedItem], *, next_position: int, max_transactions: int
) -> tuple[list[FormedBlock], int]:
    """Cut the stream from `next_position` into blocks.

    Returns the closed blocks and the position from which to continue: items after the
    last closed block that do not yet close a block stay for the next call.
    """
    blocks: list[FormedBlock] = []
    pending: list[bytes] = []
    positions: list[int] = []
    start = next_position
    resume = next_position
    for item in items:
        if item.position < next_position:
            continue
        if item.kind == "cut":
            if pending:
                blocks.append(FormedBlock(start, item.position, tuple(pending), tuple(positions), item.timestamp_ms))
                pending, positions = [], []
            start = resume = item.position + 1
            continue
        if not pending:
            start = item.position
        pending.append(item.payload)
        positions.append(item.position)
        if len(pending) == max_transactions:
            blocks.append(FormedBlock(start, item.position, tuple(pending), tuple(positions), item.timestamp_ms))
            pending, positions = [], []
            start = resume = item.position + 1
    return blocks, resume


@dataclass(frozen=True)
class BlockHeader:
    """What a block commits to; its hash chains blocks and rides in the checkpoint."""

    network: str
    height: int
    previous_hash: bytes
    first_leaf: int
    leaf_count: int
    log_size: int
    log_root: bytes
    state_digest: bytes
    time_ms: int
    validity: str  # one character per transaction: "1" valid, "0" invalid
    stream_end: int  # the ordered-stream position that closed the block

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "height": self.height,
            "previous_hash": self.previous_hash.hex(),
            "first_leaf": self.first_leaf,
            "leaf_count": self.leaf_count,
            "log_size": self.log_size,
            "log_root": self.log_root.hex(),
            "state_digest": self.state_digest.hex(),
            "time_ms": self.time_ms,
            "validity": self.validity,
            "stream_end": self.stream_end,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BlockHeader:
        return cls(
            network=data["network"],
            height=data["height"],
            previous_hash=bytes.fromhex(data["previous_hash"]),
            first_leaf=data["first_leaf"],
            leaf_count=data["leaf_count"],
            log_size=data["log_size"],
            log_root=bytes.fromhex(data["log_root"]),
            state_digest=bytes.fromhex(data["state_digest"]),
            time_ms=data["time_ms"],
            validity=data["validity"],
            stream_end=data["stream_end"],
        )

    def canonical(self) -> bytes:
        return canonical_bytes(self.to_dict())

    @property
    def hash(self) -> bytes:
        return sha256(self.canonical())


def validity_string(flags: Sequence[bool]) -> str:
    return "".join("1" if f else "0" for f in flags)
