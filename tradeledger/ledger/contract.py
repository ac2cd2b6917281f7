"""The contract framework: deterministic state machines with argument schemas.

A contract module creates one `Contract`, declares its actions with `@contract.action`,
each with a Pydantic model for its arguments and the organization roles allowed to call
it. Handlers get a `TxContext` and must be deterministic (DESIGN.md decision 4): no wall
clock, no randomness, no I/O. Time is the block time; inputs are the envelope and state.
A handler refuses a transaction by raising `Refused(reason)`.

An action may have private parts (DESIGN.md decision 15, docs/privacy.md). Its public
handler runs at every peer and names the collections (`TxContext.set_members`); each
part's handler, declared with `@contract.private(action, part, Payload)`, runs only at the
members of the part's collection, on the payload they alone received, and reads and
writes that collection's private state through a `PrivateContext`.

An action may also declare `reads=`: the state keys it will read, guessed from the raw
arguments and commitments. The executor fetches a whole block's guesses in one query
before executing it; the guess is advice only and never changes an outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from tradeledger.crypto import canonical_bytes
from tradeledger.errors import Refused
from tradeledger.ledger.collections import (
    PRIVATE_MARK,
    CollectionRecord,
    PrivatePart,
    membership_key,
    private_namespace,
    qualified,
)
from tradeledger.ledger.state import GuardedReader, Overlay, StateReader, StateView

ANY_ROLE: frozenset[str] = frozenset({"*"})


class Args(BaseModel):
    """Base for argument schemas: strict types, no unknown fields, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


@dataclass(frozen=True)
class Signer:
    """The registered key that signed a transaction, and who it belongs to."""

    key: str  # did:key of the signing key
    organization: str
    role: str
    member: str
    admin: bool


@dataclass(frozen=True)
class Event:
    contract: str
    type: str
    data: dict[str, Any]
    data_json: str = field(repr=False, compare=False)  # canonical JSON of data, made at emit

    def to_dict(self) -> dict[str, Any]:
        return {"contract": self.contract, "type": self.type, "data": self.data}


@dataclass
class TxContext:
    txid: str
    leaf_index: int
    block_time_ms: int
    signer: Signer
    commitments: tuple[str, ...]
    state: StateView
    network: str
    events: list[Event] = field(default_factory=list)
    private_parts: tuple[PrivatePart, ...] = ()

    def emit(self, event_type: str, **data: Any) -> None:
        # Encoding here refuses non-ledger data in the transaction that emits it, not at commit.
        self.events.append(Event(self.state.namespace, event_type, data, canonical_bytes(data).decode("utf-8")))

    def require(self, condition: bool, reason: str) -> None:
        if not condition:
            raise Refused(reason)

    # --- collections (public: every peer runs this) ------------------------------------
    def collection(self, name: str, contract: str | None = None) -> CollectionRecord | None:
        return collection_record(self.state.reader, contract or self.state.namespace, name)

    def set_members(self, name: str, members: Iterable[str]) -> None:
        """Make `members` the members of this contract's collection `name` (created if new).

        A collection that has taken private parts may lose members but not gain them: a
        newcomer would have to take the state so far on one member's word."""
        wanted = tuple(sorted(set(members)))
        self.require(bool(wanted), f"collection {name} needs at least one member")
        current = self.collection(name)
        if current is not None and current.parts:
            added = sorted(set(wanted) - set(current.members))
            self.require(not added, f"collection {name} already holds private state; it cannot gain "
                                    f"{', '.join(added)}: open a new collection for them")
        if current is None:
            record = CollectionRecord(wanted)
        else:
            removed = tuple(sorted({*current.removed, *(set(current.members) - set(wanted))}))
            record = CollectionRecord(wanted, current.parts, removed)
        self.state.put(membership_key(name), record.to_dict())

    def parts_named(self, part: str) -> tuple[PrivatePart, ...]:
        """The envelope's private parts of one kind, for the public handler to check."""
        return tuple(p for p in self.private_parts if p.part == part)


def collection_record(state: StateReader, contract: str, name: str) -> CollectionRecord | None:
    value = state.get_state(contract, membership_key(name))
    return CollectionRecord.from_dict(value) if value is not None else None


class PrivateView:
    """One collection's private state, as a part's handler reads (and may write) it."""

    def __init__(self, overlay: Overlay, contract: str, collection: str, writable: bool):
        self._overlay = overlay
        self.namespace = private_namespace(contract, collection)
        self._writable = writable

    def get(self, key: str) -> Any | None:
        return self._overlay.get_state(self.namespace, key)

    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]:
        return self._overlay.scan_state(self.namespace, prefix)

    def put(self, key: str, value: Any) -> None:
        if not self._writable:
            raise Refused(f"{self.namespace} is read-only here")
        self._overlay.put(self.namespace, key, value, canonical_bytes(value).decode("utf-8"))

    def delete(self, key: str) -> None:
        if not self._writable:
            raise Refused(f"{self.namespace} is read-only here")
        self._overlay.put(self.namespace, key, None)


@dataclass
class PrivateContext:
    """What a private part's handler sees: its own collection's private state, public state
    read-only, and other collections it may read.

    It may read another collection only when every member of its own is a member of that
    one too: then every peer that runs this part holds what it reads, and all of them
    reach the same verdict (docs/privacy.md, "rules over several collections").
    """

    txid: str
    leaf_index: int
    block_time_ms: int
    signer: Signer
    network: str
    contract: str
    part: str
    collection: str
    members: tuple[str, ...]
    overlay: Overlay

    @property
    def state(self) -> PrivateView:
        return PrivateView(self.overlay, self.contract, self.collection, writable=True)

    @property
    def public(self) -> StateReader:
        """State as this part may read it: all public state, its own collection, and the
        collections the read rule admits; the query helpers of other contracts take it."""
        return GuardedReader(self.overlay, self._may_read)

    def get_public(self, key: str, namespace: str | None = None) -> Any | None:
        return self.public.get_state(namespace or self.contract, key)

    def _may_read(self, namespace: str) -> bool:
        if namespace == private_namespace(self.contract, self.collection):
            return True
        owner, _, collection = namespace.partition(PRIVATE_MARK)
        if not owner or not collection:
            return False  # verdict and halt records are the runtime's, not a contract's
        self.read(collection, owner)  # refuses with the reason when the rule does not admit it
        return True

    def read(self, collection: str, contract: str | None = None) -> PrivateView:
        """Another collection's private state, read-only (see the class docstring)."""
        owner = contract or self.contract
        record = collection_record(self.overlay, owner, collection)
        if record is None:
            raise Refused(f"no collection {qualified(owner, collection)}")
        missing = sorted(set(self.members) - set(record.members))
        if missing:
            raise Refused(f"collection {qualified(self.contract, self.collection)} cannot read "
                          f"{qualified(owner, collection)}: {', '.join(missing)} are not members of it")
        return PrivateView(self.overlay, owner, collection, writable=False)

    def require(self, condition: bool, reason: str) -> None:
        if not condition:
            raise Refused(reason)


A = TypeVar("A", bound=Args)
Handler = Callable[[TxContext, Any], None]
PrivateHandler = Callable[[PrivateContext, Any, Any], None]  # (context, public args, payload)


@dataclass(frozen=True)
class PartSpec:
    """A private part an action takes: its payload schema and its handler."""

    name: str
    payload: type[Args]
    handler: PrivateHandler

    def parse_payload(self, raw: dict[str, Any]) -> Args:
        try:
            return self.payload.model_validate(raw)
        except ValidationError as exc:
            raise Refused(f"invalid {self.name.replace('_', ' ')}: {_problems(exc)}") from None


# The state keys an action will read, guessed from its raw arguments and commitments
# before the block executes, so the block fetches them in bulk. A hint only: a wrong or
# failing guess costs a query, never an outcome.
ReadHint = Callable[[dict[str, Any], tuple[str, ...]], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Action(Generic[A]):
    name: str
    args: type[A]
    roles: frozenset[str]
    handler: Handler
    reads: ReadHint | None = None
    parts: dict[str, PartSpec] = field(default_factory=dict)

    def parse_args(self, raw: dict[str, Any]) -> A:
        try:
            return self.args.model_validate(raw)
        except ValidationError as exc:
            raise Refused(f"invalid arguments for {self.name}: {_problems(exc)}") from None

    def authorize(self, signer: Signer) -> None:
        if "*" not in self.roles and signer.role not in self.roles:
            raise Refused(
                f"organization {signer.organization} (role {signer.role}) may not {self.name}; "
                f"allowed roles: {', '.join(sorted(self.roles))}"
            )


def _problems(exc: ValidationError) -> str:
    # Pydantic's input echo is left out: a private payload's values must not reach a reason.
    # A validator's own message is the reason; Pydantic's "Value error, " prefix is noise.
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'args'}: {err['msg'].removeprefix('Value error, ')}"
                     for err in exc.errors())


class Contract:
    def __init__(self, name: str, description: str = ""):
        self.name = name
        self.description = description
        self.actions: dict[str, Action[Any]] = {}

    def action(
        self, name: str, args: type[A], roles: Iterable[str] = ANY_ROLE, reads: ReadHint | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if name in self.actions:
                raise ValueError(f"{self.name}.{name} declared twice")
            self.actions[name] = Action(name, args, frozenset(roles), handler, reads)
            return handler

        return register

    def private(self, action: str, part: str, payload: type[Args]) -> Callable[[PrivateHandler], PrivateHandler]:
        """Declare the private part `part` of `action` (declared before it)."""
        def register(handler: PrivateHandler) -> PrivateHandler:
            found = self.actions.get(action)
            if found is None:
                raise ValueError(f"{self.name}.{action}: declare the action before its private part {part}")
            if part in found.parts:
                raise ValueError(f"{self.name}.{action} part {part} declared twice")
            found.parts[part] = PartSpec(part, payload, handler)
            return handler

        return register


class ContractSet:
    """The contracts a network runs, by name."""

    def __init__(self, contracts: Iterable[Contract]):
        self._by_name = {c.name: c for c in contracts}

    def find(self, contract: str, action: str) -> Action[Any]:
        found = self._by_name.get(contract)
        if found is None:
            raise Refused(f"unknown contract {contract!r}")
        handler = found.actions.get(action)
        if handler is None:
            raise Refused(f"contract {contract} has no action {action!r}")
        return handler

    def predicted_reads(self, contract: str, action: str, args: dict[str, Any],
                        commitments: tuple[str, ...]) -> list[tuple[str, str]]:
        """The keys an envelope's action says it will read; none when it cannot say."""
        found = self._by_name.get(contract)
        hint = found.actions[action].reads if found is not None and action in found.actions else None
        if hint is None:
            return []
        try:
            return list(hint(args, commitments))
        except Exception:  # a hint over arguments not yet validated; the handler will judge them
            return []

    def __iter__(self):
        return iter(self._by_name.values())
