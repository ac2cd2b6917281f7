"""What a submitter is told: one receipt per envelope, at the level it reached.

A submitter chooses what to wait for and is told what it got (DESIGN.md decision 7):
"ordered" (durably in the stream), "committed" (in a block at the peer that answers) or
"final" (the block's checkpoint carries the policy's quorum of cosignatures).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, get_args

from tradeledger.runtime.errors import NetworkError

WaitLevel = Literal["ordered", "committed", "final"]
WAIT_LEVELS: tuple[WaitLevel, ...] = get_args(WaitLevel)


def wait_level(value: str) -> WaitLevel:
    """`value` as a wait level, or a NetworkError naming the levels there are."""
    if value not in WAIT_LEVELS:
        raise NetworkError(f"wait must be one of {', '.join(WAIT_LEVELS)}, not {value!r}")
    return value


@dataclass(frozen=True)
class Receipt:
    txid: str
    status: WaitLevel  # what was reached
    position: int
    leaf_index: int | None = None
    height: int | None = None
    valid: bool | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and v != ""}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Receipt:
        return cls(
            txid=data["txid"], status=wait_level(data["status"]), position=data["position"],
            leaf_index=data.get("leaf_index"), height=data.get("height"), valid=data.get("valid"),
            reason=data.get("reason", ""),
        )


class Settled(NamedTuple):
    """What a block made of one envelope."""

    status: WaitLevel  # committed | final
    leaf_index: int
    height: int
    valid: bool
    reason: str


def receipts_for(txids: Sequence[str], positions: Sequence[int], settled: Mapping[int, Settled]) -> list[Receipt]:
    """One receipt per submitted envelope, by its stream position: what its block made of
    it, or "ordered" while no block holds it yet."""
    receipts = []
    for txid, position in zip(txids, positions, strict=True):
        found = settled.get(position)
        if found is None:
            receipts.append(Receipt(txid, "ordered", position))
        else:
            receipts.append(Receipt(txid, found.status, position, found.leaf_index, found.height,
                                    found.valid, found.reason))
    return receipts
