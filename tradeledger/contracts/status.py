"""Status lists on the ledger: revocation and suspension bits of credentials, with history.

An issuer publishes a Bitstring Status List (W3C Bitstring Status List v1.0) by name, with
one purpose (revocation or suspension) and a length of at least 131,072 entries, then sets
and clears entries one transaction at a time. Every change keeps its block time, so the
list can be rebuilt as it stood at any moment (`set_indices_at`): a verifier asks what a
credential's status was when it relied on it, not only what it is now.

Revocation is final: a revocation bit is never cleared. Suspension is a reversible hold.
Only the publishing organization changes its lists. State (namespace "status"):

    list:<org>/<list_id>           the list: purpose, length, when published, by which tx
    bit:<org>/<list_id>/<index>    one entry's changes, oldest first: at_ms, value, txid, reason
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import field_validator

from tradeledger.credentials.status_list import (
    MIN_STATUS_LIST_LENGTH,
    REVOCATION,
    SUSPENSION,
)
from tradeledger.ledger.authority import utc_text
from tradeledger.ledger.contract import Args, Contract, Refused, TxContext
from tradeledger.ledger.state import StateReader

NAMESPACE = "status"
contract = Contract(NAMESPACE, "credential status lists (revocation and suspension)")
LIST_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
PURPOSES = (REVOCATION, SUSPENSION)
MAX_STATUS_LIST_LENGTH = 1 << 24  # 2 MiB of bits: far beyond any one issuer's needs, bounded
INDEX_DIGITS = 8  # zero-padded, so entries scan in index order; MAX_STATUS_LIST_LENGTH < 10**8
MAX_REASON = 200


def list_key(organization: str, list_id: str) -> str:
    return f"list:{organization}/{list_id}"


def bit_prefix(organization: str, list_id: str) -> str:
    return f"bit:{organization}/{list_id}/"


def bit_key(organization: str, list_id: str, index: int) -> str:
    return f"{bit_prefix(organization, list_id)}{index:0{INDEX_DIGITS}d}"


def _list_id(value: str) -> str:
    if not LIST_ID.match(value):
        raise ValueError("a status list id is 1-64 lowercase letters, digits, '.', '_' or '-', "
                         "such as ior-suspension")
    return value


class Publish(Args):
    list_id: str
    purpose: str
    length: int = MIN_STATUS_LIST_LENGTH

    _id = field_validator("list_id")(classmethod(lambda cls, v: _list_id(v)))

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, v: str) -> str:
        if v not in PURPOSES:
            raise ValueError(f"the purpose is {' or '.join(PURPOSES)}")
        return v

    @field_validator("length")
    @classmethod
    def _length(cls, v: int) -> int:
        if not MIN_STATUS_LIST_LENGTH <= v <= MAX_STATUS_LIST_LENGTH or v % 8:
            raise ValueError(f"a status list has {MIN_STATUS_LIST_LENGTH} to {MAX_STATUS_LIST_LENGTH} "
                             "entries (herd privacy), a multiple of 8")
        return v


class Change(Args):
    list_id: str
    index: int
    reason: str = ""

    _id = field_validator("list_id")(classmethod(lambda cls, v: _list_id(v)))

    @field_validator("index")
    @classmethod
    def _index(cls, v: int) -> int:
        if v < 0:
            raise ValueError("a status list index is 0 or more")
        return v

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        if len(v) > MAX_REASON or "\n" in v:
            raise ValueError(f"the reason is one line of at most {MAX_REASON} characters")
        return v


@contract.action("publish", Publish)
def publish(ctx: TxContext, args: Publish) -> None:
    organization = ctx.signer.organization
    existing = ctx.state.get(list_key(organization, args.list_id))
    ctx.require(existing is None, f"{organization} already published status list {args.list_id} "
                                  f"({existing and existing['purpose']}); choose another id")
    ctx.state.put(list_key(organization, args.list_id), {
        "organization": organization, "list_id": args.list_id, "purpose": args.purpose,
        "length": args.length, "published_ms": ctx.block_time_ms, "txid": ctx.txid,
    })
    ctx.emit("status_list_published", organization=organization, list_id=args.list_id,
             purpose=args.purpose, length=args.length)


def _changeable(ctx: TxContext, args: Change) -> tuple[dict[str, Any], dict[str, Any]]:
    """The list (owned by the signer) and the entry's record, or Refused with the reason."""
    organization = ctx.signer.organization
    listed = ctx.state.get(list_key(organization, args.list_id))
    ctx.require(listed is not None, f"{organization} has no status list {args.list_id}; publish it first")
    ctx.require(args.index < listed["length"],
                f"status list index {args.index} is outside list {args.list_id} (0..{listed['length'] - 1})")
    record = ctx.state.get(bit_key(organization, args.list_id, args.index)) or {"index": args.index, "history": []}
    return listed, record


def _record_change(ctx: TxContext, listed: dict[str, Any], record: dict[str, Any], args: Change, value: int) -> None:
    change = {"at_ms": ctx.block_time_ms, "value": value, "txid": ctx.txid, "reason": args.reason}
    ctx.state.put(bit_key(listed["organization"], args.list_id, args.index),
                  {"index": args.index, "history": [*record["history"], change]})
    ctx.emit("status_set" if value else "status_cleared", organization=listed["organization"],
             list_id=args.list_id, purpose=listed["purpose"], index=args.index)


def _current(record: dict[str, Any]) -> int:
    return record["history"][-1]["value"] if record["history"] else 0


@contract.action("set", Change)
def set_status(ctx: TxContext, args: Change) -> None:
    """Revoke (on a revocation list) or suspend (on a suspension list) entry `index`."""
    listed, record = _changeable(ctx, args)
    if _current(record):
        since = utc_text(record["history"][-1]["at_ms"])
        word = "revoked" if listed["purpose"] == REVOCATION else "suspended"
        raise Refused(f"entry {args.index} of {args.list_id} is already {word} (since {since})")
    _record_change(ctx, listed, record, args, 1)


@contract.action("clear", Change)
def clear_status(ctx: TxContext, args: Change) -> None:
    """Lift the suspension of entry `index`; a revocation is never lifted."""
    listed, record = _changeable(ctx, args)
    ctx.require(listed["purpose"] != REVOCATION,
                f"{args.list_id} is a revocation list and revocation cannot be undone; "
                "use a suspension list for reversible holds")
    ctx.require(bool(_current(record)), f"entry {args.index} of {args.list_id} is not suspended")
    _record_change(ctx, listed, record, args, 0)


# --- queries, shared by nodes and the identity layer ------------------------------------------


def find_list(state: StateReader, organization: str, list_id: str) -> dict[str, Any] | None:
    return state.get_state(NAMESPACE, list_key(organization, list_id))


def lists_of(state: StateReader, organization: str) -> list[dict[str, Any]]:
    return [value for _key, value in state.scan_state(NAMESPACE, f"list:{organization}/")]


def entry_history(state: StateReader, organization: str, list_id: str, index: int) -> list[dict[str, Any]]:
    """Every change of one entry, oldest first (empty when it was never set)."""
    record = state.get_state(NAMESPACE, bit_key(organization, list_id, index))
    return list(record["history"]) if record else []


def value_at(history: list[dict[str, Any]], at_ms: int) -> int:
    """An entry's bit at `at_ms`: the last change at or before it (changes are in log order)."""
    value = 0
    for change in history:
        if change["at_ms"] > at_ms:
            break
        value = change["value"]
    return value


def set_indices_at(state: StateReader, organization: str, list_id: str, at_ms: int) -> list[int]:
    """The entries whose bit was 1 at `at_ms`, in increasing order."""
    return [
        record["index"] for _key, record in state.scan_state(NAMESPACE, bit_prefix(organization, list_id))
        if value_at(record["history"], at_ms)
    ]
