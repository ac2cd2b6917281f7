"""The contract framework: deterministic state machines with argument schemas.

A contract module creates one `Contract`, declares its actions with `@contract.action`,
each with a Pydantic model for its arguments and the organization roles allowed to call
it. Handlers get a `TxContext` and must be deterministic (DESIGN.md decision 4): no wall
clock, no randomness, no I/O. Time is the block time; inputs are the envelope and state.
A handler refuses a transaction by raising `Refused(reason)`.

An action may also declare `reads=`: the state keys it will read, guessed from the raw
arguments and commitments. The executor fetches a whole block's guesses in one query
before executing it; the guess is advice only and never changes an outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from tradeledger.crypto import canonical_bytes
from tradeledger.errors import Refused
from tradeledger.ledger.state import StateView

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

    def emit(self, event_type: str, **data: Any) -> None:
        # Encoding here refuses non-ledger data in the transaction that emits it, not at commit.
        self.events.append(Event(self.state.namespace, event_type, data, canonical_bytes(data).decode("utf-8")))

    def require(self, condition: bool, reason: str) -> None:
        if not condition:
            raise Refused(reason)


A = TypeVar("A", bound=Args)
Handler = Callable[[TxContext, Any], None]
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

    def parse_args(self, raw: dict[str, Any]) -> A:
        try:
            return self.args.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'args'}: {err['msg']}" for err in exc.errors()
            )
            raise Refused(f"invalid arguments for {self.name}: {problems}") from None

    def authorize(self, signer: Signer) -> None:
        if "*" not in self.roles and signer.role not in self.roles:
            raise Refused(
                f"organization {signer.organization} (role {signer.role}) may not {self.name}; "
                f"allowed roles: {', '.join(sorted(self.roles))}"
            )


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
