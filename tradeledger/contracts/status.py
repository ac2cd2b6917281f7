"""Status lists on the ledger: revocation and suspension bits of credentials, with history.

An issuer publishes a Bitstring Status List (W3C Bitstring Status List v1.0) by name, with
one purpose (revocation or suspension) and a length of at least 131,072 entries, then sets
and clears entries one transaction at a time. Every change keeps its block time, so the
list can be rebuilt as it stood at any moment (tradeledger.identity.status): a verifier asks what a
credential's status was when it relied on it, not only what it is now.

Revocation is final: a revocation bit is never cleared. Suspension is a reversible hold.
Only the publishing organization changes its lists. It keeps the records of
tradeledger.identity.status_records (namespace "status"):

    list/<org>/<list_id>           StatusList: purpose, length, when published, by which tx
    bit/<org>/<list_id>/<index>    StatusBit: one entry's changes, oldest first (at_ms, value, txid, reason)
"""

from __future__ import annotations

import re

from pydantic import field_validator

from tradeledger.credentials.status_list import MIN_STATUS_LIST_LENGTH, REVOCATION
from tradeledger.identity.status_records import (
    MAX_STATUS_LIST_LENGTH,
    NAMESPACE,
    PURPOSES,
    StatusBit,
    StatusChange,
    StatusList,
    bit_key,
    find_list,
    list_key,
    status_bit,
)
from tradeledger.ledger.authority import utc_text
from tradeledger.ledger.contract import Args, Contract, Refused, TxContext

contract = Contract(NAMESPACE, "credential status lists (revocation and suspension)")
LIST_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_REASON = 200


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
    existing = find_list(ctx.state.reader, organization, args.list_id)
    ctx.require(existing is None, f"{organization} already published status list {args.list_id} "
                                  f"({existing and existing.purpose}); choose another id")
    listed = StatusList(organization, args.list_id, args.purpose, args.length, ctx.block_time_ms, ctx.txid)
    ctx.state.put(list_key(organization, args.list_id), listed.to_dict())
    ctx.emit("status_list_published", organization=organization, list_id=args.list_id,
             purpose=args.purpose, length=args.length)


def _changeable(ctx: TxContext, args: Change) -> tuple[StatusList, StatusBit]:
    """The list (owned by the signer) and the entry's record, or Refused with the reason."""
    organization = ctx.signer.organization
    listed = find_list(ctx.state.reader, organization, args.list_id)
    if listed is None:
        raise Refused(f"{organization} has no status list {args.list_id}; publish it first")
    ctx.require(listed.holds(args.index),
                f"status list index {args.index} is outside list {args.list_id} (0..{listed.length - 1})")
    return listed, status_bit(ctx.state.reader, organization, args.list_id, args.index)


def _record_change(ctx: TxContext, listed: StatusList, bit: StatusBit, args: Change, value: int) -> None:
    change = StatusChange(ctx.block_time_ms, value, ctx.txid, args.reason)
    ctx.state.put(bit_key(listed.organization, args.list_id, args.index), bit.changed(change).to_dict())
    ctx.emit("status_set" if value else "status_cleared", organization=listed.organization,
             list_id=args.list_id, purpose=listed.purpose, index=args.index)


@contract.action("set", Change)
def set_status(ctx: TxContext, args: Change) -> None:
    """Revoke (on a revocation list) or suspend (on a suspension list) entry `index`."""
    listed, bit = _changeable(ctx, args)
    if bit.value:
        since = utc_text(bit.history[-1].at_ms)
        word = "revoked" if listed.purpose == REVOCATION else "suspended"
        raise Refused(f"entry {args.index} of {args.list_id} is already {word} (since {since})")
    _record_change(ctx, listed, bit, args, 1)


@contract.action("clear", Change)
def clear_status(ctx: TxContext, args: Change) -> None:
    """Lift the suspension of entry `index`; a revocation is never lifted."""
    listed, bit = _changeable(ctx, args)
    ctx.require(listed.purpose != REVOCATION,
                f"{args.list_id} is a revocation list and revocation cannot be undone; "
                "use a suspension list for reversible holds")
    ctx.require(bool(bit.value), f"entry {args.index} of {args.list_id} is not suspended")
    _record_change(ctx, listed, bit, args, 0)
