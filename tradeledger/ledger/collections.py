"""Private collections: the data model (DESIGN.md decision 15, docs/privacy.md).

A private transaction's envelope names, for each private part, the part, its collection
and the salted commitment of its payload; the payload itself travels sealed to the
collection's members and never enters the log. A collection is a set of organizations
that public state names: the contract that owns it sets and changes its members, and
every peer can read who they are. Members execute the private part; everyone else keeps
the commitment only.

Private state is kept beside public state in each member's own store, under a namespace
of its own per collection (`private_namespace`), so no other party's store ever holds a
row of it. The verdict of each private part is kept at the members under
`OUTCOMES`, and what a member could not execute (a payload that could not be had) under
`HALTED`. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tradeledger.crypto import (
    NonCanonicalDataError,
    canonical_bytes,
    commit_document,
    commitment_of,
    parse_canonical,
    sha256,
)
from tradeledger.errors import Refused, TradeledgerError
from tradeledger.ledger.keys import key_prefix, split_key, state_key
from tradeledger.records import FieldReader, RecordError

PRIVATE_MARK = "#"  # never in a contract name, so a private namespace is never a public one
OUTCOMES = "#outcomes"  # verdicts of private parts, at the members: contract/collection/leaf/part
HALTED = "#halted"  # collections this peer stopped executing: contract/collection
COLLECTION = "collection"  # kind of the public membership key in the owning contract's namespace


def private_namespace(contract: str, collection: str) -> str:
    """Where a collection's private state lives in a member's store."""
    return f"{contract}{PRIVATE_MARK}{collection}"


def is_private_namespace(namespace: str) -> bool:
    return PRIVATE_MARK in namespace


def membership_key(collection: str) -> str:
    """The public key, in the owning contract's namespace, of a collection's members."""
    return state_key(COLLECTION, collection)


def outcome_key(contract: str, collection: str, leaf_index: int, part: str) -> str:
    return state_key("outcome", contract, collection, f"{leaf_index:012d}", part)


def outcomes_prefix(contract: str, collection: str) -> str:
    return key_prefix("outcome", contract, collection)


def halted_key(contract: str, collection: str) -> str:
    return state_key("halted", contract, collection)


def halted_collections(state: Any) -> tuple[str, ...]:
    """The collections ("contract:name") a peer stopped executing, from its own state (a
    `StateReader`): what its status, health and the CLI report."""
    names = []
    for key, _value in state.scan_state(HALTED, key_prefix("halted")):
        _kind, parts = split_key(key)
        if len(parts) == 2:
            names.append(qualified(parts[0], parts[1]))
    return tuple(sorted(names))


def qualified(contract: str, collection: str) -> str:
    """A collection's name across contracts, as messages and reports spell it."""
    return f"{contract}:{collection}"


class PayloadPending(TradeledgerError, RuntimeError):
    """A payload this member needs may still come (another member has not reached its
    transaction yet): the block is not applied now, and is tried again."""


@dataclass(frozen=True)
class PrivatePart:
    """One private part as the envelope carries it: public to every peer."""

    part: str
    collection: str
    commitment: str

    def to_dict(self) -> dict[str, Any]:
        return {"part": self.part, "collection": self.collection, "commitment": self.commitment}


@dataclass(frozen=True)
class CollectionRecord:
    """Who belongs to a collection, and how many private parts it has taken (public).

    A collection that has taken private parts does not gain members: a newcomer could
    only be handed the state so far by one member, unchecked (docs/privacy.md, "joining").
    """

    members: tuple[str, ...]
    parts: int = 0
    removed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"members": list(self.members), "parts": self.parts, "removed": list(self.removed)}

    @classmethod
    def from_dict(cls, data: Any) -> CollectionRecord:
        read = FieldReader("collection", data)
        return cls(read.texts("members"), read.integer("parts"), read.texts("removed"))


@dataclass(frozen=True)
class PrivateOutcome:
    """How a member judged one private part (kept at the members only)."""

    valid: bool
    reason: str = ""
    status: str = "executed"  # "executed" | "halted": the payload could not be had | "skipped": collection halted

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "reason": self.reason, "status": self.status}

    @classmethod
    def from_dict(cls, data: Any) -> PrivateOutcome:
        read = FieldReader("private outcome", data)
        return cls(read.boolean("valid"), read.text("reason"), read.text("status"))


@dataclass(frozen=True)
class Payload:
    """A private part's payload as its members hold it: the canonical JSON of the part's
    arguments and the salt of its commitment."""

    txid: str
    part: str
    collection: str
    salt: bytes
    data: bytes

    def opens(self, commitment: str) -> bool:
        return len(self.salt) == 32 and commitment_of(sha256(self.data), self.salt) == commitment

    def arguments(self) -> dict[str, Any]:
        """The part's arguments; a payload that is not a canonical JSON object is refused."""
        try:
            value = parse_canonical(self.data)
        except NonCanonicalDataError as exc:
            raise Refused(f"private payload of part {self.part} is not canonical JSON: {exc}") from None
        if not isinstance(value, dict):
            raise Refused(f"private payload of part {self.part} is not a JSON object")
        return value

    def to_dict(self) -> dict[str, Any]:
        return {"txid": self.txid, "part": self.part, "collection": self.collection,
                "salt": self.salt.hex(), "data": self.data.decode("utf-8")}

    @classmethod
    def from_dict(cls, data: Any) -> Payload:
        read = FieldReader("payload", data)
        try:
            salt = bytes.fromhex(read.text("salt"))
        except ValueError:
            raise RecordError("payload", "salt", "is not hex") from None
        return cls(read.text("txid"), read.text("part"), read.text("collection"), salt,
                   read.text("data").encode("utf-8"))


@dataclass(frozen=True)
class PrivateInput:
    """What a workflow hands the runtime for one private part: its arguments in clear."""

    part: str
    collection: str
    args: Mapping[str, Any]


@dataclass(frozen=True)
class CommittedPart:
    """A private input with its commitment made: the envelope's part and its payload bytes."""

    part: PrivatePart
    salt: bytes
    data: bytes

    def payload(self, txid: str) -> Payload:
        return Payload(txid, self.part.part, self.part.collection, self.salt, self.data)


def commit_part(private: PrivateInput) -> CommittedPart:
    data = canonical_bytes(dict(private.args))
    commitment, salt, _ = commit_document(data)
    return CommittedPart(PrivatePart(private.part, private.collection, commitment), salt, data)


def collection_digest(members: Iterable[str], state: Iterable[tuple[str, Any]],
                      outcomes: Iterable[tuple[str, Any]]) -> bytes:
    """The digest members sign: the whole of a collection's private state, its verdicts and
    its members. Collections are small (one entry, one license, one request), so the full
    listing is hashed each block it changes, and a member can be checked by anyone holding
    the same collection."""
    return sha256(canonical_bytes({
        "members": sorted(members),
        "state": [[key, value] for key, value in state],
        "outcomes": [[key, value] for key, value in outcomes],
    }))
