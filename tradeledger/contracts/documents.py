"""The documents contract: anchor a document's salted commitment with its type and references.

The document itself stays in its owner's vault (DESIGN.md decision 10); the envelope
carries only the commitment (its first entry of `commitments`). Lookups by commitment or
by a business reference (an entry number, a bill of lading ...) read this contract's
state, which every peer keeps and which the state digest covers (decision 14).

It keeps, under composite keys (`tradeledger.ledger.keys`):
- `document/<commitment>`: an `AnchoredDocument` (type, references, owner, leaf, time);
- `reference/<name>/<value>/<commitment>`: the leaf index of the anchoring, the index
  that finds the documents carrying one business reference (the key says the rest, so
  the value repeats none of it: every anchor writes one such row per reference).

It also names the document types the trade exchanges (`SUPPORTING_DOCUMENTS`); a
document's type is any lowercase token, these are the ones the default access rules name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import field_validator

from tradeledger.errors import TradeledgerError
from tradeledger.ledger.contract import ANY_ROLE, Args, Contract, TxContext
from tradeledger.ledger.keys import key_prefix, split_key, state_key
from tradeledger.ledger.state import StateReader

NAMESPACE = "documents"
contract = Contract(NAMESPACE, "anchored document commitments")
TOKEN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_REFS = 16

# The supporting documents of an entry: what customs sees of an entry filed with it.
SUPPORTING_DOCUMENTS = (
    "commercial_invoice", "packing_list", "bill_of_lading", "certification_of_origin",
    "mill_certificate", "entry_summary", "permit", "license",
)


class DocumentRecordError(TradeledgerError, ValueError):
    """Stored documents state that this contract could not have written."""


def document_key(commitment: str) -> str:
    return state_key("document", commitment)


def reference_key(name: str, value: str, commitment: str) -> str:
    return state_key("reference", name, value, commitment)


def reference_prefix(name: str, value: str) -> str:
    return key_prefix("reference", name, value)


# --- records -----------------------------------------------------------------------------

@dataclass(frozen=True)
class AnchoredDocument:
    """An anchored commitment: what the ledger knows of a document it never saw."""

    commitment: str
    doc_type: str
    owner: str
    txid: str
    leaf_index: int
    anchored_ms: int
    refs: Mapping[str, str] = field(default_factory=dict)

    def ref(self, name: str) -> str | None:
        return self.refs.get(name)

    def to_dict(self) -> dict[str, Any]:
        return {"commitment": self.commitment, "doc_type": self.doc_type, "refs": dict(self.refs),
                "owner": self.owner, "txid": self.txid, "leaf_index": self.leaf_index,
                "anchored_ms": self.anchored_ms}

    @classmethod
    def from_dict(cls, data: Any) -> AnchoredDocument:
        try:
            refs = data["refs"]
            if not isinstance(refs, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                     for k, v in refs.items()):
                raise TypeError("refs")
            return cls(str(data["commitment"]), str(data["doc_type"]), str(data["owner"]), str(data["txid"]),
                       int(data["leaf_index"]), int(data["anchored_ms"]), dict(refs))
        except (KeyError, TypeError, ValueError) as exc:
            raise DocumentRecordError(f"not an anchored document record ({exc})") from None


# --- the action --------------------------------------------------------------------------

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
                 reads=lambda _args, commitments: [(NAMESPACE, document_key(c)) for c in commitments[:1]])
def anchor(ctx: TxContext, args: Anchor) -> None:
    ctx.require(len(ctx.commitments) == 1, "anchor carries exactly one commitment")
    commitment = ctx.commitments[0]
    key = document_key(commitment)
    existing = ctx.state.get(key)
    ctx.require(existing is None, f"commitment already anchored at leaf {existing and existing['leaf_index']}")
    document = AnchoredDocument(commitment, args.doc_type, ctx.signer.organization, ctx.txid, ctx.leaf_index,
                                ctx.block_time_ms, args.refs)
    ctx.state.put(key, document.to_dict())
    for name, value in args.refs.items():
        ctx.state.put(reference_key(name, value, commitment), ctx.leaf_index)
    ctx.emit("anchored", commitment=commitment, doc_type=args.doc_type, refs=args.refs,
             owner=ctx.signer.organization)


# --- queries -----------------------------------------------------------------------------

def find_by_commitment(state: StateReader, commitment: str) -> AnchoredDocument | None:
    data = state.get_state(NAMESPACE, document_key(commitment))
    return AnchoredDocument.from_dict(data) if data is not None else None


def find_by_reference(state: StateReader, name: str, value: str) -> list[AnchoredDocument]:
    """Every document carrying reference `name`=`value`, in the order they were anchored."""
    found = []
    for key, _leaf_index in state.scan_state(NAMESPACE, reference_prefix(name, value)):
        _kind, (_name, _value, commitment) = split_key(key)
        document = find_by_commitment(state, commitment)
        if document is not None:
            found.append(document)
    return sorted(found, key=lambda d: d.leaf_index)
