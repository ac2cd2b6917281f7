"""The documents contract: anchor a document's salted commitment with its type and references.

The document itself stays in its owner's vault (DESIGN.md decision 10); the envelope
carries only the commitment (its first entry of `commitments`). Lookups by commitment or
by a business reference (an entry number, a bill of lading ...) read this contract's
state, which every peer keeps and which the state digest covers (decision 14).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import field_validator

from tradeledger.ledger.contract import ANY_ROLE, Args, Contract, TxContext
from tradeledger.ledger.state import StateReader

NAMESPACE = "documents"
contract = Contract(NAMESPACE, "anchored document commitments")
TOKEN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_REFS = 16


def commitment_key(commitment: str) -> str:
    return f"c:{commitment}"


def reference_prefix(name: str, value: str) -> str:
    return f"r:{name}={value}\n"


class Anchor(Args):
    doc_type: str
    refs: dict[str, str] = {}

    @field_validator("doc_type")
    @classmethod
    def _doc_type(cls, v: str) -> str:
        if not TOKEN.match(v):
            raise ValueError("document types are lowercase tokens such as commercial_invoice")
        return v

    @field_validator("refs")
    @classmethod
    def _refs(cls, v: dict[str, str]) -> dict[str, str]:
        if len(v) > MAX_REFS:
            raise ValueError(f"at most {MAX_REFS} references")
        for name, value in v.items():
            if not TOKEN.match(name):
                raise ValueError(f"reference name {name!r} must be a lowercase token such as entry or bol")
            if not value or len(value) > 128 or "\n" in value:
                raise ValueError(f"reference {name} must be 1-128 characters on one line")
        return v


@contract.action("anchor", Anchor, roles=ANY_ROLE,
                 reads=lambda _args, commitments: [(NAMESPACE, commitment_key(c)) for c in commitments[:1]])
def anchor(ctx: TxContext, args: Anchor) -> None:
    ctx.require(len(ctx.commitments) == 1, "anchor carries exactly one commitment")
    commitment = ctx.commitments[0]
    existing = ctx.state.get(commitment_key(commitment))
    ctx.require(existing is None, f"commitment already anchored at leaf {existing and existing['leaf_index']}")
    ctx.state.put(commitment_key(commitment), {
        "commitment": commitment,
        "doc_type": args.doc_type,
        "refs": args.refs,
        "owner": ctx.signer.organization,
        "txid": ctx.txid,
        "leaf_index": ctx.leaf_index,
        "anchored_ms": ctx.block_time_ms,
    })
    for name, value in args.refs.items():
        ctx.state.put(reference_prefix(name, value) + commitment, ctx.leaf_index)
    ctx.emit("anchored", commitment=commitment, doc_type=args.doc_type, refs=args.refs,
             owner=ctx.signer.organization)


def find_by_commitment(state: StateReader, commitment: str) -> dict[str, Any] | None:
    return state.get_state(NAMESPACE, commitment_key(commitment))


def find_by_reference(state: StateReader, name: str, value: str) -> list[dict[str, Any]]:
    prefix = reference_prefix(name, value)
    found = []
    for key, _leaf in state.scan_state(NAMESPACE, prefix):
        record = find_by_commitment(state, key[len(prefix):])
        if record is not None:
            found.append(record)
    return sorted(found, key=lambda r: r["leaf_index"])
