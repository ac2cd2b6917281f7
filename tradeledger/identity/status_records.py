"""The status contract's records, read: published status lists and every change of their entries.

The status contract (tradeledger.contracts.status) writes these; tradeledger.identity.status
rebuilds lists from them as they stood at any moment. State (namespace "status"):

    list/<org>/<list id>             StatusList: purpose, length, when published, by which tx
    bit/<org>/<list id>/<index>      StatusBit: one entry's changes, oldest first (StatusChange)

An index is written zero-padded to INDEX_DIGITS, so an issuer's entries scan in index order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tradeledger.credentials.status_list import REVOCATION, SUSPENSION
from tradeledger.identity.errors import IdentityError
from tradeledger.ledger.keys import key_prefix, state_key
from tradeledger.ledger.state import StateReader

NAMESPACE = "status"
PURPOSES = (REVOCATION, SUSPENSION)
MAX_STATUS_LIST_LENGTH = 1 << 24  # 2 MiB of bits: far beyond any one issuer's needs, bounded
INDEX_DIGITS = 8  # MAX_STATUS_LIST_LENGTH < 10**8


class StatusRecordError(IdentityError):
    """A status list record that the status contract could not have written."""


def list_key(organization: str, list_id: str) -> str:
    return state_key("list", organization, list_id)


def lists_prefix(organization: str) -> str:
    return key_prefix("list", organization)


def bit_prefix(organization: str, list_id: str) -> str:
    return key_prefix("bit", organization, list_id)


def bit_key(organization: str, list_id: str, index: int) -> str:
    return state_key("bit", organization, list_id, f"{index:0{INDEX_DIGITS}d}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _mapping(record: str, data: object) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise StatusRecordError(f"a {record} is a JSON object, not {type(data).__name__}")
    return data


@dataclass(frozen=True)
class StatusList:
    """A list an organization published: its purpose (revocation | suspension) and length."""

    organization: str
    list_id: str
    purpose: str
    length: int
    published_ms: int
    txid: str

    def __post_init__(self) -> None:
        if not all(isinstance(t, str) for t in (self.organization, self.list_id, self.txid)) \
                or not _is_int(self.length) or not _is_int(self.published_ms):
            raise StatusRecordError(f"status list {self.list_id!r}: a field has the wrong type")
        if self.purpose not in PURPOSES:
            raise StatusRecordError(f"status list {self.list_id}: unknown purpose {self.purpose!r}")
        if not 0 < self.length <= MAX_STATUS_LIST_LENGTH or self.length % 8:
            raise StatusRecordError(f"status list {self.list_id}: {self.length} is not a length of a list")

    def holds(self, index: int) -> bool:
        return 0 <= index < self.length

    def to_dict(self) -> dict[str, Any]:
        return {"organization": self.organization, "list_id": self.list_id, "purpose": self.purpose,
                "length": self.length, "published_ms": self.published_ms, "txid": self.txid}

    @classmethod
    def from_dict(cls, data: object) -> StatusList:
        d = _mapping("status list", data)
        try:
            return cls(d["organization"], d["list_id"], d["purpose"], d["length"], d["published_ms"], d["txid"])
        except KeyError as exc:
            raise StatusRecordError(f"status list: missing field {exc}") from None


@dataclass(frozen=True)
class StatusChange:
    """One change of an entry: its bit became `value` at block time `at_ms`, by `txid`."""

    at_ms: int
    value: int  # 1 set (revoked or suspended), 0 cleared
    txid: str
    reason: str = ""

    def __post_init__(self) -> None:
        if not _is_int(self.at_ms) or self.value not in (0, 1) or isinstance(self.value, bool) \
                or not isinstance(self.txid, str) or not isinstance(self.reason, str):
            raise StatusRecordError("a status change is {at_ms, value 0 or 1, txid, reason}")

    def to_dict(self) -> dict[str, Any]:
        return {"at_ms": self.at_ms, "value": self.value, "txid": self.txid, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: object) -> StatusChange:
        d = _mapping("status change", data)
        try:
            return cls(d["at_ms"], d["value"], d["txid"], d.get("reason", ""))
        except KeyError as exc:
            raise StatusRecordError(f"status change: missing field {exc}") from None


def value_at(history: Sequence[StatusChange], at_ms: int) -> int:
    """An entry's bit at `at_ms`: the last change at or before it (changes are in log order)."""
    change = last_change_at(history, at_ms)
    return change.value if change is not None else 0


def last_change_at(history: Sequence[StatusChange], at_ms: int) -> StatusChange | None:
    """The change in force at `at_ms`, or None before the first."""
    found = None
    for change in history:
        if change.at_ms > at_ms:
            break
        found = change
    return found


@dataclass(frozen=True)
class StatusBit:
    """One entry of a list and every change of its bit, oldest first (empty: never set)."""

    index: int
    history: tuple[StatusChange, ...] = ()

    def __post_init__(self) -> None:
        if not _is_int(self.index) or self.index < 0:
            raise StatusRecordError(f"a status list index is 0 or more, not {self.index!r}")

    @property
    def value(self) -> int:
        """The bit now: the last change's value."""
        return self.history[-1].value if self.history else 0

    def value_at(self, at_ms: int) -> int:
        return value_at(self.history, at_ms)

    def changed(self, change: StatusChange) -> StatusBit:
        return StatusBit(self.index, (*self.history, change))

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "history": [c.to_dict() for c in self.history]}

    @classmethod
    def from_dict(cls, data: object) -> StatusBit:
        d = _mapping("status entry", data)
        history = d.get("history", [])
        if "index" not in d or not isinstance(history, list):
            raise StatusRecordError("a status entry is {index, history: [changes]}")
        return cls(d["index"], tuple(StatusChange.from_dict(c) for c in history))


# --- readers ------------------------------------------------------------------------------------


def find_list(state: StateReader, organization: str, list_id: str) -> StatusList | None:
    data = state.get_state(NAMESPACE, list_key(organization, list_id))
    return StatusList.from_dict(data) if data is not None else None


def lists_of(state: StateReader, organization: str) -> list[StatusList]:
    return [StatusList.from_dict(value) for _key, value in state.scan_state(NAMESPACE, lists_prefix(organization))]


def status_bit(state: StateReader, organization: str, list_id: str, index: int) -> StatusBit:
    data = state.get_state(NAMESPACE, bit_key(organization, list_id, index))
    return StatusBit.from_dict(data) if data is not None else StatusBit(index)


def entry_history(state: StateReader, organization: str, list_id: str, index: int) -> tuple[StatusChange, ...]:
    """Every change of one entry, oldest first (empty when it was never set)."""
    return status_bit(state, organization, list_id, index).history


def changed_bits(state: StateReader, organization: str, list_id: str) -> Iterable[StatusBit]:
    """Every entry of the list that was ever changed, in increasing index order."""
    for _key, value in state.scan_state(NAMESPACE, bit_prefix(organization, list_id)):
        yield StatusBit.from_dict(value)


def set_indices_at(state: StateReader, organization: str, list_id: str, at_ms: int) -> list[int]:
    """The entries whose bit was 1 at `at_ms`, in increasing order."""
    return [bit.index for bit in changed_bits(state, organization, list_id) if bit.value_at(at_ms)]
